"""Pose data: loaders on fixture files in each real format, transforms, synthetic dataset."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import scipy.io
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from pose.data import (
    LSP_FLIP_PAIRS,
    AugmentParams,
    LSPDataset,
    LSPETDataset,
    MPIIDataset,
    SyntheticPoseDataset,
    affine_points,
    crop_affine,
    crop_matrix,
    flip_permutation,
    gaussian_heatmaps,
    heatmap_argmax,
    heatmap_matrix,
    heatmap_sigma,
    heatmap_to_original,
    invert_affine,
)
from pose.data.lsp import box_from_joints, torso_size
from pose.data.synthetic import LSP_DOMAIN, LSPET_DOMAIN, domain_params
from pose.data.transforms import compose_affine

RNG = np.random.default_rng(1234)


def _write_images(folder, names, width=64, height=48):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        pixels = RNG.integers(0, 256, (height, width, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / name)


# ----------------------------------------------------------------------------- LSP / LSPET


def _lsp_fixture(root, count=6):
    joints = RNG.uniform(5, 40, (count, 14, 2))
    visible = RNG.random((count, 14)) < 0.7
    raw = np.zeros((3, 14, count))
    raw[:2] = joints.transpose(2, 1, 0)
    raw[2] = (~visible).T  # LSP stores 0 for a visible joint
    scipy.io.savemat(root / "joints.mat", {"joints": raw})
    _write_images(root / "images", [f"im{i:04d}.jpg" for i in range(1, count + 1)])
    return joints, visible


def test_lsp_parses_inverted_visibility_and_halves(tmp_path):
    joints, visible = _lsp_fixture(tmp_path)
    train = LSPDataset(tmp_path, "train", input_size=128)
    test = LSPDataset(tmp_path, "test", input_size=128)
    np.testing.assert_allclose(train.joints, joints[:3])
    np.testing.assert_array_equal(train.visible, visible[:3])
    np.testing.assert_array_equal(test.visible, visible[3:])
    assert test.image_names == ["im0004.jpg", "im0005.jpg", "im0006.jpg"]
    assert train.num_joints == 14 and train.flip_pairs == LSP_FLIP_PAIRS
    np.testing.assert_allclose(train.norm, torso_size(joints[:3]))


def test_lsp_sample_matches_contract(tmp_path):
    _lsp_fixture(tmp_path)
    sample = LSPDataset(tmp_path, "train", input_size=128)[1]
    assert sample["image"].shape == (3, 128, 128) and sample["image"].dtype == torch.float32
    assert 0.0 <= float(sample["image"].min()) and float(sample["image"].max()) <= 1.0
    assert sample["target"].shape == (14, 32, 32) and sample["visible"].shape == (14,)
    assert sample["joints"].shape == (14, 2) and sample["center"].shape == (2,)
    assert sample["index"] == 1 and sample["norm"] > 0 and sample["scale"] > 0
    # Invisible joints carry an all-zero target.
    empty = sample["target"].flatten(1).amax(1) == 0
    assert torch.equal(empty, sample["visible"] == 0)


def test_lsp_rejects_lspet_layout_naming_file(tmp_path):
    scipy.io.savemat(tmp_path / "joints.mat", {"joints": np.zeros((14, 3, 2000))})
    expected = r"joints\.mat: expected key 'joints' of shape \(3, 14, N\) \[LSP\].*got \(14, 3, 2000\)"
    with pytest.raises(ValueError, match=expected):
        LSPDataset(tmp_path)


def test_lsp_rejects_missing_key_and_bad_flags(tmp_path):
    scipy.io.savemat(tmp_path / "joints.mat", {"points": np.zeros((3, 14, 4))})
    with pytest.raises(ValueError, match=r"joints\.mat: expected key 'joints'.*\['points'\]"):
        LSPDataset(tmp_path)
    raw = np.zeros((3, 14, 4))
    raw[2, 0, 0] = 2
    scipy.io.savemat(tmp_path / "joints.mat", {"joints": raw})
    with pytest.raises(ValueError, match=r"joints\.mat: visibility flags"):
        LSPDataset(tmp_path)


def test_missing_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="joints.mat"):
        LSPETDataset(tmp_path)
    _lsp_fixture(tmp_path)
    (tmp_path / "images" / "im0002.jpg").unlink()
    dataset = LSPDataset(tmp_path, "train", input_size=128)
    with pytest.raises(FileNotFoundError, match="im0002.jpg"):
        dataset[1]


def test_lspet_parses_direct_visibility(tmp_path):
    count = 5
    joints = RNG.uniform(5, 40, (count, 14, 2))
    visible = RNG.random((count, 14)) < 0.6
    raw = np.concatenate([joints.transpose(1, 2, 0), visible.T[:, None, :].astype(float)], axis=1)
    scipy.io.savemat(tmp_path / "joints.mat", {"joints": raw})
    _write_images(tmp_path / "images", [f"im{i:05d}.jpg" for i in range(1, count + 1)])
    dataset = LSPETDataset(tmp_path, input_size=128)
    np.testing.assert_allclose(dataset.joints, joints)
    np.testing.assert_array_equal(dataset.visible, visible)
    assert dataset.image_names[-1] == "im00005.jpg"
    assert dataset[4]["target"].shape == (14, 32, 32)
    scipy.io.savemat(tmp_path / "joints.mat", {"joints": raw.transpose(1, 0, 2)})
    expected = r"joints\.mat: expected key 'joints' of shape \(14, 3, N\) \[LSPET\].*LSP layout"
    with pytest.raises(ValueError, match=expected):
        LSPETDataset(tmp_path)


def test_box_and_torso_rules():
    joints = np.zeros((1, 14, 2))
    joints[0, :, 0] = np.linspace(10, 50, 14)  # width 40
    joints[0, :, 1] = np.linspace(0, 100, 14)  # height 100
    visible = np.ones((1, 14), dtype=bool)
    center, scale = box_from_joints(joints, visible)
    np.testing.assert_allclose(center, [[30, 50]])
    np.testing.assert_allclose(scale, [1.25 * 100 / 200])
    joints[0, 9], joints[0, 2], joints[0, 8], joints[0, 3] = (0, 0), (3, 4), (0, 0), (6, 8)
    np.testing.assert_allclose(torso_size(joints), [10.0])


# ----------------------------------------------------------------------------- MPII


def _mpii_arrays(count):
    part = RNG.uniform(5, 40, (count, 16, 2))
    visible = RNG.random((count, 16)) < 0.8
    part[0, 7] = 0.0  # an unannotated joint
    visible[0, 7] = False
    return {
        "center": RNG.uniform(20, 30, (count, 2)),
        "scale": RNG.uniform(0.2, 0.3, count),
        "part": part,
        "visible": visible.astype(np.float64),
        "normalize": RNG.uniform(5, 10, count),
        "imgname": np.array([f"{i:09d}.jpg".encode() for i in range(count)]),
    }


def _write_h5(path, arrays):
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as file:
        for key, value in arrays.items():
            file[key] = value


def test_mpii_h5_split_and_crop_adjustment(tmp_path):
    arrays = _mpii_arrays(4)
    _write_h5(tmp_path / "annot" / "valid.h5", arrays)
    _write_images(tmp_path / "images", [name.decode() for name in arrays["imgname"]])
    dataset = MPIIDataset(tmp_path, "valid", input_size=128)
    assert dataset.image_names[2] == "000000002.jpg" and len(dataset) == 4
    np.testing.assert_allclose(dataset.joints, arrays["part"])
    np.testing.assert_array_equal(dataset.visible, arrays["visible"] > 0)
    assert dataset.annotated.sum() == 4 * 16 - 1 and not dataset.annotated[0, 7]
    np.testing.assert_allclose(dataset.norm, arrays["normalize"])
    np.testing.assert_allclose(dataset.scale, 1.25 * arrays["scale"])
    np.testing.assert_allclose(dataset.center[:, 1], arrays["center"][:, 1] + 15 * arrays["scale"])
    sample = dataset[0]
    assert sample["target"].shape == (16, 32, 32) and sample["visible"][7] == 0


def test_mpii_h5_malformed_is_named(tmp_path):
    arrays = _mpii_arrays(3)
    del arrays["normalize"]
    _write_h5(tmp_path / "train.h5", arrays)
    with pytest.raises(ValueError, match=r"train\.h5: missing dataset\(s\) \['normalize'\]"):
        MPIIDataset(tmp_path, "train")
    arrays = _mpii_arrays(3)
    arrays["part"] = arrays["part"][:, :14]
    _write_h5(tmp_path / "train.h5", arrays)
    with pytest.raises(ValueError, match=r"train\.h5: expected dataset 'part' of shape \(3, 16, 2\)"):
        MPIIDataset(tmp_path, "train")
    with pytest.raises(FileNotFoundError, match="valid.h5"):
        MPIIDataset(tmp_path, "valid")


def _struct_array(records):
    fields = list(records[0])
    array = np.empty((1, len(records)), dtype=[(field, object) for field in fields])
    for index, record in enumerate(records):
        for field in fields:
            array[0, index][field] = record[field]
    return array


def _release_fixture(path):
    """Three images: a.jpg (annotated + unannotated person), b.jpg (test), c.jpg (train)."""
    empty = np.zeros((0, 0))

    def person(points, x1=10.0):
        return {
            "x1": x1, "y1": 5.0, "x2": x1 + 6.0, "y2": 13.0, "scale": 0.5,
            "objpos": {"x": 30.0, "y": 20.0}, "annopoints": {"point": _struct_array(points)},
        }  # fmt: skip

    def point(joint, x, y, visible):
        return {"id": joint, "x": x, "y": y, "is_visible": visible}

    a_points = [point(0, 11.0, 40.0, 1), point(9, 30.0, 4.0, empty), point(13, 25.0, 12.0, "0")]
    no_points = {key: empty for key in ("x1", "y1", "x2", "y2", "scale", "objpos", "annopoints")}
    annolist = _struct_array([
        {"image": {"name": "a.jpg"}, "annorect": _struct_array([person(a_points), no_points])},
        {"image": {"name": "b.jpg"}, "annorect": _struct_array([no_points])},
        {"image": {"name": "c.jpg"}, "annorect": _struct_array([person([point(5, 1.0, 2.0, 1)], x1=0.0)])},
    ])  # fmt: skip
    single = np.empty((3, 1), dtype=object)
    single[:, 0] = [np.array([[1]]), empty, empty]
    release = {"annolist": annolist, "img_train": np.array([[1, 0, 1]]), "single_person": single}
    scipy.io.savemat(path, {"RELEASE": release})


def test_mpii_release_mat_parsing_and_split(tmp_path):
    _release_fixture(tmp_path / "mpii_human_pose_v1_u12_1.mat")
    _write_images(tmp_path / "images", ["a.jpg", "c.jpg"])
    train = MPIIDataset(tmp_path, "train", valid_names=["a.jpg"], input_size=128)
    valid = MPIIDataset(tmp_path, "valid", valid_names=["a.jpg"], input_size=128)
    assert train.image_names == ["c.jpg"] and valid.image_names == ["a.jpg"]
    np.testing.assert_allclose(valid.joints[0, [0, 9, 13]], [[11, 40], [30, 4], [25, 12]])
    # id 0: flag 1; id 9: flag missing -> visible; id 13: flag "0"; unlisted joints: absent.
    assert valid.visible[0].nonzero()[0].tolist() == [0, 9]
    assert valid.annotated[0].nonzero()[0].tolist() == [0, 9, 13]
    np.testing.assert_allclose(valid.norm, [0.6 * np.hypot(6.0, 8.0)])
    np.testing.assert_allclose(valid.head_box[0], [10, 5, 16, 13])
    assert valid[0]["target"].shape == (16, 32, 32)
    only_single = MPIIDataset(tmp_path, "valid", valid_names=["a.jpg"], single_person_only=True)
    assert len(only_single) == 1
    # The validation names can come from a text file or from annot/valid.h5.
    (tmp_path / "names.txt").write_text("c.jpg\n")
    assert MPIIDataset(tmp_path, "valid", valid_names=tmp_path / "names.txt").image_names == ["c.jpg"]
    arrays = _mpii_arrays(1)
    arrays["imgname"] = np.array([b"a.jpg"])
    _write_h5(tmp_path / "annot" / "valid.h5", arrays)
    mat = tmp_path / "mpii_human_pose_v1_u12_1.mat"
    assert MPIIDataset(tmp_path, "train", annotation=mat).image_names == ["c.jpg"]


def test_mpii_release_needs_validation_names_and_struct(tmp_path):
    mat = tmp_path / "mpii_human_pose_v1_u12_1.mat"
    _release_fixture(mat)
    with pytest.raises(FileNotFoundError, match="valid_names"):
        MPIIDataset(tmp_path, "train")
    scipy.io.savemat(mat, {"annolist": np.zeros(3)})
    with pytest.raises(ValueError, match=r"mpii_human_pose_v1_u12_1\.mat: expected struct 'RELEASE'"):
        MPIIDataset(tmp_path, "train", valid_names=[])


# ----------------------------------------------------------------------------- transforms


@settings(max_examples=60, deadline=None)
@given(
    cx=st.floats(-50, 500),
    cy=st.floats(-50, 500),
    scale=st.floats(0.2, 5.0),
    rotation=st.floats(-30, 30),
    flip=st.booleans(),
    size=st.sampled_from([128, 256]),
)
def test_crop_then_back_projection_round_trips(cx, cy, scale, rotation, flip, size):
    points = RNG.uniform(-100, 600, (16, 2))
    matrix = crop_matrix((cx, cy), scale, size, rotation, flip)
    back = affine_points(affine_points(points, matrix), invert_affine(matrix))
    assert np.abs(back - points).max() < 0.5
    # Un-augmented heatmap coordinates map back through the closed form too.
    to_heatmap = compose_affine(crop_matrix((cx, cy), scale, size), heatmap_matrix(size, size // 4))
    coords = affine_points(points, to_heatmap)[None]
    original = heatmap_to_original(coords, np.array([[cx, cy]]), np.array([scale]), size, size // 4)
    assert np.abs(original[0] - points).max() < 0.5


def test_crop_pixels_follow_the_matrix():
    # A smooth blob at a sub-pixel position must land where the affine map predicts.
    height, width, peak = 90, 120, np.array([71.3, 38.6])
    yy, xx = np.mgrid[:height, :width]
    blob = np.exp(-((xx - peak[0]) ** 2 + (yy - peak[1]) ** 2) / (2 * 4.0**2))
    image = np.repeat((255 * blob).astype(np.uint8)[..., None], 3, axis=2)
    crop, matrix = crop_affine(image, (60.0, 45.0), 0.5, 128, rotation=20.0, flip=True)
    weights = crop[..., 0].astype(float)
    weights[weights < 0.2 * weights.max()] = 0.0
    cy, cx = np.mgrid[:128, :128]
    centroid = np.array([(weights * cx).sum(), (weights * cy).sum()]) / weights.sum()
    assert np.linalg.norm(centroid - affine_points(peak, matrix)) < 0.5


def test_flip_swaps_left_and_right_joints():
    assert flip_permutation(14, LSP_FLIP_PAIRS).tolist() == [5, 4, 3, 2, 1, 0, 11, 10, 9, 8, 7, 6, 12, 13]
    dataset = SyntheticPoseDataset(4, num_joints=14, input_size=128)
    plain = dataset[2]
    dataset._augmentation = lambda: AugmentParams(flip=True)
    flipped = dataset[2]
    torch.testing.assert_close(flipped["image"], plain["image"].flip(-1))
    both = (dataset.visible[2] & dataset.visible[2][flip_permutation(14, LSP_FLIP_PAIRS)]).nonzero()[0]
    assert len(both) >= 6, "fixture sample should show most pairs"
    for left, right in LSP_FLIP_PAIRS:
        if left in both:
            # The flipped right-ankle map is the mirror image of the plain left-ankle map.
            torch.testing.assert_close(flipped["target"][left], plain["target"][right].flip(-1), atol=1e-5, rtol=0)


def test_heatmap_argmax_quarter_pixel_shift():
    maps, inside = gaussian_heatmaps(np.array([[10.3, 7.8], [0.2, 20.0]]), np.array([True, True]), 32)
    assert inside.all()
    coords = heatmap_argmax(torch.from_numpy(maps)[None])
    assert coords.shape == (1, 2, 2) and isinstance(coords, torch.Tensor)
    torch.testing.assert_close(coords[0, 0], torch.tensor([10.25, 7.75]))
    # A border peak has one neighbour in x: it keeps its integer column.
    torch.testing.assert_close(coords[0, 1], torch.tensor([0.0, 20.0]))
    assert isinstance(heatmap_argmax(maps[None]), np.ndarray)


def test_gaussian_target_peaks_at_joint_and_blanks_missing():
    points = np.array([[12.0, 5.0], [3.0, 3.0], [40.0, 3.0], [-0.7, 2.0]])
    maps, inside = gaussian_heatmaps(points, np.array([True, False, True, True]), 32)
    assert maps.shape == (4, 32, 32) and maps.dtype == np.float32
    assert np.unravel_index(maps[0].argmax(), maps[0].shape) == (5, 12) and maps[0, 5, 12] == 1.0
    assert inside.tolist() == [True, False, False, False]
    assert not maps[1:].any()
    assert heatmap_sigma(64) == 1.75 and heatmap_sigma(32) == 0.875


# ----------------------------------------------------------------------------- synthetic


def _images(dataset, indices):
    return np.stack([dataset[i]["image"].numpy() for i in indices])


def test_synthetic_deterministic_per_seed_and_order():
    first = SyntheticPoseDataset(6, domain="lspet", seed=3, input_size=128)
    second = SyntheticPoseDataset(6, domain="lspet", seed=3, input_size=128)
    np.testing.assert_array_equal(first.joints, second.joints)
    np.testing.assert_array_equal(first.visible, second.visible)
    np.testing.assert_array_equal(first.norm, second.norm)
    forward = _images(first, range(6))
    backward = _images(second, reversed(range(6)))[::-1]
    np.testing.assert_array_equal(forward, backward)
    other = SyntheticPoseDataset(6, domain="lspet", seed=4, input_size=128)
    assert not np.allclose(other.joints, first.joints)
    assert not np.array_equal(_images(other, [0]), forward[:1])


def test_synthetic_sample_targets_sit_on_joints():
    dataset = SyntheticPoseDataset(8, num_joints=16, input_size=128)
    assert dataset.num_joints == 16 and dataset.joints.shape == (8, 16, 2)
    sample = dataset[5]
    assert sample["image"].shape == (3, 128, 128) and sample["target"].shape == (16, 32, 32)
    coords = heatmap_argmax(sample["target"][None])
    seen = dataset.visible[5]
    assert torch.equal(sample["visible"].bool(), torch.from_numpy(seen))
    # Identity crop: back-projected target peaks are within the quarter-pixel rounding (1 px).
    error = np.abs(dataset.to_original(coords, [5]).numpy()[0] - dataset.joints[5])[seen]
    assert error.max() <= 4 * 0.25 + 1e-3
    exact = affine_points(dataset.joints[5], heatmap_matrix(128, 32))[None]
    np.testing.assert_allclose(dataset.to_original(exact, [5])[0], dataset.joints[5], atol=1e-9)


def test_synthetic_augmentation_keeps_labels_consistent():
    torch.manual_seed(0)
    dataset = SyntheticPoseDataset(6, domain="lspet", input_size=128, augment=True)
    for index in range(6):
        sample = dataset[index]
        points = affine_points(dataset.joints[index], sample["affine"].numpy().astype(np.float64))
        coords = heatmap_argmax(sample["target"][None])[0].numpy()
        keep = sample["visible"].numpy() > 0
        if keep.any():
            order = np.arange(14)
            if sample["affine"][0, 0] < 0:  # a flip relabels left and right
                order = flip_permutation(14, LSP_FLIP_PAIRS)
            assert np.abs(coords - points[order])[keep].max() <= 0.25 + 1e-6


def test_synthetic_domain_shift_is_measurable():
    n = 200
    lsp = SyntheticPoseDataset(n, domain="lsp", input_size=128, seed=0)
    lspet = SyntheticPoseDataset(n, domain="lspet", input_size=128, seed=0)

    def spread(dataset):
        # Figure size: bounding-box side of all joints in pixels.
        return (dataset.joints.max(axis=1) - dataset.joints.min(axis=1)).max(axis=1)

    def lower_leg_angle(dataset):
        # Angle between thigh and shin of the right leg: large bends are athletic poses.
        thigh = dataset.joints[:, 1] - dataset.joints[:, 2]
        shin = dataset.joints[:, 0] - dataset.joints[:, 1]
        cos = (thigh * shin).sum(1) / np.linalg.norm(thigh, axis=1) / np.linalg.norm(shin, axis=1)
        return np.degrees(np.arccos(np.clip(cos, -1, 1)))

    assert scipy.stats.ks_2samp(spread(lsp), spread(lspet)).pvalue < 1e-3
    assert scipy.stats.ks_2samp(lower_leg_angle(lsp), lower_leg_angle(lspet)).pvalue < 1e-3

    def busyness(dataset, count=100):
        # Mean absolute horizontal gradient of the rendered image: clutter and noise.
        return np.array([np.abs(np.diff(dataset.render(i).astype(float), axis=1)).mean() for i in range(count)])

    assert scipy.stats.ks_2samp(busyness(lsp), busyness(lspet)).pvalue < 1e-3


def test_synthetic_shift_interpolates_and_validates():
    middle = domain_params(0.5)
    assert middle.spine_sd == pytest.approx((LSP_DOMAIN.spine_sd + LSPET_DOMAIN.spine_sd) / 2)
    assert SyntheticPoseDataset(2, domain="lsp", shift=0.25).params == domain_params(0.25)
    with pytest.raises(ValueError, match="shift"):
        domain_params(1.5)
    with pytest.raises(ValueError, match="domain"):
        SyntheticPoseDataset(2, domain="mpii")
    with pytest.raises(ValueError, match="input_size"):
        SyntheticPoseDataset(2, input_size=100)


def test_synthetic_caches_return_identical_images(tmp_path):
    plain = SyntheticPoseDataset(5, seed=7)
    reference = _images(plain, range(5))
    memory = SyntheticPoseDataset(5, seed=7, cache="memory")
    np.testing.assert_array_equal(_images(memory, range(5)), reference)
    np.testing.assert_array_equal(_images(memory, range(5)), reference)
    path = tmp_path / "synthetic.npz"
    SyntheticPoseDataset(5, seed=7, cache=path)
    np.testing.assert_array_equal(_images(SyntheticPoseDataset(5, seed=7, cache=path), range(5)), reference)
    with pytest.raises(ValueError, match="synthetic.npz: cache was made with different settings"):
        SyntheticPoseDataset(5, seed=8, cache=path)


def test_synthetic_disk_cache_is_atomic_and_a_damaged_file_is_rebuilt(tmp_path, monkeypatch):
    import pose.data.synthetic as synthetic

    reference = _images(SyntheticPoseDataset(5, seed=7), range(5))
    path = tmp_path / "synthetic.npz"
    writes = []
    atomic = synthetic.atomic_write_bytes
    monkeypatch.setattr(synthetic, "atomic_write_bytes", lambda p, data: writes.append(p) or atomic(p, data))
    SyntheticPoseDataset(5, seed=7, cache=path)
    assert writes == [path] and [p.name for p in tmp_path.iterdir()] == ["synthetic.npz"]
    whole = path.read_bytes()
    for damaged in (whole[: len(whole) // 2], whole[:-1], b""):  # truncated: no zip directory left
        path.write_bytes(damaged)
        with pytest.warns(UserWarning, match="damaged synthetic-image cache"):
            rebuilt = SyntheticPoseDataset(5, seed=7, cache=path)
        np.testing.assert_array_equal(_images(rebuilt, range(5)), reference)
        with np.load(path) as stored:  # rebuilt on disk too
            np.testing.assert_array_equal(stored["images"], rebuilt._stored)
    flipped = bytearray(whole)
    flipped[len(whole) // 2] ^= 0xFF  # a flipped bit inside the image data fails the zip CRC
    path.write_bytes(bytes(flipped))
    with pytest.warns(UserWarning, match="Bad CRC-32"):
        np.testing.assert_array_equal(_images(SyntheticPoseDataset(5, seed=7, cache=path), range(5)), reference)
    other = tmp_path / "other.npz"
    np.savez(other, x=np.arange(3))
    with pytest.raises(ValueError, match="other.npz: not a synthetic-pose cache"):
        SyntheticPoseDataset(5, seed=7, cache=other)
    with np.load(other) as kept:  # someone else's file is never overwritten
        assert kept["x"].tolist() == [0, 1, 2]


# ----------------------------------------------------------------------------- protocol switches in the loaders


def test_lsp_box_margin_and_its_training_draw(tmp_path):
    from pose.protocol import PROTOCOLS

    _lsp_fixture(tmp_path)
    standard = LSPDataset(tmp_path, "train", input_size=128)
    authors = LSPDataset(tmp_path, "train", input_size=128, box_margin=2.0, augment=True)
    np.testing.assert_allclose(authors.scale, standard.scale * 2.0 / 1.25)  # the side scales with the margin
    np.testing.assert_allclose(authors.center, standard.center)
    with pytest.raises(ValueError, match="margin"):
        LSPDataset(tmp_path, "train", box_margin=0.0)
    authors.use_protocol(PROTOCOLS["authors"])
    assert authors.box_margin_train == (1.5, 2.5)
    factors = []
    for _ in range(400):
        factors.append(authors._augmentation().scale_factor)
    # zoom U(0.75, 1.25) times margin U(1.5, 2.5) / 2: the product's range, both ends nearly reached
    assert 0.75 * 1.5 / 2 <= min(factors) < 0.6 and 1.4 < max(factors) <= 1.25 * 2.5 / 2


def test_mpii_occluded_joints_head_size_and_head_top(tmp_path):
    arrays = _mpii_arrays(4)
    arrays["visible"][1, :5] = 0  # five annotated but occluded joints
    _write_h5(tmp_path / "annot" / "valid.h5", arrays)
    _write_images(tmp_path / "images", [name.decode() for name in arrays["imgname"]])
    default = MPIIDataset(tmp_path, "valid", input_size=128)
    trained = MPIIDataset(tmp_path, "valid", input_size=128, occluded="trained")
    zero = MPIIDataset(tmp_path, "valid", input_size=128, occluded="zero_target")
    flags = (arrays["visible"] > 0) & default.annotated
    assert flags.sum() < default.annotated.sum()
    np.testing.assert_array_equal(default.visible, arrays["visible"] > 0)  # masked training, official scoring
    np.testing.assert_array_equal(default.scored, default.annotated)
    np.testing.assert_array_equal(trained.visible, default.annotated)
    np.testing.assert_array_equal(trained.scored, default.annotated)
    np.testing.assert_array_equal(zero.scored, zero.visible)
    np.testing.assert_array_equal(zero.visible[zero.annotated], flags[zero.annotated])
    authors = MPIIDataset(tmp_path, "valid", input_size=128, head_size_factor=1.0, head_towards_neck=0.2)
    np.testing.assert_allclose(authors.norm, arrays["normalize"] / 0.6)
    head, neck = arrays["part"][:, 9], arrays["part"][:, 8]
    np.testing.assert_allclose(authors.joints[:, 9], head + 0.2 * (neck - head))
    np.testing.assert_allclose(authors.joints[:, :9], arrays["part"][:, :9])
    with pytest.raises(ValueError, match="occluded"):
        MPIIDataset(tmp_path, "valid", occluded="hidden")

"""PCK / PCKh on hand-worked examples, edge cases and input checking."""
import numpy as np
import pytest

from pose.metrics import (
    AUTHORS_THRESHOLDS,
    LSP_JOINTS,
    MPII_THRESHOLDS,
    PCKResult,
    lsp_torso_size,
    mpii_head_size,
    pck,
    pck_curve,
    pckh,
    plot_pck_curves,
)


def _example():
    # Two images, three joints. Offsets of 3-4-5 triangles give exact distances.
    gt = np.zeros((2, 3, 2))
    pred = np.zeros((2, 3, 2))
    pred[0, 0] = [3, 4]    # d = 5
    pred[0, 1] = [6, 8]    # d = 10
    pred[0, 2] = [0, 0]    # d = 0
    pred[1, 0] = [0, 2]    # d = 2
    pred[1, 1] = [30, 40]  # d = 50
    pred[1, 2] = [0, 1]    # d = 1 (invisible)
    visible = np.array([[True, True, True], [True, True, False]])
    return pred, gt, visible


def test_hand_worked_pckh():
    pred, gt, visible = _example()
    head = np.array([10.0, 4.0])  # thresholds at 0.5: 5 and 2
    res = pckh(pred, gt, visible, head, threshold=0.5, total="all")
    assert isinstance(res, PCKResult)
    # image 0: 5 <= 5 yes, 10 no, 0 yes; image 1: 2 <= 2 yes, 50 no.
    assert res.correct.tolist() == [[True, False, True], [True, False, False]]
    assert res.mean == pytest.approx(3 / 5)
    np.testing.assert_allclose(res.per_joint, [1.0, 0.0, 1.0])
    np.testing.assert_allclose(res.per_image, [2 / 3, 1 / 2])
    assert res.threshold == 0.5


def test_threshold_scales_the_normaliser():
    pred, gt, visible = _example()
    res = pck(pred, gt, visible, np.array([10.0, 4.0]), threshold=0.2)  # radii 2 and 0.8
    assert res.correct.tolist() == [[False, False, True], [False, False, False]]
    assert res.mean == pytest.approx(1 / 5)


def test_no_visible_joints_gives_nan():
    pred, gt, _ = _example()
    res = pck(pred, gt, np.zeros((2, 3), bool), np.ones(2))
    assert np.isnan(res.mean)
    assert np.isnan(res.per_joint).all() and np.isnan(res.per_image).all()
    visible = np.array([[True, False, False], [True, False, False]])
    res = pck(pred, gt, visible, np.array([100.0, 100.0]))
    assert res.mean == 1.0
    assert res.per_joint[0] == 1.0 and np.isnan(res.per_joint[1:]).all()


def test_zero_normaliser_counts_only_exact_hits():
    pred, gt, visible = _example()
    res = pck(pred, gt, visible, np.array([0.0, 0.0]), threshold=0.5)
    assert res.correct.tolist() == [[False, False, True], [False, False, False]]


def test_non_finite_prediction_is_incorrect():
    pred, gt, visible = _example()
    pred[0, 2] = np.nan
    res = pck(pred, gt, visible, np.array([1000.0, 1000.0]))
    assert res.correct[0].tolist() == [True, True, False]


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
def test_bad_normaliser_raises(bad):
    pred, gt, visible = _example()
    with pytest.raises(ValueError, match="norm"):
        pck(pred, gt, visible, np.array([1.0, bad]))


def test_shape_errors_name_the_argument():
    pred, gt, visible = _example()
    norm = np.ones(2)
    with pytest.raises(ValueError, match="pred"):
        pck(pred[:, :2], gt, visible, norm)
    with pytest.raises(ValueError, match="gt"):
        pck(pred, gt[..., :1], visible, norm)
    with pytest.raises(ValueError, match="visible"):
        pck(pred, gt, visible[:, :2], norm)
    with pytest.raises(ValueError, match="norm"):
        pck(pred, gt, visible, np.ones(3))
    with pytest.raises(ValueError, match="threshold"):
        pck(pred, gt, visible, norm, threshold=-0.1)
    with pytest.raises(ValueError, match="visible"):
        pck(pred, gt, np.full((2, 3), 2), norm)
    with pytest.raises(ValueError, match="headboxes"):
        mpii_head_size(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="14"):
        lsp_torso_size(np.zeros((2, 16, 2)))
    gt_bad = gt.copy()
    gt_bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="gt must be finite"):
        pck(pred, gt_bad, visible, norm)


def test_mpii_head_size_is_0_6_of_the_diagonal():
    boxes = np.array([[[10, 20], [40, 60]], [[0, 0], [5, 12]]], dtype=float)
    np.testing.assert_allclose(mpii_head_size(boxes), [0.6 * 50, 0.6 * 13])


def test_lsp_torso_size():
    assert LSP_JOINTS[2] == "rhip" and LSP_JOINTS[3] == "lhip"
    assert LSP_JOINTS[8] == "rsho" and LSP_JOINTS[9] == "lsho"
    gt = np.zeros((2, 14, 2))
    gt[0, 9] = [3, 4]   # ‖lsho − rhip‖ = 5
    gt[0, 8] = [0, 2]   # ‖rsho − lhip‖ = 2
    gt[1, 2] = [0, 1]   # ‖lsho − rhip‖ = 1
    gt[1, 3] = [6, 8]   # ‖rsho − lhip‖ = 10
    np.testing.assert_allclose(lsp_torso_size(gt), [5.0, 10.0])


def test_accepts_integer_visibility_and_lists():
    res = pck([[[0.0, 0.0]]], [[[0.0, 1.0]]], [[1]], [5.0], 0.2)
    assert res.mean == 1.0


def _mpii_case():
    """16 MPII joints, 2 images, head size 10 (radius 5 at 0.5); distances chosen per joint.

    Image 0: every joint visible; joints 0-5 at d = 4 (in), 8-15 at d = 6 (out), pelvis 6 and
    thorax 7 at d = 0 (in). Image 1: joints 0-3 visible at d = 5 exactly (on the boundary),
    pelvis/thorax visible at d = 1 (in), the rest invisible (and far off).
    """
    gt = np.zeros((2, 16, 2))
    pred = np.zeros((2, 16, 2))
    pred[0, 0:6, 0] = 4.0
    pred[0, 8:16, 1] = 6.0
    pred[1, 0:4] = [3.0, 4.0]
    pred[1, 6:8, 0] = 1.0
    pred[1, 8:16, 0] = 100.0
    pred[1, 4:6, 0] = 100.0
    visible = np.zeros((2, 16), bool)
    visible[0] = True
    visible[1, [0, 1, 2, 3, 6, 7]] = True
    return pred, gt, visible, np.array([10.0, 10.0])


def test_official_total_excludes_pelvis_and_thorax_and_weights_by_count():
    pred, gt, visible, head = _mpii_case()
    # Counted joints (14): image 0 has 14 visible, 6 correct (0-5); image 1 has 4 visible (0-3),
    # all on the boundary: correct with <=. Official = (6 + 4) / (14 + 4) = 10 / 18.
    assert pckh(pred, gt, visible, head).mean == pytest.approx(10 / 18)
    # All 16: pelvis/thorax add 4 visible, 4 correct: 14 / 22.
    assert pckh(pred, gt, visible, head, total="all").mean == pytest.approx(14 / 22)
    # Mean of per-joint PCKs over 16 joints: joints 0-3 -> 1, 4-5 -> 1, 6-7 -> 1, 8-15 -> 0: 8/16.
    assert pckh(pred, gt, visible, head, total="mean_of_joints").mean == pytest.approx(0.5)


def test_boundary_le_versus_lt():
    pred, gt, visible, head = _mpii_case()
    # With "<" the four boundary joints of image 1 fail: official (6 + 0) / 18.
    res = pckh(pred, gt, visible, head, boundary="lt")
    assert res.mean == pytest.approx(6 / 18)
    assert res.correct[1, :4].tolist() == [False] * 4
    assert pckh(pred, gt, visible, head, boundary="le").correct[1, :4].tolist() == [True] * 4


def test_official_total_needs_sixteen_joints():
    pred, gt, visible = _example()
    with pytest.raises(ValueError, match="16-joint"):
        pckh(pred, gt, visible, np.ones(2))
    with pytest.raises(ValueError, match="total"):
        pck(pred, gt, visible, np.ones(2), total="mean")
    with pytest.raises(ValueError, match="boundary"):
        pck(pred, gt, visible, np.ones(2), boundary="<=")


def test_curve_matches_single_thresholds_and_grids():
    pred, gt, visible, head = _mpii_case()
    grid = [0.0, 0.1, 0.4, 0.5, 0.6, 1.0]
    for boundary in ("le", "lt"):
        curve = pck_curve(pred, gt, visible, head, grid, total="official", boundary=boundary)
        for k, t in enumerate(grid):
            single = pckh(pred, gt, visible, head, threshold=t, boundary=boundary)
            assert curve.total[k] == pytest.approx(single.mean)
            np.testing.assert_allclose(curve.per_joint[k], single.per_joint)
    # Hand values with <=: t = 0.4 (radius 4): image 0 joints 0-5 in (6), nothing in image 1: 6/18;
    # t = 0.6 (radius 6): every counted visible joint in: 18/18.
    curve = pck_curve(pred, gt, visible, head, grid, total="official")
    assert curve.total[2] == pytest.approx(6 / 18) and curve.total[4] == pytest.approx(1.0)
    assert MPII_THRESHOLDS[0] == 0.0 and MPII_THRESHOLDS[-1] == 0.5 and len(MPII_THRESHOLDS) == 51
    assert len(AUTHORS_THRESHOLDS) == 20 and not np.any(np.isclose(AUTHORS_THRESHOLDS, 0.5))
    with pytest.raises(ValueError, match="thresholds"):
        pck_curve(pred, gt, visible, head, [0.1, -0.2])


def test_curve_csv_and_plot(tmp_path):
    pred, gt, visible, head = _mpii_case()
    curve = pck_curve(pred, gt, visible, head, [0.4, 0.6], total="official")
    path = curve.to_csv(tmp_path / "pckh.csv", [f"j{k}" for k in range(16)])
    lines = path.read_text().splitlines()
    assert lines[0].split(",")[:3] == ["threshold", "total_official", "j0"]
    row = lines[1].split(",")
    assert float(row[0]) == 0.4 and float(row[1]) == pytest.approx(100 * 6 / 18, abs=1e-4)
    assert float(row[2]) == 50.0 and float(row[2 + 8]) == 0.0  # joint 0: in on image 0 only; joint 8 out
    png = plot_pck_curves({"ours": curve}, tmp_path / "pckh.png")
    assert png.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="joint_names"):
        curve.to_csv(tmp_path / "x.csv", ["a"])

"""PCK / PCKh on hand-worked examples, edge cases and input checking."""
import numpy as np
import pytest

from pose.metrics import LSP_JOINTS, PCKResult, lsp_torso_size, mpii_head_size, pck, pckh


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
    res = pckh(pred, gt, visible, head, threshold=0.5)
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

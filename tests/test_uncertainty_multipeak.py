"""Heatmap peaks and multi-peak entropy against hand computations and a brute-force peak finder."""
import math

import numpy as np
import pytest
import torch

from pose.uncertainty import find_peaks, multipeak_entropy


def _brute_peaks(img, num_peaks, r, exclude_border):
    """skimage.feature.peak_local_max's documented rule, pixel by pixel."""
    h, w = img.shape
    floor = img.min()
    cands = []
    for y in range(h):
        for x in range(w):
            if exclude_border and not (r <= y < h - r and r <= x < w - r):
                continue
            window = img[max(0, y - r):y + r + 1, max(0, x - r):x + r + 1]
            if img[y, x] == window.max() and img[y, x] > floor:
                cands.append((-img[y, x], y, x))
    cands.sort()
    kept = []
    for v, y, x in cands:
        if all(max(abs(y - ky), abs(x - kx)) > r for _, ky, kx in kept):
            kept.append((v, y, x))
    return [(-v, y, x) for v, y, x in kept[:num_peaks]]


def _entropy_of_softmax(values):
    z = [math.exp(v) for v in values]
    s = sum(z)
    return -sum(q / s * math.log(q / s) for q in z)


def test_hand_made_heatmaps():
    h = torch.zeros(2, 3, 64, 64, dtype=torch.float64)
    # joint 0: three well-separated peaks 3, 2, 1
    h[0, 0, 10, 10], h[0, 0, 30, 40], h[0, 0, 50, 20] = 3.0, 2.0, 1.0
    # joint 1: one peak -> 0
    h[0, 1, 32, 32] = 5.0
    # joint 2: flat -> no peak -> 0
    # image 1, joint 0: six equal separated peaks, only five kept -> log 5
    for k in range(6):
        h[1, 0, 8 + 9 * k, 8 + 9 * k] = 1.0
    # image 1, joint 1: a peak in the border strip (row 3 < 5) is ignored; one inside -> 0
    h[1, 1, 3, 30], h[1, 1, 30, 30] = 9.0, 1.0
    # image 1, joint 2: peaks at Chebyshev distance 5 (merged) and 6 (kept), values 2, 1.5, 1
    h[1, 2, 20, 20], h[1, 2, 25, 22], h[1, 2, 14, 26] = 2.0, 1.5, 1.0
    score = multipeak_entropy(h)
    expected0 = _entropy_of_softmax([3.0, 2.0, 1.0])
    expected1 = math.log(5.0) + 0.0 + _entropy_of_softmax([2.0, 1.0])
    assert score.shape == (2,)
    assert score[0].item() == pytest.approx(expected0, rel=1e-12)
    assert score[1].item() == pytest.approx(expected1, rel=1e-12)
    peaks = find_peaks(h)
    assert peaks.count.tolist() == [[3, 1, 0], [5, 1, 2]]
    assert peaks.rows[1, 2, :2].tolist() == [20, 14] and peaks.cols[1, 2, :2].tolist() == [20, 26]


def test_border_kept_when_not_excluded():
    h = torch.zeros(1, 1, 32, 32)
    h[0, 0, 0, 0], h[0, 0, 16, 16] = 1.0, 1.0
    assert find_peaks(h, exclude_border=False).count.item() == 2
    assert multipeak_entropy(h, exclude_border=False).item() == pytest.approx(math.log(2), rel=1e-6)
    assert multipeak_entropy(h).item() == 0.0


def test_plateau_counts_once():
    h = torch.zeros(1, 1, 32, 32)
    h[0, 0, 12, 12:15] = 2.0          # a 3-pixel plateau: one peak
    h[0, 0, 24, 24] = 2.0             # a second, separate peak of the same height
    assert find_peaks(h).count.item() == 2
    assert multipeak_entropy(h).item() == pytest.approx(math.log(2), rel=1e-6)


@pytest.mark.parametrize("exclude_border", [True, False])
def test_against_brute_force_continuous(exclude_border):
    rng = np.random.default_rng(1)
    img = rng.normal(size=(4, 3, 24, 24))
    got = find_peaks(torch.from_numpy(img), num_peaks=5, min_distance=3, exclude_border=exclude_border)
    for b in range(4):
        for j in range(3):
            ref = _brute_peaks(img[b, j], 5, 3, exclude_border)
            n = int(got.count[b, j])
            assert n == len(ref)
            mine = list(zip(got.values[b, j, :n].tolist(), got.rows[b, j, :n].tolist(), got.cols[b, j, :n].tolist()))
            assert mine == ref


def test_against_brute_force_with_plateaus():
    """Quantised heatmaps have many ties: which plateau pixel is reported may differ, the values may not."""
    rng = np.random.default_rng(2)
    img = rng.integers(0, 4, size=(6, 4, 20, 20)).astype(np.float64)
    t = torch.from_numpy(img)
    got = find_peaks(t, num_peaks=5, min_distance=2)
    score = multipeak_entropy(t, num_peaks=5, min_distance=2)
    for b in range(6):
        total = 0.0
        for j in range(4):
            ref = _brute_peaks(img[b, j], 5, 2, True)
            n = int(got.count[b, j])
            assert n == len(ref)
            assert got.values[b, j, :n].tolist() == [v for v, _, _ in ref]
            # kept peaks are spaced by more than r
            rows, cols = got.rows[b, j, :n], got.cols[b, j, :n]
            cheb = torch.maximum((rows[:, None] - rows[None]).abs(), (cols[:, None] - cols[None]).abs())
            assert bool((cheb + 100 * torch.eye(n, dtype=cheb.dtype) > 2).all())
            total += _entropy_of_softmax([v for v, _, _ in ref]) if len(ref) > 1 else 0.0
        assert score[b].item() == pytest.approx(total, rel=1e-12, abs=1e-12)


def test_tiny_heatmap_has_fewer_pixels_than_slots():
    h = torch.tensor([[[[0.0, 1.0], [0.0, 0.0]]]])
    p = find_peaks(h, num_peaks=5, min_distance=1, exclude_border=False)
    assert p.values.shape == (1, 1, 5) and p.count.item() == 1


@pytest.mark.parametrize("bad, match", [
    (dict(heatmaps=torch.zeros(2, 8, 8)), "heatmaps"),
    (dict(heatmaps=torch.zeros(1, 1, 8, 8, dtype=torch.int64)), "floating"),
    (dict(heatmaps=torch.full((1, 1, 8, 8), float("nan"))), "NaN"),
    (dict(num_peaks=0), "num_peaks"),
    (dict(min_distance=0), "min_distance"),
])
def test_bad_input(bad, match):
    kwargs = dict(heatmaps=torch.zeros(1, 1, 16, 16), num_peaks=5, min_distance=5)
    kwargs.update(bad)
    with pytest.raises(ValueError, match=match):
        multipeak_entropy(**kwargs)

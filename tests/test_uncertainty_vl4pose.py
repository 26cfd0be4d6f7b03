"""VL4Pose: skeleton trees, link NLL by hand, and the tree pass against exhaustive search."""
import itertools
import math

import numpy as np
import pytest
import torch
from scipy.special import logsumexp as np_logsumexp
from scipy.stats import norm

from pose.data.skeleton import LSP_JOINTS, MPII_JOINTS
from pose.uncertainty import (
    LSP_TREE,
    MPII_TREE,
    JointCandidates,
    SkeletonTree,
    joint_candidates,
    link_lengths,
    link_nll,
    link_visible,
    skeleton_tree_for,
    split_link_parameters,
    tree_log_likelihood,
    vl4pose_score,
)


def _brute_force_all_poses(xy, log_prob, mean, log_var, tree):
    """Exhaustive search over all K^J poses of one image, with scipy's normal log-density.

    Returns (max, argmax pose, log-sum-exp); empty candidate slots have log_prob = -inf.
    """
    j, k = log_prob.shape
    poses = np.array(list(itertools.product(range(k), repeat=j)))
    total = log_prob[np.arange(j), poses].sum(axis=1)
    for index, (p, c) in enumerate(tree.links):
        d = np.linalg.norm(xy[p, poses[:, p]] - xy[c, poses[:, c]], axis=-1)
        total += norm.logpdf(d, loc=mean[index], scale=math.exp(0.5 * log_var[index]))
    return total.max(), tuple(poses[total.argmax()].tolist()), np_logsumexp(total)


def _random_problem(tree, batch, k, rng, drop=0.0):
    j, links = len(tree.joints), len(tree.links)
    xy = rng.uniform(0, 20, size=(batch, j, k, 2))
    log_prob = rng.normal(size=(batch, j, k))
    dropped = rng.random(size=(batch, j, k)) < drop
    dropped[..., 0] = False  # every joint keeps a candidate
    log_prob = np.where(dropped, -np.inf, log_prob)
    log_prob = log_prob - np_logsumexp(log_prob, axis=-1, keepdims=True)
    mean = rng.uniform(2, 15, size=(batch, links))
    log_var = rng.uniform(-1, 3, size=(batch, links))
    return xy, log_prob, mean, log_var


def _check_against_brute_force(tree, xy, log_prob, mean, log_var):
    cand = JointCandidates(xy=torch.from_numpy(xy), log_prob=torch.from_numpy(log_prob))
    got = tree_log_likelihood(cand, torch.from_numpy(mean), torch.from_numpy(log_var), tree)
    marginal = tree_log_likelihood(cand, torch.from_numpy(mean), torch.from_numpy(log_var), tree, "logsumexp")
    for b in range(xy.shape[0]):
        best, pose, lse = _brute_force_all_poses(xy[b], log_prob[b], mean[b], log_var[b], tree)
        assert got.log_likelihood[b].item() == pytest.approx(best, rel=1e-12, abs=1e-12)
        assert tuple(got.choice[b].tolist()) == pose
        assert marginal.log_likelihood[b].item() == pytest.approx(lse, rel=1e-12, abs=1e-12)


def test_tree_pass_four_joints_two_peaks():
    tree = SkeletonTree(joints=("a", "b", "c", "d"), links=((0, 1), (1, 2), (0, 3)), root=0)
    _check_against_brute_force(tree, *_random_problem(tree, batch=6, k=2, rng=np.random.default_rng(0)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tree_pass_random_small_tree(seed):
    rng = np.random.default_rng(seed)
    j = 7
    labels = rng.permutation(j)  # so that parents are not always the smaller index
    links = tuple((int(labels[rng.integers(0, i)]), int(labels[i])) for i in range(1, j))
    links = tuple(links[q] for q in rng.permutation(len(links)))
    tree = SkeletonTree(joints=tuple("abcdefg"), links=links, root=int(labels[0]))
    _check_against_brute_force(tree, *_random_problem(tree, batch=3, k=3, rng=rng, drop=0.3))


def test_tree_pass_on_lsp_skeleton_vectorised_brute_force():
    rng = np.random.default_rng(4)
    xy, log_prob, mean, log_var = _random_problem(LSP_TREE, batch=2, k=2, rng=rng)
    cand = JointCandidates(xy=torch.from_numpy(xy), log_prob=torch.from_numpy(log_prob))
    got = tree_log_likelihood(cand, torch.from_numpy(mean), torch.from_numpy(log_var), LSP_TREE)
    for b in range(2):
        best, pose, _ = _brute_force_all_poses(xy[b], log_prob[b], mean[b], log_var[b], LSP_TREE)
        assert got.log_likelihood[b].item() == pytest.approx(best, rel=1e-12)
        assert tuple(got.choice[b].tolist()) == pose


def test_vl4pose_score_from_heatmaps():
    """Two peaks per joint on 32x32 maps; the score is the brute-force max over the 2^14 poses."""
    rng = np.random.default_rng(5)
    heatmaps = torch.zeros(1, 14, 32, 32, dtype=torch.float64)
    spots = [(8, 8), (22, 20)]
    values = rng.uniform(0.2, 1.0, size=(14, 2))
    for q in range(14):
        for (y, x), v in zip(spots, values[q]):
            heatmaps[0, q, y + q % 3, x - q % 2] = float(v)
    params = torch.from_numpy(np.stack([rng.uniform(5, 20, 13), rng.uniform(0, 3, 13)], axis=1).reshape(1, 26))
    result, pose = vl4pose_score(heatmaps, params, LSP_TREE)
    mean, log_var = params.reshape(13, 2).T.numpy()
    xy = np.zeros((14, 2, 2))
    log_prob = np.zeros((14, 2))
    for q in range(14):
        for a, ((y, x), v) in enumerate(sorted(zip(spots, values[q]), key=lambda t: -t[1])):
            xy[q, a] = (x - q % 2, y + q % 3)
        log_prob[q] = np.sort(values[q])[::-1] - np_logsumexp(values[q])
    best, best_pose, _ = _brute_force_all_poses(xy, log_prob, mean, log_var, LSP_TREE)
    assert result.log_likelihood.item() == pytest.approx(best, rel=1e-9)
    assert pose[0].tolist() == [xy[q, best_pose[q]].tolist() for q in range(14)]


def test_peakless_joint_falls_back_to_argmax():
    heatmaps = torch.zeros(1, 2, 16, 16)
    heatmaps[0, 1, 8, 9] = 1.0
    heatmaps[0, 0, 0, 3] = 1.0  # only a border maximum: no peak
    cand = joint_candidates(heatmaps)
    assert torch.isfinite(cand.log_prob).sum(dim=-1).tolist() == [[1, 1]]
    assert cand.log_prob[0, :, 0].tolist() == [0.0, 0.0]
    assert cand.xy[0, 0, 0].tolist() == [3.0, 0.0] and cand.xy[0, 1, 0].tolist() == [9.0, 8.0]


def test_skeleton_trees():
    assert len(MPII_TREE.links) == 15 and len(LSP_TREE.links) == 13
    assert MPII_TREE.joints == MPII_JOINTS and LSP_TREE.joints == LSP_JOINTS
    assert MPII_TREE.joints[MPII_TREE.root] == "head_top" == LSP_TREE.joints[LSP_TREE.root]
    named = {(MPII_JOINTS[p], MPII_JOINTS[c]) for p, c in MPII_TREE.links}
    assert {("thorax", "pelvis"), ("pelvis", "l_hip"), ("r_elbow", "r_wrist"), ("head_top", "upper_neck")} <= named
    named = {(LSP_JOINTS[p], LSP_JOINTS[c]) for p, c in LSP_TREE.links}
    assert {("l_shoulder", "l_hip"), ("neck", "r_shoulder"), ("r_knee", "r_ankle")} <= named
    assert skeleton_tree_for(14) is LSP_TREE and skeleton_tree_for(16) is MPII_TREE
    with pytest.raises(ValueError, match="num_joints"):
        skeleton_tree_for(17)


@pytest.mark.parametrize("links, root, match", [
    (((0, 1), (1, 2)), 0, "3 links"),
    (((0, 1), (2, 1), (1, 3)), 0, "exactly one parent"),
    (((0, 1), (2, 3), (3, 2)), 0, "connect every joint"),
    (((0, 1), (1, 2), (3, 0)), 0, "exactly one parent"),
    (((0, 1), (1, 2), (2, 3)), 5, "root"),
])
def test_invalid_trees(links, root, match):
    with pytest.raises(ValueError, match=match):
        SkeletonTree(joints=("a", "b", "c", "d"), links=links, root=root)


def test_link_nll_lengths_and_mask_by_hand():
    tree = SkeletonTree(joints=("a", "b", "c"), links=((0, 1), (0, 2)), root=0)
    loc = torch.tensor([[[0.0, 0.0], [3.0, 4.0], [0.0, 2.0]]], dtype=torch.float64)
    lengths = link_lengths(loc, tree)
    assert lengths.tolist() == [[5.0, 2.0]]
    visible = link_visible(torch.tensor([[1, 1, 0]]), tree)
    assert visible.tolist() == [[True, False]]
    params = torch.tensor([[4.0, math.log(2.0), 2.5, 0.0]], dtype=torch.float64)
    mean, log_var = split_link_parameters(params, tree)
    terms = [0.5 * 1.0 / 2.0 + 0.5 * math.log(2.0), 0.5 * 0.25]
    assert link_nll(mean, log_var, lengths).item() == pytest.approx(sum(terms) / 2, rel=1e-14)
    assert link_nll(mean, log_var, lengths, visible).item() == pytest.approx(terms[0], rel=1e-14)
    empty = link_nll(mean, log_var, lengths, torch.zeros_like(visible))
    assert empty.item() == 0.0


def test_bad_input():
    tree = LSP_TREE
    with pytest.raises(ValueError, match="params"):
        split_link_parameters(torch.zeros(1, 13), tree)
    with pytest.raises(ValueError, match="locations"):
        link_lengths(torch.zeros(1, 16, 2), tree)
    with pytest.raises(ValueError, match="reduction"):
        tree_log_likelihood(JointCandidates(torch.zeros(1, 14, 2, 2), torch.zeros(1, 14, 2)),
                            torch.zeros(1, 13), torch.zeros(1, 13), tree, reduction="sum")
    with pytest.raises(ValueError, match="finite log_prob"):
        tree_log_likelihood(JointCandidates(torch.zeros(1, 14, 2, 2), torch.full((1, 14, 2), -math.inf)),
                            torch.zeros(1, 13), torch.zeros(1, 13), tree)


def test_link_nll_minimiser_is_sample_mean_and_log_variance():
    """One (μ, s) shared by n samples: the NLL is minimised at μ = mean d, s = log mean (d − μ)²."""
    from scipy.optimize import minimize

    rng = np.random.default_rng(6)
    d = torch.from_numpy(rng.gamma(9.0, 1.5, size=(50, 1)))

    def f(v):
        mean = torch.full_like(d, v[0])
        return link_nll(mean, torch.full_like(d, v[1]), d).item()

    found = minimize(f, x0=[5.0, 0.0], method="Nelder-Mead", options=dict(xatol=1e-10, fatol=1e-14, maxiter=4000)).x
    assert found[0] == pytest.approx(d.mean().item(), abs=1e-6)
    assert found[1] == pytest.approx(math.log(d.var(correction=0).item()), abs=1e-6)


def test_chain_from_hrnet_features_to_scores():
    """HRNet stage-3 maps -> auxiliary head -> link NLL (trains the head only) and the selection score."""
    from pose.hrnet import build_hrnet
    from pose.uncertainty import PooledParameterHead

    torch.manual_seed(0)
    model = build_hrnet(joints=14, width=4, blocks=1, stem_channels=8, stage1_planes=4).eval()
    head = PooledParameterHead(model.stage3_channels, outputs=2 * len(LSP_TREE.links))
    out = model(torch.randn(2, 3, 64, 64))
    params = head(out.stage3)
    mean, log_var = split_link_parameters(params, LSP_TREE)
    gt = torch.rand(2, 14, 2) * 16
    loss = link_nll(mean, log_var, link_lengths(gt, LSP_TREE), link_visible(torch.ones(2, 14), LSP_TREE))
    loss.backward()
    assert all(p.grad is None for p in model.parameters())
    assert all(p.grad is not None for p in head.parameters())
    result, pose = vl4pose_score(out.heatmaps[-1].detach(), params.detach(), LSP_TREE, min_distance=2)
    assert result.log_likelihood.shape == (2,) and torch.isfinite(result.log_likelihood).all()
    assert pose.shape == (2, 14, 2)

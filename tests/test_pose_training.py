"""End to end: a tiny hourglass with an LL++ head learns blobs, and its head ranks losses.

The data is made here on purpose (independent of ``pose.data``): joint ``j`` is
a bright Gaussian blob in colour channel ``j``, and each image gets its own
level of pixel noise, so some images are harder than others and the true loss
has something for the loss head to rank.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
stats = pytest.importorskip("scipy.stats")

from pose.heads import build_head, head_inputs  # noqa: E402
from pose.hourglass import build_hourglass  # noqa: E402
from pose.objectives import kl_ranking_loss, per_image_loss  # noqa: E402

SIZE = 64  # tiny preset at 64x64 input: 16x16 heatmaps, scales 16, 8, 4, 2, 1
JOINTS = 3


def blob_batch(n, generator):
    """Images (n, 3, S, S), targets (n, J, S/4, S/4) and per-image noise levels (n,)."""
    grid = torch.arange(SIZE, dtype=torch.float32)
    yy, xx = torch.meshgrid(grid, grid, indexing="ij")
    pos = torch.rand(n, JOINTS, 2, generator=generator) * (SIZE - 16) + 8
    noise = torch.rand(n, generator=generator) * 0.8
    d2 = (xx - pos[..., 0, None, None]) ** 2 + (yy - pos[..., 1, None, None]) ** 2
    images = torch.exp(-d2 / (2 * 2.0**2)) + noise[:, None, None, None] * torch.randn(
        n, JOINTS, SIZE, SIZE, generator=generator
    )
    hgrid = torch.arange(SIZE // 4, dtype=torch.float32)
    hy, hx = torch.meshgrid(hgrid, hgrid, indexing="ij")
    centre = (pos + 0.5) / 4 - 0.5  # pixel centres of the input map onto the 4x smaller heatmap
    d2h = (hx - centre[..., 0, None, None]) ** 2 + (hy - centre[..., 1, None, None]) ** 2
    return images, torch.exp(-d2h / (2 * 1.0**2)), noise


@pytest.mark.slow  # 14 s; learning of a loss head on a user model stays in the fast test_al_loss_prediction
def test_tiny_model_learns_and_llpp_head_ranks_losses():
    previous = torch.get_num_threads()
    # 2 shared cores: one intra-op thread avoids contention with other jobs.
    torch.set_num_threads(1)
    try:
        generator = torch.Generator().manual_seed(0)
        torch.manual_seed(0)
        model = build_hourglass("tiny", joints=JOINTS, input_size=SIZE)
        head = build_head("llpp", model.channels, model.feature_sizes)  # authors' GAP+FC, detached
        optimiser = torch.optim.Adam([*model.parameters(), *head.parameters()], lr=2e-3)
        test_images, test_targets, _ = blob_batch(64, generator)

        history = []
        for _ in range(120):
            images, targets, _ = blob_batch(16, generator)
            out = model(images)
            true_loss = per_image_loss(out.heatmaps, targets)
            loss = true_loss.mean() + kl_ranking_loss(head(head_inputs(out, "llpp")), true_loss)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            history.append(true_loss.mean().item())

        model.eval()
        head.eval()
        with torch.no_grad():
            out = model(test_images)
            true_loss = per_image_loss(out.heatmaps, test_targets)
            predicted = head(head_inputs(out, "llpp"))
    finally:
        torch.set_num_threads(previous)

    assert np.mean(history[-10:]) < 0.5 * history[0]
    # Better than predicting all-zero heatmaps, i.e. it localises the blobs.
    zero_prediction = test_targets.square().mean().item()
    assert true_loss.mean().item() < 0.75 * zero_prediction
    rho = stats.spearmanr(true_loss.numpy(), predicted.numpy())[0]
    assert rho > 0.3

"""Stacked hourglass and loss heads: shapes, parameter counts, gradient stopping."""
import time

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402

from pose.heads import (  # noqa: E402
    HEAD_KINDS,
    ConvLossHead,
    LearningLossHead,
    build_head,
    fc_widths,
    head_inputs,
)
from pose.hourglass import (  # noqa: E402
    HourglassOutput,
    build_hourglass,
    pooled_bottleneck,
    pooled_penultimate,
)


from tensor_checks import assert_close_to_scale  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    return build_hourglass("tiny", joints=14)


@pytest.fixture(scope="module")
def tiny_out(tiny):
    torch.manual_seed(1)
    return tiny(torch.randn(2, 3, 128, 128))


def n_params(module):
    return sum(p.numel() for p in module.parameters())


# Independent count, from the architecture description (Newell et al. 2016 /
# princeton-vl): conv k×k with bias, BatchNorm with weight and bias.
def conv(cin, cout, k):
    return cin * cout * k * k + cout


def bn(c):
    return 2 * c


def residual(cin, cout):
    mid = cout // 2
    skip = conv(cin, cout, 1) if cin != cout else 0
    return bn(cin) + conv(cin, mid, 1) + bn(mid) + conv(mid, mid, 3) + bn(mid) + conv(mid, cout, 1) + skip


def test_residual_formula_by_hand():
    # 256-wide block: 512 + (256·128+128) + 256 + (9·128·128+128) + 256 + (128·256+256)
    assert residual(256, 256) == 512 + 32896 + 256 + 147584 + 256 + 33024 == 214528


def test_tiny_shapes(tiny, tiny_out):
    out = tiny_out
    assert isinstance(out, HourglassOutput)
    assert len(out.heatmaps) == len(out.features) == len(out.bottleneck) == len(out.penultimate) == 1
    assert out.heatmaps[0].shape == (2, 14, 32, 32)
    assert [tuple(f.shape) for f in out.features[0]] == [(2, 64, n, n) for n in (32, 16, 8, 4, 2)]
    assert out.bottleneck[0].shape == (2, 64, 2, 2)
    assert out.penultimate[0].shape == (2, 64, 32, 32)
    assert pooled_bottleneck(out).shape == (2, 64)
    assert pooled_penultimate(out).shape == (2, 64)
    assert tiny.feature_sizes == (32, 16, 8, 4, 2)
    assert tiny.heatmap_size == 32


def test_paper_shapes_batch_one():
    torch.manual_seed(0)
    model = build_hourglass("paper", joints=16).eval()
    start = time.perf_counter()
    with torch.no_grad():
        out = model(torch.randn(1, 3, 256, 256))
    elapsed = time.perf_counter() - start
    assert len(out.heatmaps) == 2
    for s in range(2):
        assert out.heatmaps[s].shape == (1, 16, 64, 64)
        assert [tuple(f.shape) for f in out.features[s]] == [(1, 256, n, n) for n in (64, 32, 16, 8, 4)]
        assert out.bottleneck[s].shape == (1, 256, 4, 4)
        assert out.penultimate[s].shape == (1, 256, 64, 64)
    assert pooled_bottleneck(out).shape == (1, 256)
    assert model.feature_sizes == (64, 32, 16, 8, 4)
    for kind in HEAD_KINDS:
        for variant in ("authors", "yoo"):
            head = build_head(kind, 256, model.feature_sizes, variant=variant)
            assert head(head_inputs(out, kind, variant)).shape == (1,)
    assert elapsed < 30


@pytest.mark.parametrize("joints", [14, 16])
def test_paper_parameter_count(joints):
    model = build_hourglass("paper", joints=joints)
    c, j, depth = 256, joints, 4
    stem = conv(3, 64, 7) + bn(64) + residual(64, 128) + residual(128, 128) + residual(128, c)
    hourglass = (3 * depth + 1) * residual(c, c)  # up1, low1, low3 per level + the bottleneck
    head = residual(c, c) + conv(c, c, 1) + bn(c) + conv(c, j, 1)
    remap = conv(c, c, 1) + conv(j, c, 1)
    assert n_params(model.stem) == stem
    assert n_params(model.hourglasses[0]) == hourglass
    assert n_params(model) == stem + 2 * (hourglass + head) + remap
    # Same number again, but for the 16-joint model spelled out as digits.
    if joints == 16:
        assert n_params(model) == 6_570_400


def test_tiny_parameter_count(tiny):
    c, j = 64, 14
    stem = conv(3, 32, 7) + bn(32) + residual(32, 64) + residual(64, 64) + residual(64, c)
    expected = stem + 13 * residual(c, c) + residual(c, c) + conv(c, c, 1) + bn(c) + conv(c, j, 1)
    assert n_params(tiny) == expected


def test_head_parameter_counts():
    fc = 256 * 128 + 128 + 128 * 64 + 64 + 64 * 32 + 32 + 32 * 16 + 16 + 16 * 8 + 8 + 8 + 1
    assert fc_widths(256) == [128, 64, 32, 16, 8]
    assert n_params(build_head("ll", 256)) == fc == 43905
    assert n_params(build_head("llpp", 256, variant="yoo")) == 5 * (256 * 128 + 128) + 5 * 128 + 1
    down = 4 * conv(256, 256, 2)
    assert n_params(build_head("llpp_conv", 256)) == down + fc
    assert n_params(build_head("llpp_conv", 256, reduce="conv")) == down + conv(256, 256, 4) + fc


def test_channels_last_matches(tiny):
    torch.manual_seed(2)
    x = torch.randn(2, 3, 128, 128)
    model = build_hourglass("tiny", joints=14).eval()
    with torch.no_grad():
        ref = model(x)
        model_cl = model.to(memory_format=torch.channels_last)
        out = model_cl(x.contiguous(memory_format=torch.channels_last))
    assert_close_to_scale(out.heatmaps[0], ref.heatmaps[0])
    assert_close_to_scale(out.features[0][-1], ref.features[0][-1])
    head = build_head("llpp_conv", 64, model.feature_sizes)
    assert_close_to_scale(head(out.features[0]), head(ref.features[0]))


def test_bad_input_sizes(tiny):
    with pytest.raises(ValueError, match="divisible"):
        tiny(torch.randn(1, 3, 100, 100))
    with pytest.raises(ValueError, match=r"\(B, 3, S, S\)"):
        tiny(torch.randn(1, 1, 128, 128))
    with pytest.raises(ValueError, match="input_size"):
        build_hourglass("tiny", joints=14, input_size=100)
    with pytest.raises(ValueError, match="preset"):
        build_hourglass("huge", joints=14)


@pytest.mark.parametrize("kind,variant", [("ll", "authors"), ("llpp", "yoo"), ("llpp_conv", "authors")])
def test_heads_batch_of_one_in_training_mode(tiny, kind, variant):
    torch.manual_seed(3)
    head = build_head(kind, 64, tiny.feature_sizes, variant=variant).train()
    out = tiny(torch.randn(1, 3, 128, 128))
    pred = head(head_inputs(out, kind, variant))
    assert pred.shape == (1,)
    pred.sum().backward()
    assert all(p.grad is not None for p in head.parameters())


def test_head_inputs_lists(tiny_out):
    assert [tuple(f.shape) for f in head_inputs(tiny_out, "ll")] == [(2, 64, 32, 32)]
    assert len(head_inputs(tiny_out, "llpp", "yoo")) == 5
    assert head_inputs(tiny_out, "llpp_conv")[0] is tiny_out.features[0][0]
    with pytest.raises(ValueError, match="kind"):
        head_inputs(tiny_out, "mse")


def test_conv_head_non_integer_ratios():
    torch.manual_seed(4)
    sizes = (32, 12, 5, 2)
    head = ConvLossHead(8, sizes=sizes, reduce="conv")
    pred = head([torch.randn(3, 8, n, n) for n in sizes])
    assert pred.shape == (3,)
    # 32 -> 12: stride 2 gives 16, then a 5x5 conv; 12 -> 5: stride 2 gives 6, then 2x2; 5 -> 2: stride 2 only.
    kernels = [[m.kernel_size[0] for m in d.modules() if isinstance(m, torch.nn.Conv2d)] for d in head.downsamplers]
    assert kernels == [[2, 5], [2, 2], [2]]
    with pytest.raises(ValueError, match="features\\[1\\]"):
        head([torch.randn(3, 8, n, n) for n in (32, 16, 5, 2)])
    with pytest.raises(ValueError, match="strictly decreasing"):
        ConvLossHead(8, sizes=(8, 8, 4))


def test_learning_loss_head_checks_inputs():
    head = LearningLossHead(16, variant="yoo")
    assert head.num_maps == 5
    with pytest.raises(ValueError, match="list of 5 maps"):
        head([torch.randn(2, 16, 4, 4)])
    with pytest.raises(ValueError, match="C=16"):
        head([torch.randn(2, 8, 4, 4)] * 5)
    with pytest.raises(ValueError, match="variant"):
        LearningLossHead(16, variant="other")
    with pytest.raises(ValueError, match="kind"):
        build_head("mse", 16)


@pytest.mark.parametrize("kind,variant", [("ll", "authors"), ("ll", "yoo"), ("llpp_conv", "authors")])
def test_detach_switch_stops_backbone_gradients(kind, variant):
    torch.manual_seed(5)
    model = build_hourglass("tiny", joints=4)
    head = build_head(kind, 64, model.feature_sizes, variant=variant, detach_features=True)
    x = torch.randn(2, 3, 128, 128)

    head(head_inputs(model(x), kind, variant)).sum().backward()
    assert all(p.grad is None for p in model.parameters())
    assert all(p.grad is not None for p in head.parameters())

    head.detach_features = False
    head(head_inputs(model(x), kind, variant)).sum().backward()
    grads = [p.grad for p in model.stem.parameters()]
    assert all(g is not None for g in grads)
    assert sum(float(g.abs().sum()) for g in grads) > 0


def test_head_era_widths_and_counts():
    # The authors' HEAD AuxNet: fc [128, 64, 32, 16] + output 1 (no 8-wide layer).
    assert fc_widths(256, "head") == [128, 64, 32, 16]
    fc_head = 256 * 128 + 128 + 128 * 64 + 64 + 64 * 32 + 32 + 32 * 16 + 16 + 16 + 1
    assert n_params(build_head("ll", 256, fc_era="head")) == fc_head
    assert n_params(build_head("llpp_conv", 256, reduce="conv", fc_era="head")) == (
        4 * conv(256, 256, 2) + conv(256, 256, 4) + fc_head)
    with pytest.raises(ValueError, match="era"):
        fc_widths(256, "2019")


def _set_conv(conv_module, weight, bias):
    with torch.no_grad():
        conv_module.weight.fill_(weight)
        conv_module.bias.fill_(bias)


def test_conv_head_authors_order_on_known_weights():
    """One channel, sides (4, 2, 1), all-ones 2x2 kernels; worked by hand.

    Authors' order: H1' = H1 + ReLU(blocksum(H0) - 3); H2' = H2 + ReLU(sum(H1') - 5);
    v = ReLU(2 H2' - 1); the regressor is one Linear(1, 1) with weight 1, bias 0.
    """
    head = ConvLossHead(1, sizes=(4, 2, 1), reduce="conv", detach_features=False)
    assert fc_widths(1) == []
    _set_conv(head.downsamplers[0], 1.0, -3.0)
    _set_conv(head.downsamplers[1], 1.0, -5.0)
    _set_conv(head.reducer, 2.0, -1.0)
    with torch.no_grad():
        head.regressor[0].weight.fill_(1.0)
        head.regressor[0].bias.fill_(0.0)
    h0 = torch.tensor([[1.0, 2.0, -1.0, 0.0],
                       [0.0, 1.0, -2.0, -1.0],
                       [3.0, -1.0, 0.0, 0.5],
                       [1.0, 1.0, 0.5, 0.0]]).reshape(1, 1, 4, 4)
    h1 = torch.tensor([[0.5, -1.0], [-4.0, 2.0]]).reshape(1, 1, 2, 2)
    h2 = torch.tensor([-2.0]).reshape(1, 1, 1, 1)
    # block sums of h0: [[4, -4], [4, 1]]; minus 3: [[1, -7], [1, -2]]; ReLU: [[1, 0], [1, 0]]
    # H1' = [[1.5, -1], [-3, 2]]; sum = -0.5; minus 5 -> -5.5; ReLU 0; H2' = -2; v = ReLU(-5) = 0.
    assert head([h0, h1, h2]).item() == pytest.approx(0.0)
    h2 = torch.tensor([3.0]).reshape(1, 1, 1, 1)  # H2' = 3, v = ReLU(5) = 5
    assert head([h0, h1, h2]).item() == pytest.approx(5.0)
    h1 = torch.tensor([[5.5, 1.0], [1.0, 2.0]]).reshape(1, 1, 2, 2)
    # H1' = [[6.5, 1], [2, 2]], sum 11.5, minus 5 = 6.5 -> H2' = 3 + 6.5 = 9.5, v = 18
    assert head([h0, h1, h2]).item() == pytest.approx(18.0)
    # The previous order (ReLU before each conv, none after the reducer) gives 14 here, by hand:
    # ReLU(h0) block sums [[4, 0], [5, 1]] - 3 -> H1' = [[6.5, -2], [3, 0]]; ReLU, sum 9.5 - 5 = 4.5;
    # H2' = 7.5; v = 2 * ReLU(7.5) - 1 = 14.
    relu_first = h1 + F.conv2d(torch.relu(h0), torch.ones(1, 1, 2, 2), torch.tensor([-3.0]), stride=2)
    relu_first = h2 + F.conv2d(torch.relu(relu_first), torch.ones(1, 1, 2, 2), torch.tensor([-5.0]), stride=2)
    assert (2 * torch.relu(relu_first) - 1).item() == pytest.approx(14.0)


def test_merge_variants_feed_the_next_stack():
    torch.manual_seed(0)
    a = build_hourglass("tiny", joints=4, nstack=2)
    b = build_hourglass("tiny", joints=4, nstack=2, merge="penultimate")
    b.load_state_dict(a.state_dict())
    a.eval(), b.eval()
    x = torch.randn(1, 3, 128, 128)
    with torch.no_grad():
        out_a, out_b = a(x), b(x)
        torch.testing.assert_close(out_a.heatmaps[0], out_b.heatmaps[0])
        # Hand-assembled second-stack input of each variant, from the first stack's outputs.
        stem = a.stem(x)
        mp = a.merge_preds[0](out_a.heatmaps[0])
        mf = a.merge_features[0](out_a.penultimate[0])
        for model, out, base in ((a, out_a, stem), (b, out_b, out_b.penultimate[0])):
            hg, _, _ = model.hourglasses[1](base + mp + mf)
            assert_close_to_scale(out.heatmaps[1], model.outs[1](model.features[1](hg)))
    assert (out_a.heatmaps[1] - out_b.heatmaps[1]).abs().max() > 1e-4
    with pytest.raises(ValueError, match="merge"):
        build_hourglass("tiny", merge="sum")

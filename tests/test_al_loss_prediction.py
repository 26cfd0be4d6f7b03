"""LossPredictionModel: taps on Linear and Conv2d outputs, detach on/off, objectives, errors, learning."""
import numpy as np
import pytest
import torch
from scipy import stats
from torch import nn

from gammaal.al import LossPredictionModel
from gammaal.al.heads import pool_features


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 5, 3, padding=1)
        self.fc = nn.Linear(5, 3)
        self.out = nn.Linear(3, 1)

    def forward(self, x):
        h = torch.relu(self.conv(x)).mean(dim=(2, 3))
        return self.out(torch.relu(self.fc(h)))


def test_taps_capture_linear_and_conv_outputs():
    torch.manual_seed(0)
    model = ConvNet()
    net = LossPredictionModel(model, ["conv", "fc"])
    x = torch.randn(6, 2, 4, 4)
    prediction, predicted = net(x)
    assert prediction.shape == (6, 1) and predicted.shape == (6,)
    torch.testing.assert_close(prediction, model(x))  # the wrapper leaves the model's forward alone
    # Independent of the hooks: call the submodules by hand, GAP the map, keep the vector.
    conv = model.conv(x)
    fc = model.fc(torch.relu(conv).mean(dim=(2, 3)))
    torch.testing.assert_close(net.embedding, torch.cat([conv.mean(dim=(2, 3)), fc], dim=1))
    assert net.embedding.shape == (6, 8) and not net.embedding.requires_grad


def test_conv_head_on_maps_and_its_refusal_of_vectors():
    torch.manual_seed(0)
    net = LossPredictionModel(ConvNet(), ["conv"], head="conv")
    assert net(torch.randn(3, 2, 8, 8))[1].shape == (3,)
    with pytest.raises(ValueError, match="needs maps"):
        LossPredictionModel(ConvNet(), ["fc"], head="conv")(torch.randn(3, 2, 8, 8))


def _grads_after_ranking_loss(detach: bool):
    torch.manual_seed(1)
    model = ConvNet()
    net = LossPredictionModel(model, ["conv", "fc"], objective="llpp", detach=detach)
    x = torch.randn(8, 2, 4, 4)
    net.initialize(x)
    _, predicted = net(x)
    net.ranking_loss(predicted, torch.rand(8)).backward()
    backbone = [p.grad for p in model.parameters()]
    head = [p.grad for p in net.heads.parameters()]
    return backbone, head


def test_detach_keeps_ranking_gradients_out_of_the_backbone():
    backbone, head = _grads_after_ranking_loss(detach=True)
    assert all(g is None for g in backbone)
    assert all(g is not None for g in head) and any(float(g.abs().sum()) > 0 for g in head)


def test_without_detach_ranking_gradients_reach_the_backbone():
    backbone, head = _grads_after_ranking_loss(detach=False)
    # conv and fc feed the taps; the output layer does not (its grad stays None).
    model_grads = dict(zip(["conv.weight", "conv.bias", "fc.weight", "fc.bias", "out.weight", "out.bias"], backbone))
    for name in ("conv.weight", "fc.weight"):
        assert model_grads[name] is not None and float(model_grads[name].abs().sum()) > 0
    assert model_grads["out.weight"] is None


def test_ranking_loss_matches_hand_computed_pairs():
    net = LossPredictionModel(nn.Sequential(nn.Linear(2, 2)), ["0"], objective="ll", margin=0.5)
    pred = torch.tensor([0.3, 1.0, 0.2, 0.0])
    true = torch.tensor([2.0, 1.0, 1.0, 3.0])
    # Pairs (0, 2), (1, 3): sign(l_i - l_j) = +1, -1; hinge(-s (h_i - h_j) + 0.5) = max(0, 0.4), max(0, 1.5).
    assert net.ranking_loss(pred, true).item() == pytest.approx((0.4 + 1.5) / 2)
    kl = LossPredictionModel(nn.Sequential(nn.Linear(2, 2)), ["0"], objective="llpp")
    p = np.array([[2 / 3, 1 / 3], [1 / 4, 3 / 4]])
    q = np.exp([[0.3, 0.2], [1.0, 0.0]]) / np.exp([[0.3, 0.2], [1.0, 0.0]]).sum(axis=1, keepdims=True)
    assert kl.ranking_loss(pred, true).item() == pytest.approx(np.mean(np.sum(p * np.log(p / q), axis=1)), rel=1e-6)


def test_several_heads_return_a_dict_and_sum_their_objectives():
    torch.manual_seed(0)
    net = LossPredictionModel(ConvNet(), ["fc"], heads={"a": ("gap", "ll"), "b": ("gap", "llpp")})
    x = torch.randn(4, 2, 4, 4)
    _, predicted = net(x)
    assert set(predicted) == {"a", "b"}
    true = torch.rand(4)
    single_a = LossPredictionModel(nn.Sequential(nn.Linear(1, 1)), ["0"], objective="ll")
    single_b = LossPredictionModel(nn.Sequential(nn.Linear(1, 1)), ["0"], objective="llpp")
    expected = single_a.ranking_loss(predicted["a"], true) + single_b.ranking_loss(predicted["b"], true)
    torch.testing.assert_close(net.ranking_loss(predicted, true), expected)


def test_initialize_seeds_each_head_by_name_only():
    x = torch.randn(4, 2, 4, 4)
    weights = []
    for heads in ({"a": ("gap", "llpp")}, {"z": ("gap", "ll"), "a": ("gap", "llpp")}):
        torch.manual_seed(5)
        net = LossPredictionModel(ConvNet(), ["fc"], heads=heads)
        torch.manual_seed(123 if len(heads) == 1 else 999)  # whatever ran before does not matter
        net.initialize(x, seed=7)
        weights.append(net.heads["a"].regressor[0].weight.detach().clone())
    torch.testing.assert_close(weights[0], weights[1])


@pytest.mark.parametrize("taps,match", [(["fc", "nope"],
                                         r"no submodule named \['nope'\].*valid names: \['conv', 'fc', 'out'\]"),
                                        ([], "at least one"), (["fc", "fc"], "distinct"), ("fc", "list of distinct")])
def test_bad_taps_are_refused_with_the_valid_names(taps, match):
    with pytest.raises(ValueError, match=match):
        LossPredictionModel(ConvNet(), taps)


def test_bad_head_objective_and_margin_are_refused():
    with pytest.raises(ValueError, match="unknown loss head 'fc'"):
        LossPredictionModel(ConvNet(), ["fc"], head="fc")
    with pytest.raises(ValueError, match="unknown objective 'kl'"):
        LossPredictionModel(ConvNet(), ["fc"], objective="kl")
    with pytest.raises(ValueError, match="margin"):
        LossPredictionModel(ConvNet(), ["fc"], margin=-1.0)


def test_a_tap_that_returns_a_tuple_is_refused():
    class Pair(nn.Module):
        def forward(self, x):
            return x, x

    model = nn.Sequential(Pair())
    with pytest.raises(ValueError, match="not a tensor"):
        LossPredictionModel(nn.Sequential(model), ["0.0"])(torch.zeros(2, 3))


def test_pool_features_rejects_3d():
    with pytest.raises(ValueError, match=r"expected \(B, D\) or \(B, C, H, W\)"):
        pool_features([torch.zeros(2, 3, 4)], ["seq"])


@pytest.mark.parametrize("objective", ["ll", "llpp"])
def test_user_training_loop_learns_a_predictable_loss(objective):
    # Heteroscedastic data: the noise level, hence the loss, is a function of x[:, 0].
    torch.manual_seed(0)
    x = torch.rand(512, 2) * 2 - 1
    y = x.sum(dim=1, keepdim=True) + (0.05 + x[:, :1].abs()) * torch.randn(512, 1)
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 1))
    net = LossPredictionModel(model, taps=["1"], objective=objective)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    for step in range(300):
        batch = torch.randint(0, 512, (64,))
        prediction, predicted_loss = net(x[batch])
        per_sample = (prediction - y[batch]).square().mean(dim=1)
        loss = per_sample.mean() + net.ranking_loss(predicted_loss, per_sample)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        _, predicted_loss = net(x)
    # The head ranks samples like their noise level (the predictable part of the loss).
    rho = stats.spearmanr(predicted_loss.numpy(), x[:, 0].abs().numpy()).statistic
    assert rho > 0.7


def test_a_deep_copy_taps_its_own_modules():
    import copy

    torch.manual_seed(0)
    net = LossPredictionModel(ConvNet(), ["conv", "fc"])
    x = torch.randn(4, 2, 4, 4)
    net.initialize(x)
    twin = copy.deepcopy(net)
    with torch.no_grad():
        for p in twin.model.parameters():
            p.add_(1.0)
        _, mine = net(x)
        _, theirs = twin(x)
        torch.testing.assert_close(twin.embedding, pool_features([twin.model.conv(x), twin.model.fc(
            torch.relu(twin.model.conv(x)).mean(dim=(2, 3)))]))
    assert not torch.allclose(mine, theirs)


def test_leaky_heads_have_no_flat_region_where_relu_heads_pile_at_the_bias():
    from gammaal.al.heads import GapLossHead, LossRegressor

    torch.manual_seed(0)
    relu, leaky = LossRegressor(4, [3]), LossRegressor(4, [3], "leaky_relu")
    leaky.load_state_dict(relu.state_dict())  # same weights: the activations have none
    with torch.no_grad():
        relu[0].bias.fill_(-10.0)  # every hidden unit negative on these inputs
        leaky[0].bias.fill_(-10.0)
    x = torch.rand(6, 4)
    out_relu, out_leaky = relu(x)[:, 0], leaky(x)[:, 0]
    assert torch.all(out_relu == relu[2].bias)  # all six at the output bias: a pile of ties
    assert torch.unique(out_leaky).numel() == 6
    hidden = leaky[0](x)
    expected = leaky[2](torch.where(hidden > 0, hidden, 0.01 * hidden))[:, 0]
    torch.testing.assert_close(out_leaky, expected)
    head = GapLossHead(1, [3], activation="leaky_relu")
    assert head([torch.rand(2, 5, 4, 4)]).shape == (2,)
    with pytest.raises(ValueError, match="activation: must be one of"):
        LossRegressor(4, [3], "tanh")

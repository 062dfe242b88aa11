"Parity tests of the convolutional layers against PyTorch (float64), the naive loop and finite differences."
import json
import warnings

import numpy as np
import pytest

from conftest import cmp, numeric_grad
from fromscratchtoml.core import default_dtype
from fromscratchtoml.nn import (Conv2D, MaxPool2D, AvgPool2D, BatchNorm2D, Activation, Dense, Flatten,
                                Sequential, SGD, Adam, gradcheck)
from fromscratchtoml.nn.conv import conv2d_naive, conv_output_size, im2col, col2im


def conv_cases(n, seed):
    "Random (N, C, F, H, W, k, s, p) with sizes the stride tiles exactly; covers kernel 1/3/5, stride 1/2, padding 0/1/2."
    rng = np.random.default_rng(seed)
    grid = [(k, s, p) for k in (1, 3, 5) for s in (1, 2) for p in (0, 1, 2)]
    for i in range(n):
        k, s, p = grid[i % len(grid)]
        N, C, Fo = (int(v) for v in rng.integers(1, 4, 3))
        sizes = []
        for _ in range(2):
            Ho = int(rng.integers(1, 5))
            while (Ho - 1) * s + k - 2 * p < 1: Ho += 1
            sizes.append((Ho - 1) * s + k - 2 * p)
        yield N, C, Fo, sizes[0], sizes[1], k, s, p


@pytest.mark.parametrize("case", list(conv_cases(36, 0)))
def test_conv2d_matches_torch(torch64, case):
    torch, F = torch64, torch64.nn.functional
    N, C, Fo, H, W, k, s, p = case
    rng = np.random.default_rng(sum(case))
    with default_dtype(np.float64):
        conv = Conv2D(Fo, k, stride=s, padding=p, seed=1)
        x = rng.normal(size=(N, C, H, W))
        y = conv(x, training=True)
    xt = torch.tensor(x, requires_grad=True)
    Wt = torch.tensor(conv.params["W"], requires_grad=True)
    bt = torch.tensor(conv.params["b"], requires_grad=True)
    yt = F.conv2d(xt, Wt, bt, stride=s, padding=p)
    cmp(f"conv_y {case}", y, yt)
    dy = rng.normal(size=y.shape)
    yt.backward(torch.tensor(dy))
    dy_copy = dy.copy()
    dx = conv.backward(dy)
    assert (dy == dy_copy).all(), "backward mutated dy"
    cmp(f"conv_dx {case}", dx, xt.grad)
    cmp(f"conv_dW {case}", conv.grads["W"], Wt.grad)
    cmp(f"conv_db {case}", conv.grads["b"], bt.grad)


def test_conv2d_rectangular_kernel_stride_and_same_padding(torch64):
    torch, F = torch64, torch64.nn.functional
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 9, 8))
    with default_dtype(np.float64):
        for kw in [dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0)),
                   dict(kernel_size=(4, 3), stride=1, padding="same"),
                   dict(kernel_size=3, padding="valid")]:
            conv = Conv2D(4, seed=0, **kw)
            y = conv(x, training=True)
            tkw = {"stride": kw.get("stride", 1), "padding": kw.get("padding", 0)}
            xt = torch.tensor(x, requires_grad=True)
            Wt = torch.tensor(conv.params["W"], requires_grad=True)
            bt = torch.tensor(conv.params["b"], requires_grad=True)
            with warnings.catch_warnings():   # PyTorch warns that even kernels with 'same' need a padded copy
                warnings.simplefilter("ignore", UserWarning)
                yt = F.conv2d(xt, Wt, bt, **tkw)
            cmp(f"conv_y {kw}", y, yt)
            dy = rng.normal(size=y.shape)
            yt.backward(torch.tensor(dy))
            cmp(f"conv_dx {kw}", conv.backward(dy), xt.grad)
            cmp(f"conv_dW {kw}", conv.grads["W"], Wt.grad)


def test_conv2d_init_like_torch_and_seeded(torch64):
    conv = Conv2D(16, 5, seed=0)
    conv(np.zeros((1, 6, 8, 8), np.float32))
    assert conv.params["W"].shape == (16, 6, 5, 5) and conv.params["b"].shape == (16,)
    assert conv.params["W"].dtype == np.float32
    bound = 1 / np.sqrt(6 * 25)
    tconv = torch64.nn.Conv2d(6, 16, 5)   # PyTorch's bound is the same: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    assert abs(tconv.weight.detach().abs().max().item() - bound) < 0.05 * bound
    assert np.abs(conv.params["W"]).max() <= bound and np.abs(conv.params["W"]).max() > 0.9 * bound
    assert np.abs(conv.params["b"]).max() <= bound
    assert abs(conv.params["W"].std() - tconv.weight.detach().std().item()) < 0.1 * bound
    other = Conv2D(16, 5, seed=0)
    other(np.zeros((1, 6, 8, 8), np.float32))
    assert (other.params["W"] == conv.params["W"]).all()
    third = Conv2D(16, 5, seed=1)
    third(np.zeros((1, 6, 8, 8), np.float32))
    assert (third.params["W"] != conv.params["W"]).any()


@pytest.mark.parametrize("case", list(conv_cases(12, 1)))
def test_im2col_conv_equals_naive_loop(case):
    N, C, Fo, H, W, k, s, p = case
    rng = np.random.default_rng(sum(case) + 7)
    x, Wk, b = rng.normal(size=(N, C, H, W)), rng.normal(size=(Fo, C, k, k)), rng.normal(size=Fo)
    with default_dtype(np.float64):
        conv = Conv2D(Fo, k, stride=s, padding=p, seed=0)
        conv(x)
        conv.params["W"][...] = Wk
        conv.params["b"][...] = b
        y = conv(x)
    cmp(f"im2col {case}", y, conv2d_naive(x, Wk, b, (s, s), (p,) * 4))


@pytest.mark.parametrize("case", list(conv_cases(12, 2)))
def test_col2im_is_adjoint_of_im2col(case):
    N, C, Fo, H, W, k, s, p = case
    rng = np.random.default_rng(sum(case) + 11)
    x = rng.normal(size=(N, C, H, W))
    cols = im2col(x, k, k, (s, s), (p,) * 4)
    c = rng.normal(size=cols.shape)
    lhs = (cols * c).sum()
    rhs = (x * col2im(c, x.shape, k, k, (s, s), (p,) * 4)).sum()
    assert abs(lhs - rhs) < 1e-10 * max(1.0, abs(lhs)), f"<im2col x, c> {lhs} vs <x, col2im c> {rhs}"


def test_naive_loop_matches_torch(torch64):
    torch = torch64
    rng = np.random.default_rng(5)
    x, Wk, b = rng.normal(size=(2, 3, 7, 7)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    cmp("naive", conv2d_naive(x, Wk, b, (2, 2), (1, 1, 1, 1)),
        torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(Wk), torch.tensor(b), stride=2, padding=1))


POOL_CASES = [(2, None), (3, None), (2, 1), (3, 1), (3, 2), ((2, 3), None)]


@pytest.mark.parametrize("pool,stride", POOL_CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_pooling_matches_torch(torch64, pool, stride, seed):
    torch, F = torch64, torch64.nn.functional
    rng = np.random.default_rng(seed)
    N, C = (int(v) for v in rng.integers(1, 4, 2))
    H, W = (int(v) for v in rng.integers(3, 11, 2))
    x = np.round(rng.normal(size=(N, C, H, W)) * 1.5)    # integers: many ties inside windows
    for ours, theirs in [(MaxPool2D(pool, stride), F.max_pool2d), (AvgPool2D(pool, stride), F.avg_pool2d)]:
        with default_dtype(np.float64):
            y = ours(x, training=True)
        xt = torch.tensor(x, requires_grad=True)
        yt = theirs(xt, pool, stride)
        cmp(f"pool_y {type(ours).__name__} {pool} {stride}", y, yt)
        dy = rng.normal(size=y.shape)
        yt.backward(torch.tensor(dy))
        cmp(f"pool_dx {type(ours).__name__} {pool} {stride}", ours.backward(dy), xt.grad)


def test_maxpool_on_channel_first_views(torch64):
    "Conv2D returns a transposed view; pooling (and its gradient) must not depend on the memory layout."
    torch, F = torch64, torch64.nn.functional
    rng = np.random.default_rng(4)
    x = rng.normal(size=(5, 3, 8, 8)).transpose(1, 0, 2, 3).copy().transpose(1, 0, 2, 3)
    assert not x.flags.c_contiguous
    p = MaxPool2D(2)
    y = p(x, training=True)
    xt = torch.tensor(np.ascontiguousarray(x), requires_grad=True)
    yt = F.max_pool2d(xt, 2)
    cmp("pool_y layout", y, yt)
    dy = rng.normal(size=y.shape)
    yt.backward(torch.tensor(dy))
    cmp("pool_dx layout", p.backward(dy), xt.grad)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batchnorm2d_matches_torch_train_and_eval(torch64, seed):
    torch = torch64
    rng = np.random.default_rng(seed)
    N, C, H, W = 2 + int(rng.integers(0, 4)), int(rng.integers(1, 5)), int(rng.integers(1, 6)), int(rng.integers(1, 6))
    momentum = [0.1, 0.3, 0.05][seed]
    with default_dtype(np.float64):
        bn = BatchNorm2D(momentum=momentum)
        bn(np.zeros((N, C, H, W)))
    tbn = torch.nn.BatchNorm2d(C, momentum=momentum, dtype=torch.float64)
    bn.params["gamma"][:] = rng.normal(size=C)
    bn.params["beta"][:] = rng.normal(size=C)
    with torch.no_grad():
        tbn.weight.copy_(torch.tensor(bn.params["gamma"]))
        tbn.bias.copy_(torch.tensor(bn.params["beta"]))
    for step in range(4):
        for training in (True, False):
            x = rng.normal(1.5, 2.5, size=(N, C, H, W))
            tbn.train(training)
            tbn.zero_grad()
            xt = torch.tensor(x, requires_grad=True)
            yt = tbn(xt)
            y = bn(x, training=training)
            dy = rng.normal(size=x.shape)
            yt.backward(torch.tensor(dy))
            tag = f"step {step} training={training}"
            cmp(f"bn_y {tag}", y, yt)
            cmp(f"bn_dx {tag}", bn.backward(dy), xt.grad)
            cmp(f"bn_dgamma {tag}", bn.grads["gamma"], tbn.weight.grad)
            cmp(f"bn_dbeta {tag}", bn.grads["beta"], tbn.bias.grad)
            cmp(f"bn_running_mean {tag}", bn.state["running_mean"], tbn.running_mean)
            cmp(f"bn_running_var {tag}", bn.state["running_var"], tbn.running_var)


# ---------------------------------------------------------------- finite differences

@pytest.mark.parametrize("k,s,p", [(3, 1, 1), (1, 2, 0), (5, 2, 2), ((3, 2), 1, "same")])
def test_conv2d_finite_differences(k, s, p):
    rng = np.random.default_rng(0)
    with default_dtype(np.float64):
        conv = Conv2D(3, k, stride=s, padding=p, seed=0)
        x = rng.normal(size=(2, 2, 5, 5))
        conv(x)
    res = gradcheck(conv, x, training=True)
    assert set(res) == {"input", "W", "b"} and max(res.values()) < 1e-7, res


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm2d_finite_differences(training):
    rng = np.random.default_rng(1)
    with default_dtype(np.float64):
        bn = BatchNorm2D()
        x = rng.normal(size=(3, 2, 3, 2))
        bn(x, training=True)   # running statistics away from (0, 1), so evaluation mode is a real test
        bn.params["gamma"][:] = rng.normal(size=2)
        bn.params["beta"][:] = rng.normal(size=2)
    res = gradcheck(bn, x, training=training)
    assert set(res) == {"input", "gamma", "beta"} and max(res.values()) < 1e-7, res


@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D])
def test_pooling_finite_differences(cls):
    res = gradcheck(cls(3, 2), np.random.default_rng(2).normal(size=(2, 2, 7, 7)), training=True)
    assert set(res) == {"input"} and res["input"] < 1e-7, res


# ---------------------------------------------------------------- errors

def test_conv2d_errors():
    conv = Conv2D(4, 3, stride=2, name="c1", seed=0)
    conv(np.zeros((1, 3, 9, 9), np.float32))
    with pytest.raises(ValueError, match=r"Conv2D 'c1' expects NCHW.*\(1, 3, 9\)"):
        conv(np.zeros((1, 3, 9), np.float32))
    with pytest.raises(ValueError, match=r"Conv2D 'c1' was built for 3 input channel.*\(1, 1, 9, 9\)"):
        conv(np.zeros((1, 1, 9, 9), np.float32))
    with pytest.warns(UserWarning, match=r"Conv2D 'c1' on input 8x8.*last 1 row\(s\) and 1 column\(s\).*dropped"):
        assert conv(np.zeros((1, 3, 8, 8), np.float32)).shape == (1, 4, 3, 3)   # floored, as PyTorch
    with pytest.raises(ValueError, match=r"Conv2D 'big' on input 3x3: kernel size 5 is larger than the padded input"):
        Conv2D(2, 5, name="big")(np.zeros((1, 1, 3, 3), np.float32))
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        Conv2D(2, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding must be"):
        Conv2D(2, 3, padding="full")
    with pytest.raises(TypeError, match="kernel_size must be an int or a pair"):
        Conv2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="filters must be a positive integer"):
        Conv2D(0, 3)
    with pytest.raises(ValueError, match="must be positive"):
        Conv2D(2, 3, stride=0)
    with pytest.raises(ValueError, match="padding must be non-negative"):
        Conv2D(2, 3, padding=-1)


def test_pool_and_batchnorm_errors():
    with pytest.raises(ValueError, match=r"MaxPool2D 'p' expects NCHW.*\(4, 28, 28\)"):
        MaxPool2D(2, name="p")(np.zeros((4, 28, 28), np.float32))
    with pytest.raises(ValueError, match=r"AvgPool2D 'a' on input 2x2: kernel size 3 is larger"):
        AvgPool2D(3, name="a")(np.zeros((1, 1, 2, 2), np.float32))
    with pytest.raises(ValueError, match="must be positive"):
        MaxPool2D(0)
    bn = BatchNorm2D(name="bn")
    bn(np.zeros((2, 3, 4, 4), np.float32))
    with pytest.raises(ValueError, match=r"BatchNorm2D 'bn' was built for 3 input channel.*\(2, 5, 4, 4\)"):
        bn(np.zeros((2, 5, 4, 4), np.float32))
    with pytest.raises(ValueError, match="more than one value per channel"):
        bn(np.zeros((1, 3, 1, 1), np.float32), training=True)
    with pytest.raises(ValueError, match="momentum must be in"):
        BatchNorm2D(momentum=2)
    with pytest.raises(ValueError, match="epsilon must be positive"):
        BatchNorm2D(epsilon=0)


def test_conv_output_size_errors_and_values(torch64):
    torch = torch64
    for size, k, s, p in [(7, 3, 2, 0), (9, 5, 1, 2), (9, 1, 2, 2), (28, 3, 1, 2)]:
        t = torch.nn.functional.conv2d(torch.zeros(1, 1, size, size), torch.zeros(1, 1, k, k), stride=s,
                                       padding=p // 2).shape[-1]
        assert conv_output_size(size, k, s, p) == t
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv_output_size(2, 3)
    assert conv_output_size(8, 3, 2) == 3   # floored, as PyTorch
    with pytest.raises(ValueError, match="not a whole number"):
        conv_output_size(8, 3, 2, exact=True)
    assert conv_output_size(7, 2, 2, exact=False) == 3


def test_get_config_round_trip():
    for layer in [Conv2D(5, (3, 2), stride=(2, 1), padding=(1, 0), name="c"), Conv2D(3, 3, padding="same"),
                  MaxPool2D(3, 2), AvgPool2D((2, 3)), BatchNorm2D(momentum=0.2, epsilon=1e-3)]:
        cfg = layer.get_config()
        clone = type(layer)(**json.loads(json.dumps(cfg)))
        assert clone.get_config() == cfg, (clone.get_config(), cfg)


# ---------------------------------------------------------------- inside Sequential


def _small_cnn(seed=0):
    return Sequential([Conv2D(4, 3, padding=1), BatchNorm2D(), Activation("relu"), MaxPool2D(2),
                       Conv2D(6, 3), AvgPool2D(2), Flatten(), Dense(3)], seed=seed)


def _torch_copy(torch, model):
    "The same network in PyTorch with our initial weights copied in."
    c1, bn, c2, d = (model.layers[i] for i in (0, 1, 4, 7))
    tm = torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                             torch.nn.MaxPool2d(2), torch.nn.Conv2d(4, 6, 3), torch.nn.AvgPool2d(2),
                             torch.nn.Flatten(), torch.nn.Linear(6, 3)).double()
    with torch.no_grad():
        tm[0].weight.copy_(torch.tensor(c1.params["W"])); tm[0].bias.copy_(torch.tensor(c1.params["b"]))
        tm[1].weight.copy_(torch.tensor(bn.params["gamma"])); tm[1].bias.copy_(torch.tensor(bn.params["beta"]))
        tm[4].weight.copy_(torch.tensor(c2.params["W"])); tm[4].bias.copy_(torch.tensor(c2.params["b"]))
        tm[7].weight.copy_(torch.tensor(d.params["W"].T)); tm[7].bias.copy_(torch.tensor(d.params["b"]))
    return tm


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_fit_trajectory_equals_torch_loop(torch64, opt):
    torch, F = torch64, torch64.nn.functional
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 2, 8, 8)), rng.integers(0, 3, 12)
    with default_dtype(np.float64):
        model = _small_cnn(seed=3)
        model.build(X.shape)
        tm = _torch_copy(torch, model)
        if opt == "sgd":
            model.compile(loss="cross_entropy", optimizer=SGD(learning_rate=0.05, momentum=0.9))
            topt = torch.optim.SGD(tm.parameters(), lr=0.05, momentum=0.9)
        else:
            model.compile(loss="cross_entropy", optimizer=Adam(learning_rate=0.01))
            topt = torch.optim.Adam(tm.parameters(), lr=0.01, eps=1e-8)
        hist = model.fit(X, y, epochs=3, batch_size=4, shuffle=False, verbose=False)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    torch_losses = []
    for epoch in range(3):
        tot = 0.0
        for i in range(0, 12, 4):
            topt.zero_grad()
            loss = F.cross_entropy(tm(Xt[i:i + 4]), yt[i:i + 4])
            loss.backward()
            topt.step()
            tot += loss.item() * 4
        torch_losses.append(tot / 12)
    cmp(f"fit_loss {opt}", np.array(hist.history["loss"]), np.array(torch_losses), tol=1e-9)
    c1, bn, c2, d = (model.layers[i] for i in (0, 1, 4, 7))
    cmp(f"fit_W1 {opt}", c1.params["W"], tm[0].weight, tol=1e-9)
    # this bias feeds BatchNorm, so its true gradient is 0: Adam rescales rounding noise, hence the looser bound
    cmp(f"fit_b1 {opt}", c1.params["b"], tm[0].bias, tol=1e-8)
    cmp(f"fit_gamma {opt}", bn.params["gamma"], tm[1].weight, tol=1e-9)
    cmp(f"fit_running_var {opt}", bn.state["running_var"], tm[1].running_var, tol=1e-9)
    cmp(f"fit_W2 {opt}", c2.params["W"], tm[4].weight, tol=1e-9)
    cmp(f"fit_Wd {opt}", d.params["W"], tm[7].weight.T, tol=1e-9)
    tm.eval()
    with default_dtype(np.float64):
        logits = model.forward(X, training=False)
    cmp(f"fit_eval_logits {opt}", logits, tm(Xt), tol=1e-9)


def test_sequential_summary_save_load_keep_running_stats(tmp_path):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(20, 2, 8, 8)).astype(np.float32), rng.integers(0, 3, 20)
    model = _small_cnn(seed=0)
    model.compile(loss="cross_entropy", optimizer=Adam(learning_rate=0.01), metrics=["accuracy"])
    model.fit(X, y, epochs=2, batch_size=5, verbose=False, seed=0)
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    for shape in ["(None, 4, 8, 8)", "(None, 4, 4, 4)", "(None, 6, 2, 2)", "(None, 6, 1, 1)", "(None, 6)"]:
        assert shape in text, text
    bn = model.layers[1]
    assert not np.allclose(bn.state["running_var"], 1)
    path = tmp_path / "cnn.npz"
    model.save(path)
    again = Sequential.load(path)
    assert [type(l).__name__ for l in again.layers] == [type(l).__name__ for l in model.layers]
    assert (again.layers[1].state["running_mean"] == bn.state["running_mean"]).all()
    assert (again.predict_proba(X) == model.predict_proba(X)).all()
    # the running statistics travel as arrays beside the weights, not in the layer config
    assert "running_mean" not in bn.get_config()
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files if k != "state/1/running_var"}
    np.savez(tmp_path / "no_state.npz", **arrays)
    with pytest.raises(ValueError, match="layer state 'state/1/running_var' is missing"):
        Sequential.load(tmp_path / "no_state.npz")
    # a version-1 file (running statistics in the layer config, no state arrays) still loads
    with np.load(path, allow_pickle=False) as f:
        meta = json.loads(str(f["__model__"])); arrays = {k: f[k] for k in f.files if not k.startswith(("state/", "__"))}
    meta["version"] = 1
    meta["layers"][1]["config"].update({k: [float(v) for v in bn.state[k]] for k in ("running_mean", "running_var")})
    np.savez(tmp_path / "v1.npz", __model__=np.array(json.dumps(meta)), **arrays)
    old = Sequential.load(tmp_path / "v1.npz")
    assert (old.layers[1].state["running_var"] == bn.state["running_var"]).all()
    assert (old.predict_proba(X) == model.predict_proba(X)).all()
    # the same seed gives the same model, another seed another one
    a, b, c = _small_cnn(seed=0), _small_cnn(seed=0), _small_cnn(seed=1)
    for m in (a, b, c): m.build(X.shape)
    assert (a.layers[0].params["W"] == b.layers[0].params["W"]).all()
    assert (a.layers[0].params["W"] != c.layers[0].params["W"]).any()


def test_first_layer_skips_input_gradient():
    X = np.random.default_rng(2).normal(size=(4, 1, 5, 5))
    with default_dtype(np.float64):
        model = Sequential([Conv2D(2, 3, padding=1), Flatten(), Dense(2)], seed=0)
        model.compile(loss="cross_entropy", optimizer=SGD(0.1))
        model.fit(X, np.array([0, 1, 0, 1]), epochs=1, batch_size=4, verbose=False)
        out = model.forward(X, training=True)
        assert model.backward(np.ones_like(out), need_input_grad=False) is None
        skipped = {k: g.copy() for k, g in model.layers[0].grads.items()}
        dx = model.backward(np.ones_like(out))
        # leaving out dx changes no parameter gradient, and dx is the gradient of sum(output)
        for k, g in skipped.items():
            cmp(f"conv d{k} without dx", g, model.layers[0].grads[k], tol=0)
        cmp("dx", dx, numeric_grad(lambda x: model.forward(x, training=True).sum(), X), tol=1e-7)


def test_channels_last_images_are_refused_with_the_fix():
    "A (n, h, w, c) batch, as photos load, is not silently read as h channels."
    with pytest.raises(ValueError, match=r"expects \(batch, channels, height, width\); got \(2, 32, 32, 3\).*"
                                         r"x\.transpose\(0, 3, 1, 2\)"):
        Conv2D(8, 3)(np.zeros((2, 32, 32, 3)))
    conv = Conv2D(4, 3)
    conv(np.zeros((1, 3, 9, 9)))
    with pytest.raises(ValueError, match=r"channels last\? did you mean x\.transpose\(0, 3, 1, 2\)"):
        conv(np.zeros((1, 9, 9, 3)))
    assert Conv2D(4, 3)(np.zeros((2, 3, 32, 32))).shape == (2, 4, 30, 30)  # NCHW photos and feature maps pass
    assert Conv2D(4, 3)(np.zeros((2, 16, 8, 8))).shape == (2, 4, 6, 6)

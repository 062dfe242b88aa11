"Recurrent layers against PyTorch (float64), finite differences and unpadded runs."
import numpy as np
import pytest

from conftest import cmp, numeric_grad
from fromscratchtoml.core import default_dtype
from fromscratchtoml.nn import (Dense, RNN, LSTM, GRU, Embedding, TimeDistributed, GlobalAveragePooling1D,
                                Sequential, gradcheck)
from fromscratchtoml.text import generate

NAMES = {"W_ih": "weight_ih_l0", "W_hh": "weight_hh_l0", "b_ih": "bias_ih_l0", "b_hh": "bias_hh_l0"}


def torch_twin(torch, layer):
    "A torch.nn.RNN/LSTM/GRU (batch_first, float64) holding copies of our weights."
    F = layer.params["W_ih"].shape[1]
    tl = getattr(torch.nn, type(layer).__name__)(F, layer.units, batch_first=True).double()
    with torch.no_grad():
        for k, tk in NAMES.items(): getattr(tl, tk).copy_(torch.from_numpy(layer.params[k].copy()))
    return tl


def torch_run(torch, tl, x, cuts=()):
    "Run torch over x, detaching the state at the given steps (truncated BPTT)."
    bounds, outs, state = [0, *sorted(cuts), x.shape[1]], [], None
    for a, b in zip(bounds[:-1], bounds[1:]):
        o, state = tl(x[:, a:b], state)
        outs.append(o)
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
    return torch.cat(outs, 1)


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_torch(torch64, cls, return_sequences, seed):
    torch = torch64
    rng = np.random.default_rng(seed)
    B, T, F, H = rng.integers(1, 5), rng.integers(1, 9), rng.integers(1, 6), rng.integers(1, 7)
    with default_dtype(np.float64):
        layer = cls(int(H), return_sequences=return_sequences, seed=seed)
        x = rng.standard_normal((B, T, F))
        y = layer(x)
        dy = rng.standard_normal(y.shape)
        dx = layer.backward(dy.copy())
    tl = torch_twin(torch, layer)
    xt = torch.tensor(x, requires_grad=True)
    out = torch_run(torch, tl, xt)
    yt = out if return_sequences else out[:, -1]
    yt.backward(torch.tensor(dy))
    cmp("output", y, yt.detach().numpy())
    cmp("d input", dx, xt.grad.numpy())
    for k, tk in NAMES.items(): cmp(f"d {k}", layer.grads[k], getattr(tl, tk).grad.numpy())
    assert y.dtype == np.float64 and all(g.dtype == np.float64 for g in layer.grads.values())


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_truncated_bptt_matches_torch_detach(torch64, cls, return_sequences):
    torch = torch64
    rng = np.random.default_rng(5)
    B, T, F, H, k = 3, 10, 4, 5, 3
    with default_dtype(np.float64):
        layer = cls(H, return_sequences=return_sequences, bptt_truncate=k, seed=3)
        x = rng.standard_normal((B, T, F)); y = layer(x)
        dy = rng.standard_normal(y.shape); dx = layer.backward(dy)
    tl = torch_twin(torch, layer)
    xt = torch.tensor(x, requires_grad=True)
    # the state entering steps T-k, T-2k, ... is a constant: the last output sees exactly k steps back
    out = torch_run(torch, tl, xt, cuts=[t for t in range(1, T) if (T - t) % k == 0])
    (out if return_sequences else out[:, -1]).backward(torch.tensor(dy))
    cmp("output", y, (out if return_sequences else out[:, -1]).detach().numpy())
    cmp("d input", dx, xt.grad.numpy())
    for k_, tk in NAMES.items(): cmp(f"d {k_}", layer.grads[k_], getattr(tl, tk).grad.numpy())
    if not return_sequences: assert np.all(dx[:, :T - k] == 0) and np.any(dx[:, T - k] != 0)


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_gradcheck_every_parameter(cls, return_sequences):
    with default_dtype(np.float64):
        layer = cls(3, return_sequences=return_sequences, seed=1)
        x = np.random.default_rng(7).standard_normal((2, 4, 3))
        layer(x)
    res = gradcheck(layer, x)
    # a relative error: these gradients are at most about 3, so the absolute error stays under 3e-8
    assert set(res) == {"input", *NAMES} and max(res.values()) < 1e-8, res


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_finite_differences_with_a_mask(cls):
    # gradcheck calls layer(x) only, and mask_value would change the mask when a padded zero is nudged:
    # central differences of a closure that passes the mask instead
    rng = np.random.default_rng(7)
    B, T, F, H = 2, 4, 3, 3
    with default_dtype(np.float64):
        layer = cls(H, return_sequences=True, seed=1)
        x = rng.standard_normal((B, T, F))
        layer(x)
        mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0]], bool)
        w = rng.standard_normal((B, T, H))

        def loss(_):
            return float((layer.forward(x, mask=mask) * w).sum())

        loss(x)
        dx = layer.backward(w)
        grads = {k: v.copy() for k, v in layer.grads.items()}
        for k, p in layer.params.items():
            cmp(f"{cls.__name__} d{k}", grads[k], numeric_grad(loss, p), tol=1e-7)
        cmp(f"{cls.__name__} dx", dx, numeric_grad(loss, x), tol=1e-7)


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_masking_equals_unpadded_runs(cls, return_sequences):
    rng = np.random.default_rng(11)
    B, T, F, H = 4, 7, 3, 5
    lengths = np.array([7, 2, 5, 1])
    x = rng.standard_normal((B, T, F))
    for b in range(B): x[b, lengths[b]:] = 9.0     # garbage in the padding must not matter
    with default_dtype(np.float64):
        layer = cls(H, return_sequences=return_sequences, seed=2)
        y = layer.forward(x, lengths=lengths) if layer(x[:, :1]) is not None else None
        dy = rng.standard_normal(y.shape); dx = layer.backward(dy)
        grads = {k: v.copy() for k, v in layer.grads.items()}
        total = {k: np.zeros_like(v) for k, v in grads.items()}
        for b, n in enumerate(lengths):
            yb = layer.forward(x[b:b + 1, :n])
            if return_sequences:
                cmp(f"row {b} outputs", y[b, :n], yb[0]); cmp(f"row {b} padded outputs", y[b, n:], np.zeros((T - n, H)))
                dxb = layer.backward(dy[b:b + 1, :n])
            else:
                cmp(f"row {b} last state", y[b], yb[0]); dxb = layer.backward(dy[b:b + 1])
            cmp(f"row {b} dx", dx[b, :n], dxb[0]); cmp(f"row {b} dx padded", dx[b, n:], np.zeros((T - n, F)))
            for k in total: total[k] += layer.grads[k]
        for k in total: cmp(f"d{k}", grads[k], total[k])
        # the same mask three ways: lengths, a boolean mask, mask_value on zero-padded inputs
        x0 = x.copy()
        for b in range(B): x0[b, lengths[b]:] = 0.0
        layer.mask_value = 0.0
        cmp("mask_value", layer.forward(x0), y)
        layer.mask_value = None
        cmp("mask", layer.forward(x, mask=np.arange(T)[None] < lengths[:, None]), y)


def test_embedding_matches_torch(torch64):
    torch = torch64
    rng = np.random.default_rng(3)
    V, D = 11, 4
    ids = rng.integers(0, V, size=(3, 6)); ids[0, :3] = 0
    with default_dtype(np.float64):
        emb = Embedding(V, D, padding_idx=0, seed=0)
        y = emb(ids); dy = rng.standard_normal(y.shape); assert emb.backward(dy) is None
    te = torch.nn.Embedding(V, D, padding_idx=0).double()
    with torch.no_grad(): te.weight.copy_(torch.from_numpy(emb.params["W"].copy()))
    yt = te(torch.from_numpy(ids)); yt.backward(torch.from_numpy(dy))
    cmp("embedding output", y, yt.detach().numpy())
    cmp("embedding dW", emb.grads["W"], te.weight.grad.numpy())
    assert np.all(emb.params["W"][0] == 0)
    ours = Embedding(V, D, seed=4); ours(ids)
    assert np.allclose(ours.params["W"].std(), 1.0, atol=0.35)   # PyTorch's N(0, 1) init


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_init_matches_torch_distribution_and_seeds(torch64, cls):
    H, F = 50, 30
    a, b, c = cls(H, seed=0), cls(H, seed=0), cls(H, seed=1)
    x = np.zeros((1, 2, F), np.float32)
    for l in (a, b, c): l(x)
    bound = 1 / np.sqrt(H)
    for k, p in a.params.items():
        assert p.dtype == np.float32
        assert np.abs(p).max() <= bound and np.abs(p).max() > 0.9 * bound   # U(-1/sqrt(H), 1/sqrt(H)) like torch
        assert p.shape == tuple(getattr(torch_twin(torch64, a), NAMES[k]).shape)
        assert np.array_equal(p, b.params[k]) and not np.array_equal(p, c.params[k])


def test_time_distributed_dense_matches_torch_linear(torch64):
    torch = torch64
    rng = np.random.default_rng(0)
    with default_dtype(np.float64):
        td = TimeDistributed(Dense(3), seed=0)
        x = rng.standard_normal((2, 5, 4)); y = td(x)
        dy = rng.standard_normal(y.shape); dx = td.backward(dy)
    lin = torch.nn.Linear(4, 3).double()
    with torch.no_grad():
        lin.weight.copy_(torch.from_numpy(td.params["W"].T.copy())); lin.bias.copy_(torch.from_numpy(td.params["b"].copy()))
    xt = torch.tensor(x, requires_grad=True); yt = lin(xt); yt.backward(torch.from_numpy(dy))
    cmp("output", y, yt.detach().numpy()); cmp("dx", dx, xt.grad.numpy())
    cmp("dW", td.grads["W"], lin.weight.grad.numpy().T); cmp("db", td.grads["b"], lin.bias.grad.numpy())
    assert td.compute_output_shape((None, 5, 4)) == (None, 5, 3)
    again = TimeDistributed(**td.get_config())
    assert type(again.layer) is Dense and again.layer.units == 3


def test_output_shapes_and_config():
    for cls in (RNN, LSTM, GRU):
        l = cls(6, return_sequences=True, bptt_truncate=4, mask_value=0.0)
        assert l.compute_output_shape((None, 9, 3)) == (None, 9, 6)
        assert cls(6).compute_output_shape((None, 9, 3)) == (None, 6)
        cfg = l.get_config(); twin = cls(**cfg)
        assert twin.get_config() == cfg
        l(np.zeros((2, 3, 4)))
        assert l.n_params == l.n_gates * 6 * (4 + 6 + 2)
    assert Embedding(10, 3).compute_output_shape((None, 7)) == (None, 7, 3)


def test_errors():
    l = LSTM(4)
    with pytest.raises(ValueError, match=r"expects inputs of shape \(batch, time"): l(np.zeros((2, 3)))
    l(np.zeros((2, 3, 5)))
    with pytest.raises(ValueError, match=r"expects inputs of shape \(batch, time, 5\), got \(2, 3, 4\)"): l(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="empty sequences"): l(np.zeros((2, 0, 5)))
    with pytest.raises(ValueError, match="one entry per sequence"): l.forward(np.zeros((2, 3, 5)), lengths=[1, 2, 3])
    with pytest.raises(ValueError, match="sequence 1 is empty"): l.forward(np.zeros((2, 3, 5)), lengths=[1, 0])
    with pytest.raises(ValueError, match="longer than the time dimension"): l.forward(np.zeros((2, 3, 5)), lengths=[1, 4])
    with pytest.raises(ValueError, match=r"mask must have shape \(batch, time\)"): l.forward(np.zeros((2, 3, 5)), mask=np.ones((3, 2)))
    with pytest.raises(ValueError, match="positive integer"): GRU(0)
    with pytest.raises(ValueError, match="bptt_truncate"): RNN(3, bptt_truncate=0)
    e = Embedding(5, 2)
    with pytest.raises(ValueError, match=r"token id 5 is out of range \[0, 5\)"): e(np.array([[0, 5]]))
    with pytest.raises(ValueError, match=r"token id -1 is out of range"): e(np.array([[0, -1]]))
    with pytest.raises(TypeError, match="integer token ids"): e(np.array([[0.5, 1.0]]))
    with pytest.raises(ValueError, match=r"shape \(batch, time\)"): e(np.array([1, 2]))
    with pytest.raises(ValueError, match="padding_idx"): Embedding(5, 2, padding_idx=5)
    with pytest.raises(TypeError, match="wraps a Layer"): TimeDistributed("dense")


def test_global_average_pooling_masked_matches_torch(torch64):
    torch = torch64
    rng = np.random.default_rng(0)
    lengths = [5, 2, 4]
    x = rng.standard_normal((3, 5, 4))
    for b, n in enumerate(lengths): x[b, n:] = 0.0
    with default_dtype(np.float64):
        pool = GlobalAveragePooling1D(mask_value=0.0); y = pool(x)
        dy = rng.standard_normal(y.shape); dx = pool.backward(dy)
        plain = GlobalAveragePooling1D(); cmp("unmasked", plain(x), x.mean(1))
    xt = torch.tensor(x, requires_grad=True)
    ref = torch.stack([xt[b, :n].mean(0) for b, n in enumerate(lengths)]); ref.backward(torch.tensor(dy))
    cmp("pooled", y, ref.detach().numpy()); cmp("d pooled", dx, xt.grad.numpy())
    with pytest.raises(ValueError, match=r"\(batch, time, features\)"): pool(np.zeros((2, 3)))


def test_sequential_fit_save_load_roundtrip(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.integers(1, 12, size=(40, 9)); X[::3, 6:] = 0          # some padded rows
    y = rng.integers(0, 12, size=(40, 9))
    model = Sequential([Embedding(12, 5, padding_idx=0), LSTM(7, return_sequences=True, mask_value=0.0),
                        TimeDistributed(Dense(12))], seed=0)
    model.compile(loss="cross_entropy", optimizer="adam")
    hist = model.fit(X, y, epochs=3, batch_size=8, verbose=False)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert model.layers[0].params["W"][0].tolist() == [0.0] * 5      # the padding row is never trained
    model.save(tmp_path / "m.npz")
    again = Sequential.load(tmp_path / "m.npz")
    cmp("reloaded predictions", again.predict_proba(X), model.predict_proba(X), tol=1e-6)
    clf = Sequential([Embedding(12, 4, padding_idx=0), GRU(6, return_sequences=True, mask_value=0.0),
                      GlobalAveragePooling1D(mask_value=0.0), Dense(2)], seed=1)
    clf.compile(loss="cross_entropy", optimizer="adam"); clf.fit(X, y[:, 0] % 2, epochs=1, verbose=False)
    clf.save(tmp_path / "c.npz"); cmp("reloaded classifier", Sequential.load(tmp_path / "c.npz").predict_proba(X), clf.predict_proba(X), tol=1e-6)


def test_generate_is_seeded_and_checks_the_model():
    lm = Sequential([Embedding(27, 4), GRU(8, return_sequences=True), TimeDistributed(Dense(27))], seed=0)
    lm.forward(np.zeros((1, 3), np.int64))
    a, b = generate(lm, "the ", 20, 1.0, seed=3), generate(lm, "the ", 20, 1.0, seed=3)
    assert a == b and len(a) == 24 and a.startswith("the ") and set(a) <= set(" abcdefghijklmnopqrstuvwxyz")
    bad = Sequential([Embedding(27, 4), GRU(8, return_sequences=True), TimeDistributed(Dense(5))], seed=0)
    with pytest.raises(ValueError, match=r"\(1, time, 27\) logits"): generate(bad, "ab", 2)

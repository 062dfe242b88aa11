"Sequential: training trajectory equal to the same PyTorch loop, save/load, errors, determinism."
import numpy as np
import pytest
from conftest import cmp
from fromscratchtoml.core import default_dtype, NotFittedError
from fromscratchtoml.nn import (Layer, Dense, Dropout, Flatten, Sequential, SGD, Adam, RMSprop, Adagrad,
                                L1, L2, gradcheck)

def data(n=40, d=6, c=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)); y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)
    return X, y

def torch_copy(torch, model):
    "The same stack of Dense layers in PyTorch, with our weights copied in."
    mods = []
    for l in model.layers:
        if isinstance(l, Dense):
            lin = torch.nn.Linear(l.params["W"].shape[0], l.units)
            with torch.no_grad(): lin.weight.copy_(torch.tensor(l.params["W"].T)); lin.bias.copy_(torch.tensor(l.params["b"]))
            mods.append(lin)
            if l.activation == "relu": mods.append(torch.nn.ReLU())
            if l.activation == "tanh": mods.append(torch.nn.Tanh())
    return torch.nn.Sequential(*mods)

@pytest.mark.parametrize("ours,torch_name,kw", [
    (lambda: SGD(0.1, momentum=0.9, nesterov=True), "SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    (lambda: Adam(0.01), "Adam", dict(lr=0.01)),
    (lambda: RMSprop(0.01), "RMSprop", dict(lr=0.01)),
    (lambda: Adagrad(0.05), "Adagrad", dict(lr=0.05))], ids=["sgd-nesterov", "adam", "rmsprop", "adagrad"])
def test_fit_trajectory_equals_torch_loop(torch64, ours, torch_name, kw):
    torch = torch64
    X, y = data()
    with default_dtype(np.float64):
        model = Sequential([Dense(8, activation="relu"), Dense(5, activation="tanh"), Dense(3)], seed=0)
        model.build(X.shape)
        net = torch_copy(torch, model)
        model.compile("cross_entropy", ours(), metrics=["accuracy"])
        hist = model.fit(X, y, epochs=3, batch_size=16, shuffle=False, verbose=False)
    opt = getattr(torch.optim, torch_name)(net.parameters(), **kw)
    losses = []
    for epoch in range(3):
        tot = 0.0
        for lo in range(0, len(X), 16):
            xb, yb = torch.tensor(X[lo:lo + 16]), torch.tensor(y[lo:lo + 16])
            opt.zero_grad(); loss = torch.nn.functional.cross_entropy(net(xb), yb); loss.backward(); opt.step()
            tot += loss.item() * len(xb)
        losses.append(tot / len(X))
    cmp("epoch losses", hist.history["loss"], losses)
    lins = [m for m in net if isinstance(m, torch.nn.Linear)]
    for l, lin in zip(model.layers, lins):
        cmp(f"{l.name} W", l.params["W"], lin.weight.T)

def test_fit_with_l2_and_mse_equals_torch(torch64):
    torch = torch64
    X, _ = data()
    t = np.random.default_rng(5).normal(size=(len(X), 2))
    with default_dtype(np.float64):
        model = Sequential([Dense(7, activation="tanh", kernel_regularizer=L2(0.01)), Dense(2)], seed=1)
        model.build(X.shape)
        net = torch_copy(torch, model)
        model.compile("mse", SGD(0.05))
        hist = model.fit(X, t, epochs=2, batch_size=10, shuffle=False, verbose=False)
    opt = torch.optim.SGD(net.parameters(), lr=0.05); losses = []
    for _ in range(2):
        tot = 0.0
        for lo in range(0, len(X), 10):
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(net(torch.tensor(X[lo:lo + 10])), torch.tensor(t[lo:lo + 10])) + 0.01 * (net[0].weight ** 2).sum()
            loss.backward(); opt.step(); tot += loss.item() * 10
        losses.append(tot / len(X))
    cmp("epoch losses", hist.history["loss"], losses)
    cmp("W", model.layers[0].params["W"], net[0].weight.T)

def test_gradcheck_model_with_regularizers_and_dropout():
    X, y = data(n=6)
    model = Sequential([Dense(5, activation="relu", kernel_regularizer=L1(0.01)), Dropout(0.3),
                        Dense(4, activation="sigmoid", kernel_regularizer=L2(0.1)), Dense(3)], seed=0).compile("cross_entropy", "sgd")
    res = gradcheck(model, X, y, training=True)
    assert len(res) == 7 and max(res.values()) < 1e-6, res

def test_save_load_roundtrip(tmp_path):
    X, y = data()
    model = Sequential([Dense(8, activation="relu", kernel_regularizer="l2"), Dropout(0.2, seed=1), Dense(3)], seed=0)
    model.compile("cross_entropy", SGD(0.1, momentum=0.9), metrics=["accuracy"]).fit(X, y, epochs=2, verbose=False)
    path = tmp_path / "m.npz"; model.save(path)
    loaded = Sequential.load(path)
    assert (loaded.predict_proba(X) == model.predict_proba(X)).all() and (loaded.predict(X) == model.predict(X)).all()
    assert [type(l).__name__ for l in loaded.layers] == ["Dense", "Dropout", "Dense"]
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    assert loaded.optimizer.get_config() == model.optimizer.get_config() and loaded.evaluate(X, y) == model.evaluate(X, y)
    with np.load(path, allow_pickle=False) as f: assert "__model__" in f.files   # no pickle needed

def test_load_rejects_other_files(tmp_path):
    (tmp_path / "a.txt").write_text("hello")
    with pytest.raises(ValueError, match="is not a model saved by Sequential.save"): Sequential.load(tmp_path / "a.txt")
    np.savez(tmp_path / "b.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="is not a model saved by Sequential.save"): Sequential.load(tmp_path / "b.npz")
    np.savez(tmp_path / "c.npz", __model__=np.array('{"format": "other"}'))
    with pytest.raises(ValueError, match="is not a model saved by Sequential.save"): Sequential.load(tmp_path / "c.npz")

def test_predict_and_evaluate_against_manual(torch64):
    torch = torch64
    X, y = data()
    model = Sequential([Dense(4, activation="relu"), Dense(3)], seed=0).compile("cross_entropy", "adam", ["accuracy"])
    model.fit(X, y, epochs=1, verbose=False)
    logits = model.forward(X.astype(np.float32))
    p = torch.softmax(torch.tensor(logits, dtype=torch.float64), 1).numpy()
    assert np.abs(model.predict_proba(X, batch_size=7) - p).max() < 1e-6
    assert (model.predict(X) == p.argmax(1)).all()
    loss, acc = model.evaluate(X, y, batch_size=9)
    tl = torch.nn.functional.cross_entropy(torch.tensor(logits, dtype=torch.float64), torch.tensor(y)).item()
    assert abs(loss - tl) < 1e-5 and acc == (p.argmax(1) == y).mean()

def test_summary_counts_match_torch(torch64, capsys):
    torch = torch64
    model = Sequential([Flatten(), Dense(16, activation="relu"), Dense(10)], seed=0); model.build((None, 4, 5))
    model.summary(); out = capsys.readouterr().out
    n = sum(p.numel() for p in torch.nn.Sequential(torch.nn.Linear(20, 16), torch.nn.Linear(16, 10)).parameters())
    assert f"Total params: {n:,}" in out and "(None, 16)" in out and "(None, 20)" in out and model.n_params == n

def test_determinism():
    X, y = data()
    def run(seed):
        m = Sequential([Dense(8, activation="relu"), Dropout(0.3), Dense(3)], seed=seed).compile("cross_entropy", "adam")
        h = m.fit(X, y, epochs=3, batch_size=8, verbose=False)
        return h.history["loss"], m.layers[0].params["W"].copy()
    (l1, w1), (l2, w2), (l3, w3) = run(0), run(0), run(1)
    assert l1 == l2 and (w1 == w2).all()
    assert l1 != l3 and (w1 != w3).any()

def softmax_regression_sgd(W, b, X, y, learning_rate, batch_size, epochs):
    "Mini-batch SGD on the mean cross-entropy of softmax(X W + b) by hand: dloss/dlogits = (p - onehot) / n."
    W, b, Y = W.copy(), b.copy(), np.eye(W.shape[1])[y]
    losses = []
    for _ in range(epochs):
        total = 0.0
        for lo in range(0, len(X), batch_size):
            xb, yb = X[lo:lo + batch_size], Y[lo:lo + batch_size]
            z = xb @ W + b
            z = z - z.max(1, keepdims=True)
            logp = z - np.log(np.exp(z).sum(1, keepdims=True))
            total -= (yb * logp).sum()   # summed, not mean: the epoch loss weighs batches by their size
            g = (np.exp(logp) - yb) / len(xb)
            W -= learning_rate * xb.T @ g
            b -= learning_rate * g.sum(0)
        losses.append(total / len(X))
    return losses, W, b

@pytest.mark.parametrize("batch_size", [1, 5, 12, 1000], ids=["online", "ragged", "batch", "beyond-data"])
def test_online_and_batch_gradient_descent(batch_size):
    X, y = data(n=12)
    with default_dtype(np.float64):
        m = Sequential([Dense(3)], seed=0).compile("cross_entropy", SGD(0.1))
        m.build(X.shape)
        W0, b0 = m.layers[0].params["W"].copy(), m.layers[0].params["b"].copy()
        h = m.fit(X, y, epochs=2, batch_size=batch_size, shuffle=False, verbose=False)
    losses, W, b = softmax_regression_sgd(W0, b0, X, y, 0.1, batch_size, epochs=2)
    assert m.history is h
    cmp("epoch losses", h.history["loss"], losses)
    cmp("W", m.layers[0].params["W"], W)
    cmp("b", m.layers[0].params["b"], b)

def test_validation_history():
    X, y = data()
    Xv, yv = data(n=15, seed=1)
    m = Sequential([Dense(3)], seed=0).compile("cross_entropy", "adam", ["accuracy"])
    h = m.fit(X, y, epochs=2, validation_data=(Xv, yv), verbose=False)
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy"} and all(len(v) == 2 for v in h.history.values())
    # the last epoch's validation entries are the trained model's scores on the validation data
    val_loss, val_accuracy = m.evaluate(Xv, yv)
    assert h.history["val_loss"][-1] == pytest.approx(val_loss, rel=1e-12)
    assert h.history["val_accuracy"][-1] == val_accuracy

def test_bad_inputs():
    X, y = data()
    m = Sequential([Dense(4, activation="relu", name="hidden"), Dense(3)], seed=0)
    with pytest.raises(RuntimeError, match="compile the model before fit"): m.fit(X, y)
    with pytest.raises(NotFittedError, match="not built"): m.predict(X)
    m.compile("cross_entropy", "adam")
    Xn = X.copy(); Xn[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"): m.fit(Xn, y, verbose=False)
    with pytest.raises(ValueError, match="label 3 but the model only has 3 outputs"): m.fit(X, np.where(y == 2, 3, y), verbose=False)
    with pytest.raises(ValueError, match="y has 39 samples but X has 40"): m.fit(X, y[:-1], verbose=False)
    m.fit(X, y, verbose=False)
    with pytest.raises(ValueError, match=r"Dense 'hidden' expects inputs of shape \(batch, 6\), got \(40, 5\)"): m.predict(X[:, :5])
    with pytest.raises(ValueError, match=r"Dense 'hidden' expects inputs of shape \(batch, 6\), got \(40, 6, 1\)"): m.predict(X[..., None])
    with pytest.raises(ValueError, match="NaN or infinity"): m.predict(Xn)
    with pytest.raises(ValueError, match="batch_size"): m.fit(X, y, batch_size=0)
    with pytest.raises(ValueError, match="already in the model"): Sequential([Dense(2, name="a"), Dense(2, name="a")])

def test_nan_loss_stops_training_with_hint():
    X, _ = data(); t = np.ones((len(X), 1)) * 1e3
    m = Sequential([Dense(1)], seed=0).compile("mse", SGD(10.0))
    with pytest.raises(FloatingPointError, match=r"epoch \d+, batch \d+/\d+.*learning rate \(10.0\)"):
        with np.errstate(all="ignore"): m.fit(X * 1e3, t, epochs=50, verbose=False)

def test_integer_input_layers_are_not_cast():
    class Lookup(Layer):
        input_dtype = "int"
        def build(self, input_shape): self.params["E"] = self.rng.normal(size=(5, 3))
        def compute_output_shape(self, s): return tuple(s) + (3,)
        def forward(self, x, training=False):
            assert np.issubdtype(x.dtype, np.integer); self._x = x; return self.params["E"][x]
        def backward(self, dy):
            self.grads["E"][...] = 0; np.add.at(self.grads["E"], self._x, dy); return None
    X = np.random.default_rng(0).integers(0, 5, size=20); y = X % 3
    m = Sequential([Lookup(), Dense(3)], seed=0).compile("cross_entropy", Adam(0.1), ["accuracy"])
    h = m.fit(X, y, epochs=30, batch_size=20, verbose=False)
    assert h.history["accuracy"][-1] == 1.0
    with pytest.raises(TypeError, match="integer ids"): m.fit(X.astype(float), y, verbose=False)

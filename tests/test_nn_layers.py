"Layers, activations and initialisers against PyTorch (float64) and finite differences."
import numpy as np
import pytest
import torch
from fromscratchtoml.core import default_dtype, get_default_dtype
from fromscratchtoml.nn.layers import (Layer, LAYERS, Dense, Activation, Dropout, Flatten, compute_fans,
                                       glorot_uniform, glorot_normal, he_uniform, he_normal, zeros)
from fromscratchtoml.nn.gradcheck import gradcheck

torch.set_default_dtype(torch.float64)
TOL = 1e-10

def close(name, ours, theirs, tol=TOL):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert ours.shape == theirs.shape, f"{name}: shape ours {ours.shape} vs theirs {theirs.shape}"
    d = float(np.max(np.abs(ours - theirs))) if ours.size else 0.0
    assert d < tol, f"{name}: max |ours - torch| = {d:.3e}\nours:\n{ours}\ntheirs:\n{theirs}"
    return d

TORCH_ACT = {None: lambda t: t, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
             "leaky_relu": torch.nn.functional.leaky_relu, "softmax": lambda t: torch.softmax(t, -1)}

@pytest.mark.parametrize("activation", list(TORCH_ACT))
@pytest.mark.parametrize("shape,units,use_bias", [((5, 7), 3, True), ((1, 4), 6, False), ((3, 4, 6), 5, True)])
def test_dense_matches_torch(activation, shape, units, use_bias):
    rng = np.random.default_rng(hash((str(activation), shape, units)) % 2**32)
    with default_dtype(np.float64):
        layer = Dense(units, activation=activation, use_bias=use_bias, seed=1)
        x = rng.normal(size=shape) * 2
        y = layer(x)
        dy = rng.normal(size=y.shape)
        dx = layer.backward(dy)
    lin = torch.nn.Linear(shape[-1], units, bias=use_bias)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(layer.params["W"].T))
        if use_bias: lin.bias.copy_(torch.tensor(layer.params["b"]))
    xt = torch.tensor(x, requires_grad=True)
    yt = TORCH_ACT[activation](lin(xt)); yt.backward(torch.tensor(dy))
    close("y", y, yt); close("dx", dx, xt.grad); close("dW", layer.grads["W"], lin.weight.grad.T)
    if use_bias: close("db", layer.grads["b"], lin.bias.grad)
    assert set(layer.grads) == set(layer.params)

@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "softmax"])
@pytest.mark.parametrize("shape", [(4, 6), (2, 3, 5), (1, 1)])
def test_activation_matches_torch(name, shape):
    rng = np.random.default_rng(len(shape) * 7 + len(name))
    x = rng.normal(size=shape) * 3
    layer = Activation(name)
    dy = rng.normal(size=shape); dy_copy = dy.copy()
    y = layer(x); dx = layer.backward(dy)
    xt = torch.tensor(x, requires_grad=True); yt = TORCH_ACT[name](xt); yt.backward(torch.tensor(dy))
    close("y", y, yt); close("dx", dx, xt.grad)
    assert (dy == dy_copy).all(), "backward modified dy"

def test_sigmoid_no_overflow():
    with np.errstate(all="raise"):
        y = Activation("sigmoid")(np.array([[-1000.0, 0.0, 1000.0]]))
    close("sigmoid extremes", y, torch.sigmoid(torch.tensor([[-1000.0, 0.0, 1000.0]])))

def test_flatten_matches_torch():
    x = np.random.default_rng(0).normal(size=(3, 2, 4, 5)); dy = np.random.default_rng(1).normal(size=(3, 40))
    layer = Flatten(); y = layer(x); dx = layer.backward(dy)
    xt = torch.tensor(x, requires_grad=True); yt = torch.flatten(xt, 1); yt.backward(torch.tensor(dy))
    close("y", y, yt); close("dx", dx, xt.grad)
    assert layer.compute_output_shape((None, 2, 4, 5)) == (None, 40)

def test_dropout():
    x = np.random.default_rng(0).normal(size=(400, 50))
    d = Dropout(0.25, seed=3)
    y = d(x, training=True); dy = np.ones_like(x); dx = d.backward(dy)
    dropped = y == 0
    assert abs(dropped.mean() - 0.25) < 0.01, dropped.mean()
    np.testing.assert_allclose(y[~dropped], x[~dropped] / 0.75, rtol=1e-12)   # inverted scaling
    np.testing.assert_allclose(dx, np.where(dropped, 0, 1 / 0.75), rtol=1e-12)
    assert d(x, training=False) is x and Dropout(0.25, seed=3)(x, training=True).tolist() == y.tolist()
    assert (Dropout(0.25, seed=4)(x, training=True) != y).any()
    with pytest.raises(ValueError, match="rate"): Dropout(1.0)

def _np_fans(shape):
    t = torch.empty(shape)
    return torch.nn.init._calculate_fan_in_and_fan_out(t)

@pytest.mark.parametrize("shape", [(30, 20), (8, 3, 5, 5), (16, 4, 7)])
def test_fans_like_torch(shape):
    assert compute_fans(shape) == _np_fans(shape)

def test_initializer_statistics():
    rng = np.random.default_rng(0)
    n_in, n_out = 400, 300
    for f, var, kind in [(glorot_uniform, 2 / (n_in + n_out), "u"), (glorot_normal, 2 / (n_in + n_out), "n"),
                         (he_uniform, 2 / n_in, "u"), (he_normal, 2 / n_in, "n")]:
        W = f((n_in, n_out), rng, np.float64, fan_in=n_in, fan_out=n_out)
        assert W.dtype == np.float64 and W.shape == (n_in, n_out)
        assert abs(W.var() / var - 1) < 0.02, (f.__name__, W.var(), var)
        if kind == "u": assert np.abs(W).max() <= np.sqrt(3 * var) + 1e-12
    # same bound as torch.nn.init.kaiming_uniform_ on a conv kernel
    t = torch.empty(8, 3, 5, 5); torch.nn.init.kaiming_uniform_(t, nonlinearity="relu")
    ours = he_uniform((8, 3, 5, 5), rng, np.float64)
    assert np.isclose(np.abs(ours).max(), t.abs().max().item(), rtol=0.02)
    assert (zeros((2, 3), rng, np.float32) == 0).all()

def test_dense_initializer_uses_fan_in_of_its_layout():
    layer = Dense(1000, kernel_initializer="he_normal", seed=0); layer(np.zeros((1, 50)))
    assert abs(layer.params["W"].std() / np.sqrt(2 / 50) - 1) < 0.02

def test_dtypes_follow_default():
    layer = Dense(3, seed=0); y = layer(np.zeros((2, 4), np.float32))
    assert layer.params["W"].dtype == np.float32 == y.dtype == get_default_dtype()
    with default_dtype(np.float64):
        layer = Dense(3, seed=0); layer(np.zeros((2, 4)))
    assert layer.params["W"].dtype == np.float64 and layer.grads["W"].dtype == np.float64

def test_seeds():
    a, b, c = (Dense(5, seed=s) for s in (1, 1, 2))
    for l in (a, b, c): l(np.zeros((1, 3)))
    assert (a.params["W"] == b.params["W"]).all() and (a.params["W"] != c.params["W"]).any()

@pytest.mark.parametrize("layer,x,training", [
    (Dense(4, activation="tanh"), (3, 5), False), (Dense(3, activation="sigmoid"), (2, 3, 4), False),
    (Dense(3, activation="relu"), (4, 5), False), (Dense(3, activation="leaky_relu"), (4, 5), False),
    (Dense(4, activation="softmax"), (3, 5), False), (Dense(2, use_bias=False), (3, 5), False),
    (Activation("softmax"), (3, 6), False), (Activation("tanh"), (2, 3, 2), False),
    (Dropout(0.5, seed=0), (4, 6), True), (Flatten(), (2, 3, 2), False)])
def test_gradcheck_every_parameter(layer, x, training):
    x = np.random.default_rng(0).normal(size=x)
    res = gradcheck(layer, x, training=training)
    assert "input" in res and all(k in res for k in layer.params), res
    assert max(res.values()) < 1e-6, res

def test_gradcheck_catches_a_wrong_gradient():
    class BadDense(Dense):
        def backward(self, dy):
            dx = super().backward(dy); self.grads["b"] = self.grads["b"] * 1.1; return dx
    res = gradcheck(BadDense(3), np.random.default_rng(0).normal(size=(4, 5)))
    assert res["b"] > 0.05 and res["W"] < 1e-6, res

def test_bad_inputs_name_layer_and_shapes():
    layer = Dense(3, name="dense_x"); layer(np.zeros((2, 784)))
    with pytest.raises(ValueError, match=r"Dense 'dense_x' expects inputs of shape \(batch, 784\), got \(32, 28, 28\)"):
        layer(np.zeros((32, 28, 28)))
    with pytest.raises(ValueError, match=r"got \(2, 783\)"): layer(np.zeros((2, 783)))
    with pytest.raises(ValueError, match="expects inputs of shape"): Dense(3)(np.zeros(5))
    with pytest.raises(ValueError, match="unknown activation"): Dense(3, activation="swish")
    with pytest.raises(ValueError, match="positive integer"): Dense(0)
    with pytest.raises(ValueError, match="unknown initializer"): Dense(3, kernel_initializer="nope")
    f = Flatten(name="flat"); f(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"Flatten 'flat' expects inputs of shape \(batch, 3, 4\), got \(2, 12\)"): f(np.zeros((2, 12)))

def test_registry_and_config_roundtrip():
    class MyLayer(Layer):
        def forward(self, x, training=False): return x
        def backward(self, dy): return dy
    assert LAYERS["MyLayer"] is MyLayer and LAYERS["Dense"] is Dense
    d = Dense(7, activation="relu", kernel_regularizer="l2", name="d7")
    d2 = LAYERS["Dense"](**d.get_config())
    assert d2.get_config() == d.get_config()
    assert Dense(2).name != Dense(2).name

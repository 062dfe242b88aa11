"Layers, activations and initialisers against PyTorch (float64) and finite differences."
import numpy as np
import pytest
from conftest import cmp, close
from fromscratchtoml.core import default_dtype, get_default_dtype
from fromscratchtoml.nn import (Layer, LAYERS, Dense, Activation, Dropout, Flatten, gradcheck, glorot_uniform,
                                glorot_normal, he_uniform, he_normal, zeros)
from fromscratchtoml.nn.initializers import compute_fans

ACTIVATION_NAMES = [None, "sigmoid", "tanh", "relu", "leaky_relu", "softmax"]


def torch_activation(torch, name):
    "PyTorch's function for our activation `name` (None: the identity)."
    return {None: lambda t: t, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
            "leaky_relu": torch.nn.functional.leaky_relu, "softmax": lambda t: torch.softmax(t, -1)}[name]

@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("case,shape,units,use_bias", [(0, (5, 7), 3, True), (1, (1, 4), 6, False),
                                                       (2, (3, 4, 6), 5, True)])
def test_dense_matches_torch(torch64, activation, case, shape, units, use_bias):
    rng = np.random.default_rng([case, ACTIVATION_NAMES.index(activation)])
    with default_dtype(np.float64):
        layer = Dense(units, activation=activation, use_bias=use_bias, seed=1)
        x = rng.normal(size=shape) * 2
        y = layer(x)
        dy = rng.normal(size=y.shape)
        dx = layer.backward(dy)
    torch = torch64
    lin = torch.nn.Linear(shape[-1], units, bias=use_bias)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(layer.params["W"].T))
        if use_bias: lin.bias.copy_(torch.tensor(layer.params["b"]))
    xt = torch.tensor(x, requires_grad=True)
    yt = torch_activation(torch, activation)(lin(xt))
    yt.backward(torch.tensor(dy))
    cmp("y", y, yt)
    cmp("dx", dx, xt.grad)
    cmp("dW", layer.grads["W"], lin.weight.grad.T)
    if use_bias: cmp("db", layer.grads["b"], lin.bias.grad)
    assert set(layer.grads) == set(layer.params)

@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "softmax"])
@pytest.mark.parametrize("shape", [(4, 6), (2, 3, 5), (1, 1)])
def test_activation_matches_torch(torch64, name, shape):
    rng = np.random.default_rng(len(shape) * 7 + len(name))
    x = rng.normal(size=shape) * 3
    layer = Activation(name)
    dy = rng.normal(size=shape)
    dy_copy = dy.copy()
    y = layer(x)
    dx = layer.backward(dy)
    xt = torch64.tensor(x, requires_grad=True)
    yt = torch_activation(torch64, name)(xt)
    yt.backward(torch64.tensor(dy))
    cmp("y", y, yt)
    cmp("dx", dx, xt.grad)
    assert (dy == dy_copy).all(), "backward modified dy"

def test_sigmoid_no_overflow(torch64):
    with np.errstate(all="raise"):
        y = Activation("sigmoid")(np.array([[-1000.0, 0.0, 1000.0]]))
    cmp("sigmoid extremes", y, torch64.sigmoid(torch64.tensor([[-1000.0, 0.0, 1000.0]])))

def test_flatten_matches_torch(torch64):
    x = np.random.default_rng(0).normal(size=(3, 2, 4, 5))
    dy = np.random.default_rng(1).normal(size=(3, 40))
    layer = Flatten()
    y = layer(x)
    dx = layer.backward(dy)
    xt = torch64.tensor(x, requires_grad=True)
    yt = torch64.flatten(xt, 1)
    yt.backward(torch64.tensor(dy))
    cmp("y", y, yt)
    cmp("dx", dx, xt.grad)
    assert layer.compute_output_shape((None, 2, 4, 5)) == (None, 40)

def test_dropout():
    x = np.random.default_rng(0).normal(size=(400, 50))
    d = Dropout(0.25, seed=3)
    y = d(x, training=True); dy = np.ones_like(x); dx = d.backward(dy)
    dropped = y == 0
    assert abs(dropped.mean() - 0.25) < 0.01, dropped.mean()
    close(y[~dropped], x[~dropped] / 0.75, rtol=1e-12, atol=0, name="kept inputs")   # inverted scaling
    close(dx, np.where(dropped, 0, 1 / 0.75), rtol=1e-12, atol=0, name="dx")
    assert d(x, training=False) is x and Dropout(0.25, seed=3)(x, training=True).tolist() == y.tolist()
    assert (Dropout(0.25, seed=4)(x, training=True) != y).any()
    with pytest.raises(ValueError, match="rate"): Dropout(1.0)

@pytest.mark.parametrize("shape", [(30, 20), (8, 3, 5, 5), (16, 4, 7)])
def test_fans_like_torch(torch64, shape):
    assert compute_fans(shape) == torch64.nn.init._calculate_fan_in_and_fan_out(torch64.empty(shape))

def test_initializer_statistics(torch64):
    rng = np.random.default_rng(0)
    n_in, n_out = 400, 300
    for f, var, kind in [(glorot_uniform, 2 / (n_in + n_out), "u"), (glorot_normal, 2 / (n_in + n_out), "n"),
                         (he_uniform, 2 / n_in, "u"), (he_normal, 2 / n_in, "n")]:
        W = f((n_in, n_out), rng, np.float64, fan_in=n_in, fan_out=n_out)
        assert W.dtype == np.float64 and W.shape == (n_in, n_out)
        assert abs(W.var() / var - 1) < 0.02, (f.__name__, W.var(), var)
        if kind == "u": assert np.abs(W).max() <= np.sqrt(3 * var) + 1e-12
    # same bound as torch.nn.init.kaiming_uniform_ on a conv kernel
    t = torch64.empty(8, 3, 5, 5)
    torch64.nn.init.kaiming_uniform_(t, nonlinearity="relu")
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

"""The Layer contract, checked on every registered layer type.

Lazy parameters on the first `forward`; `params` and `grads` with the same keys and shapes; gradients filled in
place; `backward` never mutates `dy` and returns dL/dx of the input's shape; output shapes as
`compute_output_shape` says; every parameter (and the input) finite-difference checked in float64; a model of
the layer survives `save`/`load`. A layer class registered without an entry in `CASES` fails the suite.
"""
import numpy as np
import pytest

from fromscratchtoml.core import default_dtype
from fromscratchtoml.nn import (LAYERS, Activation, AvgPool2D, BatchNorm2D, Conv2D, Dense, Dropout, Embedding,
                                Flatten, GlobalAveragePooling1D, GRU, LSTM, MaxPool2D, RNN, Sequential,
                                TimeDistributed, gradcheck)

ABSTRACT = {"Recurrent", "_Pool2D"}  # shared machinery of RNN/LSTM/GRU and of the pooling layers


def floats(*shape):
    return lambda rng: rng.normal(size=shape)


def ids(vocab, *shape):
    return lambda rng: rng.integers(0, vocab, size=shape)


# name -> (factory, input maker, training mode for the gradient check)
CASES = {
    "Dense": (lambda: Dense(3, activation="tanh"), floats(4, 5), False),
    "Activation": (lambda: Activation("sigmoid"), floats(4, 5), False),
    "Dropout": (lambda: Dropout(0.3, seed=0), floats(6, 5), True),
    "Flatten": (lambda: Flatten(), floats(2, 3, 4), False),
    "Conv2D": (lambda: Conv2D(2, 3, stride=1, padding=1), floats(2, 3, 5, 5), False),
    "MaxPool2D": (lambda: MaxPool2D(2), floats(2, 2, 4, 4), False),
    "AvgPool2D": (lambda: AvgPool2D(2), floats(2, 2, 4, 4), False),
    "BatchNorm2D": (lambda: BatchNorm2D(), floats(4, 2, 3, 3), True),
    "Embedding": (lambda: Embedding(7, 3), ids(7, 2, 4), False),
    "RNN": (lambda: RNN(3, return_sequences=True), floats(2, 4, 5), False),
    "LSTM": (lambda: LSTM(3, return_sequences=True), floats(2, 4, 5), False),
    "GRU": (lambda: GRU(3), floats(2, 4, 5), False),
    "TimeDistributed": (lambda: TimeDistributed(Dense(3)), floats(2, 4, 5), False),
    "GlobalAveragePooling1D": (lambda: GlobalAveragePooling1D(), floats(2, 4, 5), False),
}


def test_every_registered_layer_has_a_case():
    concrete = set(LAYERS) - ABSTRACT
    assert concrete == set(CASES), f"registered without a contract case: {sorted(concrete - set(CASES))}"


@pytest.fixture(params=sorted(CASES), ids=str)
def case(request):
    make, make_x, training = CASES[request.param]
    rng = np.random.default_rng(sorted(CASES).index(request.param))
    with default_dtype(np.float64):
        yield request.param, make, make_x(rng), training


def test_forward_builds_lazily(case):
    name, make, x, training = case
    layer = make()
    assert not layer.built and not layer.params
    y = layer.forward(x, training=training)  # forward itself, not only layer(x), builds the parameters
    assert layer.built and layer.input_shape == (None,) + x.shape[1:]
    assert set(layer.params) == set(layer.grads)
    for k, p in layer.params.items():
        assert layer.grads[k].shape == p.shape and layer.grads[k].dtype == p.dtype, (name, k)
    want = layer.compute_output_shape((None,) + x.shape[1:])
    assert (len(x),) + tuple(want[1:]) == y.shape, (name, want, y.shape)


def test_backward_fills_grads_in_place_and_keeps_dy(case):
    name, make, x, training = case
    layer = make()
    y = layer.forward(x, training=training)
    before = {k: g for k, g in layer.grads.items()}
    dy = np.random.default_rng(7).normal(size=y.shape)
    dy_copy = dy.copy()
    dx = layer.backward(dy)
    assert np.array_equal(dy, dy_copy), f"{name}.backward modified dy"
    for k, g in layer.grads.items():
        assert g is before[k], f"{name}.backward rebound grads[{k!r}] instead of filling it"
        assert np.all(np.isfinite(g)) and np.any(g != 0), (name, k)
    if np.issubdtype(x.dtype, np.floating): assert dx.shape == x.shape, (name, dx.shape, x.shape)
    else: assert dx is None  # token ids are not differentiable


def test_finite_differences_every_parameter(case):
    name, make, x, training = case
    layer = make()
    layer.forward(x, training=training)
    errs = gradcheck(layer, x, training=training)
    expected = set(layer.params) | ({"input"} if np.issubdtype(x.dtype, np.floating) else set())
    assert set(errs) == expected, (name, errs)
    assert max(errs.values()) < 1e-6, (name, errs)


def test_save_load_round_trip(case, tmp_path):
    name, make, x, training = case
    model = Sequential([make()], seed=0)
    model.forward(x, training=training)
    if name == "BatchNorm2D": model.layers[0].state["running_mean"][:] = np.arange(2.0)  # state is saved too
    model.save(tmp_path / "m.npz")
    back = Sequential.load(tmp_path / "m.npz")
    assert [type(l).__name__ for l in back.layers] == [name]
    for k, p in model.layers[0].params.items(): assert np.array_equal(back.layers[0].params[k], p), (name, k)
    for k, s in model.layers[0].state.items(): assert np.array_equal(back.layers[0].state[k], s), (name, k)
    assert np.array_equal(back.forward(x), model.forward(x))

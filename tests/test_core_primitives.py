"""The shared numeric primitives of `core` against independent oracles (SciPy, float64 definitions)."""
import warnings

import numpy as np
import pytest
from conftest import oracle

special = oracle("scipy.special")   # SciPy is the oracle throughout (scikit-image already needs it)
from fromscratchtoml import core
from fromscratchtoml.core import (check_positive_int, log_softmax, logsumexp, sigmoid, softmax,
                                  squared_distances)

RNG = np.random.default_rng(20)


@pytest.fixture
def strict_numpy():
    "Turn every floating-point warning (overflow, invalid, division by zero) into an error."
    with np.errstate(over="raise", invalid="raise", divide="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_sigmoid_matches_expit_without_overflow(strict_numpy):
    z = np.concatenate([np.linspace(-1e4, 1e4, 4001), RNG.normal(0, 30, 500)])
    assert np.allclose(sigmoid(z), special.expit(z), rtol=1e-12, atol=1e-16)
    z32 = z.astype(np.float32)
    s32 = sigmoid(z32)
    assert s32.dtype == np.float32 and np.allclose(s32, special.expit(z), rtol=1e-6, atol=1e-7)
    assert sigmoid(np.array(0.0)) == 0.5 and sigmoid(np.array(1e4)) == 1.0 and sigmoid(np.array(-1e4)) == 0.0


def test_sigmoid_out_shapes_and_integers():
    z = RNG.normal(size=(2, 3, 4))
    buf = np.empty_like(z)
    assert sigmoid(z, out=buf) is buf and np.allclose(buf, special.expit(z), rtol=1e-12, atol=0)
    same = z.copy()
    sigmoid(same, out=same)   # in place over its own input
    assert np.allclose(same, special.expit(z), rtol=1e-12, atol=0)
    ints = sigmoid(np.array([-3, 0, 3]))
    assert ints.dtype == core.get_default_dtype()
    assert np.allclose(ints, special.expit([-3.0, 0.0, 3.0]), rtol=1e-6)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_family_matches_scipy(axis):
    Z = RNG.normal(0, 20, (5, 4, 6))
    assert np.allclose(softmax(Z, axis=axis), special.softmax(Z, axis=axis), rtol=1e-12, atol=1e-300)
    assert np.allclose(log_softmax(Z, axis=axis), special.log_softmax(Z, axis=axis), rtol=1e-12, atol=0)
    for keepdims in (False, True):
        ours = logsumexp(Z, axis=axis, keepdims=keepdims)
        theirs = special.logsumexp(Z, axis=axis, keepdims=keepdims)
        assert ours.shape == theirs.shape and np.allclose(ours, theirs, rtol=1e-12, atol=0)


def test_softmax_family_on_extreme_logits(strict_numpy):
    Z = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4 + 1, -1e4 + 2], [3.0, 3.0, 3.0]])
    assert np.allclose(softmax(Z), special.softmax(Z, axis=-1), rtol=1e-12, atol=1e-300)
    assert np.allclose(log_softmax(Z), special.log_softmax(Z, axis=-1), rtol=1e-12, atol=0)
    assert np.allclose(logsumexp(Z), special.logsumexp(Z, axis=-1), rtol=1e-12, atol=0)
    # log_softmax stays finite where the softmax itself underflows to 0
    assert np.isfinite(log_softmax(Z)).all() and softmax(Z)[0, 2] == 0.0


def test_softmax_family_dtypes_out_and_infinities():
    Z = RNG.normal(size=(3, 5)).astype(np.float32)
    assert softmax(Z).dtype == log_softmax(Z).dtype == logsumexp(Z).dtype == np.float32
    buf = np.empty_like(Z)
    assert softmax(Z, out=buf) is buf and np.allclose(buf.sum(-1), 1, atol=1e-6)
    assert logsumexp(np.array([-np.inf, -np.inf])) == -np.inf
    assert logsumexp(np.array([np.inf, 0.0])) == np.inf
    assert np.allclose(logsumexp(np.array([-np.inf, 0.0, np.log(3.0)])), np.log(4.0), rtol=1e-15)


def test_squared_distances_against_the_definition():
    for n_a, n_b, d in ((7, 4, 5), (1, 30, 3), (12, 1, 64)):
        A, B = RNG.normal(size=(n_a, d)), RNG.normal(size=(n_b, d))
        direct = ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1)
        D = squared_distances(A, B)
        assert D.shape == (n_a, n_b) and np.allclose(D, direct, rtol=1e-12, atol=1e-12)
        assert np.allclose(squared_distances(A, B, B_sq=(B ** 2).sum(1)), direct, rtol=1e-12, atol=1e-12)
    X = RNG.normal(size=(20, 3)) + 1e4   # large norms: the expansion rounds, the clip keeps it >= 0
    D = squared_distances(X, X)
    assert (D >= 0).all() and np.allclose(D, ((X[:, None] - X[None]) ** 2).sum(-1), rtol=0, atol=1e-5)
    assert squared_distances(X.astype(np.float32), X[:3].astype(np.float32)).dtype == np.float32
    assert squared_distances([[0.0, 0.0]], [[3.0, 4.0]]).tolist() == [[25.0]]


def test_the_classic_modules_use_the_core_distance():
    from fromscratchtoml import neighbors
    assert neighbors.squared_distances is squared_distances


@pytest.mark.parametrize("value, minimum, expected", [(3, 1, 3), (np.int64(7), 1, 7), (0, 0, 0), (2, 2, 2)])
def test_check_positive_int_accepts(value, minimum, expected):
    got = check_positive_int(value, "n", minimum=minimum)
    assert got == expected and type(got) is int


@pytest.mark.parametrize("value, minimum, message", [
    (0, 1, "n_neighbors must be a positive integer, got 0"),
    (-2, 1, "n_neighbors must be a positive integer, got -2"),
    (True, 1, "n_neighbors must be a positive integer, got True"),
    (np.bool_(True), 1, "n_neighbors must be a positive integer, got "),
    (2.0, 1, "n_neighbors must be a positive integer, got 2.0"),
    ("3", 1, "n_neighbors must be a positive integer, got '3'"),
    (None, 1, "n_neighbors must be a positive integer, got None"),
    (-1, 0, "n_neighbors must be a non-negative integer, got -1"),
    (1, 2, "n_neighbors must be an integer >= 2, got 1"),
])
def test_check_positive_int_rejects(value, minimum, message):
    with pytest.raises(ValueError) as e:
        check_positive_int(value, "n_neighbors", minimum=minimum)
    assert str(e.value).startswith(message)

"Perceptron and ADALINE: the perceptron rule against scikit-learn, Novikoff's bound, ADALINE against least squares, bad input."
import warnings

import numpy as np
import pytest

from conftest import close, oracle
from fromscratchtoml.core import NotFittedError
from fromscratchtoml.linear_model import Perceptron, Adaline, ConvergenceWarning


def sk_same_rule(max_iter, eta0=1.0, fit_intercept=True):
    "scikit-learn's Perceptron set to the plain perceptron rule: in order, constant step, no penalty, no stopping."
    SkPerceptron = oracle("sklearn.linear_model").Perceptron
    return SkPerceptron(shuffle=False, eta0=eta0, alpha=0.0, penalty=None, tol=None, max_iter=max_iter,
                        fit_intercept=fit_intercept)


def blobs(n_classes, n_per, d, spread, seed, integer=False):
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 3, (n_classes, d))
    X = np.concatenate([c + spread * rng.normal(size=(n_per, d)) for c in centers])
    y = np.repeat(np.arange(n_classes), n_per)
    perm = rng.permutation(len(X))
    X, y = X[perm], y[perm]
    return (np.round(X) if integer else X), y


def assert_same(ours, theirs, X, atol):
    close(ours.coef_, theirs.coef_, rtol=0, atol=atol, name="coef_")
    close(ours.intercept_, theirs.intercept_, rtol=0, atol=atol, name="intercept_")
    close(ours.decision_function(X), theirs.decision_function(X), rtol=0, atol=1e3 * atol, name="decision_function")
    assert (ours.predict(X) == theirs.predict(X)).all()
    assert (ours.classes_ == theirs.classes_).all()


@pytest.mark.parametrize("n_classes,spread,integer,fit_intercept,eta0,max_iter,seed", [
    (2, 0.5, False, True, 1.0, 50, 0),      # separable: converges, sklearn keeps running without changes
    (2, 2.0, False, True, 1.0, 7, 1),       # overlapping: never converges, compare after 7 epochs
    (2, 1.5, True, True, 1.0, 20, 2),       # integer features: every update is exact, so equality is exact
    (2, 1.0, False, False, 0.5, 10, 3),     # no intercept, another step size
    (3, 1.0, False, True, 1.0, 15, 4),      # one-vs-rest
    (4, 2.0, True, True, 2.0, 9, 5),
    (5, 0.7, False, False, 1.0, 30, 6),
])
def test_perceptron_matches_sklearn(n_classes, spread, integer, fit_intercept, eta0, max_iter, seed):
    X, y = blobs(n_classes, 30, 3, spread, seed, integer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = Perceptron(eta0=eta0, max_iter=max_iter, shuffle=False, fit_intercept=fit_intercept).fit(X, y)
    theirs = sk_same_rule(max_iter, eta0, fit_intercept).fit(X, y)
    assert ours.coef_.shape == theirs.coef_.shape and ours.intercept_.shape == theirs.intercept_.shape
    assert_same(ours, theirs, X, atol=0 if integer else 1e-10)
    if not fit_intercept: assert (ours.intercept_ == 0).all()


def test_perceptron_string_labels_match_sklearn():
    X, y = blobs(3, 20, 2, 0.8, 7)
    names = np.array(["cat", "ant", "bee"])[y]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = Perceptron(shuffle=False, max_iter=10).fit(X, names)
    theirs = sk_same_rule(10).fit(X, names)
    assert_same(ours, theirs, X, atol=1e-10)
    assert ours.score(X, names) == pytest.approx(theirs.score(X, names))


def test_xor_cycles_like_sklearn():
    X = np.array([[0., 0], [1, 0], [0, 1], [1, 1]]); y = np.array([0, 1, 1, 0])
    with pytest.warns(ConvergenceWarning, match="not be linearly separable"):
        ours = Perceptron(shuffle=False, max_iter=6).fit(X, y)
    theirs = sk_same_rule(6).fit(X, y)
    assert_same(ours, theirs, X, atol=0)
    assert not ours.converged_ and ours.mistakes_ == [4] * 6
    for seed in range(5):   # any order: no line gets more than 3 of the 4 points
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            assert Perceptron(max_iter=20, random_state=seed).fit(X, y).score(X, y) <= 0.75


def separable(margin, n, d, seed):
    "Points in [-1, 1]^d at least `margin` from a planted unit hyperplane u in the augmented space (x, 1)."
    rng = np.random.default_rng(seed)
    u = rng.normal(size=d + 1); u[-1] *= 0.2; u /= np.linalg.norm(u)
    X = rng.uniform(-1, 1, (40 * n, d))
    s = np.c_[X, np.ones(len(X))] @ u
    keep = np.abs(s) >= margin
    return X[keep][:n], (s[keep][:n] > 0).astype(int), u


@pytest.mark.parametrize("margin,d,seed", [(0.2, 2, 0), (0.05, 2, 1), (0.1, 5, 2), (0.02, 3, 3)])
def test_novikoff_bound(margin, d, seed):
    X, y, u = separable(margin, 150, d, seed)
    Xa = np.c_[X, np.ones(len(X))]
    gamma = np.min(np.where(y == 1, 1, -1) * (Xa @ u))
    R = np.linalg.norm(Xa, axis=1).max()
    assert gamma >= margin
    for shuffle_seed in range(4):
        p = Perceptron(random_state=shuffle_seed).fit(X, y)
        updates = sum(p.mistakes_)
        assert p.converged_ and p.score(X, y) == 1.0 and p.mistakes_[-1] == 0
        assert updates <= (R / gamma) ** 2, f"{updates} updates > bound {(R / gamma) ** 2:.1f}"


def test_seeds_reproduce_and_differ():
    X, y = blobs(2, 40, 2, 1.5, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = Perceptron(max_iter=5, random_state=3).fit(X, y)
        b = Perceptron(max_iter=5, random_state=3).fit(X, y)
        c = Perceptron(max_iter=5, random_state=4).fit(X, y)
        g1 = Perceptron(max_iter=5, random_state=np.random.default_rng(3)).fit(X, y)
    assert (a.coef_ == b.coef_).all() and a.mistakes_ == b.mistakes_
    assert (a.coef_ == g1.coef_).all()                     # an int seed and a Generator from it agree
    assert not np.array_equal(a.coef_, c.coef_)
    state = np.random.get_state()[1].copy()
    with pytest.warns(ConvergenceWarning):
        Perceptron(max_iter=2, random_state=0).fit(X, y)
    assert (np.random.get_state()[1] == state).all()       # the global RNG is never touched


def test_eta0_only_rescales():
    X, y = blobs(3, 25, 2, 1.0, 9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        one = Perceptron(max_iter=8, random_state=0).fit(X, y)
        four = Perceptron(eta0=4.0, max_iter=8, random_state=0).fit(X, y)   # a power of two: exact in floating point
    np.testing.assert_array_equal(four.coef_, 4 * one.coef_)
    np.testing.assert_array_equal(four.intercept_, 4 * one.intercept_)
    assert (four.predict(X) == one.predict(X)).all() and four.mistakes_ == one.mistakes_


def test_sklearn_protocol():
    clone, cross_val_score = oracle("sklearn.base").clone, oracle("sklearn.model_selection").cross_val_score
    X, y = blobs(2, 30, 2, 0.5, 10)
    p = Perceptron(max_iter=50, random_state=0)
    assert p.get_params()["max_iter"] == 50 and clone(p).get_params() == p.get_params()
    scores = cross_val_score(Perceptron(random_state=0), X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.9


@pytest.mark.parametrize("kw,X,y,exc,match", [
    ({"eta0": 0}, np.zeros((4, 2)), [0, 1, 0, 1], ValueError, "eta0 must be > 0"),
    ({"max_iter": 0}, np.zeros((4, 2)), [0, 1, 0, 1], ValueError, "max_iter must be a positive integer"),
    ({}, np.zeros((4, 2)), [1, 1, 1, 1], ValueError, "only 1 class"),
    ({}, np.zeros((4, 2)), [0, 1, 0], ValueError, "inconsistent numbers of samples"),
    ({}, np.array([[0., np.nan], [1, 1]]), [0, 1], ValueError, "NaN"),
    ({}, np.zeros(4), [0, 1, 0, 1], ValueError, "2-dimensional"),
])
def test_perceptron_fit_errors(kw, X, y, exc, match):
    with pytest.raises(exc, match=match):
        Perceptron(**kw).fit(X, y)


def test_perceptron_predict_errors():
    with pytest.raises(NotFittedError, match="not fitted"):
        Perceptron().predict(np.zeros((2, 2)))
    X, y = blobs(2, 10, 2, 0.3, 11)
    p = Perceptron(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but Perceptron is expecting 2 features as input"):
        p.predict(np.zeros((2, 3)))


# --- ADALINE -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("fit_intercept,seed", [(True, 0), (False, 1), (True, 2)])
def test_adaline_reaches_least_squares(fit_intercept, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(80, 3)); y = (X @ [1.0, -2.0, 0.5] + rng.normal(0, 1.5, 80) > 0).astype(int)
    ada = Adaline(learning_rate=0.3, max_iter=5000, tol=1e-10, fit_intercept=fit_intercept).fit(X, y)
    A = np.c_[X, np.ones(len(X))] if fit_intercept else X
    lsq, *_ = np.linalg.lstsq(A, 2.0 * y - 1, rcond=None)
    ours = np.r_[ada.coef_[0], ada.intercept_] if fit_intercept else ada.coef_[0]
    close(ours, lsq, rtol=1e-7, atol=1e-8, name="least-squares weights")
    assert ada.loss_curve_[-1] == pytest.approx(np.mean((2.0 * y - 1 - A @ lsq) ** 2), abs=1e-12)
    assert all(np.diff(ada.loss_curve_) <= 1e-15)          # a small enough step never increases the loss
    assert ((ada.decision_function(X) > 0) == (A @ lsq > 0)).all()


def test_adaline_errors_and_warnings():
    X = np.random.default_rng(0).normal(size=(30, 2)) + 20; y = (X[:, 0] > 20).astype(int)
    with pytest.raises(FloatingPointError, match="lower the learning_rate"):
        Adaline(learning_rate=1.0).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="did not converge in 3 steps"):
        Adaline(learning_rate=1e-4, max_iter=3).fit(X, y)
    with pytest.raises(ValueError, match="binary classifier, got 3 classes"):
        Adaline().fit(np.zeros((3, 2)), [0, 1, 2])
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        Adaline(learning_rate=-1).fit(X, y)
    with pytest.raises(NotFittedError):
        Adaline().decision_function(X)

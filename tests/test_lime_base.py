"Parity of the domain-agnostic LIME core with lime's LimeBase and scikit-learn, on identical neighbourhoods."
from functools import partial
import warnings
import numpy as np
import pytest
from conftest import oracle

oracle("lime", "sklearn")   # lime is the oracle throughout
from lime.lime_base import LimeBase as TheirBase
from sklearn.linear_model import Ridge, lars_path
from sklearn.metrics.pairwise import cosine_distances
from fromscratchtoml.lime import LimeBase, Explanation
from fromscratchtoml.lime.base import (exponential_kernel, weighted_ridge, weighted_r2, lars_lasso_path,
                                       cosine_distances_to_first, euclidean_distances_to_first, select_features,
                                       check_probabilities, check_num_samples, labels_to_explain)

METHODS = ["none", "forward_selection", "highest_weights", "lasso_path", "auto"]


def neighbourhood(seed, binary=True, max_p=25):
    "A LIME-like neighbourhood: binary rows (row 0 all ones), probabilities of a noisy logistic model, cosine distances."
    rng = np.random.default_rng(seed)
    n, p = int(rng.integers(80, 400)), int(rng.integers(3, max_p))
    X = rng.integers(0, 2, (n, p)).astype(float) if binary else rng.normal(size=(n, p))
    X[0] = 1
    true = rng.normal(size=p) * (rng.random(p) < 0.5)
    prob = 1 / (1 + np.exp(-(X @ true + 0.3 * rng.normal(size=n))))
    Y = np.stack([1 - prob, prob], 1)
    d = cosine_distances(X, X[:1]).ravel()
    return X, Y, d


def compare(theirs, ours, tol=1e-6):
    "Same features in the same order, same weights, intercept, R^2 and local prediction."
    ti, te, ts, tp = theirs
    oi, oe, os_, op = ours
    assert [f for f, _ in te] == [f for f, _ in oe], f"features ours {oe} vs theirs {te}"
    np.testing.assert_allclose([w for _, w in oe], [w for _, w in te], atol=tol, err_msg="weights ours vs theirs")
    assert abs(oi - ti) < tol, f"intercept ours {oi} vs theirs {ti}"
    assert abs(os_ - ts) < tol, f"score ours {os_} vs theirs {ts}"
    np.testing.assert_allclose(np.ravel(op), np.ravel(tp), atol=tol, err_msg="local_pred ours vs theirs")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("num_features", [2, 5, 10])
@pytest.mark.parametrize("binary", [True, False])
def test_explain_instance_with_data_matches_lime(method, num_features, binary):
    kern = partial(exponential_kernel, kernel_width=0.5 if binary else 3.0)
    slow = method == "forward_selection" or (method == "auto" and num_features <= 6)
    # lime's forward selection refits a scikit-learn Ridge per candidate: keep those cases small
    for seed in range(2 if slow else 4):
        X, Y, d = neighbourhood(seed, binary, max_p=12 if slow else 25)
        for label in (0, 1):
            theirs = TheirBase(kern, random_state=0).explain_instance_with_data(
                X, Y, d, label, num_features, feature_selection=method)
            ours = LimeBase(kern, random_state=0).explain_instance_with_data(
                X, Y, d, label, num_features, feature_selection=method)
            compare(theirs, ours)


def test_kernel_and_distances():
    d = np.linspace(0, 3, 7)
    np.testing.assert_allclose(exponential_kernel(d, 0.75), np.sqrt(np.exp(-d ** 2 / 0.75 ** 2)))
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, (50, 9)).astype(float); X[0] = 1; X[3] = 0
    np.testing.assert_allclose(cosine_distances_to_first(X), cosine_distances(X, X[:1]).ravel(), atol=1e-12)
    Z = rng.normal(size=(30, 4))
    np.testing.assert_allclose(euclidean_distances_to_first(Z), np.linalg.norm(Z - Z[0], axis=1), atol=1e-12)


@pytest.mark.parametrize("alpha", [0.01, 1.0, 10.0])
def test_weighted_ridge_matches_sklearn(alpha):
    rng = np.random.default_rng(1)
    X, y, w = rng.normal(size=(200, 7)), rng.normal(size=200), rng.random(200)
    coef, intercept = weighted_ridge(X, y, w, alpha)
    sk = Ridge(alpha=alpha).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(coef, sk.coef_, atol=1e-10)
    assert abs(intercept - sk.intercept_) < 1e-10
    assert abs(weighted_r2(y, X @ coef + intercept, w) - sk.score(X, y, sample_weight=w)) < 1e-10


def test_lars_lasso_path_matches_sklearn():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in range(40):
            rng = np.random.default_rng(seed)
            n, p = int(rng.integers(40, 200)), int(rng.integers(2, 30))
            X = rng.normal(size=(n, p)) if seed % 2 else rng.integers(0, 2, (n, p)).astype(float)
            y = X @ (rng.normal(size=p) * (rng.random(p) < .4)) + rng.normal(size=n)
            X, y = X - X.mean(0), y - y.mean()
            alphas, _, coefs = lars_path(X, y, method="lasso")
            a, c = lars_lasso_path(X, y)
            assert c.shape == coefs.shape, f"seed {seed}: path shape ours {c.shape} vs theirs {coefs.shape}"
            np.testing.assert_allclose(c, coefs, atol=1e-8)
            np.testing.assert_allclose(a, alphas, atol=1e-10)


def test_bad_inputs():
    with pytest.raises(ValueError, match="feature_selection must be one of"):
        select_features(np.ones((5, 2)), np.ones(5), np.ones(5), 2, "magic")
    with pytest.raises(ValueError, match=r"shape \(4, n_classes\)"):
        check_probabilities(np.ones(4), 4)
    with pytest.raises(ValueError, match=r"shape \(4, n_classes\)"):
        check_probabilities(np.full((3, 2), .5), 4)
    with pytest.raises(ValueError, match="must return probabilities"):
        check_probabilities(np.array([[2.0, -1.0]] * 4), 4)
    with pytest.raises(ValueError, match="must return probabilities"):
        check_probabilities(np.array([[.2, .2]] * 4), 4)
    with pytest.raises(ValueError, match="NaN"):
        check_probabilities(np.array([[np.nan, 1.0]] * 4), 4)
    for bad in (1, 0, 2.5, "10"):
        with pytest.raises(ValueError, match="num_samples must be an integer >= 2"):
            check_num_samples(bad)
    with pytest.raises(ValueError, match=r"labels \[3\] are not in the model's output"):
        labels_to_explain(np.array([.5, .5]), (3,), None)
    with pytest.raises(KeyError, match="was not explained"):
        Explanation().as_list(4)

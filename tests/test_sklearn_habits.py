"""scikit-learn habits: every classic estimator passes scikit-learn's own `check_estimator`, and bad input is
refused with a sentence (continuous targets, sparse, complex, zero features, 1-D X, the unfitted model)."""
import pickle
import warnings

import numpy as np
import pytest
from conftest import oracle

oracle("sklearn")   # its estimator checks are the oracle for every test here
from sklearn.exceptions import NotFittedError as SkNotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks
from fromscratchtoml.base import DataConversionWarning
from fromscratchtoml.core import NotFittedError
from fromscratchtoml.linear_model import Adaline, LinearRegression, LogisticRegression, Perceptron, Ridge
from fromscratchtoml.neighbors import KNeighborsClassifier
from fromscratchtoml.cluster import DBSCAN, KMeans
from fromscratchtoml.decomposition import PCA
from fromscratchtoml.svm import SVC

ESTIMATORS = [
    LinearRegression(), Ridge(), LogisticRegression(), KNeighborsClassifier(), KMeans(n_clusters=2),
    DBSCAN(), PCA(), SVC(), SVC(probability=True),
    Perceptron(max_iter=100),   # its Python loop visits every sample: fewer epochs on the checks' noisy data
    # a few checks fit features around 100, where the default step 0.1 diverges (and Adaline says so, in a
    # FloatingPointError that names the learning rate): a step that suits such data
    Adaline(learning_rate=1e-5),
    Adaline(),                  # the default step, with the checks it cannot pass declared below
]
CLASSIFIERS = [LogisticRegression(), KNeighborsClassifier(), SVC(), Perceptron(), Adaline()]

# Checks an estimator (by its repr) is known to fail, with the reason, as check_estimator's
# `expected_failed_checks`; strict, so an entry that starts passing must be removed.
_DIVERGES = ("features near 100 make gradient descent with the default step 0.1 diverge; Adaline stops with a "
             "FloatingPointError that names the learning rate (Adaline(learning_rate=1e-5) passes)")
EXPECTED_FAILURES: dict[str, dict[str, str]] = {
    "Adaline()": {name: _DIVERGES for name in ("check_fit_idempotent", "check_fit_check_is_fitted",
                                               "check_n_features_in", "check_non_transformer_estimators_n_iter")},
}


with warnings.catch_warnings():
    # the protocol without scikit-learn's base class is the point (no run-time dependency): not news
    warnings.filterwarnings("ignore", message="Estimator .* does not inherit from `sklearn.base.BaseEstimator`")
    _every_check = parametrize_with_checks(
        ESTIMATORS, expected_failed_checks=lambda est: EXPECTED_FAILURES.get(repr(est), {}),
        xfail_strict=True)


@pytest.mark.filterwarnings("ignore::fromscratchtoml.linear_model.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@_every_check
def test_check_estimator(estimator, check):
    with warnings.catch_warnings():
        # the checks look for DataConversionWarning themselves: never let an outer filter hide it
        warnings.simplefilter("always", DataConversionWarning)
        check(estimator)


def _data(n=60, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, (X[:, 0] > 0).astype(int)


@pytest.mark.parametrize("est", CLASSIFIERS, ids=lambda e: type(e).__name__)
def test_classifier_refuses_continuous_target(est):
    X, _ = _data(150)
    y = np.random.default_rng(1).normal(size=150)      # 150 distinct floats: a regression target
    with pytest.raises(ValueError, match="looks like a regression target"):
        est.fit(X, y)
    X, y = _data()
    assert est.fit(X, y.astype(float)).predict(X).dtype.kind == "f"   # whole floats are labels, kept as floats


def test_not_fitted_error_is_valueerror_attributeerror_and_sklearns():
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)
    for catch in (ValueError, AttributeError, NotFittedError, SkNotFittedError):
        with pytest.raises(catch, match="not fitted"):
            LinearRegression().predict(np.zeros((2, 3)))
    err = pickle.loads(pickle.dumps(NotFittedError("not fitted yet")))
    assert isinstance(err, NotFittedError) and str(err) == "not fitted yet"
    assert not hasattr(PCA(), "components_")


def test_library_still_does_not_import_sklearn():
    import subprocess, sys
    code = ("import sys, numpy as np; from fromscratchtoml.core import NotFittedError; "
            "from fromscratchtoml.linear_model import LinearRegression\n"
            "try: LinearRegression().predict(np.zeros((1, 1)))\n"
            "except NotFittedError: pass\n"
            "assert 'sklearn' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("est", [KMeans(2), DBSCAN(), PCA(), LinearRegression(), SVC()],
                         ids=lambda e: type(e).__name__)
def test_zero_features_and_zero_samples(est):
    y = np.arange(10) % 2
    with pytest.raises(ValueError, match=r"0 feature\(s\) \(shape=\(10, 0\)\)"):
        est.fit(np.empty((10, 0)), y)
    with pytest.raises(ValueError, match="at least 1 sample"):
        est.fit(np.empty((0, 3)), y[:0])


@pytest.mark.parametrize("est", [LinearRegression(), KNeighborsClassifier(3), KMeans(2), PCA(2), SVC()],
                         ids=lambda e: type(e).__name__)
def test_sparse_complex_and_object_input(est):
    sparse = oracle("scipy.sparse")
    X, y = _data()
    with pytest.raises(TypeError, match="sparse input is not supported"):
        est.fit(sparse.csr_matrix(X), y)
    with pytest.raises(ValueError, match="Complex data not supported"):
        est.fit(X + 1j, y)
    est.fit(X.astype(object), y)                      # Python numbers in an object array are numbers
    bad = X.astype(object)
    bad[0, 0] = {"a": 1}
    with pytest.raises(TypeError, match="must be numeric"):
        est.fit(bad, y)


@pytest.mark.parametrize("est", [LinearRegression(), LogisticRegression(), SVC(), Perceptron(random_state=0)],
                         ids=lambda e: type(e).__name__)
def test_column_vector_y_and_1d_X(est):
    X, y = _data()
    pred = est.fit(X, y).predict(X)
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        est.fit(X, y[:, None])
    np.testing.assert_array_equal(est.predict(X), pred)
    with pytest.raises(ValueError, match=r"Reshape your data.*reshape\(1, -1\)"):
        est.predict(X[0])
    with pytest.raises(ValueError, match="requires y to be passed"):
        est.fit(X, None)


def test_one_sample():
    X = np.ones((1, 3))
    assert LinearRegression().fit(X, [2.0]).predict(X) == pytest.approx([2.0])
    assert (KMeans(1).fit(X).labels_ == [0]).all() and (DBSCAN(min_samples=1).fit(X).labels_ == [0]).all()
    with pytest.raises(ValueError, match="n_samples=1"):
        PCA().fit(X)
    with pytest.raises(ValueError, match="1 class"):
        LogisticRegression().fit(X, [0])


def test_features_checked_against_fit():
    X, y = _data()
    for est in (LogisticRegression(), KMeans(2), PCA(2), KNeighborsClassifier()):
        fitted = est.fit(X, y)
        method = fitted.transform if hasattr(fitted, "transform") else fitted.predict
        with pytest.raises(ValueError, match=r"X has 2 features, but \w+ is expecting 3 features as input"):
            method(X[:, :2])


def test_svc_predict_proba_exists_only_with_probability():
    X, y = _data()
    assert not hasattr(SVC().fit(X, y), "predict_proba")
    assert hasattr(SVC(probability=True), "predict_proba")
    assert SVC(probability=True, random_state=0).fit(X, y).predict_proba(X).shape == (len(X), 2)

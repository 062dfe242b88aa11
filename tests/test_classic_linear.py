"Linear models against scikit-learn: least squares, ridge and logistic regression on real data."
import warnings
import numpy as np
import pytest
from conftest import close, oracle

oracle("sklearn")   # scikit-learn is the oracle (and the data) throughout
from sklearn import datasets, linear_model as sk_lm
from sklearn.preprocessing import StandardScaler
from fromscratchtoml.core import NotFittedError
from fromscratchtoml.linear_model import LinearRegression, Ridge, LogisticRegression


def test_linear_regression_matches_sklearn_on_diabetes():
    X, y = datasets.load_diabetes(return_X_y=True)
    ours, theirs = LinearRegression().fit(X, y), sk_lm.LinearRegression().fit(X, y)
    rel = np.abs(ours.coef_ - theirs.coef_).max() / np.abs(theirs.coef_).max()
    assert rel < 1e-6, f"coef ours {ours.coef_} vs theirs {theirs.coef_}"
    close(ours.intercept_, theirs.intercept_, rtol=1e-9, name="intercept_")
    close(ours.predict(X), theirs.predict(X), name="predict(X)")
    close(ours.score(X, y), theirs.score(X, y), name="score(X, y)")


def test_linear_regression_no_intercept_and_unscaled_features():
    X, y = datasets.load_breast_cancer(return_X_y=True)   # unscaled features spanning four orders of magnitude
    y = X[:, 0] * 2.0 + np.sin(np.arange(len(y)))
    for fi in (True, False):
        ours, theirs = LinearRegression(fit_intercept=fi).fit(X, y), sk_lm.LinearRegression(fit_intercept=fi).fit(X, y)
        rss_o, rss_t = ((ours.predict(X) - y) ** 2).sum(), ((theirs.predict(X) - y) ** 2).sum()
        # cond(X) ~ 1.5e6: both are least-squares solutions; ours must fit at least as well as scikit-learn's
        assert rss_o <= rss_t * (1 + 1e-9), f"fit_intercept={fi}: RSS ours {rss_o} vs theirs {rss_t}"
        if fi: close(ours.predict(X), theirs.predict(X), rtol=1e-6, name="predict(X)")


@pytest.mark.parametrize("alpha", [0.01, 1.0, 100.0])
def test_ridge_matches_sklearn(alpha):
    X, y = datasets.load_diabetes(return_X_y=True)
    ours, theirs = Ridge(alpha=alpha).fit(X, y), sk_lm.Ridge(alpha=alpha).fit(X, y)
    close(ours.coef_, theirs.coef_, rtol=1e-6, name="coef_")
    close(ours.intercept_, theirs.intercept_, name="intercept_")


@pytest.mark.parametrize("loader", [datasets.load_breast_cancer, datasets.load_iris, datasets.load_wine])
@pytest.mark.parametrize("C", [0.05, 1.0, 20.0])
def test_logistic_regression_matches_sklearn(loader, C):
    X, y = loader(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    ours = LogisticRegression(C=C, tol=1e-10).fit(X, y)
    theirs = sk_lm.LogisticRegression(C=C, tol=1e-10, max_iter=20000).fit(X, y)
    acc_o, acc_t = ours.score(X, y), theirs.score(X, y)
    assert abs(acc_o - acc_t) <= 0.02, f"accuracy ours {acc_o} vs theirs {acc_t}"
    # the penalised objective is strictly convex: the coefficients themselves must agree
    rel = np.abs(ours.coef_ - theirs.coef_).max() / np.abs(theirs.coef_).max()
    assert rel < 1e-4, f"relative coef difference {rel}"
    close(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-5, name="predict_proba(X)")
    assert ours.coef_.shape == theirs.coef_.shape and ours.intercept_.shape == theirs.intercept_.shape
    close(ours.decision_function(X), theirs.decision_function(X), atol=1e-3, name="decision_function(X)")


def test_logistic_string_labels_and_gd_solver():
    X, y = datasets.load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    names = np.array(["benign", "malignant"])[1 - y]
    ours = LogisticRegression().fit(X, names)
    theirs = sk_lm.LogisticRegression().fit(X, names)
    assert list(ours.classes_) == list(theirs.classes_)
    assert (ours.predict(X) == theirs.predict(X)).mean() > 0.99
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        gd = LogisticRegression(solver="gd", max_iter=3000).fit(X, y)
    ref = sk_lm.LogisticRegression().fit(X, y)
    assert abs(gd.score(X, y) - ref.score(X, y)) <= 0.02, (gd.score(X, y), ref.score(X, y))


def test_logistic_warns_when_not_converged():
    X, y = datasets.load_breast_cancer(return_X_y=True)
    with pytest.warns(RuntimeWarning, match="did not converge"):
        LogisticRegression(solver="gd", max_iter=5).fit(X, y)


def test_linear_errors():
    X, y = datasets.load_diabetes(return_X_y=True)
    with pytest.raises(NotFittedError, match="not fitted"): LinearRegression().predict(X)
    with pytest.raises(NotFittedError, match="not fitted"): LogisticRegression().predict_proba(X)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"): LinearRegression().fit(X, y[:-1])
    with pytest.raises(ValueError, match="features"): LinearRegression().fit(X, y).predict(X[:, :3])
    Xn = X.copy(); Xn[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"): LinearRegression().fit(Xn, y)
    with pytest.raises(ValueError, match="NaN"): LinearRegression().fit(X, np.where(y > 300, np.nan, y))
    with pytest.raises(ValueError, match="only 1 class"): LogisticRegression().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="C must be"): LogisticRegression(C=-1).fit(X, y > 100)
    with pytest.raises(ValueError, match="solver"): LogisticRegression(solver="lbfgs").fit(X, y > 100)
    with pytest.raises(ValueError, match="alpha"): Ridge(alpha=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="2-dimensional"): LinearRegression().fit(X[:, 0], y)

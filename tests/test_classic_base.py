"The estimator protocol: get/set_params, clone, cross_val_score, pipelines, seeds, repr."
import numpy as np
import pytest
from conftest import close, oracle

oracle("sklearn")   # scikit-learn's clone, pipelines and model selection drive every test here
from sklearn import datasets
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.model_selection import cross_val_score, GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn import linear_model as sk_lm, neighbors as sk_nb, svm as sk_svm
from fromscratchtoml.base import BaseEstimator
from fromscratchtoml.linear_model import LinearRegression, Ridge, LogisticRegression
from fromscratchtoml.neighbors import KNeighborsClassifier
from fromscratchtoml.cluster import KMeans, DBSCAN
from fromscratchtoml.decomposition import PCA
from fromscratchtoml.svm import SVC

ALL = [LinearRegression(), Ridge(alpha=2.0), LogisticRegression(C=0.3), KNeighborsClassifier(3, weights="distance"),
       KMeans(4, random_state=1), DBSCAN(eps=0.3), PCA(2), SVC(kernel="poly", degree=2)]


@pytest.mark.parametrize("est", ALL, ids=lambda e: type(e).__name__)
def test_clone_and_params(est):
    c = clone(est)
    assert type(c) is type(est) and c.get_params() == est.get_params() and c is not est
    name, value = next(iter(est.get_params().items()))
    assert est.set_params(**{name: value}) is est
    assert repr(est).startswith(type(est).__name__ + "(")
    with pytest.raises(ValueError, match="invalid parameter"): clone(est).set_params(not_a_parameter=1)


def test_library_does_not_import_sklearn():
    import subprocess, sys
    code = ("import sys; import fromscratchtoml.linear_model, fromscratchtoml.neighbors, fromscratchtoml.cluster, "
            "fromscratchtoml.decomposition, fromscratchtoml.svm, fromscratchtoml.base; "
            "assert 'sklearn' not in sys.modules, 'sklearn imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_tags():
    assert is_classifier(LogisticRegression()) and is_classifier(SVC()) and is_classifier(KNeighborsClassifier())
    assert is_regressor(LinearRegression()) and is_regressor(Ridge())
    assert not is_classifier(KMeans()) and not is_regressor(PCA())


@pytest.mark.parametrize("ours,theirs", [
    (make_pipeline(StandardScaler(), LogisticRegression()), make_pipeline(StandardScaler(), sk_lm.LogisticRegression())),
    (make_pipeline(StandardScaler(), KNeighborsClassifier(7)), make_pipeline(StandardScaler(), sk_nb.KNeighborsClassifier(7))),
    (make_pipeline(StandardScaler(), SVC()), make_pipeline(StandardScaler(), sk_svm.SVC())),
    (make_pipeline(StandardScaler(), PCA(5), SVC()), make_pipeline(StandardScaler(), __import__("sklearn.decomposition").decomposition.PCA(5), sk_svm.SVC())),
], ids=["logreg", "knn", "svc", "pca+svc"])
def test_cross_val_score_classifiers(ours, theirs):
    X, y = datasets.load_wine(return_X_y=True)
    a, b = cross_val_score(ours, X, y, cv=5), cross_val_score(theirs, X, y, cv=5)
    assert abs(a.mean() - b.mean()) <= 0.02, f"ours {a} vs theirs {b}"


def test_cross_val_score_regressor_and_grid_search():
    X, y = datasets.load_diabetes(return_X_y=True)
    a, b = cross_val_score(LinearRegression(), X, y, cv=5), cross_val_score(sk_lm.LinearRegression(), X, y, cv=5)
    close(a, b, name="cross_val_score")
    Xi, yi = datasets.load_iris(return_X_y=True)
    gs = GridSearchCV(KNeighborsClassifier(), {"n_neighbors": [1, 5, 15]}, cv=3).fit(Xi, yi)
    ref = GridSearchCV(sk_nb.KNeighborsClassifier(), {"n_neighbors": [1, 5, 15]}, cv=3).fit(Xi, yi)
    assert gs.best_params_ == ref.best_params_
    close(gs.cv_results_["mean_test_score"], ref.cv_results_["mean_test_score"], name="mean_test_score")


def test_fit_returns_self_and_fitted_attributes_end_in_underscore():
    X, y = datasets.load_iris(return_X_y=True)
    for est in [LogisticRegression(), KNeighborsClassifier(), SVC(), KMeans(3, random_state=0), DBSCAN(), PCA(2)]:
        assert est.fit(X, y) is est
        public = [k for k in vars(est) if not k.startswith("_") and k not in est.get_params()]
        assert public and all(k.endswith("_") for k in public), (type(est).__name__, public)


def test_seeds_reproduce():
    X = datasets.load_wine().data
    a, b = KMeans(3, random_state=5).fit(X), KMeans(3, random_state=5).fit(X)
    assert np.array_equal(a.cluster_centers_, b.cluster_centers_)
    g1, g2 = np.random.default_rng(9), np.random.default_rng(9)
    assert np.array_equal(KMeans(3, random_state=g1).fit(X).labels_, KMeans(3, random_state=g2).fit(X).labels_)


def test_repr_shows_changed_parameters_only():
    assert repr(SVC(C=2.0)) == "SVC(C=2.0)" and repr(PCA()) == "PCA()"
    assert repr(KNeighborsClassifier(3, weights="distance")) == "KNeighborsClassifier(n_neighbors=3, weights='distance')"

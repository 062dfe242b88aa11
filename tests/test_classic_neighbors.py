"""k-nearest neighbours: predictions identical to scikit-learn's, including ties.

Exact distance ties at the k-th place (common with integer features such as the digits) are resolved by scikit-learn
in favour of the smaller training index when it runs on one thread; with several OpenMP threads its choice depends
on how the training set was split between threads. We follow the one-thread rule and compare under one thread."""
import numpy as np
import pytest
from conftest import close, oracle

oracle("sklearn")   # scikit-learn is the oracle (and the data) throughout
from threadpoolctl import threadpool_limits
from sklearn import datasets, neighbors as sk_nb
from sklearn.model_selection import train_test_split
from fromscratchtoml.core import NotFittedError
from fromscratchtoml.neighbors import KNeighborsClassifier, squared_distances


# Exact ties need integer-valued data (digits). With real-valued data, mathematically equal distances differ in the
# last bit depending on how they are computed; scikit-learn's trees ("auto" for few features) compute them from the
# differences, as we do, while its brute force uses the |x|^2 - 2 x.y + |y|^2 expansion, whose rounding depends on BLAS.
CASES = [(datasets.load_iris, "auto"), (datasets.load_wine, "auto"), (datasets.load_breast_cancer, "auto"),
         (datasets.load_digits, "auto"), (datasets.load_digits, "brute")]


@pytest.mark.parametrize("loader,algorithm", CASES, ids=lambda c: getattr(c, "__name__", c))
@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_knn_identical_to_sklearn(loader, weights, algorithm):
    with threadpool_limits(limits=1, user_api="openmp"):
        _compare(loader, weights, algorithm)


def _compare(loader, weights, algorithm):
    X, y = loader(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.4, random_state=1)
    for k in (1, 2, 5, 10):
        ours = KNeighborsClassifier(k, weights=weights).fit(Xtr, ytr)
        theirs = sk_nb.KNeighborsClassifier(k, weights=weights, algorithm=algorithm).fit(Xtr, ytr)
        po, pt = ours.predict(Xte), theirs.predict(Xte)
        assert (po == pt).all(), f"k={k}: {np.sum(po != pt)} predictions differ at {np.flatnonzero(po != pt)[:5]}"
        close(ours.predict_proba(Xte), theirs.predict_proba(Xte), name="predict_proba(Xte)")
        do, io = ours.kneighbors(Xte); dt, it = theirs.kneighbors(Xte)
        close(do, dt, name="kneighbors distances")


def test_heap_scan_matches_sklearn_heap_on_exact_ties():
    from fromscratchtoml.neighbors import _heap_scan
    rng = np.random.default_rng(1)
    Xtr = rng.integers(0, 3, (400, 4)).astype(float); ytr = rng.integers(0, 3, 400)
    Xte = rng.integers(0, 3, (60, 4)).astype(float)
    with threadpool_limits(limits=1, user_api="openmp"):
        for k in (1, 4, 9, 25):
            ours = KNeighborsClassifier(k).fit(Xtr, ytr)
            theirs = sk_nb.KNeighborsClassifier(k, algorithm="brute").fit(Xtr, ytr)
            i1, i2 = ours.kneighbors(Xte)[1], theirs.kneighbors(Xte)[1]
            assert all(set(a) == set(b) for a, b in zip(i1, i2)), k
            assert (ours.predict(Xte) == theirs.predict(Xte)).all()


def test_knn_ties_go_to_the_smaller_index_and_the_first_class():
    # a query at 0 with training points at distance 1 on both sides: the tie at k goes to the earlier training point
    Xtr = np.array([[1.0], [-1.0], [2.0], [-2.0]]); ytr = np.array([1, 0, 1, 0])
    for k in (1, 2, 3):
        ours = KNeighborsClassifier(k).fit(Xtr, ytr); theirs = sk_nb.KNeighborsClassifier(k, algorithm="brute").fit(Xtr, ytr)
        assert ours.predict([[0.0]])[0] == theirs.predict([[0.0]])[0], k
        assert set(ours.kneighbors([[0.0]])[1][0]) == set(theirs.kneighbors([[0.0]])[1][0]) == set(range(k))


def test_knn_duplicates_and_zero_distance_with_distance_weights():
    X, y = datasets.load_iris(return_X_y=True)   # iris has exact duplicates; predicting on the training set gives d = 0
    ours = KNeighborsClassifier(7, weights="distance").fit(X, y)
    theirs = sk_nb.KNeighborsClassifier(7, weights="distance").fit(X, y)
    assert (ours.predict(X) == theirs.predict(X)).all()
    close(ours.predict_proba(X), theirs.predict_proba(X), name="predict_proba(X)")


def test_knn_manhattan_and_small_chunks():
    X, y = datasets.load_wine(return_X_y=True)
    ours = KNeighborsClassifier(5, p=1, chunk_size=7).fit(X[:120], y[:120])
    theirs = sk_nb.KNeighborsClassifier(5, p=1).fit(X[:120], y[:120])
    assert (ours.predict(X[120:]) == theirs.predict(X[120:])).all()
    a = KNeighborsClassifier(3, chunk_size=5).fit(X[:120], y[:120]).predict_proba(X[120:])
    b = KNeighborsClassifier(3).fit(X[:120], y[:120]).predict_proba(X[120:])
    assert np.array_equal(a, b)


def test_squared_distances_against_loop():
    rng = np.random.default_rng(0)
    Q, T = rng.normal(size=(9, 6)), rng.normal(size=(13, 6))
    loop = np.array([[np.sum((q - t) ** 2) for t in T] for q in Q])
    close(squared_distances(Q, T), loop, name="squared_distances")


def test_knn_string_labels():
    X, y = datasets.load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    ours = KNeighborsClassifier().fit(X, names)
    assert (ours.predict(X) == sk_nb.KNeighborsClassifier().fit(X, names).predict(X)).all()
    assert ours.score(X, names) > 0.9


def test_knn_errors():
    X, y = datasets.load_iris(return_X_y=True)
    with pytest.raises(NotFittedError, match="not fitted"): KNeighborsClassifier().predict(X)
    with pytest.raises(ValueError, match="n_neighbors must be"): KNeighborsClassifier(0).fit(X, y)
    with pytest.raises(ValueError, match="weights"): KNeighborsClassifier(weights="gauss").fit(X, y)
    with pytest.raises(ValueError, match="larger than"): KNeighborsClassifier(151).fit(X, y).predict(X)
    with pytest.raises(ValueError, match="features"): KNeighborsClassifier().fit(X, y).predict(X[:, :3])
    with pytest.raises(ValueError, match="inconsistent"): KNeighborsClassifier().fit(X, y[:10])
    with pytest.raises(ValueError, match="only 1 class"): KNeighborsClassifier().fit(X, np.ones(len(X)))
    with pytest.raises(ValueError, match="NaN"): KNeighborsClassifier().fit(X, y).predict(np.full((2, 4), np.nan))

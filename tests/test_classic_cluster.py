"k-means (inertia within 1% of scikit-learn's) and DBSCAN (identical labels)."
import numpy as np
import pytest
from conftest import close, oracle

oracle("sklearn")   # scikit-learn is the oracle (and the data) throughout
from sklearn import datasets, cluster as sk_cluster
from sklearn.preprocessing import StandardScaler
from fromscratchtoml.core import NotFittedError
from fromscratchtoml.cluster import KMeans, DBSCAN, kmeans_plusplus, lloyd


def _cases():
    return {"blobs": (datasets.make_blobs(n_samples=1500, centers=6, cluster_std=1.3, random_state=3)[0], 6),
            "iris": (StandardScaler().fit_transform(datasets.load_iris().data), 3),
            "wine": (StandardScaler().fit_transform(datasets.load_wine().data), 3),
            "digits": (datasets.load_digits().data[:600], 10)}


@pytest.mark.parametrize("name", ["blobs", "iris", "wine", "digits"])
def test_kmeans_inertia_within_one_percent(name):
    X, k = _cases()[name]
    ours = KMeans(k, n_init=5, random_state=0).fit(X)
    theirs = sk_cluster.KMeans(k, n_init=5, random_state=0).fit(X)
    assert abs(ours.inertia_ - theirs.inertia_) <= 0.01 * theirs.inertia_, f"inertia ours {ours.inertia_} vs theirs {theirs.inertia_}"
    # inertia_ is what it says: the squared distances to the assigned centres
    d2 = ((X - ours.cluster_centers_[ours.labels_]) ** 2).sum()
    close(ours.inertia_, d2, name="inertia_")
    assert (ours.predict(X) == ours.labels_).all()
    naive = np.sqrt(((X[:, None, :] - ours.cluster_centers_[None]) ** 2).sum(-1))
    close(ours.transform(X), naive, name="transform(X)")


def test_kmeans_lloyd_matches_sklearn_from_the_same_start():
    X, k = _cases()["blobs"]
    start = X[:k].copy()
    ours = KMeans(k, init=start, max_iter=300).fit(X)
    theirs = sk_cluster.KMeans(k, init=start, n_init=1, max_iter=300, algorithm="lloyd").fit(X)
    close(ours.cluster_centers_, theirs.cluster_centers_, atol=1e-3 * X.std(), name="cluster_centers_")
    close(ours.inertia_, theirs.inertia_, rtol=1e-4, name="inertia_")


def test_kmeans_seeding_is_reproducible_and_spread():
    X, k = _cases()["blobs"]
    a = KMeans(k, random_state=7).fit(X); b = KMeans(k, random_state=7).fit(X)
    assert np.array_equal(a.cluster_centers_, b.cluster_centers_) and np.array_equal(a.labels_, b.labels_)
    ids, C = kmeans_plusplus(X, k, random_state=np.random.default_rng(1))
    assert len(set(ids.tolist())) == k
    close(C, X[ids], name="centres")
    # k-means++ should beat a uniform random start on average
    rng = np.random.default_rng(0)
    pp = np.mean([lloyd(X, kmeans_plusplus(X, k, rng)[1], max_iter=1)[2] for _ in range(5)])
    rnd = np.mean([lloyd(X, X[rng.choice(len(X), k, replace=False)], max_iter=1)[2] for _ in range(5)])
    assert pp < rnd


def test_kmeans_random_init_and_empty_cluster():
    X, k = _cases()["iris"]
    ours = KMeans(3, init="random", random_state=0).fit(X)
    theirs = sk_cluster.KMeans(3, init="random", n_init=10, random_state=0).fit(X)
    assert abs(ours.inertia_ - theirs.inertia_) <= 0.01 * theirs.inertia_
    # two identical starting centres: one cluster is empty after the first assignment and must be re-seeded
    start = np.vstack([X[0], X[0], X[100]])
    km = KMeans(3, init=start).fit(X)
    assert len(np.unique(km.labels_)) == 3


@pytest.mark.parametrize("case", ["moons", "moons_fine", "blobs", "blobs3d", "iris", "wine", "digits"])
def test_dbscan_labels_identical(case):
    Xmo = datasets.make_moons(n_samples=400, noise=0.09, random_state=2)[0]
    X, eps, ms = {"moons": (Xmo, 0.15, 5), "moons_fine": (Xmo, 0.07, 3),
                  "blobs": (datasets.make_blobs(n_samples=600, centers=3, cluster_std=1.0, random_state=4)[0], 0.4, 6),
                  "blobs3d": (datasets.make_blobs(n_samples=700, centers=4, n_features=3, random_state=5)[0], 0.6, 5),
                  "iris": (StandardScaler().fit_transform(datasets.load_iris().data), 0.5, 4),
                  "wine": (StandardScaler().fit_transform(datasets.load_wine().data), 2.0, 4),
                  "digits": (datasets.load_digits().data[:500], 22.0, 5)}[case]
    ours, theirs = DBSCAN(eps, min_samples=ms).fit(X), sk_cluster.DBSCAN(eps=eps, min_samples=ms).fit(X)
    diff = np.flatnonzero(ours.labels_ != theirs.labels_)
    assert len(diff) == 0, f"{len(diff)} labels differ, e.g. at {diff[:5]}: ours {ours.labels_[diff[:5]]} vs theirs {theirs.labels_[diff[:5]]}"
    assert np.array_equal(ours.core_sample_indices_, theirs.core_sample_indices_)
    close(ours.components_, theirs.components_, name="components_")
    assert ours.labels_.max() >= 0


def test_radius_neighbors_grid_and_brute_against_a_loop():
    from fromscratchtoml.cluster import _radius_grid, _radius_brute
    rng = np.random.default_rng(0)
    for X, eps in ((rng.normal(size=(300, 2)), 0.2), (rng.integers(0, 4, (200, 3)).astype(float), 1.0)):  # integer grid: many pairs exactly at eps
        naive = [np.flatnonzero(((X - x) ** 2).sum(1) <= eps * eps) for x in X]
        for f in (_radius_grid, _radius_brute):
            assert all(np.array_equal(a, b) for a, b in zip(f(X, eps), naive)), f.__name__


def test_dbscan_border_point_goes_to_the_first_cluster():
    # two dense groups and one border point within eps of a core point of each
    left = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [-0.1, 0.0]])
    right = left + [2.0, 0.0]
    X = np.vstack([right, [[1.0, 0.0]], left])
    for ms in (3, 4):
        ours, theirs = DBSCAN(0.95, min_samples=ms).fit(X), sk_cluster.DBSCAN(eps=0.95, min_samples=ms).fit(X)
        assert np.array_equal(ours.labels_, theirs.labels_), (ours.labels_, theirs.labels_)


def test_cluster_errors():
    X = datasets.load_iris().data
    with pytest.raises(NotFittedError, match="not fitted"): KMeans(3).predict(X)
    with pytest.raises(ValueError, match="n_clusters"): KMeans(0).fit(X)
    with pytest.raises(ValueError, match="n_clusters"): KMeans(151).fit(X)
    with pytest.raises(ValueError, match="init"): KMeans(3, init="furthest").fit(X)
    with pytest.raises(ValueError, match="init array must have shape"): KMeans(3, init=X[:2]).fit(X)
    with pytest.raises(ValueError, match="n_init"): KMeans(3, n_init=0).fit(X)
    with pytest.raises(ValueError, match="features"): KMeans(3).fit(X).predict(X[:, :2])
    with pytest.raises(ValueError, match="NaN"): KMeans(3).fit(np.where(X > 7, np.nan, X))
    with pytest.raises(ValueError, match="eps"): DBSCAN(eps=0).fit(X)
    with pytest.raises(ValueError, match="min_samples"): DBSCAN(min_samples=0).fit(X)
    with pytest.raises(ValueError, match="NaN"): DBSCAN().fit(np.full((4, 2), np.inf))

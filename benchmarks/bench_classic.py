"""Fit (and for k-NN, fit + predict) times of the classic estimators against scikit-learn on the same data.

The ratio is our seconds over scikit-learn's: below 1 we are faster, 10 means ten times slower. Data is
synthetic (scikit-learn's generators, fixed seeds), three sizes per estimator. Both sides use their defaults,
except that k-means runs one k-means++ start on each side, and DBSCAN's radius shrinks with the square root of
the sample count so that the neighbourhoods hold as many points at every size.
`python benchmarks/bench_classic.py --help` lists the options.
"""
import warnings
from pathlib import Path

import _harness as H
import numpy as np
from sklearn import datasets

warnings.filterwarnings("ignore")   # convergence warnings of either side would flood the table
SCRIPT = Path(__file__).stem


def pair(ours, theirs, repeats, budget):
    "Interleaved seconds of ours() and theirs(), and the estimators of the last calls."
    last = {}

    def timed(key, fn):
        return lambda: H.stopwatch(lambda: last.__setitem__(key, fn()))

    a, b = H.interleave(timed("ours", ours), timed("theirs", theirs), repeats, budget)
    return a, b, last["ours"], last["theirs"]


def logreg(p, repeats, budget):
    from sklearn.linear_model import LogisticRegression as Theirs
    from fromscratchtoml.linear_model import LogisticRegression as Ours
    X, y = datasets.make_classification(p["n"], p["d"], n_informative=20, n_classes=5, random_state=0)
    a, b, o, t = pair(lambda: Ours().fit(X, y), lambda: Theirs().fit(X, y), repeats, budget)
    return H.Timing(a, b, note=f"{o.n_iter_} Newton-CG vs {int(np.max(t.n_iter_))} lbfgs iterations, "
                               f"training accuracy {o.score(X, y):.3f} vs {t.score(X, y):.3f}")


def dbscan(p, repeats, budget):
    from sklearn.cluster import DBSCAN as Theirs
    from fromscratchtoml.cluster import DBSCAN as Ours
    X, _ = datasets.make_moons(p["n"], noise=0.08, random_state=0)
    eps = 0.05 * (10000 / p["n"]) ** 0.5
    a, b, o, t = pair(lambda: Ours(eps, min_samples=5).fit(X), lambda: Theirs(eps=eps, min_samples=5).fit(X),
                      repeats, budget)
    return H.Timing(a, b, note=f"eps {eps:.3f}, identical labels: {np.array_equal(o.labels_, t.labels_)}")


def kmeans(p, repeats, budget):
    from sklearn.cluster import KMeans as Theirs
    from fromscratchtoml.cluster import KMeans as Ours
    X, _ = datasets.make_blobs(p["n"], centers=8, n_features=10, cluster_std=2.0, random_state=0)
    a, b, o, t = pair(lambda: Ours(8, n_init=1, random_state=0).fit(X),
                      lambda: Theirs(8, n_init=1, random_state=0).fit(X), repeats, budget)
    return H.Timing(a, b, note=f"{o.n_iter_} vs {t.n_iter_} iterations, inertia ratio "
                               f"{o.inertia_ / t.inertia_:.4f}")


def pca(p, repeats, budget):
    from sklearn.decomposition import PCA as Theirs
    from fromscratchtoml.decomposition import PCA as Ours
    X = np.random.default_rng(0).random((p["n"], p["d"]))
    a, b, o, t = pair(lambda: Ours(50).fit(X), lambda: Theirs(50).fit(X), repeats, budget)
    return H.Timing(a, b, note=f"our '{o.svd_solver}' vs scikit-learn's '{t._fit_svd_solver}' "
                               f"(from its default '{t.svd_solver}')")


def svc(p, repeats, budget):
    from sklearn.svm import SVC as Theirs
    from fromscratchtoml.svm import SVC as Ours
    X, y = datasets.make_moons(p["n"], noise=0.3, random_state=0)
    a, b, o, t = pair(lambda: Ours().fit(X, y), lambda: Theirs().fit(X, y), repeats, budget)
    return H.Timing(a, b, note=f"{o.n_support_.sum()} vs {t.n_support_.sum()} support vectors")


def knn(p, repeats, budget):
    from sklearn.neighbors import KNeighborsClassifier as Theirs
    from fromscratchtoml.neighbors import KNeighborsClassifier as Ours
    q = p["queries"]
    X, y = datasets.make_classification(p["n"] + q, p["d"], n_informative=50, n_classes=10, random_state=0)
    Xtr, ytr, Xq = X[:-q], y[:-q], X[-q:]
    preds = {}

    def run(key, cls):
        def go():
            preds[key] = cls().fit(Xtr, ytr).predict(Xq)
        return go

    a, b, _, _ = pair(run("ours", Ours), run("theirs", Theirs), repeats, budget)
    return H.Timing(a, b, note=f"same predictions: {np.mean(preds['ours'] == preds['theirs']):.4f}")


def shapes(ns, d, queries=None):
    "Labels name the data's shape: samples x features."
    tail = f", {queries} queries" if queries else ""
    return {f"{n}x{d}{tail}": {"n": n, "d": d, "queries": queries} for n in ns}


TARGET = ("<=", 1.5, 1.5)
WORKLOADS = [
    H.Workload("logreg", "LogisticRegression fit", "scikit-learn", logreg, target=TARGET, script=SCRIPT,
               shapes=shapes((1000, 10000, 30000), 50), quick=shapes((500, 2000, 5000), 50)),
    H.Workload("dbscan", "DBSCAN fit", "scikit-learn", dbscan, target=TARGET, script=SCRIPT,
               shapes=shapes((1000, 10000, 30000), 2), quick=shapes((1000, 3000, 10000), 2)),
    H.Workload("kmeans", "KMeans fit", "scikit-learn", kmeans, target=TARGET, script=SCRIPT,
               shapes=shapes((1000, 10000, 100000), 10), quick=shapes((1000, 10000, 30000), 10)),
    H.Workload("pca", "PCA(50) fit", "scikit-learn", pca, target=TARGET, script=SCRIPT,
               shapes={**shapes((1000,), 784), **shapes((10000,), 256), **shapes((30000,), 100)},
               quick={**shapes((500,), 784), **shapes((2000,), 256), **shapes((5000,), 100)}),
    H.Workload("svc", "SVC rbf fit", "scikit-learn", svc, target=TARGET, script=SCRIPT,
               shapes=shapes((1000, 3000, 10000), 2), quick=shapes((500, 1000, 3000), 2)),
    H.Workload("knn", "KNN fit+predict", "scikit-learn", knn, target=TARGET, script=SCRIPT,
               shapes=shapes((1000, 10000, 30000), 784, queries=500),
               quick=shapes((1000, 3000, 10000), 784, queries=200)),
]

if __name__ == "__main__":
    H.main(WORKLOADS, __doc__)

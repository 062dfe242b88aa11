"""Fit/predict times of the classic estimators against scikit-learn on the same data, printed as ratios.

Run: `python benchmarks/bench_classic.py [--quick]` (set OMP_NUM_THREADS=1 to compare single-threaded).
A ratio is ours / scikit-learn's time: below 1 we are faster, 10 means ten times slower.
"""
import argparse, os, time, warnings
import numpy as np
from sklearn import datasets, neighbors as sk_nb, cluster as sk_cluster, svm as sk_svm, decomposition as sk_dec
from sklearn import linear_model as sk_lm
from fromscratchtoml.data import load_mnist
from fromscratchtoml.neighbors import KNeighborsClassifier
from fromscratchtoml.cluster import KMeans, DBSCAN
from fromscratchtoml.svm import SVC
from fromscratchtoml.decomposition import PCA
from fromscratchtoml.linear_model import LogisticRegression, LinearRegression


def timed(fn, repeat=1):
    "Best wall time of `repeat` calls, and the last result."
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter(); out = fn(); best = min(best, time.perf_counter() - t)
    return best, out


ROWS = []
def report(task, ours_s, theirs_s, note=""):
    ROWS.append((task, ours_s, theirs_s))
    print(f"{task:44} ours {ours_s:8.3f} s   scikit-learn {theirs_s:8.3f} s   ratio {ours_s / theirs_s:6.2f}x  {note}", flush=True)


def main(quick=False):
    (Xtr_img, ytr), (Xte_img, yte) = load_mnist()
    n_train, n_query = (10000, 500) if quick else (60000, 2000)
    Xtr = Xtr_img[:n_train].reshape(n_train, -1).astype(np.float64) / 255.0
    Xq = Xte_img[:n_query].reshape(n_query, -1).astype(np.float64) / 255.0
    ytr_n = ytr[:n_train]

    # k-NN on MNIST-sized data
    ours, theirs = KNeighborsClassifier(5), sk_nb.KNeighborsClassifier(5, algorithm="brute")
    t_o, _ = timed(lambda: ours.fit(Xtr, ytr_n), 3); t_t, _ = timed(lambda: theirs.fit(Xtr, ytr_n), 3)
    report(f"KNN fit {n_train}x784", t_o, t_t)
    t_o, p_o = timed(lambda: ours.predict(Xq)); t_t, p_t = timed(lambda: theirs.predict(Xq))
    report(f"KNN predict {n_query} queries", t_o, t_t, f"(same predictions: {np.mean(p_o == p_t):.4f})")

    # k-means on 100k points
    n_km = 20000 if quick else 100000
    Xb, _ = datasets.make_blobs(n_samples=n_km, centers=8, n_features=10, cluster_std=2.0, random_state=0)
    t_o, km_o = timed(lambda: KMeans(8, n_init=1, random_state=0).fit(Xb))
    t_t, km_t = timed(lambda: sk_cluster.KMeans(8, n_init=1, random_state=0).fit(Xb))
    report(f"KMeans fit {n_km}x10, k=8", t_o, t_t, f"(inertia ratio {km_o.inertia_ / km_t.inertia_:.4f}, "
                                                    f"{km_o.n_iter_} vs {km_t.n_iter_} iterations)")
    t_o, _ = timed(lambda: km_o.predict(Xb), 3); t_t, _ = timed(lambda: km_t.predict(Xb), 3)
    report(f"KMeans predict {n_km}", t_o, t_t)
    same_init = Xb[:8].copy()
    t_o, km_o = timed(lambda: KMeans(8, init=same_init, max_iter=50, tol=0).fit(Xb))
    t_t, km_t = timed(lambda: sk_cluster.KMeans(8, init=same_init, n_init=1, max_iter=50, tol=0).fit(Xb))
    report(f"KMeans fit, same start, per iteration", t_o / km_o.n_iter_, t_t / km_t.n_iter_)

    # DBSCAN on 2-D data
    n_db = 3000 if quick else 10000
    Xm, _ = datasets.make_moons(n_samples=n_db, noise=0.08, random_state=0)
    t_o, db_o = timed(lambda: DBSCAN(0.05, min_samples=5).fit(Xm))
    t_t, db_t = timed(lambda: sk_cluster.DBSCAN(eps=0.05, min_samples=5).fit(Xm))
    report(f"DBSCAN fit {n_db} moons", t_o, t_t, f"(identical labels: {np.array_equal(db_o.labels_, db_t.labels_)})")

    # SVC on a few thousand samples
    n_svm = 1000 if quick else 3000
    Xs, ys = datasets.make_moons(n_samples=n_svm, noise=0.3, random_state=0)
    t_o, s_o = timed(lambda: SVC().fit(Xs, ys)); t_t, s_t = timed(lambda: sk_svm.SVC().fit(Xs, ys))
    report(f"SVC rbf fit {n_svm} moons (binary)", t_o, t_t, f"(SVs {s_o.n_support_.sum()} vs {s_t.n_support_.sum()})")
    t_o, _ = timed(lambda: s_o.predict(Xs)); t_t, _ = timed(lambda: s_t.predict(Xs))
    report(f"SVC rbf predict {n_svm}", t_o, t_t)
    Xd, yd = Xtr[:n_svm], ytr_n[:n_svm]
    t_o, s_o = timed(lambda: SVC(C=5.0).fit(Xd, yd)); t_t, s_t = timed(lambda: sk_svm.SVC(C=5.0).fit(Xd, yd))
    report(f"SVC rbf fit {n_svm} MNIST (10 classes, OvO)", t_o, t_t, f"(SVs {s_o.n_support_.sum()} vs {s_t.n_support_.sum()})")
    t_o, p_o = timed(lambda: s_o.predict(Xq)); t_t, p_t = timed(lambda: s_t.predict(Xq))
    report(f"SVC rbf predict {n_query} MNIST", t_o, t_t, f"(same predictions: {np.mean(p_o == p_t):.4f})")

    # PCA and logistic regression on MNIST
    n_pca = 5000 if quick else 20000
    t_o, _ = timed(lambda: PCA(50).fit(Xtr[:n_pca])); t_t, _ = timed(lambda: sk_dec.PCA(50, svd_solver="full").fit(Xtr[:n_pca]))
    report(f"PCA(50) fit {n_pca}x784 (full SVD both)", t_o, t_t)
    t_o2, _ = timed(lambda: PCA(50, svd_solver="covariance_eigh").fit(Xtr[:n_pca]))
    t_t2, _ = timed(lambda: sk_dec.PCA(50, svd_solver="covariance_eigh").fit(Xtr[:n_pca]))
    report(f"PCA(50) fit {n_pca}x784 (covariance_eigh both)", t_o2, t_t2)
    t_t3, _ = timed(lambda: sk_dec.PCA(50).fit(Xtr[:n_pca]))
    report(f"PCA(50) fit {n_pca}x784 (our default vs theirs)", t_o, t_t3, "(full SVD vs scikit-learn's 'auto')")
    n_lr = 5000 if quick else 20000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_o, l_o = timed(lambda: LogisticRegression(C=0.1).fit(Xtr[:n_lr], ytr_n[:n_lr]))
        t_t, l_t = timed(lambda: sk_lm.LogisticRegression(C=0.1, max_iter=1000).fit(Xtr[:n_lr], ytr_n[:n_lr]))
    report(f"LogisticRegression fit {n_lr} MNIST", t_o, t_t, f"(test acc {l_o.score(Xq, yte[:n_query]):.3f} vs {l_t.score(Xq, yte[:n_query]):.3f})")
    Xr, yr = datasets.make_regression(n_samples=100000, n_features=100, noise=1.0, random_state=0)
    t_o, _ = timed(lambda: LinearRegression().fit(Xr, yr), 3); t_t, _ = timed(lambda: sk_lm.LinearRegression().fit(Xr, yr), 3)
    report("LinearRegression fit 100000x100", t_o, t_t)

    slow = [r for r in ROWS if r[1] > 10 * r[2]]
    print("\nslower than 10x scikit-learn:", ", ".join(r[0] for r in slow) if slow else "none")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="smaller data, for a smoke test")
    main(ap.parse_args().quick)

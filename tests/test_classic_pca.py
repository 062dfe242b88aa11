"PCA against scikit-learn: components (signs included), variance ratios to 1e-8, transforms."
import numpy as np
import pytest
from conftest import close, oracle

oracle("sklearn")   # scikit-learn is the oracle (and the data) throughout
from sklearn import datasets, decomposition as sk_dec
from fromscratchtoml.core import NotFittedError
from fromscratchtoml.decomposition import PCA, svd_flip


@pytest.mark.parametrize("loader", [datasets.load_iris, datasets.load_wine, datasets.load_breast_cancer,
                                    datasets.load_digits, datasets.load_diabetes])
@pytest.mark.parametrize("n_components", [1, 3, 0.5, 0.9, 0.99, None])
def test_pca_matches_sklearn(loader, n_components):
    X = loader().data
    ours, theirs = PCA(n_components).fit(X), sk_dec.PCA(n_components, svd_solver="full").fit(X)
    assert ours.n_components_ == theirs.n_components_
    # directions with (numerically) zero variance have no defined orientation: compare the others
    k = min(ours.n_components_, int(np.sum(theirs.explained_variance_ratio_ > 1e-12)))
    err = np.abs(ours.components_[:k] - theirs.components_[:k]).max()
    assert err < 1e-8, f"components differ by {err}"
    close(ours.explained_variance_ratio_, theirs.explained_variance_ratio_, rtol=0,
          name="explained_variance_ratio_")
    close(ours.explained_variance_, theirs.explained_variance_, rtol=1e-8, name="explained_variance_")
    close(ours.singular_values_, theirs.singular_values_, rtol=1e-8, name="singular_values_")
    close(ours.mean_, theirs.mean_, name="mean_")
    close(ours.noise_variance_, theirs.noise_variance_, rtol=1e-6, atol=1e-10, name="noise_variance_")
    close(ours.transform(X)[:, :k], theirs.transform(X)[:, :k], atol=1e-8 * np.abs(X).max(), name="transform")
    close(ours.inverse_transform(ours.transform(X)), theirs.inverse_transform(theirs.transform(X)),
          atol=1e-6 * np.abs(X).max(), name="inverse_transform(transform)")


def test_pca_default_solver_and_up_to_sign():
    X = datasets.load_digits().data
    ours, theirs = PCA(10).fit(X), sk_dec.PCA(10).fit(X)   # scikit-learn's default solver
    signs = np.sign((ours.components_ * theirs.components_).sum(1))
    close(ours.components_ * signs[:, None], theirs.components_, name="components_ (signs aligned)")
    close(ours.explained_variance_ratio_, theirs.explained_variance_ratio_, rtol=0,
          name="explained_variance_ratio_")


@pytest.mark.parametrize("loader", [datasets.load_iris, datasets.load_wine, datasets.load_breast_cancer, datasets.load_digits])
def test_pca_covariance_eigh_matches_sklearn(loader):
    X = loader().data
    k = min(5, X.shape[1])
    ours = PCA(k, svd_solver="covariance_eigh").fit(X)
    theirs = sk_dec.PCA(k, svd_solver="covariance_eigh").fit(X)
    exact = sk_dec.PCA(k, svd_solver="full").fit(X)
    close(ours.components_, theirs.components_, name="components_")
    close(ours.components_, exact.components_, atol=1e-6, name="components_ vs exact")
    close(ours.explained_variance_ratio_, exact.explained_variance_ratio_, rtol=0,
          name="explained_variance_ratio_ vs exact")


def test_pca_whiten_and_reconstruction():
    X = datasets.load_wine().data
    ours, theirs = PCA(4, whiten=True).fit(X), sk_dec.PCA(4, whiten=True, svd_solver="full").fit(X)
    Z = ours.transform(X)
    close(Z, theirs.transform(X), name="whitened transform")
    close(Z.var(0, ddof=1), np.ones(Z.shape[1]), name="whitened variances")
    close(ours.inverse_transform(Z), theirs.inverse_transform(Z), name="inverse_transform(Z)")
    full = PCA().fit(X)
    close(full.inverse_transform(full.transform(X)), X, name="full round trip")
    close(full.fit_transform(X), full.transform(X), name="fit_transform")


def test_svd_flip_against_sklearn():
    from sklearn.utils.extmath import svd_flip as sk_svd_flip
    rng = np.random.default_rng(0)
    U, S, Vt = np.linalg.svd(rng.normal(size=(12, 5)), full_matrices=False)
    u1, v1 = svd_flip(U, Vt); u2, v2 = sk_svd_flip(U.copy(), Vt.copy(), u_based_decision=False)
    close(u1, u2, name="u")
    close(v1, v2, name="v")


def test_pca_errors():
    X = datasets.load_iris().data
    with pytest.raises(NotFittedError, match="not fitted"): PCA().transform(X)
    with pytest.raises(NotFittedError, match="not fitted"): PCA().inverse_transform(X)
    with pytest.raises(ValueError, match="n_components=5"): PCA(5).fit(X)
    with pytest.raises(ValueError, match="n_components must be"): PCA(1.5).fit(X)
    with pytest.raises(ValueError, match="n_components must be"): PCA("mle").fit(X)
    with pytest.raises(ValueError, match="at least 2 samples"): PCA().fit(X[:1])
    with pytest.raises(ValueError, match="svd_solver"): PCA(svd_solver="arpack").fit(X)
    with pytest.raises(ValueError, match="features"): PCA(2).fit(X).transform(X[:, :3])
    with pytest.raises(ValueError, match="columns"): PCA(2).fit(X).inverse_transform(X)
    with pytest.raises(ValueError, match="NaN"): PCA().fit(np.where(X > 7, np.nan, X))

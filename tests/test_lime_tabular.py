"LimeTabularExplainer against lime's on scikit-learn's breast-cancer data, plus sampling checks and bad inputs."
import warnings
import numpy as np
import pytest
from conftest import oracle

oracle("lime", "sklearn")   # lime is the oracle throughout, explaining a scikit-learn model
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from lime.lime_tabular import LimeTabularExplainer as TheirExplainer
from fromscratchtoml.lime import LimeTabularExplainer
from fromscratchtoml.lime.tabular import QuantileDiscretizer, truncated_normal

DS = load_breast_cancer()
X, Y = DS.data, DS.target
NAMES = list(DS.feature_names)
CLF = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X[:400], Y[:400])


def top5(exp): return {n for n, _ in exp.as_list(1)[:5]}
def jaccard(a, b): return len(a & b) / len(a | b)


def test_feature_names_and_bins_match_lime():
    for discretizer in ("quartile", "decile"):
        ours = LimeTabularExplainer(X[:400], feature_names=NAMES, discretizer=discretizer, random_state=0)
        theirs = TheirExplainer(X[:400], feature_names=NAMES, discretizer=discretizer, random_state=0)
        for f in range(X.shape[1]):
            assert ours.discretizer.names[f] == theirs.discretizer.names[f], (ours.discretizer.names[f], theirs.discretizer.names[f])
            np.testing.assert_allclose(ours.discretizer.means[f], theirs.discretizer.means[f], rtol=1e-12)
            np.testing.assert_allclose(ours.discretizer.stds[f], theirs.discretizer.stds[f], rtol=1e-9)
        np.testing.assert_array_equal(ours.discretizer.discretize(X[400:]), theirs.discretizer.discretize(X[400:]))
        e = ours.explain_instance(X[450], CLF.predict_proba, num_features=30, num_samples=200)
        t = theirs.explain_instance(X[450], CLF.predict_proba, num_features=30, num_samples=200)
        assert sorted(n for n, _ in e.as_list(1)) == sorted(n for n, _ in t.as_list(1))
        assert "worst radius" in " ".join(n for n, _ in e.as_list(1))
    assert ours.kernel_width == pytest.approx(0.75 * np.sqrt(30))


def test_top_features_agree_with_lime():
    "Independent sampling: our top-5 overlaps lime's about as much as lime's overlaps itself with another seed."
    ours_vs_lime, lime_vs_lime = [], []
    for i in range(400, 406):
        kw = dict(feature_names=NAMES, class_names=list(DS.target_names))
        o = LimeTabularExplainer(X[:400], random_state=i, **kw).explain_instance(X[i], CLF.predict_proba, num_samples=3000)
        t1 = TheirExplainer(X[:400], random_state=i, **kw).explain_instance(X[i], CLF.predict_proba, num_samples=3000)
        t2 = TheirExplainer(X[:400], random_state=i + 99, **kw).explain_instance(X[i], CLF.predict_proba, num_samples=3000)
        ours_vs_lime.append(jaccard(top5(o), top5(t1))); lime_vs_lime.append(jaccard(top5(t2), top5(t1)))
        assert abs(o.predict_proba[1] - t1.predict_proba[1]) < 1e-12
    print(f"top-5 Jaccard ours vs lime {np.mean(ours_vs_lime):.3f}, lime vs lime {np.mean(lime_vs_lime):.3f}")
    assert np.mean(ours_vs_lime) >= np.mean(lime_vs_lime) - 0.15, (ours_vs_lime, lime_vs_lime)


def test_sampling_follows_training_statistics():
    ours = LimeTabularExplainer(X[:400], feature_names=NAMES, random_state=0)
    data, inverse = ours._sample(X[450], 20000)
    assert (data[0] == 1).all() and np.array_equal(inverse[0], X[450])
    bins = ours.discretizer.discretize(inverse[1:])
    for f in (0, 7, 22):   # each bin holds about a quarter of the samples, like the training data
        freq = np.bincount(bins[:, f].astype(int), minlength=4) / len(bins)
        np.testing.assert_allclose(freq, ours.feature_frequencies[f], atol=0.02)
        # samples stay inside their bin's training range
        lo, hi = ours.discretizer.mins[f][bins[:, f].astype(int)], ours.discretizer.maxs[f][bins[:, f].astype(int)]
        assert ((inverse[1:, f] >= lo - 1e-9) & (inverse[1:, f] <= hi + 1e-9)).all()
    rng = np.random.default_rng(0)
    z = truncated_normal(np.full(50000, -1.0), np.full(50000, 2.0), 0.0, 1.0, rng)
    assert z.min() >= -1 and z.max() <= 2 and abs(z.mean() - 0.2296) < 0.005   # (phi(-1) - phi(2)) / (Phi(2) - Phi(-1))


def test_categorical_and_continuous_names_match_lime():
    rng = np.random.default_rng(0)
    Xc = np.c_[X[:400, :3], rng.integers(0, 3, 400)]

    def f(Z):   # a model of the first radius and of the colour category
        p = 1 / (1 + np.exp(Z[:, 0] / 10 - 1.5 + Z[:, 3]))
        return np.stack([p, 1 - p], 1)
    kw = dict(feature_names=["r", "t", "p", "colour"], categorical_features=[3], categorical_names={3: ["red", "green", "blue"]})
    for disc in (True, False):
        o = LimeTabularExplainer(Xc, discretize_continuous=disc, random_state=0, **kw).explain_instance(Xc[5], f, num_samples=3000)
        t = TheirExplainer(Xc, discretize_continuous=disc, random_state=0, **kw).explain_instance(Xc[5], f, num_samples=3000)
        assert sorted(n for n, _ in o.as_list(1)) == sorted(n for n, _ in t.as_list(1))
        assert o.as_list(1)[0][0] == t.as_list(1)[0][0]


def test_equal_seeds_give_identical_explanations():
    a = LimeTabularExplainer(X[:400], random_state=3).explain_instance(X[420], CLF.predict_proba, num_samples=500)
    b = LimeTabularExplainer(X[:400], random_state=3).explain_instance(X[420], CLF.predict_proba, num_samples=500)
    c = LimeTabularExplainer(X[:400], random_state=np.random.default_rng(3)).explain_instance(X[420], CLF.predict_proba, num_samples=500)
    assert a.as_list(1) == b.as_list(1) == c.as_list(1) and a.score == b.score
    d = LimeTabularExplainer(X[:400], random_state=4).explain_instance(X[420], CLF.predict_proba, num_samples=500)
    assert a.as_list(1) != d.as_list(1)


def test_bad_inputs():
    ex = LimeTabularExplainer(X[:400], random_state=0)
    with pytest.raises(ValueError, match="num_samples must be an integer >= 2"):
        ex.explain_instance(X[400], CLF.predict_proba, num_samples=1)
    with pytest.raises(ValueError, match="data_row has 5 features"):
        ex.explain_instance(X[400, :5], CLF.predict_proba)
    with pytest.raises(ValueError, match=r"shape \(100, n_classes\)"):
        ex.explain_instance(X[400], CLF.predict, num_samples=100)
    with pytest.raises(ValueError, match="must return probabilities"):
        ex.explain_instance(X[400], lambda Z: np.c_[CLF.decision_function(Z), -CLF.decision_function(Z)], num_samples=100)
    with pytest.raises(ValueError, match=r"labels \[2\] are not in the model's output"):
        ex.explain_instance(X[400], CLF.predict_proba, labels=(2,), num_samples=100)
    with pytest.raises(ValueError, match="discretizer must be"):
        LimeTabularExplainer(X[:400], discretizer="entropy")
    with pytest.raises(ValueError, match="feature names"):
        LimeTabularExplainer(X[:400], feature_names=["a"])
    with pytest.raises(ValueError, match="2-dimensional"):
        LimeTabularExplainer(X[0])


def test_regression_mode_matches_lime():
    "A regressor: one number per row; lime reports the weights under label 1 and their negatives under label 0."
    reg = lambda Z: Z[:, 0] / 10 + Z[:, 20] / 20
    o = LimeTabularExplainer(X[:400], mode="regression", feature_names=NAMES, random_state=0).explain_instance(X[410], reg, num_samples=3000)
    t = TheirExplainer(X[:400], mode="regression", feature_names=NAMES, random_state=0).explain_instance(X[410], reg, num_samples=3000)
    assert {n for n, _ in o.as_list()[:2]} == {n for n, _ in t.as_list()[:2]}, (o.as_list()[:3], t.as_list()[:3])
    assert o.local_exp[0] == [(f, -w) for f, w in o.local_exp[1]] and o.predicted_value == pytest.approx(t.predicted_value)
    with pytest.raises(ValueError, match="one number per sample"):
        LimeTabularExplainer(X[:400], mode="regression").explain_instance(X[410], lambda Z: np.c_[Z[:, 0], Z[:, 1]], num_samples=50)

"Plotting helpers: returned objects, the data they draw, the confusion matrix against scikit-learn, bad input."
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from conftest import oracle
from fromscratchtoml.viz import (show_images, plot_history, confusion_matrix, plot_confusion_matrix,
                                 plot_decision_boundary, LivePlot, live_loss_plot)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- confusion matrix -------------------------------------------------------------------------------
@pytest.fixture
def sk_confusion_matrix():
    "scikit-learn's confusion_matrix, the oracle of the tests that ask for it."
    return oracle("sklearn.metrics").confusion_matrix


@pytest.mark.parametrize("seed,n,k", [(0, 1, 2), (1, 50, 3), (2, 500, 10), (3, 37, 7)])
def test_confusion_matrix_matches_sklearn(sk_confusion_matrix, seed, n, k):
    rng = np.random.default_rng(seed)
    t, p = rng.integers(0, k, n), rng.integers(0, k, n)
    ours = confusion_matrix(t, p, n_classes=k)
    theirs = sk_confusion_matrix(t, p, labels=np.arange(k))
    assert ours.shape == (k, k) and np.issubdtype(ours.dtype, np.integer)
    assert (ours == theirs).all(), f"ours\n{ours}\ntheirs\n{theirs}"
    # without n_classes: sized by the largest label, like sklearn when every class occurs
    t2, p2 = np.r_[t, np.arange(k)], np.r_[p, np.arange(k)]
    assert (confusion_matrix(t2, p2) == sk_confusion_matrix(t2, p2)).all()


def test_confusion_matrix_accepts_integral_floats(sk_confusion_matrix):
    assert (confusion_matrix(np.array([0., 1, 1]), [1, 1, 0]) == sk_confusion_matrix([0, 1, 1], [1, 1, 0])).all()


@pytest.mark.parametrize("t,p,kw,match", [
    ([0, 1, 2], [0, 1], {}, "inconsistent numbers of samples"),
    ([0, 1, 5], [0, 1, 1], {"n_classes": 3}, "y_true has label 5"),
    ([0, 1, 1], [0, -1, 1], {}, "y_pred has negative label"),
    ([0.5, 1], [0, 1], {}, "integer class labels"),
    ([[0, 1]], [[0, 1]], {}, "1-D array"),
])
def test_confusion_matrix_errors(t, p, kw, match):
    with pytest.raises(ValueError, match=match):
        confusion_matrix(t, p, **kw)


def test_plot_confusion_matrix_draws_the_matrix(sk_confusion_matrix):
    rng = np.random.default_rng(0)
    t, p = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    names = ["a", "b", "c", "d"]
    ax = plot_confusion_matrix(t, p, class_names=names)
    assert isinstance(ax, plt.Axes)
    theirs = sk_confusion_matrix(t, p, labels=range(4))
    assert (ax.images[0].get_array() == theirs).all()
    texts = [tx.get_text() for tx in ax.texts]
    assert texts == [str(v) for v in theirs.ravel()]
    assert [tl.get_text() for tl in ax.get_yticklabels()] == names
    for norm, skn in ((True, "true"), ("true", "true"), ("pred", "pred"), ("all", "all")):
        ax = plot_confusion_matrix(t, p, normalize=norm)
        np.testing.assert_allclose(ax.images[0].get_array(), sk_confusion_matrix(t, p, normalize=skn), atol=1e-12)
    # a class that never occurs: its normalised row is 0, not NaN
    ax = plot_confusion_matrix([0, 0, 1], [0, 1, 1], class_names=["x", "y", "z"], normalize=True)
    assert np.isfinite(ax.images[0].get_array()).all() and ax.images[0].get_array()[2].sum() == 0


def test_plot_confusion_matrix_errors():
    with pytest.raises(ValueError, match="normalize must be"):
        plot_confusion_matrix([0, 1], [0, 1], normalize="rows")
    with pytest.raises(ValueError, match="only has 2 outputs"):
        plot_confusion_matrix([0, 2], [0, 1], class_names=["a", "b"])


# --- images ---------------------------------------------------------------------------------------
def test_show_images_layouts_and_titles():
    rng = np.random.default_rng(0)
    gray = rng.random((10, 5, 6))
    fig = show_images(gray, labels=np.arange(10), preds=np.r_[0, 1, 7, 3, 4, 5, 6, 7, 8, 0], ncols=4)
    assert isinstance(fig, plt.Figure)
    axes = fig.axes
    assert len(axes) == 12 and sum(bool(a.images) for a in axes) == 10      # 3 rows of 4, two empty
    np.testing.assert_array_equal(axes[3].images[0].get_array(), gray[3])
    assert axes[2].get_title() == "7 (2)" and axes[2].title.get_color() == "red"
    assert axes[9].get_title() == "0 (9)" and axes[1].title.get_color() == "black"
    assert axes[1].get_title() == "1"
    rgb = rng.integers(0, 256, (3, 5, 6, 3), dtype=np.uint8)
    for arr in (rgb, rgb.transpose(0, 3, 1, 2)):                            # NHWC and NCHW
        fig = show_images(arr, titles=["x", "y", "z"])
        np.testing.assert_array_equal(fig.axes[1].images[0].get_array(), rgb[1])
        assert [a.get_title() for a in fig.axes] == ["x", "y", "z"]
    one = show_images(rng.random((2, 1, 5, 6)), labels=[3, 4], class_names=list("abcde"))   # N1HW -> grey
    assert one.axes[0].images[0].get_array().shape == (5, 6) and one.axes[1].get_title() == "e"
    assert len(show_images(gray[0]).axes) == 1                              # a single (H, W) image
    # colour floats outside [0, 1] are rescaled per image for imshow
    fig = show_images(rng.normal(size=(2, 4, 4, 3)) * 5)
    arr = fig.axes[0].images[0].get_array()
    assert arr.min() >= 0 and arr.max() <= 1


@pytest.mark.parametrize("kw,match", [
    ({"images": np.zeros((2, 5, 5, 7))}, "NCHW or NHWC"),
    ({"images": np.zeros((2, 2, 2, 2, 2))}, "2 or 3 or 4-dimensional"),
    ({"labels": [1, 2]}, "labels has 2 entries but there are 3 images"),
    ({"labels": [1, 2, 3], "preds": [1]}, "preds has 1 entries"),
    ({"preds": [1, 2, 3]}, "preds given without labels"),
    ({"titles": ["a"]}, "titles has 1 entries"),
    ({"ncols": 0}, "ncols must be a positive integer"),
    ({"images": np.full((3, 4, 4), np.nan)}, "NaN"),
])
def test_show_images_errors(kw, match):
    args = {"images": np.zeros((3, 4, 4)), **kw}
    with pytest.raises(ValueError, match=match):
        show_images(**args)


# --- training curves ------------------------------------------------------------------------------
class _History:   # what Sequential.fit returns: a .history dict of per-epoch lists
    def __init__(self, h): self.history = h


def test_plot_history_object_and_dict():
    h = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.6], "accuracy": [0.5, 0.7, 0.9], "val_accuracy": [0.4, 0.6, 0.7]}
    for src in (h, _History(h)):
        axs = plot_history(src)
        assert isinstance(axs, list) and len(axs) == 2
        (tr, va), (tra, vaa) = axs[0].lines, axs[1].lines
        np.testing.assert_array_equal(tr.get_xdata(), [1, 2, 3])
        np.testing.assert_array_equal(tr.get_ydata(), h["loss"])
        np.testing.assert_array_equal(va.get_ydata(), h["val_loss"])
        np.testing.assert_array_equal(vaa.get_ydata(), h["val_accuracy"])
        assert axs[0].get_ylabel() == "loss" and axs[1].get_ylabel() == "accuracy"
    # only the loss present (regression) and no validation: one panel, one line
    axs = plot_history({"loss": [3, 2, 1]})
    assert len(axs) == 1 and len(axs[0].lines) == 1
    # one metric by name onto a given Axes: that Axes comes back
    fig, ax = plt.subplots()
    assert plot_history(h, metrics="accuracy", ax=ax) is ax and len(ax.lines) == 2


@pytest.mark.parametrize("hist,kw,exc,match", [
    ([1, 2], {}, TypeError, "history must be a dict"),
    ({"mae": [1, 2]}, {}, ValueError, "neither 'loss' nor 'accuracy'"),
    ({"loss": [1, 2]}, {"metrics": ["loss", "f1"]}, ValueError, r"history has no \['f1'\]"),
    ({"loss": [[1, 2]]}, {}, ValueError, "per-epoch numbers"),
])
def test_plot_history_errors(hist, kw, exc, match):
    with pytest.raises(exc, match=match):
        plot_history(hist, **kw)


def test_plot_history_wrong_number_of_axes():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="got 1 Axes for 2 metrics"):
        plot_history({"loss": [1], "accuracy": [0.5]}, ax=ax)


# --- decision boundary ------------------------------------------------------------------------------
def test_plot_decision_boundary_grid_and_labels():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2)); y = (X[:, 0] + X[:, 1] > 0).astype(int)
    seen = {}
    def predict(P):
        seen["P"] = P
        return (P[:, 0] + P[:, 1] > 0).astype(int)
    ax = plot_decision_boundary(predict, X, y, resolution=30, padding=0.25)
    assert isinstance(ax, plt.Axes)
    P = seen["P"]
    assert P.shape == (900, 2)
    np.testing.assert_allclose(P.min(0), X.min(0) - 0.25); np.testing.assert_allclose(P.max(0), X.max(0) + 0.25)
    np.testing.assert_allclose(ax.get_xlim(), (X[:, 0].min() - 0.25, X[:, 0].max() + 0.25))
    pts = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(np.asarray(pts), X)                          # the data is scattered on top
    # scores (n, K) are argmax-ed, (n, 1) and probabilities are accepted too
    plot_decision_boundary(lambda P: np.c_[-P.sum(1), P.sum(1)], X, y)
    plot_decision_boundary(lambda P: P.sum(1, keepdims=True) > 0, X, y)
    ax = plot_decision_boundary(lambda P: 1 / (1 + np.exp(-P.sum(1))), X)
    assert len(ax.figure.axes) == 2                                         # continuous scores get a colour bar


@pytest.mark.parametrize("fn,X,y,kw,exc,match", [
    (lambda P: P[:, 0], np.zeros((5, 3)), None, {}, ValueError, "exactly 2 features"),
    (lambda P: P[:, 0], np.zeros((5, 2)), [0, 1], {}, ValueError, "inconsistent numbers of samples"),
    ("not a function", np.zeros((5, 2)), None, {}, TypeError, "predict_fn must be callable"),
    (lambda P: P[:5, 0], np.zeros((5, 2)), None, {}, ValueError, "predict_fn returned shape"),
    (lambda P: P[:, 0], np.zeros((5, 2)), None, {"resolution": 1}, ValueError, "resolution must be"),
    (lambda P: P[:, 0], np.zeros((5, 2)), None, {"padding": -1}, ValueError, "padding must be"),
    (lambda P: P[:, 0], np.zeros(5), None, {}, ValueError, "2-dimensional"),
])
def test_plot_decision_boundary_errors(fn, X, y, kw, exc, match):
    with pytest.raises(exc, match=match):
        plot_decision_boundary(fn, X, y, **kw)


# --- live plot -------------------------------------------------------------------------------------
def test_live_plot_records_and_draws():
    quiet = live_loss_plot()                       # not in a notebook: records only, draws nothing
    assert not quiet.enabled
    quiet(loss=1.0); quiet({"loss": 0.5, "val_loss": 0.7})
    assert quiet.history == {"loss": [1.0, 0.5], "val_loss": [0.7]} and quiet.fig is None
    live = LivePlot(metrics=("loss", "accuracy"), every=2, enabled=True)
    for e in range(5): live.update(loss=1 / (e + 1), accuracy=e / 5)
    assert len(live.axes) == 2
    np.testing.assert_allclose(live.axes[0].lines[0].get_ydata(), [1, 1 / 2, 1 / 3, 1 / 4])   # last redraw after 4
    live.draw()
    np.testing.assert_allclose(live.axes[1].lines[0].get_ydata(), [0, .2, .4, .6, .8])


def test_live_plot_errors():
    with pytest.raises(ValueError, match="at least one metric"):
        LivePlot(metrics=())
    with pytest.raises(ValueError, match="every must be"):
        LivePlot(every=0)


def test_plots_leave_global_rng_alone():
    state = np.random.get_state()[1].copy()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2)); y = (X[:, 0] > 0).astype(int)
    show_images(rng.random((4, 3, 3)), labels=[0, 1, 0, 1], preds=[0, 1, 1, 1])
    plot_history({"loss": [1, 0.5]}); plot_confusion_matrix(y, 1 - y)
    plot_decision_boundary(lambda P: (P[:, 0] > 0).astype(int), X, y, resolution=10)
    LivePlot(enabled=True).update(loss=1.0)
    assert (np.random.get_state()[1] == state).all()


# --- network diagram --------------------------------------------------------------------------------
def test_plot_network_units_and_weights():
    from fromscratchtoml.viz import plot_network
    ax = plot_network([3, 5, 2])
    assert isinstance(ax, plt.Axes)
    assert len(ax.lines) == 3 * 5 + 5 * 2                                   # one line per weight
    assert [len(c.get_offsets()) for c in ax.collections] == [3, 5, 2]     # one circle per unit
    ax = plot_network([784, 20, 10], max_units=8)                            # wide layers are truncated
    assert [len(c.get_offsets()) for c in ax.collections] == [8, 8, 8]
    assert "784" in ax.texts[0].get_text()


@pytest.mark.parametrize("sizes,kw,match", [([3], {}, "at least two"), ([3, 0], {}, "positive integers"),
                                            ([2.5, 3], {}, "positive integers"), ([2, 3], {"labels": ["a"]}, "labels has 1")])
def test_plot_network_errors(sizes, kw, match):
    from fromscratchtoml.viz import plot_network
    with pytest.raises(ValueError, match=match):
        plot_network(sizes, **kw)

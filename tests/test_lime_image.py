"LimeImageExplainer against lime's on a real scikit-image photo, vectorised perturbations against a loop, bad inputs."
import os
os.environ.setdefault("TQDM_DISABLE", "1")   # lime shows a progress bar per explanation
import numpy as np
import pytest
from skimage import data as skdata
from skimage.transform import resize
from skimage.segmentation import quickshift
from conftest import oracle

oracle("lime")   # lime is the oracle throughout
from lime.lime_image import LimeImageExplainer as TheirExplainer
from fromscratchtoml.lime import LimeImageExplainer, SegmentationAlgorithm
from fromscratchtoml.lime.image import grid_segments, segment_means, perturb_images, perturb_images_loop

IMG = resize(skdata.chelsea(), (75, 100), anti_aliasing=True)           # float64 in [0, 1]
SEGMENTS = quickshift(IMG, kernel_size=4, max_dist=200, ratio=0.2, rng=0)
fixed_segmentation = lambda image: SEGMENTS


def orange_model(images):
    "A transparent 'cat' detector: the more orange-fur pixels, the more 'cat'. (n, H, W, 3) -> (n, 2) probabilities."
    r, g, b = images[..., 0], images[..., 1], images[..., 2]
    frac = ((r > g) & (g > b) & (r - b > 0.15)).mean((1, 2))
    p = 1 / (1 + np.exp(-20 * (frac - 0.25)))
    return np.stack([1 - p, p], 1)


def test_perturbations_vectorised_equal_loop_and_lime():
    rng = np.random.default_rng(0)
    S = SEGMENTS.max() + 1
    fudged = segment_means(IMG, SEGMENTS, S)[SEGMENTS]
    # lime's fudged image: per-superpixel mean of each channel
    ref = IMG.copy()
    for s in np.unique(SEGMENTS):
        ref[SEGMENTS == s] = IMG[SEGMENTS == s].mean(0)
    np.testing.assert_allclose(fudged, ref, atol=1e-12)
    rows = rng.integers(0, 2, (7, S))
    np.testing.assert_array_equal(perturb_images(IMG, fudged, SEGMENTS, rows), perturb_images_loop(IMG, fudged, SEGMENTS, rows))
    seen = []
    data, _ = TheirExplainer(random_state=0).data_labels(IMG, fudged, SEGMENTS, lambda x: seen.append(x) or orange_model(x), 20)
    np.testing.assert_array_equal(np.concatenate(seen), perturb_images(IMG, fudged, SEGMENTS, data))


def test_top_superpixels_agree_with_lime():
    top = lambda e: {f for f, w in e.local_exp[1][:5]}
    jo, jl = [], []
    for seed in range(2):
        kw = dict(labels=(1,), top_labels=None, num_samples=800, segmentation_fn=fixed_segmentation)
        o = LimeImageExplainer(random_state=seed).explain_instance(IMG, orange_model, **kw)
        t1 = TheirExplainer(random_state=seed).explain_instance(IMG, orange_model, **kw)
        t2 = TheirExplainer(random_state=seed + 7).explain_instance(IMG, orange_model, **kw)
        jo.append(len(top(o) & top(t1)) / len(top(o) | top(t1))); jl.append(len(top(t2) & top(t1)) / len(top(t2) | top(t1)))
        np.testing.assert_array_equal(o.segments, t1.segments)
    print(f"top-5 Jaccard ours vs lime {np.mean(jo):.3f}, lime vs lime {np.mean(jl):.3f}")
    assert np.mean(jo) >= np.mean(jl) - 0.2, (jo, jl)
    # the top superpixels really are orange fur: hiding them lowers the cat probability
    img, mask = o.get_image_and_mask(1, positive_only=True, num_features=5, hide_rest=False)
    assert mask.sum() > 0 and orange_model(np.where(mask[None, ..., None] == 1, o.image.mean(), IMG[None]))[0, 1] < orange_model(IMG[None])[0, 1]


def test_get_image_and_mask_matches_lime():
    kw = dict(top_labels=2, num_samples=300, segmentation_fn=fixed_segmentation)
    o = LimeImageExplainer(random_state=0).explain_instance(IMG, orange_model, **kw)
    t = TheirExplainer(random_state=0).explain_instance(IMG, orange_model, **kw)
    t.local_exp = {k: list(v) for k, v in o.local_exp.items()}   # same weights in both: compare the rendering only
    for args in (dict(), dict(positive_only=False), dict(positive_only=False, negative_only=True),
                 dict(hide_rest=True, num_features=3), dict(positive_only=False, min_weight=0.01)):
        for a, b in zip(o.get_image_and_mask(1, **args), t.get_image_and_mask(1, **args)):
            np.testing.assert_array_equal(a, b)
    assert o.top_labels == t.top_labels and o.available_labels() == [1, 0]


def test_determinism_grid_and_grayscale():
    digit = skdata.camera()[::16, ::16]                           # a real grayscale photo, 32x32
    model = lambda x: np.stack([x[..., 0].mean((1, 2)) / 255, 1 - x[..., 0].mean((1, 2)) / 255], 1)
    kw = dict(top_labels=1, num_samples=200, segmentation_fn=SegmentationAlgorithm("grid", cell=4))
    a = LimeImageExplainer(random_state=5).explain_instance(digit, model, **kw)
    b = LimeImageExplainer(random_state=5).explain_instance(digit, model, **kw)
    assert a.as_map() == b.as_map() and a.segments.max() == 63 and a.image.shape == (32, 32, 3)
    np.testing.assert_array_equal(grid_segments((8, 8), 4), np.repeat(np.repeat([[0, 1], [2, 3]], 4, 0), 4, 1))
    c = LimeImageExplainer(random_state=5).explain_instance(IMG, orange_model, top_labels=1, num_samples=50)
    d = LimeImageExplainer(random_state=5).explain_instance(IMG, orange_model, top_labels=1, num_samples=50)
    np.testing.assert_array_equal(c.segments, d.segments)   # default quickshift segmentation, seeded
    assert c.as_map() == d.as_map()


def test_bad_inputs():
    ex = LimeImageExplainer(random_state=0)
    kw = dict(segmentation_fn=fixed_segmentation, num_samples=20)
    with pytest.raises(ValueError, match=r"image must be \(H, W\) grayscale or \(H, W, channels\)"):
        ex.explain_instance(IMG[None], orange_model, **kw)
    with pytest.raises(ValueError, match=r"image must be"):
        ex.explain_instance(IMG[0, 0], orange_model, **kw)
    with pytest.raises(ValueError, match="num_samples must be an integer >= 2"):
        ex.explain_instance(IMG, orange_model, segmentation_fn=fixed_segmentation, num_samples=1)
    with pytest.raises(ValueError, match=r"shape \(20, n_classes\)"):
        ex.explain_instance(IMG, lambda x: orange_model(x)[:, 1], **kw)
    with pytest.raises(ValueError, match="must return probabilities"):
        ex.explain_instance(IMG, lambda x: 5 * orange_model(x), **kw)
    with pytest.raises(ValueError, match=r"labels \[2\] are not in the model's output"):
        ex.explain_instance(IMG, orange_model, labels=(2,), top_labels=None, **kw)
    with pytest.raises(ValueError, match="segmentation_fn returned shape"):
        ex.explain_instance(IMG, orange_model, segmentation_fn=lambda im: SEGMENTS[:10], num_samples=20)
    with pytest.raises(ValueError, match="algo_type must be"):
        SegmentationAlgorithm("watershed")
    e = ex.explain_instance(IMG, orange_model, top_labels=1, **kw)
    with pytest.raises(ValueError, match="cannot both be True"):
        e.get_image_and_mask(e.top_labels[0], positive_only=True, negative_only=True)
    with pytest.raises(KeyError, match="not in explanation"):
        e.get_image_and_mask(7)

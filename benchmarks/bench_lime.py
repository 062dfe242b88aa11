"""Seconds per explanation, fromscratchtoml.lime vs the lime package: same model, samples and segmentation.

Every classifier call is timed and subtracted, and the segmentation is computed once and given to both, so the
ratio (our seconds over lime's) compares the explainers alone. Workloads: the image explainer on a photo as
scikit-image loads it (uint8) and as a float image, at 64x64, 128x128 and 224x224 with 1000 samples; the text
explainer on 20 Newsgroups documents of 100, 300 and 1000 words (read through fromscratchtoml.data, so
FSTML_DATA_MIRROR applies); the tabular explainer at 1000, 5000 and 20000 samples.

`python benchmarks/bench_lime.py --agreement [tabular] [text] [image]` measures instead how well our top-5
features agree with lime's at 20000 samples, next to lime's agreement with itself under another seed (several
minutes). `--help` lists the other options.
"""
import os
import sys
import warnings
from pathlib import Path

import _harness as H
import numpy as np

warnings.filterwarnings("ignore")
# lime draws a progress bar by default; its cost is the terminal's, not the explainer's
os.environ.setdefault("TQDM_DISABLE", "1")
SCRIPT = Path(__file__).stem
NEWS = ["alt.atheism", "soc.religion.christian"]


def explainer_seconds(explain, model):
    "Run explain(timed_model) and return its seconds less those spent inside the model."
    f = H.Timed(model)
    total = H.stopwatch(lambda: explain(f))
    return total - f.seconds


# ------------------------------------------------------------------------------------------------ image

def photo(hw, dtype):
    from skimage import data
    from skimage.transform import resize
    img = resize(data.chelsea(), (hw, hw), anti_aliasing=True)
    return (img * 255).round().astype(np.uint8) if dtype == "uint8" else img


def segments(hw):
    "Quickshift with its scale parameters proportional to the side: about 35 superpixels at every size."
    from skimage.segmentation import quickshift
    s = hw / 224
    return quickshift(photo(hw, "float"), kernel_size=4 * s, max_dist=200 * s, ratio=0.2, rng=0)


def image_model(x):
    "A small linear softmax model on the mean colour, for uint8 and float images alike."
    m = x.reshape(len(x), -1, x.shape[-1]).mean(1)
    if x.dtype == np.uint8:
        m = m / 255
    z = np.stack([m[:, 0] - m[:, 2], m[:, 2] - m[:, 0]], 1) * 4
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def image_measurer(dtype):
    def measure(p, repeats, budget):
        from lime.lime_image import LimeImageExplainer as Theirs
        from fromscratchtoml.lime.image import LimeImageExplainer as Ours
        img, seg = photo(p["hw"], dtype), segments(p["hw"])

        def run(cls):
            def explain(f):
                cls(random_state=0).explain_instance(img, f, top_labels=1, num_samples=p["samples"],
                                                     batch_size=100, segmentation_fn=lambda im: seg)
            return lambda: explainer_seconds(explain, image_model)

        a, b = H.interleave(run(Ours), run(Theirs), repeats, budget)
        return H.Timing(a, b, note=f"{seg.max() + 1} superpixels", extra={"superpixels": int(seg.max() + 1)})
    return measure


# ------------------------------------------------------------------------------------------------- text

def text_measure(p, repeats, budget):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.pipeline import make_pipeline
    from lime.lime_text import LimeTextExplainer as Theirs
    from fromscratchtoml.lime.text import LimeTextExplainer as Ours
    from fromscratchtoml.data import load_20newsgroups
    texts, labels = load_20newsgroups("train", categories=NEWS, progress=False)[:2]
    clf = make_pipeline(TfidfVectorizer(lowercase=False), MultinomialNB(alpha=.01)).fit(texts, labels)
    words = " ".join(load_20newsgroups("test", categories=NEWS, progress=False)[0][:200]).split()
    doc = " ".join(words[:p["words"]])

    def run(cls):
        def explain(f):
            cls(random_state=0).explain_instance(doc, f, num_features=10, num_samples=p["samples"])
        return lambda: explainer_seconds(explain, clf.predict_proba)

    a, b = H.interleave(run(Ours), run(Theirs), repeats, budget)
    return H.Timing(a, b)


# ---------------------------------------------------------------------------------------------- tabular

def tabular_measure(p, repeats, budget):
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from lime.lime_tabular import LimeTabularExplainer as Theirs
    from fromscratchtoml.lime.tabular import LimeTabularExplainer as Ours
    ds = load_breast_cancer()
    X = ds.data
    clf = LogisticRegression(max_iter=5000).fit(X, ds.target)

    def run(cls):
        ex = cls(X, feature_names=list(ds.feature_names), random_state=0)   # built once, like a user would

        def explain(f):
            ex.explain_instance(X[0], f, num_features=10, num_samples=p["samples"])
        return lambda: explainer_seconds(explain, clf.predict_proba)

    a, b = H.interleave(run(Ours), run(Theirs), repeats, budget)
    return H.Timing(a, b)


def image_shapes(sides, samples):
    return {f"{hw}x{hw}, {samples} samples": {"hw": hw, "samples": samples} for hw in sides}


WORKLOADS = [
    H.Workload(f"lime-image-{dtype}", f"LIME image {dtype}", "lime", image_measurer(dtype),
               target=("<=", 0.2, 0.2), script=SCRIPT,
               shapes=image_shapes((64, 128, 224), 1000), quick=image_shapes((64, 128, 224), 200))
    for dtype in ("uint8", "float")
] + [
    H.Workload("lime-text", "LIME text", "lime", text_measure, target=("<=", 0.125, 0.125), script=SCRIPT,
               shapes={f"{w} words, 5000 samples": {"words": w, "samples": 5000} for w in (100, 300, 1000)},
               quick={f"{w} words, 1000 samples": {"words": w, "samples": 1000} for w in (100, 300, 1000)}),
    H.Workload("lime-tabular", "LIME tabular", "lime", tabular_measure, script=SCRIPT,
               shapes={f"30 features, {n} samples": {"samples": n} for n in (1000, 5000, 20000)},
               quick={f"30 features, {n} samples": {"samples": n} for n in (500, 1000, 5000)}),
]


# ------------------------------------------------------------------------------------------- agreement

def jaccard(a, b):
    a, b = set(a), set(b)
    return len(a & b) / len(a | b)


def agreement(ns=20000, which=("tabular", "text", "image")):
    "Top-5 Jaccard overlap, ours vs lime (same seed) and lime vs lime (another seed), sampled independently."
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.naive_bayes import MultinomialNB
    from skimage import data
    from skimage.transform import resize
    from skimage.segmentation import quickshift
    from lime.lime_tabular import LimeTabularExplainer as TheirTab
    from lime.lime_text import LimeTextExplainer as TheirText
    from lime.lime_image import LimeImageExplainer as TheirImage
    from fromscratchtoml.lime.tabular import LimeTabularExplainer
    from fromscratchtoml.lime.text import LimeTextExplainer
    from fromscratchtoml.lime.image import LimeImageExplainer
    from fromscratchtoml.data import load_20newsgroups

    def report(name, pairs):
        o, t = np.mean([p[0] for p in pairs]), np.mean([p[1] for p in pairs])
        print(f"{name:8s} top-5 Jaccard at {ns} samples over {len(pairs)} instances: "
              f"ours vs lime {o:.3f}, lime vs lime {t:.3f}")

    def top(e, lab=1):
        return [n for n, _ in e.as_list(lab)[:5]]

    if "tabular" in which:
        ds = load_breast_cancer()
        X = ds.data
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X[:400], ds.target[:400])
        kw = dict(feature_names=list(ds.feature_names), class_names=list(ds.target_names))
        pairs = []
        for i in range(400, 410):
            o = LimeTabularExplainer(X[:400], random_state=i, **kw).explain_instance(X[i], clf.predict_proba,
                                                                                     num_samples=ns)
            t1 = TheirTab(X[:400], random_state=i, **kw).explain_instance(X[i], clf.predict_proba,
                                                                          num_samples=ns)
            t2 = TheirTab(X[:400], random_state=i + 99, **kw).explain_instance(X[i], clf.predict_proba,
                                                                               num_samples=ns)
            pairs.append((jaccard(top(o), top(t1)), jaccard(top(t2), top(t1))))
        report("tabular", pairs)
    if "text" in which:
        texts, labels = load_20newsgroups("train", categories=NEWS, progress=False)[:2]
        test = load_20newsgroups("test", categories=NEWS, progress=False)[0]
        tclf = make_pipeline(TfidfVectorizer(lowercase=False), MultinomialNB(alpha=.01)).fit(texts, labels)
        pairs = []
        for i in range(4):
            doc = test[i][:1500]
            o = LimeTextExplainer(random_state=i).explain_instance(doc, tclf.predict_proba, num_samples=ns)
            t1 = TheirText(random_state=i).explain_instance(doc, tclf.predict_proba, num_samples=ns)
            t2 = TheirText(random_state=i + 99).explain_instance(doc, tclf.predict_proba, num_samples=ns)
            pairs.append((jaccard(top(o), top(t1)), jaccard(top(t2), top(t1))))
        report("text", pairs)
    if "image" in which:
        img = resize(data.chelsea(), (100, 150), anti_aliasing=True)
        seg = quickshift(img, kernel_size=4, max_dist=200, ratio=0.2, rng=0)

        def model(x):   # a transparent 'cat' detector: share of orange-fur pixels -> probability
            r, g, b = x[..., 0], x[..., 1], x[..., 2]
            p = 1 / (1 + np.exp(-8 * (((r > g) & (g > b) & (r - b > 0.15)).mean((1, 2)) - 0.6)))
            return np.stack([1 - p, p], 1)

        def itop(e):
            return [f for f, _ in e.local_exp[1][:5]]

        pairs = []
        for s in range(3):
            kw = dict(labels=(1,), top_labels=None, hide_color=0, num_samples=ns, batch_size=500,
                      segmentation_fn=lambda im: seg)
            o = LimeImageExplainer(random_state=s).explain_instance(img, model, **kw)
            t1 = TheirImage(random_state=s).explain_instance(img, model, **kw)
            t2 = TheirImage(random_state=s + 99).explain_instance(img, model, **kw)
            pairs.append((jaccard(itop(o), itop(t1)), jaccard(itop(t2), itop(t1))))
        report("image", pairs)


if __name__ == "__main__":
    if "--agreement" in sys.argv:
        domains = [a for a in sys.argv[1:] if a in ("tabular", "text", "image")]
        agreement(which=domains or ("tabular", "text", "image"))
    else:
        H.main(WORKLOADS, __doc__)

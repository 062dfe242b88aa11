"""Seconds per explanation, fromscratchtoml.lime vs the lime package: same model, same num_samples, same segmentation.

The model's own time is measured separately (every classifier call is timed) and subtracted, so the ratio compares
the explainers' overhead. Run: `python benchmarks/bench_lime.py` (about a minute). Numbers on a shared machine are noisy.
`python benchmarks/bench_lime.py --agreement` measures instead how well our top-5 features agree with lime's at
20000 samples (tabular, text, image), next to lime's agreement with itself under another seed (several minutes).
"""
import os, time, warnings
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("FSTML_DATA_MIRROR", "/usr/share/datasets " + os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data"))
warnings.filterwarnings("ignore")
import numpy as np


class Timed:
    "Wrap a classifier and add up the seconds spent inside it."
    def __init__(self, fn): self.fn, self.seconds = fn, 0.0
    def __call__(self, x):
        t = time.perf_counter(); out = self.fn(x); self.seconds += time.perf_counter() - t; return out


def best_of(run, repeats=3):
    "Min over repeats of (total seconds, model seconds)."
    best = None
    for _ in range(repeats):
        out = run()
        if best is None or out[0] - out[1] < best[0] - best[1]: best = out
    return best


def measure(name, ours, theirs, target, repeats=3):
    o, t = best_of(ours, repeats), best_of(theirs, repeats)
    oo, to = o[0] - o[1], t[0] - t[1]
    print(f"{name:8s} ours {o[0]:7.3f}s (model {o[1]:.3f}s, explainer {oo:.4f}s) | lime {t[0]:7.3f}s "
          f"(model {t[1]:.3f}s, explainer {to:.4f}s) | explainer speed-up {to / oo:5.1f}x "
          f"(end to end {t[0] / o[0]:4.1f}x), target >= {target}x")
    return to / oo


def bench_image():
    from skimage import data
    from skimage.transform import resize
    from skimage.segmentation import quickshift
    from lime.lime_image import LimeImageExplainer as Theirs
    from fromscratchtoml.lime.image import LimeImageExplainer as Ours
    img = resize(data.chelsea(), (224, 224), anti_aliasing=True)
    t = time.perf_counter(); seg = quickshift(img, kernel_size=4, max_dist=200, ratio=0.2, rng=0)
    print(f"image: 224x224 photo, {seg.max() + 1} quickshift superpixels (segmentation {time.perf_counter() - t:.2f}s, "
          "computed once and given to both), 1000 samples, batch_size 100")
    W = np.random.default_rng(0).normal(size=(3, 2))
    def model(x):   # a small linear softmax model on the mean colour of 16x16 blocks
        feats = x.reshape(len(x), 14, 16, 14, 16, 3).mean((2, 4)).mean((1, 2))
        z = feats @ W; z -= z.max(1, keepdims=True); e = np.exp(z); return e / e.sum(1, keepdims=True)
    def run(cls):
        def go():
            f = Timed(model); t = time.perf_counter()
            cls(random_state=0).explain_instance(img, f, top_labels=1, num_samples=1000, batch_size=100,
                                                 segmentation_fn=lambda im: seg)
            return time.perf_counter() - t, f.seconds
        return go
    return measure("image", run(Ours), run(Theirs), 3)


def bench_text():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.pipeline import make_pipeline
    from lime.lime_text import LimeTextExplainer as Theirs
    from fromscratchtoml.lime.text import LimeTextExplainer as Ours
    from fromscratchtoml.data import load_20newsgroups
    cats = ["alt.atheism", "soc.religion.christian"]
    texts, labels = load_20newsgroups("train", categories=cats, progress=False)[:2]
    clf = make_pipeline(TfidfVectorizer(lowercase=False), MultinomialNB(alpha=.01)).fit(texts, labels)
    words = " ".join(load_20newsgroups("test", categories=cats, progress=False)[0][:20]).split()[:300]
    doc = " ".join(words)
    print(f"text: a {len(words)}-word document from 20 Newsgroups, tf-idf + naive Bayes, 5000 samples")
    def run(cls):
        def go():
            f = Timed(clf.predict_proba); t = time.perf_counter()
            cls(random_state=0).explain_instance(doc, f, num_features=10, num_samples=5000)
            return time.perf_counter() - t, f.seconds
        return go
    return measure("text", run(Ours), run(Theirs), 5)


def bench_tabular():
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from lime.lime_tabular import LimeTabularExplainer as Theirs
    from fromscratchtoml.lime.tabular import LimeTabularExplainer as Ours
    ds = load_breast_cancer(); X = ds.data[:, :20]
    clf = LogisticRegression(max_iter=5000).fit(X, ds.target)
    print("tabular: breast cancer, 20 features, logistic regression, quartile bins, 5000 samples")
    def run(cls):
        ex = cls(X, feature_names=list(ds.feature_names[:20]), random_state=0)   # built once, like a user would
        def go():
            f = Timed(clf.predict_proba); t = time.perf_counter()
            ex.explain_instance(X[0], f, num_features=10, num_samples=5000)
            return time.perf_counter() - t, f.seconds
        return go
    return measure("tabular", run(Ours), run(Theirs), 3, repeats=5)


def jaccard(a, b): a, b = set(a), set(b); return len(a & b) / len(a | b)


def agreement(ns=20000, which=("tabular", "text", "image")):
    "Top-5 Jaccard overlap, ours vs lime (same seed index) and lime vs lime (another seed), with independent sampling."
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
        o, l = np.mean([p[0] for p in pairs]), np.mean([p[1] for p in pairs])
        print(f"{name:8s} top-5 Jaccard at {ns} samples over {len(pairs)} instances: ours vs lime {o:.3f}, lime vs lime {l:.3f}")
    top = lambda e, lab=1: [n for n, _ in e.as_list(lab)[:5]]
    ds = load_breast_cancer(); X = ds.data
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X[:400], ds.target[:400])
    kw = dict(feature_names=list(ds.feature_names), class_names=list(ds.target_names))
    pairs = []
    for i in range(400, 410 if "tabular" in which else 400):
        o = LimeTabularExplainer(X[:400], random_state=i, **kw).explain_instance(X[i], clf.predict_proba, num_samples=ns)
        t1 = TheirTab(X[:400], random_state=i, **kw).explain_instance(X[i], clf.predict_proba, num_samples=ns)
        t2 = TheirTab(X[:400], random_state=i + 99, **kw).explain_instance(X[i], clf.predict_proba, num_samples=ns)
        pairs.append((jaccard(top(o), top(t1)), jaccard(top(t2), top(t1))))
    if pairs: report("tabular", pairs)
    cats = ["alt.atheism", "soc.religion.christian"]
    texts, labels = load_20newsgroups("train", categories=cats, progress=False)[:2]
    test = load_20newsgroups("test", categories=cats, progress=False)[0]
    tclf = make_pipeline(TfidfVectorizer(lowercase=False), MultinomialNB(alpha=.01)).fit(texts, labels)
    pairs = []
    for i in range(4 if "text" in which else 0):
        doc = test[i][:1500]
        o = LimeTextExplainer(random_state=i).explain_instance(doc, tclf.predict_proba, num_samples=ns)
        t1 = TheirText(random_state=i).explain_instance(doc, tclf.predict_proba, num_samples=ns)
        t2 = TheirText(random_state=i + 99).explain_instance(doc, tclf.predict_proba, num_samples=ns)
        pairs.append((jaccard(top(o), top(t1)), jaccard(top(t2), top(t1))))
    if pairs: report("text", pairs)
    img = resize(data.chelsea(), (100, 150), anti_aliasing=True)
    seg = quickshift(img, kernel_size=4, max_dist=200, ratio=0.2, rng=0)
    def model(x):   # a transparent 'cat' detector: share of orange-fur pixels -> probability
        r, g, b = x[..., 0], x[..., 1], x[..., 2]
        p = 1 / (1 + np.exp(-8 * (((r > g) & (g > b) & (r - b > 0.15)).mean((1, 2)) - 0.6)))
        return np.stack([1 - p, p], 1)
    itop = lambda e: [f for f, _ in e.local_exp[1][:5]]
    pairs = []
    for s in range(3 if "image" in which else 0):
        kw = dict(labels=(1,), top_labels=None, hide_color=0, num_samples=ns, batch_size=500,
                  segmentation_fn=lambda im: seg)
        o = LimeImageExplainer(random_state=s).explain_instance(img, model, **kw)
        t1 = TheirImage(random_state=s).explain_instance(img, model, **kw)
        t2 = TheirImage(random_state=s + 99).explain_instance(img, model, **kw)
        pairs.append((jaccard(itop(o), itop(t1)), jaccard(itop(t2), itop(t1))))
    if pairs: report("image", pairs)


if __name__ == "__main__":
    import sys
    if "--agreement" in sys.argv:
        domains = [a for a in sys.argv[1:] if a in ("tabular", "text", "image")]
        agreement(which=domains or ("tabular", "text", "image")); sys.exit()
    ratios = {"image": bench_image(), "text": bench_text(), "tabular": bench_tabular()}
    print("speed-ups (explainer time, model excluded): " + ", ".join(f"{k} {v:.1f}x" for k, v in ratios.items()))

"LimeTextExplainer against lime's on a 20 Newsgroups classifier, tokenisation parity, determinism and bad inputs."
import os
import numpy as np
import pytest
from conftest import oracle

oracle("lime", "sklearn")   # lime is the oracle throughout, explaining a scikit-learn model
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import make_pipeline
from lime.lime_text import LimeTextExplainer as TheirExplainer, IndexedString as TheirIndexedString
from fromscratchtoml.data import load_20newsgroups
from fromscratchtoml.lime import LimeTextExplainer
from fromscratchtoml.lime.text import IndexedString

os.environ.setdefault("FSTML_DATA_MIRROR", "/usr/share/datasets " + os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
CATS = ["alt.atheism", "soc.religion.christian"]


@pytest.fixture(scope="module")
def model():
    texts, labels, names = load_20newsgroups("train", categories=CATS, progress=False)[:3]
    test_texts = load_20newsgroups("test", categories=CATS, progress=False)[0]
    clf = make_pipeline(TfidfVectorizer(lowercase=False), MultinomialNB(alpha=.01)).fit(texts, labels)
    return clf, test_texts, list(names)


def test_indexed_string_matches_lime():
    text = "Hello, world! The world is big; hello again... and again"
    for bow in (True, False):
        ours, theirs = IndexedString(text, bow=bow), TheirIndexedString(text, bow=bow)
        assert ours.inverse_vocab == theirs.inverse_vocab
        for i in range(ours.num_words()):
            np.testing.assert_array_equal(np.ravel(ours.string_position(i)), np.ravel(theirs.string_position(i)))
        for remove in ([0], [1, 3], list(range(ours.num_words()))):
            assert ours.inverse_removing(remove) == theirs.inverse_removing(remove)


def test_neighbourhood_structure():
    ex = LimeTextExplainer(random_state=0)
    data = ex._sample(40, 5000)
    assert (data[0] == 1).all()
    removed = (data[1:] == 0).sum(1)
    assert removed.min() >= 1 and removed.max() <= 40
    # the number of removed words is uniform on 1..40 and every word is removed equally often
    assert abs(removed.mean() - 20.5) < 0.6
    assert np.abs((data[1:] == 0).mean(0) - 20.5 / 40).max() < 0.04


def test_top_words_agree_with_lime(model):
    clf, test_texts, names = model
    ours_vs_lime, lime_vs_lime = [], []
    for i in range(3):
        text = test_texts[i][:1500]
        o = LimeTextExplainer(class_names=names, random_state=i).explain_instance(text, clf.predict_proba, num_samples=2000)
        t1 = TheirExplainer(class_names=names, random_state=i).explain_instance(text, clf.predict_proba, num_samples=2000)
        t2 = TheirExplainer(class_names=names, random_state=i + 50).explain_instance(text, clf.predict_proba, num_samples=2000)
        top = lambda e: {w for w, _ in e.as_list(1)[:5]}
        ours_vs_lime.append(len(top(o) & top(t1)) / len(top(o) | top(t1)))
        lime_vs_lime.append(len(top(t2) & top(t1)) / len(top(t2) | top(t1)))
        np.testing.assert_allclose(o.predict_proba, t1.predict_proba)
    print(f"top-5 Jaccard ours vs lime {np.mean(ours_vs_lime):.3f}, lime vs lime {np.mean(lime_vs_lime):.3f}")
    assert np.mean(ours_vs_lime) >= np.mean(lime_vs_lime) - 0.2, (ours_vs_lime, lime_vs_lime)


def test_html_and_determinism(model):
    clf, test_texts, names = model
    text = test_texts[0][:600]
    a = LimeTextExplainer(class_names=names, random_state=1).explain_instance(text, clf.predict_proba, num_samples=300)
    b = LimeTextExplainer(class_names=names, random_state=1).explain_instance(text, clf.predict_proba, num_samples=300)
    assert a.as_list(1) == b.as_list(1) and a.intercept == b.intercept
    page = a.as_html(1)
    assert all(w in page for w, _ in a.as_list(1)) and "<span" in page and "rgba(" in page


def test_bad_inputs(model):
    clf = model[0]
    ex = LimeTextExplainer(random_state=0)
    for empty in ("", "  ...  !!"):
        with pytest.raises(ValueError, match="no words to explain"):
            ex.explain_instance(empty, clf.predict_proba)
    with pytest.raises(TypeError, match="text must be a str"):
        ex.explain_instance(["a list"], clf.predict_proba)
    with pytest.raises(ValueError, match="num_samples must be an integer >= 2"):
        ex.explain_instance("god is good", clf.predict_proba, num_samples=0)
    with pytest.raises(ValueError, match=r"shape \(50, n_classes\)"):
        ex.explain_instance("god is good", clf.predict, num_samples=50)
    with pytest.raises(ValueError, match="must return probabilities"):
        ex.explain_instance("god is good", lambda t: np.full((len(t), 2), 3.0), num_samples=50)
    with pytest.raises(ValueError, match=r"labels \[5\] are not in the model's output"):
        ex.explain_instance("god is good", clf.predict_proba, labels=(5,), num_samples=50)

"""lime habits: tabular, text and image explanations offer `as_html`, `save_to_file` and `show_in_notebook` with
lime's arguments; the HTML is self-contained (no script, nothing fetched), renders in the book's pages, and is
opened in Chromium (skipped without a browser unless FSTML_REQUIRE_BROWSER=1)."""
import base64, inspect, re, sys, zlib
from pathlib import Path

import nbformat
import numpy as np
import pytest
from conftest import oracle

from fromscratchtoml.lime import LimeImageExplainer, LimeTabularExplainer, LimeTextExplainer
from fromscratchtoml.lime.base import Explanation
from fromscratchtoml.lime.image import grid_segments
from fromscratchtoml.lime.render import png_data_uri

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / ".ci"))
import browser_check, build_site  # noqa: E402

RNG = np.random.default_rng(0)
X_TAB = RNG.normal(size=(200, 4))


def tabular_model(Z):
    p = 1 / (1 + np.exp(-(2 * Z[:, 0] - Z[:, 2])))
    return np.c_[1 - p, p]


def text_model(texts):
    p = np.array([0.15 + 0.7 * ("good" in t) for t in texts])
    return np.c_[1 - p, p]


def image_model(images):
    s = 1 / (1 + np.exp(-20 * (images[:, :14].mean((1, 2, 3)) - 0.5)))
    return np.c_[1 - s, s]


@pytest.fixture(scope="module")
def explanations():
    X_cat = X_TAB.copy()
    X_cat[:, 3] = RNG.integers(0, 3, len(X_cat))
    tab = LimeTabularExplainer(X_cat, feature_names=["age", "size <b>", "weight", "colour"],
                               class_names=["no", "sí"], categorical_features=[3],
                               categorical_names={3: ["red", "green", "blue"]}, random_state=0)
    text = LimeTextExplainer(class_names=["bad", "good"], random_state=0)
    image = LimeImageExplainer(random_state=0)
    img = RNG.random((28, 28, 3))
    return {
        "tabular": tab.explain_instance(X_cat[0], tabular_model, labels=(0, 1), num_samples=500),
        "text": text.explain_instance("a good film & a good <cast>\nthe end", text_model, num_samples=300),
        "image": image.explain_instance(img, image_model, top_labels=2, num_samples=200,
                                        segmentation_fn=lambda x: grid_segments(x.shape[:2], 7)),
    }


KINDS = ["tabular", "text", "image"]


def test_lime_signatures_are_accepted():
    "Every argument of lime's three methods is an argument of ours, in the same position."
    lime_exp = oracle("lime.explanation")
    for name in ("as_html", "save_to_file", "show_in_notebook"):
        theirs = [p for p in inspect.signature(getattr(lime_exp.Explanation, name)).parameters
                  if p not in ("self", "kwargs")]
        ours = [p for p in inspect.signature(getattr(Explanation, name)).parameters if p not in ("self", "kwargs")]
        assert ours[:len(theirs)] == theirs, (name, theirs, ours)


@pytest.mark.parametrize("kind", KINDS)
def test_as_html_is_a_self_contained_page(explanations, kind):
    page = explanations[kind].as_html()
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "<script" not in page.lower() and not build_site.check_offline(page, kind)
    assert not re.search(r"""(src|href)=["'](https?:)?//""", page)
    assert "Prediction probabilities" in page and page.count('class="weights"') >= 1


@pytest.mark.parametrize("kind", KINDS)
def test_save_to_file_writes_as_html(explanations, kind, tmp_path):
    exp = explanations[kind]
    path = tmp_path / f"{kind}.html"
    assert exp.save_to_file(path, labels=[1], predict_proba=False) is None
    assert path.read_text(encoding="utf-8") == exp.as_html(labels=[1], predict_proba=False)


@pytest.mark.parametrize("kind", KINDS)
def test_show_in_notebook_displays_the_fragment(explanations, kind, monkeypatch):
    shown = []
    import IPython.display
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    explanations[kind].show_in_notebook(labels=[1], dark_mode=True)
    (obj,) = shown
    assert obj.data.startswith('<div class="fstml-lime">') and "#eee" in obj.data and "<html" not in obj.data


def test_labels_predict_proba_and_domain_arguments(explanations):
    tab, text, image = (explanations[k] for k in KINDS)
    both = tab.as_html()
    assert both.count('class="weights"') == 2 and "Explanation for class sí" in both
    one = tab.as_html(labels=[0], predict_proba=False)
    assert one.count('class="weights"') == 1 and "Prediction probabilities" not in one
    assert tab.as_html(labels=1) == tab.as_html(labels=[1])
    assert "Feature values" in both and "Feature values" not in tab.as_html(show_table=False)
    assert "<td>green</td>" in tab.as_html(show_all=True)   # the category's name, not its code
    assert "size &lt;b&gt;" in tab.as_html(show_all=True) and "size <b>" not in tab.as_html(show_all=True)
    assert "<span" in text.as_html() and "<span" not in text.as_html(text=False)
    assert "&lt;" in text.as_html() and "<cast>" not in text.as_html()   # the text's own markup is escaped
    assert text.as_html(num_features=1).count("<span") == 2      # 'good' appears twice in the text
    assert text.as_html(opacity=False).count("0.60)") >= 1
    assert "data:image/png;base64," in image.as_html() and "data:image" in image.as_html(positive_only=True)
    with pytest.raises(KeyError, match="not explained"):
        tab.as_html(labels=[5])
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        tab.as_html(text=False)
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        text.as_html(show_table=False)


def test_regression_shows_the_predicted_value():
    model = lambda Z: Z[:, 0] * 3 + Z[:, 1]
    exp = LimeTabularExplainer(X_TAB, mode="regression", random_state=0).explain_instance(
        X_TAB[0], model, num_samples=300)
    page = exp.as_html()
    assert "Predicted value" in page and page.count('class="weights"') == 1
    assert "Predicted value" not in exp.as_html(show_predicted_value=False)


def test_png_data_uri_decodes_to_the_pixels():
    rgb = RNG.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    png = base64.b64decode(png_data_uri(rgb).split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    idat = png[png.index(b"IDAT") + 4:png.index(b"IEND") - 8]      # one IDAT chunk, then its CRC and IEND's length
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(5, 1 + 7 * 3)
    assert (rows[:, 0] == 0).all() and (rows[:, 1:].reshape(5, 7, 3) == rgb).all()


def _open(chromium, url):
    "Load `url` in headless Chromium: what it requested, its console errors, and facts read from the page."
    from playwright.sync_api import sync_playwright
    requests, errors = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=browser_check.CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url)
            page.wait_for_load_state("load")
            facts = page.evaluate("""() => ({
                visible: [...document.querySelectorAll('.fstml-lime')].map(e => e.getBoundingClientRect().height),
                bars: [...document.querySelectorAll('.fstml-lime .bar')].map(e => e.getBoundingClientRect().width),
                images: [...document.querySelectorAll('.fstml-lime img')].map(i => [i.complete, i.naturalWidth]),
                marks: document.querySelectorAll('.fstml-lime span[title]').length,
                rows: document.querySelectorAll('.fstml-lime .table tr').length,
            })""")
        finally:
            browser.close()
    return requests, errors, facts


@pytest.mark.parametrize("kind", KINDS)
def test_saved_explanation_in_chromium(explanations, kind, chromium, tmp_path):
    path = tmp_path / f"{kind}.html"
    explanations[kind].save_to_file(path)
    requests, errors, facts = _open(chromium, path.as_uri())
    assert not errors, errors
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    assert facts["visible"] and facts["visible"][0] > 50
    assert sum(w > 1 for w in facts["bars"]) >= 3, facts["bars"]
    if kind == "image":
        assert facts["images"] == [[True, 28 * 5]], facts["images"]
    if kind == "text":
        assert facts["marks"] >= 2
    if kind == "tabular":
        assert facts["rows"] >= 2


def test_show_in_notebook_renders_in_the_book(explanations, chromium, tmp_path, monkeypatch):
    "The fragment a notebook shows goes through the book's own HTML export and still draws, offline."
    shown = []
    import IPython.display
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    for kind in KINDS:
        explanations[kind].show_in_notebook()
    outputs = [nbformat.v4.new_output("display_data", data={"text/html": obj.data}) for obj in shown]
    cell = nbformat.v4.new_code_cell("exp.show_in_notebook()")
    cell.outputs = outputs
    nb = nbformat.v4.new_notebook(cells=[cell])
    body = build_site.to_html(nb, tmp_path / "chapter.ipynb")
    assert not build_site.check_offline(body, "chapter")
    assert body.count('<div class="fstml-lime">') == 3
    page = tmp_path / "chapter.html"
    page.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{body}</body></html>',
                    encoding="utf-8")
    requests, errors, facts = _open(chromium, page.as_uri())
    assert not errors, errors
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    assert len(facts["visible"]) == 3 and min(facts["visible"]) > 50
    assert facts["images"] == [[True, 28 * 5]] and facts["marks"] >= 2 and facts["rows"] >= 2

"""Tests of the publishing scripts in .ci/ (sync check, README generation, site builder, browser check).

The tests that open pages in Chromium are skipped, with one line saying how to install it, where Chromium
is missing, unless FSTML_REQUIRE_BROWSER=1 (as in CI), which makes a missing browser an error.
"""
import json, os, shutil, subprocess, sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / ".ci"))
import browser_check, build_site, check_sync, nbdoc  # noqa: E402


def _code(src, outputs=()):
    c = nbformat.v4.new_code_cell(src)
    c.outputs = list(outputs)
    return c


def test_quarto_options_hide_what_quarto_hides():
    out = nbformat.v4.new_output("stream", text="shown\n")
    nb = nbformat.v4.new_notebook(cells=[
        _code("#| echo: false\nprint('x')", [out]), _code("#| include: false\nsecret = 1"),
        _code("#| output: false\nnoisy()", [out]), _code("#| output: asis\nshow_doc(f)", [out]),
        _code("plain = 2")])
    nb = nbdoc.apply_quarto_options(nb)
    assert [c.source for c in nb.cells] == ["print('x')", "noisy()", "show_doc(f)", "plain = 2"]
    assert nb.cells[0].metadata["fstml_hide_input"] and nb.cells[0].outputs == [out]
    assert nb.cells[1].outputs == [] and nb.cells[2].metadata["fstml_asis"]


def test_html_names_follow_nbdev():
    assert nbdoc.html_name("00_core.ipynb") == "core.html"
    assert nbdoc.html_name("index.ipynb") == "index.html"
    assert nbdoc.html_name("10_deep_neural_networks.ipynb") == "deep_neural_networks.html"


def test_readme_links_point_into_nbs():
    md = "[Core](00_core.ipynb) [web](https://x.org/a.ipynb) [anchor](01_data.ipynb#idx)"
    got = nbdoc._re_link.sub(lambda m: f"{m.group(1)}nbs/{m.group(2)}{m.group(3) or ''}{m.group(4)}", md)
    assert got == "[Core](nbs/00_core.ipynb) [web](https://x.org/a.ipynb) [anchor](nbs/01_data.ipynb#idx)"


def test_readme_is_generated_from_index(tmp_path):
    "The README the repository holds is exactly what the index notebook gives (what check-sync enforces)."
    text = nbdoc.readme_markdown(ROOT / "nbs" / "index.ipynb")
    for needed in ("make test", "make book", "make lab", "FSTML_DATA_HOME", "FSTML_DATA_MIRROR",
                   "import fromscratchtoml", "nbs/00_core.ipynb"):
        assert needed in text, needed
    assert (ROOT / "README.md").read_text(encoding="utf-8") == text, "README.md is stale: run `make readme`"


def test_write_atomic_leaves_no_temporary(tmp_path):
    p = tmp_path / "R.md"
    nbdoc.write_atomic(p, "one")
    nbdoc.write_atomic(p, "two")
    assert p.read_text() == "two" and [q.name for q in tmp_path.iterdir()] == ["R.md"]


def test_compare_finds_new_removed_and_changed(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    files = {a: {"same.py": "x", "sub/edit.py": "1", "gone.py": ""},
             b: {"same.py": "x", "sub/edit.py": "2", "new.py": "", "__pycache__/c.pyc": ""}}
    for folder, contents in files.items():
        for name, text in contents.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text)
    assert check_sync._compare(a, b) == [("removed", "gone.py"), ("new", "new.py"), ("changed", "sub/edit.py")]


def test_cells_to_skip_like_nbdev_test():
    nb = nbformat.v4.new_notebook(cells=[_code("#| eval: false\nboom()"), _code("#| slow\ntrain()"),
                                         _code("#|eval:false\nboom()"), _code("fine()"),
                                         nbformat.v4.new_markdown_cell("#| slow")])
    assert build_site._cells_to_skip(nb, quick=True) == [0, 1, 2]
    assert build_site._cells_to_skip(nb, quick=False) == [0, 2]


def test_select_notebooks_skips_missing_and_puts_index_first(tmp_path, capsys):
    for n in ("10_b.ipynb", "00_a.ipynb", "index.ipynb", "_draft.ipynb", "api/x.ipynb", "_private/y.ipynb"):
        (tmp_path / n).parent.mkdir(exist_ok=True)
        (tmp_path / n).write_text("{}")
    got = build_site.select_notebooks(tmp_path, [])
    want = ["index.ipynb", "00_a.ipynb", "10_b.ipynb", "api/x.ipynb"]
    assert [p.relative_to(tmp_path).as_posix() for p in got] == want
    names = [str(tmp_path / "10_b.ipynb"), "99_not_yet.ipynb", str(tmp_path / "index.ipynb")]
    got = build_site.select_notebooks(tmp_path, names)
    assert [p.name for p in got] == ["index.ipynb", "10_b.ipynb"]
    assert "skipping 99_not_yet.ipynb" in capsys.readouterr().out


def test_offline_check_catches_cdn_and_remote_loads():
    ok = '<script src="mathjax/MathJax.js"></script><a href="https://nbdev.fast.ai">x</a>'
    assert build_site.check_offline(ok, "p") == []
    bad = ['<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>',
           '<link rel="stylesheet" href="//fonts.googleapis.com/css">', '<img src="http://example.org/a.png">',
           "require.config({paths: {x: 'https://unpkg.com/x'}})"]
    for b in bad:
        assert build_site.check_offline(b, "p"), b


def _page(body="", title="T", out="index.html", description="", site="S"):
    pages = [{"title": title, "out": out, "description": description}]
    return build_site.render_page(build_site.templates(), site, pages, 0, body)


def test_page_mathjax_config_keeps_tex_delimiters():
    "The MathJax config must hand `\\\\(`, not `(`, to MathJax (otherwise any parenthesis becomes maths)."
    config = (build_site.SITE_FILES / "static" / "mathjax-config.js").read_text()
    assert '["\\\\(", "\\\\)"]' in config and '["$$", "$$"]' in config
    page = _page()
    mathjax = 'src="mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"'
    assert mathjax in page and page.index('src="mathjax-config.js"') < page.index(mathjax)


def test_page_template_escapes_titles_and_links_pages_from_subfolders():
    pages = [{"title": "Intro", "out": "index.html", "description": ""},
             {"title": "`nn`: layers <and> losses", "out": "api/nn.html", "description": 'a "summary"'}]
    page = build_site.render_page(build_site.templates(), "Book & co", pages, 1, "<p>BODY</p>")
    assert "<title>nn: layers &lt;and&gt; losses – Book &amp; co</title>" in page
    assert '<meta name="description" content="a &#34;summary&#34;">' in page
    assert "<h1 class=\"title\"><code>nn</code>: layers &lt;and&gt; losses</h1>" in page
    assert "<p>BODY</p>" in page and 'data-root="../"' in page and 'href="../site.css"' in page
    assert '<li class="current">\n<a href="../api/nn.html">' in page
    assert '<a class="prev" href="../index.html">← Intro</a>' in page and 'class="next"' not in page
    assert 'id="search-input"' in page and 'src="../search.js"' in page


def test_search_index_has_a_section_per_heading_and_skips_program_output():
    body = ("<div><p>Intro text about <code>softmax</code>.</p></div>"
            '<h2 id="The-Loss">The <code>Loss</code><a class="anchor-link" href="#The-Loss">¶</a></h2>'
            "<p>Cross</p><p>entropy and <em>more</em>.</p>"
            '<div class="output_area"><div class="output_subarea output_stream output_text">'
            '<pre>noise 123</pre></div></div>'
            '<div class="highlight"><pre><span class="n">np</span><span class="o">.</span>'
            '<span class="n">exp</span></pre></div><!-- a comment --><script>var hidden = 1;</script>'
            '<h3 id="empty">Empty</h3>')
    got = build_site.page_sections(body, "Page")
    assert got == [{"h": "Page", "a": "", "x": "Intro text about softmax."},
                   {"h": "The Loss", "a": "The-Loss", "x": "Cross entropy and more. np.exp"},
                   {"h": "Empty", "a": "empty", "x": ""}]
    js = build_site.search_index_js([{"title": "`x` page", "out": "api/x.html", "sections": got}])
    assert js.startswith("window.SEARCH_INDEX = {") and js.endswith("};\n")
    index = json.loads(js[len("window.SEARCH_INDEX = "):].strip().rstrip(";"))
    assert index["pages"] == [{"title": "x page", "url": "api/x.html"}]
    assert {s["p"] for s in index["sections"]} == {0}
    assert browser_check.search_word(index, "api/x.html") == "softmax"


def test_browser_check_skips_without_chromium_unless_required(tmp_path):
    "Without a browser: one SKIPPED line and exit 0, or with FSTML_REQUIRE_BROWSER=1 a failure."
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>x</title>")
    env = {k: v for k, v in os.environ.items() if k != "FSTML_REQUIRE_BROWSER"}
    env["CHROMIUM"] = str(tmp_path / "no-chromium-here")
    cmd = [sys.executable, str(ROOT / ".ci" / "browser_check.py"), str(tmp_path)]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = (r.stdout + r.stderr).strip().splitlines()
    assert len(lines) == 1 and "SKIPPED" in lines[0] and "apt-get install chromium" in lines[0], lines
    assert "no-chromium-here is not an executable file" in lines[0]
    env["FSTML_REQUIRE_BROWSER"] = "1"
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "FAILED" in r.stderr and "FSTML_REQUIRE_BROWSER=1" in r.stderr, r.stderr
    assert "apt-get install chromium" in r.stderr, r.stderr


def test_mathjax_subset_is_complete(tmp_path):
    build_site.copy_mathjax(tmp_path)
    for f in ("MathJax.js", "config/TeX-AMS-MML_HTMLorMML-full.js",
              "jax/output/HTML-CSS/fonts/STIX-Web/fontdata.js",
              "fonts/HTML-CSS/STIX-Web/woff/STIXMathJax_Main-Regular.woff",
              "jax/element/mml/optable/BasicLatin.js"):
        assert (tmp_path / f).is_file(), f
    assert not (tmp_path / "extensions" / "a11y").exists()  # only what the pages use


def test_pandoc_link_attributes_become_links():
    md = '[source](https://github.com/o/r/blob/main/m.py#L3){target="_blank" style="float:right"}\n### f'
    assert build_site._pandoc_links(md) == "[source](https://github.com/o/r/blob/main/m.py#L3)\n### f"


def _one_page_site(tmp_path, body, timeout, *args, assets=False):
    "A site of one page as build_site writes it (with its assets if asked); (site folder, browser_check's run)."
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "index.html").write_text(_page(body))
    if assets:
        page = {"title": "T", "out": "index.html", "sections": build_site.page_sections(body, "T")}
        assert build_site.write_assets(site, [page]) == []
    cmd = [sys.executable, str(ROOT / ".ci" / "browser_check.py"), str(site), "--timeout", str(timeout), *args]
    return site, subprocess.run(cmd, capture_output=True, text=True, timeout=180)


def test_browser_check_fails_on_untypeset_maths(tmp_path, chromium):
    "A page whose MathJax is missing shows raw TeX: the browser check must fail and say so."
    body = ("<p>A formula: $$\\frac{a}{b}$$ and more text. " + "Filler text. " * 30 + "</p>"
            '<p><a href="index.html#top">here</a>, <a href="https://example.org/">there</a>, '
            '<a href="nowhere.html">a dead link</a></p>')
    site, r = _one_page_site(tmp_path, body, 5, "--links")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "raw TeX '$$' is visible" in r.stderr and "MathJax did not finish" in r.stderr, r.stderr
    assert "links to missing pages: ['nowhere.html']" in r.stderr, r.stderr
    assert "search: search_index.js is missing from the site" in r.stderr, r.stderr
    assert (site / "screenshots" / "index.png").is_file()


def test_check_sync_reports_stale_module_and_dirty_notebook(tmp_path):
    "A module whose notebook is gone, and a notebook with outputs' execution counts, are both reported."
    root = tmp_path / "proj"
    (root / "nbs").mkdir(parents=True)
    (root / "fromscratchtoml").mkdir()
    shutil.copy(ROOT / "settings.ini", root / "settings.ini")
    (root / "fromscratchtoml" / "__init__.py").write_text('__version__ = "0.1.0"\n')
    (root / "fromscratchtoml" / "old.py").write_text(
        "# AUTOGENERATED! DO NOT EDIT! File to edit: ../nbs/09_old.ipynb.\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T\n> s"), _code("1 + 1")])
    nb.cells[1].execution_count = 3
    nbformat.write(nb, root / "nbs" / "index.ipynb")
    shutil.copy(root / "nbs" / "index.ipynb", tmp_path / "before.ipynb")
    problems = check_sync.check(root)
    text = "\n".join(problems)
    assert "fromscratchtoml/old.py was exported from ../nbs/09_old.ipynb" in text, text
    assert "nbs/index.ipynb is not clean" in text and "README.md is missing" in text, text
    # the tree is left untouched
    assert (root / "nbs" / "index.ipynb").read_bytes() == (tmp_path / "before.ipynb").read_bytes()


def test_browser_check_passes_typeset_page_with_tex_in_code_and_search(tmp_path, chromium):
    "Typeset prose passes, TeX inside code (a plot label) is not mistaken for untypeset maths, search finds."
    body = ("<p>A formula: $$\\frac{\\partial L}{\\partial z} = \\hat y - y$$ and $\\mathbb R^n$. "
            + "Filler text. " * 30 + "</p>"
            '<pre><code>ax.set_ylabel(r"$\\|\\partial L / \\partial h_t\\|$")</code></pre>'
            '<h2 id="Gradients">Gradients<a class="anchor-link" href="#Gradients">¶</a></h2>'
            "<p>" + "More text about backpropagation. " * 10 + "</p>")
    site, r = _one_page_site(tmp_path, body, 30, "--search", "backpropagation", assets=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "formulas   2/2" in r.stdout, r.stdout
    assert "'backpropagation': 1 result(s), expected index.html" in r.stdout, r.stdout
    assert (site / "screenshots" / "search.png").is_file()


def test_titles_render_code_spans():
    assert build_site.inline_html("`nn.losses`: a <b>") == "<code>nn.losses</code>: a &lt;b&gt;"
    assert build_site.plain_text('`nn.losses`: "x"') == 'nn.losses: "x"'
    got = build_site.inline_html("see [Neural networks](../11_x.ipynb)")
    assert got == 'see <a href="../11_x.ipynb">Neural networks</a>'
    assert build_site.plain_text("see [Neural networks](../11_x.ipynb)") == "see Neural networks"


def test_links_to_notebooks_keep_their_folder():
    fix = build_site._link_fixer({})
    assert fix('<a href="../11_neural_networks.ipynb#sec">') == '<a href="../neural_networks.html#sec">'
    assert fix('<a href="api/nn_losses.ipynb">') == '<a href="api/nn_losses.html">'
    assert fix('<a href="https://x.org/a.ipynb">') == '<a href="https://x.org/a.ipynb">'

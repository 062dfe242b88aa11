#!/usr/bin/env python3
"""Build one reveal.js deck per workshop block from the cells of the block's chapters marked for slides.

A cell is on a slide when its metadata holds Jupyter's own mark, `slideshow.slide_type` (set in JupyterLab's
property inspector; nbconvert's slides exporter reads the same key): `slide` and `subslide` start a new
slide, `-` continues the current one, `fragment` appears on the next key press; unmarked cells and `skip`
stay out. Markdown is rendered with nbconvert's Markdown filter (TeX left for MathJax), code is shown without
its `#|` directives and is not executed: the decks are for talking, the notebooks for running.

reveal.js comes from npm (the pinned version below, installed into a build folder) and MathJax from the
jupyter-server-mathjax package, both copied next to the decks: a room without Wi-Fi shows them all.

Usage: `python .ci/make_slides.py --out _build/slides` (`make slides`); writes OUT/<block>.html and OUT/index.html.
"""
from __future__ import annotations
import argparse, html, json, os, re, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REVEAL_VERSION = "5.2.1"
REVEAL_FILES = ["dist/reveal.css", "dist/reveal.js", "dist/theme/white.css", "dist/theme/fonts/source-sans-pro",
                "LICENSE"]
sys.path.insert(0, str(ROOT / ".ci"))
sys.path.insert(0, str(ROOT))

_re_directive = re.compile(r"^\s*#\s*\|.*\n?", re.M)

DECK = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="reveal.js/dist/reveal.css">
<link rel="stylesheet" href="reveal.js/dist/theme/white.css">
<style>
.reveal {{ font-size: 28px; }}
.reveal h1 {{ font-size: 1.8em; }} .reveal h2 {{ font-size: 1.4em; }} .reveal h3 {{ font-size: 1.15em; }}
.reveal section {{ text-align: left; }}
.reveal pre {{ width: 100%; font-size: 0.5em; box-shadow: none; }}
.reveal pre code {{ max-height: 560px; padding: 0.6em; background: #f7f7f7; }}
.reveal table {{ font-size: 0.6em; }}
.reveal .anchor-link {{ display: none; }}
{pygments}
</style>
<script src="mathjax-config.js"></script>
<script src="mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"></script>
</head>
<body>
<div class="reveal"><div class="slides">
{slides}
</div></div>
<script src="reveal.js/dist/reveal.js"></script>
<script>
// Typeset every slide before reveal.js lays them out, so formulas have their sizes when a slide is shown.
MathJax.Hub.Queue(function () {{
  Reveal.initialize({{hash: true, width: 1280, height: 800, margin: 0.04, center: false, slideNumber: "c/t",
                     transition: "none"}});
}});
</script>
</body>
</html>
"""


def blocks() -> list[dict]:
    from fromscratchtoml.workshop import BLOCKS
    return list(BLOCKS)


def vendor_reveal(dest: Path, cache: Path) -> None:
    "Install the pinned reveal.js from npm into `cache` (once) and copy what the decks use into `dest`."
    pkg = cache / "node_modules" / "reveal.js"
    have = json.loads((pkg / "package.json").read_text())["version"] if (pkg / "package.json").exists() else None
    if have != REVEAL_VERSION:
        if shutil.which("npm") is None:
            raise SystemExit("make_slides: npm is needed once to fetch reveal.js (apt-get install npm)")
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", str(cache),
                        f"reveal.js@{REVEAL_VERSION}"], check=True)
    for f in REVEAL_FILES:
        s, d = pkg / f, dest / "reveal.js" / f
        if s.is_dir(): shutil.copytree(s, d, dirs_exist_ok=True)
        else:
            d.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(s, d)


def cell_html(cell) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer
    src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    if cell["cell_type"] == "markdown":
        src = re.sub(r"^> ", "", src, flags=re.M)  # nbdev's summary line reads as a subtitle
        return markdown2html_mistune(src)
    code = _re_directive.sub("", src).strip("\n")
    return f'<pre><code>{highlight(code, PythonLexer(), HtmlFormatter(nowrap=True))}</code></pre>'


def deck_sections(block: dict, nbs: Path) -> list[str]:
    "The <section>s of one block: a title slide, then the marked cells of its chapters in order."
    chapters = ", ".join(f"chapter {c.split('_')[0]}" for c in block["chapters"])
    sections = [f'<section><h1>{html.escape(block["title"])}</h1><p>{block["minutes"]} minutes · '
                f'{html.escape(chapters)} · the notebooks run in quick mode (<code>make workshop</code>)</p></section>']
    for stem in block["chapters"]:
        nb = json.loads((nbs / f"{stem}.ipynb").read_text(encoding="utf-8"))
        current = None
        for cell in nb["cells"]:
            kind = cell.get("metadata", {}).get("slideshow", {}).get("slide_type")
            if kind in (None, "skip", "notes"): continue
            if kind in ("slide", "subslide") or current is None:
                if current is not None: sections.append("<section>" + "\n".join(current) + "</section>")
                current = []
            body = cell_html(cell)
            current.append(f'<div class="fragment">{body}</div>' if kind == "fragment" else body)
        if current: sections.append("<section>" + "\n".join(current) + "</section>")
    return sections


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "_build" / "slides"))
    ap.add_argument("--npm-cache", default=str(ROOT / "_build" / "slides-npm"), help="where npm installs reveal.js")
    args = ap.parse_args(argv)
    from build_site import copy_mathjax
    from pygments.formatters import HtmlFormatter
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    vendor_reveal(out, Path(args.npm_cache))
    if not (out / "mathjax" / "MathJax.js").exists(): copy_mathjax(out / "mathjax")
    shutil.copy2(ROOT / ".ci" / "site" / "static" / "mathjax-config.js", out / "mathjax-config.js")
    css = HtmlFormatter().get_style_defs(".reveal pre code")
    links = []
    for b in blocks():
        sections = deck_sections(b, ROOT / "nbs")
        page = DECK.format(title=html.escape(f"{b['title']} – fromscratchtoml workshop"), pygments=css,
                           slides="\n".join(sections))
        (out / f"{b['key']}.html").write_text(page, encoding="utf-8")
        links.append(f'<li><a href="{b["key"]}.html">{html.escape(b["title"])}</a> ({len(sections)} slides)</li>')
        print(f"{out / (b['key'] + '.html')}: {len(sections)} slides")
    (out / "index.html").write_text("<!DOCTYPE html><meta charset=utf-8><title>Workshop slides</title>"
                                    "<h1>Workshop slides</h1><ul>" + "".join(links) + "</ul>\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

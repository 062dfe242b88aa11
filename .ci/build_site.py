#!/usr/bin/env python3
"""Execute the notebooks and render the book to a static HTML site that works offline.

Usage: build_site.py [--quick] [--no-execute] [--jobs N] --out DIR [notebooks...]

Without notebook arguments every `nbs/*.ipynb` is built (ordered by file name, index first); named
notebooks that do not exist (yet) are skipped with a note. Each notebook is executed with nbclient in
the project's Python kernel (cwd = nbs/, `FSTML_QUICK=1` with --quick, cells nbdev_test would skip are
skipped in quick mode), processed by nbdev's own documentation processors (`#| hide`, `#| echo: false`,
`show_doc`, frontmatter), converted to HTML with nbconvert and wrapped in a page with a chapter sidebar,
previous/next links, the title and the summary. Figures are embedded; maths is typeset by a MathJax copy
shipped with the site (from the `jupyter-server-mathjax` package), so no page loads anything from the network.
The site is built in a temporary folder which then replaces DIR; the path of DIR/index.html is printed.
"""
from __future__ import annotations

import argparse, html, json, os, re, shutil, signal, sys, tempfile, time, traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

# ---------------------------------------------------------------------------------------------- pages
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – {site}</title>
<meta name="description" content="{description}">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{up}site.css">
<script type="text/x-mathjax-config">
MathJax.Hub.Config({{
  tex2jax: {{inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]], displayMath: [["$$", "$$"], ["\\\\[", "\\\\]"]],
            processEscapes: true, processEnvironments: true}},
  TeX: {{equationNumbers: {{autoNumber: "AMS"}}}},
  MMLorHTML: {{prefer: "HTML"}},
  "HTML-CSS": {{availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null,
               linebreaks: {{automatic: false}}}},
  "fast-preview": {{disabled: true}}, menuSettings: {{CHTMLpreview: false, zoom: "None"}},
  showMathMenu: false, showProcessingMessages: false, messageStyle: "none"
}});
MathJax.Hub.Register.StartupHook("End", function () {{ document.documentElement.setAttribute("data-mathjax", "done"); }});
</script>
<script src="{up}mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"></script>
</head>
<body>
<nav class="sidebar" aria-label="Chapters"><div class="sidebar-inner">
<a class="site-title" href="{up}index.html">{site}</a>
<ol class="chapters">
{nav}
</ol>
</div></nav>
<main class="content">
<header class="page-header">
<h1 class="title">{title_html}</h1>
{description_html}
</header>
{body}
<nav class="pager" aria-label="Previous and next chapter">{pager}</nav>
</main>
</body>
</html>
"""

CSS = """
:root { --sidebar: 17rem; --accent: #2c6e9b; --muted: #5f6b76; --code-bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; display: flex; align-items: stretch; min-height: 100vh; font: 16px/1.6 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2328; }
a { color: var(--accent); }
.sidebar { flex: 0 0 var(--sidebar); width: var(--sidebar); background: #f3f5f7; border-right: 1px solid #dde2e6; font-size: 0.92rem; }
.sidebar-inner { position: sticky; top: 0; max-height: 100vh; overflow-y: auto; padding: 1.2rem 1rem; }
.sidebar code { background: none; padding: 0; color: inherit; font-size: 0.95em; }
.sidebar .site-title { display: block; font-weight: 700; font-size: 1.15rem; text-decoration: none; color: #1f2328; margin-bottom: 0.8rem; }
.sidebar ol { list-style: none; padding: 0; margin: 0; }
.sidebar li a { display: block; padding: 0.25rem 0.5rem; border-radius: 4px; text-decoration: none; color: #1f2328; }
.sidebar li a:hover { background: #e4e9ee; }
.sidebar li.current a { background: var(--accent); color: white; }
.content { flex: 1 1 auto; min-width: 0; max-width: 60rem; padding: 1.5rem 2.5rem 3rem; }
.page-header { border-bottom: 1px solid #dde2e6; margin-bottom: 1.5rem; }
.page-header .title { margin: 0.2rem 0 0.4rem; font-size: 2.1rem; line-height: 1.2; }
.page-header .description { font-size: 1.15rem; font-style: italic; color: var(--muted); margin: 0 0 1rem; }
h2, h3, h4 { line-height: 1.25; margin-top: 1.6em; }
.anchor-link { visibility: hidden; text-decoration: none; margin-left: 0.3em; font-size: 0.8em; }
h1:hover .anchor-link, h2:hover .anchor-link, h3:hover .anchor-link, h4:hover .anchor-link { visibility: visible; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.94rem; }
th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f3f5f7; }
code { font-family: "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.88em; }
:not(pre) > code { background: var(--code-bg); padding: 0.1em 0.3em; border-radius: 4px; }
pre { background: var(--code-bg); padding: 0.7rem 0.9rem; border-radius: 6px; overflow-x: auto; line-height: 1.4; margin: 0.5rem 0; }
.cell { margin: 0.9rem 0; }
.input_area pre, .highlight pre { margin: 0; }
.output_area pre { background: none; border-left: 3px solid #e8a87c; border-radius: 0; padding: 0.3rem 0.9rem; }
.output_stderr pre { border-left-color: #d9534f; background: #fff5f5; }
.output_png img, .output_jpeg img, .output_svg svg { max-width: 100%; height: auto; }
.output_subarea { overflow-x: auto; }
.rendered_html img, .text_cell_render img { max-width: 100%; }
.doc-output { border: 1px solid #dde2e6; border-radius: 6px; padding: 0.2rem 1rem 0.4rem; box-shadow: 0 1px 2px rgba(0,0,0,0.05); }
.doc-output hr { display: none; }
.source-link { float: right; font-size: smaller; }
.MathJax_SVG_Display { overflow-x: auto; overflow-y: hidden; }
.pager { display: flex; justify-content: space-between; gap: 1rem; margin-top: 3rem; padding-top: 1rem; border-top: 1px solid #dde2e6; }
.pager a { text-decoration: none; }
.pager .next { margin-left: auto; text-align: right; }
@media (max-width: 800px) {
  body { display: block; }
  .sidebar { width: auto; border-right: 0; border-bottom: 1px solid #dde2e6; }
  .sidebar-inner { position: static; max-height: none; }
  .content { padding: 1rem; }
}
"""

# The parts of MathJax 2 the pages use: the combined TeX config, HTML-CSS output with the STIX web fonts
# (what Jupyter's own MathJax package ships), and the extensions MathJax may load on demand.
MATHJAX_FILES = ["MathJax.js", "LICENSE", "config/TeX-AMS-MML_HTMLorMML-full.js", "jax/element", "jax/input",
                 "jax/output/HTML-CSS", "fonts/HTML-CSS/STIX-Web/woff", "extensions/*.js", "extensions/TeX",
                 "extensions/HTML-CSS", "extensions/MathML"]
_re_remote_load = re.compile(r"""<(?:script|link|img|iframe|source|video|audio)\b[^>]*?\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)
_re_cdn = re.compile(r"cdn\.jsdelivr|cdnjs\.cloudflare|unpkg\.com|mathjax\.org|polyfill\.io|googleapis|require(?:\.min)?\.js", re.I)


def mathjax_dir() -> Path:
    "MathJax's folder inside the jupyter-server-mathjax package (found without importing the Jupyter server)."
    import importlib.util
    spec = importlib.util.find_spec("jupyter_server_mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("build_site: the jupyter-server-mathjax package is missing (it is in the dev extras)")
    return Path(list(spec.submodule_search_locations)[0]) / "static"


def copy_mathjax(dest: Path):
    "Copy only the parts of MathJax the pages use into `dest`."
    src = mathjax_dir()
    if not (src / "MathJax.js").exists():
        raise SystemExit(f"build_site: MathJax not found in {src} (install jupyter-server-mathjax)")
    for pattern in MATHJAX_FILES:
        matches = sorted(src.glob(pattern))
        if not matches: raise SystemExit(f"build_site: MathJax file {src / pattern} is missing")
        for s in matches: _copy_one(s, dest / s.relative_to(src))


def _copy_one(s: Path, d: Path):
    if s.is_dir(): shutil.copytree(s, d)
    else:
        d.parent.mkdir(parents=True, exist_ok=True); shutil.copy2(s, d)


def check_offline(html_text: str, page: str) -> list[str]:
    "Problems that would make `page` load something from the network."
    probs = [f"{page}: loads a remote resource: {m.group(0)[:120]}" for m in _re_remote_load.finditer(html_text)]
    probs += [f"{page}: mentions a CDN: ...{html_text[max(0, m.start() - 60):m.end() + 40]!r}..."
              for m in _re_cdn.finditer(html_text)]
    return probs


# --------------------------------------------------------------------------------- one notebook (worker)
_re_attr_link = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)\{([^}]*)\}")


def _pandoc_links(md: str) -> str:
    "`[source](url){target=\"_blank\" ...}` (Pandoc link attributes, from show_doc) -> a plain Markdown link."
    return _re_attr_link.sub(lambda m: f"[{m.group(1)}]({m.group(2)})", md)


def _skip_flags():
    "Cell flags nbdev_test skips by default (settings.ini `tst_flags`)."
    from nbdev.config import get_config
    return set(get_config().get("tst_flags", "").split())


def _cells_to_skip(nb, quick: bool):
    "Indexes of code cells not to execute: `#| eval: false`, and in quick mode cells carrying a test flag."
    flags, skip = (_skip_flags() if quick else set()), []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code": continue
        d = _directives(c.source)
        if (d.get("eval:") or d.get("eval") or [""])[0].lower() == "false": skip.append(i)
        elif flags & set(d): skip.append(i)
    return skip


def _directives(src: str) -> dict:
    "nbdev directives at the top of a cell: `#| key args` -> {key: [args]} (Quarto keys keep their colon)."
    out = {}
    for line in src.splitlines():
        s = line.strip()
        if not s: continue
        m = re.match(r"^#\s*\|\s*(.*)$", s)
        if not m: break
        parts = m.group(1).replace(":", ": ", 1).split() if ":" in m.group(1) else m.group(1).split()
        if parts: out[parts[0]] = parts[1:]
    return out


def execute(nb, nb_path: Path, quick: bool, timeout: int | None):
    "Execute `nb` in place with nbclient; returns None or an error message naming the notebook and cell."
    import copy
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError
    skip = set(_cells_to_skip(nb, quick))
    run = copy.deepcopy(nb)
    for i in skip: run.cells[i].source = ""
    env_backup = dict(os.environ)
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # figures as inline PNG outputs
    if quick: os.environ["FSTML_QUICK"] = "1"
    client = NotebookClient(run, timeout=timeout, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(nb_path.parent)}})
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as e:
        idx, src = _failed_cell(run)
        kind = "timed out" if isinstance(e, CellTimeoutError) else "failed"
        first = "\n".join("    | " + l for l in src.splitlines()[:12])
        last = str(e).strip().splitlines()[-1:] or [""]
        return f"{nb_path.name}: cell {idx} {kind}:\n{first}\n    {last[0]}"
    finally:
        os.environ.clear(); os.environ.update(env_backup)
    for i, (c, r) in enumerate(zip(nb.cells, run.cells)):
        if c.cell_type == "code" and i not in skip:
            c.outputs, c.execution_count = r.outputs, r.execution_count
    return None


def _failed_cell(nb):
    "(index, source) of the first cell holding an error output, or of the last executed cell."
    last = (None, "")
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code": continue
        if any(o.get("output_type") == "error" for o in c.get("outputs", [])): return i, c.source
        if c.get("execution_count") is not None: last = (i, c.source)
    return last


def to_html(nb, nb_path: Path) -> str:
    "HTML of the processed notebook's cells (no page shell)."
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    for c in nb.cells:
        if c.cell_type != "code": continue
        if c.metadata.get("fstml_hide_input"):
            c.metadata.setdefault("tags", []).append("fstml-remove-input")
        for o in c.get("outputs", []):
            md = o.get("data", {}).get("text/markdown")
            if md is not None:
                o["data"]["text/markdown"] = _pandoc_links(md if isinstance(md, str) else "".join(md))
    nb.metadata.setdefault("language_info", {"name": "python"})
    ex = HTMLExporter(template_name="basic", exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True)
    ex.register_preprocessor(TagRemovePreprocessor(remove_input_tags={"fstml-remove-input"}, enabled=True), enabled=True)
    body, _ = ex.from_notebook_node(nb, resources={"metadata": {"path": str(nb_path.parent), "name": nb_path.stem}})
    # show_doc outputs get a frame, as nbdev's pages give them.
    body = body.replace('<div class="output_markdown rendered_html output_subarea output_execute_result">',
                        '<div class="output_markdown rendered_html output_subarea output_execute_result doc-output">')
    return re.sub(r'<a href="([^"]+)">source</a>', r'<a class="source-link" href="\1" target="_blank">source</a>', body)


def render_one(nb_path: str, quick: bool, do_execute: bool, timeout: int | None, rel_dir: str = "") -> dict:
    "Execute, process and convert one notebook (runs in a worker process); `rel_dir`: its folder below nbs/."
    import nbformat
    t0 = time.time()
    nb_path = Path(nb_path).resolve()
    res = {"path": str(nb_path), "name": (Path(rel_dir) / nb_path.name).as_posix(), "error": None}
    os.chdir(nb_path.parent)  # like nbdev_test: notebooks run from nbs/
    try:
        nb = nbformat.read(nb_path, as_version=4)
        if do_execute:
            err = execute(nb, nb_path, quick, timeout)
            if err:
                res.update(error=err, seconds=time.time() - t0); return res
        res["exec_seconds"] = time.time() - t0
        from nbdoc import doc_notebook, html_name
        if quick: os.environ["FSTML_QUICK"] = "1"
        os.environ["MPLBACKEND"] = "Agg"
        os.environ["IN_TEST"] = "1"  # as nbdev sets while processing docs
        proc, fm = doc_notebook(nb_path, json.loads(nbformat.writes(nb)))
        res.update(title=str(fm.get("title") or nb_path.stem), description=str(fm.get("description") or ""),
                   out=(Path(rel_dir) / (fm.get("output-file") or html_name(nb_path.name))).as_posix(),
                   body=to_html(proc, nb_path))
    except Exception as e:  # a failing nbdev processor (e.g. an exported cell raising) fails the build too
        msg = f"{nb_path.name}: nbdev's doc processing failed: {e}"
        cause = e.__cause__ or e.__context__
        if cause is not None: msg += f"\n    {type(cause).__name__}: {cause}"
        else: msg += "\n" + "".join(traceback.format_exc().splitlines(True)[-4:])
        if "Error in" in str(e) and " in cell " in str(e):
            msg += ("\n    hint: to render show_doc, nbdev (like nbdev_docs) runs the exported cells, the import cells and"
                    "\n    the show_doc cells again without the rest of the notebook; a cell that mixes imports with other"
                    "\n    code is run too and fails. Put imports in a cell of their own (nbdev FAQ).")
        res["error"] = msg
    res["seconds"] = time.time() - t0
    return res


# ------------------------------------------------------------------------------------------ the site
def select_notebooks(nbs: Path, names: list[str]) -> list[Path]:
    "Notebooks to build: the named ones that exist, or every notebook in nbs/; index first, then by file name."
    if names:
        found = []
        for n in names:
            p = Path(n)
            cands = [p, ROOT / p, nbs / p.name]
            hit = next((c for c in cands if c.is_file()), None)
            if hit is None: print(f"build_site: note: skipping {n}: it does not exist (yet)")
            else: found.append(hit.resolve())
    else:
        # like nbdev (recursive = True): sub-folders too, but not _private or .hidden files and folders
        found = [p.resolve() for p in nbs.rglob("*.ipynb")
                 if not any(part.startswith(("_", ".")) for part in p.relative_to(nbs).parts)]
    found = list(dict.fromkeys(found))
    def key(p):
        try: rel = p.relative_to(nbs.resolve()).as_posix()
        except ValueError: rel = p.name
        return (rel != "index.ipynb", rel)
    return sorted(found, key=key)


def _link_fixer(cfg):
    "Rewrite links to notebooks and to the published docs so they point at the pages of this site."
    from nbdoc import html_name
    host = (cfg.get("doc_host", "") + cfg.get("doc_baseurl", "")).rstrip("/")
    re_nb = re.compile(r'href="(?!https?:|/|#|mailto:)([^"#]+?)\.ipynb(#[^"]*)?"')
    def fix(body: str, up: str = "") -> str:
        if host: body = body.replace(f'href="{host}/', f'href="{up}').replace(f'href="{host}"', f'href="{up}index.html"')
        def page(m):  # the site mirrors nbs/: keep the folder part of the link (`../x.ipynb`, `api/y.ipynb`)
            p = Path(m.group(1)); folder = "" if p.parent.as_posix() == "." else p.parent.as_posix() + "/"
            return f'href="{folder}{html_name(p.name + ".ipynb")}{m.group(2) or ""}"'
        return re_nb.sub(page, body)
    return fix


def _lower_anchors(body: str) -> str:
    "Quarto lower-cases heading ids (nbdev's links use them): add a lower-case anchor next to nbconvert's."
    def add(m):
        i = m.group(2)
        return m.group(0) if i == i.lower() else f'<span id="{i.lower()}"></span>{m.group(0)}'
    return re.sub(r'<h([1-6]) id="([^"]+)"', add, body)


_MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def inline_html(text: str) -> str:
    "A title or summary as HTML: escaped, with Markdown `code` spans and [links](target) made into HTML."
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))
    return _MD_LINK.sub(lambda m: f'<a href="{html.escape(m.group(2))}">{m.group(1)}</a>', out)


def plain(text: str) -> str:
    "A title or summary as plain text for <title> and meta tags: escaped, without backticks or link targets."
    return html.escape(_MD_LINK.sub(r"\1", text).replace("`", ""), quote=True)


def assemble(results: list[dict], out_tmp: Path, cfg):
    "Write the pages, the stylesheet and MathJax into `out_tmp`."
    from pygments.formatters import HtmlFormatter
    site = html.escape(cfg.get("title", cfg.get("lib_name", "Book")))
    fix = _link_fixer(cfg)
    out_tmp.mkdir(parents=True, exist_ok=True)
    (out_tmp / "site.css").write_text(CSS + HtmlFormatter(style="default").get_style_defs(".highlight"), encoding="utf-8")
    copy_mathjax(out_tmp / "mathjax")
    problems = []
    for k, r in enumerate(results):
        up = "../" * r["out"].count("/")  # pages of notebooks in sub-folders of nbs/ sit in sub-folders too
        cur = ' class="current"'
        nav = "\n".join(f'<li{cur if j == k else ""}><a href="{up}{o["out"]}">{inline_html(o["title"])}</a></li>'
                        for j, o in enumerate(results))
        prev = f'<a class="prev" href="{up}{results[k-1]["out"]}">← {inline_html(results[k-1]["title"])}</a>' if k > 0 else ""
        nxt = (f'<a class="next" href="{up}{results[k+1]["out"]}">{inline_html(results[k+1]["title"])} →</a>'
               if k + 1 < len(results) else "")
        desc = r["description"]
        page = PAGE.format(title=plain(r["title"]), title_html=inline_html(r["title"]), site=site, description=plain(desc),
                           description_html=fix(f'<p class="description">{inline_html(desc)}</p>', up) if desc else "",
                           nav=nav, pager=prev + nxt, up=up, body=_lower_anchors(fix(r["body"], up)))
        problems += check_offline(page, r["out"])
        (out_tmp / r["out"]).parent.mkdir(parents=True, exist_ok=True)
        (out_tmp / r["out"]).write_text(page, encoding="utf-8")
    if not any(r["out"] == "index.html" for r in results) and results:
        (out_tmp / "index.html").write_text(
            f'<!DOCTYPE html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url={results[0]["out"]}">'
            f'<a href="{results[0]["out"]}">{inline_html(results[0]["title"])}</a>', encoding="utf-8")
    return problems


def replace_dir(new: Path, dest: Path):
    "Put the finished build `new` in place of `dest` with two renames."
    old = None
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
        os.replace(dest, old)
    os.replace(new, dest)
    if old is not None: shutil.rmtree(old, ignore_errors=True)


def _descendants(pid: int) -> list[int]:
    "Every process below `pid` (Linux /proc; empty elsewhere), children before grandchildren."
    children: dict[int, list[int]] = {}
    for d in Path("/proc").glob("[0-9]*"):
        try: ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError): continue
        children.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []): out.append(c); todo.append(c)
    return out


def _stop_everything(pool) -> None:
    "On Ctrl-C or SIGTERM: cancel queued notebooks and kill the workers and their Jupyter kernels."
    def tracker(pid):  # multiprocessing's resource tracker cleans up after the workers and exits by itself
        try: return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError: return False
    procs = [p for p in _descendants(os.getpid()) if not tracker(p)]  # collected first: a killed worker's kernels would be orphaned
    pool.shutdown(wait=False, cancel_futures=True)
    for pid in procs:
        try: os.kill(pid, signal.SIGKILL)
        except OSError: pass


def _raise_interrupt(signum, frame): raise KeyboardInterrupt


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", help="notebooks to build (default: every nbs/*.ipynb)")
    ap.add_argument("--out", required=True, help="output folder (replaced when the build succeeds)")
    ap.add_argument("--quick", action="store_true", help="quick mode: FSTML_QUICK=1, skip cells flagged for nbdev_test")
    ap.add_argument("--no-execute", action="store_true", help="render the saved outputs, do not execute")
    ap.add_argument("--jobs", type=int, default=2, help="notebooks executed in parallel (default 2)")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds one cell may run (default 3600)")
    a = ap.parse_args(argv)
    os.chdir(ROOT)
    from nbdev.config import get_config
    cfg = get_config()
    out = Path(a.out).resolve()
    nbs = select_notebooks(Path(cfg.nbs_path), a.notebooks)
    if not nbs:
        print("build_site: no notebooks to build", file=sys.stderr); return 1
    mode = "quick" if a.quick else "full"
    print(f"build_site: {len(nbs)} notebook(s), {mode} mode, {'no execution' if a.no_execute else f'{a.jobs} in parallel'}")
    t0, results = time.time(), {}
    # The worker runs IPython (nbdev's show_doc shell), which replaces `__main__`: refer to the worker function
    # through this file's module name. Workers are reused, as nbdev's own `proc_nbs` does (starting one
    # costs the imports of nbformat/nbconvert/nbdev again).
    import build_site as this
    signal.signal(signal.SIGTERM, _raise_interrupt)
    pool = ProcessPoolExecutor(max_workers=max(1, a.jobs), mp_context=get_context("spawn"))
    try:
        nbs_dir = Path(cfg.nbs_path).resolve()
        def rel_dir(p):
            try: r = p.parent.relative_to(nbs_dir).as_posix()
            except ValueError: return ""
            return "" if r == "." else r
        futs = {pool.submit(this.render_one, str(p), a.quick, not a.no_execute, a.timeout, rel_dir(p)): p for p in nbs}
        for f in as_completed(futs):
            r = f.result()
            results[r["path"]] = r
            status = "FAILED" if r["error"] else "ok"
            print(f"build_site: {r['name']:<32} {r['seconds']:7.1f}s  {status}", flush=True)
            if r["error"]: print(f"build_site: {r['error']}", file=sys.stderr, flush=True)
    except BaseException as e:  # Ctrl-C, SIGTERM, or a worker that died: leave no process behind
        _stop_everything(pool)
        if not isinstance(e, KeyboardInterrupt): raise
        print(f"build_site: interrupted; workers and kernels stopped, {out} left unchanged", file=sys.stderr)
        return 130
    pool.shutdown()
    failed = [r for r in results.values() if r["error"]]
    if failed:
        print(f"build_site: FAILED: {len(failed)} notebook(s) did not build; {out} left unchanged", file=sys.stderr)
        for r in failed: print(f"  - {r['error']}", file=sys.stderr)
        return 1
    ordered = [results[str(p)] for p in nbs]
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.parent if out.parent.exists() else None))
    try:
        problems = assemble(ordered, tmp / "site", cfg)
        if problems:
            print("build_site: FAILED: pages would use the network:", file=sys.stderr)
            for p in problems: print(f"  - {p}", file=sys.stderr)
            return 1
        out.parent.mkdir(parents=True, exist_ok=True)
        replace_dir(tmp / "site", out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"build_site: {len(ordered)} page(s) in {time.time() - t0:.1f}s")
    print(out / "index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())

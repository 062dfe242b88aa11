#!/usr/bin/env python3
"""Execute the notebooks and render the book to a static HTML site that works offline.

Usage: build_site.py [--quick] [--no-execute] [--jobs N] --out DIR [notebooks...]

Without notebook arguments every `nbs/*.ipynb` is built (ordered by file name, index first); named
notebooks that do not exist (yet) are skipped with a note. Each notebook is executed with nbclient in
the project's Python kernel (cwd = nbs/, `FSTML_QUICK=1` with --quick, cells nbdev_test would skip are
skipped in quick mode), processed by nbdev's own documentation processors (`#| hide`, `#| echo: false`,
`show_doc`, frontmatter), converted to HTML with nbconvert and wrapped in the Jinja2 page template of
site/templates/ (chapter sidebar with a search box, previous/next links, the title and the summary); the
stylesheet and scripts come from site/static/. Figures are embedded; maths is typeset by a MathJax copy
shipped with the site (from the `jupyter-server-mathjax` package), and the full-text search reads
search_index.js, written here from every page's sections, so no page loads anything from the network and
search works from a file:// URL too.
The site is built in a temporary folder which then replaces DIR; the path of DIR/index.html is printed.
"""
from __future__ import annotations

import argparse, html, json, os, re, shutil, signal, sys, tempfile, time, traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

from markupsafe import Markup

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SITE_FILES = HERE / "site"
sys.path.insert(0, str(HERE))

# ------------------------------------------------------------------------------ MathJax, offline check
# The parts of MathJax 2 the pages use: the combined TeX config, HTML-CSS output with the STIX web fonts
# (what Jupyter's own MathJax package ships), and the extensions MathJax may load on demand.
MATHJAX_FILES = ["MathJax.js", "LICENSE", "config/TeX-AMS-MML_HTMLorMML-full.js", "jax/element", "jax/input",
                 "jax/output/HTML-CSS", "fonts/HTML-CSS/STIX-Web/woff", "extensions/*.js", "extensions/TeX",
                 "extensions/HTML-CSS", "extensions/MathML"]
_re_remote_load = re.compile(
    r"""<(?:script|link|img|iframe|source|video|audio)\b[^>]*?\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)
_re_cdn = re.compile(
    r"cdn\.jsdelivr|cdnjs\.cloudflare|unpkg\.com|mathjax\.org|polyfill\.io|googleapis|require(?:\.min)?\.js",
    re.I)


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
    if s.is_dir():
        shutil.copytree(s, d)
    else:
        d.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(s, d)


def check_offline(html_text: str, page: str) -> list[str]:
    "Problems that would make `page` load something from the network."
    probs = [f"{page}: loads a remote resource: {m.group(0)[:120]}"
             for m in _re_remote_load.finditer(html_text)]
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
        os.environ.clear()
        os.environ.update(env_backup)
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
    ex = HTMLExporter(template_name="basic", exclude_input_prompt=True, exclude_output_prompt=True,
                      embed_images=True)
    remove = TagRemovePreprocessor(remove_input_tags={"fstml-remove-input"}, enabled=True)
    ex.register_preprocessor(remove, enabled=True)
    meta = {"metadata": {"path": str(nb_path.parent), "name": nb_path.stem}}
    body, _ = ex.from_notebook_node(nb, resources=meta)
    # show_doc outputs get a frame, as nbdev's pages give them.
    doc = '<div class="output_markdown rendered_html output_subarea output_execute_result'
    body = body.replace(doc + '">', doc + ' doc-output">')
    source = r'<a class="source-link" href="\1" target="_blank">source</a>'
    return fold_exercises(re.sub(r'<a href="([^"]+)">source</a>', source, body))


# Workshop exercises: the solution stays in the book (it executes), folded so a reader can try first.
_re_exercise_input = re.compile(r'(<div class="cell [^"]*celltag_fstml-exercise[^"]*"[^>]*>\n)'
                                r'(<div class="input">.*?</pre></div>\n</div>\n</div>\n</div>\n)', re.S)


def tag_exercises(nb) -> int:
    "Tag the code cells marked `#| exercise: name` (before nbdev's processors drop the directives)."
    n = 0
    for c in nb.cells:
        if c.cell_type == "code" and "exercise:" in _directives(c.source):
            c.metadata.setdefault("tags", []).append("fstml-exercise")
            n += 1
    return n


def fold_exercises(body: str) -> str:
    "Wrap the input of each tagged exercise cell in <details>: folded on the page, one click to open."
    return _re_exercise_input.sub(r'\1<details class="exercise-solution"><summary>Solution (the workshop\'s '
                                  r'attendee notebooks hold a stub here)</summary>\n\2</details>\n', body)


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
                res.update(error=err, seconds=time.time() - t0)
                return res
        res["exec_seconds"] = time.time() - t0
        from nbdoc import doc_notebook, html_name
        if quick: os.environ["FSTML_QUICK"] = "1"
        os.environ["MPLBACKEND"] = "Agg"
        os.environ["IN_TEST"] = "1"  # as nbdev sets while processing docs
        tag_exercises(nb)
        proc, fm = doc_notebook(nb_path, json.loads(nbformat.writes(nb)))
        title = str(fm.get("title") or nb_path.stem)
        body = to_html(proc, nb_path)
        res.update(title=title, description=str(fm.get("description") or ""), body=body,
                   out=(Path(rel_dir) / (fm.get("output-file") or html_name(nb_path.name))).as_posix(),
                   sections=page_sections(body, plain_text(title)))
    except Exception as e:  # a failing nbdev processor (e.g. an exported cell raising) fails the build too
        msg = f"{nb_path.name}: nbdev's doc processing failed: {e}"
        cause = e.__cause__ or e.__context__
        if cause is not None: msg += f"\n    {type(cause).__name__}: {cause}"
        else: msg += "\n" + "".join(traceback.format_exc().splitlines(True)[-4:])
        if "Error in" in str(e) and " in cell " in str(e):
            msg += ("\n    hint: to render show_doc, nbdev (like nbdev_docs) runs the exported cells, the"
                    "\n    import cells and the show_doc cells again without the rest of the notebook; a cell"
                    "\n    that mixes imports with other code is run too and fails. Put imports in a cell of"
                    "\n    their own (nbdev FAQ).")
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
        if host:
            body = body.replace(f'href="{host}/', f'href="{up}')
            body = body.replace(f'href="{host}"', f'href="{up}index.html"')
        def page(m):  # the site mirrors nbs/: keep the folder part of the link (`../x.ipynb`, `api/y.ipynb`)
            p = Path(m.group(1))
            folder = "" if p.parent.as_posix() == "." else p.parent.as_posix() + "/"
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


def plain_text(text: str) -> str:
    "A title or summary as plain text (for <title>, meta tags and search): no backticks or link targets."
    return _MD_LINK.sub(r"\1", text).replace("`", "")


def templates():
    "The Jinja2 environment of site/templates/: escapes what is not marked safe, and fails on a missing name."
    import jinja2
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(SITE_FILES / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters["inline"] = lambda t: Markup(inline_html(t))
    env.filters["plaintext"] = plain_text
    return env


def render_page(env, site: str, pages: list[dict], k: int, body: str = "", description_html: str = "") -> str:
    "Page `k` of `pages` (dicts with title, out, description) around `body`, HTML trusted as is."
    page = pages[k]
    up = "../" * page["out"].count("/")  # pages of notebooks in sub-folders of nbs/ sit in sub-folders too
    return env.get_template("page.html").render(
        site=site, pages=pages, k=k, page=page, up=up, body=Markup(body),
        description_html=Markup(description_html),
        prev=pages[k - 1] if k > 0 else None, next=pages[k + 1] if k + 1 < len(pages) else None)


# --------------------------------------------------------------------------------------------- search
# Text under these is not indexed: program output (arrays, logs) would drown the prose, and the others are
# markup, pictures or the heading's own pilcrow link.
_NOT_INDEXED = ("script, style, svg, img, .anchor-link, .source-link, .output_stream, .output_stderr, "
                ".output_error, .output_text, .output_html")
_BLOCKS = {"p", "div", "li", "pre", "tr", "td", "th", "br", "blockquote", "table", "ul", "ol", "dd", "dt"}
_HEADING = re.compile(r"^h[1-6]$")


def page_sections(body: str, title: str) -> list[dict]:
    """The searchable sections of a page body: `{"h": heading, "a": anchor, "x": text}`.

    The text before the first heading is a section headed by the page title, without an anchor. Prose, maths
    source, code and show_doc output are indexed; program output is not.
    """
    from bs4 import BeautifulSoup, NavigableString, Tag
    soup = BeautifulSoup(body, "html.parser")
    for el in soup.select(_NOT_INDEXED):
        el.decompose()
    sections = [{"h": title, "a": "", "x": []}]
    for node in soup.descendants:
        if isinstance(node, Tag):
            if _HEADING.match(node.name) and node.get("id"):
                sections.append({"h": _squash(node.get_text()), "a": node["id"], "x": []})
            elif node.name in _BLOCKS:  # adjacent blocks must not glue their words together
                sections[-1]["x"].append(" ")
        elif type(node) is NavigableString and node.find_parent(_HEADING) is None:
            sections[-1]["x"].append(str(node))
    out = [dict(s, x=_squash("".join(s["x"]))) for s in sections]
    return [s for s in out if s["x"] or s["a"]]


def _squash(text: str) -> str:
    return " ".join(text.split())


def search_index_js(results: list[dict]) -> str:
    "search_index.js: a script, not JSON, because browsers block fetch() of local files (file:// URLs)."
    pages = [{"title": plain_text(r["title"]), "url": r["out"]} for r in results]
    sections = [dict(s, p=i) for i, r in enumerate(results) for s in r.get("sections", [])]
    data = json.dumps({"pages": pages, "sections": sections}, ensure_ascii=True, separators=(",", ":"))
    return f"window.SEARCH_INDEX = {data};\n"


# ------------------------------------------------------------------------------------------- assemble
def write_assets(dest: Path, results: list[dict]) -> list[str]:
    "Write the stylesheet, the scripts, MathJax and the search index into `dest`; offline problems found."
    from pygments.formatters import HtmlFormatter
    dest.mkdir(parents=True, exist_ok=True)
    problems = []
    for f in sorted((SITE_FILES / "static").iterdir()):
        text = f.read_text(encoding="utf-8")
        if f.name == "site.css":
            text += "\n" + HtmlFormatter(style="default").get_style_defs(".highlight") + "\n"
        problems += check_offline(text, f.name)
        (dest / f.name).write_text(text, encoding="utf-8")
    (dest / "search_index.js").write_text(search_index_js(results), encoding="utf-8")
    copy_mathjax(dest / "mathjax")
    return problems


def assemble(results: list[dict], out_tmp: Path, cfg) -> list[str]:
    "Write the pages and their assets into `out_tmp`; returns what would make a page use the network."
    site = cfg.get("title", cfg.get("lib_name", "Book"))
    fix = _link_fixer(cfg)
    env = templates()
    problems = write_assets(out_tmp, results)
    for k, r in enumerate(results):
        up = "../" * r["out"].count("/")
        desc = fix(inline_html(r["description"]), up) if r["description"] else ""
        page = render_page(env, site, results, k, _lower_anchors(fix(r["body"], up)), desc)
        problems += check_offline(page, r["out"])
        (out_tmp / r["out"]).parent.mkdir(parents=True, exist_ok=True)
        (out_tmp / r["out"]).write_text(page, encoding="utf-8")
    if results and not any(r["out"] == "index.html" for r in results):
        redirect = env.get_template("redirect.html").render(target=results[0])
        (out_tmp / "index.html").write_text(redirect, encoding="utf-8")
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
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _stop_everything(pool) -> None:
    "On Ctrl-C or SIGTERM: cancel queued notebooks and kill the workers and their Jupyter kernels."
    def tracker(pid):  # multiprocessing's resource tracker cleans up after the workers and exits by itself
        try: return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError: return False
    # Collected before anything is killed: a killed worker's kernels would be orphaned.
    procs = [p for p in _descendants(os.getpid()) if not tracker(p)]
    pool.shutdown(wait=False, cancel_futures=True)
    for pid in procs:
        try: os.kill(pid, signal.SIGKILL)
        except OSError: pass


def _raise_interrupt(signum, frame): raise KeyboardInterrupt


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", help="notebooks to build (default: every nbs/*.ipynb)")
    ap.add_argument("--out", required=True, help="output folder (replaced when the build succeeds)")
    ap.add_argument("--quick", action="store_true",
                    help="quick mode: FSTML_QUICK=1, skip cells flagged for nbdev_test")
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
    how = "no execution" if a.no_execute else f"{a.jobs} in parallel"
    print(f"build_site: {len(nbs)} notebook(s), {mode} mode, {how}")
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
        futs = {pool.submit(this.render_one, str(p), a.quick, not a.no_execute, a.timeout, rel_dir(p)): p
                for p in nbs}
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
        print(f"build_site: FAILED: {len(failed)} notebook(s) did not build; {out} left unchanged",
              file=sys.stderr)
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

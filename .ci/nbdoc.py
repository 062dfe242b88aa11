"""Turn a notebook into documentation the way nbdev does, without Quarto.

nbdev's own processors (`nbdev.processors.FilterDefaults`) prepare the notebook exactly as `nbdev_docs`
does: frontmatter from the first markdown cell, `#| hide` and exported cells removed, `show_doc` cells
added after exported definitions and executed. What Quarto would do next (read the remaining `#| key: value`
cell options, drop hidden inputs/outputs) is done here, then nbconvert writes Markdown (README) or HTML.
Shared by check_sync.py, make_readme.py and build_site.py.
"""
from __future__ import annotations

import copy, json, os, re, tempfile
from pathlib import Path

# Directive lines Quarto reads from the top of a code cell: `#| key: value`.
_re_opt = re.compile(r"^\s*#\s*\|\s*([\w-]+)\s*:\s*(.*?)\s*$")
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}


def html_name(nb_name: str) -> str:
    "The page name nbdev/Quarto give a notebook (`00_core.ipynb` -> `core.html`, `index.ipynb` -> `index.html`)."
    from nbdev.doclinks import _nbpath2html
    return _nbpath2html(Path(nb_name)).name


def nbdev_process(path, nb: dict | None = None):
    """Run nbdev's documentation processors on the notebook at `path` (or on `nb`, a dict read from it).

    Needs the current directory inside the project (nbdev finds settings.ini from it).
    Returns `(nbformat.NotebookNode, frontmatter dict)`; the frontmatter raw cell is removed.
    """
    import nbformat, yaml
    from execnb.nbio import dict2nb, nb2dict
    from nbdev.processors import FilterDefaults
    path = Path(path)
    if nb is None: nb = json.loads(path.read_text(encoding="utf-8"))
    enb = dict2nb(copy.deepcopy(nb))
    enb["path_"] = str(path)
    FilterDefaults()(enb)
    fm = dict(getattr(enb, "frontmatter_", {}) or {})
    out = nbformat.reads(json.dumps(nb2dict(enb)), as_version=4)  # also rejoins multi-line strings
    cells = []
    for c in out.cells:
        src = c.get("source", "")
        if isinstance(src, list): src = "".join(src)
        c["source"] = src
        if c.cell_type == "raw" and src.strip().startswith("---"):
            m = re.match(r"^---\s*\n(.*?)\n---", src.strip(), flags=re.DOTALL)
            if m: fm.update(yaml.safe_load(m.group(1)) or {})
            continue
        cells.append(c)
    out.cells = cells
    return out, fm


def _opts(src: str):
    "Split Quarto cell options (`#| key: value` lines at the top of a cell) from the code."
    lines, opts, i = src.splitlines(), {}, 0
    while i < len(lines):
        m = _re_opt.match(lines[i])
        if not m: break
        opts[m.group(1)] = m.group(2).strip().strip("\"'")
        i += 1
    return opts, "\n".join(lines[i:]).strip("\n")


def apply_quarto_options(nb):
    "Honour the cell options Quarto would (`include`, `echo`, `output`, `code-fold`); remove the option lines."
    cells = []
    for c in nb.cells:
        if c.cell_type != "code":
            cells.append(c); continue
        opts, src = _opts(c.source)
        low = {k: v.lower() for k, v in opts.items()}
        if low.get("include") in _FALSE: continue
        c.source = src
        if low.get("echo") in _FALSE: c.metadata["fstml_hide_input"] = True
        if low.get("output") in _FALSE: c.outputs = []
        if low.get("output") == "asis": c.metadata["fstml_asis"] = True
        if "code-fold" in low: c.metadata["fstml_fold"] = opts.get("code-summary", "Code")
        if not c.source.strip() and not c.get("outputs"): continue
        cells.append(c)
    nb.cells = cells
    return nb


def doc_notebook(path, nb: dict | None = None):
    "nbdev-process the notebook at `path` and apply Quarto's cell options: `(NotebookNode, frontmatter)`."
    out, fm = nbdev_process(path, nb)
    return apply_quarto_options(out), fm


# --------------------------------------------------------------------------------------- README (Markdown)
_re_link = re.compile(r"(\]\()(?!https?:|#|/|mailto:)([^)\s]+?\.ipynb)(#[^)\s]*)?(\))")


def readme_markdown(index_nb: Path) -> str:
    "README.md text generated from the index notebook (as `nbdev_readme` would, but with nbconvert instead of Quarto)."
    from nbconvert import MarkdownExporter
    nb, fm = doc_notebook(index_nb)
    for c in nb.cells:
        if c.cell_type == "code" and c.metadata.get("fstml_hide_input"):
            c.source = ""
    nb.metadata.setdefault("language_info", {"name": "python"})  # fenced code blocks say ```python
    ex = MarkdownExporter(exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = ex.from_notebook_node(nb)
    nbs_dir = Path(index_nb).parent.name
    # Relative links to chapters must work from the repository root (GitHub shows README.md there).
    body = _re_link.sub(lambda m: f"{m.group(1)}{nbs_dir}/{m.group(2)}{m.group(3) or ''}{m.group(4)}", body)
    body = re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"
    head = f"# {fm.get('title', 'README')}\n\n"
    if fm.get("description"): head += f"> {fm['description']}\n\n"
    return head + body


def write_atomic(path: Path, text: str):
    "Write `text` to `path` through a temporary file in the same folder, then rename."
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f: f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp): os.unlink(tmp)
        raise

"""Notebook hygiene that `nbdev_docs` (and the offline site) rely on."""
import ast, json, re
from pathlib import Path
import pytest

NBS = sorted(p for p in (Path(__file__).parent.parent / "nbs").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
_SHOW_DIRS = {"export", "exports", "exporti", "exec_doc"}


def _directives(src):
    return {re.sub(r"^\s*#\s*\|\s*", "", l).split()[0].rstrip(":")
            for l in src.splitlines() if re.match(r"^\s*#\s*\|\s*\S", l)}


def mixed_import_cells(nb_path):
    "Code cells nbdev would re-run to render `show_doc` (they import) that also run other code."
    bad = []
    for i, cell in enumerate(json.loads(nb_path.read_text(encoding="utf-8"))["cells"]):
        if cell["cell_type"] != "code": continue
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if _directives(src) & (_SHOW_DIRS | {"eval"}): continue
        try: tree = ast.parse(src)
        except SyntaxError: continue  # cell magics; nbdev does not parse them either
        nodes = list(ast.walk(tree))
        if any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in nodes) and \
           any(isinstance(n, (ast.Expr, ast.Assign)) for n in nodes):
            bad.append((i, src.splitlines()[0][:80] if src else ""))
    return bad


def test_found_notebooks():
    assert len(NBS) >= 10, NBS


@pytest.mark.parametrize("nb", NBS, ids=lambda p: p.name)
def test_imports_in_cells_of_their_own(nb):
    # nbdev re-runs every importing cell without the rest of the notebook to render show_doc:
    # a cell mixing imports with code then fails or repeats expensive work.
    bad = mixed_import_cells(nb)
    assert not bad, f"{nb.name}: cells mixing imports with other code (move the imports to their own cell): {bad}"


def test_checker_catches_a_mixed_cell(tmp_path):
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                     "source": "import numpy as np\nx = np.ones(3)"},
                    {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                     "source": "#| export\nimport numpy as np\nX = 1"}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    p = tmp_path / "x.ipynb"; p.write_text(json.dumps(nb))
    assert [i for i, _ in mixed_import_cells(p)] == [0]

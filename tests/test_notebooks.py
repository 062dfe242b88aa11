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


# `nbdev_test` runs many notebooks one after another in the same worker process, so a notebook that changes
# process-wide settings changes every notebook after it (a test cell that deleted FSTML_QUICK once made a later
# chapter train at full size inside the quick test run).
_GLOBAL_WRITE = re.compile(r"os\.environ\[[^\]]+\]\s*=|del os\.environ|os\.environ\.(pop|setdefault|update|clear)\(|os\.putenv"
                           r"|set_default_dtype\(")
GLOBAL_WRITERS = [p for p in NBS if _GLOBAL_WRITE.search(p.read_text(encoding="utf-8"))]

_RUN_NB = """
import json, os, sys
from pathlib import Path
import torch
from fromscratchtoml.core import get_default_dtype
from nbdev.test import test_nb
LIBS = ("KMP_", "TORCHINDUCTOR_")  # set by scikit-learn and PyTorch on first use: not the notebook's doing
def state(): return {**{"env:" + k: v for k, v in os.environ.items() if not k.startswith(LIBS)},
                     "torch default dtype": str(torch.get_default_dtype()), "fromscratchtoml default dtype": str(get_default_dtype())}
before = state()
ok, _ = test_nb(Path(sys.argv[1]), skip_flags=["slow"], showerr=True)
after = state()
print(json.dumps({"ok": ok, "changed": sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))}))
"""


def test_global_writers_are_found():
    assert {"00_core.ipynb", "11_neural_networks.ipynb"} <= {p.name for p in GLOBAL_WRITERS}, GLOBAL_WRITERS


@pytest.mark.parametrize("nb", GLOBAL_WRITERS, ids=lambda p: p.name)
def test_notebook_leaves_process_settings_as_it_found_them(nb):
    import os, subprocess, sys
    env = dict(os.environ, FSTML_QUICK="1", IN_TEST="1", MPLBACKEND="Agg")
    r = subprocess.run([sys.executable, "-c", _RUN_NB, str(nb)], capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["ok"], f"{nb.name} failed: {r.stderr[-3000:]}"
    assert not res["changed"], f"{nb.name} leaves process-wide settings changed: {res['changed']}"

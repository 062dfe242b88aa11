"""The workshop: the attendee-notebook generator, the exercise checks and the oracle skip."""
import json, os, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
from fromscratchtoml.workshop import (CheckFailed, check, compare, needs_transformer, needed_modules, skip_message,
                                      workshop_chapters, BLOCKS)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / ".ci"))
from make_exercises import attendee_notebook, directives, main as make_exercises, stub_source  # noqa: E402

SOLUTION = '''#| exercise: relu
#| hint: np.maximum(z, 0)
def my_relu(z):
    "ReLU."
    out = np.maximum(z, 0)
    return out

def my_relu_grad(z): return (z > 0).astype(float)

def my_sign(z):
    return np.sign(z)'''


def small_notebook():
    cell = lambda kind, src: {"cell_type": kind, "metadata": {}, "source": src,
                              **({"outputs": [], "execution_count": None} if kind == "code" else {})}
    return {"cells": [cell("markdown", "# A chapter"), cell("code", "import numpy as np"),
                      cell("code", SOLUTION), cell("code", 'check("relu", my_relu, lambda z: np.maximum(z, 0), '
                                                           'lambda rng: rng.normal(size=(3, 4)))')],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def stubbed_namespace():
    nb, names = attendee_notebook(small_notebook())
    ns = {"np": np}
    exec(nb["cells"][2]["source"], ns)
    return nb, names, ns


def test_stub_keeps_signatures_and_docstrings_and_raises_the_hint():
    nb, names, ns = stubbed_namespace()
    assert names == ["relu"]
    src = nb["cells"][2]["source"]
    assert src.startswith("#| exercise: relu\n#| hint: np.maximum(z, 0)\ndef my_relu(z):\n    \"ReLU.\"\n")
    assert "np.maximum(z, 0)\n    return" not in src and "np.sign" not in src
    for fn in ("my_relu", "my_relu_grad", "my_sign"):
        with pytest.raises(NotImplementedError, match=r"np\.maximum\(z, 0\)"): ns[fn](np.ones(2))
    assert nb["cells"][3]["source"] == small_notebook()["cells"][3]["source"]   # everything else identical
    assert nb["cells"][:2] == small_notebook()["cells"][:2]


def test_check_against_the_stub_fails_with_the_friendly_message():
    _, _, ns = stubbed_namespace()
    with pytest.raises(CheckFailed, match="write `my_relu` first. Hint: np.maximum"):
        check("relu", ns["my_relu"], lambda z: np.maximum(z, 0), lambda rng: rng.normal(size=(3, 4)))


def test_stub_of_nested_and_decorated_code():
    src = "#| exercise: x\ndef f(a,\n      b):\n    def inner(): return 1\n    return inner() + a + b\n"
    out = stub_source(src, "add them")
    assert out == "#| exercise: x\ndef f(a,\n      b):\n    raise NotImplementedError('add them')\n"
    assert stub_source("x = 1", "h") == "x = 1"


def test_generating_twice_gives_identical_files(tmp_path):
    nb_path = tmp_path / "chapter.ipynb"
    nb_path.write_text(json.dumps(small_notebook()))
    make_exercises(["--out", str(tmp_path / "a"), str(nb_path)])
    first = (tmp_path / "a" / "chapter.ipynb").read_bytes()
    make_exercises(["--out", str(tmp_path / "a"), str(nb_path)])
    make_exercises(["--out", str(tmp_path / "b"), str(nb_path)])
    assert (tmp_path / "a" / "chapter.ipynb").read_bytes() == first == (tmp_path / "b" / "chapter.ipynb").read_bytes()


def test_check_messages(capsys):
    ref, draw = (lambda z: np.maximum(z, 0)), (lambda rng: rng.normal(size=(4, 5)))
    check("relu", lambda z: np.where(z > 0, z, 0.0), ref, draw)
    assert "exact: True  | allclose: True  | max diff: 0.0e+00 | PASS" in capsys.readouterr().out
    cases = {lambda z: z[0]: "expected shape (4, 5), got (5,)", lambda z: z * np.nan: "NaN",
             lambda z: None: "forget to `return`", lambda z: z: "Hint: try max", lambda z: 1 / 0: "ZeroDivisionError"}
    for yours, msg in cases.items():
        with pytest.raises(CheckFailed, match=msg.replace("(", r"\(").replace(")", r"\)")):
            check("relu", yours, ref, draw, hint="try max")
    assert "FAIL" in capsys.readouterr().out
    with pytest.raises(AssertionError): compare("pair", (np.ones(2),), (np.ones(2), np.ones(2)))


def test_needs_directive_skips_or_fails():
    cell = ["#| needs: not_a_module_anyone_installs\n", "x = 1\n"]
    env = {k: v for k, v in os.environ.items() if k != "FSTML_REQUIRE_ORACLES"}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "environ", env)
        assert needs_transformer(cell) == ["print('not_a_module_anyone_installs is not installed: "
                                           "skipping the comparison')\n"]
        env["FSTML_REQUIRE_ORACLES"] = "1"
        assert needs_transformer(cell)[0].startswith("raise ModuleNotFoundError")
    assert needs_transformer(["#| needs: numpy\n", "x = 1\n"]) == ["#| needs: numpy\n", "x = 1\n"]
    assert skip_message(["torch"]) == "PyTorch is not installed: skipping the comparison"
    assert needed_modules("x = 1\n#| needs: torch") == []


def _exercise_cells(nb_path):
    cells = [c for c in json.loads(nb_path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    srcs = ["".join(c["source"]) for c in cells]
    return [(s, srcs[i + 1] if i + 1 < len(srcs) else "") for i, s in enumerate(srcs) if "exercise" in directives(s)]


CHECKED = ["10_deep_neural_networks", "11_neural_networks", "12_optimizers", "20_lime", "21_lime_tabular",
           "22_lime_text", "23_lime_image", "30_cnn", "40_rnn"]


@pytest.mark.parametrize("stem", CHECKED)
def test_chapters_hold_checked_exercises(stem):
    nb_path = ROOT / "nbs" / f"{stem}.ipynb"
    found = _exercise_cells(nb_path)
    assert found, f"{stem}: no exercise"
    text = nb_path.read_text(encoding="utf-8")
    assert "## Exercises" in text
    assert stem not in workshop_chapters() or "chapter_setup()" in text, f"{stem}: no mode banner"
    for solution, after in found:
        d = directives(solution)
        assert d.get("hint"), f"{stem}: exercise {d['exercise']!r} has no hint"
        assert "check(" in after, f"{stem}: exercise {d['exercise']!r} is not followed by a check cell"


def test_torch_is_only_in_marked_cells():
    # A chapter that imports torch outside a `#| needs: torch` cell cannot run in the attendee install.
    for stem in workshop_chapters():
        for c in json.loads((ROOT / "nbs" / f"{stem}.ipynb").read_text(encoding="utf-8"))["cells"]:
            src = "".join(c["source"])
            if c["cell_type"] == "code" and "torch." in src.replace("fromscratchtoml", ""):
                assert "torch" in needed_modules(src) or "def " in src, f"{stem}: unmarked torch cell: {src[:80]}"


def test_agenda_and_package_import_without_torch():
    assert [b["minutes"] for b in BLOCKS] == [15, 45, 45, 45]
    assert all((ROOT / "nbs" / f"{c}.ipynb").exists() for c in workshop_chapters())
    code = "import sys, fromscratchtoml, fromscratchtoml.workshop, fromscratchtoml.nn; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_site_folds_exercise_solutions():
    from build_site import fold_exercises
    cell = ('<div class="cell border-box-sizing code_cell rendered celltag_fstml-exercise" id="cell-id=1">\n'
            '<div class="input">\n<div class="inner_cell">\n<div class="input_area">\n'
            '<div class="highlight hl-python"><pre>def f(): return 1\n</pre></div>\n</div>\n</div>\n</div>\n'
            '<div class="output_wrapper">out</div>\n</div>\n')
    out = fold_exercises(cell + cell.replace(" celltag_fstml-exercise", ""))
    assert out.count("<details") == 1 and out.index("<details") < out.index("def f()") < out.index("</details>")
    assert out.index("</details>") < out.index("output_wrapper")


def test_slides_take_marked_cells_only(tmp_path):
    from make_slides import deck_sections
    mark = lambda t: {"slideshow": {"slide_type": t}}
    cells = [{"cell_type": "markdown", "metadata": mark("slide"), "source": "## One\n$x^2$"},
             {"cell_type": "code", "metadata": mark("-"), "source": "#| exercise: x\ny = 1", "outputs": []},
             {"cell_type": "markdown", "metadata": {}, "source": "not on a slide"},
             {"cell_type": "markdown", "metadata": mark("fragment"), "source": "later"},
             {"cell_type": "markdown", "metadata": mark("subslide"), "source": "## Two"}]
    (tmp_path / "ch.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    sections = deck_sections({"title": "T", "minutes": 15, "chapters": ["ch"]}, tmp_path)
    assert len(sections) == 3 and "not on a slide" not in "".join(sections)
    assert "exercise" not in sections[1] and "y" in sections[1] and 'class="fragment"' in sections[1]

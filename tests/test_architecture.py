"""The package's layout is its architecture: one concept per module, dependencies pointing one way.

Every import of every module (at the top or inside a function) is read with `ast`, so a lazy import that
would hide a cycle counts as well.
"""
import ast
from pathlib import Path

import pytest

import fromscratchtoml

PKG = Path(fromscratchtoml.__file__).parent
CLASSIC = {"base", "linear_model", "neighbors", "cluster", "decomposition", "svm"}
MODULES = sorted(p for p in PKG.rglob("*.py") if p.name != "_modidx.py")


def module_name(path):
    parts = path.relative_to(PKG).with_suffix("").parts
    return ".".join(p for p in parts if p != "__init__")


def imported(path):
    "Names of our modules that `path` imports, relative to the package (e.g. 'nn.layers', 'core')."
    me = module_name(path).split(".") if module_name(path) else []
    package = me if path.name == "__init__.py" else me[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "fromscratchtoml":
                target = node.module.split(".")[1:]
            else: continue
            out.add(".".join(target))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "fromscratchtoml": out.add(".".join(a.name.split(".")[1:]))
                if a.name == "importlib": out.add("<importlib>")
    return out


def top(name): return name.split(".")[0]


def test_imported_reads_relative_imports():
    assert "core" in imported(PKG / "nn" / "layers.py")
    assert "nn.layers" in imported(PKG / "nn" / "conv.py")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p) or "__init__")
def test_dependencies_point_one_way(path):
    me, deps = module_name(path), imported(path)
    assert "<importlib>" not in deps, f"{me} uses importlib: import what you need, or register it"
    if me == "core": assert not deps - {""}, f"core imports {deps}"
    if top(me) == "nn":
        bad = {d for d in deps if top(d) in CLASSIC | {"lime", "viz", "data"}}
        assert not bad, f"{me} imports {bad}: nn never imports lime, viz, data, the classic estimators or base"
    if me in CLASSIC:
        assert not {d for d in deps if top(d) == "nn"}, f"{me} imports nn"
    if top(me) in ("lime", "text"):
        assert not {d for d in deps if top(d) == "nn"}, f"{me} imports nn: it must work with any model"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p) or "__init__")
def test_modules_are_small(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= 420, f"{module_name(path)} has {n} lines: split it by concept"


def test_package_has_a_docstring():
    assert fromscratchtoml.__doc__ and "from scratch" in " ".join(fromscratchtoml.__doc__.lower().split())

#!/usr/bin/env python3
"""Write the attendee notebooks: the workshop chapters with every exercise's solution replaced by a stub.

An exercise is a code cell whose directives include `#| exercise: <name>` and `#| hint: <one line>`. Each
top-level function of that cell keeps its signature and docstring; its body becomes
`raise NotImplementedError("<hint>")`, so the check cell after it says which function to write. Everything
else (other cells, directives, metadata) is copied unchanged, and the output is the same bytes every time.

Usage: `python .ci/make_exercises.py [--out workshop] [NOTEBOOK ...]` (default: the chapters of the workshop's
agenda, `fromscratchtoml.workshop.BLOCKS`, plus the workshop page itself). `make exercises` runs it.
"""
from __future__ import annotations
import argparse, ast, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_re_directive = re.compile(r"^\s*#\s*\|\s*([\w-]+)\s*:?\s*(.*)$")


def directives(source: str) -> dict:
    "The `#| key: value` lines at the top of a cell, as {key: value}."
    out = {}
    for line in source.splitlines():
        if not line.strip(): continue
        m = _re_directive.match(line)
        if not m: break
        out[m.group(1)] = m.group(2).strip()
    return out


def stub_source(source: str, hint: str) -> str:
    "`source` with the body of each top-level function replaced by `raise NotImplementedError(hint)`."
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    # Replace from the bottom up, so the line numbers of the functions above stay valid.
    for fn in sorted((n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))),
                     key=lambda n: n.lineno, reverse=True):
        body = fn.body
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]  # the docstring stays: it says what to write
        if not body: continue
        first, last = body[0].lineno - 1, fn.end_lineno
        if body[0].lineno == fn.lineno:  # a one-line `def f(x): return x` has its body on the def line
            head = lines[first][:body[0].col_offset].rstrip() + "\n"
            indent = " " * (fn.col_offset + 4)
            lines[first:last] = [head, f"{indent}raise NotImplementedError({hint!r})\n"]
            continue
        indent = lines[first][:len(lines[first]) - len(lines[first].lstrip())]
        lines[first:last] = [f"{indent}raise NotImplementedError({hint!r})\n"]
    out = "".join(lines)
    return out if source.endswith("\n") else out.rstrip("\n")


def attendee_notebook(nb: dict) -> tuple[dict, list[str]]:
    "A copy of notebook `nb` with each exercise stubbed; the exercise names, in order."
    names = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code": continue
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        d = directives(src)
        if "exercise" not in d: continue
        name = d["exercise"] or "exercise"
        hint = d.get("hint") or f"see the text above `{name}`"
        cell["source"] = stub_source(src, hint)
        cell["outputs"], cell["execution_count"] = [], None
        names.append(name)
    return nb, names


def default_notebooks() -> list[Path]:
    "The workshop page and the chapters of the agenda, read from the package's source without importing it."
    # Reading the file, not importing the package, lets a fresh clone run this with any Python 3 (no NumPy).
    tree = ast.parse((ROOT / "fromscratchtoml" / "workshop.py").read_text(encoding="utf-8"))
    node = next(n.value for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "BLOCKS")
    blocks = eval(compile(ast.Expression(node), "BLOCKS", "eval"), {"__builtins__": {}, "dict": dict})
    stems = [c for b in blocks for c in b["chapters"]]
    return [ROOT / "nbs" / "05_workshop.ipynb"] + [ROOT / "nbs" / f"{c}.ipynb" for c in stems]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "workshop"), help="folder for the attendee notebooks")
    ap.add_argument("notebooks", nargs="*", help="notebooks to convert (default: the workshop's chapters)")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    for p in [Path(n) for n in args.notebooks] or default_notebooks():
        nb, names = attendee_notebook(json.loads(p.read_text(encoding="utf-8")))
        text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
        dest = out / p.name
        if not dest.exists() or dest.read_text(encoding="utf-8") != text: dest.write_text(text, encoding="utf-8")
        total += len(names)
        print(f"{dest}: {len(names)} exercises" + (f" ({', '.join(names)})" if names else ""))
    print(f"{total} exercises; open them with: FSTML_QUICK=1 jupyter lab {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Run the attendee notebooks as an attendee would, and prove that every exercise check can fail.

Each notebook (written by make_exercises.py) runs cell by cell in one IPython shell, as `nbdev_test` runs
them (cells marked `#| eval: false` or with a test flag are skipped). At every exercise the stub is run, then
the check cell under it, which must fail with the friendly "write `...` first" message; then the book's
solution is run in its place and the check must pass, so the rest of the chapter runs on.

Usage: `python .ci/run_workshop.py ATTENDEE.ipynb ... --book nbs` (the book's notebooks of the same names
hold the solutions). Exit status 1 when a cell fails, a check passes on a stub, or a solution fails its check.
"""
from __future__ import annotations
import argparse, json, os, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_exercises import directives  # noqa: E402

SKIP_FLAGS = {"slow"}  # settings.ini's tst_flags: cells only the full run executes


def code_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"] if c["cell_type"] == "code"]


def skipped(src: str) -> bool:
    d = directives(src)
    return d.get("eval", "").lower() == "false" or bool(SKIP_FLAGS & set(d)) or "nbdev_export(" in src


def run_notebook(attendee: Path, book: Path) -> list[str]:
    "Problems found running `attendee` (solutions taken from `book`); empty when all is well."
    from execnb.shell import CaptureShell
    stubs, solutions = code_cells(attendee), code_cells(book)
    if len(stubs) != len(solutions): return [f"{attendee.name}: not the same cells as {book}"]
    sh, problems, pending = CaptureShell(), [], None
    sh.run_cell("get_ipython().run_line_magic('matplotlib', 'agg')")

    counts = {"cells": 0, "skipped comparisons": 0}

    def run(src):
        res = sh.run_cell(src)
        counts["cells"] += 1
        counts["skipped comparisons"] += "skipping the comparison" in (res.stdout or "")
        return res.exception

    for i, (stub, solution) in enumerate(zip(stubs, solutions)):
        if skipped(stub): continue
        name = directives(stub).get("exercise")
        err = run(stub)
        if err is not None:
            if pending is not None and type(err).__name__ == "CheckFailed" and "first" in str(err):
                print(f"  {pending[0]}: the check fails on the stub: {str(err).splitlines()[0][:100]}")
                err = run(pending[1]) or run(stub)  # the solution in place, then the same check again
                if err is not None: problems.append(f"{attendee.name} cell {i}: the solution fails its check: {err}")
                pending = None
                continue
            problems.append(f"{attendee.name} cell {i}: {type(err).__name__}: {err}")
            break  # later cells depend on this one
        if pending is not None and name is None:
            problems.append(f"{attendee.name} cell {i}: the check after exercise {pending[0]!r} passed on the stub")
            pending = None
        if name is not None: pending = (name, solution)
    print(f"  {counts['cells']} cells run, {counts['skipped comparisons']} comparisons skipped (oracle not installed)")
    return problems


def run_one(path: Path, book: str) -> list[str]:
    "Run one attendee notebook from its own folder, as JupyterLab does."
    t0, cwd = time.time(), os.getcwd()
    os.chdir(path.parent)
    try: found = run_notebook(path.resolve(), (Path(cwd) / book / path.name).resolve())
    finally: os.chdir(cwd)
    print(f"{path.name}: {'ok' if not found else 'FAILED'} in {time.time() - t0:.0f} s", flush=True)
    return found


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--book", default="nbs", help="folder of the book's notebooks (the solutions)")
    ap.add_argument("--jobs", type=int, default=1, help="notebooks run at once, each in its own process")
    args = ap.parse_args(argv)
    os.environ["IN_TEST"] = "1"  # as nbdev_test: no export, no interactive widgets
    paths = [Path(p) for p in args.notebooks]
    if args.jobs > 1 and len(paths) > 1:
        # One process per notebook, started afresh: a chapter's kernel state (dtypes, transformers) never leaks
        # into another, and IPython, which replaces `__main__`, never meets a process pool's pickled tasks.
        import subprocess
        from concurrent.futures import ThreadPoolExecutor
        def child(p):
            r = subprocess.run([sys.executable, __file__, "--book", args.book, str(p)], capture_output=True, text=True)
            print(r.stdout + r.stderr, end="", flush=True)
            return [] if r.returncode == 0 else [f"{p.name}: see the output above"]
        with ThreadPoolExecutor(args.jobs) as pool:
            results = list(pool.map(child, paths))
    else: results = [run_one(p, args.book) for p in paths]
    problems = [m for r in results for m in r]
    for msg in problems: print("error:", msg)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

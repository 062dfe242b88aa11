#!/usr/bin/env python3
"""Regenerate README.md from nbs/index.ipynb (nbdev's doc processors + nbconvert; no Quarto needed).

Usage: make_readme.py [--check] [--root DIR]
  --check  do not write; exit 1 when README.md differs from what the index notebook gives.
"""
from __future__ import annotations
import argparse, difflib, os, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nbdoc import readme_markdown, write_atomic  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only compare, exit 1 on a difference")
    ap.add_argument("--root", default=str(Path(__file__).resolve().parent.parent), help="project root")
    a = ap.parse_args(argv)
    root = Path(a.root).resolve()
    os.chdir(root)  # nbdev reads settings.ini from the current directory upwards
    from nbdev.config import get_config
    cfg = get_config()
    index = cfg.nbs_path / cfg.get("readme_nb", "index.ipynb")
    text = readme_markdown(index)
    readme = root / "README.md"
    if a.check:
        old = readme.read_text(encoding="utf-8") if readme.exists() else ""
        if old == text: return 0
        sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), text.splitlines(True),
                                                   "README.md (in the tree)", "README.md (from index.ipynb)"))
        print("README.md is out of date: run `make readme`", file=sys.stderr)
        return 1
    write_atomic(readme, text)
    print(f"wrote {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What every benchmark shares: thread-pinned worker processes, interleaved repeats, the table, the JSON file.

`python benchmarks/_harness.py` runs every benchmark (this is what `make bench` does); each bench_*.py runs
only its own workloads and takes the same options. A workload is measured at several shapes, at 1 thread
and at the machine's thread count. Every (workload, thread count) runs in a fresh process, because BLAS
and OpenMP size their thread pools when they load. Ours and the reference alternate inside that process, so
load from other processes hits both alike, and the best of the repeats is kept (the JSON file holds all).

Ratios: for the networks, our training throughput over PyTorch's (higher is better); for LIME and the classic
estimators, our seconds over the reference's (lower is better).
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:   # so a checkout that is not pip-installed benchmarks its own package
    sys.path.insert(1, str(ROOT))

SCRIPTS = ("bench_mlp", "bench_cnn", "bench_rnn", "bench_lime", "bench_classic")
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# Kernel choices the machine may pin in the environment; reported, never changed.
BLAS_TUNING = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


@dataclass
class Workload:
    "A measurement at several shapes; `measure(params, repeats, budget_s)` returns a `Timing`."
    name: str                                  # what --only selects
    title: str                                 # the table's label
    reference: str                             # "torch", "scikit-learn" or "lime"
    measure: Callable
    shapes: dict                               # label -> parameters of the full run
    quick: dict                                # label -> parameters of the quick run
    throughput: bool = False                   # Timing holds seconds per epoch of `samples` samples
    target: Optional[tuple] = None             # (">=" or "<=", at 1 thread, at more threads)
    # epoch(params, side) builds data and model for side "ours" or "torch" and returns a function that runs
    # one training epoch: its peak resident memory is measured in a process of its own
    epoch: Optional[Callable] = None
    script: str = ""


@dataclass
class Timing:
    ours: list                                 # seconds of each repeat
    ref: list
    samples: Optional[int] = None              # per repeat, when the figure is a throughput
    note: str = ""                             # printed under the table
    extra: dict = field(default_factory=dict)  # only in the JSON file


def threads():
    "The thread count this process was started with."
    return int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or len(os.sched_getaffinity(0))


def import_torch():
    "torch, with its intra-op pool at this process's thread count (it does not read OPENBLAS_NUM_THREADS)."
    import torch
    torch.set_num_threads(threads())
    return torch


def interleave(ours, ref, repeats, budget_s, min_repeats=2, max_repeats=10):
    """Call ours() and ref() in turn, each returning the seconds it measured; the order swaps every round
    so that neither side always runs on a warm cache. Rounds past `min_repeats` run only while the cell has
    used less than `budget_s`, which keeps the slow shapes from dominating the run; cells still under a
    third of it after `repeats` rounds go on to `max_repeats`, since their timings are the noisiest."""
    a, b = [], []
    start = time.perf_counter()
    for i in range(max(repeats, max_repeats)):
        elapsed = time.perf_counter() - start
        if i >= min_repeats and elapsed > (budget_s if i < repeats else budget_s / 3):
            break
        if i % 2 == 0:
            a.append(ours())
            b.append(ref())
        else:
            b.append(ref())
            a.append(ours())
    return a, b


def stopwatch(fn):
    "Seconds one call of fn() takes."
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


class Timed:
    "A classifier wrapper that adds up the seconds spent inside it, so that model time can be left out."
    def __init__(self, fn):
        self.fn, self.seconds = fn, 0.0

    def __call__(self, x):
        t = time.perf_counter()
        out = self.fn(x)
        self.seconds += time.perf_counter() - t
        return out


# ---------------------------------------------------------------------------------------------- worker side

def _rss_mib():
    "Resident memory now, from /proc (ru_maxrss only ever gives the peak)."
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def _pools():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    keep = ("user_api", "internal_api", "prefix", "version", "architecture", "threading_layer", "num_threads")
    return [{k: p.get(k) for k in keep} for p in threadpool_info()]


def _versions():
    from importlib import metadata
    out = {"python": sys.version.split()[0]}
    dists = {"numpy": "numpy", "scipy": "scipy", "torch": "torch", "sklearn": "scikit-learn", "lime": "lime",
             "skimage": "scikit-image"}
    for mod, dist in dists.items():
        if mod in sys.modules:
            try:
                out[dist] = metadata.version(dist)
            except metadata.PackageNotFoundError:
                out[dist] = getattr(sys.modules[mod], "__version__", "?")
    return out


def _worker(wl, args):
    shapes = wl.quick if args.quick else wl.shapes
    for label in json.loads(args.shapes):
        params = shapes[label]
        if args.memory:
            run_epoch = wl.epoch(params, args.memory)
            before = _rss_mib()
            run_epoch()
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            rec = {"peak_mib": peak, "epoch_mib": peak - before, "torch_loaded": "torch" in sys.modules}
        else:
            t = wl.measure(params, args.repeats, args.budget)
            rec = {"ours": t.ours, "ref": t.ref, "samples": t.samples, "note": t.note, "extra": t.extra}
            row = _timing_row(wl, label, threads(), rec)
            print(f"  {wl.title:<22} {label:<26} {threads()} thr  ours {_fmt(row['ours'], row['unit'])}  "
                  f"{wl.reference} {_fmt(row['reference'], row['unit'])}  ratio {row['ratio']:.2f}",
                  flush=True)
        rec.update(label=label, pools=_pools(), versions=_versions())
        # one line per shape as soon as it is measured, so that a crash later keeps the shapes before it
        with open(args.out, "a") as out:
            out.write(json.dumps(rec) + "\n")


# ---------------------------------------------------------------------------------------------- parent side

def _fmt(v, unit):
    if v is None:
        return "-"
    if unit == "s":
        return f"{v:.4f} s" if v < 1 else f"{v:.3f} s"
    if unit == "MiB":
        return f"{v:.0f} MiB"
    return f"{v:.0f} samples/s"


def _target_for(wl, n_threads):
    if wl.target is None:
        return None
    op, one, more = wl.target
    return op, (one if n_threads == 1 else more)


def _timing_row(wl, label, n_threads, rec):
    if wl.throughput:
        ours, ref, unit = rec["samples"] / min(rec["ours"]), rec["samples"] / min(rec["ref"]), "samples/s"
    else:
        ours, ref, unit = min(rec["ours"]), min(rec["ref"]), "s"
    ratio = ours / ref
    target = _target_for(wl, n_threads)
    met = None if target is None else (ratio >= target[1] if target[0] == ">=" else ratio <= target[1])
    return {"workload": wl.name, "title": wl.title, "shape": label, "threads": n_threads, "metric": "speed",
            "unit": unit, "ours": ours, "reference": ref, "reference_name": wl.reference, "ratio": ratio,
            "target": None if target is None else f"{target[0]}{target[1]:g}", "met": met,
            "ours_median": (rec["samples"] / statistics.median(rec["ours"]) if wl.throughput
                            else statistics.median(rec["ours"])),
            "reference_median": (rec["samples"] / statistics.median(rec["ref"]) if wl.throughput
                                 else statistics.median(rec["ref"])),
            "ours_seconds": rec["ours"], "reference_seconds": rec["ref"], "samples": rec["samples"],
            "note": rec["note"], "extra": rec["extra"]}


def _memory_rows(wl, label, ours, theirs):
    rows = []
    for metric, key, what in (("peak memory", "peak_mib", "peak RSS"),
                              ("epoch memory", "epoch_mib", "epoch's RSS growth")):
        rows.append({"workload": wl.name, "title": f"{wl.name.upper()} {what}", "shape": label, "threads": 1,
                     "metric": metric, "unit": "MiB", "ours": ours[key], "reference": theirs[key],
                     "reference_name": wl.reference,
                     "ratio": ours[key] / theirs[key] if theirs[key] else None,
                     "target": None, "met": None, "note": "", "extra": {}})
    return rows


def _spawn(wl, n_threads, labels, args, memory=None):
    "Run one worker process; returns whether it succeeded, and the records it wrote before it ended."
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = str(n_threads)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rows.jsonl"
        cmd = [sys.executable, str(HERE / f"{wl.script}.py"), "--worker", wl.name,
               "--threads", str(n_threads), "--shapes", json.dumps(labels), "--out", str(out),
               "--repeats", str(args.repeats), "--budget", str(args.budget)]
        if args.quick:
            cmd.append("--quick")
        if memory:
            cmd += ["--memory", memory]
        rc = subprocess.run(cmd, env=env, cwd=str(ROOT)).returncode
        recs = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    if rc != 0:
        print(f"  FAILED: {wl.name} at {n_threads} thread(s){' (' + memory + ' memory)' if memory else ''}, "
              f"exit status {rc}", flush=True)
    return rc == 0, recs


def _git_state():
    def git(*a):
        r = subprocess.run(["git", *a], cwd=str(ROOT), capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else None
    dirty = git("status", "--porcelain", "--", "fromscratchtoml")
    return {"commit": git("rev-parse", "HEAD"), "package_modified": None if dirty is None else bool(dirty)}


def _cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _blas_summary(pools_by_threads):
    "Per thread count: every BLAS and OpenMP library the workers loaded, with its kernels and threads."
    lines = []
    for n, pools in sorted(pools_by_threads.items()):
        libs = [f"{p['prefix']} {p['version'] or ''} ({p['internal_api']}"
                + (f", {p['architecture']} kernels" if p.get("architecture") else "")
                + f", {p['num_threads']} thread(s))" for p in pools]
        lines.append(f"thread pools at {n} thread(s): " + "; ".join(libs))
        if any(p["num_threads"] != n for p in pools):
            lines.append(f"WARNING: a pool did not run at {n} thread(s): those rows measure something else")
    return lines


def _add_pools(seen, new):
    for p in new:
        if p not in seen:
            seen.append(p)


def _print_table(rows, previous=None):
    head = ["workload", "shape", "threads", "ours", "reference", "ratio", "target", "met"]
    if previous:
        head.append("before")
    body = []
    for r in rows:
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        met = "-" if r["met"] is None else ("met" if r["met"] else "NOT met")
        cells = [r["title"], r["shape"], str(r["threads"]), _fmt(r["ours"], r["unit"]),
                 f"{r['reference_name']} {_fmt(r['reference'], r['unit'])}", ratio, r["target"] or "-", met]
        if previous:
            old = previous.get((r["workload"], r["metric"], r["shape"], r["threads"]))
            cells.append("-" if old is None or old["ratio"] is None else f"{old['ratio']:.2f}")
        body.append(cells)
    widths = [max(len(c[i]) for c in [head] + body) for i in range(len(head))]
    right = {2, 3, 4, 5}
    for cells in [head] + body:
        line = "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))
        print(line.rstrip())


def _parse(argv, doc, names):
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller shapes and 2 repeats: a try-out in minutes")
    ap.add_argument("--only", default="", help=f"comma-separated workloads, of: {', '.join(names)}")
    ap.add_argument("--threads", default="",
                    help="comma-separated thread counts (default: 1 and this machine's, "
                         f"{len(os.sched_getaffinity(0))})")
    ap.add_argument("--repeats", type=int, default=None,
                    help="interleaved repeats per cell, within --budget (default 3, quick 2); cells that "
                         "take under a third of the budget repeat up to 10 times")
    ap.add_argument("--budget", type=float, default=None,
                    help="seconds per cell after which no repeat past the second starts (default 6, quick 2)")
    ap.add_argument("--no-memory", action="store_true", help="skip the peak-memory processes")
    ap.add_argument("--json", default="", help="also write every figure to this JSON file")
    ap.add_argument("--compare", default="",
                    help="a JSON file of an earlier run: adds its ratios as a column (default: the file that "
                         "--json is about to replace, which is kept as NAME.previous.json)")
    ap.add_argument("--list", action="store_true", help="list the workloads and their shapes, then stop")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--shapes", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--memory", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.repeats is None:
        args.repeats = 2 if args.quick else 3
    if args.budget is None:
        args.budget = 2.0 if args.quick else 6.0
    return args


def main(workloads, doc=__doc__, argv=None):
    "The command line of every benchmark script: run `workloads`, print the table, write the JSON file."
    args = _parse(argv, doc, [w.name for w in workloads])
    if args.worker:
        _worker(next(w for w in workloads if w.name == args.worker), args)
        return
    if args.list:
        for w in workloads:
            print(f"{w.name:<18} {w.title:<22} shapes: {', '.join(w.quick if args.quick else w.shapes)}")
        return
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - {w.name for w in workloads}
    if unknown:
        sys.exit(f"unknown workload(s): {', '.join(sorted(unknown))}; --list shows them")
    selected = [w for w in workloads if not only or w.name in only]
    counts = ([int(s) for s in args.threads.split(",") if s.strip()] if args.threads
              else sorted({1, len(os.sched_getaffinity(0))}))
    tuning = {v: os.environ.get(v) for v in BLAS_TUNING}
    load_before = os.getloadavg()
    start = time.time()
    print(f"benchmarks: {', '.join(w.name for w in selected)}; threads {counts}; "
          f"{'quick' if args.quick else 'full'} run, best of up to {args.repeats} interleaved repeats")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)}; "
          + ", ".join(f"{k}={v if v is not None else 'unset'}" for k, v in tuning.items()), flush=True)
    rows, failed, pools, versions = [], [], {}, {}
    for w in selected:
        labels = list(w.quick if args.quick else w.shapes)
        print(f"== {w.title} ({w.name}, {w.script}.py)", flush=True)
        for n in counts:
            ok, recs = _spawn(w, n, labels, args)
            if not ok:
                failed.append(f"{w.name} at {n} thread(s)")
            for rec in recs:
                rows.append(_timing_row(w, rec["label"], n, rec))
                _add_pools(pools.setdefault(n, []), rec["pools"])
                versions.update(rec["versions"])
        if w.epoch is None or args.no_memory:
            continue
        for label in labels:
            got = {side: _spawn(w, 1, [label], args, memory=side)[1] for side in ("ours", "torch")}
            if not all(got.values()):
                failed.append(f"{w.name} memory {label}")
                continue
            ours, theirs = got["ours"][0], got["torch"][0]
            if ours["torch_loaded"]:
                print("  WARNING: our memory process imported torch: its peak includes torch's", flush=True)
            print(f"  {w.title} peak memory, {label}: ours {ours['peak_mib']:.0f} MiB "
                  f"(epoch {ours['epoch_mib']:.0f}), torch {theirs['peak_mib']:.0f} MiB "
                  f"(epoch {theirs['epoch_mib']:.0f})", flush=True)
            rows.extend(_memory_rows(w, label, ours, theirs))
    load_after = os.getloadavg()
    elapsed = time.time() - start

    previous = None
    compare = args.compare or (args.json if args.json and Path(args.json).exists() else "")
    if compare:
        old = json.loads(Path(compare).read_text())
        if old["meta"].get("quick") != args.quick and not args.compare:
            kind = "quick" if old["meta"].get("quick") else "full"
            print(f"(not compared with {compare}: it holds a {kind} run)")
        else:
            previous = {(r["workload"], r["metric"], r["shape"], r["threads"]): r for r in old["rows"]}
    print()
    print("Ratio: throughput ours/torch for the networks (higher is better), seconds ours/reference for LIME")
    print("(explainer alone: model and segmentation excluded) and the classic estimators (lower is better);")
    print("memory: ours/torch, each in its own process at 1 thread: the process's peak resident set, and how")
    print("far one training epoch raised it.")
    _print_table(rows, previous)
    notes = [f"{r['title']}, {r['shape']}, {r['threads']} thread(s): {r['note']}"
             for r in rows if r.get("note")]
    if notes:
        print("\nnotes:")
        for line in notes:
            print(textwrap.fill(line, 110, initial_indent="  ", subsequent_indent="    "))
    print()
    for line in _blas_summary(pools):
        print(line)
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in load_after)}; {elapsed / 60:.1f} min; "
          f"cores: {os.cpu_count()}, usable: {len(os.sched_getaffinity(0))}")
    met = [r["met"] for r in rows if r["met"] is not None]
    print(f"targets met: {sum(met)} of {len(met)}")
    if args.json:
        meta = {"date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start)), "quick": args.quick,
                "repeats": args.repeats, "budget_s": args.budget, "threads": counts, "elapsed_s": elapsed,
                "load_before": load_before, "load_after": load_after, "cpu": _cpu_model(),
                "cpus_usable": len(os.sched_getaffinity(0)), "blas_tuning_env": tuning,
                "thread_pools": {str(k): v for k, v in pools.items()}, "versions": versions,
                "failed": failed, **_git_state()}
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.replace(path.with_suffix(".previous.json"))
        path.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
        print(f"figures written to {path}")
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        sys.exit(1)


def main_all(argv=None):
    "Every benchmark script's workloads, in one table."
    import importlib
    workloads = []
    for name in SCRIPTS:
        workloads.extend(importlib.import_module(name).WORKLOADS)
    main(workloads, __doc__, argv)


if __name__ == "__main__":
    import _harness   # one module object for the scripts to share, not a second copy named __main__
    _harness.main_all()

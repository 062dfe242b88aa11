"""What every test shares: importing an oracle, PyTorch in float64, `close` / `cmp`, finite differences.

An oracle (PyTorch, scikit-learn, lime) is a development dependency. Without it, its comparisons skip with
one line; `FSTML_REQUIRE_ORACLES=1` (CI) turns that skip into a failure, so no parity test passes by not
running. Gradients are checked with the package's own `fromscratchtoml.nn.gradcheck`; `numeric_grad` is
for the few checks it does not fit (a plain function, or a layer called with extra arguments).
"""
import importlib
import os
import sys

import numpy as np
import pytest


def oracles_required() -> bool:
    "True when `FSTML_REQUIRE_ORACLES` is set to a true value: a missing oracle fails instead of skipping."
    return os.environ.get("FSTML_REQUIRE_ORACLES", "").strip().lower() in ("1", "true", "yes", "on")


def oracle(*names):
    "Import the oracle modules `names`, returning the last; if one is missing, skip the caller (fail in CI)."
    module = None
    for name in names:
        try:
            module = importlib.import_module(name)
        except ImportError as e:
            msg = f"oracle {name} is not installed ({e}); `pip install -e '.[dev]'` installs the oracles"
            if oracles_required():
                pytest.fail(f"{msg}, and FSTML_REQUIRE_ORACLES=1 requires them", pytrace=False)
            # allowed at module level too: a file that compares with one oracle throughout skips as a whole
            pytest.skip(msg, allow_module_level=True)
    return module


@pytest.fixture
def torch64():
    "PyTorch with float64 as its default dtype (the precision of our checks), old settings restored after."
    torch = oracle("torch")
    dtype, threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    # the oracle's tensors are tiny: one thread is faster, and its sums do not depend on the core count
    torch.set_num_threads(1)
    yield torch
    torch.set_default_dtype(dtype)
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _layer_registry_restored():
    "Layer classes a test defines (a deliberately wrong one among them) leave the registry with the test."
    registry = getattr(sys.modules.get("fromscratchtoml.nn"), "LAYERS", None)
    before = dict(registry) if registry is not None else None
    yield
    if before is not None:
        registry.clear()
        registry.update(before)


def _as_array(a):
    "A NumPy view of an array, scalar or (PyTorch) tensor."
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    return np.asarray(a)


def close(ours, theirs, rtol=1e-5, atol=1e-8, name="value"):
    "`np.allclose(ours, theirs, rtol, atol)` wanting equal shapes and explaining a failure; returns max diff."
    ours, theirs = _as_array(ours), _as_array(theirs)
    if ours.shape != theirs.shape:
        raise AssertionError(f"{name}: shape ours {ours.shape} vs theirs {theirs.shape}")
    diff = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
    bound = atol + rtol * np.abs(theirs.astype(np.float64))
    maxdiff = float(diff.max()) if diff.size else 0.0
    if np.all(diff <= bound):   # NaN compares False, so a NaN anywhere fails
        return maxdiff
    exact = bool(np.array_equal(ours, theirs))
    worst = np.unravel_index(np.argmax(np.where(np.isnan(diff), np.inf, diff - bound)), diff.shape)
    at = tuple(int(i) for i in worst)
    with np.printoptions(precision=10, threshold=60, edgeitems=4, linewidth=110):
        raise AssertionError(
            f"{name}: exact {exact} | approximate False | maxdiff {maxdiff:.3g}"
            f" (allowed {atol:g} + {rtol:g} |theirs|)"
            f"\nworst at {at}: ours {ours[worst].item()!r} vs theirs {theirs[worst].item()!r}"
            f"\nours:\n{ours}\ntheirs:\n{theirs}")


def cmp(name, ours, theirs, tol=1e-10, rtol=0.0):
    "`close` with the name first and an absolute tolerance, like nn-zero-to-hero's `cmp('dlogits', ...)`."
    return close(ours, theirs, rtol=rtol, atol=tol, name=name)


def numeric_grad(f, x, eps=1e-6):
    "Central differences (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) of a scalar `f(x)`, for each entry of x."
    # x changes in place and is restored: f may read it through a closure, as a layer reads its parameters
    g = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


def _browser_check():
    "The project's browser check (.ci/browser_check.py): it finds Chromium and knows whether it is required."
    import sys
    from pathlib import Path
    ci = str(Path(__file__).resolve().parent.parent / ".ci")
    if ci not in sys.path: sys.path.insert(0, ci)
    import browser_check
    return browser_check


@pytest.fixture(scope="session")
def chromium(request):
    "Chromium's path; a missing browser skips the browser tests (one line for all) or, when required, fails."
    browser_check = _browser_check()
    problem = browser_check.browser_problem()
    if problem is None:
        return browser_check.find_chromium()
    if browser_check.browser_required():
        pytest.fail(f"{problem}; FSTML_REQUIRE_BROWSER=1 requires the browser tests", pytrace=False)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    # pytest shows skip reasons only with -rs: say it once, in plain view.
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write(f"\nthe browser tests are SKIPPED: {problem}\n")
    pytest.skip(f"no browser: {problem}")

"""Training throughput of a 784-256-128-10 ReLU MLP (float32, Adam, cross-entropy): ours vs the same PyTorch
model and loop, at batch sizes 32, 128 and 512.

Next to the ratio, a note gives the machine's float32 matmul GFLOP/s (a 2048^3 product, and the training
step's own products at its batch size), the seconds of the optimizer's update alone, and the ceiling that the
matrix products plus that update put on any NumPy loop: NumPy cannot fuse Adam's element-wise passes into
one, so that part is a floor, not overhead. `python benchmarks/bench_mlp.py --help` lists the options.
"""
import functools
from pathlib import Path

import _harness as H
import numpy as np
from fromscratchtoml.nn.layers import Dense
from fromscratchtoml.nn.model import Sequential
from fromscratchtoml.nn.optimizers import Adam

SIZES = (784, 256, 128, 10)


def flops_per_sample():
    "Multiply-adds x2 of forward, weight gradients, and input gradients of every layer but the first."
    fwd = sum(a * b for a, b in zip(SIZES[:-1], SIZES[1:]))
    dx = sum(a * b for a, b in zip(SIZES[1:-1], SIZES[2:]))
    return 2 * (2 * fwd + dx)


@functools.lru_cache(maxsize=None)
def matmul_gflops(n=2048, repeats=3):
    "Best float32 GFLOP/s of an n x n matrix product with NumPy's BLAS."
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    b = a.copy()
    c = np.empty_like(a)
    np.matmul(a, b, out=c)
    best = min(H.stopwatch(lambda: np.matmul(a, b, out=c)) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def step_gemm_gflops(batch, repeats=50):
    "GFLOP/s of only the matrix products of one training step (forward, weight and input gradients)."
    rng = np.random.default_rng(0)
    acts = [rng.random((batch, n), dtype=np.float32) for n in SIZES]
    Ws = [rng.random((a, b), dtype=np.float32) for a, b in zip(SIZES[:-1], SIZES[1:])]
    outs = [np.empty((batch, b), np.float32) for b in SIZES[1:]]
    gW = [np.empty_like(W) for W in Ws]
    gx = [np.empty((batch, a), np.float32) for a in SIZES[1:-1]]

    def once():
        for i, W in enumerate(Ws):
            np.matmul(acts[i], W, out=outs[i])
        for i, W in enumerate(Ws):
            np.matmul(acts[i].T, acts[i + 1], out=gW[i])
        for i in range(1, len(Ws)):
            np.matmul(acts[i + 1], Ws[i].T, out=gx[i - 1])

    def rounds():
        for _ in range(repeats // 5):
            once()

    once()
    best = min(H.stopwatch(rounds) for _ in range(5)) / (repeats // 5)
    return flops_per_sample() * batch / best / 1e9


def optimizer_step_seconds(model, repeats=100):
    "Seconds of one `Adam.step` over the model's 235,146 parameters, alone (best of 5 rounds)."
    params, grads = model.parameters()

    def rounds():
        for _ in range(repeats // 5):
            model.optimizer.step(params, grads)

    return min(H.stopwatch(rounds) for _ in range(5)) / (repeats // 5)


def data(n):
    rng = np.random.default_rng(0)
    return rng.random((n, SIZES[0]), dtype=np.float32), rng.integers(0, SIZES[-1], n)


def ours_model(X, y, batch):
    model = Sequential([Dense(256, activation="relu"), Dense(128, activation="relu"), Dense(10)], seed=0)
    model.compile("cross_entropy", Adam(1e-3))
    # the first fit builds the layers and allocates the buffers, which no timed epoch should pay for
    model.fit(X[:4 * batch], y[:4 * batch], epochs=1, batch_size=batch, verbose=False)
    return model


def torch_epoch_fn(X, y, batch):
    torch = H.import_torch()
    torch.manual_seed(0)
    L = torch.nn.Linear
    net = torch.nn.Sequential(L(784, 256), torch.nn.ReLU(), L(256, 128), torch.nn.ReLU(), L(128, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def epoch(n=len(X)):
        perm = torch.randperm(n)
        for lo in range(0, n, batch):
            idx = perm[lo:lo + batch]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()

    epoch(4 * batch)
    return epoch


def measure(p, repeats, budget):
    X, y = data(p["n"])
    batch = p["batch"]
    model = ours_model(X, y, batch)
    torch_epoch = torch_epoch_fn(X, y, batch)

    def ours_epoch():
        model.fit(X, y, epochs=1, batch_size=batch, verbose=False)

    ours, ref = H.interleave(lambda: H.stopwatch(ours_epoch), lambda: H.stopwatch(torch_epoch),
                             repeats, budget)
    peak, step_peak, t_opt = matmul_gflops(), step_gemm_gflops(batch), optimizer_step_seconds(model)
    ours_gflops = flops_per_sample() * len(X) / min(ours) / 1e9
    step_flops = flops_per_sample() * batch
    t_products = step_flops / (step_peak * 1e9)
    ceiling = step_flops / (t_products + t_opt) / 1e9   # products + update, nothing else
    note = (f"ours {ours_gflops:.1f} GFLOP/s = {ours_gflops / peak:.0%} of the 2048^3 matmul peak "
            f"({peak:.1f} GFLOP/s); the step's own products alone run at {step_peak:.1f} GFLOP/s; "
            f"Adam's update alone takes {t_opt * 1e6:.0f} us/step vs {t_products * 1e6:.0f} us of products, "
            f"so products + update give a ceiling of {ceiling:.1f} GFLOP/s "
            f"= {ceiling / peak:.0%} of the peak; "
            f"our loop reaches {ours_gflops / ceiling:.0%} of that ceiling")
    extra = {"gflops_ours": ours_gflops, "gflops_matmul_2048": peak, "gflops_step_products": step_peak,
             "adam_step_s": t_opt, "ceiling_gflops": ceiling}
    return H.Timing(ours, ref, samples=len(X), note=note, extra=extra)


def shapes(pairs):
    "Labels name the batch size only; the epoch's sample count, smaller for a quick run, is in the JSON file."
    return {f"batch {b}": {"batch": b, "n": n} for b, n in pairs}


WORKLOADS = [
    H.Workload("mlp", "MLP training", "torch", measure, throughput=True, target=(">=", 1.4, 1.1),
               script=Path(__file__).stem,
               shapes=shapes(((32, 8192), (128, 16384), (512, 16384))),
               quick=shapes(((32, 1024), (128, 2048), (512, 2048)))),
]

if __name__ == "__main__":
    H.main(WORKLOADS, __doc__)

"""Training throughput of the reference CNN, ours (NumPy, im2col) against the same PyTorch model, plus the
naive-loop vs im2col convolution table.

Reference CNN (1x28x28 inputs, batch 64, float32, plain SGD):
    conv3x3(8, pad 1) -> ReLU -> maxpool 2 -> conv3x3(16, pad 1) -> ReLU -> maxpool 2 -> flatten -> dense 10

Both libraries run with the same number of threads (default 1: `--threads N` to change), in one process,
alternating rounds so that load from other processes hits both alike; the best round of each is reported.

    python benchmarks/bench_cnn.py [--threads 1] [--rounds 5] [--batches 40]
"""
import argparse
import os
import sys

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--threads", type=int, default=1, help="BLAS / torch threads for both (default 1)")
parser.add_argument("--rounds", type=int, default=5, help="timed rounds per library (best one is reported)")
parser.add_argument("--batches", type=int, default=40, help="batches of 64 per round")
args = parser.parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):   # before NumPy loads its BLAS
    os.environ[var] = str(args.threads)

import time
import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fromscratchtoml.nn.conv import Conv2D, conv2d_naive, im2col
from fromscratchtoml.nn.pooling import MaxPool2D
from fromscratchtoml.nn.layers import Activation, Dense, Flatten
from fromscratchtoml.nn.model import Sequential
from fromscratchtoml.nn.optimizers import SGD

torch.set_num_threads(args.threads)
BATCH = 64
rng = np.random.default_rng(0)
n = BATCH * args.batches
X = rng.random((n, 1, 28, 28), dtype=np.float32)
y = rng.integers(0, 10, n)


def ours_model():
    m = Sequential([Conv2D(8, 3, padding=1), Activation("relu"), MaxPool2D(2),
                    Conv2D(16, 3, padding=1), Activation("relu"), MaxPool2D(2),
                    Flatten(), Dense(10)], seed=0)
    m.compile(loss="cross_entropy", optimizer=SGD(learning_rate=0.01))
    return m


def torch_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                               torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                               torch.nn.Flatten(), torch.nn.Linear(16 * 7 * 7, 10))


ours = ours_model()
ours.fit(X[:BATCH * 2], y[:BATCH * 2], epochs=1, batch_size=BATCH, shuffle=False, verbose=False)   # build + warm up

tm = torch_model()
opt = torch.optim.SGD(tm.parameters(), lr=0.01)
Xt, yt = torch.from_numpy(X), torch.from_numpy(y)


def torch_epoch():
    for i in range(0, n, BATCH):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(tm(Xt[i:i + BATCH]), yt[i:i + BATCH])
        loss.backward()
        opt.step()


def ours_epoch():
    ours.fit(X, y, epochs=1, batch_size=BATCH, shuffle=False, verbose=False)


torch_epoch()
best = {"ours": 0.0, "torch": 0.0}
for r in range(args.rounds):
    for name, f in (("ours", ours_epoch), ("torch", torch_epoch)):
        t0 = time.perf_counter()
        f()
        best[name] = max(best[name], n / (time.perf_counter() - t0))

print(f"reference CNN training, batch {BATCH}, float32, {args.threads} thread(s), best of {args.rounds} rounds of {n} samples")
print(f"  fromscratchtoml: {best['ours']:8.0f} samples/s")
print(f"  PyTorch {torch.__version__}: {best['torch']:8.0f} samples/s")
print(f"  ratio ours/torch: {best['ours'] / best['torch']:.2f}x  (target >= 0.7x)")

# ------------------------------------------------------------------ naive loop vs im2col (forward convolution)
print("\nconvolution forward pass: naive loop vs im2col (one matrix product)")
print(f"{'layer':<28} {'batch':>5} {'loop (ms)':>10} {'im2col (ms)':>12} {'speed-up':>9}")
for label, C, Fo, H in [("conv3x3 1->8, 28x28, pad 1", 1, 8, 28), ("conv3x3 8->16, 14x14, pad 1", 8, 16, 14)]:
    W = rng.normal(size=(Fo, C, 3, 3)).astype(np.float32)
    b = np.zeros(Fo, np.float32)
    for N in (1, 4, 16):
        x = rng.random((N, C, H, H), dtype=np.float32)
        t0 = time.perf_counter()
        ref = conv2d_naive(x, W, b, pads=(1, 1, 1, 1))
        t_loop = time.perf_counter() - t0
        reps = 50
        t0 = time.perf_counter()
        for _ in range(reps):
            out = (W.reshape(Fo, -1) @ im2col(x, 3, 3, pads=(1, 1, 1, 1)) + b[:, None]).reshape(Fo, N, H, H)
        t_fast = (time.perf_counter() - t0) / reps
        assert np.abs(out.transpose(1, 0, 2, 3) - ref).max() < 1e-3
        print(f"{label:<28} {N:>5} {t_loop * 1e3:>10.1f} {t_fast * 1e3:>12.3f} {t_loop / t_fast:>8.0f}x")

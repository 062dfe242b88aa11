"""Training throughput and peak memory of the reference CNN, ours (NumPy, im2col) against the same PyTorch
model, at 28x28, 64x64 and 128x128 inputs (batch 64, float32, plain SGD):

    conv3x3(8, pad 1) -> ReLU -> maxpool 2 -> conv3x3(16, pad 1) -> ReLU -> maxpool 2 -> flatten -> dense 10

Peak resident memory of one training epoch is measured for each library in a process of its own (ours
never imports torch). `python benchmarks/bench_cnn.py --im2col-table` prints instead the naive-loop vs
im2col table of the forward convolution; `--help` lists the other options.
"""
import sys
from pathlib import Path

import _harness as H
import numpy as np
from fromscratchtoml.nn.conv import Conv2D, conv2d_naive, im2col
from fromscratchtoml.nn.layers import Activation, Dense, Flatten
from fromscratchtoml.nn.model import Sequential
from fromscratchtoml.nn.optimizers import SGD
from fromscratchtoml.nn.pooling import MaxPool2D

BATCH = 64


def data(p):
    rng = np.random.default_rng(0)
    return rng.random((p["n"], 1, p["hw"], p["hw"]), dtype=np.float32), rng.integers(0, 10, p["n"])


def ours_epoch_fn(X, y, warm=True):
    m = Sequential([Conv2D(8, 3, padding=1), Activation("relu"), MaxPool2D(2),
                    Conv2D(16, 3, padding=1), Activation("relu"), MaxPool2D(2),
                    Flatten(), Dense(10)], seed=0)
    m.compile(loss="cross_entropy", optimizer=SGD(learning_rate=0.01))
    if warm:
        m.fit(X[:BATCH * 2], y[:BATCH * 2], epochs=1, batch_size=BATCH, shuffle=False, verbose=False)

    def epoch():
        m.fit(X, y, epochs=1, batch_size=BATCH, shuffle=False, verbose=False)

    return epoch


def torch_epoch_fn(X, y, warm=True):
    torch = H.import_torch()
    nn = torch.nn
    torch.manual_seed(0)
    side = X.shape[-1] // 4
    tm = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                       nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                       nn.Flatten(), nn.Linear(16 * side * side, 10))
    opt = torch.optim.SGD(tm.parameters(), lr=0.01)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def epoch(n=len(X)):
        for i in range(0, n, BATCH):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(tm(Xt[i:i + BATCH]), yt[i:i + BATCH])
            loss.backward()
            opt.step()

    if warm:
        epoch(min(2 * BATCH, len(X)))
    return epoch


def measure(p, repeats, budget):
    X, y = data(p)
    ours, ref = ours_epoch_fn(X, y), torch_epoch_fn(X, y)
    a, b = H.interleave(lambda: H.stopwatch(ours), lambda: H.stopwatch(ref), repeats, budget)
    return H.Timing(a, b, samples=len(X))


def epoch(p, side):
    "One cold epoch (no warm-up), so that the buffers it allocates count in its peak."
    X, y = data(p)
    return (ours_epoch_fn if side == "ours" else torch_epoch_fn)(X, y, warm=False)


def im2col_table():
    rng = np.random.default_rng(0)
    print("convolution forward pass: naive loop vs im2col (one matrix product)")
    print(f"{'layer':<28} {'batch':>5} {'loop (ms)':>10} {'im2col (ms)':>12} {'speed-up':>9}")
    layers = [("conv3x3 1->8, 28x28, pad 1", 1, 8, 28), ("conv3x3 8->16, 14x14, pad 1", 8, 16, 14)]
    for label, C, Fo, hw in layers:
        W = rng.normal(size=(Fo, C, 3, 3)).astype(np.float32)
        b = np.zeros(Fo, np.float32)
        for N in (1, 4, 16):
            x = rng.random((N, C, hw, hw), dtype=np.float32)
            t_loop = H.stopwatch(lambda: conv2d_naive(x, W, b, pads=(1, 1, 1, 1)))
            ref = conv2d_naive(x, W, b, pads=(1, 1, 1, 1))

            def fast():
                cols = im2col(x, 3, 3, pads=(1, 1, 1, 1))
                return (W.reshape(Fo, -1) @ cols + b[:, None]).reshape(Fo, N, hw, hw)

            t_fast = min(H.stopwatch(fast) for _ in range(50))
            assert np.abs(fast().transpose(1, 0, 2, 3) - ref).max() < 1e-3
            print(f"{label:<28} {N:>5} {t_loop * 1e3:>10.1f} {t_fast * 1e3:>12.3f} {t_loop / t_fast:>8.0f}x")


def shapes(pairs):
    "Labels name the input size only; the epoch's sample count, smaller for a quick run, is in the JSON file."
    return {f"{hw}x{hw}": {"hw": hw, "n": n} for hw, n in pairs}


WORKLOADS = [
    H.Workload("cnn", "CNN training", "torch", measure, throughput=True, target=(">=", 1.3, 1.0), epoch=epoch,
               script=Path(__file__).stem,
               shapes=shapes(((28, 2048), (64, 512), (128, 128))),
               quick=shapes(((28, 256), (64, 128), (128, 64)))),
]

if __name__ == "__main__":
    if "--im2col-table" in sys.argv:
        im2col_table()
    else:
        H.main(WORKLOADS, __doc__)

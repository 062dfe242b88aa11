"""Training throughput of recurrent models, ours (NumPy) vs PyTorch (CPU), float32; the LSTM's peak memory.

Models (many-to-one): input F -> RNN(tanh), LSTM or GRU with H units over T steps -> Dense(10), batch B,
cross-entropy loss, Adam; three shapes (B, T, F, H) each. Peak resident memory of one LSTM training epoch is
measured for each library in a process of its own. `python benchmarks/bench_rnn.py --help` lists the options.
"""
from pathlib import Path

import _harness as H
import numpy as np
from fromscratchtoml.nn.layers import Dense
from fromscratchtoml.nn.model import Sequential
from fromscratchtoml.nn.optimizers import Adam
from fromscratchtoml.nn.recurrent import GRU, LSTM, RNN

CLASSES = 10


def data(p):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((p["n"], p["T"], p["F"])).astype(np.float32)
    return X, rng.integers(0, CLASSES, p["n"])


def ours_epoch_fn(kind, X, y, B, H_, warm=True):
    model = Sequential([{"RNN": RNN, "LSTM": LSTM, "GRU": GRU}[kind](H_), Dense(CLASSES)], seed=0)
    model.compile(loss="cross_entropy", optimizer=Adam(1e-3))
    if warm:
        model.fit(X[:4 * B], y[:4 * B], epochs=1, batch_size=B, verbose=False)

    def epoch():
        model.fit(X, y, epochs=1, batch_size=B, verbose=False)

    return epoch


def torch_epoch_fn(kind, X, y, B, H_, warm=True):
    torch = H.import_torch()

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(torch.nn, kind)(X.shape[2], H_, batch_first=True)
            self.head = torch.nn.Linear(H_, CLASSES)

        def forward(self, x):
            return self.head(self.rnn(x)[0][:, -1])

    torch.manual_seed(0)
    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def epoch(n=len(X)):
        perm = torch.randperm(n)
        for lo in range(0, n, B):
            idx = perm[lo:lo + B]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()

    if warm:
        epoch(min(4 * B, len(X)))
    return epoch


def measurer(kind):
    def measure(p, repeats, budget):
        X, y = data(p)
        ours = ours_epoch_fn(kind, X, y, p["B"], p["H"])
        ref = torch_epoch_fn(kind, X, y, p["B"], p["H"])
        a, b = H.interleave(lambda: H.stopwatch(ours), lambda: H.stopwatch(ref), repeats, budget)
        return H.Timing(a, b, samples=len(X))
    return measure


def lstm_epoch(p, side):
    "One cold epoch (no warm-up), so that the buffers it allocates count in its peak."
    X, y = data(p)
    return (ours_epoch_fn if side == "ours" else torch_epoch_fn)("LSTM", X, y, p["B"], p["H"], warm=False)


def shapes(dims, samples):
    "Labels name the shape only; the epoch's sample count, smaller for a quick run, is in the JSON file."
    return {f"B{B} T{T} F{F} H{H_}": {"B": B, "T": T, "F": F, "H": H_, "n": n}
            for (B, T, F, H_), n in zip(dims, samples)}


DIMS = ((16, 16, 32, 64), (32, 32, 64, 128), (64, 64, 64, 256))
# epochs of about a second of our time at 1 thread
SAMPLES = {"RNN": (8192, 2048, 512), "LSTM": (2048, 512, 128), "GRU": (2048, 512, 128)}
QUICK = {"RNN": (512, 128, 64), "LSTM": (128, 64, 64), "GRU": (128, 64, 64)}
TARGETS = {"RNN": (">=", 2.0, 1.8), "LSTM": (">=", 1.2, 1.0), "GRU": (">=", 1.2, 1.0)}

WORKLOADS = [
    H.Workload(kind.lower(), f"{kind} training", "torch", measurer(kind), throughput=True,
               target=TARGETS[kind], epoch=lstm_epoch if kind == "LSTM" else None, script=Path(__file__).stem,
               shapes=shapes(DIMS, SAMPLES[kind]), quick=shapes(DIMS, QUICK[kind]))
    for kind in ("RNN", "LSTM", "GRU")
]

if __name__ == "__main__":
    H.main(WORKLOADS, __doc__)

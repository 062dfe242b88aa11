"""One epoch of training a 784-256-128-10 ReLU MLP (batch 128, float32, Adam): ours vs the same PyTorch model and loop.

Prints samples/s for both and their ratio, the machine's float32 matmul GFLOP/s (a large square product, and
the training step's own products at batch 128), and the fraction of each that our training loop reaches.
It also times the optimizer's update alone and prints the ceiling that the matrix products plus that update put
on any NumPy loop: NumPy cannot fuse Adam's ten element-wise passes into one, so that part is a floor, not overhead.
Thread counts follow OMP_NUM_THREADS (NumPy's BLAS and torch alike); on a busy machine use OMP_NUM_THREADS=1. Usage: python benchmarks/bench_mlp.py [--n 60000] [--repeats 3]
"""
import argparse, os, time
import numpy as np
import torch
from fromscratchtoml.nn.layers import Dense
from fromscratchtoml.nn.model import Sequential
from fromscratchtoml.nn.optimizers import Adam

SIZES = (784, 256, 128, 10)

def flops_per_sample():
    "Multiply-adds x2 of forward, weight gradients, and input gradients of every layer but the first."
    fwd = sum(a * b for a, b in zip(SIZES[:-1], SIZES[1:]))
    dx = sum(a * b for a, b in zip(SIZES[1:-1], SIZES[2:]))
    return 2 * (2 * fwd + dx)

def matmul_gflops(n=2048, repeats=5):
    "Best float32 GFLOP/s of an n x n matrix product with NumPy's BLAS."
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32); b = a.copy(); c = np.empty_like(a)
    np.matmul(a, b, out=c); best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter(); np.matmul(a, b, out=c); best = min(best, time.perf_counter() - t)
    return 2 * n ** 3 / best / 1e9

def step_gemm_gflops(batch=128, repeats=200):
    "GFLOP/s of just the matrix products of one training step (forward, weight and input gradients) at their real shapes."
    rng = np.random.default_rng(0)
    acts = [rng.random((batch, n), dtype=np.float32) for n in SIZES]
    Ws = [rng.random((a, b), dtype=np.float32) for a, b in zip(SIZES[:-1], SIZES[1:])]
    outs = [np.empty((batch, b), np.float32) for b in SIZES[1:]]
    gW = [np.empty_like(W) for W in Ws]; gx = [np.empty((batch, a), np.float32) for a in SIZES[1:-1]]
    def once():
        for i, W in enumerate(Ws): np.matmul(acts[i], W, out=outs[i])
        for i, W in enumerate(Ws): np.matmul(acts[i].T, acts[i + 1], out=gW[i])
        for i in range(1, len(Ws)): np.matmul(acts[i + 1], Ws[i].T, out=gx[i - 1])
    once(); best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(repeats // 5): once()
        best = min(best, (time.perf_counter() - t) / (repeats // 5))
    return flops_per_sample() * batch / best / 1e9

def make_model(X, y, seed=0):
    model = Sequential([Dense(256, activation="relu"), Dense(128, activation="relu"), Dense(10)], seed=seed)
    model.compile("cross_entropy", Adam(1e-3))
    model.fit(X[:256], y[:256], epochs=1, batch_size=128, verbose=False)  # warm up: build, allocate buffers
    return model

def ours_epoch(X, y, seed=0):
    model = make_model(X, y, seed)
    t = time.perf_counter(); model.fit(X, y, epochs=1, batch_size=128, verbose=False)
    return time.perf_counter() - t

def optimizer_step_seconds(X, y, repeats=200):
    "Seconds of one `Adam.step` over the model's 235,146 parameters, alone (best of 5 rounds)."
    model = make_model(X, y); params, grads = model.parameters(); best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(repeats // 5): model.optimizer.step(params, grads)
        best = min(best, (time.perf_counter() - t) / (repeats // 5))
    return best

def torch_epoch(X, y, seed=0):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    def epoch(n):
        perm = torch.randperm(n)
        for lo in range(0, n, 128):
            idx = perm[lo:lo + 128]
            opt.zero_grad(); loss = torch.nn.functional.cross_entropy(net(Xt[idx]), yt[idx]); loss.backward(); opt.step()
    epoch(256)
    t = time.perf_counter(); epoch(len(X))
    return time.perf_counter() - t

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=60000, help="training samples (MNIST: 60000)")
    ap.add_argument("--repeats", type=int, default=3, help="epochs timed for each; the best is reported")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    X = rng.random((args.n, 784), dtype=np.float32); y = rng.integers(0, 10, args.n)
    print(f"MLP 784-256-128-10 ReLU, Adam, batch 128, float32, {args.n} samples; "
          f"torch {torch.__version__} with {torch.get_num_threads()} threads, numpy {np.__version__}, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    t_ours = t_torch = t_opt = float("inf"); peak = step_peak = 0.0
    for _ in range(args.repeats):  # interleaved, so all see the same machine load; best of each is kept
        t_ours = min(t_ours, ours_epoch(X, y)); t_torch = min(t_torch, torch_epoch(X, y))
        peak, step_peak = max(peak, matmul_gflops()), max(step_peak, step_gemm_gflops())
        t_opt = min(t_opt, optimizer_step_seconds(X, y))
    ours_gflops = flops_per_sample() * args.n / t_ours / 1e9
    step_flops = flops_per_sample() * 128
    ceiling = step_flops / (step_flops / (step_peak * 1e9) + t_opt) / 1e9  # products + update, nothing else
    print(f"ours : {args.n / t_ours:10.0f} samples/s  ({t_ours:.2f} s/epoch, {ours_gflops:.1f} GFLOP/s)")
    print(f"torch: {args.n / t_torch:10.0f} samples/s  ({t_torch:.2f} s/epoch)")
    print(f"ratio ours/torch: {t_torch / t_ours:.2f}x  (target >= 1.2x)")
    print(f"float32 matmul peak (2048^3): {peak:.1f} GFLOP/s; our training loop reaches {ours_gflops / peak:.0%} of it (target >= 75%)")
    print(f"the step's own matrix products alone (batch 128 shapes): {step_peak:.1f} GFLOP/s; "
          f"our training loop reaches {ours_gflops / step_peak:.0%} of that")
    print(f"Adam's update alone: {t_opt * 1e6:.0f} us/step vs {step_flops / (step_peak * 1e9) * 1e6:.0f} us of products; "
          f"products + update alone give a ceiling of {ceiling:.1f} GFLOP/s = {ceiling / peak:.0%} of the 2048^3 peak; "
          f"our loop reaches {ours_gflops / ceiling:.0%} of that ceiling")

if __name__ == "__main__":
    main()

"Optimizers and regularizers against PyTorch in float64, over several steps."
import numpy as np
import pytest
from conftest import cmp
from fromscratchtoml.nn import SGD, Adagrad, RMSprop, Adam, L1, L2, L1L2, get_optimizer, get_regularizer


def run_both(torch, ours, torch_name, torch_kw, steps=8, seed=0, shapes=((3, 4), (5,), (2, 3, 2)), clip=None):
    "The same random gradients through our optimizer and `torch.optim.<torch_name>`: parameters must agree."
    rng = np.random.default_rng(seed)
    ps = [rng.normal(size=s) for s in shapes]
    tps = [torch.tensor(p.copy(), requires_grad=True) for p in ps]
    topt = getattr(torch.optim, torch_name)(tps, **torch_kw)
    for _ in range(steps):
        gs = [rng.normal(size=p.shape) * 3 for p in ps]
        ours.step(ps, [g.copy() for g in gs])
        for tp, g in zip(tps, gs): tp.grad = torch.tensor(g)
        if clip is not None: torch.nn.utils.clip_grad_norm_(tps, clip)
        topt.step()
    for i, (p, tp) in enumerate(zip(ps, tps)):
        cmp(f"param {i}", p, tp)

CASES = [
    (lambda: SGD(0.1), "SGD", dict(lr=0.1)),
    (lambda: SGD(0.05, momentum=0.9), "SGD", dict(lr=0.05, momentum=0.9)),
    (lambda: SGD(0.05, momentum=0.5, nesterov=True), "SGD", dict(lr=0.05, momentum=0.5, nesterov=True)),
    (lambda: Adagrad(0.1), "Adagrad", dict(lr=0.1)),
    (lambda: Adagrad(0.1, epsilon=1e-6, initial_accumulator_value=0.1), "Adagrad",
     dict(lr=0.1, eps=1e-6, initial_accumulator_value=0.1)),
    (lambda: RMSprop(0.01), "RMSprop", dict(lr=0.01)),
    (lambda: RMSprop(0.01, rho=0.9, epsilon=1e-6, momentum=0.8), "RMSprop",
     dict(lr=0.01, alpha=0.9, eps=1e-6, momentum=0.8)),
    (lambda: Adam(0.01), "Adam", dict(lr=0.01)),
    (lambda: Adam(0.003, beta_1=0.8, beta_2=0.95, epsilon=1e-6), "Adam",
     dict(lr=0.003, betas=(0.8, 0.95), eps=1e-6)),
]
IDS = ["sgd", "sgd-momentum", "sgd-nesterov", "adagrad", "adagrad-initial", "rmsprop", "rmsprop-momentum",
       "adam", "adam-betas"]

@pytest.mark.parametrize("make,torch_name,kw", CASES, ids=IDS)
def test_optimizer_matches_torch(torch64, make, torch_name, kw):
    run_both(torch64, make(), torch_name, kw)

@pytest.mark.parametrize("make,torch_name,kw", [CASES[0], CASES[7]], ids=[IDS[0], IDS[7]])
def test_global_clipnorm_matches_clip_grad_norm(torch64, make, torch_name, kw):
    opt = make()
    opt.global_clipnorm = 1.5
    run_both(torch64, opt, torch_name, kw, clip=1.5)

def test_state_is_per_array_and_float32_stays_float32():
    p = np.ones(3, np.float32); q = np.ones(3, np.float32)
    opt = Adam(0.1); opt.step([p, q], [np.ones(3, np.float32), -np.ones(3, np.float32)])
    assert p.dtype == np.float32 and (p < 1).all() and (q > 1).all()

def test_l2_equals_torch_weight_decay(torch64):
    # SGD on grad + 2*l2*W is torch's SGD with weight_decay = 2*l2
    torch = torch64
    rng = np.random.default_rng(0)
    W = rng.normal(size=(4, 3))
    reg = L2(0.05)
    Wt = torch.tensor(W.copy(), requires_grad=True)
    topt = torch.optim.SGD([Wt], lr=0.1, weight_decay=0.1)
    opt = SGD(0.1)
    for _ in range(5):
        g = rng.normal(size=W.shape)
        opt.step([W], [g + reg.gradient(W)])
        Wt.grad = torch.tensor(g)
        topt.step()
    cmp("W", W, Wt, tol=1e-12)

@pytest.mark.parametrize("reg", [L1(0.3), L2(0.2), L1L2(0.1, 0.4)])
def test_regularizer_penalty_and_gradient_match_autograd(torch64, reg):
    W = np.random.default_rng(1).normal(size=(5, 4))
    Wt = torch64.tensor(W, requires_grad=True)
    pen = reg.l1 * Wt.abs().sum() + reg.l2 * (Wt ** 2).sum()
    pen.backward()
    cmp("penalty", reg(W), pen, tol=1e-12)
    cmp("gradient", reg.gradient(W), Wt.grad, tol=1e-12)

def test_errors_and_lookup():
    with pytest.raises(ValueError, match="learning_rate"): SGD(0)
    with pytest.raises(ValueError, match="nesterov"): SGD(0.1, nesterov=True)
    with pytest.raises(ValueError, match="2 parameters but 1 gradients"): SGD(0.1).step([np.zeros(2), np.zeros(2)], [np.zeros(2)])
    with pytest.raises(ValueError, match="does not match"): SGD(0.1).step([np.zeros(2)], [np.zeros(3)])
    with pytest.raises(ValueError, match="unknown optimizer"): get_optimizer("lbfgs")
    with pytest.raises(ValueError, match="non-negative"): L1L2(-1)
    assert isinstance(get_optimizer("Adam"), Adam) and get_regularizer(None) is None
    assert isinstance(get_regularizer({"class": "L2", "config": {"l2": 0.5}}), L2)
    opt = get_optimizer({"class": "SGD", "config": SGD(0.2, momentum=0.5).get_config()})
    assert opt.learning_rate == 0.2 and opt.momentum == 0.5

"Losses against PyTorch in float64."
import numpy as np
import pytest
from conftest import cmp
from fromscratchtoml.nn import CrossEntropy, MeanSquaredError, get_loss

@pytest.mark.parametrize("shape", [(6, 4), (1, 3), (2, 5, 7), (2, 3, 2, 4)])
def test_cross_entropy_int_labels_any_leading_dims(torch64, shape):
    torch, F = torch64, torch64.nn.functional
    rng = np.random.default_rng(sum(shape))
    z = rng.normal(size=shape) * 4; y = rng.integers(0, shape[-1], size=shape[:-1])
    ce = CrossEntropy(); loss = ce(z, y); g = ce.backward()
    zt = torch.tensor(z, requires_grad=True)
    lt = F.cross_entropy(zt.reshape(-1, shape[-1]), torch.tensor(y).reshape(-1)); lt.backward()
    cmp("loss", loss, lt)
    cmp("grad", g, zt.grad)

def test_cross_entropy_one_hot_and_probabilities(torch64):
    torch, F = torch64, torch64.nn.functional
    rng = np.random.default_rng(1)
    z = rng.normal(size=(5, 3)); y = rng.integers(0, 3, 5)
    for t in (np.eye(3)[y], rng.dirichlet(np.ones(3), size=5)):
        ce = CrossEntropy(); loss = ce(z, t); g = ce.backward()
        zt = torch.tensor(z, requires_grad=True)
        lt = F.cross_entropy(zt, torch.tensor(t))
        lt.backward()
        cmp("loss", loss, lt)
        cmp("grad", g, zt.grad)

def test_cross_entropy_ignore_index(torch64):
    torch, F = torch64, torch64.nn.functional
    rng = np.random.default_rng(2)
    z = rng.normal(size=(3, 4, 5)); y = rng.integers(0, 5, size=(3, 4)); y[0, :2] = -100; y[2, 3] = -100
    ce = CrossEntropy(ignore_index=-100); loss = ce(z, y); g = ce.backward()
    zt = torch.tensor(z, requires_grad=True)
    lt = F.cross_entropy(zt.permute(0, 2, 1), torch.tensor(y), ignore_index=-100); lt.backward()
    cmp("loss", loss, lt)
    cmp("grad", g, zt.grad)

def test_cross_entropy_is_stable(torch64):
    torch, F = torch64, torch64.nn.functional
    z = np.array([[1000.0, -1000.0, 0.0], [-1e4, 1e4, 3.0]]); y = np.array([1, 0])
    ce = CrossEntropy()
    with np.errstate(over="raise", invalid="raise", divide="raise"): loss = ce(z, y); g = ce.backward()
    zt = torch.tensor(z, requires_grad=True); lt = F.cross_entropy(zt, torch.tensor(y)); lt.backward()
    cmp("loss", loss, lt, tol=1e-8)
    cmp("grad", g, zt.grad)

def test_cross_entropy_float32_keeps_dtype():
    z = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    ce = CrossEntropy(); ce(z, np.array([0, 1, 2, 0])); assert ce.backward().dtype == np.float32

def test_cross_entropy_errors():
    z = np.zeros((4, 10))
    with pytest.raises(ValueError, match="label 10 is out of range for 10 outputs"): CrossEntropy()(z, np.array([0, 1, 10, 2]))
    with pytest.raises(ValueError, match="label -1"): CrossEntropy()(z, np.array([0, 1, -1, 2]))
    with pytest.raises(ValueError, match="fit neither"): CrossEntropy()(z, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="integers"): CrossEntropy()(z, np.array([0.5, 1, 2, 3]))

@pytest.mark.parametrize("shape", [(5, 3), (7, 1), (2, 3, 4)])
def test_mse_matches_torch(torch64, shape):
    torch, F = torch64, torch64.nn.functional
    rng = np.random.default_rng(3)
    p, t = rng.normal(size=shape), rng.normal(size=shape)
    mse = MeanSquaredError(); loss = mse(p, t); g = mse.backward()
    pt = torch.tensor(p, requires_grad=True); lt = F.mse_loss(pt, torch.tensor(t)); lt.backward()
    cmp("loss", loss, lt)
    cmp("grad", g, pt.grad)

def test_mse_column_targets_and_errors():
    p = np.arange(4.0).reshape(4, 1); t = np.array([0.0, 1.0, 1.0, 1.0])
    assert MeanSquaredError()(p, t) == pytest.approx(np.mean((p[:, 0] - t) ** 2))
    with pytest.raises(ValueError, match="do not match"): MeanSquaredError()(np.zeros((4, 2)), np.zeros(4))

def test_get_loss():
    assert isinstance(get_loss("mse"), MeanSquaredError) and isinstance(get_loss("cross_entropy"), CrossEntropy)
    with pytest.raises(ValueError, match="unknown loss"): get_loss("hinge")

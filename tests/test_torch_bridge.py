"""The bridge to PyTorch: `to_torch`, `from_torch`, `state_dict` and safetensors, for every layer type.

Each registered layer type has a case: a small model that uses it (with its options) and an input. The torch
module `to_torch` builds must predict what our `forward` predicts (float64 within 1e-10, float32 within 1e-5);
ours -> torch -> ours must give identical predictions and parameters; a safetensors file written without torch
must load into the torch module with `strict=True`. Then the errors, and data-parallel training on 2 processes.
"""
import json
import os
import pickle
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest

from conftest import close, oracle
from fromscratchtoml.core import default_dtype
from fromscratchtoml.nn import (LAYERS, Activation, AvgPool2D, BatchNorm2D, Conv2D, Dense, Dropout, Embedding,
                                Flatten, GlobalAveragePooling1D, GRU, Layer, LSTM, MaxPool2D, RNN, Sequential,
                                TimeDistributed, from_torch, load_state_dict, save_safetensors, state_dict,
                                to_torch)
from fromscratchtoml.nn.torch_state import load_safetensors

ABSTRACT = {"Recurrent", "_Pool2D"}   # shared machinery, never in a model by itself
TOL = {np.float64: 1e-10, np.float32: 1e-5}


def floats(*shape):
    return lambda rng: rng.normal(size=shape)


def padded(*shape):
    "Sequences whose later steps are all zeros in some rows: padding for `mask_value=0.0`."
    def make(rng):
        x = rng.normal(size=shape)
        x[0, shape[1] // 2:] = 0.0                      # padding at the end,
        x[1, 1] = 0.0                                   # in the middle, followed by real steps,
        x[-1, -1] = 0.0                                 # and only the last step
        return x
    return make


def ids(vocab, *shape):
    def make(rng):
        x = rng.integers(0, vocab, size=shape)
        x[0, -2:] = 0                                  # padding ids
        return x
    return make


# layer type -> [(layers, input maker)]: every option the bridge maps
CASES = {
    "Dense": [(lambda: [Dense(5, activation="tanh"), Dense(4, use_bias=False), Dense(3, activation="softmax")],
               floats(6, 7)),
              (lambda: [LSTM(4, return_sequences=True), Dense(3, activation="relu")], floats(2, 5, 3))],
    "Activation": [(lambda: [Activation(a) for a in ("sigmoid", "tanh", "relu", "leaky_relu", "linear",
                                                      "softmax")], floats(4, 6))],
    "Dropout": [(lambda: [Dense(5), Dropout(0.4), Dense(2)], floats(4, 3))],
    "Flatten": [(lambda: [Flatten(), Dense(2)], floats(3, 2, 3, 4))],
    "Conv2D": [(lambda: [Conv2D(3, 3, stride=2, padding=1), Conv2D(2, (3, 2), padding="same"),
                         Conv2D(2, (2, 3), stride=(1, 2), padding=(0, 1)), Conv2D(1, 1, padding="valid")],
                floats(2, 2, 9, 10))],
    "MaxPool2D": [(lambda: [MaxPool2D(2), MaxPool2D(3, 1), MaxPool2D((2, 1), (1, 2))], floats(2, 2, 11, 13))],
    "AvgPool2D": [(lambda: [AvgPool2D(2), AvgPool2D(3, 1), AvgPool2D((1, 2))], floats(2, 2, 11, 13))],
    "BatchNorm2D": [(lambda: [BatchNorm2D(momentum=0.2, epsilon=1e-3), Conv2D(2, 3), BatchNorm2D()],
                     floats(3, 2, 6, 6))],
    "Embedding": [(lambda: [Embedding(11, 4, padding_idx=0), GlobalAveragePooling1D()], ids(11, 3, 6)),
                  (lambda: [Embedding(11, 4), Flatten(), Dense(2)], ids(11, 3, 6))],
    "RNN": [(lambda: [RNN(4, return_sequences=True), RNN(3)], floats(3, 6, 2)),
            (lambda: [RNN(4, mask_value=0.0)], padded(3, 6, 2))],
    "LSTM": [(lambda: [LSTM(4, return_sequences=True), LSTM(3)], floats(3, 6, 2)),
             (lambda: [LSTM(4, return_sequences=True, mask_value=0.0), LSTM(2, mask_value=0.0)], padded(3, 6, 2))],
    "GRU": [(lambda: [GRU(4, return_sequences=True, bptt_truncate=2), GRU(3)], floats(3, 6, 2)),
            (lambda: [GRU(4, return_sequences=True, mask_value=0.0)], padded(3, 6, 2))],
    "TimeDistributed": [(lambda: [TimeDistributed(Dense(3, activation="sigmoid")), TimeDistributed(Dense(2))],
                         floats(2, 5, 4)),
                        (lambda: [TimeDistributed(Conv2D(2, 3)), TimeDistributed(Flatten())],
                         floats(2, 3, 1, 5, 5))],
    "GlobalAveragePooling1D": [(lambda: [GlobalAveragePooling1D()], floats(3, 5, 4)),
                               (lambda: [GlobalAveragePooling1D(mask_value=0.0)], padded(3, 5, 4))],
}


def test_every_registered_layer_has_a_case():
    concrete = set(LAYERS) - ABSTRACT
    assert concrete == set(CASES), f"layer types without a bridge test: {sorted(concrete - set(CASES))}"


def build(layers, x, dtype, seed=0, rng=None):
    "A model of `layers` built for `x`, in `dtype`, with batch-norm statistics and scales that are not trivial."
    rng = np.random.default_rng(seed) if rng is None else rng
    with default_dtype(dtype), warnings.catch_warnings():
        warnings.simplefilter("ignore")                # strides that do not tile are floored, with a warning
        m = Sequential(layers(), seed=seed).build(x.shape)
    for l in m.layers:
        if isinstance(l, BatchNorm2D):
            l.state["running_mean"][:] = rng.normal(size=l.state["running_mean"].shape)
            l.state["running_var"][:] = rng.uniform(0.5, 2.0, size=l.state["running_var"].shape)
            l.params["gamma"][:] = rng.normal(size=l.params["gamma"].shape)
    return m


def as_input(x, dtype):
    return x if x.dtype.kind == "i" else x.astype(dtype)


def torch_out(torch, module, x):
    with torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using padding='same'")
        return module(torch.from_numpy(x)).numpy()


def all_params(model):
    return [p for l in model.layers for p in l.params.values()]


def all_state(model):
    return [s for l in model.layers for s in l.state.values()]


CASE_IDS = [(name, i) for name in sorted(CASES) for i in range(len(CASES[name]))]


@pytest.fixture(params=CASE_IDS, ids=lambda c: f"{c[0]}-{c[1]}")
def case(request):
    name, i = request.param
    layers, make_x = CASES[name][i]
    return name, layers, make_x(np.random.default_rng(CASE_IDS.index(request.param)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_to_torch_predicts_what_forward_predicts(case, dtype):
    torch = oracle("torch")
    name, layers, x = case
    m = build(layers, x, dtype)
    xx = as_input(x, dtype)
    t = to_torch(m)
    assert not t.training, "to_torch returns the module in eval mode, as forward(x) predicts"
    theirs = torch_out(torch, t, xx)
    assert theirs.dtype == dtype
    close(m.forward(xx), theirs, rtol=0, atol=TOL[dtype], name=f"{name} to_torch")


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_round_trip_is_exact(case, dtype):
    oracle("torch")
    name, layers, x = case
    m = build(layers, x, dtype)
    xx = as_input(x, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = from_torch(to_torch(m), seed=0)
    assert np.array_equal(back.forward(xx), m.forward(xx)), name
    for ours, theirs in [(all_params(m), all_params(back)), (all_state(m), all_state(back))]:
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert back.input_shape == m.input_shape and back.output_shape == m.output_shape


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_safetensors_loads_into_torch_with_strict_keys(case, dtype, tmp_path):
    torch = oracle("torch")
    st = oracle("safetensors.torch")
    name, layers, x = case
    m = build(layers, x, dtype)
    path = save_safetensors(m, tmp_path / "m.safetensors")
    other = to_torch(build(layers, x, dtype, seed=1))   # same architecture, other weights
    other.load_state_dict(st.load_file(str(path)), strict=True)
    xx = as_input(x, dtype)
    close(m.forward(xx), torch_out(torch, other, xx), rtol=0, atol=TOL[dtype], name=f"{name} safetensors")
    back = load_safetensors(build(layers, x, dtype, seed=2), path)
    assert np.array_equal(back.forward(xx), m.forward(xx)), name
    # and the way back: a file written by torch loads into our model
    st.save_file({k: v.contiguous() for k, v in to_torch(m).state_dict().items()}, str(tmp_path / "t.st"))
    assert np.array_equal(load_safetensors(build(layers, x, dtype, seed=3), tmp_path / "t.st").forward(xx),
                          m.forward(xx))


def test_state_dict_names_layouts_and_copies():
    torch = oracle("torch")
    with default_dtype(np.float64):
        m = Sequential([Dense(3, activation="relu"), Dense(2)], seed=0).build((None, 4))
    sd = state_dict(m)
    assert list(sd) == ["0.weight", "0.bias", "2.weight", "2.bias"] == list(to_torch(m).state_dict())
    assert np.array_equal(sd["0.weight"], m.layers[0].params["W"].T) and sd["0.weight"].flags.c_contiguous
    sd["0.bias"][:] = 7                                  # a copy: the model is not changed through it
    assert not np.any(m.layers[0].params["b"] == 7)
    hand = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2)).double()
    hand.load_state_dict({k: torch.from_numpy(v) for k, v in state_dict(m).items()}, strict=True)
    x = np.random.default_rng(0).normal(size=(5, 4))
    close(m.forward(x), torch_out(torch, hand, x), rtol=0, atol=1e-12)


def test_to_torch_is_made_of_native_modules_where_torch_has_them():
    torch = oracle("torch")
    nn = torch.nn
    m = build(lambda: [Conv2D(2, 3), BatchNorm2D(), Activation("leaky_relu"), MaxPool2D(2), AvgPool2D(1),
                       Flatten(), Dropout(0.1), Dense(3, activation="softmax")], np.zeros((1, 1, 8, 8)), np.float32)
    kinds = [type(t) for t in to_torch(m)]
    assert kinds == [nn.Conv2d, nn.BatchNorm2d, nn.LeakyReLU, nn.MaxPool2d, nn.AvgPool2d, nn.Flatten, nn.Dropout,
                     nn.Linear, nn.Softmax]
    r = to_torch(build(lambda: [Embedding(5, 3), GRU(4)], np.zeros((2, 3), int), np.float32))
    assert type(r[0]) is nn.Embedding and type(r[1].rnn) is nn.GRU and r[1].rnn.batch_first


def test_to_torch_dtype_and_input_shape():
    torch = oracle("torch")
    m = build(lambda: [Dense(3)], np.zeros((1, 4)), np.float64)
    t = to_torch(m, dtype=torch.float32)
    assert t[0].weight.dtype == torch.float32 and to_torch(m, dtype=np.float32)[0].weight.dtype == torch.float32
    assert to_torch(m)[0].weight.dtype == torch.float64 and t.input_shape == (None, 4)


def test_converted_modules_pickle():
    torch = oracle("torch")
    x = padded(2, 5, 3)(np.random.default_rng(0))
    m = build(lambda: [LSTM(4, return_sequences=True, mask_value=0.0), TimeDistributed(Dense(2)),
                       GlobalAveragePooling1D()], x, np.float64)
    t = pickle.loads(pickle.dumps(to_torch(m)))          # what torch.save and torch.multiprocessing do
    close(m.forward(x), torch_out(torch, t, x), rtol=0, atol=1e-12)


def test_from_torch_reads_hand_written_modules():
    torch = oracle("torch")
    nn = torch.nn
    with torch.random.fork_rng():
        torch.manual_seed(0)
        hand = nn.Sequential(
            nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, bias=False), nn.BatchNorm2d(4, affine=False)),  # nested
            nn.ReLU(), nn.Conv2d(4, 4, 3, padding="same"), nn.MaxPool2d(2, ceil_mode=False), nn.Flatten(),
            nn.Identity(), nn.Linear(4 * 6 * 6, 5), nn.Softmax(dim=1)).double().eval()
        hand[0][1].running_mean.uniform_(-1, 1)
    with pytest.warns(UserWarning, match="never reach the last 1 row"):   # (28 - 3) / 2: floored as torch
        ours = from_torch(hand, input_shape=(None, 1, 28, 28))
    x = np.random.default_rng(1).normal(size=(3, 1, 28, 28))
    close(ours.forward(x), torch_out(torch, hand, x), rtol=0, atol=1e-12)
    assert np.all(ours.layers[0].params["b"] == 0)       # no bias is a zero bias
    from fromscratchtoml.nn.torch_bridge import Recurrent   # a wrapper: torch has no layer for the last step
    rec = nn.Sequential(nn.Embedding(9, 3), Recurrent(nn.LSTM(3, 4, batch_first=True, bias=False)),
                        nn.Linear(4, 2)).double().eval()
    ids_ = np.random.default_rng(2).integers(0, 9, (2, 5))
    close(from_torch(rec).forward(ids_), torch_out(torch, rec, ids_), rtol=0, atol=1e-12)


def test_errors_name_the_layer():
    torch = oracle("torch")
    nn = torch.nn
    from fromscratchtoml.nn.torch_bridge import Recurrent

    with pytest.raises(ValueError, match=r"to_torch: layer 'd1' \(Dense\) is not built"):
        to_torch(Sequential([Dense(2, name="d1")]))
    with pytest.raises(ValueError, match=r"state_dict: layer 'd2' \(Dense\) is not built"):
        state_dict(Sequential([Dense(2, name="d2")]))
    with pytest.raises(TypeError, match="expects a fromscratchtoml Sequential"):
        to_torch(Dense(2))

    class Cube(Layer):
        def forward(self, x, training=False): return x ** 3

    with pytest.raises(TypeError, match=r"layer 'cube' \(Cube\) has no PyTorch equivalent"):
        to_torch(Sequential([Cube(name="cube")]).build((None, 2)))

    class MyDense(Dense):   # a subclass may compute something else: not silently treated as a Dense
        pass

    with pytest.raises(TypeError, match=r"'mine' \(MyDense\) has no PyTorch equivalent"):
        to_torch(Sequential([MyDense(2, name="mine")]).build((None, 2)))

    image = (None, 1, 8, 8)
    bad = [   # (module, input_shape, error, message)
        (nn.Sequential(nn.Linear(2, 3), nn.Conv1d(1, 1, 1)), None, TypeError, r"module '1' \(Conv1d\) has no equivalent"),
        (nn.Sequential(nn.Linear(2, 3), nn.GELU()), None, TypeError, r"module '1' \(GELU\)"),
        (nn.Sequential(nn.LSTM(2, 3, batch_first=True)), (None, 4, 2), TypeError, "wrap it in torch_bridge.Recurrent"),
        (nn.Sequential(nn.Conv2d(1, 2, 3, dilation=2)), image, ValueError, r"module '0' .* has dilation=\(2, 2\)"),
        (nn.Sequential(nn.Conv2d(1, 2, 3, padding_mode="reflect")), image, ValueError, "padding_mode='reflect'"),
        (nn.Sequential(nn.MaxPool2d(2, ceil_mode=True)), image, ValueError, "ceil_mode=True"),
        (nn.Sequential(nn.AvgPool2d(2, padding=1)), image, ValueError, r"padding=1"),
        (nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(0.2)), None, ValueError, "negative_slope=0.2"),
        (nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=0)), None, ValueError, "normalises dimension 0"),
        (nn.Sequential(nn.Linear(2, 3), nn.Flatten(0)), None, ValueError, "start_dim=0"),
        (nn.Sequential(nn.BatchNorm2d(1, momentum=None)), image, ValueError, "running statistics"),
        (nn.Sequential(nn.Embedding(5, 2, max_norm=1.0)), None, ValueError, "max_norm=1.0"),
        (nn.Sequential(Recurrent(nn.LSTM(2, 3, num_layers=2, batch_first=True))), None, ValueError,
         r"module '0.rnn' .* num_layers=2"),
        (nn.Sequential(Recurrent(nn.GRU(2, 3))), None, ValueError, "batch_first=False"),
        (nn.Sequential(Recurrent(nn.RNN(2, 3, nonlinearity="relu", batch_first=True))), None, ValueError,
         "nonlinearity='relu'"),
        (nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(5, 2)), None, ValueError,
         r"'2.weight' of module '2' .* has shape \(2, 5\), but the output \(None, 8\) .* needs \(2, 8\)"),
        (nn.Sequential(nn.Conv2d(1, 2, 3)), None, ValueError, "pass input_shape"),
        (nn.Sequential(nn.Linear(2, 3)).half(), None, TypeError, "float16"),
    ]
    for module, shape, kind, pattern in bad:
        with pytest.raises(kind, match=pattern):
            from_torch(module, input_shape=shape)
    with pytest.raises(ValueError, match=r"module '1' .* does not fit the output \(None, 2, 2, 2\).*kernel size 3"):
        from_torch(nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(3)), input_shape=(None, 1, 4, 4))


def test_loading_the_wrong_architecture_names_key_and_shapes(tmp_path):
    torch = oracle("torch")
    oracle("safetensors")
    small = build(lambda: [Conv2D(4, 3), Flatten(), Dense(2)], np.zeros((1, 1, 6, 6)), np.float32)
    path = save_safetensors(small, tmp_path / "small.safetensors")
    wide = build(lambda: [Conv2D(4, 3), Flatten(), Dense(2)], np.zeros((1, 3, 6, 6)), np.float32)
    before = [p.copy() for p in all_params(wide)]
    with pytest.raises(ValueError, match=r"key '0.weight' has shape \(4, 1, 3, 3\), but layer '\w+' \(Conv2D\) "
                                         r"needs \(4, 3, 3, 3\)"):
        load_safetensors(wide, path)
    assert all(np.array_equal(a, b) for a, b in zip(before, all_params(wide))), "a failed load changed weights"
    deeper = build(lambda: [Conv2D(4, 3), Flatten(), Dense(2), Dense(2)], np.zeros((1, 1, 6, 6)), np.float32)
    with pytest.raises(ValueError, match=r"key '3.weight' \(layer '\w+'\) is missing"):
        load_safetensors(deeper, path)
    load_safetensors(deeper, path, strict=False)          # loads what is there
    shallow = build(lambda: [Conv2D(4, 3)], np.zeros((1, 1, 6, 6)), np.float32)
    with pytest.raises(ValueError, match=r"unexpected key '2\.(weight|bias)' \(2 in all\)"):
        load_safetensors(shallow, path)
    # torch's own check on the same mistake names the key and both shapes too
    st = oracle("safetensors.torch")
    with pytest.raises(RuntimeError, match=r"size mismatch for 0.weight.*\[4, 1, 3, 3\].*\[4, 3, 3, 3\]"):
        to_torch(wide).load_state_dict(st.load_file(str(path)), strict=True)


def test_importing_the_package_and_writing_safetensors_need_no_torch(tmp_path):
    oracle("safetensors")
    code = ("import sys, numpy as np\n"
            "from fromscratchtoml.nn import Sequential, Dense, save_safetensors, state_dict\n"
            "m = Sequential([Dense(3)]).build((None, 2))\n"
            f"save_safetensors(m, {str(tmp_path / 'm.safetensors')!r})\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


# ---------------------------------------------------------------- data-parallel training

def test_ddp_step_is_a_mini_batch_step_on_the_union_of_the_shards():
    torch = oracle("torch")
    from fromscratchtoml.nn.distributed import ddp_train
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 6)), rng.integers(0, 3, 40)
    m = build(lambda: [Dense(8, activation="tanh"), Dense(3)], X, np.float64)
    ddp = to_torch(m)
    log = ddp_train(ddp, X, y, batch_size=5, learning_rate=0.2, shuffle=False, max_steps=1, world_size=2)
    assert log["steps"] == 1 and log["world_size"] == 2 and log["samples_per_process"] == 20
    one = to_torch(m).train()
    opt = torch.optim.SGD(one.parameters(), lr=0.2)
    torch.nn.functional.cross_entropy(one(torch.from_numpy(X[:10])), torch.from_numpy(y[:10])).backward()
    opt.step()
    for k, v in one.state_dict().items():
        close(ddp.state_dict()[k], v, rtol=0, atol=1e-12, name=k)
    assert not torch.equal(ddp.state_dict()["0.weight"], to_torch(m).state_dict()["0.weight"])


def test_ddp_train_errors():
    oracle("torch")
    from fromscratchtoml.nn.distributed import ddp_train
    t = to_torch(build(lambda: [Dense(2)], np.zeros((1, 3)), np.float32))
    with pytest.raises(ValueError, match="loss must be"):
        ddp_train(t, np.zeros((4, 3)), np.zeros(4, int), loss="hinge")
    with pytest.raises(ValueError, match="X has 4 samples but y has 3"):
        ddp_train(t, np.zeros((4, 3)), np.zeros(3, int))


def test_torchrun_runs_the_same_worker(tmp_path):
    torch = oracle("torch")
    torchrun = shutil.which("torchrun", path=os.path.dirname(sys.executable)) or shutil.which("torchrun")
    if torchrun is None:
        pytest.skip("torchrun is not on the PATH")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 5)).astype(np.float32), rng.integers(0, 2, 64)
    m = build(lambda: [Dense(4, activation="relu"), Dense(2)], X, np.float32)
    m.save(tmp_path / "model.npz")
    np.savez(tmp_path / "data.npz", X=X, y=y)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    r = subprocess.run([torchrun, "--standalone", "--nproc-per-node=2", "-m", "fromscratchtoml.nn.distributed",
                        str(tmp_path / "model.npz"), str(tmp_path / "data.npz"), str(tmp_path / "out"),
                        "--batch-size", "8", "--learning-rate", "0.1"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    log = json.loads((tmp_path / "out" / "log.json").read_text())
    assert log["steps"] == 4 and log["samples_per_process"] == 32 and np.isfinite(log["loss"][0])
    t = to_torch(m)
    t.load_state_dict(torch.load(tmp_path / "out" / "state.pt", weights_only=True), strict=True)
    trained = from_torch(t)
    assert not np.array_equal(all_params(trained)[0], all_params(m)[0])

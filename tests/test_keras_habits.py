"""What a Keras user tries first works, or says clearly why not; model files survive faults.

Oracles: PyTorch for the losses with sample weights and for the softmax-ended model's gradient; Keras's
documented rules (computed by hand here) for early stopping and validation_split.
"""
import os
import zipfile

import numpy as np
import pytest

from conftest import cmp
from fromscratchtoml.core import default_dtype
from fromscratchtoml.nn import (SGD, Adam, CrossEntropy, Dense, Dropout, EarlyStopping, LearningRateScheduler,
                                MeanSquaredError, ModelCheckpoint, Sequential)
from fromscratchtoml.nn.serialization import save_model


def data(n=60, d=4, k=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    X = rng.normal(size=(n, d)) + y[:, None]
    return X.astype(np.float32), y


def two_layer(last_activation=None, seed=0):
    return Sequential([Dense(8, activation="relu"), Dense(3, activation=last_activation)], seed=seed)


# ---- softmax at the end of the model
def test_named_cross_entropy_reads_probabilities_of_a_softmax_model(torch64):
    torch = torch64
    with default_dtype(np.float64):
        X, y = data()
        X = X.astype(np.float64)
        soft = two_layer("softmax").compile("sparse_categorical_crossentropy", SGD(0.1))
        logit = two_layer(None).compile("cross_entropy", SGD(0.1))
        soft.forward(X[:2])
        logit.forward(X[:2])
        logit.set_weights(soft.get_weights())
    assert soft.loss.from_logits is False and logit.loss.from_logits is True
    p = soft.predict_proba(X)
    assert np.allclose(p.sum(1), 1) and np.allclose(p, logit.predict_proba(X), atol=1e-12)  # softmax once
    # one training step: the same update as the logits model, and as PyTorch's on the logits
    W = torch.tensor(soft.layers[1].params["W"], requires_grad=True)
    H = torch.relu(torch.tensor(X) @ torch.tensor(soft.layers[0].params["W"]) +
                   torch.tensor(soft.layers[0].params["b"]))
    loss_t = torch.nn.functional.cross_entropy(H @ W + torch.tensor(soft.layers[1].params["b"]), torch.tensor(y))
    loss_t.backward()
    soft.fit(X, y, epochs=1, batch_size=len(X), shuffle=False, verbose=False)
    logit.fit(X, y, epochs=1, batch_size=len(X), shuffle=False, verbose=False)
    cmp("dW via softmax model", soft.layers[1].grads["W"], W.grad, tol=1e-10)
    cmp("weights after a step", soft.layers[1].params["W"], logit.layers[1].params["W"], tol=1e-10)


def test_explicit_logits_loss_on_a_softmax_model_is_refused():
    with pytest.raises(ValueError, match="applies softmax.*again"):
        two_layer("softmax").compile(CrossEntropy(), "adam")
    model = Sequential([Dense(8)]).compile(CrossEntropy(), "adam")
    model.add(Dense(3, activation="softmax"))  # added after compile: fit notices
    with pytest.raises(ValueError, match="softmax"):
        model.fit(*data(), verbose=False)


# ---- save / load names
def test_save_name_without_suffix_and_missing_file(tmp_path):
    X, y = data()
    model = two_layer().compile("cross_entropy", "adam")
    model.fit(X, y, verbose=False)
    written = model.save(tmp_path / "model")
    assert written == tmp_path / "model.npz" and written.exists()
    back = Sequential.load(tmp_path / "model")
    assert np.array_equal(back.predict_proba(X), model.predict_proba(X))
    with pytest.raises(FileNotFoundError, match="nothere"):
        Sequential.load(tmp_path / "nothere.npz")


# ---- fit's Keras arguments
def test_validation_split_takes_the_last_share_before_shuffling():
    X, y = data(50)
    a = two_layer().compile("cross_entropy", Adam(0.01), metrics=["accuracy"])
    b = two_layer().compile("cross_entropy", Adam(0.01), metrics=["accuracy"])
    ha = a.fit(X, y, epochs=3, batch_size=8, validation_split=0.2, seed=1, verbose=False)
    hb = b.fit(X[:40], y[:40], epochs=3, batch_size=8, validation_data=(X[40:], y[40:]), seed=1, verbose=False)
    assert ha.params["samples"] == 40 and ha.history == hb.history
    with pytest.raises(ValueError, match="validation_split"):
        a.fit(X, y, validation_split=1.5, verbose=False)


def test_sample_weight_matches_pytorch(torch64):
    torch = torch64
    rng = np.random.default_rng(3)
    logits, labels, w = rng.normal(size=(6, 4)), rng.integers(0, 4, 6), rng.uniform(0, 2, 6)
    ce = CrossEntropy()
    loss = ce.forward(logits, labels, sample_weight=w)
    zt = torch.tensor(logits, requires_grad=True)
    lt = (torch.nn.functional.cross_entropy(zt, torch.tensor(labels), reduction="none") * torch.tensor(w)).mean()
    lt.backward()
    cmp("weighted CE", loss, lt.item(), tol=1e-12)
    cmp("weighted CE grad", ce.backward(), zt.grad, tol=1e-12)
    onehot = np.eye(4)[labels]
    cmp("weighted CE one-hot", ce.forward(logits, onehot, sample_weight=w), lt.item(), tol=1e-12)
    cmp("weighted CE one-hot grad", ce.backward(), zt.grad, tol=1e-12)
    pred, target = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    mse = MeanSquaredError()
    pt = torch.tensor(pred, requires_grad=True)
    lt = (((pt - torch.tensor(target)) ** 2).sum(1) * torch.tensor(w)).sum() / pred.size
    lt.backward()
    cmp("weighted MSE", mse.forward(pred, target, sample_weight=w), lt.item(), tol=1e-12)
    cmp("weighted MSE grad", mse.backward(), pt.grad, tol=1e-12)
    with pytest.raises(ValueError, match="one weight per sample"):
        ce.forward(logits, labels, sample_weight=w[:3])


def test_class_weight_is_sample_weight_by_label():
    X, y = data()
    cw = {0: 2.0, 1: 0.5, 2: 1.0}
    a = two_layer().compile("cross_entropy", Adam(0.01))
    b = two_layer().compile("cross_entropy", Adam(0.01))
    ha = a.fit(X, y, epochs=2, batch_size=16, seed=0, verbose=False, class_weight=cw)
    hb = b.fit(X, y, epochs=2, batch_size=16, seed=0, verbose=False,
               sample_weight=np.array([cw[c] for c in y]))
    assert ha.history == hb.history
    c = two_layer().compile("cross_entropy", Adam(0.01))
    assert c.fit(X, y, epochs=2, batch_size=16, seed=0, verbose=False).history != ha.history  # weights matter
    with pytest.raises(ValueError, match="no weight for class"):
        a.fit(X, y, class_weight={0: 1.0}, verbose=False)


def test_callable_learning_rate():
    X, y = data()
    model = two_layer().compile("cross_entropy", SGD(learning_rate=lambda step: 0.1 / (1 + step)))
    model.fit(X, y, epochs=1, batch_size=20, verbose=False)  # 3 steps: rates 0.1, 0.05, 0.0333
    assert model.optimizer.iterations == 3 and np.isclose(model.optimizer.learning_rate, 0.1 / 3)
    with pytest.raises(ValueError, match="learning_rate must be positive"):
        SGD(learning_rate=lambda step: -1.0)


class ScriptedModel:
    "Stands in for a model: the weights are the epoch number, so what was restored is visible."
    def __init__(self): self.weights, self.stop_training = [np.zeros(1)], False
    def get_weights(self): return [w.copy() for w in self.weights]
    def set_weights(self, ws): self.weights = [np.array(w) for w in ws]


@pytest.mark.parametrize("values, patience, stop_at, best", [
    ([5, 4, 4.5, 4.6, 3], 2, 3, 1),     # no improvement at epochs 2 and 3: stop at 3, best was epoch 1
    ([5, 4, 3, 2, 1], 1, None, 4),      # always improving: never stops
    ([5, 6, 7], 0, 1, 0),               # patience 0: the first epoch without improvement stops
])
def test_early_stopping_follows_keras(values, patience, stop_at, best):
    es, model = EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True), ScriptedModel()
    es.set_model(model)
    es.on_train_begin({})
    for epoch, v in enumerate(values):
        model.weights = [np.array([float(epoch)])]
        es.on_epoch_end(epoch, {"val_loss": v})
        if model.stop_training: break
    assert es.stopped_epoch == stop_at and es.best_epoch == best
    if stop_at is not None: assert model.weights[0][0] == best  # the best epoch's weights are back
    with pytest.raises(ValueError, match="val_accuracy"):
        EarlyStopping(monitor="val_accuracy").on_epoch_end(0, {"loss": 1.0})


def test_checkpoint_and_scheduler_in_fit(tmp_path):
    X, y = data()
    model = two_layer().compile("cross_entropy", Adam(0.01), metrics=["accuracy"])
    rates = []
    sched = LearningRateScheduler(lambda epoch: 0.01 * 0.1 ** epoch)
    record = LearningRateScheduler(lambda epoch, lr: rates.append(lr) or lr)
    model.fit(X, y, epochs=3, batch_size=16, validation_split=0.25, verbose=False,
              callbacks=[sched, record, ModelCheckpoint(tmp_path / "m{epoch}.npz")])
    assert np.allclose(rates, [0.01, 0.001, 0.0001])
    assert sorted(os.listdir(tmp_path)) == ["m1.npz", "m2.npz", "m3.npz"]
    assert np.array_equal(Sequential.load(tmp_path / "m3.npz").predict_proba(X), model.predict_proba(X))


# ---- weights, input_shape, verbose
def test_get_set_weights_and_input_shape():
    model = Sequential([Dense(4, activation="relu", input_shape=(3,)), Dropout(0.1), Dense(2)], seed=0)
    assert model.built and model.input_shape == (None, 3)  # built without data, as in Keras
    lines = []
    model.summary(print_fn=lines.append)
    assert "Total params: 26" in lines[0]
    ws = model.get_weights()
    assert [w.shape for w in ws] == [(3, 4), (4,), (4, 2), (2,)]
    model.set_weights([w + 1 for w in ws])
    assert all(np.array_equal(a, b + 1) for a, b in zip(model.get_weights(), ws))
    with pytest.raises(ValueError, match=r"must have shape \(3, 4\)"):
        model.set_weights([np.zeros((4, 3))] + ws[1:])
    with pytest.raises(ValueError, match="4 weight arrays"):
        model.set_weights(ws[:2])
    with pytest.raises(ValueError, match="not built"):
        Dense(3).set_weights([])


def test_verbose_on_evaluate_and_predict(capsys):
    X, y = data()
    model = two_layer().compile("cross_entropy", "adam", metrics=["accuracy"])
    model.fit(X, y, verbose=False)
    assert np.array_equal(model.predict(X, verbose=True), model.predict(X))
    assert model.evaluate(X, y, verbose=True) == model.evaluate(X, y)
    assert "evaluate" in capsys.readouterr().err  # the progress bar went to stderr


# ---- model files
@pytest.fixture
def saved(tmp_path):
    X, y = data()
    model = two_layer().compile("cross_entropy", "adam")
    model.fit(X, y, verbose=False)
    path = model.save(tmp_path / "m.npz")
    return model, path, X


def test_interrupted_save_keeps_the_old_file(saved, monkeypatch):
    model, path, X = saved
    before = path.read_bytes()

    def broken_savez(f, **arrays):
        f.write(b"PK\x03\x04 half a file")
        raise KeyboardInterrupt
    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(KeyboardInterrupt):
        save_model(model, path)
    assert path.read_bytes() == before and os.listdir(path.parent) == ["m.npz"]  # no temporary file left


def test_damaged_file_names_the_file(saved):
    model, path, X = saved
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("param/0/W.npy")
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    raw[middle] ^= 0xFF  # one flipped byte inside the weights: the CRC no longer matches
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"m\.npz.*damaged.*param/0/W"):
        Sequential.load(path)


def test_pickled_entry_is_refused(tmp_path, saved):
    model, path, X = saved
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    arrays["param/0/W"] = np.array([{"evil": 1}], dtype=object)
    bad = tmp_path / "pickled.npz"
    np.savez(bad, **arrays)
    with pytest.raises(ValueError, match="'param/0/W' holds a pickled object array.*on purpose"):
        Sequential.load(bad)


@pytest.mark.parametrize("edit, message", [
    (lambda meta: meta.pop("layers"), "no valid 'layers'"),
    (lambda meta: meta["layers"][0]["config"].update(units="eight"), r"layer 0 \(Dense\).*units"),
    (lambda meta: meta["layers"][1].update({"class": "Nope"}), "unknown layer class 'Nope'"),
])
def test_invalid_description_is_named(tmp_path, saved, edit, message):
    import json
    model, path, X = saved
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(str(arrays["__model__"]))
    edit(meta)
    arrays["__model__"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "edited.npz", **arrays)
    with pytest.raises(ValueError, match=message):
        Sequential.load(tmp_path / "edited.npz")


def test_load_weights_checks_the_architecture(saved):
    model, path, X = saved
    same = two_layer(seed=5)
    same.forward(X[:2])
    same.load_weights(path)
    assert all(np.array_equal(a, b) for a, b in zip(same.get_weights(), model.get_weights()))
    other = Sequential([Dense(8, activation="relu"), Dense(4)], seed=0)
    other.forward(X[:2])
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"param/1/W.*\(8, 3\).*expects \(8, 4\)"):
        other.load_weights(path)
    assert all(np.array_equal(a, b) for a, b in zip(other.get_weights(), before))  # nothing half-copied
    deeper = Sequential([Dense(8), Dense(8), Dense(3)])
    deeper.forward(X[:2])
    with pytest.raises(ValueError, match="2 layers, this model has 3"):
        deeper.load_weights(path)

"""Tests of fromscratchtoml.data: real data from the mirror, scikit-learn as the 20 Newsgroups oracle,
and the download path against a loopback HTTP server (no internet needed)."""
import gzip, hashlib, http.server, io, json, os, shutil, socket, struct, tarfile, threading, time, urllib.request, zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from conftest import oracle
from fromscratchtoml import data

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- where the test data is
def _find_mirror(rel):
    "The first FSTML_DATA_MIRROR folder (or a default location) that holds `rel`; a missing data set fails."
    cands = [m for m in data.data_mirrors() if isinstance(m, Path)]
    cands += [ROOT.parent / "shared" / "data", Path("/usr/share/datasets")]
    for c in cands:
        if (c / rel).exists(): return c.resolve()
    pytest.fail(f"no data mirror holds {rel}; set FSTML_DATA_MIRROR (looked in {cands})")

MNIST_MIRROR = _find_mirror("mnist/train-images-idx3-ubyte.gz")
FASHION_MIRROR = _find_mirror("fashion-mnist/train-images-idx3-ubyte.gz")
NEWS_MIRROR = _find_mirror("20news-bydate/SHA256SUMS")
MNIST_SMALL = "t10k-labels-idx1-ubyte.gz"


@pytest.fixture
def env(tmp_path, monkeypatch):
    "A fresh empty cache; the mirror variable cleared (tests set what they need)."
    home = tmp_path / "home"
    monkeypatch.setenv("FSTML_DATA_HOME", str(home))
    monkeypatch.setenv("FSTML_DATA_MIRROR", "")
    monkeypatch.setenv("FSTML_DATA_TIMEOUT", "5")
    return home


def _closed_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    return port


def _offline(monkeypatch, name):
    "Point every canonical URL of dataset `name` at a closed loopback port."
    ds = data.REGISTRY[name]
    port = _closed_port()
    files = {n: replace(f, urls=tuple(f"http://127.0.0.1:{port}/{i}/{n}" for i in range(len(f.urls) or 1)))
             for n, f in ds.files.items()}
    monkeypatch.setitem(data.REGISTRY, name, replace(ds, files=files))


@pytest.fixture
def connections(monkeypatch):
    "Every connection the data layer opens, as (url, timeout): work to count instead of seconds to time."
    calls, real = [], urllib.request.urlopen

    def spy(req, *args, timeout=None, **kwargs):
        calls.append((getattr(req, "full_url", req), timeout))
        return real(req, *args, timeout=timeout, **kwargs)
    monkeypatch.setattr(urllib.request, "urlopen", spy)
    return calls


def _files(folder):
    return sorted(p for p in Path(folder).rglob("*") if p.is_file()) if Path(folder).exists() else []


# ---------------------------------------------------------------- a loopback HTTP server
class _Server:
    "Serves `routes` {path: bytes} on 127.0.0.1; `mode[path]` in ok / die (close mid-body) / stall."
    def __init__(self, routes, mode=None):
        self.routes, self.mode, self.requests = routes, mode or {}, []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a): pass
            def do_GET(self):
                outer.requests.append(self.path)
                body = outer.routes.get(self.path)
                if body is None: self.send_error(404); return
                m = outer.mode.get(self.path, "ok")
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if m == "ok": self.wfile.write(body); return
                self.wfile.write(body[: len(body) // 2]); self.wfile.flush()
                if m == "stall": time.sleep(4)
                self.close_connection = True
                try: self.connection.shutdown(socket.SHUT_RDWR)
                except OSError: pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True; self.httpd.block_on_close = False
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self): self.httpd.shutdown(); self.httpd.server_close()


@pytest.fixture
def server():
    made = []
    def start(routes, mode=None):
        s = _Server(routes, mode); made.append(s); return s
    yield start
    for s in made: s.close()


def _serve_canonical(monkeypatch, srv, name, files):
    "Make `srv` the only canonical URL of each file in `files` of dataset `name`."
    ds = data.REGISTRY[name]
    new = dict(ds.files)
    for n in files: new[n] = replace(ds.files[n], urls=(f"{srv.url}/canon/{n}",))
    monkeypatch.setitem(data.REGISTRY, name, replace(ds, files=new))


# ---------------------------------------------------------------- MNIST / Fashion-MNIST
def _naive_idx(path):
    "An independent reader: gunzip, skip the fixed header, check the magic with int.from_bytes."
    raw = gzip.decompress(Path(path).read_bytes())
    magic = int.from_bytes(raw[:4], "big")
    if magic == 2051:
        n, r, c = (int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(3))
        return np.frombuffer(raw[16:], np.uint8).reshape(n, r, c)
    assert magic == 2049
    return np.frombuffer(raw[8:], np.uint8)


def test_mnist_from_local_mirror(env, monkeypatch):
    monkeypatch.setenv("FSTML_DATA_MIRROR", f"/nonexistent-mirror {MNIST_MIRROR}")
    _offline(monkeypatch, "mnist")
    (Xtr, ytr), (Xte, yte) = data.load_mnist("digits")
    assert Xtr.shape == (60000, 28, 28) and Xte.shape == (10000, 28, 28)   # README: 60,000 train + 10,000 test
    assert Xtr.dtype == np.uint8 and ytr.dtype == np.int64 and yte.dtype == np.int64
    d = MNIST_MIRROR / "mnist"
    for ours, f in ((Xtr, "train-images-idx3-ubyte.gz"), (ytr, "train-labels-idx1-ubyte.gz"),
                    (Xte, "t10k-images-idx3-ubyte.gz"), (yte, "t10k-labels-idx1-ubyte.gz")):
        theirs = _naive_idx(d / f)
        assert np.array_equal(ours, theirs), f"{f}: ours {ours.shape} vs naive reader {theirs.shape}"
    # class counts published with MNIST
    assert np.bincount(ytr).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(yte).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert _files(env) == []  # a local mirror is read in place, not copied


def test_fashion_debian_gz_accepted_by_payload(env, monkeypatch):
    monkeypatch.setenv("FSTML_DATA_MIRROR", str(FASHION_MIRROR))
    _offline(monkeypatch, "fashion-mnist")
    (Xtr, ytr), (Xte, yte) = data.load_mnist("fashion")
    assert Xtr.shape == (60000, 28, 28) and Xte.shape == (10000, 28, 28) and Xtr.dtype == np.uint8
    # Fashion-MNIST has exactly 6,000 training and 1,000 test images per class
    assert np.bincount(ytr).tolist() == [6000] * 10 and np.bincount(yte).tolist() == [1000] * 10
    for f in data.REGISTRY["fashion-mnist"].files.values():  # the payload, not the .gz bytes, is what is pinned
        raw = gzip.decompress((FASHION_MIRROR / "fashion-mnist" / f.name).read_bytes())
        assert hashlib.sha256(raw).hexdigest() == f.payload_sha256
    assert np.array_equal(Xte, _naive_idx(FASHION_MIRROR / "fashion-mnist" / "t10k-images-idx3-ubyte.gz"))
    assert data.mnist_classes("fashion")[9] == "Ankle boot"


def test_relative_mirror_from_start_directory(env, tmp_path, monkeypatch):
    "A relative mirror entry is found from the current folder, or else from $PWD (where the program started)."
    (tmp_path / "start" / "mirror" / "mnist").mkdir(parents=True)
    shutil.copy(MNIST_MIRROR / "mnist" / MNIST_SMALL, tmp_path / "start" / "mirror" / "mnist")
    (tmp_path / "start" / "nbs").mkdir()
    monkeypatch.chdir(tmp_path / "start" / "nbs")
    monkeypatch.setenv("PWD", str(tmp_path / "start"))
    monkeypatch.setenv("FSTML_DATA_MIRROR", "mirror")
    _offline(monkeypatch, "mnist")
    assert data.fetch("mnist", MNIST_SMALL) == tmp_path / "start" / "mirror" / "mnist" / MNIST_SMALL
    monkeypatch.chdir(tmp_path / "start")  # the current folder wins when it has the entry
    assert data.data_mirrors() == [Path("mirror")]


# md5 sums published by Zalando Research with Fashion-MNIST (also in torchvision's FashionMNIST.resources)
FASHION_MD5 = {"train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
               "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310"}


def test_fashion_canonical_gz_accepted_by_file_sha256(env, tmp_path, monkeypatch):
    """Debian's .gz lacks the stored file name; putting it back (with the original mtime) rebuilds the canonical
    file, proven by the published md5, and the registry's file sha256 (payload check disabled) must accept it."""
    mtimes = {"train-labels-idx1-ubyte.gz": 1504176606, "t10k-labels-idx1-ubyte.gz": 1504176627}
    (tmp_path / "m" / "fashion-mnist").mkdir(parents=True)
    ds = data.REGISTRY["fashion-mnist"]
    monkeypatch.setitem(data.REGISTRY, "fashion-mnist", replace(ds, files={
        n: replace(f, payload_sha256=None) for n, f in ds.files.items()}))
    monkeypatch.setenv("FSTML_DATA_MIRROR", str(tmp_path / "m"))
    for n, md5 in FASHION_MD5.items():
        deb = (FASHION_MIRROR / "fashion-mnist" / n).read_bytes()
        assert deb[3] == 0, "expected a gzip header without a stored name"
        canon = b"\x1f\x8b\x08\x08" + mtimes[n].to_bytes(4, "little") + deb[8:10] + n[:-3].encode() + b"\0" + deb[10:]
        assert hashlib.md5(canon).hexdigest() == md5
        (tmp_path / "m" / "fashion-mnist" / n).write_bytes(canon)
        assert data.fetch("fashion-mnist", n) == tmp_path / "m" / "fashion-mnist" / n
        with pytest.raises(data.DataError, match="sha256 mismatch"):  # and the Debian bytes are not the canonical file
            data.verify_file(FASHION_MIRROR / "fashion-mnist" / n, data.REGISTRY["fashion-mnist"].files[n])


def test_regzipped_payload_accepted_altered_payload_rejected(env, tmp_path, monkeypatch):
    name = "t10k-labels-idx1-ubyte.gz"
    raw = gzip.decompress((MNIST_MIRROR / "mnist" / name).read_bytes())
    good, bad = tmp_path / "good" / "mnist", tmp_path / "bad" / "mnist"
    good.mkdir(parents=True); bad.mkdir(parents=True)
    (good / name).write_bytes(gzip.compress(raw, mtime=0))  # other gzip header: file sha256 differs
    altered = bytearray(raw); altered[8] = (altered[8] + 1) % 10
    (bad / name).write_bytes(gzip.compress(bytes(altered), mtime=0))
    _offline(monkeypatch, "mnist")
    monkeypatch.setenv("FSTML_DATA_MIRROR", str(good.parent))
    assert data.fetch("mnist", name) == good / name
    monkeypatch.setenv("FSTML_DATA_MIRROR", str(bad.parent))
    with pytest.raises(data.DataError, match="decompressed") as e:
        data.fetch("mnist", name)
    assert str(bad / name) in str(e.value) and hashlib.sha256(bytes(altered)).hexdigest() in str(e.value)


@pytest.mark.parametrize("code,dt", [(0x08, ">u1"), (0x09, ">i1"), (0x0B, ">i2"), (0x0C, ">i4"),
                                     (0x0D, ">f4"), (0x0E, ">f8")])
def test_idx_roundtrip_every_dtype(code, dt):
    a = (np.random.default_rng(code).standard_normal((3, 4, 5)) * 50).astype(dt)
    blob = struct.pack(">4B", 0, 0, code, 3) + struct.pack(">3I", *a.shape) + a.tobytes()
    b = data.parse_idx(blob)
    assert b.shape == a.shape and b.dtype == np.dtype(dt).newbyteorder("=") and np.array_equal(a, b)


def test_idx_errors(tmp_path):
    ok = struct.pack(">4B2I", 0, 0, 8, 2, 2, 2) + bytes(4)
    data.parse_idx(ok)
    with pytest.raises(data.IDXFormatError, match="magic"): data.parse_idx(b"\x00\x01\x08\x02" + ok[4:])
    with pytest.raises(data.IDXFormatError, match="magic"): data.parse_idx(b"\x00\x00\x07\x02" + ok[4:])
    with pytest.raises(data.IDXFormatError, match="truncated"): data.parse_idx(ok[:-1], "x.idx")
    with pytest.raises(data.IDXFormatError, match="too short"): data.parse_idx(b"\x00\x00")
    with pytest.raises(data.IDXFormatError, match="header"): data.parse_idx(ok[:9])
    p = tmp_path / "broken.gz"; p.write_bytes(gzip.compress(ok)[:-6])
    with pytest.raises(data.IDXFormatError, match="broken.gz.*gzip"): data.read_idx_gz(p)


def test_unknown_names(env):
    with pytest.raises(ValueError, match="'digits', 'fashion'"): data.load_mnist("letters")
    with pytest.raises(ValueError, match="mnist.*text8"): data.fetch("cifar10", "x")
    with pytest.raises(ValueError, match="t10k-images"): data.fetch("mnist", "nope.gz")
    with pytest.raises(ValueError, match="'train', 'test', 'all'"): data.load_20newsgroups("validation")
    with pytest.raises(ValueError, match="'headers', 'footers', 'quotes'"): data.load_20newsgroups(remove=("sigs",))


# ---------------------------------------------------------------- downloads against a loopback server
def test_download_verified_and_cached(env, server, monkeypatch):
    body = (MNIST_MIRROR / "mnist" / MNIST_SMALL).read_bytes()
    srv = server({f"/canon/{MNIST_SMALL}": body})
    _serve_canonical(monkeypatch, srv, "mnist", [MNIST_SMALL])
    p = data.fetch("mnist", MNIST_SMALL)
    assert p == env / "mnist" / MNIST_SMALL and p.read_bytes() == body
    assert _files(env) == [p]  # no temporary file left beside it
    n = len(srv.requests)
    assert data.fetch("mnist", MNIST_SMALL) == p and len(srv.requests) == n  # served from the cache


def test_url_mirror_then_canonical(env, server, monkeypatch):
    "A URL mirror laid out like the data folder is tried first; a mirror that lacks the file is skipped."
    files = {f"/m/mnist/{f}": (MNIST_MIRROR / "mnist" / f).read_bytes() for f in data.REGISTRY["mnist"].files}
    srv = server(files); empty = server({})
    _offline(monkeypatch, "mnist")
    monkeypatch.setenv("FSTML_DATA_MIRROR", f"{empty.url}/nothing {srv.url}/m")
    (Xtr, ytr), (Xte, yte) = data.load_mnist("digits")
    assert np.array_equal(yte, _naive_idx(MNIST_MIRROR / "mnist" / MNIST_SMALL))
    assert len(_files(env / "mnist")) == 4 and not [p for p in _files(env) if p.name.startswith(".")]


@pytest.mark.parametrize("fault", ["truncated", "corrupt"])
def test_bad_download_leaves_nothing(env, server, monkeypatch, fault):
    good = (MNIST_MIRROR / "mnist" / MNIST_SMALL).read_bytes()
    bad = good[: len(good) // 2] if fault == "truncated" else good[:100] + bytes([good[100] ^ 0xFF]) + good[101:]
    srv = server({f"/canon/{MNIST_SMALL}": bad})
    _serve_canonical(monkeypatch, srv, "mnist", [MNIST_SMALL])
    with pytest.raises(data.DataError) as e:
        data.fetch("mnist", MNIST_SMALL)
    msg = str(e.value); rf = data.REGISTRY["mnist"].files[MNIST_SMALL]
    for part in (MNIST_SMALL, f"{srv.url}/canon/{MNIST_SMALL}", rf.sha256, hashlib.sha256(bad).hexdigest()):
        assert part in msg, f"{part!r} missing from the error:\n{msg}"
    assert _files(env) == [], _files(env)


@pytest.mark.parametrize("mode", ["die", "stall"])
def test_interrupted_download_never_used(env, server, monkeypatch, mode, connections):
    good = (MNIST_MIRROR / "mnist" / MNIST_SMALL).read_bytes()
    srv = server({f"/canon/{MNIST_SMALL}": good}, mode={f"/canon/{MNIST_SMALL}": mode})
    _serve_canonical(monkeypatch, srv, "mnist", [MNIST_SMALL])
    monkeypatch.setenv("FSTML_DATA_TIMEOUT", "1")
    with pytest.raises(data.DataError, match=MNIST_SMALL):
        data.fetch("mnist", MNIST_SMALL)
    # one attempt per source, each bounded by the configured timeout: a stalled server cannot hang us
    assert [t for _, t in connections] == [1.0] * len(data.REGISTRY["mnist"].files[MNIST_SMALL].urls)
    assert _files(env) == [], _files(env)
    srv.mode.clear()  # the server recovers: the next fetch downloads the whole file
    assert data.fetch("mnist", MNIST_SMALL).read_bytes() == good


def test_ctrl_c_during_download_removes_temp_file(env, server, monkeypatch):
    good = (MNIST_MIRROR / "mnist" / MNIST_SMALL).read_bytes()
    srv = server({f"/canon/{MNIST_SMALL}": good})
    _serve_canonical(monkeypatch, srv, "mnist", [MNIST_SMALL])
    def interrupt(*a, **k): raise KeyboardInterrupt
    monkeypatch.setattr(data.files, "verify_file", interrupt)
    with pytest.raises(KeyboardInterrupt): data.fetch("mnist", MNIST_SMALL)
    assert _files(env) == []


def test_corrupt_cache_file_is_replaced(env, monkeypatch):
    "A damaged file at the final cache path (e.g. copied by hand, cut short) is detected, removed and refetched."
    (env / "mnist").mkdir(parents=True)
    good = (MNIST_MIRROR / "mnist" / MNIST_SMALL).read_bytes()
    (env / "mnist" / MNIST_SMALL).write_bytes(good[:1000])
    (env / "mnist" / f".{MNIST_SMALL}.x.part").write_bytes(good[:500])  # a leftover of a killed process: ignored
    monkeypatch.setenv("FSTML_DATA_MIRROR", str(MNIST_MIRROR))
    _offline(monkeypatch, "mnist")
    assert data.fetch("mnist", MNIST_SMALL) == MNIST_MIRROR / "mnist" / MNIST_SMALL
    assert not (env / "mnist" / MNIST_SMALL).exists()


def test_offline_without_mirror_fails_fast(env, monkeypatch, connections):
    _offline(monkeypatch, "mnist")
    with pytest.raises(data.DataError) as e:
        data.load_mnist("digits")
    first = data.REGISTRY["mnist"].files["train-images-idx3-ubyte.gz"]
    assert [u for u, _ in connections] == list(first.urls)  # each canonical URL once, then a clear error
    msg = str(e.value)
    for part in ("train-images-idx3-ubyte.gz", "FSTML_DATA_MIRROR", "FSTML_DATA_HOME", "cannot connect"):
        assert part in msg, f"{part!r} missing from:\n{msg}"
    assert _files(env) == [] and not (env / "mnist").exists()


def test_offline_20news_without_mirror(env, monkeypatch, connections):
    _offline(monkeypatch, "20news-bydate")
    with pytest.raises(data.DataError, match="(?s)20news-bydate.tar.gz.*FSTML_DATA_MIRROR"):
        data.load_20newsgroups()
    assert 0 < len(connections) <= sum(len(f.urls) for f in data.REGISTRY["20news-bydate"].files.values())
    assert _files(env) == []


# ---------------------------------------------------------------- text8
def _text8_zip(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z: z.writestr("text8", text)
    return path.read_bytes()


def test_text8_from_generated_zip(env, tmp_path, server, monkeypatch):
    text = " ".join(["the quick brown fox jumps over the lazy dog"] * 500)
    blob = _text8_zip(tmp_path / "src" / "text8.zip", text)
    srv = server({"/canon/text8.zip": blob})
    rf = replace(data.REGISTRY["text8"].files["text8.zip"], size=len(blob), urls=(f"{srv.url}/canon/text8.zip",))
    monkeypatch.setitem(data.REGISTRY, "text8", replace(data.REGISTRY["text8"], files={"text8.zip": rf}))
    assert data.load_text8() == text                     # downloaded, checked by size + CRC, cached
    assert data.load_text8(n_chars=25) == text[:25] and data.load_text8(0) == ""
    assert (env / "text8" / "text8.zip").read_bytes() == blob
    for bad in (-1, 2.5, "10"):
        with pytest.raises(ValueError, match="n_chars"): data.load_text8(bad)


def test_text8_corrupt_zip_rejected(env, tmp_path, server, monkeypatch):
    text = "anarchism originated as a term of abuse " * 300
    blob = bytearray(_text8_zip(tmp_path / "src" / "text8.zip", text))
    blob[60] ^= 0xFF  # inside the compressed data: same size, CRC must catch it
    srv = server({"/canon/text8.zip": bytes(blob)})
    rf = replace(data.REGISTRY["text8"].files["text8.zip"], size=len(blob), urls=(f"{srv.url}/canon/text8.zip",))
    monkeypatch.setitem(data.REGISTRY, "text8", replace(data.REGISTRY["text8"], files={"text8.zip": rf}))
    with pytest.raises(data.DataError, match="text8.zip"): data.load_text8()
    assert _files(env) == []


# ---------------------------------------------------------------- 20 Newsgroups against scikit-learn
@pytest.fixture(scope="module")
def skl_news():
    "scikit-learn's 20 Newsgroups module (a private one: its downloader and strip functions are the oracle)."
    return oracle("sklearn.datasets._twenty_newsgroups")


@pytest.fixture(scope="module")
def skl_raw(skl_news):
    "What scikit-learn's 20news downloader caches, built with its own load_files from the mirror tree."
    load_files = oracle("sklearn.datasets").load_files
    root = NEWS_MIRROR / "20news-bydate"
    return {s: load_files(root / f"20news-bydate-{s}", encoding="latin1") for s in ("train", "test")}


@pytest.fixture
def sklearn_fetch(skl_news, skl_raw, tmp_path, monkeypatch):
    "scikit-learn's own fetch_20newsgroups, fed the mirror instead of the internet (no pickle involved)."
    Bunch = oracle("sklearn.utils").Bunch

    def fresh(**kw):
        return {s: Bunch(data=list(b.data), target=b.target.copy(), filenames=b.filenames.copy(),
                         target_names=list(b.target_names)) for s, b in skl_raw.items()}
    monkeypatch.setattr(skl_news, "_download_20newsgroups", fresh)
    def f(**kw):
        b = skl_news.fetch_20newsgroups(data_home=str(tmp_path / "skl"), **kw)
        return b.data, b.target, list(b.target_names)
    return f


@pytest.fixture
def news_env(env, monkeypatch):
    monkeypatch.setenv("FSTML_DATA_MIRROR", str(NEWS_MIRROR))
    _offline(monkeypatch, "20news-bydate")
    return env


def _same(ours, theirs, what):
    (t1, l1, n1), (t2, l2, n2) = ours, theirs
    assert n1 == n2, f"{what}: target_names ours {n1} vs sklearn {n2}"
    assert len(t1) == len(t2), f"{what}: ours {len(t1)} vs sklearn {len(t2)} documents"
    assert np.array_equal(l1, l2), f"{what}: labels ours {l1[:10]} vs sklearn {l2[:10]}"
    bad = [i for i, (a, b) in enumerate(zip(t1, t2)) if a != b]
    assert not bad, f"{what}: {len(bad)} texts differ, first at {bad[0]}:\n{t1[bad[0]][:300]!r}\nvs\n{t2[bad[0]][:300]!r}"
    assert l1.dtype == np.int64


def test_20news_train_matches_sklearn(news_env, sklearn_fetch):
    ours = data.load_20newsgroups("train")
    _same(ours, sklearn_fetch(subset="train"), "train")
    assert ours[1][:10].tolist() == [7, 4, 4, 1, 14, 16, 13, 3, 2, 4]  # scikit-learn user guide
    # README table: posts per newsgroup
    assert np.bincount(ours[1]).tolist() == [480, 584, 591, 590, 578, 593, 585, 594, 598, 597, 600,
                                             595, 591, 594, 593, 599, 546, 564, 465, 377]
    assert (news_env / "20news-bydate" / "corpus-v1.json").exists()


def test_20news_categories_and_options_match_sklearn(news_env, sklearn_fetch):
    cats = ["sci.space", "alt.atheism"]
    ours = data.load_20newsgroups("train", categories=cats)
    _same(ours, sklearn_fetch(subset="train", categories=cats), "2 categories")
    assert len(ours[0]) == 1073 and ours[1][:10].tolist() == [0, 1, 1, 1, 0, 1, 1, 0, 0, 0]  # sklearn docstring
    cats4 = ["alt.atheism", "talk.religion.misc", "comp.graphics", "sci.space"]
    _same(data.load_20newsgroups("all", categories=cats4, random_state=7),
          sklearn_fetch(subset="all", categories=cats4, random_state=7), "all, 4 categories, seed 7")
    _same(data.load_20newsgroups("test", shuffle=False), sklearn_fetch(subset="test", shuffle=False), "test unshuffled")
    rs1, rs2 = np.random.RandomState(3), np.random.RandomState(3)
    _same(data.load_20newsgroups("test", categories=cats4, random_state=rs1),
          sklearn_fetch(subset="test", categories=cats4, random_state=rs2), "RandomState")
    with pytest.raises(ValueError, match="unknown categories.*valid categories: alt.atheism, comp.graphics"):
        data.load_20newsgroups(categories=["sci.spaaace"])


def test_20news_remove_matches_sklearn(news_env, sklearn_fetch):
    rem = ("headers", "footers", "quotes")
    _same(data.load_20newsgroups("test", remove=rem), sklearn_fetch(subset="test", remove=rem), "test, remove all")
    cats = ["comp.graphics", "rec.autos"]
    for r in (("headers",), ("footers",)):  # "quotes" alone: covered above and by the edge cases below
        _same(data.load_20newsgroups("train", categories=cats, remove=r),
              sklearn_fetch(subset="train", categories=cats, remove=r), f"remove {r}")


def test_strip_functions_match_sklearn_on_edge_cases(skl_news):
    cases = ["", "\n", "no blank line at all", "a\n\nb", "\n\nbody", "x\n--\nsig", "x\n\n\n", "  \n\n--\n",
             "body\n\n-- \nsig\n\n\n", "> q\n| q2\nok\nIn article <x> y writes:\nok2", "a says: b\nQuoted from x"]
    for t in cases:
        assert data.strip_header(t) == skl_news.strip_newsgroup_header(t), repr(t)
        assert data.strip_footer(t) == skl_news.strip_newsgroup_footer(t), repr(t)
        assert data.strip_quotes(t) == skl_news.strip_newsgroup_quoting(t), repr(t)


# ---------------------------------------------------------------- 20 Newsgroups sources: tree, tarball, URL tree
TINY = {"train": {"comp.a": {"10": b"From: x\n\nhello\n", "9": b"Subject: y\n\nbonjour \xe9t\xe9\n"},
                  "rec.b": {"1": b"h: 1\n\n> quoted\nreply\n\n--\nsig\n"}},
        "test": {"comp.a": {"5": b"h\n\ntest a\n"}, "rec.b": {"7": b"h\n\ntest b\n"}}}


def _tiny_tree(root):
    lines = []
    for s, groups in TINY.items():
        for g, msgs in groups.items():
            for n, b in msgs.items():
                p = root / "20news-bydate" / f"20news-bydate-{s}" / g / n
                p.parent.mkdir(parents=True, exist_ok=True); p.write_bytes(b)
                lines.append(f"{hashlib.sha256(b).hexdigest()}  20news-bydate-{s}/{g}/{n}")
    sums = ("\n".join(lines) + "\n").encode()
    (root / "20news-bydate" / "SHA256SUMS").write_bytes(sums)
    return hashlib.sha256(sums).hexdigest()


def _pin_news(monkeypatch, sums_sha=None, tar_sha=None):
    ds = data.REGISTRY["20news-bydate"]; f = dict(ds.files)
    if sums_sha: f["SHA256SUMS"] = replace(f["SHA256SUMS"], sha256=sums_sha)
    if tar_sha: f["20news-bydate.tar.gz"] = replace(f["20news-bydate.tar.gz"], sha256=tar_sha)
    monkeypatch.setitem(data.REGISTRY, "20news-bydate", replace(ds, files=f))


def test_20news_tiny_tree_tar_and_url_mirror_agree(env, tmp_path, server, monkeypatch):
    _offline(monkeypatch, "20news-bydate")
    _pin_news(monkeypatch, sums_sha=_tiny_tree(tmp_path / "tree"))
    monkeypatch.setenv("FSTML_DATA_MIRROR", str(tmp_path / "tree"))
    from_tree = data.load_20newsgroups("all", shuffle=False)
    assert from_tree[2] == ["comp.a", "rec.b"] and len(from_tree[0]) == 5
    assert "bonjour \u00e9t\u00e9\n" in from_tree[0][0] + from_tree[0][1] + from_tree[0][2]  # latin-1
    # the same corpus as a tar.gz archive in a mirror folder
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(tmp_path / "tree" / "20news-bydate" / "20news-bydate-train", arcname="20news-bydate-train")
        tar.add(tmp_path / "tree" / "20news-bydate" / "20news-bydate-test", arcname="20news-bydate-test")
    (tmp_path / "arch" / "20news-bydate").mkdir(parents=True)
    (tmp_path / "arch" / "20news-bydate" / "20news-bydate.tar.gz").write_bytes(buf.getvalue())
    _pin_news(monkeypatch, tar_sha=hashlib.sha256(buf.getvalue()).hexdigest())
    monkeypatch.setenv("FSTML_DATA_HOME", str(tmp_path / "home2"))
    monkeypatch.setenv("FSTML_DATA_MIRROR", str(tmp_path / "arch"))
    from_tar = data.load_20newsgroups("all", shuffle=False)
    assert from_tar[0] == from_tree[0] and np.array_equal(from_tar[1], from_tree[1])
    # and the extracted tree behind an http:// mirror
    root = tmp_path / "tree"
    srv = server({"/" + str(p.relative_to(root)): p.read_bytes() for p in _files(root)})
    monkeypatch.setenv("FSTML_DATA_HOME", str(tmp_path / "home3"))
    monkeypatch.setenv("FSTML_DATA_MIRROR", srv.url)
    from_url = data.load_20newsgroups("all", shuffle=False)
    assert from_url[0] == from_tree[0] and np.array_equal(from_url[1], from_tree[1])


def test_20news_parsed_cache_used_and_rebuilt(env, tmp_path, monkeypatch):
    _offline(monkeypatch, "20news-bydate")
    _pin_news(monkeypatch, sums_sha=_tiny_tree(tmp_path / "tree"))
    monkeypatch.setenv("FSTML_DATA_MIRROR", str(tmp_path / "tree"))
    first = data.load_20newsgroups("train")
    cache = env / "20news-bydate" / "corpus-v1.json"
    assert cache.exists() and _files(env) == [cache]
    monkeypatch.setenv("FSTML_DATA_MIRROR", "")  # no source left: the parsed cache alone must do
    again = data.load_20newsgroups("train")
    assert again[0] == first[0] and np.array_equal(again[1], first[1])
    cache.write_text("{ not json")  # damaged: ignored, and rebuilt from a source
    with pytest.raises(data.DataError, match="FSTML_DATA_MIRROR"): data.load_20newsgroups("train")
    monkeypatch.setenv("FSTML_DATA_MIRROR", str(tmp_path / "tree"))
    assert data.load_20newsgroups("train")[0] == first[0]
    assert json.loads(cache.read_text())["format"] == 1


def test_20news_tampered_tree_rejected(env, tmp_path, monkeypatch):
    _offline(monkeypatch, "20news-bydate")
    _pin_news(monkeypatch, sums_sha=_tiny_tree(tmp_path / "tree"))
    (tmp_path / "tree" / "20news-bydate" / "20news-bydate-test" / "rec.b" / "7").write_bytes(b"h\n\ntampered\n")
    monkeypatch.setenv("FSTML_DATA_MIRROR", str(tmp_path / "tree"))
    with pytest.raises(data.DataError, match="20news-bydate-test/rec.b/7.*expected"):
        data.load_20newsgroups()
    assert _files(env) == []
    # a SHA256SUMS that is not the pinned one is rejected as a whole
    _pin_news(monkeypatch, sums_sha="0" * 64)
    with pytest.raises(data.DataError, match="SHA256SUMS.*expected 0{64}"):
        data.load_20newsgroups()


# ---------------------------------------------------------------- splits, batches, one-hot
def test_train_val_split():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((103, 3)); y = rng.integers(0, 4, 103)
    (Xa, ya), (Xv, yv) = data.train_val_split(X, y, val_size=0.2, seed=5)
    assert len(Xv) == round(0.2 * 103) and len(Xa) + len(Xv) == 103
    rows = {tuple(r) for r in np.r_[Xa, Xv]}; assert rows == {tuple(r) for r in X}  # a partition
    lookup = {tuple(r): t for r, t in zip(X, y)}
    assert all(lookup[tuple(r)] == t for r, t in zip(Xv, yv))  # labels stay with their samples
    (Xb, _), (Xw, _) = data.train_val_split(X, y, val_size=0.2, seed=5)
    assert np.array_equal(Xa, Xb) and np.array_equal(Xv, Xw)
    (_, _), (Xo, _) = data.train_val_split(X, y, val_size=0.2, seed=6)
    assert not np.array_equal(Xv, Xo)
    # stratified: each class gets its share of the validation set (within one sample)
    (_, ys), (_, yvs) = data.train_val_split(X, y, val_size=30, seed=1, stratify=True)
    assert len(yvs) == 30
    expect = np.bincount(y) * 30 / 103
    assert np.all(np.abs(np.bincount(yvs, minlength=4) - expect) < 1), (np.bincount(yvs), expect)
    texts = [f"doc {i}" for i in range(10)]
    (ta, _), (tv, _) = data.train_val_split(texts, None, val_size=3, seed=0)
    assert sorted(ta + tv) == sorted(texts) and isinstance(tv, list)


def test_train_val_split_errors():
    X = np.zeros((10, 2)); y = np.arange(10) % 2
    with pytest.raises(ValueError, match="fraction"): data.train_val_split(X, y, val_size=1.5)
    with pytest.raises(ValueError, match="between 1 and 9"): data.train_val_split(X, y, val_size=10)
    with pytest.raises(ValueError, match="empty split"): data.train_val_split(X, y, val_size=0.01)
    with pytest.raises(TypeError, match="val_size"): data.train_val_split(X, y, val_size="half")
    with pytest.raises(ValueError, match="inconsistent"): data.train_val_split(X, y[:5])
    with pytest.raises(ValueError, match="needs the labels"): data.train_val_split(X, None, stratify=True)


def test_batches():
    X = np.arange(23 * 2).reshape(23, 2); y = np.arange(23)
    bs = list(data.batches(X, y, batch_size=5, seed=3))
    assert [len(b[0]) for b in bs] == [5, 5, 5, 5, 3]
    got = np.concatenate([b[1] for b in bs]); assert sorted(got.tolist()) == list(range(23))
    assert all(np.array_equal(xb[:, 0] // 2, yb) for xb, yb in bs)  # pairs stay aligned
    again = np.concatenate([b[1] for b in data.batches(X, y, batch_size=5, seed=3)])
    other = np.concatenate([b[1] for b in data.batches(X, y, batch_size=5, seed=4)])
    assert np.array_equal(got, again) and not np.array_equal(got, other)
    plain = list(data.batches(X, batch_size=10, shuffle=False))
    assert np.array_equal(np.concatenate(plain), X) and [len(b) for b in plain] == [10, 10, 3]
    assert [len(b) for b in data.batches(X, batch_size=10, drop_last=True)] == [10, 10]
    assert len(list(data.batches(X, batch_size=1))) == 23 and len(list(data.batches(X, batch_size=23))) == 1
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="batch_size"): next(data.batches(X, batch_size=bad))
    with pytest.raises(ValueError, match="inconsistent"): next(data.batches(X, y[:3]))


def test_one_hot():
    y = np.array([3, 0, 2, 2])
    oh = data.one_hot(y)
    assert oh.shape == (4, 4) and oh.dtype == np.float32
    assert np.array_equal(oh, np.eye(4)[y]) and np.array_equal(oh.argmax(1), y)
    assert data.one_hot(y, n_classes=6, dtype=np.float64).shape == (4, 6)
    with pytest.raises(ValueError, match="label 3"): data.one_hot(y, n_classes=3)
    with pytest.raises(ValueError, match="negative"): data.one_hot([-1, 0])
    with pytest.raises(ValueError, match="integer"): data.one_hot([0.5, 1])
    with pytest.raises(ValueError, match="1-D"): data.one_hot([[0, 1]])

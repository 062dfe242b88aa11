"Text utilities: tokenizer, vocabulary, padding, character encoding, sampling."
from collections import Counter
import re
import numpy as np
import pytest

from conftest import close, oracle
from fromscratchtoml.text import (tokenize, Vocabulary, pad_sequences, lengths_to_mask, clean_text8, encode_chars,
                                  decode_chars, lm_windows, sample_with_temperature, TEXT8_ALPHABET)

DOCS = ["The cat sat on the mat.", "The dog didn't sit; the DOG ran!", "A cat, a dog, 2 birds."]


def test_tokenize_agrees_with_sklearn_on_words():
    # scikit-learn's CountVectorizer with the same pattern is an independent tokenizer
    CountVectorizer = oracle("sklearn.feature_extraction.text").CountVectorizer
    cv = CountVectorizer(token_pattern=r"[a-z0-9]+(?:'[a-z]+)?", lowercase=True).fit(DOCS)
    ours = sorted(set(t for d in DOCS for t in tokenize(d)))
    assert ours == sorted(cv.vocabulary_), f"ours {ours} vs sklearn {sorted(cv.vocabulary_)}"
    assert tokenize("Don't STOP") == ["don't", "stop"]
    with pytest.raises(TypeError, match="expects a str"): tokenize(["a"])


def test_vocabulary_counts_order_and_unk():
    voc = Vocabulary(min_freq=2).fit(DOCS)
    counts = Counter(t for d in DOCS for t in re.findall(r"[a-z0-9]+(?:'[a-z]+)?", d.lower()))
    expected = sorted([t for t, c in counts.items() if c >= 2], key=lambda t: (-counts[t], t))
    assert voc.itos == ["<pad>", "<unk>"] + expected
    assert voc.pad_id == 0 and voc.unk_id == 1 and len(voc) == 2 + len(expected)
    ids = voc.encode("the zebra cat")
    assert ids.dtype == np.int64 and ids.tolist() == [voc.stoi["the"], 1, voc.stoi["cat"]]
    assert voc.decode(np.r_[ids, 0, 0]) == ["the", "<unk>", "cat"]
    assert voc.decode([0, 2], skip_pad=False)[0] == "<pad>"
    assert len(Vocabulary(max_size=4).fit(DOCS)) == 4
    with pytest.raises(ValueError, match="out of range"): voc.decode([len(voc)])
    with pytest.raises(ValueError, match="min_freq"): Vocabulary(min_freq=0)


def test_pad_sequences_matches_torch(torch64):
    seqs = [np.array([3, 4, 5]), np.array([7]), np.array([1, 2, 3, 4, 5, 6])]
    X, lengths = pad_sequences(seqs)
    ref = torch64.nn.utils.rnn.pad_sequence([torch64.from_numpy(s) for s in seqs], batch_first=True,
                                            padding_value=0)
    assert np.array_equal(X, ref.numpy()) and lengths.tolist() == [3, 1, 6]
    assert np.array_equal(lengths_to_mask(lengths), X != 0)
    Xp, lp = pad_sequences(seqs, maxlen=4, padding="pre", truncating="pre")
    assert Xp.tolist() == [[0, 3, 4, 5], [0, 0, 0, 7], [3, 4, 5, 6]] and lp.tolist() == [3, 1, 4]
    Xq, _ = pad_sequences(seqs, maxlen=2)
    assert Xq.tolist() == [[3, 4], [7, 0], [1, 2]]
    with pytest.raises(ValueError, match="sequence 1 is empty"): pad_sequences([[1], []])
    with pytest.raises(ValueError, match="no sequences"): pad_sequences([])
    with pytest.raises(ValueError, match="'pre' or 'post'"): pad_sequences([[1]], padding="left")
    with pytest.raises(ValueError, match="exceeds maxlen"): lengths_to_mask([3, 5], maxlen=4)


def test_char_level_text8_cleaning_and_encoding():
    assert clean_text8("Hello, World!\n  It's 1993...") == "hello world it s"
    s = clean_text8("The quick brown fox jumps over the lazy dog 42 times")
    ids = encode_chars(s)
    assert ids.tolist() == [TEXT8_ALPHABET.index(c) for c in s] and decode_chars(ids) == s
    assert set(clean_text8("ÄÖü ~ ABC")) <= set(TEXT8_ALPHABET)
    with pytest.raises(ValueError, match="not in the alphabet"): encode_chars("abc!")
    with pytest.raises(ValueError, match="out of range"): decode_chars([27])
    X, Y = lm_windows(np.arange(10), seq_len=3)
    assert X.tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]] and Y.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    with pytest.raises(ValueError, match="at least seq_len"): lm_windows(np.arange(3), seq_len=3)


def test_sampling_with_temperature(torch64):
    logits = np.array([2.0, 1.0, 0.0, -1.0])
    for T in (0.5, 1.0, 2.0):
        draws = sample_with_temperature(np.tile(logits, (40000, 1)), temperature=T, seed=0)
        freq = np.bincount(draws, minlength=4) / len(draws)
        p = torch64.softmax(torch64.tensor(logits) / T, 0)     # the oracle distribution
        close(freq, p, rtol=0, atol=0.01, name=f"frequencies at T={T}")
    assert sample_with_temperature(logits, 0) == 0
    a = [sample_with_temperature(logits, 1.0, seed=s) for s in range(20)]
    assert a == [sample_with_temperature(logits, 1.0, seed=s) for s in range(20)] and len(set(a)) > 1
    with pytest.raises(ValueError, match="temperature"): sample_with_temperature(logits, -1)
    with pytest.raises(ValueError, match="at least one entry"): sample_with_temperature(np.array([]), 1.0)

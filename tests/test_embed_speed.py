"""The embedding cache, the static (fast) embedder and the bucketed encoder path.

The static embedder is exercised on a tiny random BERT that shares MiniLM's tokenizer, so that a
distillation takes seconds; the real MiniLM path is covered by the slow tests at the end.
"""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest

from insightkit.embed import Embedder, StaticEmbedder, default_encoder_path


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    """A 1-layer, 32-wide BERT with MiniLM's tokenizer, saved with safetensors."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    src = default_encoder_path()
    folder = tmp_path_factory.mktemp("tiny-bert")
    torch.manual_seed(0)
    cfg = transformers.BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                  intermediate_size=64, max_position_embeddings=64)
    transformers.BertModel(cfg).save_pretrained(folder, safe_serialization=True)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(src / name, folder / name)
    # one thread: a 32-wide model is all thread-synchronisation overhead on a busy 2-core machine
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield folder
    torch.set_num_threads(threads)


def _static(folder, cache, **kw):
    return StaticEmbedder(folder, pca_dims=16, cache_dir=cache, show_progress=False, **kw)


TEXTS = ["The EPR went live on every ward in March.", "Cyber incidents kept the team busy all winter.",
         "", "We need protected time for digital training.", "The EPR went live on every ward in March."]


def test_static_embedder_distils_once_and_reloads_from_disk(tiny_bert, tmp_path, monkeypatch):
    first = _static(tiny_bert, tmp_path)
    v1 = first.encode(TEXTS)
    assert v1.shape == (5, 16) and v1.dtype == np.float32
    assert first.distill_seconds is not None
    assert np.allclose(np.linalg.norm(v1[[0, 1, 3]], axis=1), 1.0, atol=1e-5)
    assert np.all(v1[2] == 0.0)  # an empty text has no tokens: zeros, not NaN
    assert np.array_equal(v1[0], v1[4])
    folder = first.folder
    assert folder is not None and (folder / "vectors.safetensors").is_file() and (folder / "static.json").is_file()
    assert not any(p.suffix in (".pkl", ".pickle", ".joblib") for p in folder.rglob("*"))

    # a second embedder with the same source and settings must load, not distil again
    def boom(self):
        raise AssertionError("distilled again although the table is cached")

    monkeypatch.setattr(StaticEmbedder, "_distill", boom)
    second = _static(tiny_bert, tmp_path)
    assert second.model_hash == first.model_hash
    assert np.array_equal(second.encode(TEXTS), v1)
    assert second.n_encoded == len(TEXTS)


def test_static_embedder_is_deterministic_and_keyed_by_settings(tiny_bert, tmp_path):
    a = _static(tiny_bert, False)
    b = _static(tiny_bert, False)  # no disk cache: both distil from scratch
    assert a.model_hash == b.model_hash
    assert np.array_equal(a.model.embedding, b.model.embedding)
    assert np.array_equal(a.fingerprint(), b.fingerprint())
    other = StaticEmbedder(tiny_bert, pca_dims=8, cache_dir=tmp_path, show_progress=False)
    assert other.key != a.key and other.dim == 8
    assert other.describe()["settings"]["pca_dims"] == 8


def test_altered_static_cache_is_distilled_again(tiny_bert, tmp_path):
    first = _static(tiny_bert, tmp_path)
    first.model  # noqa: B018
    vec_file = first.folder / "vectors.safetensors"
    data = bytearray(vec_file.read_bytes())
    data[-8:] = b"\x00" * 8
    vec_file.write_bytes(bytes(data))
    again = _static(tiny_bert, tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert again.model_hash == first.model_hash  # rebuilt, same table
    assert any("altered" in str(w.message) for w in caught)
    assert again.distill_seconds is not None


def test_buckets_cover_every_text_once_longest_first():
    lengths = np.array([3, 50, 7, 50, 1, 20, 9])
    order, batches = Embedder._buckets(lengths, 3)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(len(lengths)))
    assert lengths[flat].tolist() == sorted(lengths.tolist(), reverse=True)
    assert [len(b) for b in batches] == [3, 3, 1]


def test_cuda_request_without_cuda_falls_back_to_cpu():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.warns(RuntimeWarning, match="CUDA is not available"):
        emb = Embedder(device="cuda", cache_dir=False)
    assert emb.device == "cpu" and emb.fp16 is False and emb.batch_size == 64


@pytest.mark.slow
def test_bucketed_path_matches_sentence_transformers_on_cpu():
    """The GPU code path (bucketing, padding, pooling, un-sorting) run on the CPU in fp32."""
    emb = Embedder(cache_dir=False, batch_size=4)
    texts = ["short", "a much longer text about the electronic patient record and its go-live " * 3,
             "", "mid length text on cyber security", "x " * 400, "Data  quality\nmatters.", "short"]
    ref = emb.model.encode(texts, batch_size=4, convert_to_numpy=True, normalize_embeddings=True)
    got = emb._encode_bucketed(texts, workers=2)
    assert got.shape == ref.shape
    assert np.abs(got - ref).max() < 1e-4
    assert np.array_equal(got[0], got[6])


@pytest.mark.slow
def test_second_encode_of_a_batch_comes_from_the_cache(tmp_path):
    texts = [f"Answer {i}: the shared care record still misses community data." for i in range(40)]
    first = Embedder(cache_dir=tmp_path)
    v1 = first.encode(texts + texts[:5])
    assert first.n_encoded == 40  # duplicates encoded once
    # a new process would start with an empty memory: a fresh Embedder on the same cache folder
    second = Embedder(cache_dir=tmp_path)
    second._model = None
    v2 = second.encode(texts)
    assert second.n_encoded == 0 and second._model is None  # never even loaded the encoder
    assert np.array_equal(v1[:40], v2)


def test_memory_is_bounded():
    from insightkit.embed.cache import _Memory

    m = _Memory(3)
    for i in range(5):
        m[bytes([i])] = np.full(2, i, dtype=np.float32)
    assert len(m) == 3 and m.get(bytes([0])) is None and m.get(bytes([4]))[0] == 4


def _load_report_record(rows: str):
    import logging

    msg = ("\x1b[1mBertModel LOAD REPORT\x1b[0m from: /somewhere\nKey | Status |  | \n----+----+--+-\n"
           f"{rows}\n\n\x1b[3mNotes:\n- UNEXPECTED\x1b[3m\t:can be ignored\x1b[0m")
    return logging.LogRecord("transformers.modeling_utils", logging.WARNING, __file__, 1, msg, None, None)


def test_load_report_filter_drops_only_the_harmless_position_ids_report():
    from insightkit.embed.load import _HarmlessLoadReport

    f = _HarmlessLoadReport()
    assert not f.filter(_load_report_record("embeddings.position_ids | UNEXPECTED |  | "))
    # a real problem (a missing or unexpected weight) is still shown
    assert f.filter(_load_report_record("embeddings.position_ids | UNEXPECTED |  | \n"
                                        "encoder.layer.0.attention.self.query.weight | MISSING |  | "))
    assert f.filter(_load_report_record("pooler.dense.weight | UNEXPECTED |  | "))
    import logging

    other = logging.LogRecord("transformers.modeling_utils", logging.WARNING, __file__, 1, "something else", None, None)
    assert f.filter(other)


@pytest.mark.slow
def test_loading_the_encoder_prints_no_load_report_or_progress_bar(capfd):
    emb = Embedder(cache_dir=False)
    assert emb.model is not None
    err = capfd.readouterr().err
    assert "LOAD REPORT" not in err and "Loading weights" not in err

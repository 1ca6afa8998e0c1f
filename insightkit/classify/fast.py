"""The fast mode: a second head on static vectors distilled from MiniLM (model2vec).

Its vectors differ from MiniLM's, so the fast head is a separately trained classifier with its own
thresholds (``fast_head=True``; saved in the sub-folder ``fast/``), never MiniLM's weights applied
to other vectors (see ``docs/fast_mode.md``). :func:`head_at_speed` picks the head that scores at a
speed; the checks here refuse static vectors other than those a fast head was trained on.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from insightkit.errors import ModelError, ParameterError

#: "default": MiniLM sentence embeddings; "fast": static model2vec vectors distilled from it
SPEEDS = ("default", "fast")

#: Largest difference allowed between a fast model's stored probe vectors and those of the static
#: table in use when the table's sha256 differs (float rounding of another CPU or BLAS; a different
#: table, PCA basis or sign differs by orders of magnitude more). See docs/fast_mode.md.
STATIC_FINGERPRINT_TOL = 1e-4


def head_at_speed(model, speed: str | None):
    """The fitted classifier that scores at ``speed``: ``model`` itself or its fast head ``fast_``."""
    if speed is None or speed == model.speed:
        return model
    if speed not in SPEEDS:
        raise ParameterError(f"speed must be one of {list(SPEEDS)}, got {speed!r}")
    model._check_fitted()
    if speed == "fast":
        head = getattr(model, "fast_", None)
        if head is None and model.zero_shot_:
            raise ModelError(
                "fast mode is not available for zero-shot models: their scores are calibrated on the "
                "sentence-transformer's similarities (see docs/fast_mode.md); tag without --fast, or label "
                "some texts and train a model with 'insightkit train'")
        if head is None:
            where = f" ({model.path_})" if getattr(model, "path_", None) else ""
            raise ModelError(
                f"this model{where} has no fast head; retrain it with 'insightkit train' (without --no-fast) "
                "or ThemeClassifier(..., fast_head=True).fit(...), or tag without --fast / at_speed('fast')")
        return head
    raise ModelError("this is a fast-only model (speed='fast'); it cannot score at speed='default': "
                     "load the parent model folder instead")


def make_fast_head(model):
    """An unfitted fast twin of ``model``: its parameters, ``speed="fast"``, then its ``fast_params``."""
    params = model.get_params(deep=False)
    params.update({"codebook": getattr(model, "codebook_", model.codebook), "fast_head": False,
                   "fast_params": None, "fine_tune": None})
    params.update(dict(model.fast_params or {}))
    params["speed"] = "fast"
    head = type(model)(**params)
    # static vectors are distilled from the parent's encoder: the fine-tuned one when it has one
    head._inherited_encoder = getattr(model, "encoder_path_", None)
    return head


def static_embedder(model):
    """The static (model2vec) embedder of the fast mode, checked against a loaded model's record."""
    from insightkit.embed import get_static_embedder

    expected = getattr(model, "static_meta_", None)
    settings = (expected or {}).get("settings") or {}
    emb = get_static_embedder(model.encoder_source(), pca_dims=settings.get("pca_dims"),
                              sif_coefficient=settings.get("sif_coefficient"))
    if expected is not None and not getattr(model, "_static_checked", False):
        check_static_table(emb, expected, getattr(model, "path_", None))
        model._static_checked = True
    return emb


def check_static_source(emb_meta: dict, embedding_model: str | None, path: Path) -> None:
    """A fast model's static vectors must come from the installed sentence-transformer."""
    from insightkit.embed import STATIC_FORMAT, default_encoder_path, model_weights_hash

    meta_path = path / "meta.json"
    static = emb_meta.get("static")
    if not isinstance(static, dict) or "sha256" not in static or "source_sha256" not in static:
        raise ModelError(f"{meta_path}: a fast-mode model must record its static vectors (embedding.static)")
    if static.get("format") != STATIC_FORMAT:
        raise ModelError(f"{meta_path}: static vectors of format {static.get('format')!r}; this insightkit "
                         f"makes format {STATIC_FORMAT}: retrain the model")
    src = Path(embedding_model) if embedding_model else default_encoder_path()
    try:
        installed = model_weights_hash(src)
    except Exception as exc:
        raise ModelError(f"{path}: the fast head needs the embedding model it was distilled from "
                         f"({emb_meta.get('name')}): {exc}") from exc
    if installed != static["source_sha256"]:
        raise ModelError(
            f"{path}: the fast head's static vectors were distilled from embedding weights sha256 "
            f"{static['source_sha256'][:16]}… but the embedding model in use has {installed[:16]}…; retrain the model")


def check_static_table(emb, expected: dict, path: Path | None) -> None:
    """Refuse a static table other than the one a fast model was trained on (ModelError).

    Equal sha256: fine. Otherwise the stored probe vectors decide: a table distilled on another
    CPU may differ in the last float bits (accepted when every probe coordinate is within
    ``STATIC_FINGERPRINT_TOL``); anything more is a different table and is refused, never used.
    """
    where = f"{path}: " if path else ""
    desc = emb.describe()
    if desc["settings"] != expected.get("settings") or desc["dim"] != expected.get("dim"):
        raise ModelError(f"{where}the static vectors in use (settings {desc['settings']}, dim {desc['dim']}) are not "
                         f"those the fast head was trained on (settings {expected.get('settings')}, "
                         f"dim {expected.get('dim')}); retrain the model")
    if desc["sha256"] == expected["sha256"]:
        return
    fp = expected.get("fingerprint")
    folder = getattr(emb, "folder", None)
    hint = (f"delete {folder} to distil them again, or retrain the model" if folder is not None
            else "retrain the model")
    if fp is None:
        raise ModelError(f"{where}the static vectors in use (sha256 {desc['sha256'][:16]}…) are not the ones the fast "
                         f"head was trained on ({expected['sha256'][:16]}…); {hint}")
    got = np.asarray(emb.fingerprint(), dtype=np.float64)
    fp = np.asarray(fp, dtype=np.float64)
    diff = float(np.max(np.abs(got - fp))) if got.shape == fp.shape else float("inf")
    if not diff <= STATIC_FINGERPRINT_TOL:
        raise ModelError(f"{where}the static vectors in use (sha256 {desc['sha256'][:16]}…) differ from the ones the "
                         f"fast head was trained on ({expected['sha256'][:16]}…) by up to {diff:.3g} on the probe "
                         f"phrases (tolerance {STATIC_FINGERPRINT_TOL:g}); {hint}")

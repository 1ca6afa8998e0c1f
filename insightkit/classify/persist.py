"""A model is a folder: ``meta.json`` plus safetensors weights and JSON vocabularies; nothing is pickled.

Each file is hashed in ``meta.json`` and ``meta.json`` hashes itself (``meta_sha256``): loading
refuses an altered folder or a different embedding model. The constructor parameters recorded in
``meta.json`` ("config") are the estimator's ``get_params()``, in the order the constructor declares
them, less those in ``_NOT_SAVED``; loading passes them back to the constructor.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import os
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from insightkit.classify.error_rates import check_error_rates
from insightkit.classify.fast import check_static_source
from insightkit.classify.views import _EMBEDDING_VIEWS, _make_vectorizer, tfidf_config
from insightkit.classify.zero_shot import prepare_zero_shot
from insightkit.codebook import Codebook
from insightkit.errors import ModelError
from insightkit.integrity import file_sha256

MODEL_FORMAT = "insightkit-theme-model"
MODEL_FORMAT_VERSION = 1
DEFAULT_MODEL = "nhs-digital"
_FAST_DIR = "fast"
ENCODER_DIR = "encoder"
_WEIGHTS = "weights.safetensors"
_META = "meta.json"

#: constructor parameters a model folder does not record in "config": the codebook (saved whole),
#: where the encoder is on this machine, progress bars, and the fast head (saved as ``fast/``)
_NOT_SAVED = ("codebook", "embedding_model", "show_progress", "fast_head", "fast_params")
#: parameters added after the first model folders were written, with the value such folders behave with
_DEFAULTS_BEFORE = {"sentence_weight": 0.0, "fine_tune": None}


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def training_data_hash(texts, Y: np.ndarray, theme_ids, sample_weight: np.ndarray | None = None) -> str:
    """sha256 over the texts, the theme ids and the label matrix, in order: what the model learned from
    (and the texts' weights, when they were weighed)."""
    h = hashlib.sha256()
    h.update(json.dumps(list(theme_ids)).encode())
    for t, row in zip(texts, np.asarray(Y, dtype=np.int8)):
        h.update(t.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
        h.update(row.tobytes())
        h.update(b"\x01")
    if sample_weight is not None:
        h.update(b"weights")
        h.update(np.ascontiguousarray(sample_weight, dtype=np.float64).tobytes())
    return h.hexdigest()


def _constructor_defaults(cls) -> dict[str, Any]:
    """The constructor's parameters and defaults, in declaration order (what ``get_params`` reads)."""
    return {name: p.default for name, p in inspect.signature(cls.__init__).parameters.items()
            if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}


def _json_param(value: Any, default: Any) -> Any:
    """A parameter value as meta.json records it: the type of its default, tuples as lists."""
    if value is None:
        return None
    if isinstance(default, bool):
        return bool(value)
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    if isinstance(default, tuple):
        return list(value)
    if isinstance(value, dict):  # view_weights
        return {k: float(v) for k, v in value.items()}
    return value


def model_config(model) -> dict[str, Any]:
    """The constructor parameters that matter for a saved model (JSON-safe), from ``get_params()``.

    A fitted model records what it was fitted with (``features_``, ``zero_shot_``).
    """
    params = model.get_params(deep=False)
    fitted = {"features": getattr(model, "features_", None), "zero_shot": getattr(model, "zero_shot_", None)}
    cfg = {name: _json_param(params[name] if fitted.get(name) is None else fitted[name], default)
           for name, default in _constructor_defaults(type(model)).items() if name not in _NOT_SAVED}
    cfg["tfidf"] = tfidf_config(getattr(model, "features_", ()))
    return cfg


def params_from_config(cls, cfg: dict[str, Any]) -> dict[str, Any]:
    """Constructor parameters from a saved "config" (the inverse of :func:`model_config`)."""
    defaults = _constructor_defaults(cls)
    params = {**_DEFAULTS_BEFORE, **{k: v for k, v in cfg.items() if k in defaults and k not in _NOT_SAVED}}
    return {k: tuple(v) if isinstance(defaults[k], tuple) and isinstance(v, list) else v
            for k, v in params.items()}


def save_model(model, path: str | Path, *, metrics: dict | None = None, training_file: dict | None = None,
               error_rates: dict | None = None) -> Path:
    """Write the model folder (meta.json, weights.safetensors, vocabulary JSON); no pickle.

    ``error_rates`` (per-theme confusion counts by speed, :mod:`insightkit.classify.error_rates`),
    checked and recorded in meta.json under ``"error_rates"``, and set on the model as ``error_rates_``.
    """
    from safetensors.numpy import save as st_save

    import insightkit
    from insightkit.embed import DEFAULT_MODEL_NAME, default_encoder_path_or_none

    model._check_fitted()
    if error_rates is not None:
        error_rates = check_error_rates(error_rates, model.theme_ids_)
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {}
    tensors: dict[str, np.ndarray] = {"thresholds": np.asarray(model.thresholds_, dtype=np.float64)}
    for view, part in model.views_.items():
        if view == "neighbours":
            tensors["neighbours.vectors"] = np.ascontiguousarray(part["vectors"], dtype=np.float32)
            tensors["neighbours.labels"] = np.ascontiguousarray(part["labels"], dtype=np.uint8)
            continue
        tensors[f"{view}.coef"] = np.ascontiguousarray(part["coef"], dtype=np.float64)
        tensors[f"{view}.intercept"] = np.ascontiguousarray(part["intercept"], dtype=np.float64)
        if part["vectorizer"] is not None:
            vec = part["vectorizer"]
            vocab = sorted(vec.vocabulary_.items(), key=lambda kv: kv[1])
            if [i for _, i in vocab] != list(range(len(vocab))):
                raise ModelError("internal error: TF-IDF vocabulary indices are not contiguous")
            tensors[f"{view}.idf"] = np.ascontiguousarray(vec.idf_, dtype=np.float64)
            files[f"vocab_{view}.json"] = (json.dumps([t for t, _ in vocab], ensure_ascii=False,
                                                      separators=(",", ":")) + "\n").encode("utf-8")
    if model.zero_shot_:
        tensors["zero_shot.centres"] = np.asarray(model.zs_centres_, dtype=np.float64)
    embedder = model._embedder()
    if model.speed == "fast":
        # probe vectors: let a load on another machine tell float noise from a different table
        tensors["static.fingerprint"] = np.ascontiguousarray(embedder.fingerprint(), dtype=np.float64)
    files[_WEIGHTS] = st_save(tensors, metadata={"format": MODEL_FORMAT})

    emb_path = Path(embedder.source_path if model.speed == "fast" else embedder.model_path)
    default = default_encoder_path_or_none()
    emb_name = DEFAULT_MODEL_NAME if (default is not None and emb_path == default) else str(emb_path)
    own_encoder = getattr(model, "encoder_path_", None)
    encoder_entry: dict | None = None
    encoder_files: dict[str, str] = {}
    if own_encoder is not None and emb_path == Path(own_encoder):
        emb_name = ENCODER_DIR if model.speed != "fast" else f"../{ENCODER_DIR}"
        if model.speed != "fast":
            encoder_entry, encoder_files = _save_encoder(Path(own_encoder), path)
    elif (path / ENCODER_DIR).is_dir() and model.speed != "fast":  # an older model's encoder
        import shutil

        shutil.rmtree(path / ENCODER_DIR)
    fast_entry = None
    fast_dir = path / _FAST_DIR
    if getattr(model, "fast_", None) is not None:
        model.fast_.save(fast_dir, metrics=(metrics or {}).get("fast"), training_file=training_file)
        fast_files = {f"{_FAST_DIR}/{p.relative_to(fast_dir).as_posix()}": file_sha256(p)
                      for p in sorted(fast_dir.rglob("*")) if p.is_file()}
        fast_meta = json.loads((fast_dir / _META).read_text(encoding="utf-8"))
        fast_entry = {"folder": _FAST_DIR, "meta_sha256": fast_meta["meta_sha256"],
                      "embedding": fast_meta["embedding"]["name"]}
    elif (fast_dir / _META).is_file():  # an older model's fast head that this one does not have
        import shutil

        shutil.rmtree(fast_dir)
    import sklearn

    meta: dict[str, Any] = {
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "library": {"insightkit": insightkit.__version__, "scikit-learn": sklearn.__version__},
        "codebook": model.codebook_.to_dict(),
        "themes": list(model.theme_ids_),
        "embedding": {"name": emb_name, "sha256": embedder.model_hash,
                      "dim": int(embedder.dim),
                      "used": bool(model.zero_shot_ or any(v in model.views_ for v in _EMBEDDING_VIEWS)),
                      **({"static": embedder.describe()} if model.speed == "fast" else {}),
                      **({"folder": ENCODER_DIR, "fine_tuned": encoder_entry} if encoder_entry else {})},
        "training_data": {"sha256": model.training_hash_, "n_texts": int(model.n_train_),
                          "positives": getattr(model, "train_positives_", {}),
                          **({"file": training_file} if training_file else {})},
        "thresholds": {t: float(v) for t, v in zip(model.theme_ids_, model.thresholds_)},
        "shared_threshold": float(model.shared_threshold_),
        "config": model.config(),
        "seed": int(model.seed),
        "metrics": {"cross_validation": _jsonable(model.cv_report_), **_jsonable(metrics or {})},
        "files": {**{name: _sha256_bytes(data) for name, data in sorted(files.items())},
                  **(fast_files if fast_entry else {}), **encoder_files},
        "fast": fast_entry,
    }
    if error_rates is not None:
        meta["error_rates"] = error_rates
    meta["meta_sha256"] = _sha256_bytes(_canonical(meta))
    files[_META] = (json.dumps(meta, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    # remove files of an older model that this one does not write
    for old in path.iterdir():
        if old.is_file() and old.name not in files:
            old.unlink()
    for name, data in files.items():
        tmp = path / f".{name}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, path / name)
    model.error_rates_ = error_rates  # what the folder now records
    return path


def _save_encoder(source: Path, path: Path) -> tuple[dict, dict[str, str]]:
    """Copy a fine-tuned encoder folder into the model folder; its record and files' sha256 for meta.json."""
    import shutil

    dest = path / ENCODER_DIR
    if source.resolve() != dest.resolve():
        tmp = path / f".{ENCODER_DIR}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(source, tmp)
        shutil.rmtree(dest, ignore_errors=True)
        os.replace(tmp, dest)
    record = json.loads((dest / "fine_tuned.json").read_text(encoding="utf-8"))
    files = {f"{ENCODER_DIR}/{p.relative_to(dest).as_posix()}": file_sha256(p)
             for p in sorted(dest.rglob("*")) if p.is_file()}
    return record, files


def load_folder(cls, path: str | Path, *, embedding_model: str | None = None, sha256: str | None = None):
    """A fitted ``cls`` from a model folder, its files and embedding model verified; raises ModelError."""
    from safetensors.numpy import load as st_load

    path = Path(path)
    if sha256 is not None:
        from insightkit.integrity import check_model_digest

        check_model_digest(path, sha256)
    meta = verify_model_folder(path)
    cfg = meta["config"]
    try:
        codebook = Codebook.from_dict(meta["codebook"], source=f"{path / _META} (codebook)")
    except Exception as exc:
        raise ModelError(f"{path / _META}: the codebook inside is not valid: {exc}") from exc
    fast = meta.get("fast")
    model = cls(codebook, embedding_model=embedding_model, fast_head=bool(fast), **params_from_config(cls, cfg))
    model.features_ = tuple(cfg["features"])
    model.zero_shot_ = bool(cfg["zero_shot"])
    emb_meta = meta["embedding"]
    enc_dir = None
    if emb_meta.get("folder") is not None:  # a fine-tuned encoder saved with the model
        if emb_meta["folder"] != ENCODER_DIR or not (path / ENCODER_DIR / "config.json").is_file():
            raise ModelError(f"{path / _META}: the model's encoder folder {emb_meta['folder']!r} is missing or invalid")
        enc_dir = path / ENCODER_DIR
        model.encoder_path_ = enc_dir
    if model.speed == "fast":
        # the static table is checked when it is first used (it may need distilling); the source
        # model it comes from is checked now, without loading it
        check_static_source(emb_meta, embedding_model, path)
        model.static_meta_ = emb_meta["static"]
    elif emb_meta.get("used", True):
        try:
            installed = model._embedder().model_hash
        except ModelError as exc:
            raise ModelError(f"{path}: the model needs the embedding model {emb_meta['name']}: {exc}") from exc
        if installed != emb_meta["sha256"]:
            raise ModelError(
                f"{path}: the model was trained with embedding weights sha256 {emb_meta['sha256'][:16]}… "
                f"({emb_meta['name']}) but the embedding model in use has {installed[:16]}…; "
                "retrain the model or install the embedding model it was trained with")
    tensors = st_load((path / _WEIGHTS).read_bytes())
    theme_ids = list(meta["themes"])
    if theme_ids != codebook.ids:
        raise ModelError(f"{path / _META}: 'themes' does not match the codebook's theme ids")
    k = len(theme_ids)
    try:
        views = _load_views(path, model.features_ if not model.zero_shot_ else (), tensors, k)
        thresholds = tensors["thresholds"]
    except KeyError as exc:
        raise ModelError(f"{path / _WEIGHTS}: missing tensor {exc}") from None
    model.codebook_ = codebook
    model.theme_ids_ = theme_ids
    model.n_themes_ = k
    model.classes_ = [np.array([0, 1])] * k
    model.views_ = views
    model.thresholds_ = np.asarray(thresholds, dtype=np.float64)
    model.shared_threshold_ = float(meta.get("shared_threshold", 0.5))
    model.cv_report_ = meta.get("metrics", {}).get("cross_validation")
    model.training_hash_ = meta["training_data"]["sha256"]
    model.n_train_ = meta["training_data"]["n_texts"]
    model.train_positives_ = meta["training_data"].get("positives", {})
    model.embedding_hash_ = emb_meta["sha256"]
    model.meta_ = meta
    model.path_ = path
    model.error_rates_ = folder_error_rates(meta, path)
    if model.speed == "fast":
        fp = tensors.get("static.fingerprint")
        model.static_meta_ = {**model.static_meta_, "fingerprint": None if fp is None else np.asarray(fp)}
    model.fast_ = None
    if fast:
        model.fast_ = load_folder(cls, path / fast["folder"],
                                  embedding_model=str(enc_dir) if enc_dir is not None else embedding_model)
        if model.fast_.meta_.get("meta_sha256") != fast.get("meta_sha256"):
            raise ModelError(f"{path / fast['folder']}: the fast head is not the one saved with this model")
        if model.fast_.speed != "fast":
            raise ModelError(f"{path / fast['folder']}: not a fast-mode model")
        model.fast_.error_rates_ = model.error_rates_  # one entry holds both speeds' counts
    if model.zero_shot_:
        prepare_zero_shot(model)
    return model


def _load_views(path: Path, features, tensors: dict, k: int) -> dict[str, dict]:
    """The fitted views stored in a folder's weights and vocabularies."""
    views: dict[str, dict] = {}
    for view in features:
        if view == "neighbours":
            vectors, labels = tensors["neighbours.vectors"], tensors["neighbours.labels"]
            if labels.ndim != 2 or labels.shape[1] != k or vectors.shape[0] != labels.shape[0]:
                raise ModelError(f"{path / _WEIGHTS}: neighbours vectors and labels do not match the themes")
            views[view] = {"vectors": vectors, "labels": labels, "vectorizer": None}
            continue
        coef, intercept = tensors[f"{view}.coef"], tensors[f"{view}.intercept"]
        if coef.shape[0] != k or intercept.shape != (k,):
            raise ModelError(f"{path / _WEIGHTS}: {view} weights do not have one row per theme")
        vec = None
        if view != "embedding":
            vocab = json.loads((path / f"vocab_{view}.json").read_text(encoding="utf-8"))
            vec = _make_vectorizer(view, 0, vocabulary={t: i for i, t in enumerate(vocab)})
            vec.idf_ = tensors[f"{view}.idf"]
            if coef.shape[1] != len(vocab):
                raise ModelError(f"{path / _WEIGHTS}: {view} weights do not match its vocabulary")
        views[view] = {"coef": coef, "intercept": intercept, "vectorizer": vec}
    return views


def _canonical(meta: dict) -> bytes:
    body = {k: v for k, v in meta.items() if k != "meta_sha256"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return None if math.isnan(v) else round(v, 6)
    return obj


def verify_model_folder(path: str | Path) -> dict:
    """Check a model folder against its ``meta.json``; return the metadata or raise ModelError."""
    path = Path(path)
    if not path.is_dir():
        raise ModelError(f"model folder not found: {path}")
    meta_path = path / _META
    if not meta_path.is_file():
        raise ModelError(f"{path}: not a model folder (no {_META})")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{meta_path}: not valid JSON ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT:
        raise ModelError(f"{meta_path}: not an insightkit theme model (format {meta.get('format') if isinstance(meta, dict) else None!r})")
    if meta.get("format_version") != MODEL_FORMAT_VERSION:
        raise ModelError(f"{meta_path}: model format version {meta.get('format_version')!r} is not supported "
                         f"(this insightkit reads version {MODEL_FORMAT_VERSION})")
    for key in ("codebook", "themes", "embedding", "training_data", "config", "files"):
        if key not in meta:
            raise ModelError(f"{meta_path}: missing field {key!r}")
    if meta.get("meta_sha256") != _sha256_bytes(_canonical(meta)):
        raise ModelError(f"{meta_path}: the metadata was altered after the model was saved (checksum mismatch)")
    listed: dict[str, str] = meta["files"]
    present = sorted(p.relative_to(path).as_posix() for p in path.rglob("*")
                     if p.is_file() and p != meta_path)
    unexpected = [p for p in present if p not in listed]
    if unexpected:
        raise ModelError(f"{path}: unexpected file(s) in the model folder: {', '.join(unexpected)} "
                         "(a model folder holds only the files listed in meta.json)")
    for name, digest in listed.items():
        f = path / name
        if not f.is_file():
            raise ModelError(f"{path}: file {name} listed in meta.json is missing")
        if file_sha256(f) != digest:
            raise ModelError(f"{f}: file was altered (sha256 does not match meta.json); refusing to load")
    return meta


def folder_error_rates(meta: dict, path: str | Path) -> dict | None:
    """A verified folder's ``"error_rates"`` (checked against its themes), or None when it has none."""
    if meta.get("error_rates") is None:
        return None
    return check_error_rates(meta["error_rates"], meta["themes"], f"{Path(path) / _META}: error_rates")


def default_theme_model_path() -> Path:
    """Where the default theme model lives: the repository's ``models/nhs-digital`` or the packaged copy."""
    repo_copy = Path(__file__).resolve().parents[2] / "models" / DEFAULT_MODEL
    if (repo_copy / _META).is_file():
        return repo_copy
    ref = resources.files("insightkit") / "data" / "models" / DEFAULT_MODEL
    pkg = Path(str(ref))
    if (pkg / _META).is_file():
        return pkg
    raise ModelError(f"the default model {DEFAULT_MODEL!r} is not installed (looked in {repo_copy} and {pkg})")

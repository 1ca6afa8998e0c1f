"""Tagging a Spark DataFrame: the same model, run where the data already lives.

NHS analytics platforms (the national Federated Data Platform, many trusts' and the NHS England
Databricks workspaces) run Spark, so a national survey is most likely already a Spark table. Rather
than a home-made cluster, :func:`tag_spark` hands the work to Spark with ``mapInPandas``: each
executor's Python worker loads the model once (a module-level cache that lives as long as the
worker, which Spark reuses across tasks), then tags Arrow batches of rows as pandas DataFrames with
exactly the code of the in-process path. See ``docs/scale.md``.

A national batch is redacted where it is tagged: by default each row's text is redacted on the
executor (the same :class:`~insightkit.redact.Redactor` as ``insightkit clean``, one per worker)
before it is scored, so no name, email or phone number reaches the model or its embedding cache,
and the output's text column holds the redacted text (``docs/redaction.md``).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

__all__ = ["tag_spark", "output_schema", "redact_column"]

#: (model path or None, speed) -> loaded model, per Python worker process
_MODELS: dict[tuple[str | None, str], Any] = {}
#: redaction settings -> Redactor, per Python worker process (spaCy loads once per worker)
_REDACTORS: dict[tuple, Any] = {}
_LOCK = threading.Lock()


def _redactor(settings: tuple):
    """The redactor for ``settings`` (use_ner, extra names), made on first use in this worker."""
    r = _REDACTORS.get(settings)
    if r is None:
        with _LOCK:
            r = _REDACTORS.get(settings)
            if r is None:
                from insightkit.redact import Redactor

                use_ner, extra_names = settings
                r = _REDACTORS[settings] = Redactor(use_ner=use_ner, extra_names=extra_names)
    return r


def redact_column(pdf, text_column: str, settings: tuple):
    """``pdf`` with its text column redacted, each row on its own (missing values stay missing).

    Each row is its own group: a name found in one answer is not looked for in the others, so a
    row's redaction does not depend on which rows Spark put in its batch.
    """
    from insightkit.segments import is_missing

    values = pdf[text_column].tolist()
    idx = [i for i, v in enumerate(values) if not is_missing(v) and str(v).strip()]
    if not idx:
        return pdf
    done = _redactor(settings).redact_batch([str(values[i]) for i in idx], groups=list(range(len(idx))))
    for i, (at, _) in zip(idx, done):
        values[i] = at.text
    pdf = pdf.copy()
    pdf[text_column] = values
    return pdf


def _load(model_path: str | None, speed: str, meta_sha256: str | None):
    """The model for this worker, loaded on first use and kept for the worker's lifetime."""
    key = (model_path, speed)
    model = _MODELS.get(key)
    if model is None:
        with _LOCK:
            model = _MODELS.get(key)
            if model is None:
                from insightkit.classify import load_model
                from insightkit.errors import ModelError

                model = load_model(model_path)
                got = getattr(model, "meta_", {}).get("meta_sha256")
                if meta_sha256 is not None and got != meta_sha256:
                    raise ModelError(
                        f"the model this executor loaded ({model_path or 'default'}, meta sha256 {str(got)[:16]}…) "
                        f"is not the one the driver planned with ({meta_sha256[:16]}…); install the same "
                        "insightkit version and model on every node, or pass model_path on shared storage")
                _MODELS[key] = model
    return model


def _tag_partition(batches, *, model_path: str | None, text_column: str, speed: str,
                   meta_sha256: str | None, drop: list[str], redaction: tuple | None = None):
    """mapInPandas function: every pandas batch of a partition, redacted (``redaction``: the
    redactor's settings, None for none) and tagged."""
    from insightkit.classify.stream import attach_scores, score_unique, texts_of

    model = _load(model_path, speed, meta_sha256)
    # the head for this speed (the model or its fast head), whose thresholds make the 0/1 columns
    head = model.at_speed(speed) if hasattr(model, "at_speed") else model
    for pdf in batches:
        if drop:
            pdf = pdf.drop(columns=drop)
        if redaction is not None:
            pdf = redact_column(pdf, text_column, redaction)
        texts = texts_of(pdf[text_column].tolist())
        if texts:
            P, _ = score_unique(head.predict_proba, texts)
        else:
            P = np.zeros((0, len(model.theme_ids_)))
        yield attach_scores(head, pdf, P)


def output_schema(schema, theme_ids):
    """The input schema without old theme_/score_ columns, plus theme_<id> (long) and score_<id> (double)."""
    from pyspark.sql.types import DoubleType, LongType, StructField, StructType

    names = {f"theme_{t}" for t in theme_ids} | {f"score_{t}" for t in theme_ids}
    fields = [f for f in schema.fields if f.name not in names]
    fields += [StructField(f"theme_{t}", LongType(), False) for t in theme_ids]
    fields += [StructField(f"score_{t}", DoubleType(), False) for t in theme_ids]
    return StructType(fields)


def tag_spark(df, text_column: str = "text", model_path: str | None = None, speed: str = "default", *,
              redact: bool = True, extra_names=(), use_ner: bool = True):
    """``df`` (a Spark DataFrame) with its texts redacted and ``theme_<id>`` (0/1) and ``score_<id>``
    columns for every theme.

    ``redact`` (default True): redact each row's text on the executor before it is scored, so the
    model, its embedding cache and the output see only the redacted text (``[PERSON]``,
    ``[EMAIL]``, ...); pass False only for a column that is already redacted. ``extra_names``:
    names to redact in every row (e.g. the trust's staff list); ``use_ner=False`` is the faster
    mode without spaCy (patterns, known names and rules; every executor needs spaCy's model
    otherwise). Each row is redacted on its own, so the result does not depend on partitioning.
    Cleaning (non-answers, duplicates) is not done here: the rows are kept one for one.

    Every row and column is kept (existing ``theme_``/``score_`` columns of the model's themes are
    replaced). ``model_path`` must be readable on every executor (a Unity Catalog volume, DBFS or
    the same installed package); without it each executor loads the default model of its installed
    insightkit, which is checked against the driver's copy. ``speed="fast"`` uses the
    static-embedding head. The transformation is lazy, as Spark's are: nothing runs until an action
    (``write``, ``count``, ``collect``).
    """
    from insightkit.classify import default_theme_model_path, verify_model_folder
    from insightkit.errors import InputError, ParameterError

    if text_column not in df.columns:
        raise InputError(None, f"the DataFrame has no text column {text_column!r} "
                               f"(columns: {', '.join(df.columns)})")
    if speed not in ("default", "fast"):
        raise ParameterError("speed must be 'default' or 'fast'")
    folder = model_path if model_path is not None else default_theme_model_path()
    meta = verify_model_folder(folder)
    if speed == "fast" and not meta.get("fast") and meta.get("config", {}).get("speed") != "fast":
        from insightkit.errors import ModelError

        raise ModelError(f"{folder}: this model has no fast head; retrain it with 'insightkit train' "
                         "(without --no-fast), or use speed='default'")
    if speed == "default" and meta.get("config", {}).get("speed") == "fast":
        from insightkit.errors import ModelError

        raise ModelError(f"{folder}: this is a fast-only model; use speed='fast' or its parent model folder")
    theme_ids = list(meta["themes"])
    schema = output_schema(df.schema, theme_ids)
    existing = {f"theme_{t}" for t in theme_ids} | {f"score_{t}" for t in theme_ids}
    drop = [c for c in df.columns if c in existing]
    path = None if model_path is None else str(model_path)
    # a column of numbers or dates holds no text to redact (and cannot take placeholders)
    redaction = (bool(use_ner), tuple(str(n) for n in extra_names if str(n).strip())) \
        if redact and dict(df.dtypes).get(text_column) == "string" else None

    def func(batches):
        return _tag_partition(batches, model_path=path, text_column=text_column, speed=speed,
                              meta_sha256=meta.get("meta_sha256"), drop=drop, redaction=redaction)

    return df.mapInPandas(func, schema)

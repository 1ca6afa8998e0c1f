"""Cleaning the items of read documents: each turn or answer cleaned, and what is left empty, says
nothing or repeats an earlier answer set aside with a reason. Works on any objects shaped like
:class:`insightkit.io.Document` / :class:`insightkit.io.Item` (clean never imports io)."""

from __future__ import annotations

from insightkit.clean import CleaningConfig, clean_aligned, duplicate_key
from insightkit.progress import progress, progress_off

__all__ = ["clean_items"]


def clean_items(docs, level: str, config: CleaningConfig, show_progress: bool | None = None) -> None:
    """Clean every item of ``docs`` (documents from :func:`insightkit.io.load_documents`) in place.

    Items with text are cleaned at ``level`` (set-aside header and malformed rows verbatim only);
    an item left with no text is marked ``empty``, a survey answer that says nothing
    ``non_answer``, a call turn of greetings, thanks or back-channel ``small_talk``, and (with
    ``config.duplicates``) a survey answer given before in the same file
    ``duplicate_answer``.
    """
    items = [it for d in docs for it in d.items]
    for it in progress(items, desc="cleaning", unit="seg", disable=progress_off(show_progress, len(items))):
        if it.reason in ("header", "malformed_row"):
            it.at = clean_aligned(it.at, "verbatim", config) if it.at.text else it.at
            continue
        if it.at.text:
            it.at = clean_aligned(it.at, level, config)
        if it.reason:
            continue
        if not it.at.text:
            it.reason = "empty"
            it.detail = "nothing left after cleaning" if it.raw_text.strip() else "no text"
            continue
        if it.kind == "survey":
            why = config.non_answer(it.at.text)
            if why:
                it.reason, it.detail = "non_answer", why
        elif level == "clean":
            why = config.small_talk_detail(it.at.text)
            if why:
                it.reason, it.detail = "small_talk", why
    if config.duplicates:
        for d in docs:
            if d.kind != "survey":
                continue
            first: dict[str, str] = {}
            for it in d.items:
                if it.reason:
                    continue
                key = duplicate_key(it.at.text)  # across the survey's text columns: a pasted answer counts
                if key in first:
                    it.reason, it.detail = "duplicate_answer", f"same answer as {first[key]}"
                else:
                    first[key] = f"{it.speaker} ({it.question})"

"""Cleaning: small named steps over an :class:`~insightkit.alignment.AlignedText`, each one optional.

Levels:

* ``verbatim`` -- unicode repair and whitespace normalisation only;
* ``clean`` (default) -- also drops a list marker at the start ("- ", "• "), inline timestamps,
  transcriber tags ([inaudible], [crosstalk]), fillers (um, uh, er, erm) and immediate word repeats
  ("the the"). No other word is changed.

Every step edits the aligned text, so the cleaned text always replays from the source
(``apply_edits(source, start, end, edits) == text``). Non-answers and exact duplicate answers (and,
with ``small_talk=True``, call turns that are only small talk: "Sorry, bye, thanks") are not edited
away: the readers send them to the rejected table with a reason.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field, fields, replace
from typing import Any

import pandas as pd

from insightkit.alignment import AlignedText, edits_to_json, trim
from insightkit.clean.bullets import remove_bullets
from insightkit.clean.fillers import DEFAULT_FILLERS, remove_fillers
from insightkit.clean.nonanswers import DEFAULT_NON_ANSWERS, duplicate_key, is_non_answer, non_answer_key
from insightkit.clean.repeats import DEFAULT_REPEAT_EXCEPTIONS, remove_repeats
from insightkit.clean.smalltalk import DEFAULT_SMALL_TALK, is_small_talk
from insightkit.clean.tags import DEFAULT_TAGS, remove_tags
from insightkit.clean.timestamps import remove_timestamps
from insightkit.clean.unicode import normalise_whitespace, repair_unicode

__all__ = [
    "LEVELS",
    "STEPS",
    "CleaningConfig",
    "CleanResult",
    "clean",
    "clean_aligned",
    "is_non_answer",
    "is_small_talk",
    "DEFAULT_SMALL_TALK",
    "duplicate_key",
]

LEVELS = ("verbatim", "clean")
#: the steps in the order they run; "unicode" and "whitespace" run at both levels
STEPS = ("unicode", "bullets", "whitespace", "timestamps", "tags", "fillers", "repeats")


@dataclass(frozen=True)
class CleaningConfig:
    """What cleaning does. Turn a step off (``fillers=False``) or change its word list."""

    unicode: bool = True
    bullets: bool = True  # a list marker at the start of the text ("- ", "* ", "• ")
    whitespace: bool = True
    timestamps: bool = True
    tags: bool = True
    fillers: bool = True
    repeats: bool = True
    non_answers: bool = True  # survey answers such as "N/A" -> rejected (reason non_answer)
    duplicates: bool = True  # exact repeats of an earlier answer to the same question -> rejected
    # call turns of greetings, thanks, goodbyes, back-channel -> rejected (small_talk) when reading; off by
    # default there (the table keeps every turn), while topics and quotes always set them aside
    small_talk: bool = False
    filler_words: tuple[str, ...] = DEFAULT_FILLERS
    tag_words: tuple[str, ...] = DEFAULT_TAGS
    non_answer_phrases: tuple[str, ...] = DEFAULT_NON_ANSWERS
    repeat_exceptions: tuple[str, ...] = DEFAULT_REPEAT_EXCEPTIONS
    small_talk_words: tuple[str, ...] = DEFAULT_SMALL_TALK
    _non_answer_keys: frozenset = field(default=frozenset(), repr=False, compare=False)
    _small_talk_words: frozenset = field(default=frozenset(), repr=False, compare=False)

    def __post_init__(self):
        for name in ("filler_words", "tag_words", "non_answer_phrases", "repeat_exceptions", "small_talk_words"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, name, tuple(value))
        object.__setattr__(self, "_non_answer_keys", frozenset(non_answer_key(p) for p in self.non_answer_phrases))
        object.__setattr__(self, "_small_talk_words", frozenset(w.lower() for w in self.small_talk_words))

    @classmethod
    def from_dict(cls, data: dict | None) -> "CleaningConfig":
        """Build from a mapping (e.g. parsed YAML); unknown keys are an error naming them."""
        data = dict(data or {})
        known = {f.name for f in fields(cls) if not f.name.startswith("_")}
        unknown = sorted(set(data) - known)
        if unknown:
            from insightkit.errors import ParameterError

            raise ParameterError(f"unknown cleaning option(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**data)

    def without(self, *steps: str) -> "CleaningConfig":
        """A copy with the named steps switched off."""
        off: dict[str, Any] = {s: False for s in steps}
        return replace(self, **off)

    def steps(self, level: str) -> list[str]:
        if level not in LEVELS:
            from insightkit.errors import ParameterError

            raise ParameterError(f"unknown cleaning level {level!r}; use one of: {', '.join(LEVELS)}")
        wanted = STEPS if level == "clean" else ("unicode", "whitespace")
        return [s for s in wanted if getattr(self, s)]

    def non_answer(self, text: str) -> str | None:
        return is_non_answer(text, self._non_answer_keys) if self.non_answers else None

    def small_talk_detail(self, text: str) -> str | None:
        return is_small_talk(text, self._small_talk_words) if self.small_talk else None


DEFAULT_CONFIG = CleaningConfig()


def clean_aligned(at: AlignedText, level: str = "clean", config: CleaningConfig | None = None) -> AlignedText:
    """Run the level's steps over ``at``; whitespace is normalised again after removals."""
    config = config or DEFAULT_CONFIG
    steps = config.steps(level)
    removed = False
    for step in steps:
        if step == "unicode":
            at = repair_unicode(at)
        elif step == "bullets":
            at, removed = _track(at, remove_bullets(at), removed)
        elif step == "whitespace":
            at = normalise_whitespace(at)
        elif step == "timestamps":
            at, removed = _track(at, remove_timestamps(at), removed)
        elif step == "tags":
            at, removed = _track(at, remove_tags(at, config.tag_words), removed)
        elif step == "fillers":
            at, removed = _track(at, remove_fillers(at, config.filler_words), removed)
        elif step == "repeats":
            at, removed = _track(at, remove_repeats(at, config.repeat_exceptions), removed)
    if removed:  # removals leave doubled spaces and bare ends behind
        at = normalise_whitespace(at) if "whitespace" in steps else trim(at)
    return at


def _track(old: AlignedText, new: AlignedText, flag: bool):
    return new, flag or new is not old


@dataclass
class CleanResult:
    """Re-cleaned segments and the rows that cleaning emptied (reason ``empty``)."""

    segments: pd.DataFrame
    rejected: pd.DataFrame

    def __iter__(self):
        yield self.segments
        yield self.rejected


def clean(segments, level: str = "clean", config: CleaningConfig | None = None):
    """Re-clean a segment table (or one string) with ``level`` and ``config``.

    Works from each row's ``text``/``start``/``end``/``edits``, so the new edits still replay from
    the source. What an earlier, stronger cleaning removed cannot come back: to go from ``clean``
    to ``verbatim`` read the sources again with ``read(..., level="verbatim")``. Rows left empty go
    to ``rejected`` with reason ``empty``; at level ``clean``, transcript turns that are only small
    talk with reason ``small_talk``. A plain string gives the cleaned string.
    """
    config = config or DEFAULT_CONFIG
    if isinstance(segments, str):
        return clean_aligned(AlignedText.from_source(segments), level, config).text
    if isinstance(segments, AlignedText):
        return clean_aligned(segments, level, config)
    from insightkit.segments import REJECTED_COLUMNS, SegmentTableError, empty_rejected, validate_segments

    df = validate_segments(segments, required=("segment_id", "text"))
    has_span = all(c in df.columns for c in ("start", "end", "edits"))
    out = df.copy()
    texts, edits, starts, ends, keep = [], [], [], [], []
    rejected_rows = []
    # a row set aside keeps the rest of its row (ids, attributes): nothing lost, and traceable
    kept_cols = [c for c in df.columns if c not in REJECTED_COLUMNS and c != "edits"]
    for idx, row in enumerate(df.itertuples(index=False)):
        r = row._asdict()
        whole = dict(zip(df.columns, row))
        if has_span:
            try:
                at = AlignedText.from_row(r["text"], r["start"], r["end"], r["edits"])
            except ValueError as exc:
                seg = r.get("segment_id", idx)
                raise SegmentTableError(f"segment {seg}: text does not match its start/end/edits ({exc}), "
                                        "so cleaning cannot keep its source offsets") from exc
        else:
            at = AlignedText.from_source(str(r["text"]))
        new = clean_aligned(at, level, config)
        talk = (config.small_talk_detail(new.text) if new.text and level == "clean"
                and str(whole.get("kind", "")) == "transcript" else None)
        if not new.text:
            rejected_rows.append({c: whole.get(c, "") for c in REJECTED_COLUMNS} | {c: whole[c] for c in kept_cols} |
                                 {"text": "", "reason": "empty", "detail": "nothing left after cleaning"})
            keep.append(False)
        elif talk:
            rejected_rows.append({c: whole.get(c, "") for c in REJECTED_COLUMNS} | {c: whole[c] for c in kept_cols} |
                                 {"text": new.text, "reason": "small_talk", "detail": talk})
            keep.append(False)
        else:
            keep.append(True)
        texts.append(new.text)
        edits.append(edits_to_json(new.edits()))
        starts.append(new.src_start if new.text else r.get("start", 0))
        ends.append(new.src_end if new.text else r.get("end", 0))
    out["text"] = texts
    if has_span:
        out["edits"] = edits
        out["start"] = starts
        out["end"] = ends
    out = out[keep].reset_index(drop=True)
    rejected = pd.DataFrame(rejected_rows, columns=REJECTED_COLUMNS + kept_cols) if rejected_rows else empty_rejected()
    return CleanResult(out, rejected)


class _CallableModule(types.ModuleType):
    """``insightkit.clean(...)`` works even after this package was imported as a module."""

    def __call__(self, *args, **kwargs):
        return clean(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

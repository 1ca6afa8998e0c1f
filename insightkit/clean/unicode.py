"""Unicode repair (mojibake such as "â€™" -> "’", stray control and zero-width characters) and
whitespace normalisation (every run of spaces, tabs, line breaks or no-break spaces -> one space)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from insightkit.alignment import AlignedText, trim

__all__ = ["repair_unicode", "normalise_whitespace"]

_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\x00-\x08\x0b\x0e-\x1f\x7f]")
_WS = re.compile(r"\s{2,}|[^\S ]")

try:  # ftfy is a dependency; the guard keeps the step usable if a slimmed install lacks it
    import ftfy

    _FTFY_CONFIG = ftfy.TextFixerConfig(
        unescape_html=False,  # "&amp;" in an answer is what the person typed; readers decode markup
        uncurl_quotes=False,  # curly quotes are not damage
        fix_line_breaks=False,  # whitespace is normalised separately, with alignment
        fix_latin_ligatures=False,
        fix_character_width=False,
        normalization="NFC",
        explain=False,
    )
except ImportError:  # pragma: no cover
    ftfy = None  # type: ignore[assignment]  # optional: repairs are skipped without it


def _fix(text: str) -> str:
    return ftfy.fix_text(text, _FTFY_CONFIG) if ftfy is not None else text


_TOKEN = re.compile(r"\s+|\S+")


def _align_tokens(at: AlignedText, new: str) -> AlignedText:
    """Edit ``at`` into ``new``, aligning whole whitespace-separated tokens (fast on long texts).

    A repaired token ("weâ€™re" -> "we’re") becomes one replacement; untouched tokens stay verbatim.
    """
    old = at.text
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    if "".join(a) != old or "".join(b) != new:  # cannot happen with str.split semantics; be safe
        return at.transform(lambda _: new)
    pos_a = [0]
    for t in a:
        pos_a.append(pos_a[-1] + len(t))
    pos_b = [0]
    for t in b:
        pos_b.append(pos_b[-1] + len(t))
    spans = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            spans.append((pos_a[i1], pos_a[i2], new[pos_b[j1]:pos_b[j2]]))
    return at.replace_many(spans) if spans else at


def repair_unicode(at: AlignedText) -> AlignedText:
    """Undo mojibake and drop invisible characters; plain ASCII text is left alone (fast path)."""
    text = at.text
    if not text.isascii():
        fixed = _fix(text)
        if fixed != text:
            at = _align_tokens(at, fixed)
    if _INVISIBLE.search(at.text):
        at = at.sub(_INVISIBLE, "")
    return at


def normalise_whitespace(at: AlignedText) -> AlignedText:
    """Collapse whitespace runs to one space and strip both ends."""
    if _WS.search(at.text):
        at = at.sub(_WS, " ")
    return trim(at)

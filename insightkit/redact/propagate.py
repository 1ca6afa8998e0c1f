"""Name propagation across texts: a name found in one text of a group is redacted in the others."""

from __future__ import annotations

from insightkit.alignment import AlignedText
from insightkit.names import fold1
from insightkit.redact.recognizers.people import with_surname
from insightkit.redact.resolve import protected_spans, resolve
from insightkit.redact.types import Detection
from insightkit.redact.words import Vocabulary, is_cap, names_pattern, strip_possessive, tokens

__all__ = ["propagate_names"]

_SURE = ("rule_title", "rule_cue")


def propagate_names(vocab: Vocabulary, items: list[AlignedText], keys: list,
                    dets: list[list[Detection]]) -> list[list[Detection]]:
    """Redact names found in one item wherever they recur in the other items of its group.

    ``keys[i]`` is item i's group. A name counts when a rule found it, or NER found two or more
    name words ("Nadia Rahman"); one word that NER alone calls a person stays a guess about that
    text alone.
    """
    found: dict = {}
    for it, key, ds in zip(items, keys, dets):
        for d in ds:
            if d.type != "PERSON" or d.method not in ("ner", "ner_pair", *_SURE):
                continue
            words = [strip_possessive(t.text) for t in tokens(it.text[d.start : d.end])]
            words = [w for w in words if len(w) >= 3 and is_cap(w) and not vocab.generic(w)]
            if d.method in ("ner", "ner_pair") and d.also not in _SURE and len(words) < 2:
                continue
            if words:
                found.setdefault(key, set()).update(words)
    if not found:
        return dets
    patterns = {k: names_pattern(v) for k, v in found.items()}
    out = []
    for it, key, ds in zip(items, keys, dets):
        rx = patterns.get(key)
        if rx is None:
            out.append(ds)
            continue
        extra = [with_surname(vocab, it.text, Detection(m.start(), m.end(), "PERSON", "propagated"))
                 for m in rx.finditer(fold1(it.text))]
        extra = [e for e in extra if not any(d.start <= e.start and e.end <= d.end for d in ds)]
        if not extra:
            out.append(ds)
            continue
        out.append(resolve(it.text, ds + extra, protected_spans(it.text)))
    return out

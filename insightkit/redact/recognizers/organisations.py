"""``ORG``: named NHS organisations.

* :class:`OrgTermsRecognizer`: organisation names given to the redactor (``org_terms``), with and
  without "NHS Foundation Trust"-style endings;
* :class:`OrgGazetteerRecognizer`: the bundled short hospital names used without a head word
  ("Addenbrooke's", "Guy's and St Thomas'"), ``insightkit/data/nhs_org_names.txt``;
* :class:`OrgPatternRecognizer`: a name in front of Trust/Hospital/ICB/... (or a lower-case head:
  "the Dunmore trust"), and "X and Y" place pairs in an organisation context;
* :class:`NerOrgRecognizer`: spaCy ORG entities with an NHS word.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

from insightkit.redact.allowlist import data_lines
from insightkit.redact.recognizers.base import Context, Recognizer
from insightkit.redact.types import Detection
from insightkit.redact.words import (CONNECTORS, ORG_KEYWORDS, STOP, Tok, Vocabulary, adjacent, cap_runs, is_cap,
                                     strip_possessive)

__all__ = ["OrgTermsRecognizer", "OrgGazetteerRecognizer", "OrgPatternRecognizer", "NerOrgRecognizer",
           "org_gazetteer_rx"]

_LOWER_HEADS = {"trust", "hospital", "infirmary", "ft", "icb", "ics", "pcn"}
_TRUST_VERB_OBJECTS = {
    "the", "a", "an", "it", "its", "us", "them", "me", "you", "him", "her", "that", "this", "these", "those",
    "our", "their", "my", "your", "his", "what", "in", "to", "each", "every", "anyone", "anybody",
    "nobody", "no", "any", "some", "all", "both", "whatever", "whoever", "clinicians", "staff",
}
_PAIR_CUES = {"at", "from", "of", "joined", "left", "across", "between"}
_PAIR_AFTER = {
    "patch", "footprint", "area", "system", "trust", "trusts", "hospital", "hospitals", "merger",
    "partnership", "icb", "ics", "ft", "site", "sites", "way",
}
_TRUST_WORDS = {"acute", "community", "mental", "learning", "ambulance", "combined", "specialist", "teaching",
                "university", "general", "district", "children's", "women's", "nhs", "foundation", "health",
                "healthcare", "integrated", "care", "partnership", "royal"}


@lru_cache(maxsize=1)
def org_gazetteer_rx() -> re.Pattern | None:
    """Short NHS hospital names from ``nhs_org_names.txt``; an apostrophe may be ', ’ or absent."""
    forms = []
    for name in sorted(data_lines("nhs_org_names.txt"), key=len, reverse=True):
        esc = re.escape(" ".join(name.split()))
        esc = esc.replace(r"\ ", r"\s+").replace("'", "['’]?")  # re.escape leaves ' alone
        forms.append(esc)
    return re.compile(r"(?<![\w'’])(?:" + "|".join(forms) + r")(?![\w])") if forms else None


class OrgTermsRecognizer(Recognizer):
    type = "ORG"

    def __init__(self, terms: Sequence[str]):
        forms: set[str] = set()
        for t in terms:
            t = " ".join(t.split())
            forms.add(t)
            core = re.sub(r"(?:\s+(?:NHS|Foundation|Trust|FT|University|Teaching|Hospitals?))+$", "", t, flags=re.I)
            if core and core != t and len(core) >= 4:
                forms.add(core)
        forms = {f for f in forms if f}
        alt = "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in sorted(forms, key=len, reverse=True))
        self.pattern = re.compile(rf"(?<![\w])(?:{alt})(?![\w])", re.IGNORECASE) if forms else None

    def find(self, ctx: Context) -> list[Detection]:
        if self.pattern is None:
            return []
        return [Detection(m.start(), m.end(), "ORG", "org_terms") for m in self.pattern.finditer(ctx.text)]


class OrgGazetteerRecognizer(Recognizer):
    type = "ORG"

    def find(self, ctx: Context) -> list[Detection]:
        rx = org_gazetteer_rx()
        if rx is None:
            return []
        return [Detection(m.start(), m.end(), "ORG", "org_gazetteer") for m in rx.finditer(ctx.text)]


class OrgPatternRecognizer(Recognizer):
    """Capitalised runs with an organisation head, and "X and Y" pairs (which may be two people:
    those come out as ``PERSON`` with method ``ner_pair``)."""

    type = "ORG"

    def find(self, ctx: Context) -> list[Detection]:
        text, toks, vocab = ctx.text, ctx.toks, ctx.vocab
        out: list[Detection] = []
        ent_tokens = {}  # token start -> NER label
        for s, e, lab in ctx.ents:
            for t in toks:
                if t.start >= s and t.end <= e:
                    ent_tokens[t.start] = lab
        for i, j in _split_org_lists(toks, cap_runs(text, toks)):
            # a lower-case head right after the run: "the Dunmore trust", "Leeds NHS trust"
            k = j + 1
            lower_head = False
            while k < len(toks) and adjacent(text, toks[k - 1], toks[k]) and k <= j + 3:
                w = toks[k].text
                if w in ("NHS", "foundation", "teaching", "university"):
                    k += 1
                    continue
                lower_head = w.lower() in _LOWER_HEADS and not is_cap(w) or w in ("FT", "ICB", "ICS", "PCN")
                if lower_head and w == "trust" and k + 1 < len(toks) and adjacent(text, toks[k], toks[k + 1]):
                    # "Clinicians trust the data": the verb, not an organisation
                    lower_head = toks[k + 1].text.lower() not in _TRUST_VERB_OBJECTS
                break
            span = org_span(vocab, text, toks, i, j, lower_head)
            if span:
                out.append(Detection(span[0], span[1], "ORG", "org_pattern"))
                continue
            pair = _pair(vocab, text, toks, i, j, ctx.known, ent_tokens)
            if pair:
                out.append(Detection(*pair))
        return out


class NerOrgRecognizer(Recognizer):
    type = "ORG"

    def find(self, ctx: Context) -> list[Detection]:
        text, toks = ctx.text, ctx.toks
        out = []
        for s, e, lab in ctx.ents:
            if lab != "ORG" or "\n" in text[s:e]:
                continue
            etoks = [t for t in toks if t.start >= s and t.end <= e]
            words = [t.text for t in etoks]
            # "NHS" or "Care" alone is a modifier ("NHS numbers", "Care plans"), not a name's head
            if not words or not any(strip_possessive(w).lower() in ORG_KEYWORDS - {"nhs", "care"} and is_cap(w) for w in words):
                continue
            span = org_span(ctx.vocab, text, toks, toks.index(etoks[0]), toks.index(etoks[-1]), lower_head=True)
            if span:
                out.append(Detection(span[0], span[1], "ORG", "ner"))
        return out


def _heads(words: list[str]) -> tuple[set[int], set[int], set[int]]:
    """Token indices that are organisation heads: (strong, medium, prefix)."""
    strong, medium, prefix = set(), set(), set()
    for i, w in enumerate(words):
        prev = words[i - 1] if i > 0 else ""
        prev2 = words[i - 2] if i > 1 else ""
        if w in ("Hospital", "Hospitals", "Infirmary", "Healthcare", "ICB", "ICS", "FT", "PCN"):
            strong.add(i)
        elif w == "Trust":
            if prev == "NHS":
                strong |= {i, i - 1}
            elif prev == "Foundation" and prev2 == "NHS":
                strong |= {i, i - 1, i - 2}
            elif prev == "Foundation":
                medium |= {i, i - 1}
            else:
                medium.add(i)
        elif w in ("Service", "Services") and prev == "Ambulance":
            strong |= {i, i - 1}
        elif w in ("Service", "Services") and prev in ("Health", "Healthcare", "Care"):
            medium |= {i, i - 1}
        elif w == "Board" and prev in ("Care", "Health"):
            strong |= {i, i - 1}
        elif w == "System" and prev == "Care" and prev2 == "Integrated":
            strong |= {i, i - 1, i - 2}
        elif w == "Partnership" and prev in ("Health", "Care", "Healthcare"):
            medium |= {i, i - 1}
        elif w == "Centre" and prev in ("Medical", "Health"):
            medium |= {i, i - 1}
        elif w == "Royal" and i + 1 < len(words) and is_cap(words[i + 1]):
            prefix.add(i)
        elif w in ("St", "St.") and i + 1 < len(words) and re.search(r"['’]s?$", words[i + 1]):
            if not (i + 2 < len(words) and words[i + 2] == "Day"):  # St Patrick's Day
                prefix.add(i)
    return strong, medium, prefix


def org_span(vocab: Vocabulary, text: str, toks: list[Tok], i: int, j: int, lower_head: bool) -> tuple[int, int] | None:
    """The organisation name inside run toks[i..j], or None when it names no particular one."""
    words = [t.text for t in toks[i : j + 1]]
    in_phrase = vocab.phrase_mask(words)  # "Nuffield Trust", "The King's Fund": allow-listed
    masked = [("" if k in in_phrase else w) for k, w in enumerate(words)]
    strong, medium, prefix = _heads(masked)
    heads = strong | medium | prefix
    if not heads and not lower_head:
        return None
    regions_generic = not strong
    is_name = [
        (k not in heads)
        and k not in in_phrase
        and is_cap(words[k])
        and words[k].lower() not in CONNECTORS
        and not vocab.generic(words[k], regions_generic)
        for k in range(len(words))
    ]
    # prefix heads ("Royal X", "St X's") need a real name right after them
    for k in sorted(prefix):
        if words[k] == "Royal" and not (k + 1 < len(words) and is_name[k + 1]):
            heads.discard(k)
    if not any(is_name):
        return None
    if not (heads or lower_head):
        return None
    # split at "and"/"&"/"of" into segments; keep from the first segment with a name or a head
    # that belongs to it, to the last such segment
    segs: list[list[int]] = [[]]
    for k, w in enumerate(words):
        if w.lower() in ("and", "&", "of", "the", "upon", "on"):
            segs.append([])
        else:
            segs[-1].append(k)
    segs = [s for s in segs if s]
    useful = [s for s in segs if any(is_name[k] or k in heads for k in s)]
    if not useful:
        return None
    first_name_seg = next(n for n, s in enumerate(segs) if any(is_name[k] for k in s))
    start_seg = first_name_seg
    for n in range(first_name_seg - 1, -1, -1):  # a head just before the name belongs to it
        if any(k in heads for k in segs[n]) and all(k in heads or is_name[k] or vocab.generic(words[k]) for k in segs[n]):
            start_seg = n
        else:
            break
    end_seg = max(n for n, s in enumerate(segs) if any(is_name[k] or k in heads for k in s))
    a = segs[start_seg][0]
    b = segs[end_seg][-1]
    # drop leading function words, days and discourse words ("The", "Yesterday", "Honestly");
    # trust-type and region words stay, they may be part of the name
    while a < b and not is_name[a] and a not in heads:
        lw = strip_possessive(words[a]).lower()
        if lw in STOP or lw in CONNECTORS or (lw in vocab.allow.words and lw not in _TRUST_WORDS):
            a += 1
        else:
            break
    s, e = toks[i + a].start, toks[i + b].end
    if vocab.allowed_phrase(text[s:e]):
        return None
    return (s, e)


def _split_org_lists(toks: list[Tok], runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Split "X Hospital and Y ICB" into two runs: an "and" right after a head ends a name
    (the "and" inside "Calderdale and Huddersfield NHS Trust" comes before the head)."""
    out = []
    for i, j in runs:
        words = [t.text for t in toks[i : j + 1]]
        strong, medium, _ = _heads(words)
        heads = strong | medium
        start = 0
        for k, w in enumerate(words):
            if w in ("and", "&") and (k - 1) in heads and k > start:
                out.append((i + start, i + k - 1))
                start = k + 1
        out.append((i + start, j))
    return out


def _pair(vocab: Vocabulary, text, toks, i, j, known, ent_tokens) -> tuple[int, int, str, str] | None:
    """"Calderdale and Huddersfield": two place names joined by "and" in an organisation context.

    With no organisation cue around it, a pair where NER sees a place or organisation is an
    ORG; one where NER sees just one person ("Andrea & Nicky") is two people.
    """
    words = [t.text for t in toks[i : j + 1]]
    if "and" not in words and "&" not in words:
        return None
    cut = words.index("and") if "and" in words else words.index("&")
    left, right = words[:cut], words[cut + 1 :]
    if not (1 <= len(left) <= 3 and 1 <= len(right) <= 3):
        return None
    if any(w.lower() in CONNECTORS for w in left + right):
        return None
    for side in (left, right):
        if not any(not vocab.generic(w) for w in side):
            return None
        if any(strip_possessive(w) in known for w in side):
            return None
    prev_w = toks[i - 1].text if i > 0 and adjacent(text, toks[i - 1], toks[i]) else ""
    next_w = toks[j + 1].text if j + 1 < len(toks) and adjacent(text, toks[j], toks[j + 1]) else ""
    cue = prev_w in _PAIR_CUES or next_w.lower() in _PAIR_AFTER and not is_cap(next_w) or next_w in ("ICB", "ICS", "FT")
    labels = [ent_tokens.get(toks[k].start) for k in range(i, j + 1) if toks[k].text.lower() not in ("and", "&")]
    ner_place = any(lab in ("ORG", "GPE", "LOC", "FAC") for lab in labels)
    ner_person = "PERSON" in labels
    s, e = toks[i].start, toks[j].end
    if vocab.allowed_phrase(text[s:e]):
        return None
    if cue or ner_place:
        return (s, e, "ORG", "org_pair")
    if ner_person:
        return (s, e, "PERSON", "ner_pair")
    return None

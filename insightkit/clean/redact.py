"""Redaction of personal data: names, emails, phones, NHS numbers, postcodes, URLs, named trusts.

A participant must not be identifiable from a quote, so every segment's text is redacted before
anything downstream sees it. Detections are replaced by typed placeholders (``[PERSON]``,
``[EMAIL]``, ...) through :class:`~insightkit.alignment.AlignedText`, so the redacted text still maps
back to its exact source span and ``apply_edits(source, start, end, edits) == text`` keeps holding.

Detectors (see ``docs/redaction.md``):

* ``EMAIL``: addresses, and spoken ones ("j dot smith at nhs dot net");
* ``URL``: ``http(s)://``, ``www.`` and bare domains with a known ending;
* ``NHS_NUMBER``: ten digits (3-3-4 spaced, dashed or unspaced) that pass the Modulus 11 check;
* ``PHONE``: UK numbers (mobiles, geographic, 03/08 numbers, +44 forms) checked by digit count;
* ``POSTCODE``: full UK postcodes whose area is a real postcode area;
* ``ORG``: named NHS organisations (a name in front of Trust/Hospital/ICB/...), "X and Y" place
  pairs in an organisation context, spaCy ORG entities with an NHS word, and the bundled list of
  short hospital names used without a head word ("Addenbrooke's", "Guy's and St Thomas'");
* ``PERSON``: every known name (speaker labels, participant file) as full name, first name and
  surname; spaCy NER PERSON entities that survive an allow-list filter; a small rule layer
  (title + name, "spoke to X", "my manager X", and a lower-case common given name right after such
  a cue, "my manager steve"); and later mentions of a name found once.

Overlaps are resolved by priority (EMAIL > URL > NHS_NUMBER > PHONE > POSTCODE > ORG > PERSON, then
the longest span), and placeholders already in the text are never redacted again.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from insightkit.alignment import AlignedText, Piece, edits_from_json, edits_to_json
from insightkit.clean.nhs_number import is_valid_nhs_number
from insightkit.errors import InputError

__all__ = [
    "TYPES",
    "PLACEHOLDERS",
    "Detection",
    "Allowlist",
    "load_allowlist",
    "Redactor",
    "redact",
]

#: Types in priority order: when two detections overlap, the earlier type wins.
TYPES: tuple[str, ...] = ("EMAIL", "URL", "NHS_NUMBER", "PHONE", "POSTCODE", "ORG", "PERSON")
PLACEHOLDERS: dict[str, str] = {t: f"[{t}]" for t in TYPES}
_PRIORITY = {t: i for i, t in enumerate(TYPES)}
_REGEX_ONLY_PARTS = {"EMAIL", "URL", "NHS_NUMBER", "PHONE", "POSTCODE"}  # never cut into pieces

# any bracketed upper-case tag, e.g. [PERSON] or a transcriber's [INAUDIBLE]: never redacted again
_PLACEHOLDER_RX = re.compile(r"\[[A-Z][A-Z_]*\]")

_NER_DISABLE = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")


@dataclass(frozen=True)
class Detection:
    """One span of the current text to replace: ``text[start:end]`` is personal data of ``type``."""

    start: int
    end: int
    type: str
    method: str
    also: str = ""  # a second detector that found the same span (e.g. a rule beside NER)


# --------------------------------------------------------------------------------------------
# allow-list
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Allowlist:
    """Lower-cased words and phrases that are never a person's or an organisation's name."""

    words: frozenset[str]
    regions: frozenset[str]
    phrases: frozenset[str]

    def with_terms(self, terms: Iterable[str]) -> "Allowlist":
        words, phrases = set(self.words), set(self.phrases)
        for t in terms:
            t = " ".join(str(t).split()).lower()
            if t:
                (phrases if " " in t else words).add(t)
        return Allowlist(frozenset(words), self.regions, frozenset(phrases))


def load_allowlist(path: str | Path | None = None, extra: Iterable[str] = ()) -> Allowlist:
    """Read an allow-list file (default: the bundled ``data/redaction_allowlist.txt``)."""
    if path is None:
        text = resources.files("insightkit").joinpath("data/redaction_allowlist.txt").read_text("utf-8")
        where = "redaction_allowlist.txt"
    else:
        p = Path(path)
        try:
            text = p.read_text("utf-8")
        except OSError as exc:
            raise InputError(p, f"cannot read the allow-list: {exc.strerror or exc}") from exc
        where = str(p)
    words: set[str] = set()
    regions: set[str] = set()
    phrases: set[str] = set()
    section = ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"\[([\w -]+)\]", line)
        if m:
            section = m.group(1).strip().lower()
            continue
        term = " ".join(line.split()).lower()
        if section == "regions":  # region words are judged word by word (see _heads)
            regions.update(term.split())
        elif " " in term:
            phrases.add(term)
        else:
            words.add(term)
    if not (words or phrases):
        raise InputError(where, "the allow-list has no entries")
    return Allowlist(frozenset(words), frozenset(regions), frozenset(phrases)).with_terms(extra)


@lru_cache(maxsize=1)
@lru_cache(maxsize=None)
def _data_lines(name: str) -> tuple[str, ...]:
    """Lines of a bundled data file, comments and blanks dropped."""
    text = resources.files("insightkit.data").joinpath(name).read_text(encoding="utf-8")
    return tuple(l.strip() for l in text.splitlines() if l.strip() and not l.lstrip().startswith("#"))


def given_names() -> frozenset[str]:
    """Common UK given names (lower case), used only beside a cue, never alone in free text."""
    return frozenset(_data_lines("given_names.txt"))


@lru_cache(maxsize=1)
def _org_gazetteer_rx() -> re.Pattern | None:
    """Short NHS hospital names from ``nhs_org_names.txt``; an apostrophe may be ', ’ or absent."""
    forms = []
    for name in sorted(_data_lines("nhs_org_names.txt"), key=len, reverse=True):
        esc = re.escape(" ".join(name.split()))
        esc = esc.replace(r"\ ", r"\s+").replace("'", "['’]?")  # re.escape leaves ' alone
        forms.append(esc)
    return re.compile(r"(?<![\w'’])(?:" + "|".join(forms) + r")(?![\w])") if forms else None


def _default_allowlist() -> Allowlist:
    return load_allowlist()


# --------------------------------------------------------------------------------------------
# vocabulary shared by the name and organisation rules
# --------------------------------------------------------------------------------------------
_TITLES = {"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sir", "dame", "rev", "revd", "cllr", "lord", "lady"}
_STOP = {
    "i", "i'm", "i've", "i'd", "i'll", "me", "my", "we", "our", "us", "you", "your", "he", "she", "his", "her",
    "we've", "we're", "we'd", "we'll", "you're", "you've", "you'd", "you'll", "they're", "they've", "they'd",
    "they'll", "it's", "that's", "there's", "here's", "what's", "let's", "he's", "she's", "who's",
    "they", "their", "them", "it", "its", "the", "a", "an", "this", "that", "these", "those", "and", "or",
    "but", "of", "in", "on", "at", "to", "for", "from", "with", "by", "as", "is", "was", "be", "if", "so",
    "then", "when", "where", "what", "who", "why", "how", "there", "here", "not", "all", "any", "some",
    "each", "every", "both", "other", "another", "many", "most", "more", "less", "one", "two", "three",
    "no", "yes", "after", "before", "since", "about", "over", "under", "across", "within", "during",
    "while", "because", "although", "though", "also", "just", "even", "only", "very", "really", "last",
    "next", "new", "old", "first", "second", "third", "currently", "previously", "recently", "now",
    "per", "via", "re", "regarding", "example", "e.g", "eg", "ie", "etc", "can", "could", "would",
    "should", "will", "did", "do", "does", "had", "has", "have", "are", "were", "been", "being", "let",
    "let's", "please", "national", "local", "regional", "whole", "same", "different", "like", "into",
    "onto", "indeed", "again", "anyway", "today", "tonight", "anyone", "someone", "thanks", "thank",
    "such", "lots", "much", "loads", "always", "never", "often", "still", "yet", "ever", "particularly",
    "especially", "specifically", "mainly", "mostly", "generally", "overall",
}
_CONNECTORS = {"and", "&", "of", "upon", "on", "the"}
_ORG_KEYWORDS = {
    "nhs", "trust", "hospital", "hospitals", "health", "healthcare", "infirmary", "icb", "ics", "care",
    "ambulance", "partnership", "clinic", "centre", "ft", "pcn",
}
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

_WORD_RX = re.compile(r"[^\W\d_](?:\w|['’-](?=\w))*['’]?|&|\d\w*")
_NAME_CHUNK = r"[A-Z][a-z\u00C0-\u024F]+(?:['’-][A-Z]?[a-z\u00C0-\u024F]+)*"
_NAME = rf"(?<![\w'’-])(?:(?:Mc|Mac|O['’])?{_NAME_CHUNK})(?!\w)"


def _strip_possessive(word: str) -> str:
    return re.sub(r"['’]s?$", "", word)


def _is_cap(word: str) -> bool:
    return bool(word) and word[0].isupper()


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(word) >= 2 and bool(letters) and not any(c.islower() for c in letters)


# --------------------------------------------------------------------------------------------
# regex detectors
# --------------------------------------------------------------------------------------------
_EMAIL_RX = re.compile(
    r"(?<![\w.%+'-])[A-Za-z0-9](?:[A-Za-z0-9._%+'-]*[A-Za-z0-9_%+-])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}(?![\w-])"
)
_SPOKEN_EMAIL_RX = re.compile(
    r"\b[a-z][a-z0-9]*(?:\s+(?:dot|underscore|hyphen|dash)\s+[a-z0-9]+)*\s+at\s+[a-z0-9-]+"
    r"(?:\s+dot\s+[a-z0-9-]+)*\s+dot\s+(?:net|com|org|uk|gov|io)\b",
    re.IGNORECASE,
)
_TLD = r"(?:nhs\.uk|nhs\.net|co\.uk|org\.uk|gov\.uk|ac\.uk|com|org|net|io|uk|ly|info|scot|wales)"
_URL_RX = re.compile(
    r"(?:\bhttps?://|(?<![\w@.-])www\.)[^\s<>\"'\[\]{}|\\^`]+"
    rf"|(?<![\w@.-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+{_TLD}(?::\d+)?(?:/[^\s<>\"'\[\]{{}}|\\^`]*)?(?![\w@-])",
    re.IGNORECASE,
)
_NHS_RX = re.compile(r"(?<![\w+/.-])(?<!\+44 )(?:\d{3}[ -]?\d{3}[ -]?\d{4}|\d{3}[ -]\d{7}|\d{6}[ -]\d{4})"
                     r"(?![\w/-]|\.\d)")
_PHONE_RX = re.compile(
    r"(?<![\w+/.-])(?:(?:\+|00)[ ]?44[ -]?(?:\(0\)[ -]?)?\(?|\(?0)\d+"
    r"(?:(?:\)[ -]?|[ ]?-[ ]?|[ .])\d+)*"
)
_POSTCODE_AREAS = (
    "AB AL B BA BB BD BF BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC "
    "EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU M "
    "ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW "
    "SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE"
).split()
_POSTCODE_RX = re.compile(
    r"(?<![\w-])(?:(?:" + "|".join(sorted(_POSTCODE_AREAS, key=len, reverse=True)) + r")\d[A-Z\d]?"
    r"[ \u00a0]?\d[ABD-HJLNP-UW-Z]{2}|GIR[ ]?0AA)(?![\w-])",
    re.IGNORECASE,
)
_ORDINAL_INWARD = re.compile(r"\d(?:st|nd|rd|th)$", re.IGNORECASE)


def _find_emails(text: str) -> list[Detection]:
    out = [Detection(m.start(), m.end(), "EMAIL", "regex") for m in _EMAIL_RX.finditer(text)]
    for m in _SPOKEN_EMAIL_RX.finditer(text):
        out.append(Detection(m.start(), m.end(), "EMAIL", "regex_spoken"))
    return out


def _find_urls(text: str) -> list[Detection]:
    out = []
    for m in _URL_RX.finditer(text):
        s, e = m.start(), m.end()
        frag = text[s:e]
        # trailing sentence punctuation and unbalanced closing brackets are not part of a URL
        while frag and (frag[-1] in ".,;:!?'\"" or (frag[-1] == ")" and frag.count("(") < frag.count(")"))):
            frag = frag[:-1]
        if not frag:
            continue
        bare = not re.match(r"(?:https?://|www\.)", frag, re.IGNORECASE)
        if bare:
            host = frag.split("/", 1)[0]
            # "ASP.NET" or "VB.NET" are product names, not addresses
            if _is_acronym(host.replace(".", "")) and "/" not in frag:
                continue
        out.append(Detection(s, s + len(frag), "URL", "regex"))
    return out


def _find_nhs_numbers(text: str) -> list[Detection]:
    return [
        Detection(m.start(), m.end(), "NHS_NUMBER", "regex_mod11")
        for m in _NHS_RX.finditer(text)
        if is_valid_nhs_number(m.group(0))
    ]


def _national_ok(digits: str) -> bool:
    """Digit count of a UK number in national form (leading 0) for its prefix."""
    n = len(digits)
    if len(digits) < 10 or digits[0] != "0":
        return False
    p = digits[1]
    if p in "237":
        return n == 11
    if p in "18":
        return n in (10, 11)
    if p == "5":
        return n == 11
    return False


def _find_phones(text: str) -> list[Detection]:
    out = []
    pos_scan = 0
    while True:
        m = _PHONE_RX.search(text, pos_scan)
        if m is None:
            break
        pos_scan = m.end()
        frag = m.group(0)
        intl = re.match(r"\(?(?:\+|00)[ ]?44", frag)
        groups = [(g.start(), g.group(0)) for g in re.finditer(r"\d+", frag)]  # (offset, digits)
        if intl:  # drop the country code (and a "(0)") so the rest reads as a national number
            cc_end = intl.end()
            sizes_src = []
            for pos, g in groups:
                if pos + len(g) <= cc_end:
                    continue
                if pos < cc_end:
                    g, pos = g[cc_end - pos :], cc_end
                sizes_src.append((pos, g))
            if "(0)" in frag and sizes_src and sizes_src[0][1] == "0":
                sizes_src = sizes_src[1:]
            groups_n = sizes_src
            prefix = "0"
        else:
            groups_n = groups
            prefix = ""
        # the longest leading run of digit groups that makes a valid UK number
        for k in range(len(groups_n), 0, -1):
            national = prefix + "".join(g for _, g in groups_n[:k])
            sizes = [len(g) for _, g in groups_n[:k]]
            if not _national_ok(national):
                continue
            # UK numbers are written in groups of 3+ digits after the first (which may be 2)
            if sizes[0] >= 2 and all(sz >= 3 for sz in sizes[1:]):
                pos, g = groups_n[k - 1]
                out.append(Detection(m.start(), m.start() + pos + len(g), "PHONE", "regex"))
                pos_scan = m.start() + pos + len(g)  # the rest may hold another number
                break
    return out


def _find_postcodes(text: str) -> list[Detection]:
    out = []
    for m in _POSTCODE_RX.finditer(text):
        frag = m.group(0)
        if not frag.isupper() and _ORDINAL_INWARD.search(frag):
            continue  # "b2 1st", "se1 2nd": ordinals, not postcodes, unless written in capitals
        out.append(Detection(m.start(), m.end(), "POSTCODE", "regex"))
    return out


# --------------------------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------------------------
_SPEAKER_LABELS = {
    "interviewer", "participant", "respondent", "speaker", "moderator", "facilitator", "host", "guest",
    "unknown", "note", "notes", "notetaker", "chair", "attendee", "researcher", "transcriber", "narrator",
    "me", "you", "other", "unidentified", "inaudible", "all", "everyone", "group", "voice",
}
_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae", "Æ": "Ae", "ı": "i"})


def _fold(s: str) -> str:
    s = s.translate(_FOLD)
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def _fold1(s: str) -> str:
    """Accents off, one character for one character, so offsets in the folded text still hold."""
    out = []
    for c in s:
        if c.isascii():
            out.append(c)
            continue
        f = _fold(c)
        out.append(f if len(f) == 1 else c)
    return "".join(out)


def _clean_name(name: str) -> str:
    name = re.sub(r"\(.*?\)|\[.*?\]|<.*?>", " ", str(name))
    name = " ".join(name.replace("_", " ").split()).strip(" ,;:-")
    if "," in name:  # "Sharma, Priya" -> "Priya Sharma"
        left, _, right = name.partition(",")
        if left.strip() and right.strip() and len(right.split()) <= 3:
            name = f"{right.strip()} {left.strip()}"
    words = name.split()
    while words and words[0].lower().rstrip(".") in _TITLES:
        words.pop(0)
    return " ".join(words)


def name_variants(name: str) -> set[str]:
    """The strings that identify a known person: full name, each name alone, spelling variants."""
    name = _clean_name(name)
    if not name or any(ch.isdigit() for ch in name) or "@" in name:
        return set()
    words = name.split()
    if all(w.lower().strip(".") in _SPEAKER_LABELS for w in words):
        return set()
    if name.islower() or name.isupper():
        words = [_title_word(w) for w in words]
        name = " ".join(words)
    elif any(len(w) > 2 and w.isupper() for w in words):
        # NHS mail display names write the surname in capitals ("ACHTERBERG, Zoë"): the text
        # writes it "Achterberg"
        mixed = " ".join(_title_word(w) if len(w) > 2 and w.isupper() else w for w in words)
        return name_variants(mixed) | _variants_of(name, words)
    return _variants_of(name, words)


def _title_word(w: str) -> str:
    """ "O'NEILL" -> "O'Neill", "PRYCE-JONES" -> "Pryce-Jones", "MCALLISTER" -> "McAllister"."""
    out = re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), w.lower())
    return re.sub(r"^(Ma?c)([a-z])", lambda m: m.group(1) + m.group(2).upper(), out) if len(out) > 4 else out


def _variants_of(name: str, words: list[str]) -> set[str]:
    base: set[str] = {name}
    for i, w in enumerate(words):
        core = w.strip(".,")
        if len(core) < 2 or re.fullmatch(r"[A-Z]\.?", core) or core.lower() in _SPEAKER_LABELS:
            continue
        if core[0].islower():  # particles ("van", "de") only count with what follows them
            if i + 1 < len(words):
                base.add(" ".join(words[i:]))
            continue
        base.add(core)
        if "-" in core:
            base.update(p for p in core.split("-") if len(p) >= 3 and p[0].isupper())
    if len(words) > 2:  # first + last without middle names
        base.add(f"{words[0]} {words[-1]}")
    out: set[str] = set()
    for v in base:
        forms = {v, v.replace("'", "’"), v.replace("’", "'"), _fold(v)}
        forms |= {f.upper() for f in forms if len(f) >= 3}
        out |= forms
    return {v for v in out if len(v) >= 2}


def _names_pattern(variants: Iterable[str]) -> re.Pattern | None:
    """One regex for all variants; run it on ``_fold1(text)`` so "Grainne" also finds "Gráinne".

    Single names match case-sensitively ("Will" the person, not "will" the verb); a full name of two
    or more words is unambiguous, so "priya sharma" in a lower-case answer is found too.
    """
    vs = sorted({_fold1(v) for v in variants if v}, key=len, reverse=True)
    if not vs:
        return None
    alts = []
    for v in vs:
        esc = re.escape(v).replace(r"\ ", r"\s+")
        alts.append(f"(?i:{esc})" if " " in v else esc)
    return re.compile(rf"(?<![\w])(?:{'|'.join(alts)})(?![\w])")


# --------------------------------------------------------------------------------------------
# tokens and capitalised runs (for organisations and name filtering)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Tok:
    text: str
    start: int
    end: int


def _tokens(text: str) -> list[_Tok]:
    return [_Tok(m.group(0), m.start(), m.end()) for m in _WORD_RX.finditer(text)]


def _adjacent(text: str, a: _Tok, b: _Tok) -> bool:
    gap = text[a.end : b.start]
    return gap != "" and gap.strip(" \t\u00a0") == "" and len(gap) <= 3


def _cap_runs(text: str, toks: list[_Tok]) -> list[tuple[int, int]]:
    """Index ranges [i, j] of runs of capitalised words, with connectors ("and", "of") inside."""
    runs = []
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        if not (_is_cap(t.text) and t.text.lower() not in ("i", "i'm", "i've", "i'd", "i'll")):
            i += 1
            continue
        last_cap = i
        k = i + 1
        while k < n and _adjacent(text, toks[k - 1], toks[k]):
            w = toks[k].text
            if _is_cap(w) and w.lower() not in ("i", "i'm", "i've", "i'd", "i'll"):
                last_cap = k
            elif w.lower() in _CONNECTORS and k - last_cap <= 2:
                pass
            else:
                break
            k += 1
        runs.append((i, last_cap))
        i = last_cap + 1
    return runs


# --------------------------------------------------------------------------------------------
# the redactor
# --------------------------------------------------------------------------------------------
class Redactor:
    """Finds personal data in texts and replaces it with typed placeholders.

    ``types``: the subset of :data:`TYPES` to redact (None: all). ``use_ner``: also use spaCy NER for
    names and organisations (``False`` is the fast regex/names-only mode). ``extra_names``: names to
    redact in every text (e.g. all interviewers). ``org_terms``: organisation names to redact in
    every text (e.g. the trusts in the participant file). ``org_gazetteer``: also redact the bundled
    short hospital names (``insightkit/data/nhs_org_names.txt``). ``allowlist``: a path or an
    :class:`Allowlist` replacing the bundled one; ``allow_terms`` adds to it. ``nlp``: a spaCy
    pipeline to use instead of the bundled model; ``batch_size``/``n_process`` go to ``nlp.pipe``.
    """

    def __init__(
        self,
        types: Iterable[str] | None = None,
        use_ner: bool = True,
        extra_names: Iterable[str] = (),
        org_terms: Iterable[str] = (),
        *,
        org_gazetteer: bool = True,
        allowlist: str | Path | Allowlist | None = None,
        allow_terms: Iterable[str] = (),
        nlp=None,
        batch_size: int = 256,
        n_process: int = 1,
    ):
        if types is None:
            self.types = frozenset(TYPES)
        else:
            wanted = [str(t).strip().upper() for t in ([types] if isinstance(types, str) else types)]
            unknown = [t for t in wanted if t not in _PRIORITY]
            if unknown:
                raise ValueError(f"unknown redaction type(s) {unknown}; choose from {', '.join(TYPES)}")
            self.types = frozenset(wanted)
        self.use_ner = bool(use_ner)
        if isinstance(allowlist, Allowlist):
            al = allowlist
        elif allowlist is None:
            al = _default_allowlist()
        else:
            al = load_allowlist(allowlist)
        self.allow = al.with_terms(allow_terms) if allow_terms else al
        self.extra_names = tuple(str(n) for n in extra_names if str(n).strip())
        self._extra_variants = frozenset(v for n in self.extra_names for v in name_variants(n))
        self.org_terms = tuple(str(o) for o in org_terms if str(o).strip())
        self._org_rx = self._org_terms_pattern(self.org_terms)
        self._gazetteer_rx = _org_gazetteer_rx() if org_gazetteer else None
        self._nlp = nlp
        self.batch_size = int(batch_size)
        self.n_process = int(n_process)
        self._name_rx_cache: dict[tuple[str, ...], tuple[re.Pattern | None, frozenset[str]]] = {}
        self._given_cache: dict[tuple[str, ...], frozenset[str]] = {}
        phrases = sorted(self.allow.phrases, key=len, reverse=True)
        self._phrase_rx = (
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases) + r")(?!\w)", re.I)
            if phrases
            else None
        )

    # public API -------------------------------------------------------------------------------
    def redact_batch(
        self,
        items: Sequence[AlignedText | str],
        names: Sequence[Sequence[str]] | None = None,
        groups: Sequence[object] | None = None,
    ) -> list[tuple[AlignedText, list[dict]]]:
        """Redact many texts at once (NER runs batched); ``names[i]`` are item i's known names.

        A full name found by NER or a rule in one item ("our CDIO, Nadia Rahman") is also redacted
        where it recurs alone in the other items of its group ("when Nadia asks"). ``groups[i]``
        names item i's group (e.g. its document); by default items with the same known names form
        a group, which is what one document's turns have.
        """
        items = [it if isinstance(it, AlignedText) else AlignedText.from_source(str(it)) for it in items]
        if names is None:
            names = [()] * len(items)
        if len(names) != len(items):
            raise ValueError(f"names has {len(names)} entries for {len(items)} items")
        if groups is not None and len(groups) != len(items):
            raise ValueError(f"groups has {len(groups)} entries for {len(items)} items")
        docs = self._ner([it.text for it in items])
        dets = [self.detect(it.text, nm, ents=ents) for it, nm, ents in zip(items, names, docs)]
        if "PERSON" in self.types:
            keys = list(groups) if groups is not None else [tuple(sorted({str(n) for n in (nm or ())})) for nm in names]
            dets = self._propagate(items, keys, dets)
        return [self._apply(it, d) for it, d in zip(items, dets)]

    def _propagate(self, items: list[AlignedText], keys: list, dets: list[list[Detection]]) -> list[list[Detection]]:
        """Redact names found in one item wherever they recur in the other items of its group."""
        found: dict = {}
        for it, key, ds in zip(items, keys, dets):
            for d in ds:
                if d.type != "PERSON" or d.method not in ("ner", "ner_pair", "rule_title", "rule_cue"):
                    continue
                words = [_strip_possessive(t.text) for t in _tokens(it.text[d.start : d.end])]
                words = [w for w in words if len(w) >= 3 and _is_cap(w) and not self._generic(w)]
                if d.method in ("ner", "ner_pair") and d.also not in ("rule_title", "rule_cue") and len(words) < 2:
                    continue  # one word that NER calls a person stays a guess about that text alone
                if words:
                    found.setdefault(key, set()).update(words)
        if not found:
            return dets
        patterns = {k: _names_pattern(v) for k, v in found.items()}
        out = []
        for it, key, ds in zip(items, keys, dets):
            rx = patterns.get(key)
            if rx is None:
                out.append(ds)
                continue
            extra = [self._with_surname(it.text, Detection(m.start(), m.end(), "PERSON", "propagated"))
                     for m in rx.finditer(_fold1(it.text))]
            extra = [e for e in extra if not any(d.start <= e.start and e.end <= d.end for d in ds)]
            if not extra:
                out.append(ds)
                continue
            protected = [(m.start(), m.end()) for m in _PLACEHOLDER_RX.finditer(it.text)]
            out.append(_resolve(it.text, ds + extra, protected))
        return out

    def redact_text(self, text: str, names: Sequence[str] = ()) -> tuple[str, list[dict]]:
        """Redact one plain string; log offsets are offsets in ``text``."""
        new, log = self.redact_batch([AlignedText.from_source(str(text))], [names])[0]
        return new.text, log

    def redact_aligned(self, item: AlignedText, names: Sequence[str] = ()) -> tuple[AlignedText, list[dict]]:
        return self.redact_batch([item], [names])[0]

    def detect(self, text: str, names: Sequence[str] = (), ents: list[tuple[int, int, str]] | None = None) -> list[Detection]:
        """Non-overlapping detections in ``text``, in text order (``ents``: NER spans, if any)."""
        if ents is None and self.use_ner and self._wants_ner():
            ents = self._ner([text])[0]
        ents = ents or []
        want = self.types
        cands: list[Detection] = []
        if "EMAIL" in want:
            cands += _find_emails(text)
        if "URL" in want:
            cands += _find_urls(text)
        if "NHS_NUMBER" in want:
            cands += _find_nhs_numbers(text)
        if "PHONE" in want:
            cands += _find_phones(text)
        if "POSTCODE" in want:
            cands += _find_postcodes(text)
        name_rx, known = self._names_rx(names)
        toks = _tokens(text) if ("ORG" in want or "PERSON" in want) else []
        if "ORG" in want:
            cands += self._find_orgs(text, toks, ents, known)
        if "PERSON" in want:
            cands += self._find_people(text, toks, ents, name_rx, names)
        if self._phrase_rx is not None and ("ORG" in want or "PERSON" in want):
            # "What Good Looks Like", "Nuffield Trust": nothing inside an allow-listed phrase is a name
            inside = [(m.start(), m.end()) for m in self._phrase_rx.finditer(text)]
            if inside:
                cands = [
                    d for d in cands
                    if d.type not in ("ORG", "PERSON") or d.method in ("names", "extra_names", "org_terms", "org_gazetteer")
                    or not any(a <= d.start and d.end <= b for a, b in inside)
                ]
        protected = [(m.start(), m.end()) for m in _PLACEHOLDER_RX.finditer(text)]
        return _resolve(text, cands, protected)

    # internals: NER -----------------------------------------------------------------------------
    def _wants_ner(self) -> bool:
        return bool(self.types & {"PERSON", "ORG"})

    def _get_nlp(self):
        if self._nlp is None:
            from insightkit.errors import ModelError
            from insightkit.nlp import get_nlp

            nlp = get_nlp(disable=_NER_DISABLE)
            if "ner" not in nlp.pipe_names:
                raise ModelError("the spaCy pipeline has no 'ner' component; redaction needs it")
            self._nlp = nlp
        return self._nlp

    def _ner(self, texts: Sequence[str]) -> list[list[tuple[int, int, str]]]:
        out: list[list[tuple[int, int, str]]] = [[] for _ in texts]
        if not (self.use_ner and self._wants_ner()):
            return out
        # NER only matters where a capitalised word that is not on the allow-list appears: every
        # entity it finds elsewhere would be filtered out anyway ("The EPR is slow" never runs it).
        # The test is made per sentence and only those sentences go to the model, each with the
        # sentence before it as context: on the speed benchmark 38% of the words instead of 64%,
        # and NER is the costly part of cleaning.
        chunks: list[tuple[int, int, str]] = []  # (text index, offset, chunk)
        for i, t in enumerate(texts):
            if t and self._may_hold_names(t):
                chunks += [(i, a, t[a:b]) for a, b in self._name_chunks(t)]
        if not chunks:
            return out
        nlp = self._get_nlp()
        docs = nlp.pipe((c for _, _, c in chunks), batch_size=self.batch_size, n_process=self.n_process)
        for (i, off, _), doc in zip(chunks, docs):
            out[i] += [(e.start_char + off, e.end_char + off, e.label_) for e in doc.ents
                       if e.label_ in ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP")]
        return out

    # a sentence end: . ! ? or an ellipsis (not after a title or an initial), closing quotes, then space
    _CHUNK_BREAK = re.compile(r"(?<!\b(?:Dr|Mr|Ms|St))(?<!\bMrs)(?<!\bProf)(?<!\b[A-Z])(?:[.!?\u2026]+[\"'\u201d\u2019)\]]*)\s+|\n+")

    def _name_chunks(self, text: str) -> list[tuple[int, int]]:
        """Spans of ``text`` worth running NER on: its sentences that may hold a name, neighbouring
        ones joined so the model keeps their context."""
        spans, pos = [], 0
        for m in self._CHUNK_BREAK.finditer(text):
            if m.start() > pos:
                spans.append((pos, m.start() + len(m.group(0).rstrip())))
            pos = m.end()
        if pos < len(text):
            spans.append((pos, len(text)))
        out: list[tuple[int, int]] = []
        for k, (a, b) in enumerate(spans):
            if not self._may_hold_names(text[a:b]):
                continue
            # the sentence before goes along as context: alone, "Restart delayed projects." reads
            # to the model like a name at the start of a sentence
            a = spans[k - 1][0] if k else a
            if out and a <= out[-1][1] + 1:
                out[-1] = (out[-1][0], b)
            else:
                out.append((a, b))
        return out

    _CAP_WORD_RX = re.compile(r"(?<![\w'’-])[^\W\d_a-z][\w'’-]*")

    def _may_hold_names(self, text: str) -> bool:
        for m in self._CAP_WORD_RX.finditer(text):
            w = m.group(0)
            if w[0].isupper() and not self._generic(w.strip("'’-")):
                return True
        return False

    # internals: generic-word tests --------------------------------------------------------------
    def _generic(self, word: str, regions_generic: bool = True) -> bool:
        w = _strip_possessive(word).strip(".")
        lw = w.lower()
        if not w or lw in _STOP or lw in _CONNECTORS or lw in _TITLES:
            return True
        if any(c.isdigit() for c in w) or _is_acronym(w):
            return True
        if lw in self.allow.words:
            return True
        if regions_generic and lw in self.allow.regions:
            return True
        if "-" in w:  # "Wi-Fi", "Non-Executive", "Covid-19": generic when the parts are
            return all(self._generic(p, regions_generic) for p in w.split("-") if p)
        return False

    def _phrase_mask(self, words: list[str]) -> set[int]:
        """Indices of words that belong to an allow-listed phrase of two or more words."""
        out: set[int] = set()
        lw = [_strip_possessive(w).lower() if k == len(words) - 1 else w.lower() for k, w in enumerate(words)]
        n = len(words)
        for a in range(n):
            for b in range(min(n, a + 8), a + 1, -1):
                if " ".join(lw[a:b]) in self.allow.phrases or " ".join(w.lower() for w in words[a:b]) in self.allow.phrases:
                    out.update(range(a, b))
                    break
        return out

    def _allowed_phrase(self, phrase: str) -> bool:
        p = " ".join(_strip_possessive(phrase).split()).lower()
        p = re.sub(r"^(?:the|a|an|our|their|my)\s+", "", p)
        return p in self.allow.phrases or p in self.allow.words

    # internals: organisations ---------------------------------------------------------------------
    @staticmethod
    def _org_terms_pattern(terms: Sequence[str]) -> re.Pattern | None:
        forms: set[str] = set()
        for t in terms:
            t = " ".join(t.split())
            forms.add(t)
            core = re.sub(r"(?:\s+(?:NHS|Foundation|Trust|FT|University|Teaching|Hospitals?))+$", "", t, flags=re.I)
            if core and core != t and len(core) >= 4:
                forms.add(core)
        forms = {f for f in forms if f}
        if not forms:
            return None
        alt = "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in sorted(forms, key=len, reverse=True))
        return re.compile(rf"(?<![\w])(?:{alt})(?![\w])", re.IGNORECASE)

    def _heads(self, words: list[str]) -> tuple[set[int], set[int], set[int]]:
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
            elif w == "Royal" and i + 1 < len(words) and _is_cap(words[i + 1]):
                prefix.add(i)
            elif w in ("St", "St.") and i + 1 < len(words) and re.search(r"['’]s?$", words[i + 1]):
                if not (i + 2 < len(words) and words[i + 2] == "Day"):  # St Patrick's Day
                    prefix.add(i)
        return strong, medium, prefix

    def _org_span(self, text: str, toks: list[_Tok], i: int, j: int, lower_head: bool) -> tuple[int, int] | None:
        """The organisation name inside run toks[i..j], or None when it names no particular one."""
        words = [t.text for t in toks[i : j + 1]]
        in_phrase = self._phrase_mask(words)  # "Nuffield Trust", "The King's Fund": allow-listed
        masked = [("" if k in in_phrase else w) for k, w in enumerate(words)]
        strong, medium, prefix = self._heads(masked)
        heads = strong | medium | prefix
        if not heads and not lower_head:
            return None
        regions_generic = not strong
        is_name = [
            (k not in heads)
            and k not in in_phrase
            and _is_cap(words[k])
            and words[k].lower() not in _CONNECTORS
            and not self._generic(words[k], regions_generic)
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
            if any(k in heads for k in segs[n]) and all(k in heads or is_name[k] or self._generic(words[k]) for k in segs[n]):
                start_seg = n
            else:
                break
        end_seg = max(n for n, s in enumerate(segs) if any(is_name[k] or k in heads for k in s))
        a = segs[start_seg][0]
        b = segs[end_seg][-1]
        # drop leading function words, days and discourse words ("The", "Yesterday", "Honestly");
        # trust-type and region words stay, they may be part of the name
        while a < b and not is_name[a] and a not in heads:
            lw = _strip_possessive(words[a]).lower()
            if lw in _STOP or lw in _CONNECTORS or (lw in self.allow.words and not _is_trust_word(lw)):
                a += 1
            else:
                break
        s, e = toks[i + a].start, toks[i + b].end
        if self._allowed_phrase(text[s:e]):
            return None
        return (s, e)

    def _find_orgs(self, text: str, toks: list[_Tok], ents, known: frozenset[str]) -> list[Detection]:
        out: list[Detection] = []
        if self._org_rx is not None:
            out += [Detection(m.start(), m.end(), "ORG", "org_terms") for m in self._org_rx.finditer(text)]
        if self._gazetteer_rx is not None:
            out += [Detection(m.start(), m.end(), "ORG", "org_gazetteer") for m in self._gazetteer_rx.finditer(text)]
        runs = _cap_runs(text, toks)
        ent_tokens = {}  # token start -> NER label
        for s, e, lab in ents:
            for t in toks:
                if t.start >= s and t.end <= e:
                    ent_tokens[t.start] = lab
        for i, j in self._split_org_lists(toks, runs):
            # a lower-case head right after the run: "the Dunmore trust", "Leeds NHS trust"
            k = j + 1
            lower_head = False
            while k < len(toks) and _adjacent(text, toks[k - 1], toks[k]) and k <= j + 3:
                w = toks[k].text
                if w in ("NHS", "foundation", "teaching", "university"):
                    k += 1
                    continue
                lower_head = w.lower() in _LOWER_HEADS and not _is_cap(w) or w in ("FT", "ICB", "ICS", "PCN")
                if lower_head and w == "trust" and k + 1 < len(toks) and _adjacent(text, toks[k], toks[k + 1]):
                    # "Clinicians trust the data": the verb, not an organisation
                    lower_head = toks[k + 1].text.lower() not in _TRUST_VERB_OBJECTS
                break
            span = self._org_span(text, toks, i, j, lower_head)
            if span:
                out.append(Detection(span[0], span[1], "ORG", "org_pattern"))
                continue
            pair = self._pair(text, toks, i, j, known, ent_tokens)
            if pair:
                out.append(Detection(*pair))
        for s, e, lab in ents:
            if lab != "ORG" or "\n" in text[s:e]:
                continue
            etoks = [t for t in toks if t.start >= s and t.end <= e]
            words = [t.text for t in etoks]
            # "NHS" or "Care" alone is a modifier ("NHS numbers", "Care plans"), not a name's head
            if not words or not any(_strip_possessive(w).lower() in _ORG_KEYWORDS - {"nhs", "care"} and _is_cap(w) for w in words):
                continue
            span = self._org_span(text, toks, toks.index(etoks[0]), toks.index(etoks[-1]), lower_head=True)
            if span:
                out.append(Detection(span[0], span[1], "ORG", "ner"))
        return out

    def _split_org_lists(self, toks: list[_Tok], runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Split "X Hospital and Y ICB" into two runs: an "and" right after a head ends a name
        (the "and" inside "Calderdale and Huddersfield NHS Trust" comes before the head)."""
        out = []
        for i, j in runs:
            words = [t.text for t in toks[i : j + 1]]
            strong, medium, _ = self._heads(words)
            heads = strong | medium
            start = 0
            for k, w in enumerate(words):
                if w in ("and", "&") and (k - 1) in heads and k > start:
                    out.append((i + start, i + k - 1))
                    start = k + 1
            out.append((i + start, j))
        return out

    def _pair(self, text, toks, i, j, known, ent_tokens) -> tuple[int, int, str, str] | None:
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
        if any(w.lower() in _CONNECTORS for w in left + right):
            return None
        for side in (left, right):
            if not any(not self._generic(w) for w in side):
                return None
            if any(_strip_possessive(w) in known for w in side):
                return None
        prev_w = toks[i - 1].text if i > 0 and _adjacent(text, toks[i - 1], toks[i]) else ""
        next_w = toks[j + 1].text if j + 1 < len(toks) and _adjacent(text, toks[j], toks[j + 1]) else ""
        cue = prev_w in _PAIR_CUES or next_w.lower() in _PAIR_AFTER and not _is_cap(next_w) or next_w in ("ICB", "ICS", "FT")
        labels = [ent_tokens.get(toks[k].start) for k in range(i, j + 1) if toks[k].text.lower() not in ("and", "&")]
        ner_place = any(lab in ("ORG", "GPE", "LOC", "FAC") for lab in labels)
        ner_person = "PERSON" in labels
        s, e = toks[i].start, toks[j].end
        if self._allowed_phrase(text[s:e]):
            return None
        if cue or ner_place:
            return (s, e, "ORG", "org_pair")
        if ner_person:
            return (s, e, "PERSON", "ner_pair")
        return None

    # internals: people --------------------------------------------------------------------------
    def _names_rx(self, names: Sequence[str]) -> tuple[re.Pattern | None, frozenset[str]]:
        key = tuple(sorted({str(n) for n in (names or ()) if str(n).strip()}))
        hit = self._name_rx_cache.get(key)
        if hit is None:
            variants = set(self._extra_variants)
            for n in key:
                variants |= name_variants(n)
            hit = (_names_pattern(variants), frozenset(variants))
            given = set()
            for n in (*key, *self.extra_names):
                words = _clean_name(n).split()
                if name_variants(n) and words and len(words[0]) >= 5 and words[0][0].isupper():
                    given.add(_fold1(words[0]))
            self._given_cache[key] = frozenset(given)
            if len(self._name_rx_cache) > 4096:
                self._name_rx_cache.clear()
                self._given_cache.clear()
            self._name_rx_cache[key] = hit
        return hit

    _SENTENCE_BREAK = re.compile(r"(?<!\b(?:Dr|Mr|Ms|St))(?<!\bMrs)(?<!\bProf)(?<!\b[A-Z])[.!?;]\s+|\n")

    def _person_core(self, text: str, s: int, e: int) -> tuple[int, int] | None:
        """Trim a candidate name span to its name words; None when nothing name-like is left."""
        brk = self._SENTENCE_BREAK.search(text, s, e)
        if brk is not None and brk.start() > s:  # "George. Lots of ...": the name ends at the stop
            e = brk.start()
        toks = [t for t in _tokens(text[s:e])]
        if not toks:
            return None
        words = [t.text for t in toks]
        if any(_strip_possessive(w).lower() in _ORG_KEYWORDS and _is_cap(w) for w in words):
            return None  # "Leeds Hospital": an organisation, handled there
        if any(w in ("Ward", "Unit", "Team", "Clinic", "Centre", "Practice", "Surgery") for w in words[:-1]):
            return None  # "Orchid Ward Millbrook": a place; "Sarah Ward" (last word) may be a name
        if any(c in text[s:e] for c in "@/[]") or any(ch.isdigit() for ch in text[s:e]):
            return None
        keep = [k for k, w in enumerate(words) if _is_cap(w) and not self._generic(w)]
        if not keep:
            return None
        a, b = keep[0], keep[-1]
        span_s = s + toks[a].start
        word_end = toks[b].text
        span_e = s + toks[b].start + len(_strip_possessive(word_end))
        if self._allowed_phrase(text[span_s:span_e]):
            return None
        return (span_s, span_e)

    def _find_people(self, text, toks, ents, name_rx, names) -> list[Detection]:
        out: list[Detection] = []
        if name_rx is not None:
            folded = _fold1(text)
            out += [Detection(m.start(), m.end(), "PERSON", "names") for m in name_rx.finditer(folded)]
        # short forms of a known first name: "Chris" for Christopher, "Segun" for Olusegun
        given = self._given_cache.get(tuple(sorted({str(n) for n in (names or ()) if str(n).strip()})), frozenset())
        if given:
            for t in toks:
                w = _fold1(_strip_possessive(t.text))
                if len(w) < 3 or not _is_cap(w) or self._generic(w):
                    continue
                lw = w.lower()
                for g in given:
                    lg = g.lower()
                    if len(lg) > len(lw) and (lg.startswith(lw) or (len(lw) >= 4 and lg.endswith(lw))):
                        out.append(Detection(t.start, t.start + len(_strip_possessive(t.text)), "PERSON", "names_short"))
                        break
        found: list[Detection] = []
        for s, e, lab in ents:
            if lab != "PERSON":
                continue
            span = self._person_core(text, s, e)
            if span:
                found.append(Detection(span[0], span[1], "PERSON", "ner"))
        found += self._rule_people(text, ents)
        out += found
        # an address such as chloe.ashdown1@nhs.net spells its owner's name: redact it nearby
        parts = set()
        for m in _EMAIL_RX.finditer(text):
            for p in re.split(r"[._-]+", m.group(0).split("@", 1)[0]):
                p = re.sub(r"\d+", "", p)
                if len(p) >= 3 and p.isalpha():
                    parts.add(p[0].upper() + p[1:].lower())
        parts = {p for p in parts if not self._generic(p)}
        if parts:
            rx = _names_pattern(parts)
            out += [Detection(m.start(), m.end(), "PERSON", "email_name") for m in rx.finditer(_fold1(text))]
        # later mentions of a name found once ("Sanjay Kapoor ... Sanjay said")
        words: set[str] = set()
        for d in found:
            for w in _tokens(text[d.start : d.end]):
                core = _strip_possessive(w.text)
                if len(core) >= 3 and _is_cap(core) and not self._generic(core):
                    words.add(core)
        if words:
            rx = _names_pattern(words)
            out += [Detection(m.start(), m.end(), "PERSON", "propagated") for m in rx.finditer(_fold1(text))]
        return [self._with_surname(text, d) for d in out]

    _SURNAME_AFTER = re.compile(rf"[ \t]+({_NAME})")

    def _with_surname(self, text: str, d: Detection) -> Detection:
        """A first name found alone ("Declan", known or found earlier) followed by a capitalised word
        that is no common word takes that word as its surname: "Declan Murphy chaired it"."""
        if d.method not in ("names", "names_short", "propagated", "email_name") or " " in text[d.start:d.end].strip():
            return d
        m = self._SURNAME_AFTER.match(text, d.end)
        if not m:
            return d
        word = _strip_possessive(m.group(1))
        end = m.start(1) + len(word)
        if self._generic(word) or word.lower() in _ORG_KEYWORDS or self._allowed_phrase(text[d.start:end]):
            return d
        return Detection(d.start, end, d.type, d.method)

    _TITLE_RX = re.compile(rf"\b(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof|Professor|Sir|Dame|Revd?|Cllr)\.?[ \t]+({_NAME}(?:[ \t]+{_NAME}){{0,2}})")
    # "spoke to X", "thanks X", "my manager X", "everyone calls me X"
    _CUE_RX = re.compile(
        r"\b(?:[Ss]poke|[Ss]peak|[Ss]peaking|[Tt]alked|[Tt]alking|[Cc]hatted|[Mm]et|[Mm]eeting|[Ee]mailed|"
        r"[Ee]mail|[Rr]ang|[Rr]ing|[Cc]all|[Cc]alled|[Pp]hone|[Pp]honed|[Aa]sked|[Aa]sk|[Tt]old|[Tt]hanks|"
        r"[Tt]hank you|[Cc]heers|[Hh]i|[Hh]ello|[Dd]ear|[Cc]ontact|[Aa]ccording to|[Cc]olleague|[Mm]anager|"
        r"[Bb]oss|[Dd]eputy|PA|[Ss]ecretary|[Mm]atron|[Ss]ister|[Cc]all(?:s|ed)? me|[Kk]nown as|[Mm]y name is|"
        r"[Mm]y name's|(?:[Ll]ed|[Rr]un|[Mm]anaged|[Hh]eaded|[Cc]haired|[Ss]upported|[Cc]oordinated) by)"
        rf"[,:]?[ \t]+(?:to[ \t]+|with[ \t]+|for[ \t]+)?({_NAME}(?:[ \t]+{_NAME})?)"
    )
    # "most people call me SJ": initials are a name here
    _NICK_RX = re.compile(r"\b(?:[Cc]all(?:s|ed)? me|[Kk]nown as)[ \t]+([A-Z]{2,3})\b")
    # "I'm Grace Oduya": first name and surname after a self-introduction
    _INTRO_RX = re.compile(rf"\b(?:I'm|I’m|I am|[Tt]his is)[ \t]+({_NAME}[ \t]+{_NAME})\b")
    # "X, she ...", "X, our head of cyber": a name followed by a pronoun or a role
    _ROLE_WORDS = (
        r"head|lead|director|manager|chief|deputy|matron|sister|nurse|consultant|doctor|CIO|CCIO|CNIO|CDIO|"
        r"CEO|COO|CFO|chair|officer|pharmacist|analyst|colleague|boss|PA|secretary|champion"
    )
    _APPOS_RX = re.compile(
        rf"(?:(?<=, )|(?<=: ))?({_NAME}(?:[ \t]+{_NAME})?),[ \t]+"
        rf"(?:(?:she|he)(?:'s|’s)?\b|who(?:'s|’s)?\b|(?:our|my|the|their)[ \t]+(?:[\w-]+[ \t]+){{0,3}}?(?:{_ROLE_WORDS})\b)"
    )
    # "Danielle from the digital team", "Nigel Foster in IT", "Lewis and Gemma on the service desk"
    _DEPTS = (
        r"IT|HR|ICT|IG|BI|finance|procurement|pathology|pharmacy|radiology|estates|informatics|analytics|"
        r"governance|payroll|comms|communications|research|training|theatres|outpatients|switchboard|"
        r"medical records|admissions|reception|the lab|the office"
    )
    _TEAM_RX = re.compile(
        rf"({_NAME}(?:[ \t]+{_NAME})?)(?:[ \t]+(?:and|&)[ \t]+({_NAME}(?:[ \t]+{_NAME})?))?[ \t]+"
        rf"(?:(?:from|in|on|at)[ \t]+(?:the|our|my)[ \t]+(?:[\w&-]+[ \t]+){{0,3}}?(?:team|desk|office|department|dept|hub|ward)\b"
        rf"|in[ \t]+(?:{_DEPTS})\b|who[ \t]+(?!is\b|are\b|was\b)[a-z]+s\b"
        rf"|(?<=['’]s[ \t])(?:team|office|department|unit|PA|deputy|secretary|group|inbox|diary)\b)"
    )

    # "our IG lead, Femi Adeyemi", "the chief nurse, Lorraine Ashworth", "our CISO Grant Holloway":
    # a role after a determiner, then a name (two words, or one word after a comma)
    _ROLE_NOUNS = (
        r"lead|head|director|officer|nurse|architect|analyst|manager|chair|chairman|chairwoman|chairperson|"
        r"consultant|champion|administrator|coordinator|co-ordinator|engineer|pharmacist|matron|deputy|"
        r"executive|CIO|CISO|CCIO|CNIO|CDIO|CEO|COO|CFO|CTO|CMIO|DPO|SIRO|PA|guardian|secretary|clinician"
    )
    _ROLE_BEFORE_RX = re.compile(
        rf"\b(?:[Oo]ur|[Mm]y|[Tt]he|[Tt]heir|[Yy]our|[Hh]is|[Hh]er)[ \t]+(?:[\w&/-]+[ \t]+){{0,3}}?(?:{_ROLE_NOUNS})"
        rf"(?:[ \t]+(?:of|for)[ \t]+(?:[\w&-]+[ \t]+){{0,2}}?[\w&-]+)?(?:(,)[ \t]+|[ \t]+)({_NAME}(?:[ \t]+{_NAME}){{0,2}})"
    )

    def _rule_people(self, text: str, ents=()) -> list[Detection]:
        out = []
        for m in self._ROLE_BEFORE_RX.finditer(text):
            s, e = m.span(2)
            if " " not in m.group(2).strip():
                if not m.group(1):
                    continue  # "our lead Will": one word needs the comma of an apposition
                if any(a <= s < b and lab in ("GPE", "LOC", "FAC", "ORG") for a, b, lab in ents):
                    continue  # "as our director, Leeds was ...": a place, not a name
            span = self._person_core(text, s, e)
            if span:
                out.append(Detection(span[0], span[1], "PERSON", "rule_cue"))
        rules = (
            (self._TITLE_RX, "rule_title"),
            (self._CUE_RX, "rule_cue"),
            (self._INTRO_RX, "rule_cue"),
            (self._APPOS_RX, "rule_cue"),
            (self._TEAM_RX, "rule_cue"),
        )
        for rx, method in rules:
            for m in rx.finditer(text):
                for g in range(1, (rx.groups or 0) + 1):
                    if m.group(g) is None:
                        continue
                    s, e = m.span(g)
                    # one capitalised word at a sentence start ("Laughs from the team") is too
                    # weak a cue on its own for the context rules
                    if rx in (self._APPOS_RX, self._TEAM_RX) and " " not in m.group(g).strip():
                        before = text[max(0, s - 3) : s]
                        if s == 0 or re.search(r"(?:[.!?]\s*|\n\s*|^\s*)$", before):
                            continue
                        after = text[e : e + 12]
                        if rx is self._APPOS_RX and not (
                            re.search(r"[,:;]\s*$", before) or re.match(r",[ \t]+(?:she|he)\b", after)
                        ):
                            continue
                    span = self._person_core(text, s, e)
                    if span and rx is self._APPOS_RX and " " not in m.group(g).strip():
                        # "in Leeds, he said": one word NER reads as a place is not a name (unless it
                        # stands between commas, "our lead, Marcus, he ...", where it is an apposition)
                        if not re.search(r"[,:;]\s*$", text[max(0, s - 3) : s]) and any(
                            a <= span[0] < b and lab in ("GPE", "LOC", "FAC") for a, b, lab in ents
                        ):
                            continue
                    if span:
                        out.append(Detection(span[0], span[1], "PERSON", method))
        for m in self._NICK_RX.finditer(text):
            if m.group(1).lower() not in self.allow.words:
                out.append(Detection(m.start(1), m.end(1), "PERSON", "rule_cue"))
        out += self._lower_given_after_cue(text)
        return out

    # "my manager steve says", "spoke to priya about it": typed in lower case, a name still follows
    # a person cue. Only a common given name (bundled list) counts, so "my manager said" stays.
    _LOWER_CUE_RX = re.compile(
        r"\b(?:(?:[Mm]y|[Oo]ur|[Tt]he|[Hh]is|[Hh]er|[Tt]heir)[ \t]+(?:line[ \t]+)?"
        r"(?:manager|boss|colleague|deputy|lead|director|head|pa|secretary|supervisor|mentor|counterpart)"
        r"|(?:[Ss]poke|[Tt]alked|[Ss]poken|[Tt]alking|[Ss]peaking|[Cc]hatted)[ \t]+(?:to|with)"
        r"|(?:[Ee]mailed|[Cc]alled|[Rr]ang|[Pp]honed|[Mm]essaged|[Tt]old|[Aa]sked|[Cc]c'?d))"
        r"[ \t]+([a-z][a-z-]+)\b(?!['’-])"
    )

    def _lower_given_after_cue(self, text: str) -> list[Detection]:
        names = given_names()
        out = []
        for m in self._LOWER_CUE_RX.finditer(text):
            first = m.group(1)
            if first not in names or first in self.allow.words:
                continue
            s, e = m.span(1)
            out.append(Detection(s, e, "PERSON", "rule_cue_lower"))
        return out

    # internals: applying ------------------------------------------------------------------------
    @staticmethod
    def _apply(item: AlignedText, dets: list[Detection]) -> tuple[AlignedText, list[dict]]:
        if not dets:
            return item, []
        spans = [(d.start, d.end, PLACEHOLDERS[d.type]) for d in dets]
        new = _replace_tight(item, spans)
        if new is None:  # a detection edge cuts a replacement piece: let AlignedText decide
            new = item.replace_many(spans)
        log = []
        for d in dets:
            s, e = _tight_source_span(item, d.start, d.end)
            log.append(
                {
                    "type": d.type,
                    "start": s,
                    "end": e,
                    "placeholder": PLACEHOLDERS[d.type],
                    "original": item.text[d.start : d.end],
                    "method": d.method,
                }
            )
        return new, log


def _tight_source_span(item: AlignedText, i: int, j: int) -> tuple[int, int]:
    """Source offsets of ``text[i:j]`` that leave out removed text lying just outside it.

    ``AlignedText.source_span`` counts an empty replacement (a removed filler or timestamp) at the
    edge as part of the span; the redaction log should point at the personal data alone.
    """
    s = e = None
    pos = 0
    for p in item.pieces:
        n = len(p.text)
        ps, pe = pos, pos + n
        pos = pe
        if n == 0 or pe <= i or ps >= j:
            continue
        lo, hi = max(i, ps), min(j, pe)
        if p.verbatim:
            a, b = p.src_start + lo - ps, p.src_start + hi - ps
        else:
            a, b = p.src_start, p.src_end
        s = a if s is None else min(s, a)
        e = b if e is None else max(e, b)
    if s is None:
        return item.source_span(i, j)
    return (s, e)


def _replace_tight(item: AlignedText, spans: list[tuple[int, int, str]]) -> AlignedText | None:
    """Replace non-overlapping ``text[i:j]`` spans, keeping removed text at their edges as its own edit.

    Returns None when a span edge falls inside a replacement piece (the caller then falls back to
    ``AlignedText.replace_many``).
    """
    spans = sorted(spans)
    out: list = []
    pos = 0
    started: dict[int, int] = {}
    for p in item.pieces:
        n = len(p.text)
        ps, pe = pos, pos + n
        pos = pe
        if n == 0:
            if not any(i < ps < j for i, j, _ in spans):
                out.append(p)
            continue
        cur = ps
        for idx, (i, j, new) in enumerate(spans):
            if j <= cur or i >= pe:
                continue
            if i > cur:
                if not p.verbatim:
                    return None
                out.append(Piece(p.text[cur - ps : i - ps], p.src_start + cur - ps, p.src_start + i - ps, True))
                cur = i
            if not p.verbatim and (cur != ps or min(j, pe) != pe):
                return None
            if idx not in started:
                started[idx] = len(out)
                out.append(None)  # the placeholder goes here
            cur = min(j, pe)
        if cur < pe:
            if not p.verbatim:
                if cur != ps:
                    return None
                out.append(p)
            else:
                out.append(Piece(p.text[cur - ps :], p.src_start + cur - ps, p.src_end, True))
    for idx, (i, j, new) in enumerate(spans):
        if idx not in started:
            return None
        s, e = _tight_source_span(item, i, j)
        out[started[idx]] = Piece(new, s, e, False)
    return AlignedText(out)


def _is_trust_word(lw: str) -> bool:
    return lw in {"acute", "community", "mental", "learning", "ambulance", "combined", "specialist", "teaching",
                  "university", "general", "district", "children's", "women's", "nhs", "foundation", "health",
                  "healthcare", "integrated", "care", "partnership", "royal"}


# --------------------------------------------------------------------------------------------
# overlap resolution
# --------------------------------------------------------------------------------------------
def _resolve(text: str, cands: list[Detection], protected: list[tuple[int, int]]) -> list[Detection]:
    """Non-overlapping detections: same-type overlaps merge; across types the priority wins."""
    by_type: dict[str, list[Detection]] = {}
    for d in cands:
        if d.end > d.start:
            by_type.setdefault(d.type, []).append(d)
    merged: list[Detection] = []
    for typ, ds in by_type.items():
        ds.sort(key=lambda d: (d.start, -d.end))
        cur = ds[0]
        for d in ds[1:]:
            if d.start < cur.end:
                if d.end > cur.end:
                    longer = d if (d.end - d.start) > (cur.end - cur.start) else cur
                    cur = Detection(cur.start, d.end, typ, longer.method)
                elif (d.start, d.end) == (cur.start, cur.end) and d.method != cur.method and not cur.also:
                    cur = Detection(cur.start, cur.end, typ, cur.method, d.method)  # found twice: remember both
            else:
                merged.append(cur)
                cur = d
        merged.append(cur)
    merged.sort(key=lambda d: (_PRIORITY[d.type], -(d.end - d.start), d.start))
    taken: list[tuple[int, int]] = list(protected)
    accepted: list[Detection] = []
    for d in merged:
        pieces = [(d.start, d.end)]
        for a, b in taken:
            nxt = []
            for s, e in pieces:
                if b <= s or a >= e:
                    nxt.append((s, e))
                    continue
                if s < a:
                    nxt.append((s, a))
                if b < e:
                    nxt.append((b, e))
            pieces = nxt
        if pieces == [(d.start, d.end)]:
            accepted.append(d)
            taken.append((d.start, d.end))
            continue
        if d.type in _REGEX_ONLY_PARTS:
            continue  # a part of an email or a phone number means nothing on its own
        for s, e in pieces:
            frag = text[s:e]
            ls = len(frag) - len(frag.lstrip(" \t\n,.;:!?'’\"()-"))
            rs = len(frag) - len(frag.rstrip(" \t\n,.;:!?'’\"()-"))
            s2, e2 = s + ls, e - rs
            if e2 > s2 and re.search(r"[A-Z]\w", text[s2:e2]):
                accepted.append(Detection(s2, e2, d.type, d.method))
                taken.append((s2, e2))
    accepted.sort(key=lambda d: d.start)
    return accepted


# --------------------------------------------------------------------------------------------
# table-level helper
# --------------------------------------------------------------------------------------------
def _aligned_from_row(text: str, start: int, end: int, edits: list[tuple[int, int, str]]) -> AlignedText | None:
    """Rebuild a segment's AlignedText from its text, source span and edits (no source needed)."""
    pieces: list[Piece] = []
    pos_src, pos_txt = start, 0
    for s, e, new in sorted(edits, key=lambda t: (t[0], t[1])):
        gap = s - pos_src
        if gap < 0 or e < s:
            return None
        pieces.append(Piece(text[pos_txt : pos_txt + gap], pos_src, s, True))
        pos_txt += gap
        if text[pos_txt : pos_txt + len(new)] != new:
            return None
        pieces.append(Piece(new, s, e, False))
        pos_txt += len(new)
        pos_src = e
    tail = end - pos_src
    if tail < 0:
        return None
    pieces.append(Piece(text[pos_txt : pos_txt + tail], pos_src, end, True))
    pos_txt += tail
    if pos_txt != len(text):
        return None
    return AlignedText(pieces)


def _is_missing(v) -> bool:
    if v is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def redact(
    segments,
    names: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    *,
    types: Iterable[str] | None = None,
    use_ner: bool = True,
    extra_names: Iterable[str] = (),
    org_terms: Iterable[str] = (),
    redactor: Redactor | None = None,
    text_column: str = "text",
    progress: bool = False,
):
    """Redact the ``text`` column of a segment table; returns ``(segments, redaction_log)``.

    ``names``: known names for every row (a list), or per document (a mapping from ``doc_id`` or
    ``source`` to a list). When the table has ``start``/``end``/``edits``, each text is rebuilt as
    an :class:`AlignedText` so the placeholders are added to ``edits`` and the log holds source
    offsets; otherwise the log's offsets are offsets in the text. The log has the columns of
    ``insightkit.segments.REDACTION_COLUMNS`` and holds the personal data: keep it apart.
    """
    import pandas as pd

    from insightkit.segments import REDACTION_COLUMNS, SegmentTableError, empty_redactions

    if not isinstance(segments, pd.DataFrame):
        raise SegmentTableError(f"expected a pandas DataFrame, got {type(segments).__name__}")
    if text_column not in segments.columns:
        raise SegmentTableError(f"segment table is missing column(s): {text_column}")
    r = redactor or Redactor(types=types, use_ner=use_ner, extra_names=extra_names, org_terms=org_terms)
    df = segments.copy()
    has_span = "start" in df.columns and "end" in df.columns
    has_edits = has_span and "edits" in df.columns

    items: list[AlignedText] = []
    aligned: list[bool] = []
    row_names: list[Sequence[str]] = []
    records = df.to_dict("records")
    for idx, rec in enumerate(records):
        text = rec.get(text_column)
        text = "" if _is_missing(text) else str(text)
        item = None
        if has_span and not _is_missing(rec.get("start")) and not _is_missing(rec.get("end")):
            start, end = int(rec["start"]), int(rec["end"])
            edits = edits_from_json(rec.get("edits")) if has_edits else []
            item = _aligned_from_row(text, start, end, edits)
            if item is None:
                seg = rec.get("segment_id", idx)
                raise SegmentTableError(
                    f"segment {seg}: text does not match its start/end/edits, so redaction cannot keep its source offsets"
                )
        aligned.append(item is not None)
        items.append(item if item is not None else AlignedText.from_source(text))
        if names is None:
            row_names.append(())
        elif isinstance(names, Mapping):
            key_hits = [names.get(rec.get(k)) for k in ("doc_id", "source") if rec.get(k) is not None]
            row_names.append(next((v for v in key_hits if v is not None), ()))
        else:
            row_names.append(list(names))

    results: list[tuple[AlignedText, list[dict]]] = []
    step = max(1, r.batch_size * 4)
    bar = None
    if progress:
        from insightkit.progress import progress as _progress

        bar = _progress(total=len(items), desc="redact", unit="seg")
    for a in range(0, len(items), step):
        results += r.redact_batch(items[a : a + step], row_names[a : a + step])
        if bar is not None:
            bar.update(min(step, len(items) - a))
    if bar is not None:
        bar.close()

    new_texts, new_edits, log_rows = [], [], []
    for i, ((new, log), rec) in enumerate(zip(results, records)):
        new_texts.append(new.text)
        new_edits.append(edits_to_json(new.edits()) if aligned[i] else rec.get("edits"))
        for entry in log:
            log_rows.append(
                {
                    "doc_id": rec.get("doc_id", ""),
                    "segment_id": rec.get("segment_id", ""),
                    "source": rec.get("source", ""),
                    **entry,
                }
            )
    df[text_column] = new_texts
    if has_span and any(aligned):
        df["edits"] = new_edits
    log_df = pd.DataFrame(log_rows, columns=REDACTION_COLUMNS) if log_rows else empty_redactions()
    return df, log_df

"""``PERSON`` from given names: the bare first names, short forms and slips that real comments use.

Patients thank and blame staff by first name ("Faye was lovely", "thanks to Becky and Jo", "nurse
yvonne", "Chole on reception"). NER misses most of these and a title rule needs a title, so this
recognizer weighs each word against the name list and the English word list of
:mod:`insightkit.redact.lexicon`, and the words around it:

* a capitalised given name that is no English word ("Michelle", "Faye", "Wojciech") is a name
  wherever it stands, unless a place word follows ("Florence Ward", "Harvey 1", "Edith Cavell House");
* a given name that is also an English word ("Hope", "Dawn", "Grace", "Will") is a name when it is
  capitalised inside a sentence of a text that does not capitalise every word, or after a person cue
  (a staff title, "thanks to"), or before a role in brackets;
* a lower-case given name is a name right after a staff title or cue ("nurse yvonne");
* a capitalised word that is one letter away from a common name and no English word ("Chole") is a
  name inside a sentence; an unknown capitalised word right after a staff title is a name;
* a capitalised word listed with a name ("Jog, Suzanne & Lea") is a name too;
* a title with an initial ("Dr P", "Mr S's team") is a name.

Family words ("Mum", "Nan") and words on the allow-list are never names here.
"""

from __future__ import annotations

import re

from insightkit.names import fold1
from insightkit.redact.lexicon import common_name_deletes, given_names_freq, is_english
from insightkit.redact.recognizers.base import Context, Recognizer
from insightkit.redact.types import Detection
from insightkit.redact.words import STOP, Tok, strip_possessive
from insightkit.sentences import starts_sentence

__all__ = ["GivenNameRecognizer"]

#: words after a name that make it a place or a service: "Florence Ward", "Marie Curie Centre"
PLACE_AFTER = frozenset({
    "ward", "wards", "unit", "units", "centre", "center", "house", "hospital", "hospice", "road", "rd", "street",
    "st", "lane", "court", "wing", "suite", "lodge", "clinic", "practice", "surgery", "building", "hall",
    "school", "avenue", "way", "drive", "close", "park", "trust", "team", "service", "services", "award",
    "awards", "foundation", "medical", "health", "hub", "group", "bridge", "green", "hill", "station",
    "village", "town", "city", "gardens", "place", "square", "crescent", "terrace", "grove", "row", "walk",
    "site", "campus", "block", "floor", "department", "dept", "theatre", "theatres", "annexe", "pavilion",
    "nursing", "care", "home", "day", "syndrome", "disease", "scale", "test", "method", "technique",
})
#: words before a name that make it a place: "St Luke's", "Queen Elizabeth", "Mount Vernon"
PLACE_BEFORE = frozenset({"st", "saint", "queen", "king", "mount", "lake", "port", "fort", "new", "north", "south",
                          "east", "west", "upper", "lower", "great", "little", "old"})
#: family and generic person words: never a name here
FAMILY = frozenset({
    "mum", "mum's", "mom", "mam", "mummy", "dad", "daddy", "mother", "father", "nan", "nana", "nanna", "gran",
    "granny", "grandma", "grandad", "granddad", "grandpa", "grandmother", "grandfather", "wife", "husband",
    "son", "daughter", "sister", "brother", "auntie", "aunty", "aunt", "uncle", "baby", "partner", "hubby",
    "god", "jesus", "lord", "christ", "sir", "madam", "lady", "gentleman", "doctor", "nurse", "matron",
})
#: words that start sentences and are never names, missing from WordNet ("Anything else?")
FUNCTION_WORDS = frozenset({"anything", "everything", "something", "nothing", "anyone", "everyone", "someone",
                            "anybody", "everybody", "somebody", "nobody", "whatever", "whoever", "whichever",
                            "im", "ive", "id", "ill", "youre", "theyre", "dont", "didnt", "cant", "wont", "isnt"})
#: staff titles and cues right before a name ("nurse yvonne", "thanks to Becky", "Dr P")
_CUE_BEFORE_RX = re.compile(
    r"(?:\b(?:nurse|sister|dr|doctor|matron|midwife|cpn|hca|physio|physiotherapist|therapist|counsellor|"
    r"psychologist|psychiatrist|consultant|surgeon|receptionist|carer|worker|practitioner|paramedic|porter|"
    r"mr|mrs|ms|miss|mx|prof|professor|named|called|thank(?:s| you)?(?:[ \t]+(?:to|you))?|"
    r"especially|particularly|namely|from|with|by|and|&)(?:(?:(?<=\bdr)|(?<=\bmr)|(?<=\bms)|(?<=\bmrs)|(?<=\bprof))\.)?[,:]?[ \t]+)$",
    re.I,
)
_STRONG_CUE_RX = re.compile(
    r"(?:\b(?:nurse|sister|dr|doctor|matron|midwife|cpn|hca|physio|physiotherapist|therapist|counsellor|"
    r"psychologist|psychiatrist|consultant|surgeon|receptionist|carer|practitioner|paramedic|"
    r"mr|mrs|ms|miss|mx|prof|professor|named|called|thank(?:s| you)?(?:[ \t]+to)?)(?:(?:(?<=\bdr)|(?<=\bmr)|(?<=\bms)|(?<=\bmrs)|(?<=\bprof))\.)?[,:]?[ \t]+)$",
    re.I,
)
#: after a name: a role in brackets, or praise ("Emma(physio)", "Faye was lovely", "Dawn is amazing")
_CUE_AFTER_RX = re.compile(
    r"^(?:[ \t]*\([ \t]*[a-z]|['’]s[ \t]+(?:team|care|help|support)|,?[ \t]+who[ \t]+(?!is[ \t]+the\b)|"
    r"[ \t]+(?:was|is|has|had|were|are|have)[ \t]+"
    r"(?:so[ \t]+|very[ \t]+|really[ \t]+|always[ \t]+|just[ \t]+|absolutely[ \t]+|extremely[ \t]+)?"
    r"(?:lovely|amazing|brilliant|great|fantastic|excellent|wonderful|superb|fab|fabulous|kind|helpful|"
    r"caring|supportive|marvellous|outstanding|exceptional|friendly|polite|rude|been|a[ \t]+star|"
    r"an?[ \t]+(?:amazing|excellent|great|brilliant|fantastic|wonderful|lovely))\b)",
    re.I,
)
#: "Dr P", "Mr S's team"; not "Dr I see" nor "Mr X", the usual stand-in of an anonymised export
_TITLE_INITIAL_RX = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Miss|Doctor|Prof)\.?[ \t]+(?![IX]\b)([A-Z]{1,2})(?![\w&/-])(?:\.(?!\w))?")
#: before a word these make it the ordinary word: "the Will", "a Hope", "so Calm", "was Grace"
_DETERMINERS = frozenset({"the", "a", "an", "my", "our", "your", "his", "her", "their", "this", "that", "no", "any",
                          "some", "of", "in", "on", "at", "into", "without", "very", "so", "too",
                          "more", "most", "less", "be", "been", "being", "is", "was", "are", "were", "will", "would",
                          "can", "could", "should"})
#: after these a capitalised word is a place more often than a person
_PLACE_PREPOSITIONS = frozenset({"at", "in", "near", "outside", "inside", "via"})
_LIST_GLUE_RX = re.compile(r"^(?:[ \t]*,[ \t]*(?:and[ \t]+|&[ \t]*)?|[ \t]+(?:and|&|or)[ \t]+|[ \t]*&[ \t]*|[ \t]*/[ \t]*)$")
_INNER_I_RX = re.compile(r"(?<=[a-z])I(?=[a-z])|(?<=[a-z])I$")


def _lookup_form(word: str) -> str:
    """The word as looked up: possessive off, accents folded, a stray capital I inside made small
    (some exports write "NeIl" for "Neil"), lower case."""
    w = _INNER_I_RX.sub("i", strip_possessive(word))
    return fold1(w).lower()


def _slip_of_common_name(lw: str) -> bool:
    if len(lw) < 4:
        return False
    index = common_name_deletes()
    if lw in index:
        return True
    return any(lw[:i] + lw[i + 1:] in index for i in range(len(lw)))


class GivenNameRecognizer(Recognizer):
    type = "PERSON"

    def find(self, ctx: Context) -> list[Detection]:
        text, vocab = ctx.text, ctx.vocab
        toks = ctx.toks
        if not toks:
            return []
        names = given_names_freq()
        words = [t for t in toks if t.text[:1].isalpha()]
        caps = sum(1 for t in words if t.text[0].isupper())
        # a text in Title Case or CAPITALS: a capital says nothing there
        caps_informative = not words or caps / len(words) < 0.5 or len(words) < 4
        out: list[Detection] = []
        found: set[int] = set()
        for k, t in enumerate(toks):
            raw = t.text
            if not raw[0].isupper():  # most words: lower case and no given name, settled cheaply
                if not raw[0].isalpha() or (raw.lower() not in names and raw.lower().rstrip("'’s") not in names):
                    continue
            core = strip_possessive(raw)
            if len(core) < 2 or not core[0].isalpha():
                continue
            lw = _lookup_form(core)
            if (lw in FAMILY or lw.removesuffix("s") in FAMILY or lw in STOP or lw in FUNCTION_WORDS
                    or vocab.generic(core) or (core.isupper() and len(core) > 1)
                    or re.fullmatch(r"[A-Z]{2,}['’]?s", core)):  # "CNIOs": an acronym's plural
                continue
            cap = core[0].isupper()
            freq = names.get(lw, 0)
            if not freq and not cap:
                continue  # a lower-case word counts only when it is a given name
            eng = is_english(lw)
            if not freq and eng:
                continue
            before = text[max(0, t.start - 40):t.start]
            prev = toks[k - 1].text.lower() if k else ""
            nxt = toks[k + 1].text.lower() if k + 1 < len(toks) else ""
            possessive = core != t.text
            if (nxt in PLACE_AFTER and not possessive) or (k + 1 < len(toks) and toks[k + 1].text[:1].isdigit()
                                      and toks[k + 1].start - t.end <= 2):
                continue
            if prev in PLACE_BEFORE and (k and toks[k - 1].text[:1].isupper()):
                continue
            strong_before = bool(_STRONG_CUE_RX.search(before))
            if prev in _PLACE_PREPOSITIONS and not strong_before:
                continue  # "at Pam Wellbeing", "in Carlton": a place or a service
            start = starts_sentence(text, t.start)
            cue_after = bool(_CUE_AFTER_RX.match(text[t.start + len(core):t.start + len(core) + 40]))
            ok = False
            if cap and freq and not eng:
                ok = True
            elif cap and freq and len(lw) >= 3:
                ok = strong_before or cue_after or (
                    caps_informative and not start and prev not in _DETERMINERS and freq >= 2)
            elif not cap and freq and strong_before and not eng:
                ok = True
            elif not cap and freq >= 3 and strong_before and re.search(r"\b(?:nurse|sister|dr|doctor|matron|midwife|"
                                                                         r"cpn|hca|mr|mrs|ms|miss)[.]?[ \t]+$",
                                                                         before, re.I):
                ok = True
            elif cap and not freq and not eng and len(lw) >= 4 and (
                    strong_before or (caps_informative and not start and _slip_of_common_name(lw))):
                ok = True
            if ok:
                out.append(Detection(t.start, t.start + len(core), "PERSON", "given_name"))
                found.add(k)
        if found:
            out += self._listed_with(ctx, toks, found)
        for m in _TITLE_INITIAL_RX.finditer(text):
            out.append(Detection(m.start(1), m.end(1), "PERSON", "given_name"))
        return out

    def _listed_with(self, ctx: Context, toks: list[Tok], found: set[int]) -> list[Detection]:
        """Capitalised words in a list with a name found: "Jog, Suzanne & Lea"."""
        text, vocab = ctx.text, ctx.vocab
        out: list[Detection] = []
        grew = True
        while grew:
            grew = False
            for k in sorted(found):
                for step in (-1, 1):
                    j = k + step
                    if 0 <= j < len(toks) and toks[j].text.lower() in ("and", "&", "or"):
                        j += step  # "Becky and Dot": the glue word is a token of its own
                    if j < 0 or j >= len(toks) or j in found:
                        continue
                    a, b = (toks[j], toks[k]) if j < k else (toks[k], toks[j])
                    if not _LIST_GLUE_RX.match(text[a.end:b.start]):
                        continue
                    core = strip_possessive(toks[j].text)
                    lw = _lookup_form(core)
                    if (len(core) < 2 or not core[0].isupper() or core.isupper() or lw in FAMILY or lw in STOP
                            or lw in FUNCTION_WORDS or vocab.generic(core)
                            or (is_english(lw) and not given_names_freq().get(lw))):
                        continue  # "Morning, Hannah", "It's Manchester, Tom": a word or a place, not a name
                    nxt = toks[j + 1].text.lower() if j + 1 < len(toks) else ""
                    if nxt in PLACE_AFTER:
                        continue
                    out.append(Detection(toks[j].start, toks[j].start + len(core), "PERSON", "given_name"))
                    found.add(j)
                    grew = True
        return out

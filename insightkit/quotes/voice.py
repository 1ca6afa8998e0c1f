"""A person's own words or report-like prose? :func:`spoken_voice` scores a passage in [0, 1].

An insight call mixes what a person says in their own words ("we went live in March and honestly
the first fortnight was rough") with prose read out or pasted in: a strategy, a board paper, an
email ("The Trust will deliver a digitally enabled workforce, ensuring that ..."). A report built on
calls should quote the first. The score is a small, documented heuristic, not a model:

* **spoken evidence**: first person (I, me, my, we, us, our), more so the singular; contractions
  (we've, it's, don't); discourse markers and hedges (honestly, I mean, sort of, you know, I think,
  to be honest, a bit, actually); a sentence that starts with And, But or So; a generic "you"
  ("you can't get a signal"); a rhetorical question;
* **report evidence**: the organisation as subject ("The Trust will", "the organisation has");
  "will" with a verb of delivery ("we will ensure", "will deliver"); officialese (ensure, enable,
  robust, strategic, stakeholders, leverage, key priorities, in line with); nominal style (many
  long -tion/-ment/-ity words); passives ("has been implemented"); list punctuation (semicolons,
  bullets, numbered items); Title Case phrases ("Digital Maturity Assessment"); a written unit
  such as "%" or "e.g.".

``spoken_voice = 1 / (1 + exp(-z))`` with ``z = BIAS + spoken evidence - report evidence``, each
part capped so no single habit decides. Measured on invented call passages in
``benchmarks/voice.py`` (results in ``benchmarks/results/voice.md``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from insightkit.sentences import sentence_spans

__all__ = ["spoken_voice", "voice_parts", "VoiceParts"]

_WORD_RX = re.compile(r"[A-Za-z][A-Za-z'’\-]*|\d[\d,.]*")
_I_RX = re.compile(r"\b(?:I|I['’](?:m|ve|d|ll)|me|my|myself)\b")
_WE_RX = re.compile(r"\b(?:we|we['’](?:ve|re|d|ll)|us|our|ours|ourselves)\b", re.I)
_CONTRACTION_RX = re.compile(r"\b[A-Za-z]+['’](?:s|re|ve|d|ll|m|t)\b|\b[A-Za-z]+n['’]t\b", re.I)
_MARKER_RX = re.compile(
    r"\b(?:honestly|frankly|to be honest|to be fair|if I'?m honest|I mean|you know|sort of|kind of|a bit|a lot|"
    r"actually|basically|literally|obviously|really|pretty much|I think|I'd say|I suppose|I guess|I reckon|"
    r"I remember|I'm not sure|let's say|the thing is|at the end of the day|to be blunt|stuff|loads|"
    r"things like that|that kind of thing|and so on|or whatever|anyway|okay|ok|yeah|yes|no,|well,|right,|"
    r"gosh|blimey|mind you|you see|funnily enough|touch wood|in fairness|bless|massive|brilliant|rubbish|"
    r"got|gotten|getting there|nightmare)\b",
    re.I,
)
_SPOKEN_START_RX = re.compile(r"(?:And|But|So|Because|Which|Well|Yeah|Now)\b")
_YOU_RX = re.compile(r"\byou(?:['’](?:ve|re|d|ll))?\b(?!\s+(?:will|should|must|can find|may)\b)", re.I)
_ORG_SUBJECT_RX = re.compile(
    r"\b(?:the|this|our)\s+(?:trust|organisation|organization|board|programme|strategy|plan|ics|icb|system|"
    r"partnership|directorate|team|service)(?:['’]s)?\s+(?:will|has|have|is|are|shall|aims|seeks|intends|"
    r"continues|remains|recognises|recognizes|proposes|commits|sets out|must|should)\b",
    re.I,
)
_TRUST_RX = re.compile(r"\b(?:[Tt]he|[Oo]ur|[Tt]his|each|every)\s+Trust\b")
_UNCONTRACTED_RX = re.compile(r"\b(?:I am|I have|I would|we are|we have|it is|there is|do not|does not|did not|"
                              r"cannot|will not|would not|is not|are not|has not|have not)\b")
_WILL_DELIVER_RX = re.compile(
    r"\b(?:will|shall|must|is to|are to)\s+(?:be\s+)?(?:continue to\s+)?(?:ensure|enable|deliver|support|develop|"
    r"implement|establish|provide|embed|drive|strengthen|maximise|maximize|optimise|optimize|improve|promote|"
    r"achieve|work towards|focus|prioritise|prioritize|transform|leverage|build|invest|undertake|monitor|review|"
    r"ensured|delivered|enabled|implemented|established|embedded)\b",
    re.I,
)
_OFFICIAL_RX = re.compile(
    r"\b(?:ensure|ensuring|enable|enabling|enabler|deliver|delivery|delivering|leverage|leveraging|robust|"
    r"strategic|strategically|stakeholders?|objectives?|priorities|framework|governance|alignment|aligned|"
    r"in line with|in accordance with|with regard to|in order to|furthermore|moreover|additionally|therefore|"
    r"consequently|respectively|key|outcomes|capabilit(?:y|ies)|innovative|innovation|seamless|holistic|"
    r"sustainable|initiatives?|commitment|ambitions?|vision|pillars?|workstreams?|roadmap|maturity|excellence|"
    r"continuous improvement|digitally enabled|digitally-enabled|patient-centred|world-class|best-in-class|"
    r"transformation(?:al)?|optimisation|utilisation|interoperability|integration|infrastructure|"
    r"organisational|operational|benefits realisation|value for money|fit for purpose|"
    r"across the organisation|at pace|at scale|going forward|programme|deliverables?|milestones?|"
    r"assurance|compliance|mandated?|in scope|overarching|underpinning|underpinned|facilitate|facilitating|"
    r"comprehensive|effective|efficiently|effectively|significant(?:ly)?|appropriate(?:ly)?|"
    r"respective|subsequently|thereby|whilst|which will|as outlined|as set out|set out in|"
    r"summary|recommendations?|noted|approved|agreed that|resolved)\b",
    re.I,
)
_NOMINAL_RX = re.compile(r"\b[A-Za-z]{4,}(?:tion|tions|sion|sions|ment|ments|ity|ities|ance|ances|ence|ences|ness|"
                         r"isation|isations|ization|izations)\b", re.I)
_PASSIVE_RX = re.compile(r"\b(?:is|are|was|were|been|being|be)\s+(?:\w+ly\s+)?(?:[a-z]+ed|built|made|done|"
                         r"given|taken|seen|known|shown|undertaken|overseen|driven|led|held|set)\b", re.I)
_LIST_RX = re.compile(r";|•|·|▪|(?:^|\s)[-–]\s(?=[A-Z])|(?:^|\s)\(?(?:[a-h]|[ivx]{1,4}|\d{1,2})[.)]\s(?=[A-Z])")
_TITLE_RX = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:and|of|for|the|&)?\s*[A-Z][a-z]+){2,}\b")
_WRITTEN_RX = re.compile(r"%|\be\.g\.|\bi\.e\.|\betc\.|\bvs\.?\b|\bp\.a\.|\bw/c\b|\([A-Z]{2,6}\)|\b\d{1,2}/\d{1,2}/\d{2,4}\b|"
                         r"\bQ[1-4]\b|\b20\d\d/\d\d\b|&")

#: z before any evidence: a passage with none is a little more likely prose than speech.
BIAS = -0.6


@dataclass(frozen=True)
class VoiceParts:
    """The evidence behind :func:`spoken_voice` (each part already capped and weighted)."""

    first_person: float
    spoken: float
    report: float

    @property
    def z(self) -> float:
        return BIAS + self.first_person + self.spoken - self.report

    @property
    def score(self) -> float:
        return 1.0 / (1.0 + math.exp(-self.z))


def _rate(n: int, words: int, per: float) -> float:
    """``n`` hits as a rate per ``per`` words."""
    return per * n / max(words, 1)


def voice_parts(text: str) -> VoiceParts:
    """The capped, weighted evidence of speech and of report prose in ``text``."""
    text = str(text or "")
    words = max(len(_WORD_RX.findall(text)), 1)
    singular = len(_I_RX.findall(text))
    plural = len(_WE_RX.findall(text))
    first = min(_rate(singular, words, 100) * 0.45, 2.2) + min(_rate(plural, words, 100) * 0.22, 1.4)
    if singular == 0 and plural == 0:
        first = -0.4  # no first person at all: speech usually has some
    lengths = [len(w) for w in _WORD_RX.findall(text) if not w[0].isdigit()]
    mean_word = sum(lengths) / max(len(lengths), 1)
    plain = max(min((4.9 - mean_word) * 1.6, 1.4), -1.6)  # short everyday words against long Latinate ones
    sents = sentence_spans(text)  # the one sentence splitter
    spoken_starts = sum(1 for a, _ in sents if _SPOKEN_START_RX.match(text, a))
    spoken = (plain + min(_rate(len(_CONTRACTION_RX.findall(text)), words, 100) * 0.35, 1.6)
              + min(len(_MARKER_RX.findall(text)) * 0.45, 1.8)
              + min(spoken_starts * 0.4, 0.8)
              + min(len(_YOU_RX.findall(text)) * 0.3, 0.6)
              + (0.3 if "?" in text else 0.0))
    mean_len = words / max(len(sents), 1)
    nominal = _rate(len(_NOMINAL_RX.findall(text)), words, 100)
    report = (min(len(_ORG_SUBJECT_RX.findall(text)) * 0.9 + len(_TRUST_RX.findall(text)) * 0.6, 2.0)
              + min(len(_WILL_DELIVER_RX.findall(text)) * 0.8, 1.8)
              + min(_rate(len(_OFFICIAL_RX.findall(text)), words, 100) * 0.3, 2.0)
              + min(max(nominal - 4.0, 0.0) * 0.15, 1.2)
              + min(len(_PASSIVE_RX.findall(text)) * 0.35, 1.0)
              + min(len(_LIST_RX.findall(text)) * 0.5, 1.2)
              + min(len(_TITLE_RX.findall(text)) * 0.5, 1.0)
              + min(len(_WRITTEN_RX.findall(text)) * 0.3, 0.6)
              + min(len(_UNCONTRACTED_RX.findall(text)) * 0.35, 0.7)
              + (0.4 if mean_len > 28 and "," not in text else 0.0))
    return VoiceParts(first_person=first, spoken=spoken, report=report)


def spoken_voice(text: str) -> float:
    """How much ``text`` reads as a person's own spoken words (1) rather than report prose (0).

    >>> spoken_voice("Honestly, we weren't ready. I remember the first night, we'd two wards on paper.") > 0.8
    True
    >>> spoken_voice("The Trust will ensure that robust governance arrangements are in place to deliver "
    ...              "the strategic objectives of the Digital Transformation Programme.") < 0.2
    True
    """
    return voice_parts(text).score

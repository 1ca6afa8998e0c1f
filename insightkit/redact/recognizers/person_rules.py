"""``PERSON`` from a small rule layer: a title before a name, a cue before one, a role around one.

"Dr Emeka Obi", "spoke to Priyanka", "my manager Steve", "our CISO Grant Holloway", "Danielle from
the digital team", "Marcus, our head of cyber", and a lower-case common given name right after
such a cue ("my manager steve"). Every span goes through :func:`~insightkit.redact.recognizers.people.person_core`.
"""

from __future__ import annotations

import re

from insightkit.sentences import starts_sentence
from insightkit.redact.allowlist import given_names
from insightkit.redact.recognizers.base import Context, Recognizer
from insightkit.redact.recognizers.people import person_core
from insightkit.redact.types import Detection
from insightkit.redact.words import NAME as _NAME

__all__ = ["PersonRulesRecognizer"]


class PersonRulesRecognizer(Recognizer):
    type = "PERSON"

    def find(self, ctx: Context) -> list[Detection]:
        return self._rule_people(ctx) + self._lower_given_after_cue(ctx)

    # the titles written before a name in text (not Lord/Lady: "Lady Margaret Hall", "Lord's")
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

    def _rule_people(self, ctx: Context) -> list[Detection]:
        text, ents, vocab = ctx.text, ctx.ents, ctx.vocab
        out = []
        for m in self._ROLE_BEFORE_RX.finditer(text):
            s, e = m.span(2)
            if " " not in m.group(2).strip():
                if not m.group(1):
                    continue  # "our lead Will": one word needs the comma of an apposition
                if any(a <= s < b and lab in ("GPE", "LOC", "FAC", "ORG") for a, b, lab in ents):
                    continue  # "as our director, Leeds was ...": a place, not a name
            span = person_core(vocab, text, s, e)
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
                        if starts_sentence(text, s):
                            continue
                        after = text[e : e + 12]
                        if rx is self._APPOS_RX and not (
                            re.search(r"[,:;]\s*$", before) or re.match(r",[ \t]+(?:she|he)\b", after)
                        ):
                            continue
                    span = person_core(vocab, text, s, e)
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
            if m.group(1).lower() not in vocab.allow.words:
                out.append(Detection(m.start(1), m.end(1), "PERSON", "rule_cue"))
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

    def _lower_given_after_cue(self, ctx: Context) -> list[Detection]:
        text = ctx.text
        names = given_names()
        out = []
        for m in self._LOWER_CUE_RX.finditer(text):
            first = m.group(1)
            if first not in names or first in ctx.vocab.allow.words:
                continue
            s, e = m.span(1)
            out.append(Detection(s, e, "PERSON", "rule_cue_lower"))
        return out

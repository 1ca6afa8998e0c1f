"""The default recognizers, in the order they run (the order of equal spans in the log)."""

from __future__ import annotations

from typing import Iterable

from insightkit.redact.recognizers.base import Recognizer
from insightkit.redact.recognizers.email import EmailRecognizer
from insightkit.redact.recognizers.given_names import GivenNameRecognizer
from insightkit.redact.recognizers.nhs_number import NhsNumberRecognizer
from insightkit.redact.recognizers.organisations import (NerOrgRecognizer, OrgGazetteerRecognizer,
                                                         OrgPatternRecognizer, OrgTermsRecognizer)
from insightkit.redact.recognizers.people import EmailOwnerRecognizer, KnownNamesRecognizer, NerPeopleRecognizer
from insightkit.redact.recognizers.person_rules import PersonRulesRecognizer
from insightkit.redact.recognizers.phone import PhoneRecognizer
from insightkit.redact.recognizers.postcode import PostcodeRecognizer
from insightkit.redact.recognizers.systems import SystemRecognizer
from insightkit.redact.recognizers.url import UrlRecognizer

__all__ = ["default_recognizers"]


def default_recognizers(org_terms: Iterable[str] = (), org_gazetteer: bool = True) -> list[Recognizer]:
    """One of each recognizer: ``org_terms`` are organisation names to find in every text;
    ``org_gazetteer``: also the bundled short hospital names."""
    return [
        EmailRecognizer(),
        UrlRecognizer(),
        NhsNumberRecognizer(),
        PhoneRecognizer(),
        PostcodeRecognizer(),
        OrgTermsRecognizer(tuple(org_terms)),
        *([OrgGazetteerRecognizer()] if org_gazetteer else []),
        SystemRecognizer(),
        OrgPatternRecognizer(),
        NerOrgRecognizer(),
        KnownNamesRecognizer(),
        NerPeopleRecognizer(),
        PersonRulesRecognizer(),
        GivenNameRecognizer(),
        EmailOwnerRecognizer(),
    ]

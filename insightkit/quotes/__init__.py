"""Representative, attributed quotes with an audit trail a reviewer can follow and override.

Candidates are windows of one to three consecutive sentences within one participant's turn (or a
whole short survey answer). Each filter that drops a candidate records why. For each theme the
candidates are scored on three documented parts and chosen by maximal marginal relevance with
rules for spreading voices across people, the values of the ``spread_by`` columns (by default
trust types and regions) and sub-topics. Every chosen quote carries its exact source span and the
edits that turn that span into the shown text, so :func:`verify_quotes` can prove it verbatim
against the source file. A quotes table is made to be shared, so it names its file only by the
shown name (``source_display``: names in the file name redacted); the real file is reached through
``doc_id`` and the segment table (``docs/quotes.md``).

The steps, one module each: :mod:`~insightkit.quotes.candidates` (windows and filters),
:mod:`~insightkit.quotes.scoring` (theme score, representativeness, specificity, voice),
:mod:`~insightkit.quotes.selection` (:func:`select_quotes`), :mod:`~insightkit.quotes.decisions`
(reviewer decisions), :mod:`~insightkit.quotes.verify` (:func:`verify_quotes`) and
:mod:`~insightkit.quotes.audit` (:func:`write_audit_html`); settings in
:mod:`~insightkit.quotes.config`.

Combined score (documented in ``docs/quotes.md``)::

    score = 0.4 * theme_score + 0.2 * representativeness + 0.15 * specificity + 0.25 * voice

``voice`` (:mod:`~insightkit.quotes.voice`) prefers a person's own spoken words to prose read out or
pasted into a call. Each theme's quotes are balanced between the calls and the survey
(:mod:`~insightkit.quotes.balance`); a quote from a group whose count the report suppresses shows
no group (:mod:`~insightkit.quotes.suppression`); false starts are dropped from the shown quote
(:mod:`~insightkit.quotes.restarts`); what a reviewer's decision caused beyond its own quote is
said (:mod:`~insightkit.quotes.effects`); a source file is found again from what the segment table
records (:mod:`~insightkit.quotes.sources`).
"""

from insightkit.quotes.audit import write_audit_html
from insightkit.quotes.candidates import build_candidates, check_tagged_table
from insightkit.quotes.config import DECISION_COLUMNS, QuoteConfig, QuoteSelection
from insightkit.quotes.decisions import QuoteDecisionWarning, load_decisions
from insightkit.quotes.scoring import specificity
from insightkit.quotes.selection import select_quotes
from insightkit.quotes.verify import QuoteVerificationError, verify_quotes
from insightkit.quotes.voice import spoken_voice

__all__ = [
    "QuoteConfig",
    "QuoteSelection",
    "QuoteVerificationError",
    "QuoteDecisionWarning",
    "build_candidates",
    "check_tagged_table",
    "select_quotes",
    "verify_quotes",
    "load_decisions",
    "DECISION_COLUMNS",
    "write_audit_html",
    "specificity",
    "spoken_voice",
]

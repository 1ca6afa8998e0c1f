"""A person's own words in quotes: the voice score, false starts dropped, the calls heard beside a survey."""

import json

import pytest

from insightkit.alignment import AlignedText, apply_edits, edits_from_json
from insightkit.quotes import QuoteConfig, select_quotes, spoken_voice, verify_quotes
from insightkit.quotes.restarts import collapse_false_starts
from insightkit.quotes.rows import article
from quote_helpers import HashEmbedder, segments

# --- the voice score ------------------------------------------------------------------------------

#: (spoken, read out or pasted in) on the same subject, written for these tests
PAIRS = [
    ("Honestly, we weren't ready. I remember the first night on the new system, we'd two wards still on paper "
     "and the pharmacy couldn't see a thing.",
     "The Trust will ensure that all inpatient areas transition to the electronic patient record in line with "
     "the agreed deployment schedule."),
    ("I think the board gets it now. Two years ago it was a slide and a nod, now they're asking me what the "
     "nurses actually think of it.",
     "The Board received assurance regarding the governance arrangements for the digital programme and noted "
     "the strategic risks identified."),
    ("So we patched everything we could find, and there's still a lab server nobody dares switch off, it's "
     "been there since about 2009.",
     "Key priorities include: network segmentation; multi-factor authentication; and the decommissioning of "
     "unsupported legacy infrastructure."),
    ("You can't recruit a decent analyst on a band six, you just can't, they go to the council or the bank "
     "down the road.",
     "Workforce development remains a significant challenge, with recruitment and retention of specialist "
     "digital staff identified as a strategic risk."),
]


@pytest.mark.parametrize("spoken, prose", PAIRS)
def test_spoken_words_score_above_report_prose(spoken, prose):
    assert spoken_voice(spoken) > 0.6 > 0.4 > spoken_voice(prose)


def test_voice_is_a_probability_even_for_odd_text():
    for text in ("", "   ", "EPR.", "1 2 3 4 5", "; ; ;", "I I I I I we we we", "x" * 5000):
        assert 0.0 <= spoken_voice(text) <= 1.0


def test_first_person_and_speech_markers_each_raise_the_score():
    base = "The new record went live on the wards in March and the observations are electronic now."
    assert spoken_voice("We " + base[4:]) > spoken_voice(base)  # first person
    assert spoken_voice("Honestly, " + base[0].lower() + base[1:]) > spoken_voice(base)  # a discourse marker
    assert spoken_voice(base.replace("went live", "was implemented")) < spoken_voice(base)  # a passive


# --- false starts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("said, shown", [
    ("It is not a, not a strategy.", "It is not a strategy."),
    ("We've we calculated it twice.", "We calculated it twice."),
    ("We were, we were not good on several domains.", "We were not good on several domains."),
    ("It's a, it's a platform, not a project.", "It's a platform, not a project."),
    ("The imp- implementation went fine.", "The implementation went fine."),
    ("A patient had been had been advised to stop.", "A patient had been advised to stop."),
    # said twice on purpose: kept
    ("It was very, very direct.", "It was very, very direct."),
    ("Some had had the procedure privately.", "Some had had the procedure privately."),
    ("It was a long, long way to go.", "It was a long, long way to go."),
    ("Very good. Very good.", "Very good. Very good."),
    ("We did pre- and post-operative checks.", "We did pre- and post-operative checks."),
])
def test_false_starts_are_dropped_as_recorded_deletions(said, shown):
    at, dropped = collapse_false_starts(AlignedText.from_source(said))
    assert at.text == shown
    assert bool(dropped) == (said != shown)
    # the shown text still replays exactly from the source span, by deletions only
    assert apply_edits(said, at.src_start, at.src_end, at.edits()) == shown
    assert all(new == "" for _, _, new in at.edits())


def test_a_quote_without_its_false_start_still_verifies_and_a_changed_one_does_not():
    text = ("We were, we were not good on several of the domains, and I think the board was shocked when they "
            "saw it written down.")
    source, segs = segments([{"speaker": "P01", "text": text}])
    q = select_quotes(segs, themes=["epr"], n=1, embedder=HashEmbedder()).quotes
    assert q.quote.iloc[0].startswith("We were not good") and q.false_starts.iloc[0] == ", we were"
    assert q.quote.iloc[0] not in segs.text.iloc[0]  # the shown quote is not a substring any more...
    assert verify_quotes(q, {"mix-x": source}, segments=segs).verified.all()  # ...but is proved
    # dropping any other words is not a false start: refused, even with edits that replay
    bad = q.copy()
    bad.loc[0, "quote"] = bad.quote.iloc[0].replace("not good", "good")
    k = source.index("not good")
    edits = sorted(edits_from_json(bad.edits.iloc[0]) + [(k, k + 4, "")])
    bad.loc[0, "edits"] = json.dumps(edits)
    assert apply_edits(source, int(bad.start.iloc[0]), int(bad.end.iloc[0]), edits) == bad.quote.iloc[0]
    from insightkit.quotes import QuoteVerificationError

    with pytest.raises(QuoteVerificationError, match="not found in its segment's text"):
        verify_quotes(bad, {"mix-x": source}, segments=segs)
    # and the setting keeps them when asked
    kept = select_quotes(segs, themes=["epr"], n=1, embedder=HashEmbedder(),
                         config=QuoteConfig(collapse_false_starts=False)).quotes
    assert kept.quote.iloc[0].startswith("We were, we were not good") and kept.false_starts.iloc[0] == ""


def test_reason_says_an_before_a_vowel():
    assert [article(w) for w in ("Acute specialist", "Ambulance", "Community", "Mental health", "NHS", "University",
                                 "Integrated")] == ["an", "an", "a", "a", "an", "a", "an"]
    _, segs = segments([
        {"speaker": "P01", "text": "The electronic record went live on every ward in March and the nurses came round.",
         "trust_type": "Community", "region": "London"},
        {"speaker": "P02", "text": "Our pharmacists moved prescribing onto the record and errors in the drug charts fell.",
         "trust_type": "Acute specialist", "region": "North West", "score_epr": 0.7},
    ])
    q = select_quotes(segs, themes=["epr"], n=2, embedder=HashEmbedder(), config=QuoteConfig(min_count=1)).quotes
    reasons = " ".join(q.reason)
    assert "adds an Acute specialist trust voice" in reasons or "adds a Community trust voice" in reasons
    assert "adds a Acute" not in reasons


# --- balance between the calls and the survey -----------------------------------------------------

SURVEY = [  # written answers that score higher than anything said in the calls
    "We went live with the new record in outpatients in May and clinic letters now go out the same day.",
    "Our nurses use the record on tablets at the bedside and the observations are finally electronic.",
    "We moved prescribing onto the record last spring and the pharmacists see every chart in real time.",
    "We replaced the paper drug charts on every adult ward and missed doses are now easy to spot.",
    "Our community teams carry the record on phones and no longer copy visit notes from paper at night.",
    "We finished the record roll-out in theatres and the coordinators book sessions from one screen now.",
]
CALLS = [
    "The electronic patient record programme is progressing in line with the agreed deployment schedule.",
    "Deployment of the electronic record to the remaining community services will be completed next year.",
    "Electronic prescribing has been implemented across the acute wards in accordance with the plan.",
]


def _mixed():
    turns = [{"speaker": f"R{i}", "kind": "survey", "role": "respondent", "text": t, "score_epr": 0.99}
             for i, t in enumerate(SURVEY)]
    turns += [{"speaker": f"P{i}", "text": t, "score_epr": 0.55} for i, t in enumerate(CALLS)]
    return segments(turns)


def test_the_calls_get_at_least_half_the_quotes_by_default():
    _, segs = _mixed()
    off = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder(), config=QuoteConfig(balance={})).quotes
    assert list(off.kind) == ["survey"] * 3  # the case exists: on scores alone the survey takes every place
    q = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder()).quotes
    assert sorted(q.kind) == ["survey", "transcript", "transcript"]
    assert q.reason.str.contains("gives the calls at least 2 of 3 quotes").any()
    # a share of people: 3 of 9 people are in the calls, so 1 of 3 quotes
    people = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder(),
                           config=QuoteConfig(balance={"transcript": "people"})).quotes
    assert sorted(people.kind) == ["survey", "survey", "transcript"]


def test_balance_only_applies_where_a_theme_has_both_kinds():
    _, segs = _mixed()
    survey_only = segs[segs.kind == "survey"]
    q = select_quotes(survey_only, themes=["epr"], n=3, embedder=HashEmbedder()).quotes
    assert len(q) == 3 and set(q.kind) == {"survey"}


def test_balance_must_be_shares():
    from insightkit.errors import ParameterError

    _, segs = _mixed()
    for bad in ({"transcript": 1.5}, {"transcript": "most"}, ["transcript"], {"": 0.5}):
        with pytest.raises(ParameterError):
            select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder(), config=QuoteConfig(balance=bad))


def test_cli_balance(tmp_path, monkeypatch):
    from insightkit.cli import main
    from insightkit.export import read_table

    source, segs = _mixed()
    (tmp_path / "mix-x.txt").write_text(source, encoding="utf-8")
    segs.to_csv(tmp_path / "tagged.csv", index=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("insightkit.embed.get_embedder", lambda *a, **k: HashEmbedder())
    assert main(["quotes", "tagged.csv", "--no-rescore", "--out", "q.csv"]) == 0
    assert sorted(read_table(tmp_path / "q.csv").kind) == ["survey", "transcript", "transcript"]
    assert main(["quotes", "tagged.csv", "--no-rescore", "--out", "off.csv", "--balance", "off"]) == 0
    assert list(read_table(tmp_path / "off.csv").kind) == ["survey"] * 3
    assert main(["quotes", "tagged.csv", "--no-rescore", "--out", "all.csv", "--balance", "transcript=1"]) == 0
    assert list(read_table(tmp_path / "all.csv").kind) == ["transcript"] * 3

"""Quotes a reviewer can trust: no attribution that undoes suppression, decisions that say what they
caused, and sources found again from wherever the tables went."""

import json
import re

import pandas as pd
import pytest

from insightkit.quotes import QuoteConfig, QuoteVerificationError, select_quotes, verify_quotes, write_audit_html
from quote_helpers import HashEmbedder, segments

# --- small-number suppression applies to attributions ------------------------------------------

EPR_TEXTS = [
    "The electronic record went live on every ward in March and the nurses were trained well before it.",
    "Our pharmacy team moved prescribing onto the new system and errors in the drug charts fell sharply.",
    "Theatres now book sessions through the record, which saves the coordinators hours every single week.",
    "Community nurses carry tablets with the shared record so visits no longer start with paper notes.",
    "In outpatients the record replaced three separate databases and clinic letters go out the same day.",
    "We moved the maternity unit onto the record last autumn and the midwives now chart at the bedside.",
    "The emergency department sees results on the record within minutes instead of ringing the lab.",
    "Our mental health wards use the record for observations and the handovers are much quicker now.",
]


def _groups(n_acute=6, n_ambulance=2, ambulance_score=0.99, acute_raised=6):
    """Respondents of two trust types: ``n_acute`` acute (``acute_raised`` of them tagged epr) and
    ``n_ambulance`` ambulance ones whose answers score highest."""
    turns = []
    for i in range(n_acute):
        turns.append({"speaker": f"A{i}", "kind": "survey", "role": "respondent", "trust_type": "Acute",
                      "region": "London", "text": EPR_TEXTS[i % len(EPR_TEXTS)],
                      "score_epr": 0.9 if i < acute_raised else 0.1})
    for i in range(n_ambulance):
        turns.append({"speaker": f"B{i}", "kind": "survey", "role": "respondent", "trust_type": "Ambulance",
                      "region": "London", "text": EPR_TEXTS[(n_acute + i) % len(EPR_TEXTS)],
                      "score_epr": ambulance_score})
    return segments(turns)


def test_a_quote_from_a_group_too_small_to_count_carries_no_attribution(tmp_path):
    _, segs = _groups()
    shown = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder(), config=QuoteConfig(min_count=1)).quotes
    assert "Ambulance" in set(shown.trust_type)  # the case exists: without the rule an ambulance voice is quoted
    sel = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder())
    q = sel.quotes
    amb = q[q.participant_id.str.contains("/B")]
    assert len(amb) >= 1
    assert set(amb.attribution) == {"Survey respondent"} and set(amb.trust_type) == {""} and set(amb.region) == {""}
    assert amb.attribution_withheld.str.contains("fewer than 5 people").all()
    # nothing shown or exported names the small group: not the row, the reason, the alternatives
    for col in ("attribution", "trust_type", "region", "reason", "alternatives"):
        assert not q[col].astype(str).str.contains("Ambulance").any(), col
    for alts in q.alternatives:
        for a in json.loads(alts):
            assert "Ambulance" not in a["attribution"]
    page = write_audit_html(sel, segs, tmp_path / "audit.html").read_text(encoding="utf-8")
    assert "Ambulance" not in page and "Attribution withheld" in page
    # the acute group is large enough and raised the theme often enough: attributed
    acute = q[q.participant_id.str.contains("/A")]
    assert len(acute) and set(acute.attribution) == {"Acute trust, London"}


def test_a_group_where_few_raised_the_theme_carries_no_attribution():
    # 6 acute respondents, only 2 of them tagged: the acute cell is 2 of 6, suppressed
    _, segs = _groups(n_ambulance=0, acute_raised=2)
    q = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder()).quotes
    assert len(q) >= 1 and set(q.attribution) == {"Survey respondent"}
    # with a threshold of 2 the cell (2 of 6) is shown, and so is the attribution
    q2 = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder(), config=QuoteConfig(min_count=2)).quotes
    assert set(q2.attribution) == {"Acute trust, London"}


def test_suppressed_groups_can_be_left_out_instead():
    _, segs = _groups()
    sel = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder(), config=QuoteConfig(suppressed="omit"))
    assert not sel.quotes.participant_id.str.contains("/B").any()
    gone = sel.rejected[sel.rejected.reason == "suppressed_group"]
    assert len(gone) and not gone.detail.str.contains("Ambulance").any()
    from insightkit.errors import ParameterError

    with pytest.raises(ParameterError):
        select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder(), config=QuoteConfig(suppressed="hide"))


# --- what a decision caused is said ---------------------------------------------------------------

def _effect_turns():
    """P01 has two strong passages; P02 one; P03 a weaker one."""
    return segments([
        {"speaker": "P01", "text": "We went live with the record on every ward in March, and the first fortnight was rough for "
                                   "the nurses on nights.", "score_epr": 0.95},
        {"speaker": "P01", "text": "Our pharmacists moved prescribing onto the record later that spring and the drug "
                                   "chart errors fell by about a third.", "score_epr": 0.9, "person": "mix-x/P01"},
        {"speaker": "P02", "text": "Community nurses carry tablets with the shared record now, so visits no longer "
                                   "start with paper notes in the car.", "score_epr": 0.85},
        {"speaker": "P03", "text": "Theatres book their sessions through the record these days, which saves the "
                                   "coordinators a few hours every week.", "score_epr": 0.6},
    ])


def _decision(theme, quote_id, decision="reject", replacement_id="", reviewer="A. Reviewer"):
    return {"theme": theme, "quote_id": quote_id, "decision": decision, "replacement_id": replacement_id,
            "reviewer": reviewer, "date": "2026-12-01", "note": "checked"}


def test_a_replacement_by_someone_already_quoted_says_it_drops_their_other_quote(tmp_path):
    _, segs = _effect_turns()
    first = select_quotes(segs, themes=["epr"], n=2, embedder=HashEmbedder()).quotes
    assert list(first.participant_id) == ["mix-x/P01", "mix-x/P02"]
    p01_quote = first.quote_id.iloc[0]
    alts = json.loads(first.alternatives.iloc[1])  # P02's alternatives: P01's other passage is among them
    same = [a for a in alts if a.get("also_drops") == p01_quote]
    assert same, alts  # the alternative says up front that choosing it drops P01's quote
    dec = pd.DataFrame([_decision("epr", first.quote_id.iloc[1], "replace", same[0]["quote_id"])])
    sel = select_quotes(segs, themes=["epr"], n=2, embedder=HashEmbedder(), decisions=dec)
    q = sel.quotes
    assert same[0]["quote_id"] in set(q.quote_id) and p01_quote not in set(q.quote_id)
    eff = sel.effects
    dropped = eff[(eff.effect == "dropped") & (eff.quote_id == p01_quote)]
    assert len(dropped) == 1 and "same person" in dropped.detail.iloc[0] and "A. Reviewer" in dropped.caused_by.iloc[0]
    kept = q.set_index("quote_id").loc[same[0]["quote_id"]]
    assert p01_quote in kept.decision_effect and "also dropped" in kept.decision_effect
    added = q[~q.quote_id.isin([same[0]["quote_id"]])]
    assert added.decision_effect.str.contains("in place of").all()
    assert p01_quote in sel.decisions.effect.iloc[0]
    assert any(p01_quote in m and "same person" in m for m in sel.messages)
    page = write_audit_html(sel, segs, tmp_path / "audit.html").read_text(encoding="utf-8")
    assert "What the decisions changed" in page and "No longer chosen" in page and "same person as the replacement" in page
    # without decisions nothing is reported
    assert select_quotes(segs, themes=["epr"], n=2, embedder=HashEmbedder()).effects.empty


def _two_theme_turn():
    long_turn = ("We replaced the old patient administration system in March. It had run for twenty years on a "
                 "server under a desk. The nurses learnt the new record in a fortnight once the ward sisters "
                 "backed it.")
    return segments([
        {"speaker": "P01", "text": long_turn, "score_epr": 0.97, "score_skills": 0.8},
        {"speaker": "P02", "text": "Community nurses carry tablets with the shared record now, so visits no longer "
                                   "start with paper notes in the car.", "score_epr": 0.7, "score_skills": 0.1},
        {"speaker": "P03", "text": "We ran digital confidence sessions for every band two and three member of staff "
                                   "and the champions keep them going.", "score_epr": 0.1, "score_skills": 0.9},
    ], themes=("epr", "skills"))


def test_a_rejected_passage_does_not_come_back_inside_a_longer_one_under_another_theme():
    _, segs = _two_theme_turn()
    first = select_quotes(segs, themes=["epr", "skills"], n=2, embedder=HashEmbedder())
    p01 = segs.segment_id.iloc[0]
    epr_p01 = first.quotes[(first.quotes.theme == "epr") & (first.quotes.segment_id == p01)]
    assert len(epr_p01) == 1  # epr quotes a window of P01's turn
    # the reviewer rejects, under skills, a shorter window inside it (the middle sentence)
    text = segs.text.iloc[0]
    a = text.index("It had run")
    b = text.index("desk.") + len("desk.")
    fragment = f"{p01}@{a}-{b}"
    sel = select_quotes(segs, themes=["epr", "skills"], n=2, embedder=HashEmbedder(),
                        decisions=pd.DataFrame([_decision("skills", fragment)]))
    for _, r in sel.quotes.iterrows():
        if r.segment_id == p01:
            s, e = (int(x) for x in r.quote_id.rpartition("@")[2].split("-"))
            assert not (s < b and a < e), (r.theme, r.quote_id)
    out = sel.rejected[(sel.rejected.reason == "rejected_by_reviewer") & sel.rejected.detail.str.startswith("theme epr")]
    assert len(out) and out.detail.str.contains("under theme skills").all()
    eff = sel.effects
    gone = eff[(eff.theme == "epr") & (eff.effect == "dropped")]
    assert epr_p01.quote_id.iloc[0] in set(gone.quote_id)
    assert gone.caused_by.str.contains("theme skills").any() and gone.detail.str.contains("every theme").any()
    # a reviewer who wants it under epr accepts it there: the acceptance wins
    keep = pd.DataFrame([_decision("skills", fragment), _decision("epr", epr_p01.quote_id.iloc[0], "accept")])
    again = select_quotes(segs, themes=["epr", "skills"], n=2, embedder=HashEmbedder(), decisions=keep)
    assert epr_p01.quote_id.iloc[0] in set(again.quotes.quote_id)


# --- sources found again ---------------------------------------------------------------------------

TRANSCRIPT = """P01: We went live with the new record on every ward in March and honestly the first fortnight was hard for the nurses on nights.
I01: And how did the board take it?
P01: The board was supportive, and we trained nine hundred nurses before the go-live so the ward sisters came round quickly.
"""


def _clean(tmp_path, folder_name="calls"):
    from insightkit.cli import main

    src = tmp_path / "corpus" / folder_name
    src.mkdir(parents=True)
    (src / "call01.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (tmp_path / "work").mkdir()
    assert main(["clean", str(src), "--no-redact", "--interviewer", "I01", "--out", str(tmp_path / "work" / "segments.csv"),
                 "--quiet"]) == 0
    from insightkit.export import read_table

    segs = read_table(tmp_path / "work" / "segments.csv")
    segs["theme_epr"], segs["score_epr"] = (segs["role"] != "interviewer").astype(int), 0.9
    (tmp_path / "elsewhere").mkdir()
    segs.to_csv(tmp_path / "elsewhere" / "tagged.csv", index=False)
    return src, segs


def test_the_segment_table_records_its_source_folder_without_a_name(tmp_path):
    from insightkit.quotes.sources import folder_record, recorded_folders

    src, segs = _clean(tmp_path, "jane_smith_calls")
    assert set(segs.source_folder) == {folder_record(src)}
    assert not segs.source_folder.str.contains("jane|smith", case=False).any()
    assert "[PERSON]" in segs.source_folder.iloc[0]
    assert recorded_folders(segs.source_folder.iloc[0]) == [src.resolve()]  # the redacted part leads back
    assert recorded_folders("relative/path") == [] and recorded_folders("/no/such/folder/at/all") == []


def test_quotes_verify_from_another_folder_than_tables_and_sources(tmp_path, monkeypatch, capsys):
    from insightkit.cli import main
    from insightkit.export import read_table

    src, _ = _clean(tmp_path)
    run = tmp_path / "run"
    run.mkdir()
    monkeypatch.chdir(run)
    monkeypatch.setattr("insightkit.embed.get_embedder", lambda *a, **k: HashEmbedder())
    args = ["quotes", str(tmp_path / "elsewhere" / "tagged.csv"), "--no-rescore", "--n", "1"]
    assert main(args + ["--out", "q.csv"]) == 0  # found through the recorded folder and the digest
    assert read_table(run / "q.csv").verified.astype(str).eq("True").all()
    # the files moved and renamed: one line naming the shown name and --sources, exit code 2
    moved = tmp_path / "moved" / "deeper"
    moved.mkdir(parents=True)
    (src / "call01.txt").rename(moved / "renamed.txt")
    capsys.readouterr()
    assert main(args + ["--out", "q2.csv"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "'call01.txt'" in err and "--sources" in err and "insightkit.read" not in err, err
    assert not (run / "q2.csv").exists()
    # --sources finds it by content, searching below the folder given
    assert main(args + ["--out", "q3.csv", "--sources", str(tmp_path / "moved")]) == 0


def test_verify_finds_a_renamed_file_by_its_digest_and_refuses_a_changed_one(tmp_path):
    from insightkit.quotes.sources import doc_digest

    src, segs = _clean(tmp_path)
    q = select_quotes(segs, themes=["epr"], n=1, embedder=HashEmbedder(), config=QuoteConfig(min_count=1)).quotes
    assert doc_digest(q.doc_id.iloc[0]) is not None
    other = tmp_path / "other"
    other.mkdir()
    (src / "call01.txt").rename(other / "x.txt")
    no_record = segs.drop(columns=["source_folder"])
    assert verify_quotes(q, segments=no_record, source_dirs=[other]).verified.all()
    with pytest.raises(QuoteVerificationError) as info:
        verify_quotes(q, segments=no_record, source_dirs=[tmp_path / "work"])
    assert info.value.missing == ["call01.txt"]
    # a file of the same name but other bytes is not taken for the source
    (other / "call01.txt").write_text(TRANSCRIPT.replace("March", "April"), encoding="utf-8")
    (other / "x.txt").unlink()
    with pytest.raises(QuoteVerificationError, match="not the quote") as info:
        verify_quotes(q, segments=no_record, source_dirs=[other])
    assert not re.search(r"April|March", str(info.value))  # never the text of the file
    # a recorded folder leading elsewhere is used only for the file of that name and digest
    bad = segs.assign(source_folder=str(tmp_path / "other"))
    with pytest.raises(QuoteVerificationError) as info:
        verify_quotes(q, segments=bad, source_dirs=[])
    assert info.value.missing == ["call01.txt"]


def test_a_recorded_folder_leads_to_one_file_in_it_and_nowhere_else(tmp_path):
    from insightkit.quotes.sources import recorded_file

    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("s", encoding="utf-8")
    (d / "link.txt").symlink_to(tmp_path / "secret.txt")
    assert recorded_file(d, "a.txt") == (d / "a.txt").resolve()
    assert recorded_file(d, "elsewhere/a.txt") == (d / "a.txt").resolve()  # its base name, in that folder only
    for name in ("link.txt", "../secret.txt", "..", "", "a\x00.txt", "missing.txt"):
        assert recorded_file(d, name) is None, name

"""Quote selection: candidates, filters with reasons, MMR with spread, decisions, verification, audit HTML."""

import json

import pandas as pd
import pytest

from insightkit.alignment import AlignedText, edits_to_json
from quote_helpers import HashEmbedder
from insightkit.quotes import (
    QuoteConfig,
    QuoteVerificationError,
    build_candidates,
    load_decisions,
    select_quotes,
    verify_quotes,
    write_audit_html,
)


TURNS = [
    ("I01", "interviewer", "So tell me about the electronic patient record and how the go-live went for everyone on the wards.", "", ""),
    ("P01", "participant", "Um, the EPR went live in March across all 14 wards, and we we trained 900 nurses beforehand. It was hard work. Honestly the first fortnight was bumpy but the ward sisters came round once the observations were electronic.", "Acute", "South East"),
    ("P02", "participant", "Our new patient record system replaced paper notes in outpatients last year and clinicians now see results in one place. [PERSON] led it for us.", "Community", "London"),
    ("P03", "participant", "We moved the mental health wards onto the record in 2024 and it cut duplicate data entry for the nurses by about a third. The community teams follow next spring.", "Mental health / learning disability", "North West"),
    ("P04", "participant", "Yes.", "Acute", "South East"),
]


def _source_and_segments():
    lines, rows, pos = [], [], 0
    for i, (spk, role, text, tt, rg) in enumerate(TURNS):
        label = f"{spk}: "
        start = pos + len(label)
        lines.append(label + text + "\n")
        pos += len(label) + len(text) + 1
        at = AlignedText.from_source("".join(lines), start, start + len(text))
        at = at.sub(r"\b(Um|um),?\s*", "").sub(r"\b(\w+)( \1\b)", r"\1")
        rows.append({"doc_id": "call-x", "segment_id": f"call-x#{start}-{start + len(text)}", "source": "call-x.txt",
                     "kind": "transcript", "speaker": spk, "participant_id": f"call-x/{spk}", "role": role,
                     "text": at.text, "start": at.src_start, "end": at.src_end, "edits": edits_to_json(at.edits()),
                     "trust_type": tt, "region": rg,
                     "attribution": f"{tt} trust, {rg}" if tt else "",
                     "theme_epr": 1, "score_epr": [0.9, 0.95, 0.8, 0.85, 0.7][i],
                     "theme_skills": int(i == 1), "score_skills": 0.7 if i == 1 else 0.1})
    return "".join(lines), pd.DataFrame(rows)


def test_candidates_skip_interviewers_and_record_reasons():
    _, segs = _source_and_segments()
    cand, rej = build_candidates(segs, QuoteConfig())
    assert not cand.empty
    assert not any(cand.segment_id.str.contains(segs.segment_id[0], regex=False))
    assert {"too_short", "contains_redaction"} <= set(rej.reason)
    assert cand.words.between(12, 90).all()


def test_selection_is_verbatim_spread_and_deterministic():
    source, segs = _source_and_segments()
    # one person per trust type here: min_count=1 turns the small-number rule off to see the spread
    sel = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder(), config=QuoteConfig(min_count=1))
    q = sel.quotes
    assert len(q) == 3
    assert q.participant_id.is_unique
    assert "interviewer" not in set(segs.set_index("segment_id").loc[q.segment_id, "role"])
    assert set(q.trust_type) == {"Acute", "Community", "Mental health / learning disability"} or len(set(q.trust_type)) == 3
    verified = verify_quotes(q, {"call-x": source}, segments=segs)
    assert verified.verified.all()
    # the filler and the repeated word were cleaned, but the source span still replays exactly
    p01 = q[q.participant_id == "call-x/P01"]
    if len(p01):
        assert "Um" not in p01.quote.iloc[0] and "we we" not in p01.quote.iloc[0]
    again = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder(), config=QuoteConfig(min_count=1)).quotes
    pd.testing.assert_frame_equal(q, again)
    for alts in q.alternatives:
        json.loads(alts)
    assert all(q.reason.str.len() > 20)


def test_verification_fails_loudly_on_a_changed_source():
    source, segs = _source_and_segments()
    q = select_quotes(segs, themes=["epr"], n=2, embedder=HashEmbedder()).quotes
    chars = list(source)
    for start in q.start:
        chars[start] = "#"
    tampered = "".join(chars)
    with pytest.raises(QuoteVerificationError):
        verify_quotes(q, {"call-x": tampered})
    with pytest.raises(QuoteVerificationError):
        verify_quotes(q, {})


def test_reviewer_rejection_sticks_and_replacement_stays(tmp_path):
    source, segs = _source_and_segments()
    first = select_quotes(segs, themes=["epr"], n=2, embedder=HashEmbedder()).quotes
    top = first.iloc[0]
    alt = json.loads(first.iloc[1].alternatives)[0]["quote_id"] if json.loads(first.iloc[1].alternatives) else None
    rows = [{"theme": "epr", "quote_id": top.quote_id, "decision": "reject", "replacement_id": "", "reviewer": "A. Reviewer",
             "date": "2026-11-20", "note": "too close to a press release"}]
    if alt:
        rows.append({"theme": "epr", "quote_id": first.iloc[1].quote_id, "decision": "replace", "replacement_id": alt,
                     "reviewer": "B. Reviewer", "date": "2026-11-21", "note": "prefer a community voice"})
    path = tmp_path / "decisions.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    second = select_quotes(segs, themes=["epr"], n=2, embedder=HashEmbedder(), decisions=path)
    assert top.quote_id not in set(second.quotes.quote_id)
    assert "rejected_by_reviewer" in set(second.rejected.reason)
    if alt:
        assert alt in set(second.quotes.quote_id)
        assert "B. Reviewer" in set(second.quotes.reviewer)
    html_path = write_audit_html(second, segs, tmp_path / "audit.html")
    page = html_path.read_text()
    assert "A. Reviewer" in page and "<mark>" in page


def test_audit_html_escapes_everything(tmp_path):
    source, segs = _source_and_segments()
    payload = ("The new record system meant we stopped printing discharge letters for every single patient on the ward. "
               "<script>alert('x')</script> <img src=x onerror=alert(1)>")
    segs.loc[3, "text"] = payload
    segs.loc[3, "start"], segs.loc[3, "end"], segs.loc[3, "edits"] = 0, len(payload), "[]"
    sel = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder())
    assert segs.loc[3, "segment_id"] in set(sel.quotes.segment_id)
    page = write_audit_html(sel, segs, tmp_path / "a.html").read_text()
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;" in page
    # and a browser would refuse to run a script even if one slipped through
    assert "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'\">" in page
    assert "script-src" not in page


def test_bad_decisions_file_names_the_line(tmp_path):
    from insightkit.errors import InputError

    p = tmp_path / "d.csv"
    p.write_text("theme,quote_id,decision,reviewer\nepr,x@1-2,maybe,Ann\n")
    with pytest.raises(InputError, match=":2:"):
        load_decisions(p)


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_survey_quotes_verify_against_csv_and_xlsx_sources(tmp_path, ext):
    import insightkit as ik

    answers = [
        "We rolled out electronic prescribing on every adult ward last autumn and the pharmacists now see every chart in real time.",
        "Our patient record went live in outpatients in May; clinic letters go out the same day instead of a fortnight later.",
        "The community nursing teams moved off paper notes onto the new record system and stopped double keying visits.",
        "n/a",
    ]
    df = pd.DataFrame({"id": ["a", "b", "c", "d"], "trust_type": ["Acute", "Community", "Ambulance", "Acute"],
                       "region": ["London", "Midlands", "North West", "London"], "progress": answers})
    path = tmp_path / f"survey.{ext}"
    if ext == "csv":
        df.to_csv(path, index=False)
    else:
        df.to_excel(path, index=False, sheet_name="Responses")
    res = ik.read([path], text_columns=["progress"], id_column="id", redact=False)
    segs = res.segments.copy()
    segs["theme_epr"], segs["score_epr"] = 1, 0.9
    q = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder()).quotes
    assert len(q) == 3
    assert verify_quotes(q, res.documents, segments=segs).verified.all()
    # and from the file itself, as the CLI does
    assert verify_quotes(q, source_dirs=[tmp_path]).verified.all()


# --- reviewer decisions act on spans, not only on exact ids -------------------------------------

def _span(quote_id):
    sid, _, span = quote_id.rpartition("@")
    a, _, b = span.partition("-")
    return sid, int(a), int(b)


def _overlapping(id1, id2):
    s1, a1, b1 = _span(id1)
    s2, a2, b2 = _span(id2)
    return s1 == s2 and a1 < b2 and a2 < b1


def _decision(quote_id, decision="reject", replacement_id="", theme="epr", reviewer="A. Reviewer"):
    return {"theme": theme, "quote_id": quote_id, "decision": decision, "replacement_id": replacement_id,
            "reviewer": reviewer, "date": "2026-11-20", "note": "checked in context"}


def test_no_window_overlapping_a_rejected_quote_returns():
    _, segs = _source_and_segments()
    first = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder())
    top = first.quotes.iloc[0].quote_id
    # the rejected turn has other windows that overlap the rejected one: they are real candidates
    same_turn = [c for c in first.candidates.quote_id if c != top and _overlapping(c, top)]
    assert same_turn
    second = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder(),
                           decisions=pd.DataFrame([_decision(top)]))
    for qid in second.quotes.quote_id:
        assert not _overlapping(qid, top), qid
    for qid in second.quotes.alternatives.map(json.loads).sum():
        assert not _overlapping(qid["quote_id"], top)
    gone = second.rejected[second.rejected.reason == "rejected_by_reviewer"]
    assert set(same_turn) <= set(gone.quote_id)
    assert gone.detail.str.contains("A. Reviewer").all()


def test_a_replacement_stays_when_its_scores_shift():
    _, segs = _source_and_segments()
    first = select_quotes(segs, themes=["epr"], n=2, embedder=HashEmbedder()).quotes
    second_q = first.iloc[1]
    alt = json.loads(second_q.alternatives)[0]["quote_id"]
    decisions = pd.DataFrame([_decision(second_q.quote_id, "replace", alt, reviewer="B. Reviewer")])
    # a retrained model (or a new batch) now scores the replacement's turn below the threshold
    shifted = segs.copy()
    row = shifted.segment_id == _span(alt)[0]
    shifted.loc[row, "theme_epr"], shifted.loc[row, "score_epr"] = 0, 0.05
    again = select_quotes(shifted, themes=["epr"], n=2, embedder=HashEmbedder(), decisions=decisions)
    assert alt in set(again.quotes.quote_id)
    assert second_q.quote_id not in set(again.quotes.quote_id)
    kept = again.quotes.set_index("quote_id").loc[alt]
    assert kept.reviewer == "B. Reviewer" and kept.decision == "replace"
    assert list(again.decisions.status) == ["applied"]


def test_alternatives_do_not_overlap_the_quotes_or_each_other():
    _, segs = _source_and_segments()
    q = select_quotes(segs, themes=["epr"], n=2, embedder=HashEmbedder(),
                      config=QuoteConfig(n_alternatives=5)).quotes
    chosen = list(q.quote_id)
    seen_any = False
    for _, r in q.iterrows():
        alts = [a["quote_id"] for a in json.loads(r.alternatives)]
        seen_any = seen_any or bool(alts)
        for i, a in enumerate(alts):
            assert not any(_overlapping(a, c) for c in chosen), (a, chosen)
            assert not any(_overlapping(a, b) for b in alts[i + 1:]), alts
    assert seen_any


def test_one_window_is_not_chosen_for_two_themes_by_default():
    _, segs = _source_and_segments()
    segs = segs.copy()
    # P01's turn is on both themes; it scores higher for epr (0.95) than for skills (0.7)
    shared = select_quotes(segs, themes=["epr", "skills"], n=3, embedder=HashEmbedder(),
                           config=QuoteConfig(allow_shared=True)).quotes
    by_theme = {t: list(g.quote_id) for t, g in shared.groupby("theme")}
    assert any(_overlapping(a, b) for a in by_theme["epr"] for b in by_theme["skills"])  # the case exists
    sel = select_quotes(segs, themes=["epr", "skills"], n=3, embedder=HashEmbedder())
    by_theme = {t: list(g.quote_id) for t, g in sel.quotes.groupby("theme")}
    assert not any(_overlapping(a, b) for a in by_theme.get("epr", []) for b in by_theme.get("skills", []))
    p01 = segs.segment_id[1]
    assert any(_span(q)[0] == p01 for q in by_theme["epr"])  # it went to the theme where it scores higher
    assert "chosen_for_other_theme" in set(sel.rejected.reason)


def test_a_stale_decision_id_warns_and_is_reported(tmp_path):
    from insightkit.quotes import QuoteDecisionWarning

    _, segs = _source_and_segments()
    first = select_quotes(segs, themes=["epr"], n=2, embedder=HashEmbedder()).quotes
    gone = "call-x#999-1200@0-40"  # a turn that no longer exists (the source changed)
    decisions = pd.DataFrame([_decision(gone), _decision(first.quote_id.iloc[0], "accept")])
    with pytest.warns(QuoteDecisionWarning, match="no longer names a window"):
        sel = select_quotes(segs, themes=["epr"], n=2, embedder=HashEmbedder(), decisions=decisions)
    assert any(gone in m for m in sel.messages)
    status = dict(zip(sel.decisions.quote_id, sel.decisions.status))
    assert status[gone].startswith("stale") and status[first.quote_id.iloc[0]] == "applied"
    page = write_audit_html(sel, segs, tmp_path / "audit.html").read_text()
    assert "stale" in page and "checked in context" in page and "2026-11-20" in page


def test_audit_html_shows_who_rejected_what(tmp_path):
    _, segs = _source_and_segments()
    first = select_quotes(segs, themes=["epr"], n=2, embedder=HashEmbedder()).quotes
    top = first.iloc[0]
    d = _decision(top.quote_id, reviewer="C. Checker")
    d["note"] = "names a <b>unique</b> project"
    sel = select_quotes(segs, themes=["epr"], n=2, embedder=HashEmbedder(), decisions=pd.DataFrame([d]))
    page = write_audit_html(sel, segs, tmp_path / "audit.html").read_text()
    section = page.split("Reviewer decisions on this theme", 1)[1].split("</table>", 1)[0]
    import html as _html

    assert "C. Checker" in section and "2026-11-20" in section and _html.escape(top.quote) in section
    assert "names a &lt;b&gt;unique&lt;/b&gt; project" in section and "<b>unique" not in page


@pytest.mark.slow
def test_cli_honours_decisions_and_warns_about_stale_ids(tmp_path, capsys, monkeypatch):
    from insightkit.cli import main
    from insightkit.export import read_table

    source, segs = _source_and_segments()
    (tmp_path / "call-x.txt").write_text(source, encoding="utf-8")
    segs.to_csv(tmp_path / "tagged.csv", index=False)
    monkeypatch.chdir(tmp_path)
    args = ["quotes", "tagged.csv", "--n", "2", "--theme", "epr", "--no-rescore", "--out", "q.csv"]
    assert main(args) == 0
    first = read_table(tmp_path / "q.csv")
    top = first.quote_id.iloc[0]
    pd.DataFrame([_decision(top), _decision("call-x#999-1200@0-40")]).to_csv(tmp_path / "d.csv", index=False)
    capsys.readouterr()
    assert main(args + ["--decisions", "d.csv", "--html", "audit.html"]) == 0
    err = capsys.readouterr().err
    assert "warning: decisions file:" in err and "call-x#999-1200@0-40" in err
    again = read_table(tmp_path / "q.csv")
    assert not any(_overlapping(q, top) for q in again.quote_id)
    page = (tmp_path / "audit.html").read_text(encoding="utf-8")
    assert "A. Reviewer" in page and "stale" in page


def test_quotes_name_the_file_by_its_shown_name_and_still_verify(tmp_path):
    """A file named after a person: the quotes table carries only the redacted name, yet the
    segment table (which keeps the real name) leads verification to the exact file."""
    import re

    source, segs = _source_and_segments()
    segs["source"], segs["source_display"] = "interview_jane_smith.txt", "interview_[PERSON].txt"
    (tmp_path / "interview_jane_smith.txt").write_text(source, encoding="utf-8")
    q = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder()).quotes
    assert len(q) == 3 and "source" not in q.columns
    assert set(q.source_display) == {"interview_[PERSON].txt"}
    assert not re.search("jane|smith", q.to_csv(), re.I)
    assert verify_quotes(q, segments=segs, source_dirs=[tmp_path]).verified.all()
    assert verify_quotes(q, source_paths={"call-x": tmp_path / "interview_jane_smith.txt"}).verified.all()
    chars = list(source)
    for start in q.start:
        chars[start] = "#"
    (tmp_path / "interview_jane_smith.txt").write_text("".join(chars), encoding="utf-8")
    with pytest.raises(QuoteVerificationError, match="not the quote"):
        verify_quotes(q, segments=segs, source_dirs=[tmp_path])
    # a table from before source_display: the shown name is worked out, the real one never shown
    old = segs.drop(columns=["source_display"])
    q_old = select_quotes(old, themes=["epr"], n=1, embedder=HashEmbedder()).quotes
    assert set(q_old.source_display) == {"interview_[PERSON].txt"}


# --- a table's source names a file inside the folders given, never outside ----------------------

_SECRET = "root:x:0:0:SECRET-OUTSIDE-THE-SOURCES"


def _hostile_setup(tmp_path):
    """The sources folder with the real file, a secret file outside it, and quotes to verify."""
    source, segs = _source_and_segments()
    src = tmp_path / "sources"
    src.mkdir()
    (src / "call-x.txt").write_text(source, encoding="utf-8")
    outside = tmp_path / "outside" / "passwd"
    outside.parent.mkdir()
    # the secret file holds the real transcript's length of text, so a span would read it
    outside.write_text((_SECRET + "\n") * (len(source) // len(_SECRET) + 2), encoding="utf-8")
    q = select_quotes(segs, themes=["epr"], n=2, embedder=HashEmbedder()).quotes
    return src, outside, segs, q


def _hostile_sources(src, outside):
    link = src / "link.txt"
    link.symlink_to(outside)
    depth = len(src.resolve().parts)
    return {
        "dotdot": "../outside/passwd",
        "deep_dotdot": "../" * depth + str(outside.resolve()).lstrip("/"),
        "absolute": str(outside.resolve()),
        "symlink_out": "link.txt",
    }


def test_a_source_outside_the_folders_is_refused_without_reading_it(tmp_path):
    from insightkit.errors import InputError

    src, outside, segs, q = _hostile_setup(tmp_path)
    assert verify_quotes(q, segments=segs, source_dirs=[src], table="tagged.csv").verified.all()  # the normal case
    for case, name in _hostile_sources(src, outside).items():
        bad = segs.assign(source=name)
        with pytest.raises(InputError) as info:
            verify_quotes(q, segments=bad, source_dirs=[src], table="tagged.csv")
        msg = str(info.value)
        assert msg.startswith("tagged.csv: segment call-x#") and "(row " in msg and "refused" in msg, (case, msg)
        assert "\n" not in msg and "SECRET" not in msg and "root:" not in msg, (case, msg)
        # the older quotes table's own source column is held to the same rule
        with pytest.raises(InputError):
            verify_quotes(q.assign(source=name), source_dirs=[src])


def test_an_absolute_or_dotted_source_inside_the_folders_still_verifies(tmp_path):
    src, _, segs, q = _hostile_setup(tmp_path)
    (src / "sub").mkdir()
    for name in (str(src / "call-x.txt"), "sub/../call-x.txt", "elsewhere/call-x.txt"):
        assert verify_quotes(q, segments=segs.assign(source=name), source_dirs=[src]).verified.all(), name
    # a link inside the folder to a file inside the folder is fine
    (src / "alias.txt").symlink_to(src / "call-x.txt")
    assert verify_quotes(q, segments=segs.assign(source="alias.txt"), source_dirs=[src]).verified.all()


def test_a_changed_source_is_reported_without_its_text(tmp_path):
    src, _, segs, q = _hostile_setup(tmp_path)
    (src / "call-x.txt").write_text((_SECRET + "\n") * 200, encoding="utf-8")
    with pytest.raises(QuoteVerificationError, match="not the quote") as info:
        verify_quotes(q, segments=segs, source_dirs=[src], table="tagged.csv")
    assert str(info.value).startswith("tagged.csv: ") and "SECRET" not in str(info.value)


def test_find_source_never_returns_a_path_outside_the_folders(tmp_path):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from insightkit.errors import InputError
    from insightkit.io.sources import find_source

    src = tmp_path / "src"
    (src / "a").mkdir(parents=True)
    (src / "a" / "f.txt").write_text("x", encoding="utf-8")
    (tmp_path / "f.txt").write_text("outside", encoding="utf-8")
    (src / "out.txt").symlink_to(tmp_path / "f.txt")
    parts = st.sampled_from(["..", ".", "a", "f.txt", "out.txt", "src", "", "/", str(tmp_path), "\x00", "b"])

    @settings(max_examples=80, deadline=None)
    @given(st.lists(parts, min_size=1, max_size=6))
    def check(bits):
        name = "/".join(bits)
        try:
            found = find_source(name, [src], table="t.csv")
        except InputError as exc:
            assert str(exc).startswith("t.csv: ") and "refused" in str(exc) and "\n" not in str(exc)
            return
        assert found is None or found.resolve().is_relative_to(src.resolve())

    check()


@pytest.mark.slow
def test_quotes_cli_refuses_a_source_outside_the_folders_in_one_line(tmp_path, capsys, monkeypatch):
    from insightkit.cli import main

    src, outside, segs, _ = _hostile_setup(tmp_path)
    monkeypatch.chdir(tmp_path)
    segs.to_csv("tagged.csv", index=False)
    args = ["quotes", "tagged.csv", "--n", "2", "--theme", "epr", "--no-rescore", "--sources", "sources"]
    assert main(args + ["--out", "q.csv"]) == 0  # the normal case
    for case, name in _hostile_sources(src, outside).items():
        segs.assign(source=name).to_csv("bad.csv", index=False)
        capsys.readouterr()
        assert main(["quotes", "bad.csv", *args[2:], "--out", f"q_{case}.csv"]) == 2, case
        err = capsys.readouterr().err.strip()
        assert err.startswith("insightkit quotes: error: bad.csv: segment ") and "\n" not in err, (case, err)
        assert "SECRET" not in err and "root:" not in err, (case, err)
        assert not (tmp_path / f"q_{case}.csv").exists()


SITE_TURNS = [  # (speaker, site, score, text): the best-scoring voices all come from site A
    ("P01", "A", 0.95, "The electronic record went live on every ward in March and the nurses were trained well before it."),
    ("P02", "A", 0.94, "Our pharmacy team moved prescribing onto the new system and errors in the drug charts fell sharply."),
    ("P03", "A", 0.93, "Theatres now book sessions through the record, which saves the coordinators hours every single week."),
    ("P04", "B", 0.05, "Community nurses carry tablets with the shared record so visits no longer start with paper notes."),
    ("P05", "C", 0.04, "In the hospice the record replaced three separate databases and families repeat their story less."),
]


def _site_segments():
    lines, rows, pos = [], [], 0
    for spk, site, score, text in SITE_TURNS:
        label = f"{spk}: "
        start = pos + len(label)
        lines.append(label + text + "\n")
        pos += len(label) + len(text) + 1
        rows.append({"doc_id": "site-x", "segment_id": f"site-x#{start}", "source": "site-x.txt", "kind": "transcript",
                     "speaker": spk, "participant_id": f"site-x/{spk}", "role": "participant", "text": text,
                     "start": start, "end": start + len(text), "edits": "[]", "site": site,
                     "attribution": f"Site {site}", "theme_epr": 1, "score_epr": score})
    return "".join(lines), pd.DataFrame(rows)


def test_spread_by_a_column_spreads_quotes_across_its_values():
    source, segs = _site_segments()
    plain = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder()).quotes
    strong = QuoteConfig(spread_penalties=(1.0,))  # spreading outweighs any difference in score here
    spread = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder(), config=strong, spread_by=["site"])
    q = spread.quotes
    sites = dict(zip(segs.participant_id, segs.site))
    assert [sites[p] for p in plain.participant_id] == ["A", "A", "A"]  # without spreading: the best scores
    assert sorted(sites[p] for p in q.participant_id) == ["A", "B", "C"]
    assert list(q["site"]) == [sites[p] for p in q.participant_id]  # the spread column is shown
    assert "adds site B" in " ".join(q.reason) or "adds site C" in " ".join(q.reason)
    assert verify_quotes(q, {"site-x": source}, segments=segs).verified.all()
    # the same through the config, and a column the table lacks is ignored with a note
    cfg = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder(),
                        config=QuoteConfig(spread_by=("site", "ward"), spread_penalties=(1.0,))).quotes
    pd.testing.assert_frame_equal(cfg.drop(columns="site"), q.drop(columns="site"))
    sel = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder(), config=strong, spread_by=["ward"])
    pd.testing.assert_frame_equal(sel.quotes, plain)
    assert any("'ward'" in m for m in sel.messages)


def test_default_spread_is_trust_type_then_region(tmp_path):
    _, segs = _source_and_segments()
    default = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder())
    explicit = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder(), spread_by=("trust_type", "region"))
    assert QuoteConfig().spread_by == ("trust_type", "region")
    pd.testing.assert_frame_equal(default.quotes, explicit.quotes)
    assert default.messages == explicit.messages
    write_audit_html(default, segs, tmp_path / "a.html")
    assert "spread across trust types and regions where the data allow" in (tmp_path / "a.html").read_text()


def test_spread_by_must_name_columns():
    _, segs = _site_segments()
    from insightkit.errors import ParameterError

    with pytest.raises(ParameterError):
        select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder(), spread_by=[3])


def test_cli_spread_by(tmp_path, monkeypatch):
    from insightkit.cli import main

    source, segs = _site_segments()
    (tmp_path / "site-x.txt").write_text(source, encoding="utf-8")
    segs.to_csv(tmp_path / "tagged.csv", index=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("insightkit.embed.get_embedder", lambda *a, **k: HashEmbedder())
    assert main(["quotes", "tagged.csv", "--no-rescore", "--out", "q.csv", "--spread-by", "site"]) == 0
    q = pd.read_csv(tmp_path / "q.csv")
    assert "site" in q.columns and q["site"].notna().all()
    assert main(["quotes", "tagged.csv", "--no-rescore", "--out", "p.csv"]) == 0
    assert "site" not in pd.read_csv(tmp_path / "p.csv").columns

"""The report command end to end on a small input: five files, suppression, escaping, inert formulas."""

import zipfile

import pandas as pd
import pytest

from insightkit.codebook import Codebook

pytestmark = pytest.mark.slow

ANSWERS = [
    "We went live with the new electronic patient record across all inpatient wards in March and nurses now record observations at the bedside.",
    "Most of our progress has been on cyber security: we replaced the old firewalls, patched every server and ran a ransomware exercise with the board.",
    "Board dashboards now pull data from the warehouse every night, so we argue about what the numbers mean rather than whether they are right.",
    "=HYPERLINK(\"http://evil.example/x\",\"click\") we need a digital strategy that the board actually owns and reviews every quarter.",
    "<script>alert('owned')</script> Digital champions on every ward have given staff far more confidence with the new devices and systems.",
    "Automation of referral triage has freed up about two clinical sessions a week for the outpatient team, and letters go out the same day.",
    "Virtual wards for frailty patients have grown to forty beds with remote monitoring kits at home and a hub staffed around the clock.",
    "Honestly the biggest change is the shared care record: GPs, social care and our community teams finally look at the same information.",
]


def _survey(tmp_path):
    rows = []
    types = ["Acute", "Acute", "Community", "Mental health / learning disability", "Ambulance", "Acute", "Community", "Acute"]
    regions = ["London", "South East", "Midlands", "North West", "London", "South West", "London", "North West"]
    for i in range(48):
        rows.append({"respondent_id": f"R{i:03d}", "trust_type": types[i % 8], "region": regions[(i * 3) % 8],
                     "board_engaged": ["Agree", "Strongly agree", "Disagree", "Neither agree nor disagree"][i % 4],
                     "progress_text": ANSWERS[i % 8] + ("" if i < 8 else f" We are in year {i % 5 + 1} of the plan."),})
    path = tmp_path / "survey.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_report_writes_all_files_safely(tmp_path, repo_root, shared_dir):
    from insightkit.classify import ThemeClassifier
    from insightkit import build_report
    from insightkit.report.refi import validate

    survey = _survey(tmp_path)
    transcript = repo_root / "corpora" / "sample" / "transcripts" / "call04_community_london.txt"
    model = ThemeClassifier.zero_shot_model(Codebook.default())
    res = build_report([survey, transcript], tmp_path / "out", participants=repo_root / "corpora/sample/participants.csv",
                       model=model, text_columns=["progress_text"], id_column="respondent_id", show_progress=False)
    for kind in ("html", "xlsx", "md", "qdc", "qdpx"):
        assert res.files[kind].is_file() and res.files[kind].stat().st_size > 200, kind
    html = res.files["html"].read_text()
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    # readable: no JSON dump, no raw column names or theme ids shown to a reader
    assert "<pre>" not in html and '{"' not in html
    for raw in ("n_people", "ci_low", "ci_high", "n_raised", "infrastructure_cyber", ">epr<"):
        assert raw not in html, raw
    assert res.files["model_card"].is_file() and res.files["audit"].is_file()
    assert "data:image/png;base64," in html
    # prevalence counts people and suppresses small cells (the one transcript participant is a group of 1)
    by_type = res.prevalence["trust_type"]
    assert by_type.loc[by_type.n_people.isna(), "display"].eq("*").all()
    small = by_type[by_type["suppressed"]]
    assert small["n_raised"].isna().all()
    # formulas are inert in the spreadsheet
    segs = pd.read_excel(res.files["xlsx"], sheet_name="segments", dtype=str)
    assert not segs["text"].fillna("").str.startswith(("=", "+", "@")).any()
    assert segs["text"].fillna("").str.startswith("'=HYPERLINK").any()
    assert set(pd.ExcelFile(res.files["xlsx"]).sheet_names) >= {"segments", "themes", "prevalence", "quotes", "topics", "rejected"}
    # REFI-QDA exports validate
    assert validate(res.files["qdc"], shared_dir / "refi-qda" / "Codebook.xsd") == []
    assert validate(res.files["qdpx"], shared_dir / "refi-qda" / "Project.xsd") == []
    with zipfile.ZipFile(res.files["qdpx"]) as zf:
        sources = [n for n in zf.namelist() if n.startswith("sources/")]
        joined = "".join(zf.read(n).decode() for n in sources)
    assert "Sarah-Jane" not in joined and "Whitcombe" not in joined
    # quotes were verified against their sources, none from an interviewer
    if len(res.quotes):
        assert res.quotes["verified"].all()
        roles = res.segments.set_index("segment_id").loc[res.quotes.segment_id, "role"]
        assert (roles != "interviewer").all()
    md = res.files["md"].read_text()
    assert "<script>" not in md


def test_report_honours_a_reviewers_decisions_and_links_the_audit_page(tmp_path, repo_root):
    from insightkit import build_report
    from insightkit.classify import ThemeClassifier

    survey = _survey(tmp_path)
    model = ThemeClassifier.zero_shot_model(Codebook.default())
    kw = dict(model=model, text_columns=["progress_text"], id_column="respondent_id", show_progress=False, topics=False)
    first = build_report([survey], tmp_path / "first", **kw)
    q = first.quotes
    theme = q["theme"].value_counts().index[0]
    in_theme = q[q["theme"] == theme].sort_values("rank")
    assert len(in_theme) >= 2
    rejected, accepted = in_theme.iloc[0], in_theme.iloc[1]
    decisions = tmp_path / "decisions.csv"
    pd.DataFrame([
        {"theme": theme, "quote_id": rejected["quote_id"], "decision": "reject", "reviewer": "AB"},
        {"theme": theme, "quote_id": accepted["quote_id"], "decision": "accept", "reviewer": "AB"},
    ]).to_csv(decisions, index=False)
    second = build_report([survey], tmp_path / "second", decisions=decisions, **kw)
    kept = second.quotes[second.quotes["theme"] == theme]
    assert rejected["quote_id"] not in set(kept["quote_id"])
    assert kept.loc[kept["quote_id"] == accepted["quote_id"], "decision"].tolist() == ["accept"]
    html = second.files["html"].read_text()
    assert "reviewer: accepted" in html and "href='audit.html'" in html
    assert second.files["audit"].is_file() and rejected["quote_id"] in second.files["audit"].read_text()
    assert "reviewer: accepted" not in first.files["html"].read_text()
    sheet = pd.read_excel(second.files["xlsx"], sheet_name="quotes", dtype=str).fillna("")
    assert "accept" in set(sheet["decision"])

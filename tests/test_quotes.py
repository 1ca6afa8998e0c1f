"""Quote selection: candidates, filters with reasons, MMR with spread, decisions, verification, audit HTML."""

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from insightkit.alignment import AlignedText, edits_to_json
from insightkit.quotes import (
    QuoteConfig,
    QuoteVerificationError,
    build_candidates,
    load_decisions,
    select_quotes,
    verify_quotes,
    write_audit_html,
)


class HashEmbedder:
    """Deterministic bag-of-words vectors: similar words, similar vectors; no model needed."""

    def encode(self, texts):
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                h = int(hashlib.md5(w.strip(".,;!?").encode()).hexdigest(), 16)
                out[i, h % 64] += 1.0
            n = np.linalg.norm(out[i])
            out[i] /= n or 1.0
        return out


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


def test_candidates_skip_interviewers_and_record_reasons(nlp_small):
    _, segs = _source_and_segments()
    cand, rej = build_candidates(segs, QuoteConfig(), nlp=nlp_small)
    assert not cand.empty
    assert not any(cand.segment_id.str.contains(segs.segment_id[0], regex=False))
    assert {"too_short", "contains_redaction"} <= set(rej.reason)
    assert cand.words.between(12, 90).all()


def test_selection_is_verbatim_spread_and_deterministic(nlp_small):
    source, segs = _source_and_segments()
    sel = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder(), nlp=nlp_small)
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
    again = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder(), nlp=nlp_small).quotes
    pd.testing.assert_frame_equal(q, again)
    for alts in q.alternatives:
        json.loads(alts)
    assert all(q.reason.str.len() > 20)


def test_verification_fails_loudly_on_a_changed_source(nlp_small):
    source, segs = _source_and_segments()
    q = select_quotes(segs, themes=["epr"], n=2, embedder=HashEmbedder(), nlp=nlp_small).quotes
    chars = list(source)
    for start in q.start:
        chars[start] = "#"
    tampered = "".join(chars)
    with pytest.raises(QuoteVerificationError):
        verify_quotes(q, {"call-x": tampered})
    with pytest.raises(QuoteVerificationError):
        verify_quotes(q, {})


def test_reviewer_rejection_sticks_and_replacement_stays(tmp_path, nlp_small):
    source, segs = _source_and_segments()
    first = select_quotes(segs, themes=["epr"], n=2, embedder=HashEmbedder(), nlp=nlp_small).quotes
    top = first.iloc[0]
    alt = json.loads(first.iloc[1].alternatives)[0]["quote_id"] if json.loads(first.iloc[1].alternatives) else None
    rows = [{"theme": "epr", "quote_id": top.quote_id, "decision": "reject", "replacement_id": "", "reviewer": "A. Reviewer",
             "date": "2026-11-20", "note": "too close to a press release"}]
    if alt:
        rows.append({"theme": "epr", "quote_id": first.iloc[1].quote_id, "decision": "replace", "replacement_id": alt,
                     "reviewer": "B. Reviewer", "date": "2026-11-21", "note": "prefer a community voice"})
    path = tmp_path / "decisions.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    second = select_quotes(segs, themes=["epr"], n=2, embedder=HashEmbedder(), decisions=path, nlp=nlp_small)
    assert top.quote_id not in set(second.quotes.quote_id)
    assert "rejected_by_reviewer" in set(second.rejected.reason)
    if alt:
        assert alt in set(second.quotes.quote_id)
        assert "B. Reviewer" in set(second.quotes.reviewer)
    html_path = write_audit_html(second, segs, tmp_path / "audit.html")
    page = html_path.read_text()
    assert "A. Reviewer" in page and "<mark>" in page


def test_audit_html_escapes_everything(tmp_path, nlp_small):
    source, segs = _source_and_segments()
    payload = ("The new record system meant we stopped printing discharge letters for every single patient on the ward. "
               "<script>alert('x')</script> <img src=x onerror=alert(1)>")
    segs.loc[3, "text"] = payload
    segs.loc[3, "start"], segs.loc[3, "end"], segs.loc[3, "edits"] = 0, len(payload), "[]"
    sel = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder(), nlp=nlp_small)
    assert segs.loc[3, "segment_id"] in set(sel.quotes.segment_id)
    page = write_audit_html(sel, segs, tmp_path / "a.html").read_text()
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;" in page


def test_bad_decisions_file_names_the_line(tmp_path):
    from insightkit.errors import InputError

    p = tmp_path / "d.csv"
    p.write_text("theme,quote_id,decision,reviewer\nepr,x@1-2,maybe,Ann\n")
    with pytest.raises(InputError, match=":2:"):
        load_decisions(p)


@pytest.fixture(scope="module")
def nlp_small():
    from insightkit.nlp import get_nlp

    return get_nlp(("lemmatizer", "ner"))


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_survey_quotes_verify_against_csv_and_xlsx_sources(tmp_path, nlp_small, ext):
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
    q = select_quotes(segs, themes=["epr"], n=3, embedder=HashEmbedder(), nlp=nlp_small).quotes
    assert len(q) == 3
    assert verify_quotes(q, res.documents, segments=segs).verified.all()
    # and from the file itself, as the CLI does
    assert verify_quotes(q, source_dirs=[tmp_path]).verified.all()

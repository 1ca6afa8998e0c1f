"""Spark local mode: tag_spark gives the same labels as the in-process path (default speed).

The tests that start Spark skip cleanly when pyspark or a Java runtime is missing; the test of the
per-worker model cache needs neither and always runs. Fast mode on Spark is tested with the fast
mode itself (tests/test_fast_mode.py).
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from insightkit.codebook import Codebook

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

TRAIN = [
    ("The EPR went live on the wards and the paper notes are gone", [1, 0, 0, 0, 0, 0]),
    ("Our electronic patient record upgrade slipped again this year", [1, 0, 0, 0, 0, 0]),
    ("Clinicians still print discharge letters because the EPR module is missing", [1, 0, 0, 0, 0, 0]),
    ("We replaced the firewalls after the ransomware scare", [0, 1, 0, 0, 0, 0]),
    ("Network switches out of support, cyber risk on the register", [0, 1, 0, 0, 0, 0]),
    ("Wi-fi on the older wards drops out every afternoon", [0, 1, 0, 0, 0, 0]),
    ("The data warehouse feeds the board dashboards every morning", [0, 0, 1, 0, 0, 0]),
    ("Data quality in community services is still poor", [0, 0, 1, 0, 0, 0]),
    ("We now share population health analytics with the ICB", [0, 0, 1, 0, 0, 0]),
    ("Our digital strategy was signed off by the board in May", [0, 0, 0, 1, 0, 0]),
    ("The board agreed a five year digital strategy with capital attached", [0, 0, 0, 1, 0, 0]),
    ("Digital is now a standing item with an executive lead", [0, 0, 0, 1, 0, 0]),
    ("Ambient voice saved consultants hours in outpatients", [0, 0, 0, 0, 1, 0]),
    ("Robotic process automation freed up admin time in finance", [0, 0, 0, 0, 1, 0]),
    ("E-rostering cut agency spend and gave managers time back", [0, 0, 0, 0, 1, 0]),
    ("Nurses need protected time to learn the new systems", [0, 0, 0, 0, 0, 1]),
    ("Digital skills training for the whole workforce is overdue", [0, 0, 0, 0, 0, 1]),
    ("We cannot recruit informatics staff on agenda for change pay", [0, 0, 0, 0, 0, 1]),
    ("The car park is being resurfaced next month", [0, 0, 0, 0, 0, 0]),
    ("Recruitment of band 5 nurses remains hard", [0, 0, 0, 0, 0, 0]),
    ("Our estates backlog is the main risk this winter", [0, 0, 0, 0, 0, 0]),
    ("EPR data now flows into the warehouse overnight", [1, 0, 1, 0, 0, 0]),
    ("Cyber training for all staff is part of our strategy", [0, 1, 0, 1, 0, 1]),
]

OPENINGS = ["Honestly,", "On the acute side", "For us", "This year", "In community services",
            "From the board's point of view", "Speaking as CNIO,", "Frankly", "Across the ICS", "At our trust"]
ENDINGS = ["the EPR go-live dominated everything.", "the cyber team spent months on patching.",
           "nobody trusts the data in the reports.", "we finally have a digital plan the board owns.",
           "staff just need time to learn the tools, not more e-learning."]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from insightkit.classify import ThemeClassifier

    texts = [t for t, _ in TRAIN]
    Y = np.array([y for _, y in TRAIN])
    model = ThemeClassifier(Codebook.default(), features=("embedding", "words"), threshold_folds=0).fit(texts, Y)
    return model.save(tmp_path_factory.mktemp("spark-model") / "m")


@pytest.fixture(scope="module")
def texts():
    out = [f"{o} {e}" for o in OPENINGS for e in ENDINGS]  # 50 texts
    out[7] = ""
    out[8] = out[3]  # a duplicate
    return out


def test_spark_tagging_matches_in_process_tagging(spark, model_dir, texts):
    from insightkit.classify import load_model
    from insightkit.spark import redact_column, tag_spark

    pdf = pd.DataFrame({"id": list(range(len(texts))), "region": ["London"] * len(texts), "text": texts})
    sdf = spark.createDataFrame(pdf).repartition(2)
    tagged = tag_spark(sdf, "text", model_path=str(model_dir))
    got = tagged.toPandas().sort_values("id").reset_index(drop=True)

    # in process: the same rows, redacted as the executors redact them, then tagged
    expected = load_model(model_dir).tag(redact_column(pdf, "text", (True, ())))
    assert got["text"].tolist() == expected["text"].tolist()
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(texts)
    themes = [c for c in expected.columns if c.startswith("theme_")]
    scores = [c for c in expected.columns if c.startswith("score_")]
    # not a vacuous comparison: the in-process labels hold both 1s and 0s, in more than one theme
    labels = expected[themes].to_numpy()
    assert 0 < labels.sum() < labels.size and (labels.sum(axis=0) > 0).sum() >= 2
    assert (got[themes].to_numpy() == expected[themes].to_numpy()).all()
    assert np.abs(got[scores].to_numpy() - expected[scores].to_numpy()).max() < 1e-4
    assert got["region"].tolist() == pdf["region"].tolist()
    assert got.loc[7, scores].sum() == 0  # the empty text


PERSONAL = pd.DataFrame({
    "id": [0, 1, 2, 3, 4],
    "text": ["Our CDIO, Nadia Rahman, says the EPR went live on the wards.",
             "Ring me on 07700 900461 or email priya.sharma@nhs.net about the firewalls.",
             None,
             "Wi-fi on the older wards drops out, Dr Okafor told the board.",
             "Nurses need protected time to learn the new systems, said Tomasz."],
})
SECRETS = ["Nadia", "Rahman", "07700 900461", "priya.sharma@nhs.net", "Okafor", "Tomasz"]


def test_spark_redacts_where_it_tags(spark, model_dir):
    from insightkit.classify import load_model
    from insightkit.spark import tag_spark

    sdf = spark.createDataFrame(PERSONAL).repartition(3)
    got = tag_spark(sdf, model_path=str(model_dir), extra_names=["Tomasz Nowak"]).toPandas()
    got = got.sort_values("id").reset_index(drop=True)
    assert len(got) == len(PERSONAL) and pd.isna(got.loc[2, "text"])  # rows kept one for one
    shown = " ".join(t for t in got["text"].fillna(""))
    assert not [s for s in SECRETS if s in shown]
    assert "[PERSON]" in shown and "[PHONE]" in shown and "[EMAIL]" in shown
    # scored on the redacted text: the same scores as tagging the redacted column in process
    scores = [c for c in got.columns if c.startswith("score_")]
    expected = load_model(model_dir).tag(got[["id", "text"]])
    assert np.abs(got[scores].to_numpy() - expected[scores].to_numpy()).max() < 1e-4
    # the same rows in one partition give the same texts: a row's redaction does not depend on its batch
    one = tag_spark(spark.createDataFrame(PERSONAL).coalesce(1), model_path=str(model_dir),
                    extra_names=["Tomasz Nowak"]).toPandas().sort_values("id")
    assert one["text"].fillna("").tolist() == got["text"].fillna("").tolist()
    # redact=False: for a column that is already redacted, the text is passed as it is
    raw = tag_spark(sdf, model_path=str(model_dir), redact=False).toPandas().sort_values("id")
    assert raw["text"].fillna("").tolist() == PERSONAL["text"].fillna("").tolist()


def test_spark_output_schema_replaces_existing_theme_columns(spark, model_dir):
    from insightkit.spark import tag_spark

    pdf = pd.DataFrame({"text": ["The EPR went live", "Firewalls replaced"], "theme_epr": [9, 9]})
    out = tag_spark(spark.createDataFrame(pdf), model_path=str(model_dir))
    names = out.columns
    assert names.count("theme_epr") == 1 and names[:1] == ["text"]
    rows = out.collect()
    assert {r["theme_epr"] for r in rows} <= {0, 1}


def test_missing_text_column_fails_before_any_work(spark, model_dir):
    from insightkit.errors import InputError
    from insightkit.spark import tag_spark

    sdf = spark.createDataFrame(pd.DataFrame({"answer": ["x"]}))
    with pytest.raises(InputError, match="no text column 'text'"):
        tag_spark(sdf, model_path=str(model_dir))


def test_worker_loads_the_model_once_and_checks_it_is_the_drivers(model_dir, monkeypatch):
    import insightkit.classify
    from insightkit import spark as ik_spark
    from insightkit.classify import load_model, verify_model_folder
    from insightkit.errors import ModelError

    loads = []

    def counting_load(path=None, **kw):
        loads.append(path)
        return load_model(path, **kw)

    monkeypatch.setattr(insightkit.classify, "load_model", counting_load)
    monkeypatch.setattr(ik_spark, "_MODELS", {})
    meta = verify_model_folder(model_dir)
    batches = [pd.DataFrame({"text": ["The EPR went live", ""]}), pd.DataFrame({"text": ["Firewalls"]})]
    for _ in range(2):  # two tasks in the same worker
        out = list(ik_spark._tag_partition(iter(batches), model_path=str(model_dir), text_column="text",
                                           speed="default", meta_sha256=meta["meta_sha256"], drop=[]))
        assert [len(o) for o in out] == [2, 1]
    assert loads == [str(model_dir)]
    monkeypatch.setattr(ik_spark, "_MODELS", {})
    with pytest.raises(ModelError, match="not the one the driver planned with"):
        list(ik_spark._tag_partition(iter(batches), model_path=str(model_dir), text_column="text",
                                     speed="default", meta_sha256="0" * 64, drop=[]))

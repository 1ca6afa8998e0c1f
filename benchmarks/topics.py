"""Benchmark of ``insightkit.discover_topics`` on real patient-experience comments (pxtextmining).

Data: ``../shared/data/pxtextmining/v6framework_230831.csv`` beside the checkout (skipped cleanly
when absent). Text column ``FFT answer``; empty answers and repeated texts are dropped (5,424
distinct answers remain). Measures:

* **NPMI coherence** of each topic's top-10 keywords, computed here over the same corpus with the
  window = the whole answer: NPMI(a, b) = log(P(a,b) / (P(a) P(b))) / -log P(a,b), -1 when a and b
  never co-occur; terms are the topic vectorizer's unigrams and bigrams. Mean over keyword pairs,
  then over topics (topic -1 excluded).
* **Topic diversity**: unique keywords / all keywords over the top-10 lists of all topics.
* **NMI / ARI** of topics against the human labels, one label per answer: the first positive
  framework column (in file order). Reported over all answers (outliers count as one cluster) and
  over answers that have a topic.
* **Fit time** on 10,000 segments with cached embeddings, limited to 2 threads: the 5,424 distinct
  v6 answers plus the first distinct ``phase_1_text_data.csv`` answers not among them (same
  public project, same kind of comment). "Cold" is the first fit in a fresh process (imports and
  numba compilation included); "warm" is the next one. Embedding time is not included: the
  vectors come from the cache (the first run encodes them, a few minutes on 2 cores).

For scale, the same measures for BERTopic with its own defaults (UMAP 15 neighbours with a fixed
seed, HDBSCAN ``min_cluster_size=10``, English stop words, no outlier reduction) on the same
embeddings, and for random keyword lists drawn from the vocabulary (NPMI floor).

Also checks that two fits give identical topics, and runs the by-attribute and over-time tables.
Run: ``python benchmarks/topics.py`` (``--no-write`` to print only). Results go to
``benchmarks/results/topics.json`` and ``topics.md``.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "pxtextmining"
V6 = DATA / "v6framework_230831.csv"
PHASE1 = DATA / "phase_1_text_data.csv"
RESULTS = REPO / "benchmarks" / "results"
TEXT = "FFT answer"
FIRST_LABEL, LAST_LABEL = "Not assigned", "Positive experience & gratitude"


# --- data -------------------------------------------------------------------------------------

def load_v6() -> tuple[pd.DataFrame, list[str]]:
    """Distinct non-empty answers with their label columns and a single label per answer."""
    df = pd.read_csv(V6)
    cols = list(df.columns)
    labels = cols[cols.index(FIRST_LABEL): cols.index(LAST_LABEL) + 1]
    df[TEXT] = df[TEXT].astype("string").str.strip()
    df = df[df[TEXT].notna() & (df[TEXT] != "")]
    df = df.drop_duplicates(subset=TEXT, keep="first").reset_index(drop=True)
    onehot = df[labels].fillna(0).to_numpy(dtype=float) > 0
    first = np.where(onehot.any(axis=1), onehot.argmax(axis=1), -1)
    df["label"] = [labels[i] if i >= 0 else "(none)" for i in first]
    return df, labels


def timing_texts(base: list[str], n: int = 10000) -> list[str]:
    """``base`` plus distinct phase-1 answers not in it, up to ``n`` texts."""
    seen = set(base)
    out = list(base)
    p1 = pd.read_csv(PHASE1)["feedback"].astype("string").str.strip().dropna()
    for t in p1:
        if len(out) >= n:
            break
        if t and t not in seen:
            seen.add(t)
            out.append(t)
    return out


# --- metrics ----------------------------------------------------------------------------------

def npmi_coherence(keyword_lists: list[list[str]], docs: list[str]) -> tuple[float, list[float]]:
    """Mean NPMI over topics (window = whole document); per-topic values."""
    from insightkit.topics.params import make_vectorizer

    analyse = make_vectorizer().build_analyzer()
    wanted = {w for kws in keyword_lists for w in kws}
    doc_sets = [set(analyse(d)) & wanted for d in docs]
    n = len(docs)
    df1: dict[str, int] = {w: 0 for w in wanted}
    df2: dict[tuple[str, str], int] = {}
    for s in doc_sets:
        for w in s:
            df1[w] += 1
        for a, b in itertools.combinations(sorted(s), 2):
            df2[(a, b)] = df2.get((a, b), 0) + 1
    per_topic = []
    for kws in keyword_lists:
        vals = []
        for a, b in itertools.combinations(kws, 2):
            a, b = sorted((a, b))
            pab = df2.get((a, b), 0) / n
            pa, pb = df1.get(a, 0) / n, df1.get(b, 0) / n
            if pab == 0 or pa == 0 or pb == 0:
                vals.append(-1.0)
            elif pab == 1.0:
                vals.append(1.0)
            else:
                vals.append(math.log(pab / (pa * pb)) / -math.log(pab))
        if vals:
            per_topic.append(float(np.mean(vals)))
    return (float(np.mean(per_topic)) if per_topic else float("nan")), per_topic


def topic_diversity(keyword_lists: list[list[str]], top: int = 10) -> float:
    words = [w for kws in keyword_lists for w in kws[:top]]
    return len(set(words)) / len(words) if words else float("nan")


def keyword_lists(topics: pd.DataFrame) -> list[list[str]]:
    rows = topics[topics["topic"] != -1]
    return [[k.strip() for k in str(s).split(",") if k.strip()][:10] for s in rows["keywords"]]


# --- runs -------------------------------------------------------------------------------------

def _machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"platform": platform.platform(), "python": sys.version.split()[0], "cpu": cpu,
            "cpu_count": os.cpu_count(), "threads": int(os.environ.get("OMP_NUM_THREADS", "0") or 0),
            "load_average_at_start": [round(x, 2) for x in load] if load else None}


def _versions() -> dict:
    import importlib.metadata as md

    out = {}
    for pkg in ("insightkit", "bertopic", "umap-learn", "hdbscan", "scikit-learn", "numpy", "pandas",
                "sentence-transformers"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = None
    return out


def _baseline(texts: list[str], emb: np.ndarray, labels: np.ndarray) -> dict:
    """BERTopic's defaults on the same vectors, and random keyword lists, for scale."""
    import warnings

    from bertopic import BERTopic
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    from umap import UMAP

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        bt = BERTopic(umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42),
                      vectorizer_model=CountVectorizer(stop_words="english"))
        topics, _ = bt.fit_transform(texts, embeddings=emb)
        secs = time.perf_counter() - t0
    topics = np.asarray(topics)
    kws = [[w for w, _ in bt.get_topic(t)][:10] for t in sorted(set(topics)) if t != -1]
    npmi, _ = npmi_coherence(kws, texts)
    rng = np.random.default_rng(0)
    vocab = sorted({w for k in kws for w in k})
    rand = [list(rng.choice(vocab, size=10, replace=False)) for _ in range(len(kws))]
    rand_npmi, _ = npmi_coherence(rand, texts)
    has = topics != -1
    return {
        "n_topics": len(kws),
        "outliers": int((~has).sum()),
        "npmi_mean": round(npmi, 4),
        "topic_diversity": round(topic_diversity(kws), 4),
        "nmi_all": round(float(normalized_mutual_info_score(labels, topics)), 4),
        "ari_all": round(float(adjusted_rand_score(labels, topics)), 4),
        "fit_seconds_incl_compilation": round(secs, 2),
        "random_keywords_npmi_mean": round(rand_npmi, 4),
    }


def run(write: bool = True, n_time: int = 10000, with_baseline: bool = True) -> dict:
    if not V6.is_file():
        print(f"skipped: {V6} is absent (the pxtextmining data lives in ../shared beside the checkout)")
        return {}
    from insightkit.embed import get_embedder
    from insightkit.topics import discover_topics

    machine = _machine()
    df, _ = load_v6()
    texts = df[TEXT].tolist()
    time_texts = timing_texts(texts, n_time)
    embedder = get_embedder()
    t0 = time.perf_counter()
    emb_all = embedder.encode(time_texts)  # cached after the first run
    encode_s = time.perf_counter() - t0
    emb = emb_all[: len(texts)]

    # 1. fit time on n_time segments: cold (first fit in this process) then warm
    t0 = time.perf_counter()
    big = discover_topics(time_texts, embeddings=emb_all, id_column=None, time_column=None)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    big2 = discover_topics(time_texts, embeddings=emb_all, id_column=None, time_column=None)
    warm = time.perf_counter() - t0
    same_big = bool((big.segments["topic"].to_numpy() == big2.segments["topic"].to_numpy()).all()
                    and big.topics.equals(big2.topics))

    # 2. quality on the distinct v6 answers (with by-attribute and over-time tables)
    t0 = time.perf_counter()
    res = discover_topics(df, text_column=TEXT, embeddings=emb, id_column="Comment ID",
                          by=["Trust", "Service type 1"], time_column="Date")
    fit_v6 = time.perf_counter() - t0
    res2 = discover_topics(df, text_column=TEXT, embeddings=emb, id_column="Comment ID",
                           by=["Trust", "Service type 1"], time_column="Date")
    reproducible = bool(res.segments["topic"].equals(res2.segments["topic"]) and res.topics.equals(res2.topics))

    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    topics = res.segments["topic"].astype(int).to_numpy()
    labels = res.segments["label"].to_numpy()
    has = topics != -1
    kws = keyword_lists(res.topics)
    npmi, per_topic = npmi_coherence(kws, texts)
    real = res.topics[res.topics["topic"] != -1]
    baseline = _baseline(texts, emb, labels) if with_baseline else None
    result = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine,
        "versions": _versions(),
        "data": {"file": "v6framework_230831.csv", "text_column": TEXT, "rows_with_text_distinct": len(df),
                 "single_label": "first positive framework column", "n_human_labels": int(df["label"].nunique())},
        "quality": {
            "n_segments": len(df),
            "n_topics": int(len(real)),
            "params": res.params["main"],
            "cluster_method": res.params["cluster_method"],
            "outliers": res.outliers,
            "npmi_mean": round(npmi, 4),
            "npmi_min": round(min(per_topic), 4) if per_topic else None,
            "npmi_max": round(max(per_topic), 4) if per_topic else None,
            "topic_diversity": round(topic_diversity(kws), 4),
            "nmi_all": round(float(normalized_mutual_info_score(labels, topics)), 4),
            "ari_all": round(float(adjusted_rand_score(labels, topics)), 4),
            "nmi_topic_only": round(float(normalized_mutual_info_score(labels[has], topics[has])), 4),
            "ari_topic_only": round(float(adjusted_rand_score(labels[has], topics[has])), 4),
            "fit_seconds": round(fit_v6, 2),
            "two_runs_identical": reproducible,
            "by_attribute_tables": sorted(res.by_attribute),
            "over_time_periods": [c for c in (res.over_time.columns if res.over_time is not None else [])
                                  if c not in ("topic", "label")],
            "largest_topics": real.sort_values("size", ascending=False).head(12)[["topic", "size", "label"]]
                              .to_dict(orient="records"),
        },
        "baseline_bertopic_defaults": baseline,
        "timing": {
            "n_segments": len(time_texts),
            "sources": {"v6_distinct": len(texts), "phase_1_distinct_added": len(time_texts) - len(texts)},
            "threads": machine["threads"],
            "encode_seconds_from_cache": round(encode_s, 2),
            "fit_seconds_cold": round(cold, 2),
            "fit_seconds_warm": round(warm, 2),
            "target_seconds": 60,
            "meets_target": bool(cold < 60),
            "n_topics": int((big.topics["topic"] != -1).sum()),
            "params": big.params["main"],
            "outliers": big.outliers,
            "two_runs_identical": same_big,
        },
    }
    print(json.dumps(result, indent=2))
    if write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "topics.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        (RESULTS / "topics.md").write_text(_markdown(result), encoding="utf-8")
        print(f"wrote {RESULTS / 'topics.json'} and topics.md")
    return result


def _markdown(r: dict) -> str:
    q, t, m = r["quality"], r["timing"], r["machine"]
    lines = [
        "# Topic modelling benchmark (pxtextmining)",
        "",
        f"Run {r['date']} on {m['cpu']} ({m['cpu_count']} cores, {m['threads']} threads), "
        f"Python {m['python']}, insightkit {r['versions']['insightkit']}, BERTopic {r['versions']['bertopic']}, "
        f"umap-learn {r['versions']['umap-learn']}. Load average at start: {m['load_average_at_start']} "
        "(other work on the machine slows the times).",
        "",
        "Produced by `python benchmarks/topics.py`; method in the script's docstring and `docs/topics.md`.",
        "",
        f"## Quality: {q['n_segments']:,} distinct answers of `v6framework_230831.csv`",
        "",
        "| measure | value |",
        "|---|---|",
        f"| topics (excluding -1) | {q['n_topics']} |",
        f"| settings | {q['cluster_method']}, min_cluster_size {q['params']['min_cluster_size']}, "
        f"min_samples {q['params']['min_samples']}, n_neighbors {q['params']['n_neighbors']} |",
        f"| outliers before / moved / left | {q['outliers']['initial']} / {q['outliers']['reassigned']} / "
        f"{q['outliers']['remaining']} |",
        f"| NPMI coherence, mean (min, max) | {q['npmi_mean']} ({q['npmi_min']}, {q['npmi_max']}) |",
        f"| topic diversity (top 10) | {q['topic_diversity']} |",
        f"| NMI / ARI vs first human label, all answers | {q['nmi_all']} / {q['ari_all']} |",
        f"| NMI / ARI, answers with a topic | {q['nmi_topic_only']} / {q['ari_topic_only']} |",
        f"| human labels (single) | {r['data']['n_human_labels']} |",
        f"| fit time | {q['fit_seconds']} s |",
        f"| two runs identical | {q['two_runs_identical']} |",
        "",
        *(_baseline_md(r["baseline_bertopic_defaults"]) if r.get("baseline_bertopic_defaults") else []),
        "Largest topics:",
        "",
        "| topic | size | label |",
        "|---|---|---|",
        *[f"| {x['topic']} | {x['size']} | {x['label']} |" for x in q["largest_topics"]],
        "",
        f"## Fit time: {t['n_segments']:,} segments, cached embeddings, {t['threads']} threads",
        "",
        f"{t['sources']['v6_distinct']:,} v6 answers + {t['sources']['phase_1_distinct_added']:,} distinct "
        "`phase_1_text_data.csv` answers.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| embeddings read from cache | {t['encode_seconds_from_cache']} s |",
        f"| fit, cold (first in process: imports + compilation) | {t['fit_seconds_cold']} s |",
        f"| fit, warm | {t['fit_seconds_warm']} s |",
        f"| target | < {t['target_seconds']} s: {'met' if t['meets_target'] else 'NOT met'} |",
        f"| topics | {t['n_topics']} |",
        f"| two runs identical | {t['two_runs_identical']} |",
        "",
        "NMI/ARI are low by nature here: the human framework codes *what* an answer is about (50 codes, "
        "many answers carrying several), while the topics group answers by how they read; the first "
        "positive label is a crude single label. They are for comparing settings, not a pass mark.",
        "",
    ]
    return "\n".join(lines)


def _baseline_md(b: dict) -> list[str]:
    return [
        "For scale, on the same vectors: BERTopic's defaults (min_cluster_size 10, no outlier reduction) give "
        f"{b['n_topics']} topics and {b['outliers']} outliers, NPMI {b['npmi_mean']}, diversity "
        f"{b['topic_diversity']}, NMI/ARI {b['nmi_all']} / {b['ari_all']}; random keyword lists from the same "
        f"vocabulary score NPMI {b['random_keywords_npmi_mean']}.",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true", help="print results without writing files")
    ap.add_argument("--n-time", type=int, default=10000, help="segments for the timing run")
    ap.add_argument("--no-baseline", action="store_true", help="skip the BERTopic-defaults comparison")
    args = ap.parse_args(argv)
    run(write=not args.no_write, n_time=args.n_time, with_baseline=not args.no_baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Synthetic-but-varied texts for throughput measurement only (never for training or evaluation).

Texts are made by recombining sentences of the labelled corpus at random (one to five sentences,
sometimes lower-cased or with a sentence cut short), so lengths and wording vary like a real survey
export. Speed depends on length and vocabulary, not on labels, so this is enough to time things.
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "corpora" / "labelled"
CACHE = ROOT / "benchmarks" / ".cache"


def corpus_sentences() -> list[str]:
    files = sorted(LABELLED.glob("parts/*.csv")) or sorted(LABELLED.glob("*.csv"))
    out: list[str] = []
    for f in files:
        with open(f, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                t = (row.get("text") or "").strip()
                out += [s.strip() for s in re.split(r"(?<=[.!?])\s+", t) if len(s.split()) >= 3]
    if not out:
        raise SystemExit(f"no labelled corpus found under {LABELLED}")
    return out


def synthetic_texts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    sents = corpus_sentences()
    texts = []
    for _ in range(n):
        k = rng.choices([1, 2, 3, 4, 5], weights=[30, 30, 20, 12, 8])[0]
        parts = [rng.choice(sents) for _ in range(k)]
        if rng.random() < 0.1:
            words = parts[-1].split()
            parts[-1] = " ".join(words[: max(3, len(words) // 2)])
        t = " ".join(parts)
        if rng.random() < 0.15:
            t = t.lower()
        texts.append(t)
    return texts


def synthetic_csv(n: int, seed: int = 7, dup_rate: float = 0.0) -> Path:
    """A CSV (respondent_id, region, text) of ``n`` rows, cached under benchmarks/.cache/."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"synth_{n}_{seed}_{dup_rate}.csv"
    if path.exists():
        return path
    rng = random.Random(seed + 1)
    regions = ["London", "South East", "South West", "Midlands", "East of England", "North West",
               "North East and Yorkshire"]
    block = synthetic_texts(min(n, 200_000), seed)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["respondent_id", "region", "text"])
        for i in range(n):
            if dup_rate and rng.random() < dup_rate:
                t = rng.choice(["N/A", "none", "No comment", "see above", ""])
            elif i < len(block):
                t = block[i]
            else:  # beyond the first block, recombine two texts so rows stay mostly distinct
                t = block[rng.randrange(len(block))] + " " + block[rng.randrange(len(block))].split(". ")[0]
            w.writerow([f"R{i:07d}", regions[i % len(regions)], t])
    tmp.replace(path)
    return path

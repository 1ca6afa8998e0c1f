"""Shared helpers for the topic tests: synthetic embeddings, stand-in embedders and codebook."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "topics_planted.csv"
THEMES = ["epr", "infrastructure_cyber", "data", "strategy", "productivity", "skills"]


def planted_table() -> pd.DataFrame:
    """The tagged fixture (120 themed, 30 planted virtual-ward texts, 12 chatter), read as text."""
    return pd.read_csv(FIXTURE, dtype=str, keep_default_na=False)


def group_embeddings(groups, dim: int = 48, noise: float = 0.5, seed: int = 0, centres=None) -> np.ndarray:
    """One tight cloud per group label: within-group cosine about 0.8, between groups about 0."""
    rng = np.random.default_rng(seed)
    centres = dict(centres or {})
    for g in sorted(set(groups)):
        if g not in centres:
            centres[g] = rng.standard_normal(dim)
    X = np.array([centres[g] + noise * rng.standard_normal(dim) for g in groups], dtype=np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def fixture_groups(df: pd.DataFrame) -> list[str]:
    """Group of each fixture row: planted, chatter, or its first theme."""
    out = []
    for _, r in df.iterrows():
        if r["group"] != "themed":
            out.append(r["group"])
        else:
            out.append(next(t for t in THEMES if r[f"theme_{t}"] == "1"))
    return out


class HashEmbedder:
    """Bag of hashed words: texts sharing content words are similar. Counts what it encodes."""

    _STOP = {"the", "a", "an", "and", "or", "of", "to", "in", "on", "for", "is", "it", "we", "our", "was", "that",
             "with", "at", "be", "are", "so", "but", "they", "this", "have", "has", "i", "you", "as", "by", "from"}

    def __init__(self, dim: int = 96):
        self.dim = dim
        self.calls: list[list[str]] = []
        self.n_encoded = 0

    def _word(self, w: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.md5(w.encode()).digest()[:4], "little")
        return np.random.default_rng(seed).standard_normal(self.dim)

    def encode(self, texts) -> np.ndarray:
        texts = list(texts)
        self.calls.append(texts)
        self.n_encoded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            words = [w for w in re.findall(r"[a-z]+", str(t).lower()) if w not in self._STOP]
            for w in words:
                out[i] += self._word(w)
            if not words:
                out[i] = self._word("<empty>")
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


class ExplodingEmbedder:
    """Fails the test if anything asks it to encode: embeddings were passed in."""

    model_hash = "0" * 64

    def encode(self, texts):  # pragma: no cover - reaching it is the failure
        raise AssertionError(f"encoder called on {len(list(texts))} texts although embeddings were given")


@dataclass
class StandInTheme:
    id: str
    label: str
    description: str
    includes: list[str] = field(default_factory=list)


@dataclass
class StandInCodebook:
    themes: list[StandInTheme]


def stand_in_codebook() -> StandInCodebook:
    return StandInCodebook([
        StandInTheme("epr", "Electronic patient records",
                     "going live with the electronic patient record EPR, e-prescribing, paper notes and scanning",
                     ["EPR go-live", "e-prescribing", "paper notes"]),
        StandInTheme("infrastructure_cyber", "Infrastructure and cyber security",
                     "laptops, wi-fi, servers, cloud, data centre, cyber attacks, ransomware, patching, backups",
                     ["cyber security", "ransomware", "servers and network"]),
        StandInTheme("data", "Data and analytics",
                     "dashboards, data quality, shared care record, population health, data sharing",
                     ["dashboards", "data quality", "shared care record"]),
        StandInTheme("strategy", "Digital strategy",
                     "digital strategy, board vision, roadmap, chief digital officer, governance",
                     ["digital strategy", "board vision"]),
        StandInTheme("productivity", "Efficiency and productivity",
                     "time saved, automation, rostering, waiting lists, admin, cost savings",
                     ["automation", "time saved"]),
        StandInTheme("skills", "Skills and awareness",
                     "training staff, digital literacy, digital champions, recruiting informatics staff",
                     ["training", "digital champions"]),
    ])

"""Emergent themes: open segments (untagged or low-scoring) that form a subject of their own.

``split_emergent`` splits distinct groups of open segments off the themed topics that clustering
merged them into; ``emergent_candidates`` is the table of topics of a model over the open segments only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["split_emergent", "emergent_candidates", "EMERGENT_COLUMNS"]

EMERGENT_COLUMNS = ["candidate", "label", "keywords", "phrase", "size", "share_of_open", "representative_ids",
                    "representative_text", "main_topic", "main_topic_emergent"]


def _open_groups(X: np.ndarray, open_: np.ndarray, min_size: int, share: float,
                 alpha: float = 1e-3) -> list[np.ndarray]:
    """Branches of a Ward tree over ``X`` that hold mostly open segments and stand apart from the rest.

    Walks the tree from the root and stops at the first branch (largest first) with at least
    ``min_size`` members, at least ``min_size`` left outside it, an open share of at least
    ``share``, more open members than chance would put there (hypergeometric tail below
    ``alpha``: a Ward branch of a uniform topic is always "close together", so closeness alone
    proves nothing) and a positive silhouette against the rest of the topic (cosine).
    """
    from scipy.cluster.hierarchy import linkage
    from scipy.stats import hypergeom
    from sklearn.metrics import silhouette_score

    m = len(X)
    total_open = int(open_.sum())
    Z = linkage(X, method="ward")
    size = np.concatenate([np.ones(m), Z[:, 3]]).astype(int)
    n_open = np.concatenate([open_.astype(int), np.zeros(m - 1, dtype=int)])
    for i, (a, b) in enumerate(Z[:, :2].astype(int)):
        n_open[m + i] = n_open[a] + n_open[b]

    def leaves(node: int) -> list[int]:
        out, stack = [], [node]
        while stack:
            k = stack.pop()
            if k < m:
                out.append(k)
            else:
                stack.extend(Z[k - m, :2].astype(int).tolist())
        return out

    groups: list[np.ndarray] = []
    stack = [2 * m - 2]
    while stack:
        node = stack.pop()
        if size[node] < min_size:
            continue
        if (n_open[node] / size[node] >= share and m - size[node] >= min_size
                and hypergeom.sf(n_open[node] - 1, m, total_open, size[node]) < alpha):
            idx = np.array(sorted(leaves(node)))
            lab = np.zeros(m, dtype=int)
            lab[idx] = 1
            if silhouette_score(X, lab, metric="cosine") > 0:
                groups.append(idx)
                continue
        if node >= m:
            a, b = Z[node - m, :2].astype(int)
            stack.extend(sorted((int(a), int(b)), key=lambda k: size[k]))  # larger branch first
    return groups


def split_emergent(topics: np.ndarray, emb: np.ndarray, open_: np.ndarray, min_size: int, share: float,
                    seed: int, max_members: int = 4000) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """Split off distinct groups of open segments that clustering merged into a themed topic.

    A density cluster can swallow a small new subject together with a themed one (virtual wards
    inside an EPR topic). For every topic that is not emergent but holds at least ``min_size``
    open segments, a Ward tree over its members is searched for a branch that is mostly open and
    stands apart from the rest (see ``_open_groups``); each such branch becomes a topic of its own,
    emergent by the share rule. Open segments spread through a themed topic (what the classifier
    missed) form no such branch and stay where they are.
    """
    new = topics.copy()
    next_id = int(topics.max()) + 1 if len(topics) else 0
    notes: list[tuple[str, int]] = []
    for t in sorted(set(int(x) for x in topics) - {-1}):
        members = np.flatnonzero(topics == t)
        n_open = int(open_[members].sum())
        if n_open < min_size or open_[members].mean() >= share or len(members) < 2 * min_size:
            continue
        if len(members) > max_members:  # a tree over more is too slow; such topics are rare
            continue
        for sub_idx in _open_groups(emb[members].astype(np.float64), open_[members], min_size, share):
            sub = members[sub_idx]
            new[sub] = next_id
            notes.append((f"topic {t}: {len(sub)} segments, {int(open_[sub].sum())} of them untagged or "
                          f"low-scoring, form a distinct group; split off as topic {next_id} "
                          "({label})", next_id))
            next_id += 1
    return new, notes


def emergent_candidates(model, idx: np.ndarray, topics: np.ndarray, emerg: dict) -> pd.DataFrame:
    """One row per topic of the model over the open segments ``idx``: its size, share of the open
    segments and the main topic its members were put in (and whether that one is emergent)."""
    rows = []
    for _, r in model.topic_table().iterrows():
        if r["topic"] == -1:
            continue
        members = idx[model.topics_ == r["topic"]]
        main_t = pd.Series(topics[members]).mode().iloc[0]
        rows.append({"candidate": int(r["topic"]), "label": r["label"], "keywords": r["keywords"],
                     "phrase": r["phrase"], "size": int(r["size"]),
                     "share_of_open": round(float(r["size"]) / len(idx), 4),
                     "representative_ids": r["representative_ids"],
                     "representative_text": r["representative_text"],
                     "main_topic": int(main_t), "main_topic_emergent": bool(emerg[int(main_t)])})
    return pd.DataFrame(rows, columns=EMERGENT_COLUMNS) if rows else pd.DataFrame(columns=EMERGENT_COLUMNS)

"""Helpers shared by the quote tests: a model-free embedder and a builder of small segment tables."""

import hashlib

import numpy as np
import pandas as pd


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


def segments(turns, doc_id="mix-x", themes=("epr",)):
    """A segment table (and its one source text) from ``turns``: dicts with ``speaker``, ``text``
    and optionally ``kind`` (transcript), ``role`` (participant), ``trust_type``, ``region``,
    ``person`` (participant id; default from the speaker) and ``score_<theme>`` (default 0.9; a
    theme is tagged when its score is at least 0.5)."""
    lines, rows, pos = [], [], 0
    for t in turns:
        label = f"{t['speaker']}: "
        start = pos + len(label)
        lines.append(label + t["text"] + "\n")
        pos += len(label) + len(t["text"]) + 1
        tt, rg = t.get("trust_type", ""), t.get("region", "")
        row = {"doc_id": doc_id, "segment_id": f"{doc_id}#{start}-{start + len(t['text'])}", "source": f"{doc_id}.txt",
               "kind": t.get("kind", "transcript"), "speaker": t["speaker"],
               "participant_id": t.get("person", f"{doc_id}/{t['speaker']}"), "role": t.get("role", "participant"),
               "text": t["text"], "start": start, "end": start + len(t["text"]), "edits": "[]",
               "trust_type": tt, "region": rg, "attribution": f"{tt} trust, {rg}" if tt else ""}
        for th in themes:
            score = t.get(f"score_{th}", 0.9)
            row[f"theme_{th}"], row[f"score_{th}"] = int(score >= 0.5), score
        rows.append(row)
    return "".join(lines), pd.DataFrame(rows)

"""The model card a report shows: what the classifier is, how accurate it is on real text, its limits.

A reader of a report needs a few lines, not the model folder's ``meta.json`` (three screens of
JSON): :func:`model_card` picks them out, real-text accuracy first, and says plainly what the
figures mean. The full ``meta.json`` goes beside the report as a file for whoever needs it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["model_card"]


def _f1_from_counts(per: dict) -> tuple[float, float, float] | None:
    """Macro precision, recall and F1 from per-theme confusion counts."""
    ps, rs, fs = [], [], []
    for c in per.values():
        if not isinstance(c, dict) or "tp" not in c:
            continue
        tp, fp, fn = c["tp"], c["fp"], c["fn"]
        ps.append(tp / (tp + fp) if tp + fp else 0.0)
        rs.append(tp / (tp + fn) if tp + fn else 0.0)
        fs.append(2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else 0.0)
    if not fs:
        return None
    n = len(fs)
    return sum(ps) / n, sum(rs) / n, sum(fs) / n


def model_card(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """(heading, plain sentence) rows for a report's model card; empty when ``meta`` is empty."""
    if not meta:
        return []
    rows: list[tuple[str, str]] = []
    cb = meta.get("codebook") or {}
    themes = meta.get("themes") or [t.get("id") for t in cb.get("themes", [])]
    emb = (meta.get("embedding") or {}).get("name") or meta.get("embedding_model") or "an embedding model"
    kind = "zero-shot (the codebook's descriptions only)" if (meta.get("config") or {}).get("zero_shot") else \
        "a trained classifier"
    what = f"{kind} over {emb} sentence embeddings"
    if cb.get("name"):
        what += f", for the codebook \u201c{cb['name']}\u201d"
    if themes:
        what += f" ({len(themes)} themes)"
    rows.append(("Model", what + "."))
    td = meta.get("training_data") or {}
    if td.get("n_texts"):
        f = td.get("file") or {}
        sources = [f["name"]] if f.get("name") else []
        sources += [f"{a.get('n_texts', '?')} texts from {a.get('name', '?')} (weight {a.get('weight', 1)})"
                    for a in f.get("added") or []]
        rows.append(("Trained on", f"{td['n_texts']:,} labelled texts" + (": " + " and ".join(sources) if sources else "")
                     + "."))
    er = meta.get("error_rates") or {}
    real = _f1_from_counts(er.get("default") or {})
    if real:
        p, r, f1 = real
        data = er.get("data") or {}
        n = data.get("n_texts")
        rows.append(("Accuracy on real text",
                     f"macro-F1 {f1:.2f} (precision {p:.2f}, recall {r:.2f})"
                     + (f" on {n} real texts" if n else "")
                     + f", measured by {er.get('method', 'cross-validation')}."
                     + (" It misses themes more often than it adds wrong ones (recall below precision)." if r < p else "")
                     + " The prevalence estimates take these error rates into account (see the method note)."))
        fast = _f1_from_counts(er.get("fast") or {})
        if fast:
            rows.append(("Fast mode", f"macro-F1 {fast[2]:.2f} on the same real texts."))
    dev = (meta.get("metrics") or {}).get("dev") or {}
    if dev.get("macro_f1") is not None:
        ci = dev.get("macro_f1_ci")
        rows.append(("Accuracy on held-out labelled texts",
                     f"macro-F1 {dev['macro_f1']:.2f}" + (f" (95% interval {ci[0]:.2f}-{ci[1]:.2f})" if ci else "")
                     + f" on {dev.get('n_texts', '?')} texts of {dev.get('file', 'the dev file')}"
                     + (": texts like the training texts, so higher than on real text." if real else ".")))
    limits = meta.get("limits")
    text = ("Counts are of people who raised a theme in what they said, not of what they think; small groups are "
            "suppressed; review the quotes before publishing.")
    if isinstance(limits, str) and limits.strip():
        text = limits.strip() + " " + text
    elif isinstance(limits, list):
        text = " ".join(str(x) for x in limits) + " " + text
    rows.append(("Limits", text))
    if meta.get("folder_sha256"):
        rows.append(("Model folder digest", f"sha256 {meta['folder_sha256']} (pin it with --model-sha256)."))
    return rows

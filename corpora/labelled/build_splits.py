"""Build train.csv and dev.csv from the labelled parts, reproducibly.

    python corpora/labelled/build_splits.py          # write train.csv and dev.csv, print the counts
    python corpora/labelled/build_splits.py --check  # fail if the files on disk differ from a rebuild

Steps, all deterministic (seed 0):

1. read every ``parts/part_*.csv`` (columns text, the six theme ids, style) and check labels are
   0/1 and styles are survey | interview | prose;
2. apply ``corrections.csv`` (part, row, text, theme, old, new, reason): label fixes from the
   second-coder adjudication (AGREEMENT.md) that bring the parts in line with GUIDELINES.md; a
   correction whose text or old label no longer matches stops the build;
3. drop exact duplicates after normalising case, punctuation and spacing (the first copy is kept;
   copies whose labels disagree are reported);
4. group near-duplicates (character n-gram TF-IDF cosine >= 0.8) so that a paraphrase of a dev
   text can never sit in train;
5. split groups about 80/20 with iterative multi-label stratification over the six themes, a
   "no theme" flag, the style and the part, so dev mirrors train in all of them.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
THEMES = ["epr", "infrastructure_cyber", "data", "strategy", "productivity", "skills"]
STYLES = ["survey", "interview", "prose"]
COLUMNS = ["id", "text", *THEMES, "style", "part"]
SEED = 0
DEV_SHARE = 0.2
NEAR_DUP = 0.8


def norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def read_parts(folder: Path) -> pd.DataFrame:
    frames = []
    files = sorted(folder.glob("part_*.csv"))
    if not files:
        sys.exit(f"no parts found in {folder}")
    for f in files:
        part = f.stem.split("_", 1)[1]
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        missing = [c for c in ["text", *THEMES, "style"] if c not in df.columns]
        if missing:
            sys.exit(f"{f}: missing column(s) {', '.join(missing)}")
        for c in THEMES:
            bad = ~df[c].isin(["0", "1"])
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                sys.exit(f"{f}:{i + 2}: column {c!r} has value {df[c].iloc[i]!r}, not 0 or 1")
            df[c] = df[c].astype(int)
        bad = ~df["style"].isin(STYLES)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            sys.exit(f"{f}:{i + 2}: style {df['style'].iloc[i]!r} is not one of {STYLES}")
        df["text"] = df["text"].map(lambda t: " ".join(t.split()))
        empty = df["text"] == ""
        if empty.any():
            sys.exit(f"{f}:{int(np.flatnonzero(empty)[0]) + 2}: empty text")
        df["part"] = part
        df["row"] = np.arange(len(df))
        frames.append(df[["text", *THEMES, "style", "part", "row"]])
    return pd.concat(frames, ignore_index=True)


def apply_corrections(df: pd.DataFrame, path: Path) -> int:
    """Apply corrections.csv (part, row, text, theme, old, new, reason); stop on any mismatch."""
    if not path.is_file():
        return 0
    cor = pd.read_csv(path, dtype=str, keep_default_na=False)
    need = ["part", "row", "text", "theme", "old", "new", "reason"]
    missing = [c for c in need if c not in cor.columns]
    if missing:
        sys.exit(f"{path}: missing column(s) {', '.join(missing)}")
    index = {(p, r): i for i, (p, r) in enumerate(zip(df["part"], df["row"]))}
    for i, row in cor.iterrows():
        where = f"{path.name}:{i + 2}"
        if row["theme"] not in THEMES or row["old"] not in ("0", "1") or row["new"] not in ("0", "1"):
            sys.exit(f"{where}: theme must be a theme id and old/new 0 or 1")
        j = index.get((row["part"].strip().lower(), int(row["row"])))
        if j is None:
            sys.exit(f"{where}: no row {row['row']} in part {row['part']}")
        if norm(df.at[j, "text"]) != norm(row["text"]):
            sys.exit(f"{where}: the text of part {row['part']} row {row['row']} has changed since the correction")
        if df.at[j, row["theme"]] != int(row["old"]):
            sys.exit(f"{where}: {row['theme']} is {df.at[j, row['theme']]}, not {row['old']} as the correction expects")
        if not row["reason"].strip():
            sys.exit(f"{where}: a correction needs a reason")
        df.at[j, row["theme"]] = int(row["new"])
    return len(cor)


def dedupe(df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    notes = []
    k = df["text"].map(norm)
    dup = k.duplicated(keep="first")
    for i in np.flatnonzero(dup):
        first = int(np.flatnonzero(k == k.iloc[i])[0])
        if (df.loc[first, THEMES].to_numpy() != df.loc[df.index[i], THEMES].to_numpy()).any():
            notes.append(f"duplicate with different labels kept as first copy: {df['text'].iloc[i][:60]!r}")
    return df[~dup].reset_index(drop=True), notes + [f"dropped {int(dup.sum())} exact duplicate(s)"]


def near_duplicate_groups(texts: list[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    X = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(texts)
    S = (X @ X.T).tocoo()
    parent = list(range(len(texts)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b, v in zip(S.row, S.col, S.data):
        if a < b and v >= NEAR_DUP:
            ra, rb = find(int(a)), find(int(b))
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return np.array([find(i) for i in range(len(texts))])


def split(df: pd.DataFrame) -> np.ndarray:
    """True for dev rows."""
    sys.path.insert(0, str(HERE.parents[1]))
    from insightkit.evaluate import multilabel_train_test_split

    groups = near_duplicate_groups(df["text"].tolist())
    strat = pd.concat([
        df[THEMES],
        (df[THEMES].sum(axis=1) == 0).astype(int).rename("none"),
        pd.get_dummies(df["style"]).astype(int),
        pd.get_dummies(df["part"], prefix="part").astype(int),
    ], axis=1)
    uniq = np.unique(groups)
    G = np.stack([strat[groups == g].max(axis=0).to_numpy() for g in uniq])
    _, dev_groups = multilabel_train_test_split(G, test_size=DEV_SHARE, seed=SEED)
    return np.isin(groups, uniq[dev_groups])


def build() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    df = read_parts(HERE / "parts")
    n_cor = apply_corrections(df, HERE / "corrections.csv")
    df, notes = dedupe(df)
    notes.insert(0, f"applied {n_cor} label correction(s) from corrections.csv")
    df["id"] = [f"{p}{r + 1:04d}" for p, r in zip(df["part"], df["row"])]
    is_dev = split(df)
    train = df[~is_dev][COLUMNS].reset_index(drop=True)
    dev = df[is_dev][COLUMNS].reset_index(drop=True)
    return train, dev, notes


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def counts(df: pd.DataFrame, name: str) -> str:
    n = len(df)
    k = df[THEMES].sum(axis=1)
    parts = ", ".join(f"{p} {c}" for p, c in sorted(df["part"].value_counts().items()))
    styles = ", ".join(f"{s} {int((df['style'] == s).sum())}" for s in STYLES)
    themes = ", ".join(f"{t} {int(df[t].sum())}" for t in THEMES)
    return (f"{name}: {n} texts ({parts}); styles: {styles}\n  themes: {themes}\n"
            f"  none {int((k == 0).sum())}, one {int((k == 1).sum())}, two or more {int((k >= 2).sum())} "
            f"({(k >= 2).mean():.0%})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="verify train.csv and dev.csv match a rebuild")
    args = ap.parse_args(argv)
    train, dev, notes = build()
    files = {HERE / "train.csv": to_csv_bytes(train), HERE / "dev.csv": to_csv_bytes(dev)}
    if args.check:
        stale = [p.name for p, data in files.items() if not p.is_file() or p.read_bytes() != data]
        if stale:
            print(f"out of date: {', '.join(stale)} (run build_splits.py)")
            return 1
        print("train.csv and dev.csv match a rebuild")
        return 0
    for p, data in files.items():
        p.write_bytes(data)
    for n in notes:
        print(n)
    print(counts(pd.concat([train, dev]), "all"))
    print(counts(train, "train"))
    print(counts(dev, "dev"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

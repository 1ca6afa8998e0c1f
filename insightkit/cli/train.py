"""``insightkit train``: fit a theme classifier on a labelled table and save it as a model folder.

The labelled table holds a text column and one 0/1 column per theme, named by the theme's id (or
its exact label). Problems with the table are reported as one line naming the file, the column and
the line, because a silently skipped row would change what the model learned.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path


from insightkit.cli._common import add_out, add_quiet, add_text_column
from insightkit.cli._types import existing_dir, existing_file, fraction, int_at_least, seed
from typing import Any

import numpy as np

from insightkit.errors import InputError, ParameterError
from insightkit.evaluate import MIN_EVAL_POSITIVES, MIN_EVAL_TEXTS, MIN_TRAIN_POSITIVES, few_data_warnings, macro_f1_interval

HELP = "train a theme classifier on labelled texts and save it as a model folder"

def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train", help=HELP,
        description=(
            "Train a theme classifier. TRAIN is a CSV, TSV, XLSX or Parquet table with a text column and one "
            "0/1 column per theme of the codebook, named by the theme id (or the theme's exact label). "
            "The model folder holds meta.json and safetensors/JSON weights, never pickle. "
            "With --zero-shot no TRAIN is needed: the model scores texts by similarity to the codebook."),
    )
    p.add_argument("train", nargs="?", metavar="TRAIN", help="labelled table (CSV, TSV, XLSX or Parquet)")
    p.add_argument("--codebook", metavar="FILE", type=existing_file,
                   help="codebook YAML (or REFI-QDA .qdc); default: the shipped NHS digital codebook")
    add_text_column(p)
    add_out(p, "DIR", "model folder to write, e.g. models/my-codebook")
    p.add_argument("--dev", metavar="FILE", type=existing_file, help="labelled table to evaluate on after training (stored in meta.json)")
    p.add_argument("--zero-shot", action="store_true", help="build a zero-shot model from the codebook alone")
    p.add_argument("--no-fast", action="store_true",
                   help="do not train the fast head (static embeddings, for 'insightkit tag --fast'); by default "
                        "it is trained too and saved in the sub-folder fast/ (first use distils the static "
                        "vectors from MiniLM, about a minute)")
    p.add_argument("--sentence-weight", type=fraction, default=None, metavar="W",
                   help="weight (0-1) of sentence-level scoring: a text of several sentences also gets each view's "
                        "highest sentence score (default: the classifier's default, see docs/classifier.md)")
    p.add_argument("--seed", type=seed, default=0, help="random seed (default 0): same data and seed, same weights")
    p.add_argument("--embedding-model", metavar="DIR", type=existing_dir,
                   help="sentence-transformers model folder (default: the installed all-MiniLM-L6-v2)")
    p.add_argument("--add", action="append", default=[], metavar="FILE", type=existing_file,
                   help="labelled texts of the kind the model will tag (real passages, a team's coded batch; a table "
                        "like TRAIN, or JSON Lines with a 'themes' list): trained on with --add-weight, and with "
                        "--groups the texts the model's error rates are measured on (repeatable)")
    p.add_argument("--add-weight", type=_positive_float, default=3.0, metavar="W",
                   help="weight of each --add text against a TRAIN text (default 3)")
    p.add_argument("--groups", metavar="COLUMN",
                   help="column of the --add files naming each text's source (page, interview, respondent): the model's "
                        "error rates, which 'insightkit prevalence' and the report correct for, are measured by "
                        "--folds-fold cross-validation that holds out whole sources, and stored in meta.json")
    p.add_argument("--folds", type=int_at_least(2), default=5, metavar="K",
                   help="folds of that cross-validation (default 5); each refits the whole model")
    p.add_argument("--fine-tune", action="store_true",
                   help="fine-tune the encoder on the training texts first (TRAIN and --add, weighted; minutes on a "
                        "CPU, and again in every fold of --groups) and save it in the model folder (encoder/); "
                        "the heads then learn on its embeddings")
    p.add_argument("--fine-tune-epochs", type=_positive_float, default=None, metavar="E",
                   help="epochs of that fine-tuning (default 3)")
    p.add_argument("--user", action="append", default=[], metavar="NAME", dest="qdpx_users",
                   help="with a REFI-QDA project (.qdpx) as TRAIN: train on this coder's codings only (repeatable; "
                        "default: every user's)")
    p.add_argument("--fully-coded", nargs="+", default=[], metavar="SOURCE",
                   help="with a .qdpx: these sources were coded completely, so their uncoded segments count as "
                        "'none of the codes' (elsewhere uncoded text is left out)")
    p.add_argument("--fully-coded-all", action="store_true", help="with a .qdpx: every source was coded completely")
    p.add_argument("--copy-to", action="append", default=[], metavar="DIR",
                   help="also write an identical copy of the model folder here (repeatable)")
    add_quiet(p, help="no progress bars")
    p.set_defaults(func=run)


def _positive_float(value: str) -> float:
    try:
        v = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not (v > 0 and v < float("inf")):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {value!r}")
    return v


def _is_model_folder(path: Path) -> bool:
    """A folder a model was saved in: its meta.json names the insightkit model format."""
    import json

    from insightkit.classify import MODEL_FORMAT

    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and meta.get("format") == MODEL_FORMAT


def _check_folders(args) -> None:
    """Before training: --out and every --copy-to can take a model folder, and replacing a --copy-to
    folder deletes nothing but an earlier model (never a folder of other files, an input, or --out)."""
    from insightkit.export import check_output_path, check_outputs

    out = Path(args.out)
    check_output_path(out, folder=True)
    given = [p for p in (args.train, args.dev, args.codebook, args.embedding_model, *getattr(args, "add", [])) if p]
    model_files = ("meta.json", "weights.safetensors", "vocab_words.json", "vocab_chars.json")
    check_outputs([out / f for f in model_files] + [out / "fast" / f for f in model_files], given)
    inputs = [Path(p).resolve() for p in given]
    for extra in args.copy_to:
        dest = Path(extra)
        check_output_path(dest, folder=True)
        rd, ro = dest.resolve(), out.resolve()
        if rd == ro:
            continue
        if ro.is_relative_to(rd) or rd.is_relative_to(ro):
            raise InputError(dest, f"--copy-to folder contains, or is inside, the --out folder {out}")
        for i in inputs:
            if i.is_relative_to(rd):
                raise InputError(dest, f"--copy-to would replace a folder holding the input {i}")
        if dest.is_dir() and any(dest.iterdir()) and not _is_model_folder(dest):
            raise InputError(dest, "--copy-to names a folder that is not empty and holds no model; it would be "
                                   "replaced, so name an empty folder or an earlier copy of a model")


def _replace_folder(src: Path, dest: Path) -> None:
    """Copy ``src`` to ``dest`` beside it first, then swap it in, so ``dest`` is never half a model."""
    import tempfile

    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
        try:
            shutil.copytree(src, tmp, dirs_exist_ok=True)
            old = None
            if dest.exists():
                old = dest.with_name(f"{tmp.name}.old")
                os.replace(dest, old)
            os.replace(tmp, dest)
            if old is not None:
                shutil.rmtree(old)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        raise InputError(dest, f"cannot write the model copy: {exc.strerror or exc}") from None


def _read_added(args, codebook) -> list[tuple[str, list[str], "np.ndarray", list]]:
    """Each --add file's texts, labels and (with --groups) source of each text."""
    from insightkit.classify.labelled import read_labelled

    added = []
    for f in args.add:
        texts, Y, df = read_labelled(f, codebook, args.text_column, require_positives=False)
        groups: list = []
        if args.groups:
            if args.groups not in df.columns:
                raise InputError(f, f"no column {args.groups!r} to group texts by (--groups); columns: "
                                    f"{', '.join(map(str, df.columns))}")
            groups = ["" if v is None else str(v) for v in df[args.groups].tolist()]
        added.append((f, texts, Y, groups))
    return added


def _measure_error_rates(args, model, texts, Y, a_texts, a_Y, groups, codebook) -> dict:
    """Error rates of ``model``'s recipe on the --add texts, by cross-validation that holds out whole groups."""
    from sklearn.base import clone

    from insightkit.classify.calibration import grouped_out_of_fold
    from insightkit.classify.persist import training_data_hash
    from insightkit.evaluate import evaluate_predictions

    def make():
        m = clone(model)
        m.show_progress = False
        return m

    if not args.quiet:
        print(f"measuring error rates: {args.folds}-fold cross-validation over {len(a_texts)} --add texts, "
              f"grouped by {args.groups!r} (each fold refits the model)", file=sys.stderr)
    try:
        oof = grouped_out_of_fold(make, texts, Y, a_texts, a_Y, groups, folds=args.folds,
                                  cal_weight=args.add_weight)
    except ParameterError as exc:
        raise InputError(args.add[0], str(exc)) from exc
    method = (f"{args.folds}-fold cross-validation grouped by {args.groups!r} on {len(a_texts)} labelled texts "
              f"({', '.join(Path(f).name for f in args.add)}); each fold refits the model without its texts")
    data = {"files": [Path(f).name for f in args.add], "n_texts": len(a_texts),
            "sha256": training_data_hash(a_texts, a_Y, codebook.ids)}
    data["macro_f1"] = {speed: round(float(evaluate_predictions(a_Y, tags, codebook.ids)["macro_f1"]), 4)
                        for speed, tags in oof.tags.items()}
    return oof.error_rates(a_Y, codebook.ids, method=method, data=data)


def run(args: argparse.Namespace) -> int:
    from insightkit.classify import ThemeClassifier
    from insightkit.classify.labelled import read_labelled
    from insightkit.pipeline import load_codebook
    from insightkit.evaluate import evaluate_predictions
    from insightkit.integrity import file_sha256

    _check_folders(args)
    qdpx = bool(args.train) and str(args.train).lower().endswith(".qdpx")
    if qdpx:
        codebook, q_texts, q_Y = _qdpx_training(args)
    else:
        if args.qdpx_users or args.fully_coded or args.fully_coded_all:
            raise ParameterError("--user, --fully-coded and --fully-coded-all are for a .qdpx project as TRAIN")
        codebook = load_codebook(args.codebook)
    if args.zero_shot and (args.add or args.fine_tune):
        raise ParameterError("--zero-shot takes no labelled texts: drop --add and --fine-tune")
    if args.groups and not args.add:
        raise ParameterError("--groups names a column of the --add files: give them with --add")
    fine_tune = None
    if args.fine_tune:
        fine_tune = {} if args.fine_tune_epochs is None else {"epochs": args.fine_tune_epochs}
    elif args.fine_tune_epochs is not None:
        raise ParameterError("--fine-tune-epochs needs --fine-tune")
    model = ThemeClassifier(codebook, text_column=args.text_column, seed=args.seed,
                            embedding_model=args.embedding_model, show_progress=not args.quiet,
                            zero_shot=args.zero_shot, fast_head=not (args.no_fast or args.zero_shot),
                            fine_tune=fine_tune,
                            **({} if args.sentence_weight is None or args.zero_shot
                               else {"sentence_weight": args.sentence_weight}))
    training_file: dict[str, Any] | None = None
    error_rates = None
    if args.zero_shot:
        if args.train:
            print("note: --zero-shot ignores TRAIN; the model uses the codebook only", file=sys.stderr)
        model.fit()
    else:
        if not args.train:
            raise ParameterError("TRAIN is required (or use --zero-shot)")
        texts, Y = (q_texts, q_Y) if qdpx else read_labelled(args.train, codebook, args.text_column)[:2]
        training_file = {"name": Path(args.train).name, "sha256": file_sha256(Path(args.train))}
        added = _read_added(args, codebook)
        if added:
            training_file["added"] = [{"name": Path(f).name, "sha256": file_sha256(Path(f)), "n_texts": len(t),
                                       "weight": args.add_weight} for f, t, _, _ in added]
        a_texts = [t for _, ts, _, _ in added for t in ts]
        a_Y = np.vstack([y for _, _, y, _ in added]) if added else np.zeros((0, len(codebook)), dtype=int)
        all_texts, all_Y = texts + a_texts, np.vstack([Y, a_Y])
        w = np.r_[np.ones(len(texts)), np.full(len(a_texts), args.add_weight)] if added else None
        try:
            model.fit(all_texts, all_Y, sample_weight=w)
        except ValueError as exc:
            raise InputError(args.train, str(exc)) from exc
        if args.groups:
            error_rates = _measure_error_rates(args, model, texts, Y, a_texts, a_Y,
                                               [g for _, _, _, gs in added for g in gs], codebook)
    metrics = {}
    warnings_: list[str] = []
    if not args.zero_shot:
        warnings_ += few_data_warnings(
            len(all_texts), {t: int(n) for t, n in zip(codebook.ids, np.asarray(all_Y).sum(axis=0))},
            what="the training data", min_texts=10 * len(codebook), min_positives=MIN_TRAIN_POSITIVES)
    if args.dev:
        dtexts, dY, _ = read_labelled(args.dev, codebook, args.text_column, require_positives=False)
        dpred = model.predict(dtexts)
        rep = evaluate_predictions(dY, dpred, codebook.ids)
        lo, hi = macro_f1_interval(dY, dpred, codebook.ids, seed=args.seed)
        rep["macro_f1_ci"] = [round(lo, 4), round(hi, 4)]
        metrics["dev"] = {"file": Path(args.dev).name, "sha256": file_sha256(Path(args.dev)), **rep}
        warnings_ += few_data_warnings(len(dtexts), {t: int(v["support"]) for t, v in rep["themes"].items()},
                                       what=f"the dev set {Path(args.dev).name}", min_texts=MIN_EVAL_TEXTS,
                                       min_positives=MIN_EVAL_POSITIVES)
        if getattr(model, "fast_", None) is not None:
            frep = evaluate_predictions(dY, model.at_speed("fast").predict(dtexts), codebook.ids)
            metrics["fast"] = {"dev": {"file": Path(args.dev).name, "sha256": file_sha256(Path(args.dev)), **frep}}
    out = model.save(args.out, metrics=metrics, training_file=training_file, error_rates=error_rates)
    for extra in args.copy_to:
        dest = Path(extra)
        if dest.resolve() == out.resolve():
            continue
        _replace_folder(out, dest)
    # summary
    if args.zero_shot:
        print(f"zero-shot model for codebook {codebook.name!r} ({len(codebook)} themes) -> {out}")
    else:
        cv = model.cv_report_
        print(f"trained on {model.n_train_} texts, {len(codebook)} themes -> {out}")
        for tid, th in zip(model.theme_ids_, model.thresholds_):
            extra = f"  cv F1 {cv['themes'][tid]['f1']:.3f}" if cv else ""
            print(f"  {tid:<24} positives {model.train_positives_[tid]:>5}  threshold {th:.3f}{extra}")
        if cv:
            print(f"cross-validated (out-of-fold, {cv['folds']} folds): macro-F1 {cv['macro_f1']:.3f}, "
                  f"micro-F1 {cv['micro_f1']:.3f}")
        fast = getattr(model, "fast_", None)
        if fast is not None:
            fcv = fast.cv_report_
            print("fast head (static embeddings, 'insightkit tag --fast') -> "
                  f"{Path(out) / 'fast'}" + (f": cross-validated macro-F1 {fcv['macro_f1']:.3f}" if fcv else ""))
    if error_rates is not None:
        f1 = error_rates["data"].get("macro_f1", {})
        print(f"error rates ({error_rates['method']}): out-of-fold macro-F1 "
              + ", ".join(f"{speed} {v:.3f}" for speed, v in f1.items()) + "; stored in meta.json for "
              "'insightkit prevalence' and the report")
    from insightkit.integrity import model_digest

    print(f"model folder digest: sha256 {model_digest(out)} (record it; pin loads with --model-sha256)")
    if "dev" in metrics:
        d = metrics["dev"]
        lo, hi = d["macro_f1_ci"]
        print(f"dev ({d['file']}, {d['n_texts']} texts): macro-F1 {d['macro_f1']:.3f} (95% interval {lo:.2f}-{hi:.2f}, "
              f"bootstrap over texts), micro-F1 {d['micro_f1']:.3f}, samples-F1 {d['samples_f1']:.3f}")
    if "fast" in metrics:
        d = metrics["fast"]["dev"]
        print(f"dev, fast head: macro-F1 {d['macro_f1']:.3f}, micro-F1 {d['micro_f1']:.3f}")
    for w in warnings_:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def _qdpx_training(args):
    """A REFI-QDA project as training data: its codes as the codebook, its codings as the labels
    (:func:`insightkit.pipeline.qdpx.training_set`); prints how many segments each code has."""
    import warnings

    from insightkit.pipeline.qdpx import read_qdpx, training_set

    if args.codebook:
        raise ParameterError("a .qdpx project brings its own codebook: drop --codebook")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = read_qdpx(args.train, show_progress=False if args.quiet else None)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    full = "all" if args.fully_coded_all else args.fully_coded
    codebook, texts, Y, counts, notes = training_set(result, args.qdpx_users, full)
    print(f"{Path(args.train).name}: {len(texts):,} labelled segments, {len(codebook)} codes")
    for t in codebook.themes:
        print(f"  {t.label:<32} segments {counts[t.id]:>5}")
    for n in notes:
        print(f"note: {n}", file=sys.stderr)
    return codebook, texts, Y

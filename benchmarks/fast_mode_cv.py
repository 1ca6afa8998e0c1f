"""Tuning check for the fast head, by cross-validation on training data only (never the test splits).

For pxtextmining training splits (80% of the seed's 80/20 split, benchmarks/classifier_pxtextmining.py),
5-fold out-of-fold probabilities of each view on its own (words, chars, the static embedding at
C 1/4/16, MiniLM at C 4), then combined with the static (or MiniLM) view weighted 0.5/1/1.5 against
words and chars, thresholds tuned on the same out-of-fold scores (as the model's cv report does).

Run:  python benchmarks/fast_mode_cv.py [SEED ...]   (default seeds 1 3)
Writes benchmarks/results/fast_mode_cv.json.
"""
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).resolve().parent))
import classifier_pxtextmining as px
from insightkit.classify import ThemeClassifier, tune_thresholds
from insightkit.codebook import Codebook
from insightkit.classify.scoring import views_proba
from insightkit.classify.views import fit_views
from insightkit.evaluate import MultilabelStratifiedKFold, multilabel_train_test_split, evaluate_predictions
from insightkit.embed import get_static_embedder, get_embedder

if not px.DATA.is_file():
    print(f"skipped: the pxtextmining data are not available at {px.DATA}")
    sys.exit(0)
texts, Y, labels, _ = px.load(px.DATA)
cb = Codebook.from_labels(labels, name="px")
out = {}
for seed in [int(s) for s in sys.argv[1:]] or [1, 3]:
    tr, te = multilabel_train_test_split(Y, test_size=0.2, seed=seed)
    T = [texts[i] for i in tr]
    Yt = Y[tr]
    Es = get_static_embedder().encode(T).astype(np.float64)
    Em = get_embedder().encode(T).astype(np.float64)
    oof = {}
    t0 = time.time()
    for f_tr, f_te in MultilabelStratifiedKFold(5, random_state=0).split(None, Yt):
        def run(view, E, **kw):
            m = ThemeClassifier(cb, speed="fast", features=(view,), **kw)
            m.features_ = m._check_params(zero_shot=False)
            Ttr = [T[i] for i in f_tr]
            Tte = [T[i] for i in f_te]
            v = fit_views(m, Ttr, None if E is None else E[f_tr], Yt[f_tr])
            return views_proba(m, v, Tte, None if E is None else E[f_te])
        parts = {"words": run("words", None), "chars": run("chars", None)}
        for C in (1.0, 4.0, 16.0):
            parts[f"static_C{C:g}"] = run("embedding", Es, C_embedding=C)
        parts["minilm_C4"] = run("embedding", Em, C_embedding=4.0)
        for k, P in parts.items():
            oof.setdefault(k, np.zeros(Yt.shape))[f_te] = P
    def score(P):
        thr, _ = tune_thresholds(P, Yt, 20.0)
        return round(evaluate_predictions(Yt, (P >= thr).astype(int), labels)["macro_f1"], 4)
    res = {}
    for emb in ("minilm_C4", "static_C1", "static_C4", "static_C16"):
        for we in (0.5, 1.0, 1.5):
            res[f"{emb} w{we:g}"] = score((we * oof[emb] + oof["words"] + oof["chars"]) / (we + 2))
    res["words+chars only"] = score((oof["words"] + oof["chars"]) / 2)
    out[seed] = res
    print(seed, round(time.time() - t0), json.dumps(res, indent=0), flush=True)

res = {"benchmark": "fast_mode_cv", "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
       "machine": px.machine(), "protocol": __doc__.strip().splitlines()[2:6], "macro_f1_oof": out}
Path(__file__).resolve().parent.joinpath("results", "fast_mode_cv.json").write_text(json.dumps(res, indent=2) + "\n")

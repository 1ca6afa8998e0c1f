"""The theme classifier, as a package: one module per job.

* :mod:`.estimator` - :class:`ThemeClassifier` (fit, predict_proba, predict, score, tag) and :func:`load_model`
* :mod:`.views` - the views (embedding, words, chars, neighbours): fitting and scoring each
* :mod:`.scoring` - their weighted average and sentence-level scoring (:func:`split_sentence_spans`)
* :mod:`.thresholds` - per-theme thresholds from out-of-fold scores (:func:`tune_thresholds`)
* :mod:`.zero_shot` - scoring by similarity to the codebook, without labelled texts
* :mod:`.fast` - the fast head on static vectors (``at_speed("fast")``)
* :mod:`.tagging` - reading X and Y, adding theme_/score_ columns to a table
* :mod:`.persist` - the model folder: save, load, verify, the default model
* :mod:`.stream` - tagging chunks of a table too large for memory
"""

from insightkit.classify.estimator import ThemeClassifier, load_model
from insightkit.classify.fast import SPEEDS, STATIC_FINGERPRINT_TOL
from insightkit.classify.persist import (
    MODEL_FORMAT,
    MODEL_FORMAT_VERSION,
    default_theme_model_path,
    training_data_hash,
    verify_model_folder,
)
from insightkit.classify.scoring import split_sentence_spans
from insightkit.classify.thresholds import tune_thresholds
from insightkit.classify.views import FEATURES

__all__ = [
    "ThemeClassifier",
    "load_model",
    "default_theme_model_path",
    "verify_model_folder",
    "split_sentence_spans",
    "tune_thresholds",
    "training_data_hash",
    "FEATURES",
    "SPEEDS",
    "STATIC_FINGERPRINT_TOL",
    "MODEL_FORMAT",
    "MODEL_FORMAT_VERSION",
]

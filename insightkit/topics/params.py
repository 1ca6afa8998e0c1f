"""How the topic model is sized from the corpus, and the vocabulary its keywords come from.

One rule decides every size-dependent setting, so a 25-answer batch and a 10,000-comment survey
both get a model that runs and makes sense (the rule is explained in ``docs/topics.md``):

* fewer than ``MIN_SEGMENTS`` segments: no model, a "too few segments" message;
* fewer than ``UMAP_MIN_SEGMENTS``: no UMAP; agglomerative clustering on the embeddings with the
  number of topics picked by silhouette (UMAP and HDBSCAN are unstable or fail on tiny inputs);
* otherwise UMAP (cosine, ``min_dist=0``) then HDBSCAN, with neighbourhood and cluster sizes that
  grow with the square root of the corpus size.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass

__all__ = [
    "MIN_SEGMENTS",
    "UMAP_MIN_SEGMENTS",
    "TopicParams",
    "choose_params",
    "STOP_WORDS",
    "FILLER_WORDS",
    "PLACEHOLDER_RX",
    "strip_placeholders",
    "make_vectorizer",
]

#: Below this many segments no topic model is fitted: every segment is reported with a message.
MIN_SEGMENTS = 8
#: Below this many segments UMAP/HDBSCAN are skipped for agglomerative clustering on embeddings.
UMAP_MIN_SEGMENTS = 100


def _round(x: float) -> int:
    return int(math.floor(x + 0.5))


@dataclass(frozen=True)
class TopicParams:
    """Settings chosen for one fit; stored with the model and reported in results."""

    n_segments: int
    method: str  # "umap+hdbscan" | "agglomerative" | "none"
    min_cluster_size: int
    min_samples: int | None = None
    n_neighbors: int | None = None
    n_components: int | None = None
    n_epochs: int | None = None
    max_topics: int | None = None  # agglomerative only: largest number of topics tried
    max_cluster_size: int | None = None  # HDBSCAN: no topic larger than this (a quarter of the corpus)

    def to_dict(self) -> dict:
        return asdict(self)


def choose_params(n: int, *, min_topic_size: int | None = None) -> TopicParams:
    """Model settings for a corpus of ``n`` segments (``min_topic_size`` overrides the cluster size).

    ``min_cluster_size = max(5, round(sqrt(n) / 2))`` (3 below ``UMAP_MIN_SEGMENTS``), so topics
    stay a readable number: about 10-40 on a few thousand answers. ``min_samples`` is a third of
    it (HDBSCAN's default, equal to ``min_cluster_size``, leaves a third of short answers as noise).
    ``n_neighbors = clip(round(sqrt(n) / 2), 5, 15)``: local structure on small corpora, BERTopic's
    default 15 from 900 segments up. ``n_epochs`` is 200 from 2,000 segments (UMAP's own default
    is 500 below 10,000, which costs time without changing the clusters much). No topic may hold
    more than a quarter of the corpus (``max_cluster_size``): on small corpora HDBSCAN otherwise
    tends to return one broad cluster that swallows distinct small subjects.
    """
    n = int(n)
    if n < MIN_SEGMENTS:
        return TopicParams(n_segments=n, method="none", min_cluster_size=max(2, min_topic_size or 2))
    root = math.sqrt(n)
    if n < UMAP_MIN_SEGMENTS:
        mcs = int(min_topic_size) if min_topic_size else max(3, _round(root / 2))
        mcs = max(2, min(mcs, n // 2))
        return TopicParams(
            n_segments=n,
            method="agglomerative",
            min_cluster_size=mcs,
            max_topics=max(1, min(10, n // mcs)),
        )
    mcs = int(min_topic_size) if min_topic_size else max(5, _round(root / 2))
    mcs = max(2, min(mcs, n // 2))
    return TopicParams(
        n_segments=n,
        method="umap+hdbscan",
        min_cluster_size=mcs,
        min_samples=max(2, _round(mcs / 3)),
        n_neighbors=int(min(15, max(5, _round(root / 2)))),
        n_components=5,
        n_epochs=200 if n >= 2000 else None,
        max_topics=50,
        max_cluster_size=max(2 * mcs, n // 4),
    )


# --- vocabulary ----------------------------------------------------------------------------

#: Words of speech and survey filler that carry no topic: they would otherwise top every
#: transcript topic ("yeah", "think", "know").
FILLER_WORDS = frozenset(
    """
    um umm uh uhh er erm hmm mm mmm ah oh eh huh yeah yep yes yea no nope okay ok ooh
    like know think thought mean means meant guess suppose really actually basically literally
    obviously honestly genuinely probably maybe perhaps just quite pretty rather fairly bit lot
    lots kind kinds sort sorts stuff thing things something anything everything way ways
    gonna gotta wanna got get gets getting go goes going gone went come comes coming came
    say says saying said tell told talk talking look looking looked let lets
    right well sure fine good great really very much many also still even though although
    able want wanted wants need needed needs make makes making made use used using
    people person someone everyone anyone somebody everybody
    don didn doesn isn wasn weren aren haven hasn hadn couldn wouldn shouldn won ain
    ve ll re im ive dont cant wont didnt doesnt isnt thats theres youre theyre weve
    emptydoc xx xxx xxxx xxxxx xxxxxx
    """.split()
)

try:  # scikit-learn's list is the base; it is a frozenset of lower-case words
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as _SK_STOP
except Exception:  # pragma: no cover - scikit-learn is a hard dependency
    _SK_STOP = frozenset()

#: Redaction placeholder types (see ``insightkit.segments.REDACTION_COLUMNS``): lower-cased, they
#: must never become keywords even where a placeholder was written without its brackets.
_PLACEHOLDER_TYPES = ("person", "org", "email", "phone", "nhs_number", "postcode", "url")

#: Stop list for topic keywords: English stop words, filler words, redaction placeholder names.
STOP_WORDS: tuple[str, ...] = tuple(sorted(set(_SK_STOP) | FILLER_WORDS | set(_PLACEHOLDER_TYPES)))

#: Placeholders the redactor writes into text, such as ``[PERSON]``, ``[ORG_2]`` or ``<EMAIL>``.
PLACEHOLDER_RX = re.compile(r"[\[<{]\s*[A-Z][A-Z0-9_]*(?:\s*[-_#]?\s*\d+)?\s*[\]>}]")

#: Tokens: words of two or more letters (digits, scores and dates never become keywords); a
#: hyphenated word stays whole ("wi-fi", "non-exec"), never two fragments ("wi", "fi").
TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W\d_]+(?:-[^\W\d_]+)*\b"


def strip_placeholders(text: str) -> str:
    """The text keywords are counted on: placeholders removed (the embedding still saw them)."""
    return PLACEHOLDER_RX.sub(" ", text)


def make_vectorizer(*, stop_words: bool = True, ngram_range: tuple[int, int] = (1, 1)):
    """CountVectorizer for c-TF-IDF keywords: unigrams and bigrams, stop/filler words removed.

    Only JSON-serialisable settings, so the vectorizer is saved and restored by BERTopic's
    safetensors serialization. ``min_df`` stays 1: c-TF-IDF counts words over one joined document
    per topic, where ``min_df=2`` would drop exactly the words that are specific to one topic.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(
        stop_words=list(STOP_WORDS) if stop_words else None,
        token_pattern=TOKEN_PATTERN,
        ngram_range=ngram_range,
        lowercase=True,
    )

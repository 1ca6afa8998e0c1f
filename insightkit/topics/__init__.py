"""Topic modelling: BERTopic topics over segments, sub-themes within codebook themes, emergent themes.

``discover_topics`` is the one call most users need; ``TopicModel`` is the fitted model underneath.
"""

from insightkit.topics.discover import TopicResult, discover_topics
from insightkit.topics.model import TopicModel

__all__ = ["TopicModel", "TopicResult", "discover_topics"]

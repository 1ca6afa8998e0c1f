"""Small talk in calls: greetings, thanks, goodbyes, apologies, back-channel and call logistics.

A turn such as "Sorry, bye. Thanks, take care" or "Yeah, yeah, that's right" says nothing about
any theme, yet a call holds dozens of them: left in, they become the largest emergent "topics"
("sorry, bye, thanks") and crowd quote candidates. A turn is small talk when nothing is left of it
once the words of small talk, call logistics, fillers and function words are set aside, and it is
short. Such turns go to the rejected table with the reason ``small_talk`` and the words it held, so
they are accounted for, not lost. A turn with one word of substance ("Yes, the EPR") stays.
"""

from __future__ import annotations

import re
from typing import Iterable

__all__ = ["DEFAULT_SMALL_TALK", "is_small_talk", "MAX_SMALL_TALK_WORDS"]

#: single words of greetings, thanks, goodbyes, apologies, agreement and back-channel
DEFAULT_SMALL_TALK: tuple[str, ...] = (
    # greetings and goodbyes
    "hi", "hiya", "hello", "hey", "morning", "afternoon", "evening", "bye", "goodbye", "byebye", "cheerio",
    "cheers", "ta", "tara", "later", "soon", "care", "welcome", "nice", "meet", "meeting", "lovely",
    # thanks and apologies
    "thanks", "thank", "thankyou", "appreciate", "appreciated", "grateful", "sorry", "apologies", "pardon",
    "excuse", "worries", "problem", "pleasure",
    # agreement, back-channel and evaluation of the exchange itself
    "yes", "yeah", "yep", "yup", "aye", "no", "nope", "ok", "okay", "okey", "alright", "right", "sure", "fine",
    "great", "good", "brilliant", "perfect", "fab", "fabulous", "fantastic", "wonderful", "excellent", "super",
    "cool", "lovely", "absolutely", "definitely", "exactly", "indeed", "totally", "certainly", "correct",
    "course", "grand", "genuinely", "mostly", "saying", "loud", "clear", "quiet", "echo", "froze",
    "accurate", "true", "agreed", "agree", "fair", "enough", "interesting", "wow", "gosh", "oh", "ah", "aha",
    "mm", "mmm", "hmm", "mhm", "uh", "um", "erm", "er", "huh", "ha", "haha", "laughs", "laughter", "crosstalk",
    "inaudible", "pause", "silence", "much", "lot", "very", "really", "so", "well", "anyway", "anyways",
    "bit", "again", "too", "also", "fun", "chat", "talking", "speak", "speaking", "talk", "catch", "see",
    # call logistics
    "hear", "hearing", "can", "mute", "muted", "unmute", "sound", "audio", "video", "camera", "screen", "share",
    "sharing", "line", "connection", "signal", "lag", "frozen", "dropped", "back", "recording", "record",
    "start", "started", "go", "going", "ahead", "wrap", "close", "finish", "finished", "done", "end",
    "time", "today", "minutes", "minute", "second", "sec", "moment", "hang", "hold", "call", "join", "joined",
    "joining", "link", "teams", "zoom", "email", "send", "sent", "follow", "up", "transcript", "questions",
    "question", "anything", "else", "all", "that", "everything", "bits", "help", "helpful", "useful",
    "nothing", "further", "add", "more",
)
#: a turn longer than this is never small talk, whatever its words
MAX_SMALL_TALK_WORDS = 30

_FUNCTION = frozenset((
    "i", "i'm", "i've", "i'll", "i'd", "me", "my", "we", "we're", "we'll", "we've", "us", "our", "you", "you're",
    "you've", "you'll", "your", "it", "it's", "its", "this", "that's", "there", "there's", "here", "a", "an", "the",
    "and", "or", "but", "of", "to", "for", "with", "on", "in", "at", "by", "from", "is", "are", "was", "were", "be",
    "been", "am", "do", "did", "does", "have", "has", "had", "will", "would", "could", "should", "shall", "just",
    "if", "as", "then", "now", "not", "what", "who", "how", "let", "let's", "let’s", "get", "got", "gonna",
    "take", "taking", "one", "some", "for", "both", "more", "any", "again", "yours", "them", "they", "he",
    "she", "him", "her", "mine", "oh", "s", "t", "ll", "ve", "d", "m", "re", "don't", "didn't", "won't", "can't",
    "shan't", "isn't", "wasn't", "everyone", "everybody", "all", "guys", "folks", "sir", "madam",
))
_WORD_RX = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def is_small_talk(text: str, words: Iterable[str] | frozenset[str] = DEFAULT_SMALL_TALK) -> str | None:
    """The reason detail when ``text`` is small talk (its words, shortened), else None."""
    found = [w.lower().replace("’", "'") for w in _WORD_RX.findall(text)]
    if not found or len(found) > MAX_SMALL_TALK_WORDS:
        return None
    vocab = words if isinstance(words, frozenset) else frozenset(w.lower() for w in words)
    for w in found:
        base = w[:-2] if w.endswith("'s") else w
        if w in vocab or w in _FUNCTION or base in vocab or base in _FUNCTION:
            continue
        return None
    return f"small talk {text.strip()[:40]!r}"

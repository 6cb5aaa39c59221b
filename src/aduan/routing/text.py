"""Text normalisation for routing: Indonesian complaints as citizens write them.

Complaints arrive in informal Bahasa Indonesia (and some Javanese): abbreviations, chat spellings,
URLs, phone and house numbers. The routing model sees a normalised form so that "gak ada pju di
jln 5" and "tidak ada penerangan jalan umum di jalan 7" share their words.
"""

from __future__ import annotations

import re

from aduan.core.spelling import split_words, standard_words
from aduan.core.stemming import sastrawi_stem

_URL = re.compile(r"(?:https?://|www\.)\S+")
_DIGITS = re.compile(r"\d+")


def normalise(text: str) -> str:
    """Lowercase, drop URLs, numbers to 0, standard spellings (``aduan.core.spelling``), words
    separated by single spaces."""
    text = _URL.sub(" ", text.lower())
    text = _DIGITS.sub("0", text)
    return " ".join(standard_words(split_words(text)))


def place_key(name: str) -> str:
    """A name compared case- and space-insensitively: "Jemur Wonosari" -> "jemurwonosari"."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


def stem_word(word: str) -> str:
    """Sastrawi's stem of one word ("perbaikan" -> "baik"); short and non-alphabetic words are
    kept as they are."""
    if len(word) < 4 or not word.isalpha():
        return word
    return sastrawi_stem(word)


def stem(normalised: str) -> str:
    """The stems of a normalised text's words."""
    return " ".join(stem_word(word) for word in normalised.split())

"""Sastrawi, the Indonesian stemmer, shared by routing and search: one stemmer and one cache of
stems per process (building the stemmer reads its dictionary; a new word costs ~1 ms)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


@lru_cache(maxsize=200_000)
def sastrawi_stem(word: str) -> str:
    """Sastrawi's stem of one lower-case word ("perbaikan" -> "baik"), or the word itself when
    Sastrawi returns nothing."""
    return str(_stemmer().stem(word)) or word

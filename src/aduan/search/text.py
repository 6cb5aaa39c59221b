"""Text for the search index and for queries: normalised, informal spellings replaced, stemmed.

Documents and queries go through the same ``tokens`` pipeline, so whatever a complaint was
written with, a query written the same or another way (inflected, informal) meets it:

1. Unicode folded (NFKD, accents dropped) and lower-cased; anything that is not a letter or a
   digit separates words, so punctuation and symbols never reach the database's query parser.
2. Informal spellings replaced by their standard words (``aduan.core.spelling``, the dictionary
   routing and duplicates use too), except the words of ``dictionary.SYNONYMS``: a synonym
   group already matches what they mean ("pju" stays "pju", the name of its group).
3. Each word stemmed with Sastrawi ("perbaikan" and "diperbaiki" both become "baik"). Sastrawi
   costs up to ~10 ms for a new word, so stems are cached per word for the process.

A query is parsed into an AND of groups; a group is an OR of terms (a word and its synonyms
from ``dictionary.SYNONYMS``); a term is one or more stems that must all appear. Text in double
quotes is one term whose stems must also be in that order (a phrase). ``backends`` turns that
into PostgreSQL ``tsquery`` or SQLite FTS5 syntax. A synonym group's phrases ("penerangan jalan
umum") are matched when the document is written, which adds the group's one-word name ("pju"),
so searches need phrase matching only for quoted text.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata

from django.utils.translation import gettext_lazy as _

from aduan.core import spelling
from aduan.core.errors import InvalidInput
from aduan.core.spelling import split_words, standard_words
from aduan.core.stemming import sastrawi_stem
from aduan.search.dictionary import SYNONYMS

MAX_QUERY_LENGTH = 200
MAX_QUERY_TERMS = 10
# Longer "words" (pasted links, codes) are cut here, in documents and queries alike.
MAX_WORD_LENGTH = 40
# Bump when a change to this pipeline changes the indexed text of existing complaints: the
# check ``aduan.search.W001`` then asks for ``aduan search rebuild`` (``index_fingerprint``).
NORMALISER_VERSION = 1

EMPTY_QUERY = _("Enter one or more words to search for.")
QUERY_TOO_LONG = _("The search is too long: use at most %(limit)s characters.")
TOO_MANY_TERMS = _("The search has too many words: use at most %(limit)s.")

_QUOTED = re.compile(r'"([^"]*)"')


def stem(word: str) -> str:
    """The stem of one normalised word (digits are kept, over-long words cut first)."""
    word = word[:MAX_WORD_LENGTH]
    if word.isdigit():
        return word
    return sastrawi_stem(word)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


_SYNONYM_WORDS = frozenset(entry for group in SYNONYMS for entry in group if " " not in entry)


def tokens(text: str) -> list[str]:
    """The stems of ``text`` in order, informal spellings replaced."""
    return [stem(word) for word in standard_words(split_words(_fold(text)), keep=_SYNONYM_WORDS)]


def index_fingerprint() -> str:
    """A hash of what shapes the indexed text besides the complaints: ``NORMALISER_VERSION``,
    the stemmer's release, the informal spellings and ``SYNONYMS``. A full rebuild records it
    (``SearchIndexState``)."""
    shape = {
        "normaliser": NORMALISER_VERSION,
        "stemmer": metadata.version("PySastrawi"),
        "spellings": spelling.SPELLINGS,
        "synonyms": SYNONYMS,
    }
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Term:
    """Stems that must all be in a complaint; with ``phrase``, next to each other in order."""

    words: tuple[str, ...]
    phrase: bool = False


# An OR of terms (a word and its synonyms); a query is an AND of groups.
Group = tuple[Term, ...]


@dataclass(frozen=True)
class _Synonyms:
    """One ``SYNONYMS`` group, stemmed: its alternatives and the one-word name it is indexed by."""

    alternatives: tuple[tuple[str, ...], ...]

    @property
    def name(self) -> str:
        return self.alternatives[0][0]


@lru_cache(maxsize=1)
def _synonym_starts() -> dict[str, list[tuple[tuple[str, ...], _Synonyms]]]:
    """Each synonym alternative by its first stem, longest first, with its whole group."""
    starts: dict[str, list[tuple[tuple[str, ...], _Synonyms]]] = {}
    for entries in SYNONYMS:
        stemmed = [tuple(tokens(entry)) for entry in entries]
        synonyms = _Synonyms(tuple(dict.fromkeys(a for a in stemmed if a)))
        if len(synonyms.alternatives[0]) != 1:
            raise ValueError(f"the first entry of a synonym group must be one word: {entries}")
        for alternative in synonyms.alternatives:
            starts.setdefault(alternative[0], []).append((alternative, synonyms))
    for candidates in starts.values():
        candidates.sort(key=lambda item: -len(item[0]))
    return starts


def _find_synonyms(words: list[str]) -> Iterator[tuple[tuple[str, ...], _Synonyms | None]]:
    """``words`` cut into synonym alternatives (longest first) and single other words."""
    starts = _synonym_starts()
    index = 0
    while index < len(words):
        for alternative, synonyms in starts.get(words[index], ()):
            if tuple(words[index : index + len(alternative)]) == alternative:
                yield alternative, synonyms
                index += len(alternative)
                break
        else:
            yield (words[index],), None
            index += 1


def document_text(*parts: str) -> str:
    """The indexed form of a complaint's texts: stems separated by single spaces, then the
    name of each synonym group one of whose phrases it contains ("lampu jalan" adds "pju"),
    so a search for the group needs no phrase matching (which the GIN index cannot answer)."""
    words = tokens(" ".join(parts))
    names = {
        synonyms.name
        for alternative, synonyms in _find_synonyms(words)
        if synonyms is not None and len(alternative) > 1
    }
    return " ".join([*words, *sorted(names - set(words))])


def _expand(words: list[str]) -> Iterator[Group]:
    """One group per word or synonym found in ``words``: the group's one-word alternatives (its
    name stands for its phrases, see ``document_text``), and the words as typed."""
    for typed, synonyms in _find_synonyms(words):
        if synonyms is None:
            yield (Term(typed),)
            continue
        terms = [Term(a) for a in synonyms.alternatives if len(a) == 1]
        if len(typed) > 1:
            terms.append(Term(typed))  # "lampu jalan" also finds "lampu di jalan"
        yield tuple(terms)


@dataclass(frozen=True)
class Query:
    """A parsed search: every group must match; within a group, any term."""

    groups: tuple[Group, ...]

    def __bool__(self) -> bool:
        return bool(self.groups)


def parse_query(text: str | None) -> Query:
    """Parse what a person typed. Raises ``InvalidInput`` for an empty or too long search;
    a search of punctuation only gives an empty ``Query`` (which matches nothing)."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(EMPTY_QUERY)
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidInput(QUERY_TOO_LONG, limit=MAX_QUERY_LENGTH)
    groups: list[Group] = []
    for position, part in enumerate(_QUOTED.split(text)):
        words = tokens(part)
        if position % 2:  # inside quotes: one phrase, taken literally
            if words:
                groups.append((Term(tuple(words), phrase=len(words) > 1),))
        else:
            groups.extend(_expand(words))
    groups = list(dict.fromkeys(groups))
    if len(groups) > MAX_QUERY_TERMS:
        raise InvalidInput(TOO_MANY_TERMS, limit=MAX_QUERY_TERMS)
    return Query(tuple(groups))

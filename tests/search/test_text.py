"""Normalisation, stemming, the dictionary and query parsing (no database)."""

from __future__ import annotations

import pytest

from aduan.core.errors import InvalidInput
from aduan.search import backends
from aduan.search.text import (
    MAX_QUERY_LENGTH,
    MAX_QUERY_TERMS,
    Query,
    Term,
    document_text,
    parse_query,
    tokens,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Perbaikan", ["baik"]),
        ("diperbaiki", ["baik"]),
        ("PENERANGAN", ["terang"]),
        ("kebanjiran", ["banjir"]),
        ("Jalan   berlubang!!", ["jalan", "lubang"]),
        ("Café résumé", ["cafe", "resume"]),
        ("RT 05/RW 02", ["rt", "05", "rw", "02"]),
    ],
)
def test_tokens_are_folded_split_and_stemmed(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("informal", "standard"),
    [
        ("jln rusak", "jalan rusak"),
        ("lampu gak nyala", "lampu tidak nyala"),
        ("Jl. Merdeka", "jalan merdeka"),
    ],
)
def test_informal_spellings_index_as_the_standard_words(informal: str, standard: str) -> None:
    assert document_text(informal) == document_text(standard)


def test_document_joins_title_and_description() -> None:
    assert document_text("Jalan rusak", "Perbaikan segera") == "jalan rusak baik segera"


def test_query_terms_are_anded_groups() -> None:
    query = parse_query("jln perbaikan")
    assert query.groups == ((Term(("jalan",)),), (Term(("baik",)),))


def test_synonyms_become_or_groups() -> None:
    query = parse_query("banjir")
    assert query.groups == ((Term(("banjir",)), Term(("genang",))),)
    assert backends.tsquery(query) == "('banjir' | 'genang')"
    assert backends.fts5_query(query) == '("banjir" OR "genang")'


def test_documents_with_a_synonym_phrase_carry_the_group_name() -> None:
    assert document_text("Penerangan jalan umum padam") == "terang jalan umum padam pju"
    assert document_text("Lampu jalan mati") == "lampu jalan mati pju"
    assert document_text("Lampu di jalan mati") == "lampu di jalan mati"
    # "umum" is often left out: "lampu penerangan jalan".
    assert document_text("Lampu penerangan jalan mati") == "lampu terang jalan mati pju"
    assert document_text("PJU mati, lampu jalan juga") == "pju mati lampu jalan juga"


def test_multi_word_synonyms_search_the_group_name_or_the_typed_words() -> None:
    short = parse_query("pju mati")
    assert backends.tsquery(short) == "('pju') & ('mati' | 'padam')"
    long = parse_query("penerangan jalan umum padam")
    assert backends.tsquery(long) == (
        "('pju' | ('terang' & 'jalan' & 'umum')) & ('mati' | 'padam')"
    )
    assert backends.fts5_query(long) == (
        '("pju" OR ("terang" AND "jalan" AND "umum")) AND ("mati" OR "padam")'
    )


def test_quoted_text_is_one_phrase() -> None:
    query = parse_query('"jalan rusak" pasar')
    assert query.groups == ((Term(("jalan", "rusak"), phrase=True),), (Term(("pasar",)),))
    assert backends.tsquery(query) == "(('jalan' <-> 'rusak')) & ('pasar')"
    assert backends.fts5_query(query) == '("jalan rusak") AND ("pasar")'


def test_repeated_words_count_once() -> None:
    assert parse_query("jalan Jalan jln").groups == ((Term(("jalan",)),),)


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_query_is_refused(text: str | None) -> None:
    with pytest.raises(InvalidInput):
        parse_query(text)


def test_too_long_query_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_query("a" * (MAX_QUERY_LENGTH + 1))
    assert str(MAX_QUERY_LENGTH) in str(error.value)
    assert parse_query("a" * MAX_QUERY_LENGTH)


def test_too_many_words_are_refused() -> None:
    words = " ".join(f"kata{n}" for n in range(MAX_QUERY_TERMS + 1))
    with pytest.raises(InvalidInput):
        parse_query(words)


@pytest.mark.parametrize("text", ["!!!", "?? -- ''", '"', "& | ! <-> ( )", "* OR AND NEAR"])
def test_operator_characters_never_reach_the_query(text: str) -> None:
    query = parse_query(text)
    for word in (w for group in query.groups for term in group for w in term.words):
        assert word.isalnum()
    if not any(c.isalnum() for c in text):
        assert query == Query(())

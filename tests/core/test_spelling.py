"""The one dictionary of informal spellings, and the three apps that read it."""

from __future__ import annotations

import pytest

from aduan.core.spelling import SPELLINGS, split_words, standard_words
from aduan.duplicates.scoring import normalize as duplicates_normalize
from aduan.routing.text import normalise as routing_normalise
from aduan.search.text import tokens as search_tokens


def standard(text: str) -> str:
    return " ".join(standard_words(split_words(text)))


@pytest.mark.parametrize(
    ("informal", "expected"),
    [
        # from routing's former SLANG
        ("Lampu PJU", "lampu penerangan jalan umum"),
        ("ppdb sd", "penerimaan peserta didik baru sekolah dasar"),
        ("warga MBR aja", "warga masyarakat berpenghasilan rendah saja"),
        # from search's former INFORMAL
        ("gimana jln kab", "bagaimana jalan kabupaten"),
        ("knp gak", "kenapa tidak"),
        # from duplicates' former list
        ("lampu2 dpn rmh", "lampu depan rmh"),
        ("dkt 2 bln", "dekat 2 bulan"),
        # where the dictionaries disagreed or were ambiguous
        ("bgt banget", "banget banget"),
        ("jl hr muhammad", "jalan hr muhammad"),
        ("sma skli", "sma skli"),
    ],
)
def test_informal_spellings_become_standard_words(informal: str, expected: str) -> None:
    assert standard(informal) == expected


def test_words_are_lower_case_runs_of_letters_and_digits() -> None:
    assert split_words("Jl. Merdeka No.12/RT-05!") == ["jl", "merdeka", "no", "12", "rt", "05"]


def test_kept_words_stay_as_written() -> None:
    assert list(standard_words(["pju", "jln"], keep={"pju"})) == ["pju", "jalan"]


def test_every_entry_is_one_word_and_maps_to_standard_words() -> None:
    for informal, standard_form in SPELLINGS.items():
        assert split_words(informal) == [informal]
        replaced = split_words(standard_form)
        assert " ".join(replaced) == standard_form
        # No chains: the result never depends on the order of the replacements.
        assert not set(replaced) & SPELLINGS.keys(), informal


def test_routing_search_and_duplicates_use_the_same_dictionary() -> None:
    text = "Yg dpn gg gak ada lampu"
    assert routing_normalise(text) == "yang depan gang tidak ada lampu"
    assert duplicates_normalize(text) == "depan gang lampu"  # filler dropped
    assert search_tokens(text) == search_tokens("yang depan gang tidak ada lampu")

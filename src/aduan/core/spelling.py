"""Informal Indonesian spellings: the one dictionary that routing, search and duplicates share.

Complaints are written as people chat ("gak ada pju di jln", "yg", "udah"). Routing, search and
duplicate detection all replace these words by their standard form, so that the informal and the
formal way of writing meet, and they do it with this dictionary so that a word means the same
everywhere. Each app keeps its own other steps: routing drops URLs and turns numbers into 0,
search folds accents and expands synonyms (``aduan.search.dictionary``), duplicates drop filler
words and shorten repeated letters.

Only words with one meaning in a complaint belong here: a wrong entry costs routing accuracy,
search precision and duplicate scores at once. Left out on purpose: "hr" (Jl. HR Muhammad in
Surabaya as often as "hari"), "sma" (the school, or "sama" in "sma skli"), "banget" -> "sekali"
(a different word, and "sekali" is also "once"). "dr" stays "dari": that is what it means in
most complaints, and where it is the doctor's title a name follows that still says which.

Changing the dictionary changes what search indexes (run ``aduan search rebuild``, see
docs/operations.md "Search index") and the words routing models see (models trained before
still load and predict; retraining lets them learn the new words).
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Iterator

# Informal spelling or abbreviation -> standard word(s), all lower case.
SPELLINGS: dict[str, str] = {
    # negation and time
    "gak": "tidak",
    "ga": "tidak",
    "gk": "tidak",
    "nggak": "tidak",
    "ngga": "tidak",
    "enggak": "tidak",
    "tdk": "tidak",
    "tak": "tidak",
    "blm": "belum",
    "blum": "belum",
    "sdh": "sudah",
    "udah": "sudah",
    "udh": "sudah",
    "dah": "sudah",
    "skrg": "sekarang",
    "msh": "masih",
    "bln": "bulan",
    # chat shorthand
    "yg": "yang",
    "dgn": "dengan",
    "dg": "dengan",
    "utk": "untuk",
    "untk": "untuk",
    "krn": "karena",
    "karna": "karena",
    "dr": "dari",
    "dlm": "dalam",
    "tsb": "tersebut",
    "jg": "juga",
    "sj": "saja",
    "aja": "saja",
    "kalo": "kalau",
    "klo": "kalau",
    "kl": "kalau",
    "tp": "tapi",
    "trs": "terus",
    "bgt": "banget",
    "gimana": "bagaimana",
    "knp": "kenapa",
    "mhn": "mohon",
    "dpn": "depan",
    "dkt": "dekat",
    "lampu2": "lampu",
    "sampai2": "sampai",
    # people
    "sy": "saya",
    "sya": "saya",
    "aq": "aku",
    "org": "orang",
    "bpk": "bapak",
    "pak": "bapak",
    "bu": "ibu",
    # places and streets
    "jln": "jalan",
    "jl": "jalan",
    "jalanan": "jalan",
    "gg": "gang",
    "kel": "kelurahan",
    "kelurhan": "kelurahan",
    "kec": "kecamatan",
    "kecamtan": "kecamatan",
    "kab": "kabupaten",
    "kmp": "kampung",
    # public services
    "pju": "penerangan jalan umum",
    "lpju": "lampu penerangan jalan umum",
    "kk": "kartu keluarga",
    "ktp": "kartu tanda penduduk",
    "ektp": "kartu tanda penduduk",
    "dispenduk": "dispendukcapil",
    "pp": "pamong praja",
    "mbr": "masyarakat berpenghasilan rendah",
    "sd": "sekolah dasar",
    "smp": "sekolah menengah pertama",
    "ppdb": "penerimaan peserta didik baru",
}

_WORD = re.compile(r"[a-z0-9]+")
_STANDARD = {word: tuple(standard.split()) for word, standard in SPELLINGS.items()}


def split_words(text: str) -> list[str]:
    """The words of ``text``, lower-cased: runs of ASCII letters and digits, as the dictionary's
    keys are written (anything else separates words)."""
    return _WORD.findall(text.lower())


def standard_words(words: Iterable[str], *, keep: Container[str] = frozenset()) -> Iterator[str]:
    """``words`` (as :func:`split_words` gives them) with each informal spelling replaced by its
    standard word or words ("pju" -> "penerangan", "jalan", "umum"); words in ``keep`` stay."""
    for word in words:
        if word in keep:
            yield word
        else:
            yield from _STANDARD.get(word, (word,))

"""The search dictionary: common informal spellings and synonyms in Bahasa Indonesia.

Kept small on purpose, and curated by hand: every entry is something residents actually write
in complaints (chat spellings, abbreviations of street words) or a word officers and residents
use for the same thing. Words are written here as people write them; ``aduan.search.text``
normalises and stems them with the same pipeline as the complaints, so an entry like
"genangan" matches "tergenang" too.

Two kinds of entries, used differently:

``INFORMAL``
    One spelling replaced by its standard form, in documents *and* queries (so "jln rusak"
    finds "jalan rusak" and the other way round, at no cost at query time). Only for words
    with one meaning; the replacement may be several words.

``SYNONYMS``
    Groups of words or phrases that mean the same for a search. A query word found in a group
    becomes an OR over the group's words ("banjir" searches "banjir OR genangan"). A document
    holding one of a group's phrases is also indexed under the group's first entry, which must
    be one word ("penerangan jalan umum" adds "pju"), so "pju", "lampu jalan" and "penerangan
    jalan umum" find each other. Changing this dictionary needs ``aduan search rebuild``.
"""

from __future__ import annotations

# Informal or abbreviated spelling -> standard words.
INFORMAL: dict[str, str] = {
    # negation
    "gak": "tidak",
    "ga": "tidak",
    "gk": "tidak",
    "nggak": "tidak",
    "ngga": "tidak",
    "enggak": "tidak",
    "tdk": "tidak",
    "tak": "tidak",
    "blm": "belum",
    "udah": "sudah",
    "udh": "sudah",
    "sdh": "sudah",
    # common chat shorthand
    "yg": "yang",
    "dgn": "dengan",
    "dg": "dengan",
    "utk": "untuk",
    "krn": "karena",
    "tsb": "tersebut",
    "bgt": "sekali",
    "banget": "sekali",
    "kalo": "kalau",
    "gimana": "bagaimana",
    "knp": "kenapa",
    "sy": "saya",
    "tp": "tapi",
    "dr": "dari",
    "org": "orang",
    # places and streets
    "jln": "jalan",
    "jl": "jalan",
    "gg": "gang",
    "kel": "kelurahan",
    "kec": "kecamatan",
    "kab": "kabupaten",
    "kmp": "kampung",
    "sd": "sekolah dasar",
    "smp": "sekolah menengah pertama",
}

# Groups of words or phrases that a search treats as one.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("pju", "penerangan jalan umum", "lampu jalan"),
    ("mati", "padam"),
    ("sampah", "limbah"),
    ("banjir", "genangan"),
    ("rusak", "hancur"),
    ("berlubang", "lubang"),
    ("macet", "kemacetan"),
    ("pungli", "pungutan liar"),
    ("pdam", "air bersih"),
    ("selokan", "got", "saluran air", "drainase"),
    ("bpjs", "jaminan kesehatan"),
    ("ktp", "kartu tanda penduduk"),
)

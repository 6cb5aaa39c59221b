"""The search dictionary: synonyms in Bahasa Indonesia.

Kept small on purpose, and curated by hand: words officers and residents use for the same
thing. Words are written here as people write them; ``aduan.search.text`` normalises and stems
them with the same pipeline as the complaints, so an entry like "genangan" matches "tergenang"
too. Informal spellings ("jln", "gak") are not synonyms: they are replaced in documents and
queries alike by the dictionary routing and duplicates share, ``aduan.core.spelling``.

``SYNONYMS``
    Groups of words or phrases that mean the same for a search. A query word found in a group
    becomes an OR over the group's words ("banjir" searches "banjir OR genangan"). A document
    holding one of a group's phrases is also indexed under the group's first entry, which must
    be one word ("penerangan jalan umum" adds "pju"), so "pju", "lampu jalan" and "penerangan
    jalan umum" find each other. The one-word entries keep their spelling (``aduan.core.spelling``
    does not expand "pju" or "ktp" here). Changing this dictionary, or ``aduan.core.spelling``,
    needs ``aduan search rebuild``.
"""

from __future__ import annotations

# Groups of words or phrases that a search treats as one.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("pju", "penerangan jalan umum", "penerangan jalan", "lampu jalan"),
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
    ("rs", "rsud", "rumah sakit"),
    ("bansos", "bantuan sosial"),
)

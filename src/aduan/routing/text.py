"""Text normalisation for routing: Indonesian complaints as citizens write them.

Complaints arrive in informal Bahasa Indonesia (and some Javanese): abbreviations, chat spellings,
URLs, phone and house numbers. The routing model sees a normalised form so that "gak ada pju di
jln 5" and "tidak ada penerangan jalan umum di jalan 7" share their words.
"""

from __future__ import annotations

import re

from aduan.core.stemming import sastrawi_stem

# Informal spellings and abbreviations seen in complaints, mapped to their standard form. Only
# words whose meaning is unambiguous in a complaint go here; a wrong entry costs accuracy.
SLANG: dict[str, str] = {
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
    "yg": "yang",
    "dgn": "dengan",
    "dg": "dengan",
    "utk": "untuk",
    "untk": "untuk",
    "krn": "karena",
    "karna": "karena",
    "dr": "dari",
    "dlm": "dalam",
    "sy": "saya",
    "sya": "saya",
    "aq": "aku",
    "tsb": "tersebut",
    "bgt": "banget",
    "jg": "juga",
    "sj": "saja",
    "aja": "saja",
    "kalo": "kalau",
    "klo": "kalau",
    "kl": "kalau",
    "tp": "tapi",
    "trs": "terus",
    "skrg": "sekarang",
    "org": "orang",
    "msh": "masih",
    "mhn": "mohon",
    "bpk": "bapak",
    "pak": "bapak",
    "bu": "ibu",
    "jln": "jalan",
    "jl": "jalan",
    "jalanan": "jalan",
    "gg": "gang",
    "kel": "kelurahan",
    "kelurhan": "kelurahan",
    "kec": "kecamatan",
    "kecamtan": "kecamatan",
    "pju": "penerangan jalan umum",
    "lpju": "lampu penerangan jalan umum",
    "kk": "kartu keluarga",
    "ktp": "kartu tanda penduduk",
    "ektp": "kartu tanda penduduk",
    "dispenduk": "dispendukcapil",
    "satpol": "satpol",
    "pp": "pamong praja",
    "mbr": "masyarakat berpenghasilan rendah",
    "bpjs": "bpjs",
    "sd": "sekolah dasar",
    "smp": "sekolah menengah pertama",
    "sma": "sekolah menengah atas",
    "ppdb": "penerimaan peserta didik baru",
    "rt": "rt",
    "rw": "rw",
}

_URL = re.compile(r"(?:https?://|www\.)\S+")
_DIGITS = re.compile(r"\d+")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Lowercase, drop URLs, numbers to 0, standard spellings, words separated by single spaces."""
    text = _URL.sub(" ", text.lower())
    text = _DIGITS.sub("0", text)
    words = _NON_WORD.sub(" ", text).split()
    return " ".join(SLANG.get(word, word) for word in words)


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

"""How names are compared: one folded form for every way of writing a name (case, accents, quotes, "the")."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_POSSESSIVE = re.compile(r"'s\b")
_PUNCTUATION = re.compile(r"[^\w\s]")


@lru_cache(maxsize=1 << 16)
def fold(name: str) -> str:
    """The form names are compared in: case, accents, quotes, punctuation, a leading "the", a trailing "'s"
    folded."""
    s = unicodedata.normalize("NFKC", name).replace("\u2019", "'").replace("\u2018", "'").lower().strip()
    # "Nicolás" and "Nicolas" are one name: accents go (letters that are no accented Latin letter stay)
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    s = _POSSESSIVE.sub("", s)
    s = _PUNCTUATION.sub(" ", s).replace("_", " ")
    words = s.split()
    while words and words[0] == "the":
        words = words[1:]
    return " ".join(words)

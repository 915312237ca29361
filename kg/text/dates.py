"""Dates written in text, normalised to the precision written.

"15 October 2021" → 2021-10-15, "October 2021" / "November of 2014" → 2021-10, "2016" → 2016. Relative dates
("on Saturday", "in July last year", "last month") resolve only against a date the document states about itself;
with no such anchor they give nothing rather than a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from kg.model import DateValue
from kg.ontology.lexicon import Lexicon, load_lexicon

_YEAR_DIGITS = r"(?:1[89]|20)\d\d"
_YEAR = rf"(?P<year>{_YEAR_DIGITS})"
_ISO = re.compile(r"\b(?P<year>\d{4})-(?P<month>\d\d)-(?P<day>\d\d)\b")
#: What every pattern but the ISO one needs somewhere in the text (a year): a text without it is not searched with
#: them (most sentences hold no date, and the month names make the searches slow).
_ANY_YEAR = re.compile(_YEAR_DIGITS)


def _either(words: Iterable[str]) -> str:
    """A regular expression matching any of `words`, the longest first (none: one that matches nothing)."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))
    return f"(?:{alternatives})" if alternatives else "(?!)"


@dataclass(frozen=True)
class _Reader:
    """The patterns of dates compiled from the lexicon's words for months, weekdays and relative dates."""

    months: dict[str, int]
    weekdays: frozenset[str]
    shifts: dict[str, int]
    patterns: tuple[re.Pattern[str], ...]
    relative_month: re.Pattern[str]  # "July last year"
    relative_year: re.Pattern[str]  # "last year"
    relative_month_only: re.Pattern[str]  # "last month"
    any_relative: re.Pattern[str]  # what every relative pattern needs


@lru_cache(maxsize=4)
def _reader(lex: Lexicon) -> _Reader:
    month = rf"(?P<month>{_either(lex.months)})\.?"
    day = rf"(?P<day>[0-3]?\d){_either(lex.ordinal_suffixes)}?"
    of = rf"(?:{_either(lex.date_connectors)}\s+)?"
    rel = rf"(?P<rel>{_either(lex.date_shifts)})"
    year_word, month_word = _either(lex.year_words), _either(lex.month_words)
    return _Reader(
        months=dict(lex.months),
        weekdays=lex.weekdays,
        shifts=dict(lex.date_shifts),
        patterns=(
            re.compile(rf"\b{day}\s+{of}{month},?\s+{_YEAR}\b", re.I),
            re.compile(rf"\b{month}\s+{day},?\s+{_YEAR}\b", re.I),
            re.compile(rf"\b{month},?\s+{of}{_YEAR}\b", re.I),
            re.compile(rf"\b(?:\d{{4}}-)?(?<![\d/-]){_YEAR}(?![\d/-])\b"),
        ),
        relative_month=re.compile(rf"\b{month}\s+{rel}\s+{year_word}\b", re.I),
        relative_year=re.compile(rf"\b{rel}\s+{year_word}\b", re.I),
        relative_month_only=re.compile(rf"\b{rel}\s+{month_word}\b", re.I),
        any_relative=re.compile(rf"\b{rel}\s+(?:{year_word}|{month_word})\b", re.I),
    )


def _valid(year: int, month: int | None, day: int | None) -> DateValue | None:
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None:
        try:
            dt.date(year, month or 1, day)
        except ValueError:
            return None
    return DateValue(year, month, day)


def _in_a_name(text: str, start: int, months: dict[str, int]) -> bool:
    """A bare year right after a capitalised word is part of a name ('Terrorism Act 2000'), not a date."""
    before = text[:start].rstrip()
    if len(before) == len(text[:start]):
        return False
    word = re.search(r"([A-Za-z]+)\W*$", before)
    if not word or not word.group(1)[:1].isupper() or word.group(1).lower() in months:
        return False
    earlier = before[: word.start()].rstrip()
    return bool(earlier) and earlier[-1] not in '.!?:;"“(\n'


def find_dates(
    text: str, anchor: DateValue | None = None, lex: Lexicon | None = None
) -> list[tuple[int, int, DateValue]]:
    """Every date written in `text`, as (start, end, value), most precise reading first, no overlaps; the words
    for months and relative dates are those of `lex` (default: the lexicon of the ontology in force)."""
    r = _reader(lex or load_lexicon())
    found: list[tuple[int, int, DateValue]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, value: DateValue | None) -> None:
        if value is None or any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        found.append((start, end, value))

    for m in _ISO.finditer(text):
        add(m.start(), m.end(), _valid(int(m["year"]), int(m["month"]), int(m["day"])))
    for pat in r.patterns if _ANY_YEAR.search(text) else ():
        for m in pat.finditer(text):
            g = m.groupdict()
            if not g.get("month") and _in_a_name(text, m.start(), r.months):
                continue
            month = r.months.get(g["month"].lower()) if g.get("month") else None
            day = int(g["day"]) if g.get("day") else None
            add(m.start(), m.end(), _valid(int(g["year"]), month, day))
    if anchor is not None and r.any_relative.search(text):
        shift = r.shifts
        for m in r.relative_month.finditer(text):
            add(
                m.start(),
                m.end(),
                _valid(anchor.year + shift[m["rel"].lower()], r.months[m["month"].lower()], None),
            )
        if anchor.month is not None:
            for m in r.relative_month_only.finditer(text):
                month = anchor.month + shift[m["rel"].lower()]
                year = anchor.year + (month - 1) // 12
                add(m.start(), m.end(), _valid(year, (month - 1) % 12 + 1, None))
        for m in r.relative_year.finditer(text):
            add(m.start(), m.end(), _valid(anchor.year + shift[m["rel"].lower()], None, None))
    found.sort(key=lambda f: f[0])
    return found


def document_date(text: str, *, head_lines: int = 6, lex: Lexicon | None = None) -> DateValue | None:
    """The date a document states about itself: a date standing alone (or after a weekday or a label such as
    "debated on") on one of its first lines, as in Hansard and GOV.UK headers. None when there is none."""
    return _document_date(text, head_lines, lex or load_lexicon())


@lru_cache(maxsize=8)  # asked for by the extraction and by the analysis of the same document
def _document_date(text: str, head_lines: int, lex: Lexicon) -> DateValue | None:
    weekdays = _reader(lex).weekdays
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()][:head_lines]
    for line in lines:
        dates = find_dates(line, lex=lex)
        if len(dates) != 1:
            continue
        start, end, value = dates[0]
        rest = (line[:start] + line[end:]).strip(" ,:;-–—")
        words = re.findall(r"[A-Za-z]+", rest)
        named_days = [w for w in words if w.lower() in weekdays]
        if value.month is not None and len(words) - len(named_days) <= 5 and len(rest) <= 60:
            return value
        if not words:
            return value
    return None

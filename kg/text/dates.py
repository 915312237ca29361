"""Dates written in text, normalised to the precision written.

"15 October 2021" → 2021-10-15, "October 2021" / "November of 2014" → 2021-10, "2016" → 2016. Relative dates
("on Saturday", "in July last year", "last month") resolve only against a date the document states about itself;
with no such anchor they give nothing rather than a guess.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from functools import lru_cache

from kg.model import DateValue

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS.pop("may", None)  # the abbreviation and the name coincide; keep one entry
MONTHS["may"] = 5
MONTHS["sept"] = 9
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR_DIGITS = r"(?:1[89]|20)\d\d"
_YEAR = rf"(?P<year>{_YEAR_DIGITS})"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"

_PATTERNS = [
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.I),
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.I),
    re.compile(rf"\b{_MONTH},?\s+(?:of\s+)?{_YEAR}\b", re.I),
    re.compile(rf"\b(?:\d{{4}}-)?(?<![\d/-]){_YEAR}(?![\d/-])\b"),
]
_ISO = re.compile(r"\b(?P<year>\d{4})-(?P<month>\d\d)-(?P<day>\d\d)\b")
_REL = r"(?P<rel>last|this|next)"
_RELATIVE_MONTH = re.compile(rf"\b{_MONTH}\s+{_REL}\s+year\b", re.I)
_RELATIVE_YEAR = re.compile(rf"\b{_REL}\s+year\b", re.I)
_RELATIVE_MONTH_ONLY = re.compile(rf"\b{_REL}\s+month\b", re.I)
#: What every pattern above needs somewhere in the text (a year; "last/this/next year/month"): a text without
#: it is not searched with them (most sentences hold no date, and the month names make the searches slow).
_ANY_YEAR = re.compile(_YEAR_DIGITS)
_ANY_RELATIVE = re.compile(rf"\b{_REL}\s+(?:year|month)\b", re.I)


def _valid(year: int, month: int | None, day: int | None) -> DateValue | None:
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None:
        try:
            dt.date(year, month or 1, day)
        except ValueError:
            return None
    return DateValue(year, month, day)


def _in_a_name(text: str, start: int) -> bool:
    """A bare year right after a capitalised word is part of a name ('Terrorism Act 2000'), not a date."""
    before = text[:start].rstrip()
    if len(before) == len(text[:start]):
        return False
    word = re.search(r"([A-Za-z]+)\W*$", before)
    if not word or not word.group(1)[:1].isupper() or word.group(1).lower() in MONTHS:
        return False
    earlier = before[: word.start()].rstrip()
    return bool(earlier) and earlier[-1] not in '.!?:;"“(\n'


def find_dates(text: str, anchor: DateValue | None = None) -> list[tuple[int, int, DateValue]]:
    """Every date written in `text`, as (start, end, value), most precise reading first, no overlaps."""
    found: list[tuple[int, int, DateValue]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, value: DateValue | None) -> None:
        if value is None or any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        found.append((start, end, value))

    for m in _ISO.finditer(text):
        add(m.start(), m.end(), _valid(int(m["year"]), int(m["month"]), int(m["day"])))
    for pat in _PATTERNS if _ANY_YEAR.search(text) else ():
        for m in pat.finditer(text):
            g = m.groupdict()
            if not g.get("month") and _in_a_name(text, m.start()):
                continue
            month = MONTHS.get(g["month"].lower()) if g.get("month") else None
            day = int(g["day"]) if g.get("day") else None
            add(m.start(), m.end(), _valid(int(g["year"]), month, day))
    if anchor is not None and _ANY_RELATIVE.search(text):
        shift = {"last": -1, "this": 0, "next": 1}
        for m in _RELATIVE_MONTH.finditer(text):
            add(
                m.start(),
                m.end(),
                _valid(anchor.year + shift[m["rel"].lower()], MONTHS[m["month"].lower()], None),
            )
        if anchor.month is not None:
            for m in _RELATIVE_MONTH_ONLY.finditer(text):
                month = anchor.month + shift[m["rel"].lower()]
                year = anchor.year + (month - 1) // 12
                add(m.start(), m.end(), _valid(year, (month - 1) % 12 + 1, None))
        for m in _RELATIVE_YEAR.finditer(text):
            add(m.start(), m.end(), _valid(anchor.year + shift[m["rel"].lower()], None, None))
    found.sort(key=lambda f: f[0])
    return found


@lru_cache(maxsize=8)  # asked for by the extraction and by the analysis of the same document
def document_date(text: str, *, head_lines: int = 6) -> DateValue | None:
    """The date a document states about itself: a date standing alone (or after a weekday or a label such as
    "debated on") on one of its first lines, as in Hansard and GOV.UK headers. None when there is none."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()][:head_lines]
    for line in lines:
        dates = find_dates(line)
        if len(dates) != 1:
            continue
        start, end, value = dates[0]
        rest = (line[:start] + line[end:]).strip(" ,:;-–—")
        words = re.findall(r"[A-Za-z]+", rest)
        weekdays = [w for w in words if w.lower() in WEEKDAYS]
        if value.month is not None and len(words) - len(weekdays) <= 5 and len(rest) <= 60:
            return value
        if not words:
            return value
    return None

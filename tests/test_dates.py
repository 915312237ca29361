"""Dates in text (`kg.text.dates`): read at the precision written, relative dates only against the document's own
date, and the date a document states about itself in its header lines. All texts are invented."""

from __future__ import annotations

import pytest

from kg.model import DateValue
from kg.text.dates import document_date, find_dates

ANCHOR = DateValue(2025, 2, 5)  # a document dated Wednesday 5 February 2025


def values(text: str, anchor: DateValue | None = None) -> list[str]:
    """The dates found, as 'lexical^^datatype', in text order."""
    return [f"{v.lexical}^^{v.datatype}" for _, _, v in find_dates(text, anchor)]


def xfail(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=reason)


# (text, anchor, dates expected)
FIND_DATES = [
    pytest.param(
        "The fire started on 3 May 2019 near Kettering.", None, ["2019-05-03^^date"], id="day-month-year"
    ),
    pytest.param("It opened on the 21st of June 2018.", None, ["2018-06-21^^date"], id="ordinal-of-month"),
    pytest.param("The letter was sent on March 9, 2017.", None, ["2017-03-09^^date"], id="month-day-year"),
    pytest.param(
        "She moved to Kettering in November of 2014.", None, ["2014-11^^gYearMonth"], id="month-of-year"
    ),
    pytest.param("He left the scheme in April 2015.", None, ["2015-04^^gYearMonth"], id="month-year"),
    pytest.param("The bridge was rebuilt in 1998 after the floods.", None, ["1998^^gYear"], id="bare-year"),
    pytest.param(
        "In 2016 the council closed the library.", None, ["2016^^gYear"], id="year-at-sentence-start"
    ),
    pytest.param(
        "The council met. In 2016 it closed the library.",
        None,
        ["2016^^gYear"],
        id="year-at-second-sentence-start",
    ),
    pytest.param(
        "He was charged under the Terrorism Act 2000 last week.", None, [], id="year-in-an-act-name"
    ),
    pytest.param("The Public Order Act 1986, section 4, applies.", None, [], id="year-in-another-act-name"),
    pytest.param("The report is dated 2021-10-15.", None, ["2021-10-15^^date"], id="iso-date"),
    pytest.param("The file is dated 2021-02-30.", None, [], id="iso-date-invalid"),
    pytest.param(
        "The school served pupils from 1999 to 2003.", None, ["1999^^gYear", "2003^^gYear"], id="two-years"
    ),
    pytest.param(
        "The shop was robbed in July last year.", ANCHOR, ["2024-07^^gYearMonth"], id="month-last-year"
    ),
    pytest.param("The shop was robbed in July last year.", None, [], id="month-last-year-without-anchor"),
    pytest.param("The inquest will open next year.", ANCHOR, ["2026^^gYear"], id="next-year"),
    pytest.param(
        "The plan was agreed last month.", ANCHOR, ["2025-01^^gYearMonth"], id="last-month-across-new-year"
    ),
    pytest.param("The plan was agreed last month.", None, [], id="last-month-without-anchor"),
    pytest.param(
        "The verdict came on 15 Oct 2021.",
        None,
        ["2021-10-15^^date"],
        id="abbreviated-month",
    ),
]


@pytest.mark.parametrize(("text", "anchor", "expected"), FIND_DATES)
def test_find_dates(text: str, anchor: DateValue | None, expected: list[str]) -> None:
    assert values(text, anchor) == expected


@pytest.mark.parametrize(
    "text",
    ["The hearing on 31 February 2020 was adjourned.", "The hearing on 30th of February 2020 was adjourned."],
)
def test_impossible_day_is_not_read_as_a_day(text: str) -> None:
    # The month and year are still read ('February 2020'); the impossible day never is.
    assert all(v.day is None for _, _, v in find_dates(text))


@pytest.mark.parametrize(
    ("text", "anchor"),
    [
        ("Kettering was flooded on 3 May 2019 and again in April 2021.", None),
        ("The shop was robbed in July last year and the plan agreed last month.", ANCHOR),
    ],
)
def test_offsets_cover_the_date_as_written(text: str, anchor: DateValue | None) -> None:
    spans = find_dates(text, anchor)
    assert spans
    for start, end, value in spans:
        written = text[start:end]
        assert written == written.strip()
        assert str(value.year) in written or "year" in written or "month" in written


# (document text, the date it states about itself)
DOCUMENT_DATES = [
    pytest.param(
        "Local Policing\nWednesday 5th February 2025\nVolume 12\n\nThe Minister said...",
        ANCHOR,
        id="hansard-day",
    ),
    pytest.param(
        "Local Policing\nVolume 12: debated on Wednesday 5 February 2025\n\nText.", ANCHOR, id="debated-on"
    ),
    pytest.param(
        "Kettering flood report\nPublished 12 March 2024\n\nThe river rose.",
        DateValue(2024, 3, 12),
        id="published",
    ),
    pytest.param(
        "Kettering flood report\nMarch 2024\n\nThe river rose.", DateValue(2024, 3), id="month-year-line"
    ),
    pytest.param("In 2016 he moved to Kettering. The town grew.", None, id="year-in-a-sentence"),
    pytest.param(
        "The river rose on 3 May 2019 and the town flooded while residents slept.", None, id="date-in-prose"
    ),
    pytest.param("Heading\n" * 6 + "Wednesday 5th February 2025\n", None, id="date-below-the-header-lines"),
]


@pytest.mark.parametrize(("text", "expected"), DOCUMENT_DATES)
def test_document_date(text: str, expected: DateValue | None) -> None:
    assert document_date(text) == expected

"""Dates: each date written in a sentence, a mention holding its value (relative ones read against the document's date)."""

from __future__ import annotations

from kg.extract.analysis import Component, SentenceWork
from kg.text.dates import find_dates


class Dates(Component):
    """Dates written in a sentence ('12 March 2019', 'last Friday'), with their values."""

    name = "dates"

    def sentence(self, work: SentenceWork) -> None:
        span = work.s.span
        sent_text = work.block.text[
            span.start_char : span.end_char
        ]  # as span.text, without joining its tokens
        for a, b, value in find_dates(sent_text, work.an.anchor, self.lex):
            start = work.base + span.start_char + a
            work.new(
                cls="Date", start=start, end=start + (b - a), text=sent_text[a:b], kind="date", date=value
            )
            work.taken.append((start, start + b - a))

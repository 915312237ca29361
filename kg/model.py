"""The typed hand-over between pipeline stages: documents, mentions, entities, relations.

Every mention and every relation keeps its document and character offsets, so any triple in the graph can
show the sentence it came from.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Document:
    """A loaded source document: its text exactly as read, and what it says about itself."""

    path: Path
    name: str  # its identity (kg.text.read.document_name), e.g. "news/northby-review.txt"; its IRI is minted from it
    text: str
    sha256: str
    title: str | None = None
    date: DateValue | None = None  # the date the document states about itself, if any
    author: str | None = None  # as a web page or a PDF names it
    site: str | None = None  # the site that published a web page
    media_type: str = "text/plain"  # what the file was: text/plain, text/markdown, text/html, application/pdf
    pages: tuple[int, ...] = ()  # for a PDF: the offset in `text` at which each page starts
    url: str | None = None  # where it was fetched from (kg.text.fetch), as asked
    retrieved: dt.datetime | None = None  # and when
    final_url: str | None = None  # where the answer came from, after any redirects

    def with_source(self, url: str, retrieved: dt.datetime, *, final_url: str | None = None) -> Document:
        """The same document, fetched from `url` (the answer coming from `final_url`, default `url`) at
        `retrieved`."""
        return dataclasses.replace(self, url=url, retrieved=retrieved, final_url=final_url or url)


@dataclass(frozen=True)
class DateValue:
    """A date at the precision the text gives: year, year-month or full date."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def lexical(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @property
    def datatype(self) -> str:
        """Local name of the XSD datatype: gYear, gYearMonth or date."""
        return "gYear" if self.month is None else "gYearMonth" if self.day is None else "date"

    @property
    def written(self) -> str:
        """The date as people write it: '15 October 2021', 'April 2015', '2016'."""
        if self.month is None:
            return str(self.year)
        month = dt.date(2000, self.month, 1).strftime("%B")
        return f"{month} {self.year}" if self.day is None else f"{self.day} {month} {self.year}"

    def as_date(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)


@dataclass(frozen=True)
class Span:
    """Character offsets into a document's text (end exclusive)."""

    doc: str  # Document.name
    start: int
    end: int


@dataclass
class Entity:
    """One real-world entity as resolved: its class, canonical name, other names, and where it was seen."""

    key: str  # unique within an extraction
    cls: str  # local name of a kg: class, e.g. "Person"
    label: str
    alt_labels: set[str] = field(default_factory=set)
    mentions: list[Span] = field(default_factory=list)
    docs: set[str] = field(default_factory=set)
    kind: str | None = None  # for events: referral, exit, arrest, ...


@dataclass(frozen=True)
class Evidence:
    """The sentence a relation was read from."""

    doc: str
    start: int
    end: int
    quote: str


@dataclass(frozen=True)
class Relation:
    """subject --prop--> object, where object is an entity key or a date."""

    subject: str  # Entity.key
    prop: str  # local name of a kg: property, e.g. "perpetrator"
    object: str | DateValue
    evidence: Evidence | None = None


@dataclass
class Extraction:
    """What one or more documents gave: resolved entities and relations between them."""

    documents: list[Document] = field(default_factory=list)
    entities: dict[str, Entity] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)

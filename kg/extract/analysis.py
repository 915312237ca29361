"""The analysis every extraction component reads and writes: the contract between components.

One document passes through the components of ``kg.extract.components`` in their declared order. Each reads the
``DocumentAnalysis`` (the document, its sentences as spaCy parsed them, the mentions found so far, the entities
and relations made so far) and adds to it: a component written from rules and one trained from data are
interchangeable as long as they keep to these types. A component has up to three hooks, all optional:

- ``sentence(work)``: called for each sentence, in the document's order, with that sentence's ``SentenceWork``;
- ``token(work, tok)``: called for each content word of the sentence nothing has claimed yet, after every
  component's ``sentence``; the first component (in the declared order) that returns True has claimed it;
- ``document(an)``: called once, after every sentence was read, in the declared order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from kg.extract.cues import Cues
from kg.model import DateValue, Document, Entity, Evidence, Relation
from kg.text.annotate import Block


@dataclass
class Sentence:
    index: int
    start: int  # offsets in the document text
    end: int
    span: Any  # the spaCy Span
    block: int
    tokens: list[Any]  # the span's tokens, made once (iterating a span makes every token anew)
    ents: list[Any]  # the span's entities (Span.ents makes every entity of the whole block anew)


@dataclass
class Mention:
    """A typed span of the document. `kind` says how it names its entity:

    name: a proper name; trigger: a common noun or verb for an incident/inquiry ("the murder", "stabbed");
    pronoun / definite / agent: a reference to an entity named elsewhere; self: the document naming itself;
    date: a date expression (`date` holds its value).
    """

    id: int
    cls: str
    start: int
    end: int
    text: str
    sent: int
    kind: str = "name"
    canonical: str | None = None  # the canonical name where the lexicon or the shape of the text gives it
    date: DateValue | None = None
    token: Any = None  # the head token, for triggers
    inner: list[tuple[str, int]] = field(default_factory=list)  # (role, mention id) of mentions inside it
    entity: str | None = None  # resolved entity key
    role_hint: str | None = None  # for agent nouns: whose perpetrator ("victim:<mention id>")
    honorific: str | None = None
    acronym: str | None = None
    # a short form standing for the mention with this id ("EDA" for "Edward Ashdown")
    alias_of: int | None = None
    strong: bool = False  # the class comes from the lexicon (gazetteer, head word, apposition), not the model


@dataclass
class Found:
    """A relation read from text, between mentions (before they are resolved to entities)."""

    subject: int
    prop: str
    object: int
    sent: int


@dataclass
class DocumentAnalysis:
    """One document as the components leave it: mentions first, then entities (keyed) and relations."""

    doc: Document
    sentences: list[Sentence]
    mentions: dict[int, Mention]
    header_sentences: list[tuple[int, int]]  # (first sentence index, last) of the title block
    found: list[Found] = field(default_factory=list)  # relations read between mentions
    blocks: list[Block] = field(default_factory=list)  # the paragraphs spaCy read one at a time
    anchor: DateValue | None = None  # the document's date, against which "last Friday" is read
    entities: dict[str, Entity] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)

    def new(self, **kw: Any) -> Mention:
        """A new mention, numbered after the highest number in use."""
        m = Mention(id=max(self.mentions, default=-1) + 1, **kw)
        self.mentions[m.id] = m
        return m


@dataclass
class SentenceWork:
    """One sentence while the components read it: where it sits, and the spans already claimed in it."""

    an: DocumentAnalysis
    s: Sentence
    block: Block
    first: int  # the first mention number made in this sentence
    taken: list[tuple[int, int]] = field(default_factory=list)

    @property
    def base(self) -> int:
        """The offset of the sentence's block in the document text (spaCy's offsets count from it)."""
        return self.block.start

    def free(self, a: int, b: int) -> bool:
        return not any(x < b and a < y for x, y in self.taken)

    def mentions(self) -> list[Mention]:
        """The mentions made in this sentence so far, in the order they were made (none older is looked at)."""
        out: list[Mention] = []
        for m in reversed(self.an.mentions.values()):
            if m.id < self.first:
                break
            out.append(m)
        out.reverse()
        return [m for m in out if m.sent == self.s.index]

    def new(self, **kw: Any) -> Mention:
        return self.an.new(sent=self.s.index, **kw)

    def drop(self, m: Mention) -> None:
        """Forget a mention made in this sentence, and the span it claimed."""
        del self.an.mentions[m.id]
        if (m.start, m.end) in self.taken:
            self.taken.remove((m.start, m.end))


class Component:
    """One step of extraction. `name` is how the ontology, `--explain-components` and the tests call it; the
    docstring's first line says what it does."""

    name: ClassVar[str] = ""

    def __init__(self, cues: Cues) -> None:
        self.cues = cues
        self.lex = cues.lex

    def sentence(self, work: SentenceWork) -> None:
        """Reads one sentence (nothing by default)."""

    def token(self, work: SentenceWork, tok: Any) -> bool:
        """Reads one word nothing claimed; True claims it (nothing by default)."""
        return False

    def document(self, an: DocumentAnalysis) -> None:
        """Reads the whole document once its sentences are read (nothing by default)."""


def antecedent(tok: Any) -> Any:
    """'Ann Ode, who died in 2013': the subject 'who' of a relative clause stands for the name the clause
    follows; any other token stands for itself."""
    verb = tok.head
    if tok.tag_ in ("WP", "WDT") and tok.dep_ in ("nsubj", "nsubjpass") and verb.dep_ == "relcl":
        return verb.head
    return tok


def evidence(analysis: DocumentAnalysis, sent: int) -> Evidence:
    s = analysis.sentences[sent]
    return Evidence(analysis.doc.name, s.start, s.end, analysis.doc.text[s.start : s.end])


def sentence_mentions(analysis: DocumentAnalysis, sent: int) -> list[Mention]:
    return sorted((m for m in analysis.mentions.values() if m.sent == sent), key=lambda m: (m.start, -m.end))


def outermost(ms: Iterable[Mention]) -> list[Mention]:
    out: list[Mention] = []
    for m in sorted(ms, key=lambda m: (m.start, -m.end)):
        if out and m.start < out[-1].end:
            continue
        out.append(m)
    return out


def within(ents: list[Any], start: int, end: int) -> list[Any]:
    """The entities of a block in its tokens start..end, as spaCy's ``Span.ents`` gives them: from the first
    that starts there, up to one that runs past the end."""
    out = []
    for ent in ents:
        if ent.start >= start:
            if ent.end > end:
                break
            out.append(ent)
    return out

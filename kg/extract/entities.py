"""Identity within the document: mentions to entities (names by ``kg.extract.resolve``, references by ``focus``)."""

from __future__ import annotations

from kg.extract.analysis import Component, DocumentAnalysis, Mention
from kg.extract.focus import Focus
from kg.extract.resolve import DocumentResolver
from kg.model import Entity


class Entities(Component):
    """Identity within the document: names, incident and inquiry nouns, and references to entities.

    A surname, a short form or an acronym joins the full name; an incident or inquiry a noun or verb names is an
    entity of its own until ``unnamed`` settles it; a reference joins the entity in focus.
    """

    name = "entities"

    def document(self, an: DocumentAnalysis) -> None:
        DocumentResolver(an, self.lex).resolve_names()
        for m in an.mentions.values():
            if m.kind in ("trigger", "verb") and m.cls in ("Incident", "Inquiry"):
                _unnamed(an, m)
        Focus(self.lex).resolve(an)
        for m in an.mentions.values():
            # "the attack in Leeds" with nothing before it to refer to: an incident the reader is taken to know
            if m.kind == "definite" and m.entity is None and m.cls in ("Incident", "Inquiry"):
                _unnamed(an, m)


def _unnamed(an: DocumentAnalysis, m: Mention) -> None:
    """An incident or inquiry of its own for a mention that names none ('was stabbed', 'the attack'), until the
    ``unnamed`` component settles it."""
    key = f"{m.cls}:#{an.doc.name}#{m.id}"
    an.entities[key] = Entity(key=key, cls=m.cls, label="", docs={an.doc.name})
    m.entity = key

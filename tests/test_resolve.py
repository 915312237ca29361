"""Entities within one document (`kg.extract.resolve`): one entity, one class, decided from all its mentions.

The statistical model sometimes types one mention of a name wrongly ('Khaitov' a place in one sentence, a
person in the next). These tests analyse invented texts with the real model, then give one mention the wrong
class the model might have given it, weakly (no gazetteer entry, head word or apposition behind it), and check
that the resolver joins it to the entity the rest of the document makes sure of, or leaves it alone where the
text says otherwise.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from kg.extract.analysis import DocumentAnalysis
from kg.extract.components import extractor
from kg.extract.resolve import DocumentResolver
from kg.model import Document, Entity


def analysed(text: str) -> DocumentAnalysis:
    doc = Document(
        path=Path("x.txt"), name="x.txt", text=text, sha256=hashlib.sha256(text.encode()).hexdigest()
    )
    return extractor().analyse(doc, until="classes")  # the mentions, before they are entities


def misread(an: DocumentAnalysis, text: str, cls: str, nth: int = -1) -> None:
    """Give the nth mention written `text` the class `cls`, as a weak reading of the model's."""
    ms = sorted(
        (m for m in an.mentions.values() if m.text == text and m.kind == "name"), key=lambda m: m.start
    )
    ms[nth].cls = cls
    ms[nth].strong = False


def resolved(an: DocumentAnalysis) -> list[Entity]:
    res = DocumentResolver(an, extractor().lex)
    res.resolve_names()
    return sorted(res.entities.values(), key=lambda e: (e.cls, e.label))


def classes(entities: list[Entity]) -> list[tuple[str, str]]:
    return [(e.cls, e.label) for e in entities]


TEXT = (
    "Mirzo Khaitov was sentenced on Friday. Khaitov had helped hide the evidence, the court in Leeds heard."
)


def test_a_surname_misread_as_a_place_is_the_person_named_in_full() -> None:
    an = analysed(TEXT)
    misread(an, "Khaitov", "Place")
    entities = resolved(an)
    assert classes(entities) == [("Person", "Mirzo Khaitov"), ("Place", "Leeds")]
    person = entities[0]
    assert len(person.mentions) == 2


def test_a_surname_misread_as_an_organisation_is_the_person_named_in_full() -> None:
    an = analysed(TEXT)
    misread(an, "Khaitov", "Organization")
    assert classes(resolved(an)) == [("Person", "Mirzo Khaitov"), ("Place", "Leeds")]


def test_a_place_after_a_place_preposition_stays_a_place() -> None:
    an = analysed("Mirzo Khaitov was sentenced on Friday. He had lived in Khaitov for years.")
    misread(an, "Khaitov", "Place")
    assert ("Place", "Khaitov") in classes(resolved(an))


def test_a_place_misread_once_as_a_person_is_the_place() -> None:
    an = analysed("The bomb went off in Corby on Friday. Corby was quiet again by Sunday.")
    misread(an, "Corby", "Person")
    assert classes(resolved(an)) == [("Place", "Corby")]


def test_a_first_name_shared_by_two_people_joins_neither() -> None:
    an = analysed("Ann Ode met Ann Pellow in Leeds. Later Ann left the city.")
    for m in an.mentions.values():
        if m.text == "Ann" and m.kind == "name":
            m.cls, m.strong = "Place", False
    entities = resolved(an)
    assert ("Place", "Ann") in classes(entities)
    assert sorted(len(e.mentions) for e in entities if e.cls == "Person") == [1, 1]

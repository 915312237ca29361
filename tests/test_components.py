"""Extraction components, each on an invented text: what it adds, shown by the text read with it and without it.

Every component of ``kg.extract.components.COMPONENTS`` has a case here (a test below checks that none is
missing): the fact the component is for comes out with the whole extractor, and does not come out when that one
component is left out. The texts, people and places are invented. Then the contract between components: a
stand-in reading from a table replaces a rule component and the extraction is what the table implies; the
ontology switches a component off; ``kg build --explain-components`` lists them.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import kg, ok, one_error_line

from kg.extract.analysis import Component, DocumentAnalysis, SentenceWork
from kg.extract.components import COMPONENTS, Extractor, extractor
from kg.model import DateValue, Document
from kg.ontology.vocab import ontology_dir

Facts = set[tuple[str, str, str]]


def document(text: str) -> Document:
    return Document(
        path=Path("invented.txt"),
        name="invented.txt",
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def entities(an: DocumentAnalysis) -> set[tuple[str, str]]:
    return {(e.cls, e.label) for e in an.entities.values()}


def facts(an: DocumentAnalysis) -> Facts:
    def obj(o: str | DateValue) -> str:
        return o.lexical if isinstance(o, DateValue) else an.entities[o].label

    return {(an.entities[r.subject].label, r.prop, obj(r.object)) for r in an.relations}


#: Components the shipped ontology switches off (``lex:switchedOff``): their cases run with them switched on.
OFF_BY_DEFAULT = frozenset({"roles"})


def every() -> Extractor:
    """The extractor with every component on, those the ontology switches off too."""
    ex = extractor()
    cues = ex.components[0].cues
    return Extractor(ex.lex, ex.nlp, [c(cues) for c in COMPONENTS])


def without(name: str) -> Extractor:
    """The extractor with one component left out (every other one on)."""
    ex = every()
    return Extractor(ex.lex, ex.nlp, [c for c in ex.components if c.name != name])


def has_entity(cls: str, label: str) -> Callable[[DocumentAnalysis], bool]:
    return lambda an: (cls, label) in entities(an)


def has_fact(subject: str, prop: str, obj: str) -> Callable[[DocumentAnalysis], bool]:
    return lambda an: (subject, prop, obj) in facts(an)


def has_alias(label: str, alias: str) -> Callable[[DocumentAnalysis], bool]:
    return lambda an: any(e.label == label and alias in e.alt_labels for e in an.entities.values())


# (component, invented text, what that component makes of it)
CASES: list[tuple[str, str, Callable[[DocumentAnalysis], bool]]] = [
    (
        "dates",
        "Tom Ashdown was arrested on 12 March 2019.",
        has_fact("Tom Ashdown arrested (12 March 2019)", "date", "2019-03-12"),
    ),
    ("names", "Margaret Holloway spoke to reporters.", has_entity("Person", "Margaret Holloway")),
    (
        "posts",
        "The Northby East MP, Tom Ashdown, spoke in the debate.",
        has_fact("Tom Ashdown", "holdsPost", "MP for Northby East"),
    ),
    ("places", "She grew up in Lowmoor-on-Sea and later moved away.", has_entity("Place", "Lowmoor-on-Sea")),
    (
        "incidents",
        "Tobias Wren was stabbed in Ashmoor.",
        has_fact("stabbing of Tobias Wren", "victim", "Tobias Wren"),
    ),
    (
        "inquiries",
        "An inquiry into the fire was commissioned by Northby Council.",
        has_fact("inquiry commissioned by Northby Council", "commissionedBy", "Northby Council"),
    ),
    (
        "references",
        "Tobias Wren was murdered in Ashmoor. The attacker, Desmond Harlow, was jailed for life.",
        has_fact("murder of Tobias Wren", "perpetrator", "Desmond Harlow"),
    ),
    (
        "layout",
        "Tom Ashdown (Northby East) (Con)\nI rise to speak about the closure of the library.",
        has_fact("Tom Ashdown", "holdsPost", "MP for Northby East"),
    ),
    (
        "aliases",
        "Edward Ashdown (EDA) wrote the report. Later EDA said it was late.",
        has_alias("Edward Ashdown", "EDA"),
    ),
    (
        "classes",
        "Learning Onward, a programme run by the council, closed in May. Staff at Learning Onward were moved to "
        "other posts.",
        lambda an: (
            {(c, label) for c, label in entities(an) if label == "Learning Onward"}
            == {("Programme", "Learning Onward")}
        ),
    ),
    (
        "entities",
        "Margaret Holloway spoke to reporters. Holloway said the council had failed.",
        has_alias("Margaret Holloway", "Holloway"),
    ),
    (
        "types",
        # the NER reads the surname as a place; 'she said', 'told the court' make her a person (the shipped model)
        "Zubrecki said she had been threatened. Zubrecki told the court she was afraid.",
        has_entity("Person", "Zubrecki"),
    ),
    (
        "relations",
        "Tobias Wren was murdered by Desmond Harlow in Ashmoor.",
        has_fact("murder of Tobias Wren", "perpetrator", "Desmond Harlow"),
    ),
    (
        "signatures",
        "Tobias Wren was murdered by Desmond Harlow in Ashmoor.",
        # the relations as the ontology allows them, and nothing it does not ("victimPost" is kg's own)
        lambda an: bool(an.relations) and all(r.prop in an_props() for r in an.relations),
    ),
    (
        "links",
        "The Northby Inquiry, whose chair is Ann Ode, reported.",
        has_fact("Northby Inquiry", "ledBy", "Ann Ode"),
    ),
    (
        "roles",
        # the stabbing's subject did the death too: one incident, not a death and a stabbing apart
        "Tobias Wren died in hospital in Ashmoor after Desmond Harlow stabbed him.",
        has_fact("death of Tobias Wren", "perpetrator", "Desmond Harlow"),
    ),
    (
        "unnamed",
        "Tobias Wren was stabbed in Ashmoor.",
        has_entity("Incident", "stabbing of Tobias Wren"),
    ),
    (
        "victims",
        "Sir Tobias Wren was murdered by Desmond Harlow on Friday. Desmond Harlow murdered the Conservative MP for "
        "Northby East with a knife, the court heard.",
        has_fact("Tobias Wren", "holdsPost", "MP for Northby East"),
    ),
    (
        "events",
        "Desmond Harlow was referred to Prevent in March 2019.",
        has_fact("Desmond Harlow referred to Prevent (March 2019)", "date", "2019-03"),
    ),
]


def an_props() -> set[str]:
    return set(extractor().lex.signatures)


@pytest.mark.parametrize(("name", "text", "made"), CASES, ids=[c[0] for c in CASES])
def test_each_component_makes_what_it_is_for(
    name: str, text: str, made: Callable[[DocumentAnalysis], bool]
) -> None:
    """The fact comes out of the whole extractor, and not out of the extractor without this one component."""
    assert made(every().analyse(document(text))), name
    assert not made(without(name).analyse(document(text))), f"{name} left out, and still made"


def test_every_component_has_its_case_and_a_summary() -> None:
    """A component added to the order without a case here, or without a line saying what it does, fails."""
    names = [c.name for c in COMPONENTS]
    assert len(set(names)) == len(names) and "" not in names
    assert sorted(names) == sorted(c[0] for c in CASES)
    for component in COMPONENTS:
        assert (component.__doc__ or "").strip(), component.name


# ------------------------------------------------------------------------------------------- the contract
# "ashmoor" as a careless writer put it: the table knows it, the rules (no capital, no name) do not
TABLE = {"Sarah Okafor": "Person", "Calder Vale Constabulary": "Agency", "ashmoor": "Place"}
TEXT = "Sarah Okafor of Calder Vale Constabulary said officers searched a house in ashmoor."


class TableNames(Component):
    """Names from a table (a stand-in for a trained recogniser): each name of the table the sentence writes."""

    name = "names"

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    def sentence(self, work: SentenceWork) -> None:
        text = work.an.doc.text
        for name, cls in self.table.items():
            at = text.find(name, work.s.start, work.s.end)
            if at >= 0 and work.free(at, at + len(name)):
                work.new(cls=cls, start=at, end=at + len(name), text=name, strong=True)
                work.taken.append((at, at + len(name)))


def test_a_stand_in_reading_a_table_replaces_the_names_component_and_nothing_else_changes() -> None:
    """Swap the rule component for one reading a table: the entities are the table's, the later components
    (identity, relations) work on them unchanged, and no other component knew of the swap."""
    ex = extractor().replacing("names", TableNames(TABLE))
    an = ex.analyse(document(TEXT))
    assert entities(an) == {(cls, name) for name, cls in TABLE.items()}
    assert ("Sarah Okafor", "memberOf", "Calder Vale Constabulary") in facts(an)
    assert [c.name for c in ex.components] == [c.name for c in extractor().components]
    # the same text through the rules: not what the table says, so the table did make the difference
    assert entities(extractor().analyse(document(TEXT))) != entities(an)


def test_replacing_a_component_that_is_not_there_is_an_error() -> None:
    with pytest.raises(KeyError):
        extractor().replacing("no-such-component", TableNames({}))


# ------------------------------------------------------------------------------------- switched off, listed
def ontology_copy(tmp_path: Path, extra: str) -> Path:
    folder = tmp_path / "ontology"
    shutil.copytree(ontology_dir(), folder)
    (folder / "switches.ttl").write_text(
        "@prefix lex: <https://w3id.org/kg/lexicon#> .\n" + extra + "\n", encoding="utf-8"
    )
    return folder


def test_the_ontology_switches_a_component_off(tmp_path: Path) -> None:
    """`lex:switchedOff "places"` in a file of the ontology: the listing says off, and a build leaves out what
    only that component finds (the model alone reads 'Lowmoor' of 'Lowmoor-on-Sea')."""
    folder = ontology_copy(tmp_path, 'lex:english lex:switchedOff "places" .')
    listing = ok(kg("build", "--explain-components", "--ontology", str(folder), cwd=tmp_path)).stdout
    assert any(line.split()[1:3] == ["places", "off"] for line in listing.splitlines()[1:])
    on = sum(line.split()[2] == "on" for line in listing.splitlines()[1:])
    assert on == len(COMPONENTS) - 1 - len(OFF_BY_DEFAULT)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("She grew up in Lowmoor-on-Sea and later moved away.\n")
    for ontology, place in ((folder, "lowmoor"), (None, "lowmoor-on-sea")):
        args = ["--ontology", str(ontology)] if ontology else []
        ok(kg("build", "docs", "-o", "g.nt", *args, cwd=tmp_path))
        places = set(re.findall(r"<https://w3id.org/kg/id/place/([^>]+)>", (tmp_path / "g.nt").read_text()))
        assert places == {place}


def test_a_component_the_ontology_switches_off_must_exist(tmp_path: Path) -> None:
    """A misspelt name would silently switch nothing off: one line, exit 2, before anything is read."""
    folder = ontology_copy(tmp_path, 'lex:english lex:switchedOff "place" .')
    line = one_error_line(kg("build", "--explain-components", "--ontology", str(folder), cwd=tmp_path))
    assert "'place'" in line and "no extraction component" in line
    (tmp_path / "a.txt").write_text("Tom Ashdown spoke.\n")
    one_error_line(kg("build", "a.txt", "--ontology", str(folder), cwd=tmp_path))
    assert not (tmp_path / ".kg").exists()


def test_the_listing_names_every_component_in_order(tmp_path: Path) -> None:
    listing = ok(kg("build", "--explain-components", cwd=tmp_path)).stdout.splitlines()
    rows: list[Any] = [line.split(maxsplit=3) for line in listing[1:]]
    assert [r[1] for r in rows] == [c.name for c in COMPONENTS]
    assert all(r[2] == ("off" if r[1] in OFF_BY_DEFAULT else "on") and r[3] for r in rows)

"""The learned entity class component (`types`) and its trainer, on invented texts, with the shipped model."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import kg
from test_extract import document

import kg.extract.types as types
from kg.extract.components import Extractor, extractor
from kg.extract.linear import load_model
from kg.pipeline import extract_document


def entities(text: str) -> set[tuple[str, str]]:
    return {(e.cls, e.label) for e in extract_document(document(text)).entities.values()}


def test_a_name_before_programme_is_a_programme_not_a_person() -> None:
    assert entities("He was referred to the Safeguard Pathway programme in 2022.") == {
        ("Programme", "Safeguard Pathway")
    }


def test_a_person_of_a_force_is_a_person_and_the_force_an_agency() -> None:
    ex = extract_document(document("Sarah Okafor of Calder Vale Constabulary said officers arrested him."))
    assert {(e.cls, e.label) for e in ex.entities.values()} == {
        ("Person", "Sarah Okafor"),
        ("Agency", "Calder Vale Constabulary"),
    }
    assert {(ex.entities[r.subject].label, r.prop) for r in ex.relations} == {("Sarah Okafor", "memberOf")}


def test_the_model_retypes_a_surname_the_ner_read_as_a_place() -> None:
    assert ("Person", "Zubrecki") in entities(
        "Zubrecki said she had been threatened. Zubrecki told the court she was afraid."
    )


def test_the_shipped_model_acts_only_where_sure_and_says_what_it_learned_from() -> None:
    model = load_model(types.MODEL)
    assert model is not None and types.NONE in model.classes
    limits = model.meta["thresholds"]
    assert limits["retype"] >= 0.5 and limits["drop_ner"] >= 0.98
    assert "GUM" in " ".join(model.meta["data"]) and model.meta["licence"]


def test_without_its_model_the_component_leaves_the_rules_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Zubrecki said she had been threatened. Zubrecki told the court she was afraid."
    monkeypatch.setattr(types, "load_model", lambda name: None)
    ex = extractor()
    rules = Extractor(ex.lex, ex.nlp, [c for c in ex.components if c.name != "types"])
    got = {(e.key, e.cls) for e in ex.analyse(document(text)).entities.values()}
    assert got == {(e.key, e.cls) for e in rules.analyse(document(text)).entities.values()}


GOLD = """doc: {name}.txt
entities:
{entities}
"""

INVENTED = [
    (
        "Tom Ashdown told reporters he had warned Northby Council. Ashdown lives in Harwick.",
        [("Person", ["Tom Ashdown", "Ashdown"]), ("Agency", ["Northby Council"]), ("Place", ["Harwick"])],
    ),
    (
        "Margaret Holloway said she met officials in Lowmoor. Holloway works for Ferndale Trust.",
        [("Person", ["Margaret Holloway", "Holloway"]), ("Place", ["Lowmoor"])],
    ),
    (
        "Desmond Harlow was seen in Ashmoor. Harlow said he had visited Kettering.",
        [("Person", ["Desmond Harlow", "Harlow"]), ("Place", ["Ashmoor", "Kettering"])],
    ),
    (
        "Tobias Wren spoke in Corby. Wren said Quillon Holdings had paid him.",
        [("Person", ["Tobias Wren", "Wren"]), ("Place", ["Corby"])],
    ),
]


def test_kg_train_makes_a_model_that_loads(tmp_path: Path) -> None:
    folder = tmp_path / "gold"
    folder.mkdir()
    for i, (text, ents) in enumerate(INVENTED * 2):
        name = f"doc{i}"
        (folder / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
        lines = [
            f"  - {{id: e{k}, type: {cls}, names: [{', '.join(names)}]}}"
            for k, (cls, names) in enumerate(ents)
        ]
        (folder / f"{name}.gold.yaml").write_text(
            GOLD.format(name=name, entities="\n".join(lines)), encoding="utf-8"
        )
    run = kg(
        "train", "--uk", str(folder), "-o", str(tmp_path / "out"), "--only", "entity_class", cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    assert "held-out rules only" in run.stdout
    model = load_model("entity_class", tmp_path / "out")
    assert model is not None and "thresholds" in model.meta

"""Incident roles learned from data (kg/extract/roles.py, models/incident_role.json): the issue's invented cases
with the shipped model, the component leaving the rules alone without its model, and `kg train --only
incident_role` on a tiny invented sample in the formats it reads.

Every text here is invented (people, towns and councils made up for the tests).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from helpers import kg, ok
from test_components import document, every

from kg.extract.analysis import DocumentAnalysis
from kg.extract.components import COMPONENTS, Extractor, extractor
from kg.extract.linear import load_model
from kg.extract.roles import MODEL, Roles


@cache
def with_model() -> Extractor:
    """The extractor with the roles component switched on (the shipped ontology switches it off)."""
    return every()


#: The shipped extraction (rules only: the ontology switches the component off) and the one with the model.
WAYS = pytest.mark.parametrize("model", [False, True], ids=["rules", "with-model"])


@cache
def analysed(text: str, model: bool = True) -> DocumentAnalysis:
    return (with_model() if model else extractor()).analyse(document(text))


def roles(text: str, model: bool = True) -> set[tuple[str, str, str]]:
    """(incident key, role, object label) of every incident role the extraction holds."""
    an = analysed(text, model)
    return {
        (r.subject, r.prop, an.entities[str(r.object)].label)
        for r in an.relations
        if r.prop in ("perpetrator", "victim", "place") and an.entities[r.subject].cls == "Incident"
    }


def incident_with(text: str, model: bool, **want: str) -> bool:
    """Whether one incident holds every role asked for (role=label)."""
    found = roles(text, model)
    incidents = {s for s, _, _ in found}
    return any(all((i, role, label) in found for role, label in want.items()) for i in incidents)


def test_the_model_is_shipped_and_says_what_it_was_trained_on() -> None:
    model = load_model(MODEL)
    assert model is not None and set(model.classes) == {"none", "perpetrator", "victim", "place"}
    assert "WikiEvents" in model.meta["data"] and 0 < model.meta["add_threshold"] <= 1


@WAYS
def test_an_attack_verb_with_its_subject_object_and_place(model: bool) -> None:
    text = "Desmond Harlow, 34, attacked Tobias Wren in Ashmoor."
    assert incident_with(text, model, perpetrator="Desmond Harlow", victim="Tobias Wren", place="Ashmoor")


@pytest.mark.parametrize(
    "text",
    [
        "Desmond Harlow, 34, attacked Tobias Wren in Ashmoor.",
        "Nadia Castell attacked Gareth Mullins outside a pub in Fenbridge.",
        "Ruth Pellow was attacked by Imran Quayle in Lowmoor.",
    ],
)
@WAYS
def test_attacks_by_verb_have_their_attacker_and_victim(text: str, model: bool) -> None:
    found = {(role, label) for _, role, label in roles(text, model)}
    assert {role for role, _ in found} >= {"perpetrator", "victim"}, found


@WAYS
@pytest.mark.parametrize(
    "text",
    [
        "Desmond Harlow and Tobias Wren lived in Ashmoor. Harlow was convicted of murdering Wren.",
        "Desmond Harlow was jailed for killing Tobias Wren.",
        "Desmond Harlow was found guilty of the murder of Tobias Wren.",
    ],
)
def test_convicted_of_murdering_gives_perpetrator_and_victim(text: str, model: bool) -> None:
    assert incident_with(text, model, perpetrator="Desmond Harlow", victim="Tobias Wren")


@pytest.mark.parametrize(
    "text",
    [
        "Harlow murdered the councillor Tobias Wren.",
        "Desmond Harlow murdered the councillor Tobias Wren.",
        "Clara Venn killed the shopkeeper Bryn Oakes in 2019.",
    ],
)
@WAYS
def test_a_victim_named_in_apposition_to_the_object(text: str, model: bool) -> None:
    victim = text.split("the ")[-1].split(" in ")[0].rstrip(".").split(" ", 1)[1]
    found = roles(text, model)
    assert any(role == "victim" and label == victim for _, role, label in found), found
    # no incident with a perpetrator and no victim ("murder by X")
    incidents = {s for s, _, _ in found}
    assert all(any(s == i and role == "victim" for s, role, _ in found) for i in incidents)


@pytest.mark.parametrize(
    "text",
    [
        "A review of the stabbing was commissioned by Leeds City Council.",
        "An inquiry into the shooting was ordered by Northby Borough Council.",
        "A report on the attack was published by the Calder Vale Constabulary.",
    ],
)
@WAYS
def test_the_body_that_commissions_a_review_is_no_perpetrator(text: str, model: bool) -> None:
    assert not any(role == "perpetrator" for _, role, _ in roles(text, model))


def test_without_its_model_the_component_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Harlow murdered the councillor Tobias Wren. Nadia Castell attacked Gareth Mullins in Fenbridge."
    monkeypatch.setattr("kg.extract.roles.load_model", lambda name: None)
    ex = Extractor(
        with_model().lex, with_model().nlp, [c(with_model().components[0].cues) for c in COMPONENTS]
    )
    with_component = ex.analyse(document(text))
    without = ex.replacing("roles", _Nothing(ex.components[0].cues)).analyse(document(text))
    assert with_component.relations == without.relations


class _Nothing(Roles):
    """The roles component that does nothing at all."""

    def document(self, an: DocumentAnalysis) -> None:
        return None


#: Invented reports in the re-packaged WikiEvents layout: text, then each event as (type, trigger, arguments).
WIKIEVENTS = {
    "doc_a": (
        "A car bomb killed Tom Ashdown in Northtown on Monday . Police blamed Clara Venn for the attack .",
        [
            ("Conflict.Attack", "bomb", "Attacker=Clara Venn;Place=Northtown"),
            ("Life.Die", "killed", "Victim=Tom Ashdown;Place=Northtown"),
        ],
    ),
    "doc_b": (
        "Gareth Mullins shot Ruth Pellow in Eastmere . Ruth Pellow died in hospital in Westholm .",
        [
            ("Conflict.Attack", "shot", "Attacker=Gareth Mullins;Target=Ruth Pellow;Place=Eastmere"),
            ("Life.Die", "died", "Victim=Ruth Pellow;Place=Westholm"),
        ],
    ),
    "doc_c": (
        "Imran Quayle stabbed Alma Brierley in Southby . A spokesman for Southby Council said the attack was awful .",
        [("Conflict.Attack", "stabbed", "Attacker=Imran Quayle;Target=Alma Brierley;Place=Southby")],
    ),
}


def _wikievents(folder: Path) -> None:
    data = {}
    for doc_id, (text, events) in WIKIEVENTS.items():
        templates = []
        for kind, trigger, args in events:
            t: dict[str, object] = {"incident_type": kind, "Human_Trig": [[[trigger, text.index(trigger)]]]}
            for role, name in (a.split("=") for a in args.split(";")):
                t[role] = [[[name, text.index(name)]]]
            templates.append(t)
        data[doc_id] = {"docid": doc_id, "doctext": text, "templates": templates}
    path = folder / "Triggers-Data" / "data" / "WikiEvents" / "train.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def _uk(folder: Path) -> None:
    folder.mkdir()
    docs = {
        "a": ("Bryn Oakes murdered Cora Tennant in Harwick.", "Bryn Oakes", "Cora Tennant", "Harwick"),
        "b": (
            "Dilys Quayle was stabbed by Ewan Castell in Lowmoor.",
            "Ewan Castell",
            "Dilys Quayle",
            "Lowmoor",
        ),
    }
    for stem, (text, perp, victim, place) in docs.items():
        (folder / f"{stem}.txt").write_text(text, encoding="utf-8")
        gold = {
            "entities": [
                {"id": "incident", "type": "Incident", "names": ["murder"]},
                {"id": "p", "type": "Person", "names": [perp]},
                {"id": "v", "type": "Person", "names": [victim]},
                {"id": "w", "type": "Place", "names": [place]},
            ],
            "relations": [
                ["incident", "perpetrator", "p"],
                ["incident", "victim", "v"],
                ["incident", "place", "w"],
            ],
        }
        (folder / f"{stem}.gold.yaml").write_text(json.dumps(gold), encoding="utf-8")


def test_kg_train_makes_an_incident_role_model_from_a_tiny_invented_sample(tmp_path: Path) -> None:
    _wikievents(tmp_path / "wikievents")
    _uk(tmp_path / "uk")
    out = tmp_path / "models"
    result = ok(
        kg(
            "train",
            "--wikievents",
            "wikievents",
            "--uk",
            "uk",
            "-o",
            "models",
            "--only",
            MODEL,
            cwd=tmp_path,
        )
    )
    assert "incident_role: held out" in result.stdout
    model = load_model(MODEL, out)
    assert model is not None and "none" in model.classes and model.weights

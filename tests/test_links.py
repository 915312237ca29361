"""The relations of inquiries and posts (``links``, learned, with the rules before it): the invented cases of issue
29 with the shipped model, the component without its model, and ``kg train --only relations`` on an invented
sample in kg's gold format."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from helpers import kg, ok

from kg.extract.components import Extractor, extractor
from kg.extract.linear import load_model
from kg.extract.links import Links, candidates
from kg.model import Document, Extraction
from kg.pipeline import extract_document


def document(text: str) -> Document:
    return Document(
        Path("invented.txt"), "invented.txt", text, hashlib.sha256(text.encode("utf-8")).hexdigest()
    )


def facts(ex: Extraction) -> set[tuple[str, str, str]]:
    return {
        (ex.entities[r.subject].label, r.prop, ex.entities[r.object].label)
        for r in ex.relations
        if isinstance(r.object, str)
    }


def entities(ex: Extraction) -> set[tuple[str, str]]:
    return {(e.cls, e.label) for e in ex.entities.values()}


def test_an_inquiry_chaired_by_a_dame_the_model_does_not_tag() -> None:
    """No name for the NER: the honorific and the proper nouns after it are a person, and the unnamed inquiry she
    chairs survives with her."""
    ex = extract_document(document("The inquiry is chaired by Dame Eleanor Voss."))
    voss = [e for e in ex.entities.values() if e.label == "Eleanor Voss"]
    assert [e.cls for e in voss] == ["Person"] and "Dame Eleanor Voss" in voss[0].alt_labels
    assert ("inquiry led by Eleanor Voss", "ledBy", "Eleanor Voss") in facts(ex)


def test_a_review_commissioned_by_a_council() -> None:
    ex = extract_document(document("A review of the stabbing was commissioned by Leeds City Council."))
    assert any(p == "commissionedBy" and o == "Leeds City Council" for _, p, o in facts(ex))
    assert not any(p == "perpetrator" for _, p, _ in facts(ex))


@pytest.mark.parametrize(
    ("text", "person", "body"),
    [
        (
            "Sarah Okafor of Calder Vale Constabulary said officers arrested him.",
            "Sarah Okafor",
            "Calder Vale Constabulary",
        ),
        (
            "Tom Reed of Northby Borough Council said the plan was sound.",
            "Tom Reed",
            "Northby Borough Council",
        ),
    ],
)
def test_a_person_of_a_body_is_its_member(text: str, person: str, body: str) -> None:
    ex = extract_document(document(text))
    assert {("Person", person), ("Agency", body)} <= entities(ex)
    assert not any(" of " in label for cls, label in entities(ex) if cls == "Agency")
    assert (person, "memberOf", body) in facts(ex)


@pytest.mark.parametrize(
    ("text", "post", "body"),
    [
        (
            "Director of the Office for Public Protection",
            "Director of the Office for Public Protection",
            "Office for Public Protection",
        ),
        (
            "Ann Ode, Head of the Department for Northby Affairs, resigned.",
            "Head of the Department for Northby Affairs",
            "Department for Northby Affairs",
        ),
    ],
)
def test_a_post_and_the_whole_name_of_its_body(text: str, post: str, body: str) -> None:
    assert {("Post", post), ("Agency", body)} <= entities(extract_document(document(text)))


def test_a_bodys_complement_that_is_a_known_place_is_left_to_the_place() -> None:
    """'Leader of the Harwick Socialist Party of Venezuela': the party is named without the country the gazetteer
    knows (as a reader lists it; the body's own complement stays only where it is no place: above)."""
    found = entities(
        extract_document(document("Maria Ode, Leader of the Harwick Socialist Party of Venezuela, spoke."))
    )
    assert ("PoliticalParty", "Harwick Socialist Party") in found
    assert not any(label.endswith("Party of Venezuela") for _, label in found)


def test_a_post_for_a_place_is_not_a_body() -> None:
    """'Member of Parliament for X' is a post before its place, not 'Parliament for X'."""
    found = entities(extract_document(document("Jo Bell, Member of Parliament for Batley and Spen, spoke.")))
    assert ("Place", "Batley and Spen") in found and not any(cls == "Agency" for cls, _ in found)


def test_without_its_model_the_component_leaves_the_rules_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No models/relations.json: the relations are exactly those of the rules (the extractor without `links`)."""
    import kg.extract.links as links

    monkeypatch.setattr(links, "load_model", lambda name: load_model(name, tmp_path))
    text = "The Northby Inquiry, whose chair is Ann Ode, reported. Sarah Okafor of Calder Vale Constabulary spoke."
    ex = extractor()
    rules = Extractor(ex.lex, ex.nlp, [c for c in ex.components if c.name != Links.name])
    assert ex.analyse(document(text)).relations == rules.analyse(document(text)).relations


def test_pairs_and_their_features_name_no_names() -> None:
    """The features are the words around and between, the parse and the classes: never the names themselves."""
    an = extractor().analyse(
        document("The Northby Inquiry, chaired by Ann Ode, reported."), until="signatures"
    )
    pairs = candidates(an, extractor().lex)
    assert pairs and all(p in ("ledBy", "commissionedBy", "concerns") for c in pairs for p in c.props)
    feats = {f for c in pairs for f in c.features}
    assert not any("ode" in f.lower() or "northby" in f.lower() for f in feats)


# ------------------------------------------------------------------------------------------------ training
SAMPLE = {
    "a": (
        "The Ashmoor Inquiry was chaired by Ann Ode. It was commissioned by Northby Council. "
        "Tom Reed of Wessex Police gave evidence. Clara Venn, the Home Secretary, spoke.",
        [
            ("ashinq", "Inquiry", ["Ashmoor Inquiry"]),
            ("ode", "Person", ["Ann Ode"]),
            ("council", "Agency", ["Northby Council"]),
            ("reed", "Person", ["Tom Reed"]),
            ("wessex", "Agency", ["Wessex Police"]),
            ("venn", "Person", ["Clara Venn"]),
            ("homesec", "Post", ["Home Secretary"]),
        ],
        [
            ("ashinq", "ledBy", "ode"),
            ("ashinq", "commissionedBy", "council"),
            ("reed", "memberOf", "wessex"),
            ("venn", "holdsPost", "homesec"),
        ],
    ),
    "b": (
        "The Corby Review, led by Bryn Oakes, reported in May. Ruth Pellow of Northby Police welcomed it.",
        [
            ("review", "Inquiry", ["Corby Review"]),
            ("oakes", "Person", ["Bryn Oakes"]),
            ("pellow", "Person", ["Ruth Pellow"]),
            ("police", "Agency", ["Northby Police"]),
        ],
        [("review", "ledBy", "oakes"), ("pellow", "memberOf", "police")],
    ),
    "c": (
        "Imran Castell chaired the Kettering Inquiry. Alma Quayle, the Justice Secretary, set it up.",
        [
            ("inq", "Inquiry", ["Kettering Inquiry"]),
            ("castell", "Person", ["Imran Castell"]),
            ("quayle", "Person", ["Alma Quayle"]),
            ("justice", "Post", ["Justice Secretary"]),
        ],
        [
            ("inq", "ledBy", "castell"),
            ("quayle", "holdsPost", "justice"),
            ("inq", "commissionedBy", "quayle"),
        ],
    ),
}


def test_kg_train_makes_a_relations_model_that_loads(tmp_path: Path) -> None:
    uk = tmp_path / "uk"
    uk.mkdir()
    for name, (text, ents, rels) in SAMPLE.items():
        (uk / f"{name}.txt").write_text(text, encoding="utf-8")
        lines = [f"doc: {name}.txt", "entities:"]
        lines += [f"  - {{id: {i}, type: {t}, names: [{', '.join(ns)}]}}" for i, t, ns in ents]
        lines += ["relations:"] + [f"  - [{s}, {p}, {o}]" for s, p, o in rels]
        (uk / f"{name}.gold.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = ok(kg("train", "--uk", str(uk), "--only", "relations", "-o", "models", cwd=tmp_path)).stdout
    assert "relations:   all rules" in out and "relations:   all model" in out
    model = load_model("relations", tmp_path / "models")
    assert model is not None and {"ledBy", "memberOf"} <= set(model.classes) <= {"none", *model.meta["add"]}
    assert "corpus-uk" in model.meta["licence"]

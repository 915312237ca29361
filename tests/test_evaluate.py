"""`kg eval` and kg.evaluate: the counting rules on small invented gold files and graphs, and the real command on a
tiny invented annotated corpus (its scores, --explain, --json, --min and bad input)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import rdflib
from helpers import kg, ok, one_error_line

from kg.errors import InputError
from kg.evaluate import (
    MEASURES,
    Counts,
    Evaluation,
    Gold,
    cross_document_duplicates,
    find_annotated,
    fold,
    parse_floors,
    read_gold,
    score,
)

PREFIXES = """\
@prefix kg: <https://w3id.org/kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix e: <https://example.org/id/> .
"""


def gold_file(folder: Path, text: str, name: str = "doc") -> Path:
    path = folder / f"{name}.gold.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def gold(folder: Path, text: str) -> Gold:
    return read_gold(gold_file(folder, text))


def graph(turtle: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=PREFIXES + textwrap.dedent(turtle), format="turtle")


def counts(result: dict[str, Counts], measure: str) -> tuple[int, int, int]:
    c = result[measure]
    return c.tp, c.fp, c.fn


# ---------------------------------------------------------------------------------------------- names
@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("Ada Quill", "ada quill"),
        ("The Rt Hon Ada Quill", "ada quill"),
        ("Sir Bram Holt's", "bram holt"),
        ("Dr. Bram-Holt", "bram holt"),
        ("the Northshire Constabulary", "northshire constabulary"),
        ("Greyford\u2019s harbour", "greyford harbour"),
    ],
)
def test_names_are_folded(name: str, folded: str) -> None:
    assert fold(name) == folded


def test_an_entity_matches_by_any_of_its_labels_and_any_gold_name(tmp_path: Path) -> None:
    g = gold(
        tmp_path,
        """
        entities:
          - {id: quill, type: Person, names: [Ada Quill, Quill]}
        relations: []
        """,
    )
    produced = graph('e:p1 a kg:Person ; rdfs:label "A. Quill" ; skos:altLabel "QUILL" .')
    assert counts(score(produced, g), "entities") == (1, 0, 0)


def test_honorifics_and_the_are_folded_away(tmp_path: Path) -> None:
    g = gold(
        tmp_path,
        """
        entities:
          - {id: quill, type: Person, names: [Ada Quill]}
          - {id: police, type: Agency, names: [Northshire Constabulary]}
        relations: []
        """,
    )
    produced = graph(
        """
        e:p1 a kg:Person ; rdfs:label "Dame Ada Quill" .
        e:o1 a kg:Agency ; rdfs:label "The Northshire Constabulary" .
        """
    )
    assert counts(score(produced, g), "entities") == (2, 0, 0)


def test_an_unknown_name_is_an_extra_and_the_gold_entity_a_miss(tmp_path: Path) -> None:
    g = gold(
        tmp_path,
        """
        entities:
          - {id: quill, type: Person, names: [Ada Quill]}
        relations: []
        """,
    )
    notes: list[str] = []
    result = score(graph('e:p1 a kg:Person ; rdfs:label "Ada Quillon" .'), g, notes)
    assert counts(result, "entities") == (0, 1, 1)
    assert notes == ["missed Person quill: ['Ada Quill']", "extra Person p1: ['ada quillon']"]


def test_a_duplicate_counts_against_precision(tmp_path: Path) -> None:
    g = gold(
        tmp_path,
        """
        entities:
          - {id: quill, type: Person, names: [Ada Quill, Quill]}
        relations: []
        """,
    )
    produced = graph(
        """
        e:p1 a kg:Person ; rdfs:label "Ada Quill" .
        e:p2 a kg:Person ; rdfs:label "Quill" .
        """
    )
    result = score(produced, g)
    assert counts(result, "entities") == (1, 1, 0)
    assert result["entities"].scores()["precision"] == 0.5


def test_optional_entities_are_neither_credited_nor_missed(tmp_path: Path) -> None:
    g = gold(
        tmp_path,
        """
        entities:
          - {id: greyford, type: Place, names: [Greyford], optional: true}
          - {id: marsh, type: Place, names: [Marsh End], optional: true}
        relations: []
        """,
    )
    produced = graph('e:l1 a kg:Place ; rdfs:label "Greyford" .')  # one found, one not
    assert counts(score(produced, g), "places") == (0, 0, 0)


def test_places_and_posts_are_scored_apart(tmp_path: Path) -> None:
    g = gold(
        tmp_path,
        """
        entities:
          - {id: greyford, type: Place, names: [Greyford]}
          - {id: roads, type: Post, names: [Minister for Roads]}
        relations: []
        """,
    )
    produced = graph(
        """
        e:l1 a kg:Place ; rdfs:label "Greyford" .
        e:x1 a kg:Person ; rdfs:label "Minister for Roads" .
        """
    )
    result = score(produced, g)
    assert counts(result, "places") == (1, 0, 0)
    # a person never matches a post: the post is missed and the person is an extra entity
    assert counts(result, "posts") == (0, 0, 1)
    assert counts(result, "entities") == (0, 1, 0)


def test_an_unnamed_incident_is_matched_by_its_perpetrator(tmp_path: Path) -> None:
    g = gold(
        tmp_path,
        """
        entities:
          - {id: holt, type: Person, names: [Bram Holt]}
          - {id: attack, type: Incident, names: [Greyford attack]}
        relations:
          - [attack, perpetrator, holt]
        """,
    )
    produced = graph(
        """
        e:p1 a kg:Person ; rdfs:label "Bram Holt" .
        e:i1 a kg:Incident ; rdfs:label "stabbing in Greyford" ; kg:perpetrator e:p1 .
        """
    )
    result = score(produced, g)
    assert counts(result, "entities") == (2, 0, 0)
    assert counts(result, "relations") == (1, 0, 0)


def test_a_second_incident_with_the_same_perpetrator_is_a_duplicate(tmp_path: Path) -> None:
    g = gold(
        tmp_path,
        """
        entities:
          - {id: holt, type: Person, names: [Bram Holt]}
          - {id: attack, type: Incident, names: [Greyford attack]}
        relations:
          - [attack, perpetrator, holt]
        """,
    )
    produced = graph(
        """
        e:p1 a kg:Person ; rdfs:label "Bram Holt" .
        e:i1 a kg:Incident ; rdfs:label "stabbing in Greyford" ; kg:perpetrator e:p1 .
        e:i2 a kg:Incident ; rdfs:label "attack on the quay" ; kg:perpetrator e:p1 .
        """
    )
    result = score(produced, g)
    assert counts(result, "entities") == (2, 1, 0)
    assert counts(result, "relations") == (1, 1, 0)


def test_a_duplicate_by_name_is_not_matched_again_by_its_participants(tmp_path: Path) -> None:
    g = gold(
        tmp_path,
        """
        entities:
          - {id: holt, type: Person, names: [Bram Holt]}
          - {id: venn, type: Person, names: [Cora Venn]}
          - {id: greyford, type: Incident, names: [Greyford attack]}
          - {id: quay, type: Incident, names: [attack on the quay]}
        relations:
          - [greyford, perpetrator, holt]
          - [quay, perpetrator, venn]
        """,
    )
    produced = graph(
        """
        e:p1 a kg:Person ; rdfs:label "Bram Holt" .
        e:p2 a kg:Person ; rdfs:label "Cora Venn" .
        e:i1 a kg:Incident ; rdfs:label "Greyford attack" .
        e:i2 a kg:Incident ; rdfs:label "Greyford attack" ; kg:perpetrator e:p2 .
        """
    )
    notes: list[str] = []
    result = score(produced, g, notes)
    assert counts(result, "entities") == (3, 1, 1)
    assert "missed Incident quay: ['attack on the quay']" in notes


def test_a_date_matches_a_gold_date_it_starts_with(tmp_path: Path) -> None:
    g = gold(
        tmp_path,
        """
        entities:
          - {id: attack, type: Incident, names: [Greyford attack]}
        relations:
          - [attack, date, "2024-03"]
        """,
    )
    right = graph('e:i1 a kg:Incident ; rdfs:label "Greyford attack" ; kg:date "2024-03-03"^^xsd:date .')
    wrong = graph('e:i1 a kg:Incident ; rdfs:label "Greyford attack" ; kg:date "2023-03-03"^^xsd:date .')
    assert counts(score(right, g), "relations") == (1, 0, 0)
    assert counts(score(wrong, g), "relations") == (0, 1, 1)


def test_a_gold_relation_counts_once_however_many_triples_match_it(tmp_path: Path) -> None:
    g = gold(
        tmp_path,
        """
        entities:
          - {id: attack, type: Incident, names: [Greyford attack]}
        relations:
          - [attack, date, "2024"]
        """,
    )
    produced = graph(
        """
        e:i1 a kg:Incident ; rdfs:label "Greyford attack" ;
            kg:date "2024-03-03"^^xsd:date, "2024-03-04"^^xsd:date .
        """
    )
    assert counts(score(produced, g), "relations") == (1, 0, 0)


def test_any_alternative_of_a_list_matches(tmp_path: Path) -> None:
    g = gold(
        tmp_path,
        """
        entities:
          - {id: attack, type: Incident, names: [Greyford attack]}
          - {id: quay, type: Place, names: [North Quay]}
          - {id: greyford, type: Place, names: [Greyford]}
        relations:
          - [attack, place, [quay, greyford]]
        """,
    )
    produced = graph(
        """
        e:i1 a kg:Incident ; rdfs:label "Greyford attack" ; kg:place e:l1 .
        e:l1 a kg:Place ; rdfs:label "Greyford" .
        """
    )
    notes: list[str] = []
    result = score(produced, g, notes)
    assert counts(result, "relations") == (1, 0, 0)
    assert counts(result, "places") == (1, 0, 1)
    assert notes == ["missed Place quay: ['North Quay']"]


def test_a_relation_between_the_wrong_entities_is_an_extra_and_a_miss(tmp_path: Path) -> None:
    g = gold(
        tmp_path,
        """
        entities:
          - {id: quill, type: Person, names: [Ada Quill]}
          - {id: marsh, type: PoliticalParty, names: [Marsh Party]}
          - {id: trust, type: Organization, names: [Harbour Trust]}
        relations:
          - [quill, memberOf, marsh]
        """,
    )
    produced = graph(
        """
        e:p1 a kg:Person ; rdfs:label "Ada Quill" ; kg:memberOf e:o2 .
        e:o1 a kg:PoliticalParty ; rdfs:label "Marsh Party" .
        e:o2 a kg:Organization ; rdfs:label "Harbour Trust" .
        """
    )
    notes: list[str] = []
    assert counts(score(produced, g, notes), "relations") == (0, 1, 1)
    assert notes == ["extra relation quill memberOf trust", "missed relation quill memberOf marsh"]


def test_a_mistyped_entity_counts_in_entities_but_not_in_typed_entities(tmp_path: Path) -> None:
    g = gold(
        tmp_path,
        """
        entities:
          - {id: trust, type: Organization, names: [Harbour Trust]}
          - {id: marsh, type: PoliticalParty, names: [Marsh Party]}
        relations: []
        """,
    )
    produced = graph(
        """
        e:x1 a kg:Person ; rdfs:label "Harbour Trust" .
        e:o1 a kg:Agency ; rdfs:label "Marsh Party" .
        """
    )
    notes: list[str] = []
    result = score(produced, g, notes)
    assert counts(result, "entities") == (2, 0, 0)
    # an Agency for a PoliticalParty is the same family (Organization): typed right; a Person is not
    assert counts(result, "entities_typed") == (1, 1, 1)
    assert notes == ["mistyped trust: Organization given as Person"]


def test_entities_shared_by_documents_and_held_twice_are_cross_document_duplicates(tmp_path: Path) -> None:
    entities = """
        entities:
          - {id: quill, type: Person, names: [Ada Quill, Quill]}
          - {id: greyford, type: Place, names: [Greyford]}
        """
    first = read_gold(gold_file(tmp_path, entities, "first"))
    second = read_gold(gold_file(tmp_path, entities, "second"))
    together = graph(
        """
        e:p1 a kg:Person ; rdfs:label "Ada Quill" .
        e:p2 a kg:Person ; rdfs:label "Quill" .
        e:l1 a kg:Place ; rdfs:label "Greyford" .
        e:l2 a kg:Place ; rdfs:label "Greyford" .
        """
    )
    # places are not counted; a person only one document names is not either
    assert cross_document_duplicates([first, second], together) == [("ada quill", 2)]
    assert cross_document_duplicates([first], together) == []
    once = graph('e:p1 a kg:Person ; rdfs:label "Ada Quill" ; skos:altLabel "Quill" .')
    assert cross_document_duplicates([first, second], once) == []


def test_counts_give_precision_recall_and_f1() -> None:
    assert Counts(tp=3, fp=1, fn=2).scores() == {
        "precision": 0.75,
        "recall": 0.6,
        "f1": 0.667,
        "tp": 3,
        "fp": 1,
        "fn": 2,
    }
    assert Counts().scores()["f1"] is None  # nothing to find and nothing found: no score


def test_a_folder_gives_its_gold_files_that_have_their_text(tmp_path: Path) -> None:
    for name in ("b", "a", "lonely"):
        gold_file(tmp_path, "entities: []\n", name)
    (tmp_path / "a.txt").write_text("Ada Quill.\n")
    (tmp_path / "b.md").write_text("# Bram Holt\n")
    found = find_annotated([tmp_path, tmp_path / "a.gold.yaml"])  # the file again: found once
    assert [(a.text.name, a.gold.name) for a in found] == [("a.txt", "a.gold.yaml"), ("b.md", "b.gold.yaml")]


def test_floors_are_read_by_measure() -> None:
    assert parse_floors(["entities=0.85", "relations=.6"]) == {"entities": 0.85, "relations": 0.6}
    for bad in ("entity=0.8", "entities", "entities=high", "entities=1.5"):
        with pytest.raises(InputError):
            parse_floors([bad])


# ---------------------------------------------------------------------------------------------- kg eval
HARBOUR_TEXT = """\
Ada Quill, the Minister for Roads, visited Greyford on Monday.
Quill is a member of the Marsh Party.
Bram Holt stabbed Cora Venn in Greyford on 3 March 2024.
The Northshire Police arrested Holt the same day.
"""
HARBOUR_GOLD = """\
entities:
  - {id: quill, type: Person, names: [Ada Quill, Quill]}
  - {id: holt, type: Person, names: [Bram Holt, Holt]}
  - {id: venn, type: Person, names: [Cora Venn]}
  - {id: marsh, type: PoliticalParty, names: [Marsh Party]}
  - {id: stabbing, type: Incident, names: [Greyford stabbing]}
  - {id: greyford, type: Place, names: [Greyford]}
  - {id: roads, type: Post, names: [Minister for Roads]}
relations:
  - [quill, holdsPost, roads]
  - [quill, memberOf, marsh]
  - [stabbing, perpetrator, holt]
  - [stabbing, victim, venn]
  - [stabbing, date, "2024-03"]
  - [stabbing, place, greyford]
"""
LANTERN_TEXT = """\
The Lantern Programme was set up by the Harbour Trust in Greyford.
Ada Quill praised the programme, and the harbour master welcomed it.
"""
LANTERN_GOLD = """\
entities:
  - {id: lantern, type: Programme, names: [Lantern Programme, programme]}
  - {id: trust, type: Organization, names: [Harbour Trust]}
  - {id: quill, type: Person, names: [Ada Quill]}
  - {id: greyford, type: Place, names: [Greyford]}
  - {id: master, type: Post, names: [harbour master]}
relations:
  - [lantern, commissionedBy, trust]
"""
#: What kg makes of the two documents: the stabbing found by its perpetrator, its date by prefix; missed are the
#: party membership, the harbour master and who set up the programme; the police are not in the gold.
EXPECTED_TOTALS = """\
cross-document duplicates: 0
entities        P 0.889  R 1.000  F1 0.941  (tp 8, fp 1, fn 0)
entities_typed  P 0.889  R 1.000  F1 0.941  (tp 8, fp 1, fn 0)
places          P 1.000  R 1.000  F1 1.000  (tp 2, fp 0, fn 0)
posts           P 1.000  R 0.500  F1 0.667  (tp 1, fp 0, fn 1)
relations       P 1.000  R 0.714  F1 0.833  (tp 5, fp 0, fn 2)
2 documents"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("annotated")
    for name, text, gold_text in (
        ("harbour", HARBOUR_TEXT, HARBOUR_GOLD),
        ("lantern", LANTERN_TEXT, LANTERN_GOLD),
    ):
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
        (folder / f"{name}.gold.yaml").write_text(gold_text, encoding="utf-8")
    (folder / "notes.txt").write_text("A document with no gold file is not scored.\n")
    return folder


def test_eval_scores_each_document_and_the_total(corpus: Path) -> None:
    lines = ok(kg("eval", ".", cwd=corpus)).stdout.splitlines()
    assert lines[:2] == [
        "harbour.txt: entities 0.91  entities_typed 0.91  places 1.00  posts 1.00  relations 0.91",
        "lantern.txt: entities 1.00  entities_typed 1.00  places 1.00  posts 0.00  relations 0.00",
    ]
    totals = "\n".join(line.rstrip() for line in lines[2:])
    assert totals.startswith(EXPECTED_TOTALS + ", ")
    assert totals.endswith(" s of builds")


def test_eval_explain_lists_misses_and_extras_under_each_document(corpus: Path) -> None:
    lines = ok(kg("eval", "harbour.gold.yaml", "lantern.gold.yaml", "--explain", cwd=corpus)).stdout
    assert lines.splitlines()[:7] == [
        "harbour.txt: entities 0.91  entities_typed 0.91  places 1.00  posts 1.00  relations 0.91",
        "    extra Organization northshire-police: ['northshire police']",
        "    missed relation quill memberOf marsh",
        "lantern.txt: entities 1.00  entities_typed 1.00  places 1.00  posts 0.00  relations 0.00",
        "    missed Post master: ['harbour master']",
        "    missed relation lantern commissionedBy trust",
        "cross-document duplicates: 0 ",
    ]


def test_eval_json(corpus: Path) -> None:
    result = json.loads(ok(kg("eval", str(corpus), "--json", cwd=corpus.parent)).stdout)
    assert set(result) == {
        "documents",
        "build_seconds",
        "total",
        "cross_document_duplicates",
        "duplicated",
        "failures",
        "per_document",
    }
    assert result["documents"] == 2
    assert result["cross_document_duplicates"] == 0
    assert result["duplicated"] == []
    assert result["failures"] == []
    assert list(result["per_document"]) == ["harbour.txt", "lantern.txt"]
    for scores in [result["total"], *result["per_document"].values()]:
        assert list(scores) == list(MEASURES)
    assert result["total"]["relations"] == {
        "precision": 1.0,
        "recall": 0.714,
        "f1": 0.833,
        "tp": 5,
        "fp": 0,
        "fn": 2,
    }
    assert result["per_document"]["lantern.txt"]["posts"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "tp": 0,
        "fp": 0,
        "fn": 1,
    }


def test_eval_min_above_a_score_fails_and_says_which(corpus: Path) -> None:
    result = kg("eval", ".", "--min", "entities=0.9", "--min", "relations=0.9", cwd=corpus)
    line = one_error_line(result, status=1)
    assert line == "kg: error: below floor: relations F1 0.833 < 0.9"
    assert result.stdout.splitlines()[-1].endswith("; below floor: relations F1 0.833 < 0.9")


def test_eval_min_below_every_score_passes(corpus: Path) -> None:
    ok(kg("eval", ".", "--json", "--min", "entities=0.9", "--min", "relations=0.8", cwd=corpus))


ENTITY = "  - {id: quill, type: Person, names: [Ada Quill]}\n"
BAD_GOLD = {
    "not YAML": ("entities: [\n", "not valid YAML"),
    "not a mapping": ("- one\n- two\n", "no 'entities' list"),
    "no entities": ("relations: []\n", "no 'entities' list"),
    "entity without id": ("entities:\n  - {type: Person, names: [Ada Quill]}\n", "entity 1: no id"),
    "entity without type": ("entities:\n  - {id: quill, names: [Ada Quill]}\n", "entity 1 (quill): no type"),
    "entity without names": ("entities:\n  - {id: quill, type: Person}\n", "entity 1 (quill): 'names'"),
    "unknown type": (
        "entities:\n  - {id: quill, type: Human, names: [Ada Quill]}\n",
        "entity 1 (quill): unknown type 'Human'",
    ),
    "id used twice": (f"entities:\n{ENTITY}{ENTITY}", "entity 2: id 'quill' is used twice"),
    "relation of two": (
        f"entities:\n{ENTITY}relations:\n  - [quill, memberOf]\n",
        "relation 1: not a list of three",
    ),
    "relation to an unknown id": (
        f"entities:\n{ENTITY}relations:\n  - [quill, memberOf, marsh]\n",
        "relation 1: unknown id 'marsh' as object",
    ),
    "relation from an unknown id": (
        f"entities:\n{ENTITY}relations:\n  - [holt, memberOf, quill]\n",
        "relation 1: unknown id 'holt' as subject",
    ),
    "unknown property": (
        f"entities:\n{ENTITY}relations:\n  - [quill, admires, quill]\n",
        "relation 1: unknown property 'admires'",
    ),
    "date that is no date": (
        f"entities:\n{ENTITY}relations:\n  - [quill, date, last spring]\n",
        "relation 1: 'last spring' is not a date",
    ),
}


@pytest.mark.parametrize(("content", "message"), BAD_GOLD.values(), ids=BAD_GOLD.keys())
def test_eval_refuses_a_gold_file_not_in_the_format(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "doc.txt").write_text("Ada Quill visited Greyford.\n")
    (tmp_path / "doc.gold.yaml").write_text(content)
    line = one_error_line(kg("eval", "doc.gold.yaml", cwd=tmp_path), quiet=True)
    assert line.startswith("kg: error: doc.gold.yaml: ")
    assert message in line


def test_eval_refuses_a_missing_path(tmp_path: Path) -> None:
    line = one_error_line(kg("eval", "nowhere", cwd=tmp_path), quiet=True)
    assert line == "kg: error: nowhere: no such file or folder"


def test_eval_refuses_a_folder_with_no_gold_files(tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_text("Ada Quill visited Greyford.\n")
    line = one_error_line(kg("eval", ".", cwd=tmp_path), quiet=True)
    assert line.startswith("kg: error: .: no annotated documents")


def test_eval_refuses_a_gold_file_with_no_text_beside_it(tmp_path: Path) -> None:
    (tmp_path / "doc.gold.yaml").write_text(f"entities:\n{ENTITY}")
    line = one_error_line(kg("eval", "doc.gold.yaml", cwd=tmp_path), quiet=True)
    assert line == (
        "kg: error: doc.gold.yaml: no doc.txt, doc.md, doc.html, doc.htm or doc.pdf beside it: the document it"
        " annotates"
    )


def test_eval_refuses_a_bad_floor(tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_text("Ada Quill visited Greyford.\n")
    (tmp_path / "doc.gold.yaml").write_text(f"entities:\n{ENTITY}")
    line = one_error_line(kg("eval", ".", "--min", "people=0.5", cwd=tmp_path), quiet=True)
    assert line.startswith("kg: error: --min people=0.5: ")


# ---------------------------------------------------------------------------------------------- the bare NER
def test_eval_baseline_scores_the_bare_ner_beside_kg(corpus: Path) -> None:
    result = json.loads(ok(kg("eval", ".", "--json", "--baseline", cwd=corpus)).stdout)
    assert list(result["baseline"]) == list(MEASURES)
    bare = result["baseline"]
    # the model alone finds no posts and no relations
    assert bare["relations"]["tp"] == bare["relations"]["fp"] == 0
    assert bare["posts"]["tp"] == 0
    for measure in ("entities", "entities_typed", "places"):
        assert result["total"][measure]["f1"] >= bare[measure]["f1"], measure
    lines = ok(kg("eval", ".", "--baseline", cwd=corpus)).stdout.splitlines()
    start = lines.index("the bare NER (spaCy's model alone), for comparison:")
    assert [line.split()[0] for line in lines[start + 1 : start + 4]] == [
        "entities",
        "entities_typed",
        "places",
    ]


def test_below_the_bare_ner_is_named_by_measure() -> None:
    def counts(tp: int, fp: int, fn: int) -> dict[str, Counts]:
        return {m: Counts(tp, fp, fn) for m in MEASURES}

    evaluation = Evaluation({"a.txt": counts(5, 5, 5)}, {}, [], [], 0.0, baseline={"a.txt": counts(9, 1, 1)})
    assert evaluation.below_baseline() == [
        "entities F1 0.500 < bare NER 0.900",
        "entities_typed F1 0.500 < bare NER 0.900",
        "places F1 0.500 < bare NER 0.900",
    ]
    evaluation.baseline = {"a.txt": counts(1, 9, 9)}
    assert evaluation.below_baseline() == []
    assert Evaluation({}, {}, [], [], 0.0).below_baseline() == []

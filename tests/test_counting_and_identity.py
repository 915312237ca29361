"""The evaluation's counting (gold against a graph: tp, fp, fn and the scores) and identity across documents (is an
entity of a new document one the store already holds?), tested in-process on small invented examples.

In-process on purpose: these are the tests that kill the mutants of the "counting" area of tests/mutation.py
(mutmut runs mutants in the test process). No spaCy, no store: gold and graphs are built by hand, and the identity
index is an in-memory SQLite database fed by hand-made extractions.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import rdflib

from kg.evaluate import (
    Counts,
    Evaluation,
    Gold,
    GoldEntity,
    GoldRelation,
    cross_document_duplicates,
    fold,
    measure_of,
    missed_entirely,
    produced_entities,
    score,
)
from kg.graph.identity import (
    IdentityIndex,
    Summary,
    _compatible,
    _dates_meet,
    _signatures,
    choose_label,
    is_unnamed,
)
from kg.model import DateValue, Entity, Extraction, Relation
from kg.ontology.lexicon import load_lexicon

LEX = load_lexicon()

PREFIXES = """\
@prefix kg: <https://w3id.org/kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix e: <https://example.org/id/> .
"""
E = rdflib.Namespace("https://example.org/id/")


def graph(turtle: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=PREFIXES + textwrap.dedent(turtle), format="turtle")


def gold(
    entities: list[tuple[str, str, list[str]] | GoldEntity], *relations: tuple[str, str, object]
) -> Gold:
    """A gold annotation: entities as (id, type, names) or GoldEntity; relations as (subject, property, object or
    list of alternatives)."""
    ents = [e if isinstance(e, GoldEntity) else GoldEntity(e[0], e[1], tuple(e[2])) for e in entities]
    return Gold(
        Path("doc.gold.yaml"),
        {e.id: e for e in ents},
        tuple(GoldRelation(s, p, tuple(o) if isinstance(o, list) else (str(o),)) for s, p, o in relations),
    )


def tfn(result: dict[str, Counts], measure: str) -> tuple[int, int, int]:
    c = result[measure]
    return c.tp, c.fp, c.fn


# ============================================================================================== the evaluation
# ---------------------------------------------------------------------------------------------- names and measures
def test_names_are_compared_folded_without_honorifics() -> None:
    assert fold("The Rt Hon Lady Ada Quill's") == "ada quill"
    assert fold("Mrs. Dr Sir Ms Miss Mr Dame Lord Baron Baroness Right Honourable Ada") == "ada"
    assert fold("Misty Drake") == "misty drake"  # a word that only starts like an honorific stays


def test_places_and_posts_are_measured_apart_and_every_other_type_as_an_entity() -> None:
    assert [measure_of(t) for t in ("Place", "Post", "Person", "Agency", "Incident")] == [
        "places",
        "posts",
        "entities",
        "entities",
        "entities",
    ]


# ---------------------------------------------------------------------------------------------- Counts
def test_precision_recall_and_f1_come_from_the_counts_to_three_places() -> None:
    assert Counts(tp=2, fp=1, fn=3).scores() == {
        "precision": 0.667,
        "recall": 0.4,
        "f1": 0.5,
        "tp": 2,
        "fp": 1,
        "fn": 3,
    }
    assert Counts(tp=1, fp=0, fn=2).scores()["precision"] == 1.0
    assert Counts(tp=1, fp=2, fn=0).scores()["recall"] == 1.0
    assert Counts(tp=1, fp=2, fn=0).f1() == 0.5
    assert Counts(tp=2, fp=1, fn=4).scores() == {
        "precision": 0.667,
        "recall": 0.333,
        "f1": 0.444,
        "tp": 2,
        "fp": 1,
        "fn": 4,
    }


def test_nothing_found_of_something_to_find_scores_zero_not_a_crash() -> None:
    assert Counts(fn=3).scores() == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "fp": 0, "fn": 3}
    assert Counts(fp=2).scores() == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "fp": 2, "fn": 0}
    assert Counts(fp=2).f1() == 0.0


def test_nothing_to_find_and_nothing_found_has_no_score() -> None:
    assert Counts().scores() == {"precision": None, "recall": None, "f1": None, "tp": 0, "fp": 0, "fn": 0}
    assert Counts().f1() is None


def test_counts_add_up_each_of_tp_fp_fn() -> None:
    total = Counts(1, 2, 3)
    total.add(Counts(10, 20, 30))
    assert (total.tp, total.fp, total.fn) == (11, 22, 33)


def test_totals_sum_the_documents_and_floors_name_the_measures_below_them() -> None:
    doc1 = {"entities": Counts(tp=1, fn=1), "relations": Counts(tp=1)}
    doc2 = {"entities": Counts(tp=1, fp=2), "relations": Counts(fp=1)}
    evaluation = Evaluation({"a": doc1, "b": doc2}, {}, [], [], 0.0)
    assert tfn(evaluation.total, "entities") == (2, 2, 1)  # F1 0.571
    assert tfn(evaluation.total, "relations") == (1, 1, 0)  # F1 0.667
    assert evaluation.below({"entities": 0.6, "relations": 0.6}) == ["entities F1 0.571 < 0.6"]
    assert evaluation.below({"entities": 0.571}) == []  # at the floor is not below it
    assert evaluation.below({"places": 0.9}) == []  # nothing to score: neither below nor above


def test_kg_below_the_bare_ner_is_named_by_entity_measure_only() -> None:
    mine = {"entities": Counts(tp=1, fn=1), "places": Counts(tp=1), "relations": Counts(fn=5)}
    bare = {"entities": Counts(tp=2), "places": Counts(tp=1), "relations": Counts(tp=5)}
    evaluation = Evaluation({"a": mine}, {}, [], [], 0.0, baseline={"a": bare})
    assert evaluation.below_baseline() == [
        "entities F1 0.667 < bare NER 1.000"
    ]  # places equal; relations aside
    assert Evaluation({"a": mine}, {}, [], [], 0.0).below_baseline() == []
    nothing = Evaluation({"a": {"places": Counts()}}, {}, [], [], 0.0, baseline={"a": bare})
    assert nothing.below_baseline() == []  # kg has nothing to score in places: no comparison


# ---------------------------------------------------------------------------------------------- produced entities
def test_the_graphs_scored_entities_carry_their_family_and_every_label_folded() -> None:
    produced = produced_entities(
        graph(
            """
            e:p a kg:Person ; rdfs:label "Dr Ada Quill" ; skos:altLabel "A. Quill" ; skos:prefLabel "Quill" .
            e:a a kg:Agency ; rdfs:label "The Police" ; skos:altLabel "  " .
            e:x a kg:Document ; rdfs:label "Person" ; skos:altLabel "kg:Place" .
            e:pl a kg:Place ; rdfs:label "Corby" .
            """
        )
    )
    assert {local: (p.family, p.labels) for local, p in produced.items()} == {
        E.p: ("Person", {"ada quill", "a quill", "quill"}),
        E.a: ("Organization", {"police"}),
        E.pl: ("Place", {"corby"}),
    }


@pytest.mark.parametrize(
    ("types", "family"),
    [
        ("kg:Agency, kg:Incident", "Incident"),  # an Organization gives way to a more specific family
        ("kg:Incident, kg:Agency", "Incident"),
        ("kg:Agency, kg:PoliticalParty", "Organization"),
        ("kg:Agency, kg:Place", "Place"),
    ],
)
def test_an_entity_of_several_classes_is_scored_as_the_one_that_is_not_an_organization(
    types: str, family: str
) -> None:
    produced = produced_entities(graph(f'e:x a {types} ; rdfs:label "X" .'))
    assert produced[E.x].family == family


def test_an_entity_of_two_specific_classes_keeps_the_first() -> None:
    g = rdflib.Graph()
    kg_ns = rdflib.Namespace("https://w3id.org/kg/ontology#")
    g.add((E.x, rdflib.RDF.type, kg_ns.Person))
    g.add((E.x, rdflib.RDF.type, kg_ns.Incident))
    first = next(iter(g.objects(E.x, rdflib.RDF.type)))
    assert produced_entities(g)[E.x].family == str(first).rsplit("#", 1)[1]


# ---------------------------------------------------------------------------------------------- entities
def test_a_produced_entity_matches_a_gold_entity_by_any_label_and_any_name() -> None:
    g = gold([("quill", "Person", ["Ada Quill", "Quill"])])
    result = score(graph('e:p a kg:Person ; rdfs:label "Someone" ; skos:altLabel "QUILL" .'), g)
    assert tfn(result, "entities") == (1, 0, 0)
    assert tfn(result, "entities_typed") == (1, 0, 0)


def test_a_name_matches_only_within_its_measure() -> None:
    g = gold([("corby", "Place", ["Corby"]), ("ann", "Person", ["Ann Corby"])])
    result = score(graph('e:p a kg:Person ; rdfs:label "Corby" .'), g)
    assert tfn(result, "entities") == (0, 1, 1)
    assert tfn(result, "places") == (0, 0, 1)


def test_a_gold_entity_of_the_produced_entitys_family_is_preferred_among_those_of_one_name() -> None:
    # "Jordan" the person and "Jordan" the party: the party produced is the party, whatever the order
    for first, second in (("a_party", "b_person"), ("b_party", "a_person")):
        party, person = (first, second) if "party" in first else (second, first)
        g = gold(
            [
                (first, "PoliticalParty" if first == party else "Person", ["Jordan"]),
                (second, "PoliticalParty" if second == party else "Person", ["Jordan"]),
            ]
        )
        notes: list[str] = []
        result = score(graph('e:o a kg:PoliticalParty ; rdfs:label "Jordan" .'), g, notes)
        assert tfn(result, "entities_typed") == (1, 0, 1), (first, second)
        assert notes == [f"missed Person {person}: ['Jordan']"]


def test_a_second_entity_of_a_gold_name_is_a_duplicate_and_counts_against_precision() -> None:
    g = gold([("quill", "Person", ["Ada Quill", "Quill"])])
    notes: list[str] = []
    result = score(
        graph(
            """
            e:p2 a kg:Person ; rdfs:label "Ada Quill" .
            e:p1 a kg:Person ; rdfs:label "Quill" .
            """
        ),
        g,
        notes,
    )
    assert tfn(result, "entities") == (1, 1, 0)
    assert tfn(result, "entities_typed") == (1, 1, 0)
    assert notes == ["extra Person p2: ['ada quill']"]  # the first in IRI order is the match


def test_a_mistyped_entity_counts_in_entities_but_is_a_miss_and_an_extra_in_typed_entities() -> None:
    g = gold([("police", "Agency", ["Northshire Police"])])
    notes: list[str] = []
    result = score(graph('e:x a kg:Person ; rdfs:label "Northshire Police" .'), g, notes)
    assert tfn(result, "entities") == (1, 0, 0)
    assert tfn(result, "entities_typed") == (0, 1, 1)
    assert notes == ["mistyped police: Organization given as Person"]


def test_an_agency_given_as_an_organization_is_typed_right() -> None:
    g = gold([("police", "Agency", ["Northshire Police"]), ("party", "PoliticalParty", ["Greens"])])
    result = score(
        graph(
            'e:x a kg:Organization ; rdfs:label "Northshire Police" . e:y a kg:Agency ; rdfs:label "Greens" .'
        ),
        g,
    )
    assert tfn(result, "entities_typed") == (2, 0, 0)


def test_every_mistyped_entity_is_a_miss_and_an_extra_in_typed_entities() -> None:
    g = gold([("police", "Agency", ["Northshire Police"]), ("ada", "Person", ["Ada Quill"])])
    produced = graph(
        'e:x a kg:Person ; rdfs:label "Northshire Police" . e:y a kg:Agency ; rdfs:label "Ada Quill" .'
    )
    result = score(produced, g)
    assert tfn(result, "entities") == (2, 0, 0)
    assert tfn(result, "entities_typed") == (0, 2, 2)


def test_missed_and_extra_entities_count_in_their_own_measure() -> None:
    g = gold(
        [
            ("eve", "Person", ["Eve Sand"]),
            ("ada", "Person", ["Ada Quill", "Quill", "A Quill", "Ada"]),
            ("corby", "Place", ["Corby"]),
            ("chief", "Post", ["Chief Constable"]),
        ]
    )
    notes: list[str] = []
    produced = graph(
        """
        e:bram a kg:Person ; rdfs:label "Bram Holt" ; skos:altLabel "Bram", "Holt", "B Holt" .
        e:carl a kg:Person ; rdfs:label "Carl Moss" .
        e:greyford a kg:Place ; rdfs:label "Greyford" .
        e:chief a kg:Post ; rdfs:label "Chief Constable" .
        """
    )
    result = score(produced, g, notes)
    assert tfn(result, "entities") == (0, 2, 2)
    assert tfn(result, "entities_typed") == (0, 2, 2)
    assert tfn(result, "places") == (0, 1, 1)
    assert tfn(result, "posts") == (1, 0, 0)
    assert notes == [
        "missed Person eve: ['Eve Sand']",
        "missed Person ada: ['A Quill', 'Ada', 'Ada Quill']",
        "missed Place corby: ['Corby']",
        "extra Person bram: ['b holt', 'bram', 'bram holt']",
        "extra Person carl: ['carl moss']",
        "extra Place greyford: ['greyford']",
    ]


def test_an_optional_gold_entity_is_neither_credited_nor_missed() -> None:
    g = gold(
        [
            GoldEntity("found", "Person", ("Ada Quill",), optional=True),
            GoldEntity("lost", "Person", ("Bram Holt",), optional=True),
            GoldEntity("town", "Place", ("Corby",), optional=True),
            GoldEntity("carl", "Person", ("Carl Moss",)),
        ]
    )
    result = score(graph('e:x a kg:Person ; rdfs:label "Ada Quill" .'), g)
    assert tfn(result, "places") == (0, 0, 0)
    for measure in ("entities", "entities_typed"):
        assert tfn(result, measure) == (0, 0, 1), measure  # only Carl Moss is missed


# ---------------------------------------------------------------------------------------------- unnamed incidents
UNNAMED = """
    e:ada a kg:Person ; rdfs:label "Ada Quill" .
    e:bram a kg:Person ; rdfs:label "Bram Holt" .
    e:i1 a kg:Incident ; rdfs:label "stabbing by Bram Holt" ; kg:perpetrator e:bram .
"""


def test_an_unnamed_incident_is_the_gold_incident_that_shares_a_participant() -> None:
    g = gold(
        [
            ("ada", "Person", ["Ada Quill"]),
            ("bram", "Person", ["Bram Holt"]),
            ("other", "Incident", ["Corby riot"]),
            ("attack", "Incident", ["Greyford attack"]),
        ],
        ("other", "victim", "ada"),
        ("attack", "perpetrator", ["ada", "bram"]),
    )
    result = score(graph(UNNAMED), g)
    assert tfn(result, "entities") == (3, 0, 1)
    assert tfn(result, "relations") == (1, 0, 1)


def test_a_participant_must_be_in_the_same_role() -> None:
    g = gold(
        [("bram", "Person", ["Bram Holt"]), ("attack", "Incident", ["Greyford attack"])],
        ("attack", "victim", "bram"),
    )
    result = score(graph(UNNAMED), g)
    assert tfn(result, "entities") == (1, 2, 1)  # Ada and the stabbing are extras; the attack is missed


def test_a_participant_match_needs_the_same_family() -> None:
    g = gold(
        [("bram", "Person", ["Bram Holt"]), ("review", "Inquiry", ["Greyford review"])],
        ("review", "concerns", "bram"),
    )
    produced = graph(
        """
        e:bram a kg:Person ; rdfs:label "Bram Holt" .
        e:i1 a kg:Incident ; rdfs:label "review of Bram Holt" ; kg:concerns e:bram .
        """
    )
    assert tfn(score(produced, g), "entities") == (1, 1, 1)


def test_an_unnamed_inquiry_is_matched_by_what_it_concerns_but_a_person_never_by_participants() -> None:
    g = gold(
        [
            ("bram", "Person", ["Bram Holt"]),
            ("review", "Inquiry", ["Greyford review"]),
            ("carl", "Person", ["Carl Moss"]),
        ],
        ("review", "concerns", "bram"),
        ("carl", "concerns", "bram"),  # nonsense gold, but a person is not an incident or inquiry
    )
    produced = graph(
        """
        e:bram a kg:Person ; rdfs:label "Bram Holt" .
        e:q a kg:Inquiry ; rdfs:label "review of Bram Holt" ; kg:concerns e:bram .
        e:c a kg:Person ; rdfs:label "C Moss" ; kg:concerns e:bram .
        """
    )
    assert tfn(score(produced, g), "entities") == (2, 1, 1)


def test_a_second_incident_sharing_the_participant_is_a_duplicate() -> None:
    g = gold(
        [("bram", "Person", ["Bram Holt"]), ("attack", "Incident", ["Greyford attack"])],
        ("attack", "perpetrator", "bram"),
    )
    produced = graph(
        UNNAMED + 'e:i2 a kg:Incident ; rdfs:label "shooting by Bram Holt" ; kg:perpetrator e:bram .'
    )
    assert tfn(score(produced, g), "entities") == (2, 2, 0)  # Ada extra; one of the incidents a duplicate


def test_a_duplicate_by_name_is_not_matched_again_by_its_participants() -> None:
    g = gold(
        [
            ("bram", "Person", ["Bram Holt"]),
            ("attack", "Incident", ["Greyford attack"]),
            ("riot", "Incident", ["Corby riot"]),
        ],
        ("riot", "perpetrator", "bram"),
    )
    produced = graph(
        """
        e:bram a kg:Person ; rdfs:label "Bram Holt" .
        e:i1 a kg:Incident ; rdfs:label "Greyford attack" ; kg:perpetrator e:bram .
        e:i2 a kg:Incident ; rdfs:label "Greyford attack" ; kg:perpetrator e:bram .
        """
    )
    notes: list[str] = []
    assert tfn(score(produced, g, notes), "entities") == (2, 1, 1)  # i2 is a duplicate of i1, not the riot
    assert [n for n in notes if "relation" not in n] == [
        "missed Incident riot: ['Corby riot']",
        "extra Incident i2: ['greyford attack']",
    ]


def test_participants_are_counted_only_through_matched_entities_and_participant_roles() -> None:
    g = gold(
        [("bram", "Person", ["Bram Holt"]), ("corby", "Place", ["Corby"]), ("attack", "Incident", ["X"])],
        ("attack", "place", "corby"),
        ("attack", "victim", "bram"),
    )
    produced = graph(
        """
        e:corby a kg:Place ; rdfs:label "Corby" .
        e:someone a kg:Person ; rdfs:label "Someone" .
        e:i1 a kg:Incident ; rdfs:label "stabbing in Corby" ; kg:place e:corby ; kg:victim e:someone .
        """
    )
    assert tfn(score(produced, g), "entities") == (0, 2, 2)


# ---------------------------------------------------------------------------------------------- relations
REL_GOLD = gold(
    [
        ("ada", "Person", ["Ada Quill"]),
        ("bram", "Person", ["Bram Holt"]),
        ("corby", "Place", ["Corby"]),
        ("attack", "Incident", ["Corby attack"]),
    ],
    ("attack", "perpetrator", "bram"),
    ("attack", "victim", ["ada", "bram"]),
    ("attack", "date", "2021-10"),
    ("attack", "place", "corby"),
)


def test_relations_match_by_property_subject_and_any_object_alternative() -> None:
    notes: list[str] = []
    produced = graph(
        """
        e:ada a kg:Person ; rdfs:label "Ada Quill" .
        e:bram a kg:Person ; rdfs:label "Bram Holt" .
        e:corby a kg:Place ; rdfs:label "Corby" .
        e:i a kg:Incident ; rdfs:label "Corby attack" ;
            kg:perpetrator e:bram ; kg:victim e:bram ; kg:date "2021-10-15", "2021-10-16" ;
            kg:place e:ada ; rdfs:comment "not a relation scored" .
        e:ada kg:victim e:corby ; kg:perpetrator e:bram .
        e:nobody kg:victim e:ada .
        """
    )
    result = score(produced, REL_GOLD, notes)
    assert tfn(result, "relations") == (3, 3, 1)
    assert [n for n in notes if "relation" in n] == [
        "extra relation ada perpetrator bram",  # in the order of subject, property, object
        "extra relation ada victim corby",
        "extra relation attack place ada",
        "missed relation attack place corby",
    ]


def test_extra_relations_are_noted_in_the_order_of_subject_property_and_object_by_gold_id_or_name() -> None:
    notes: list[str] = []
    produced = graph(
        """
        e:n1 a kg:Person ; rdfs:label "Ada Quill" .
        e:n2 a kg:Person ; rdfs:label "Zed Zorn" .
        e:n3 a kg:Incident ; rdfs:label "Corby attack" ;
            kg:place e:n1, "Corby/Harwick" ; kg:commissionedBy e:n2 ;
            kg:date "1995", "1991", "1999", "1993", "1994", "1992", "1998", "1990" .
        e:n4 a kg:Incident ; rdfs:label "riot" ; kg:victim e:n2 .
        """
    )
    score(produced, REL_GOLD, notes)
    assert [n for n in notes if n.startswith("extra relation")] == [
        "extra relation attack commissionedBy n2",
        *(f"extra relation attack date 199{n}" for n in range(10) if n not in (6, 7)),
        "extra relation attack place Corby/Harwick",
        "extra relation attack place ada",
        "extra relation n4 victim n2",
    ]


def test_a_date_matches_a_gold_date_it_starts_with_but_not_a_shorter_one() -> None:
    produced = graph(
        """
        e:i a kg:Incident ; rdfs:label "Corby attack" ; kg:date "2021" .
        """
    )
    notes: list[str] = []
    assert tfn(score(produced, REL_GOLD, notes), "relations") == (0, 1, 4)
    assert "extra relation attack date 2021" in notes


def test_a_value_is_never_an_entity_of_the_gold() -> None:
    g = gold(
        [("corby", "Place", ["Corby"]), ("attack", "Incident", ["Corby attack"])],
        ("attack", "place", "corby"),
    )
    produced = graph('e:i a kg:Incident ; rdfs:label "Corby attack" ; kg:place "corby" .')
    assert tfn(score(produced, g), "relations") == (0, 1, 1)


def test_an_entity_object_matches_only_the_gold_entity_it_was_matched_to() -> None:
    g = gold(
        [("ada", "Person", ["Ada Quill"]), ("attack", "Incident", ["Corby attack"])],
        ("attack", "victim", "ada"),
    )
    produced = graph(
        """
        e:ada a kg:Person ; rdfs:label "Ada Quill" .
        e:stranger a kg:Person ; rdfs:label "Someone Else" .
        e:i a kg:Incident ; rdfs:label "Corby attack" ; kg:victim e:stranger .
        """
    )
    notes: list[str] = []
    assert tfn(score(produced, g, notes), "relations") == (0, 1, 1)
    assert "extra relation attack victim stranger" in notes


def test_a_relation_of_an_unscored_subject_is_not_counted() -> None:
    produced = graph(
        """
        e:ada a kg:Person ; rdfs:label "Ada Quill" .
        e:d a kg:Document ; kg:victim e:ada .
        """
    )
    assert tfn(score(produced, REL_GOLD), "relations") == (0, 0, 4)


def test_a_build_that_failed_misses_every_gold_entity_and_relation() -> None:
    g = gold(
        [
            ("ada", "Person", ["Ada Quill"]),
            ("eve", "Person", ["Eve Sand"]),
            ("police", "Agency", ["Northby Police"]),
            GoldEntity("opt", "Person", ("Bram Holt",), optional=True),
            ("corby", "Place", ["Corby"]),
            ("chief", "Post", ["Chief"]),
        ],
        ("ada", "holdsPost", "chief"),
        ("ada", "memberOf", "corby"),
    )
    result = missed_entirely(g)
    assert {m: tfn(result, m) for m in result} == {
        "entities": (0, 0, 3),
        "entities_typed": (0, 0, 3),
        "places": (0, 0, 1),
        "posts": (0, 0, 1),
        "relations": (0, 0, 2),
    }


# ---------------------------------------------------------------------------------------------- across documents
def test_an_entity_two_documents_annotate_and_the_graph_holds_twice_is_a_cross_document_duplicate() -> None:
    one = gold(
        [
            ("ada", "Person", ["Dr Ada Quill", "Quill"]),
            ("corby", "Place", ["Corby"]),
            ("police", "Agency", ["Northby Police"]),
            ("bram", "Person", ["Bram Holt"]),
        ]
    )
    two = Gold(
        Path("two.gold.yaml"),
        {
            "a": GoldEntity("a", "Person", ("Ada Quill",)),
            "c": GoldEntity("c", "Place", ("Corby",)),
            "p": GoldEntity("p", "Organization", ("Northby Police",)),
            "z": GoldEntity("z", "Person", ("Zed Zorn",)),
        },
        (),
    )
    produced = graph(
        """
        e:a1 a kg:Person ; rdfs:label "Ada Quill" .
        e:a2 a kg:Person ; rdfs:label "Quill" .
        e:a3 a kg:Organization ; rdfs:label "Ada Quill" .
        e:c1 a kg:Place ; rdfs:label "Corby" .
        e:c2 a kg:Place ; rdfs:label "Corby" .
        e:p1 a kg:Agency ; rdfs:label "Northby Police" .
        e:p2 a kg:Agency ; rdfs:label "Northby Police" .
        e:p3 a kg:Agency ; rdfs:label "Northby Police" .
        e:b1 a kg:Person ; rdfs:label "Bram Holt" .
        e:b2 a kg:Person ; rdfs:label "Bram Holt" .
        e:z1 a kg:Person ; rdfs:label "Zed Zorn" .
        """
    )
    assert cross_document_duplicates([two, one], produced) == [("ada quill", 2), ("northby police", 3)]
    again = dataclasses.replace(one, path=Path("again.gold.yaml"))
    assert cross_document_duplicates([one, again], produced) == [
        ("ada quill", 2),
        ("bram holt", 2),
        ("northby police", 3),
    ]
    assert cross_document_duplicates([one, one], produced) == []  # one document twice is one document


# ============================================================================================== identity
def ent(key: str, cls: str, label: str, *alts: str) -> Entity:
    return Entity(key, cls, label, set(alts))


def mint(cls: str, label: str) -> str:
    return f"ex:{cls}/{label.lower().replace(' ', '-')}"


class Index:
    """An identity index in memory, fed one hand-made document at a time as a store feeds it."""

    def __init__(self, minter: Callable[[str, str], str] = mint) -> None:
        self.index = IdentityIndex(sqlite3.connect(":memory:"), LEX)
        self.mint = minter
        self.n = 0

    def add(self, *items: Entity | Relation) -> dict[str, str]:
        """Resolve a document's entities and record it; its entities' IRIs by key."""
        ex = Extraction(
            entities={e.key: e for e in items if isinstance(e, Entity)},
            relations=[r for r in items if isinstance(r, Relation)],
        )
        iris = self.index.resolve(ex, self.mint)
        self.n += 1
        self.index.record(f"doc{self.n}", "sha", ex, iris)
        return iris

    def same(self, first: Entity, second: Entity) -> bool:
        """Whether `second`, in a document after one holding `first`, is found to be `first`."""
        return self.add(first)[first.key] == self.add(second)[second.key]


def same(first: Entity, second: Entity) -> bool:
    return Index().same(first, second)


ANN = ent("ann", "Person", "Ann Pellow")
BRAM = ent("bram", "Person", "Bram Holt")
CORBY = ent("corby", "Place", "Corby")
HARWICK = ent("harwick", "Place", "Harwick")


def rel(subject: str, prop: str, obj: str | DateValue) -> Relation:
    return Relation(subject, prop, obj)


# ---------------------------------------------------------------------------------------------- by name
def test_an_entity_named_alike_in_another_document_is_the_same_entity() -> None:
    assert same(ent("a", "Person", "Ada Quill"), ent("b", "Person", "ADA QUILL."))
    assert same(ent("a", "Agency", "Northby Police"), ent("b", "Organization", "the Northby Police"))
    assert not same(ent("a", "Person", "Ada Quill"), ent("b", "Organization", "Ada Quill"))
    assert not same(ent("a", "Person", "Ada Quill"), ent("b", "Person", "Ada Quilling"))


def test_a_distinctive_other_name_identifies_an_entity_and_a_persons_single_word_does_not() -> None:
    assert same(ent("a", "Organization", "Northby Police Service", "NPS"), ent("b", "Agency", "NPS"))
    assert same(
        ent("a", "Organization", "Northby Police Service", "Northby Police"),
        ent("b", "Agency", "Northby Police"),
    )
    assert same(ent("a", "Person", "Ada Quill", "Ada May Quill"), ent("b", "Person", "Ada May Quill"))
    assert not same(ent("a", "Person", "Ada Quill", "Quill"), ent("b", "Person", "Quill"))
    assert not same(ent("a", "Person", "Corby Smith", "Corby Smith"), ent("b", "Place", "Corby Smith"))


def test_a_new_entitys_other_name_finds_a_known_canonical_name_where_it_is_distinctive() -> None:
    assert same(ent("a", "Person", "Ada Quill"), ent("b", "Person", "A. Q.", "Ada Quill"))
    assert same(ent("a", "Organization", "NPS"), ent("b", "Agency", "Northby Police Service", "NPS"))
    assert not same(ent("a", "Person", "Quill"), ent("b", "Person", "Bram Holt", "Quill"))


def test_a_person_is_known_by_first_and_last_name() -> None:
    assert same(ent("a", "Person", "Ivo Tennant"), ent("b", "Person", "Ivo Marek Tennant"))
    assert same(ent("a", "Person", "Ivo Marek Tennant"), ent("b", "Person", "Ivo Tennant"))
    assert not same(ent("a", "Person", "Ivo Marek Tennant"), ent("b", "Person", "Ivo Marek"))
    assert not same(ent("a", "Person", "Ivo Tennant"), ent("b", "Person", "Tennant"))
    # first and last names are a person's way of being named, not an organisation's
    assert not same(ent("a", "Organization", "Alpha Beta Gamma"), ent("b", "Organization", "Alpha Gamma"))


def test_a_name_ending_another_of_its_family_is_that_entity_where_only_one_has_it() -> None:
    assert same(ent("a", "Organization", "Greyford Harbour Trust"), ent("b", "Agency", "Harbour Trust"))
    assert same(ent("a", "Organization", "Harbour Trust"), ent("b", "Organization", "Greyford Harbour Trust"))
    assert same(ent("a", "Programme", "Alpha Beta Gamma"), ent("b", "Programme", "Beta Gamma"))
    assert same(ent("a", "Programme", "Beta Gamma"), ent("b", "Programme", "Zeta Alpha Beta Gamma"))
    assert not same(
        ent("a", "Organization", "Greyford Harbour Trust"), ent("b", "Organization", "Arbour Trust")
    )
    assert not same(ent("a", "Organization", "Dock7harbour Trust"), ent("b", "Organization", "Harbour Trust"))
    assert not same(ent("a", "Organization", "Harbour Trust"), ent("b", "Organization", "Trust"))
    # not places (North Corby Park is not Corby Park), posts or persons
    assert not same(ent("a", "Place", "North Corby Park"), ent("b", "Place", "Corby Park"))
    assert not same(ent("a", "Post", "Deputy Chief Constable"), ent("b", "Post", "Chief Constable"))
    assert not same(ent("a", "Person", "Ann Marie Pellow"), ent("b", "Person", "Marie Pellow"))
    assert not same(
        ent("a", "Organization", "Greyford Harbour Trust"), ent("b", "Programme", "Harbour Trust")
    )
    index = Index()
    index.add(ent("a", "Organization", "Greyford Harbour Trust"))
    index.add(ent("a", "Organization", "Northby Harbour Trust"))
    assert index.add(ent("b", "Organization", "Harbour Trust"))["b"] == "ex:Organization/harbour-trust"


def test_two_entities_of_one_document_never_share_an_iri() -> None:
    index = Index()
    first = index.add(ent("a", "Person", "Ivo Tennant"))["a"]
    iris = index.add(ent("a", "Person", "Ivo Tennant"), ent("b", "Person", "Ivo Marek Tennant"))
    assert iris == {"a": first, "b": "ex:Person/ivo-marek-tennant"}


@pytest.mark.parametrize(("beta_twice", "chosen"), [(False, "alpha"), (True, "beta")])
def test_a_name_two_entities_have_is_the_one_most_documents_know_then_the_first_iri(
    beta_twice: bool, chosen: str
) -> None:
    index = Index()
    index.add(ent("a", "Organization", "Alpha Trust", "Board Of Trustees"))
    index.add(ent("b", "Organization", "Beta Trust", "Board Of Trustees"))
    if beta_twice:
        index.add(ent("b", "Organization", "Beta Trust"))
    assert index.add(ent("x", "Organization", "Board Of Trustees"))["x"] == f"ex:Organization/{chosen}-trust"


def test_a_new_entity_whose_readable_iri_is_held_gets_a_numbered_one() -> None:
    index = Index(lambda cls, label: "ex:" + label.lower())
    assert index.add(ent("p", "Person", "Corby")) == {"p": "ex:corby"}
    assert index.add(
        ent("b", "Place", "Corby"), ent("c", "Organization", "Corby"), ent("a", "Event", "Corby")
    ) == {
        "b": "ex:corby-2",
        "c": "ex:corby-3",
        "a": "ex:corby-4",  # events after the rest
    }


# ---------------------------------------------------------------------------------------------- by what they involve
def incident(
    key: str, label: str, *facts: tuple[str, str | DateValue], cls: str = "Incident"
) -> list[Entity | Relation]:
    return [ent(key, cls, label), *(rel(key, p, o) for p, o in facts)]


def second_is_first(first: list[Entity | Relation], second: list[Entity | Relation], *others: Entity) -> bool:
    """Whether the incident or inquiry (key "i") of a second document is that of a first; both hold `others`
    (default: Ann Pellow, Bram Holt, Corby, Harwick)."""
    people = others or (ANN, BRAM, CORBY, HARWICK)
    index = Index()
    return index.add(*people, *first)["i"] == index.add(*people, *second)["i"]


Y2020, Y2021 = DateValue(2020), DateValue(2021)


def test_named_incidents_with_a_shared_victim_or_perpetrator_are_one_whatever_else_they_say() -> None:
    assert second_is_first(
        incident("i", "Corby Riot", ("victim", "ann"), ("date", Y2020), ("place", "corby")),
        incident("i", "Harwick Night Attack", ("victim", "ann"), ("date", Y2021), ("place", "harwick")),
    )
    assert second_is_first(
        incident("i", "Corby Riot", ("perpetrator", "bram")),
        incident("i", "Harwick Night Attack", ("perpetrator", "bram")),
    )
    assert not second_is_first(
        incident("i", "Corby Riot", ("perpetrator", "bram")),
        incident("i", "Harwick Night Attack", ("victim", "bram")),
    )


def test_named_incidents_at_one_place_are_one_where_their_dates_meet() -> None:
    riot = incident("i", "Corby Riot", ("place", "corby"), ("date", DateValue(2023, 5, 2)))
    assert second_is_first(
        riot, incident("i", "Night Of Fire", ("place", "corby"), ("date", DateValue(2023)))
    )
    assert second_is_first(
        riot, incident("i", "Night Of Fire", ("place", "corby"), ("date", DateValue(2023, 5)))
    )
    assert not second_is_first(
        riot, incident("i", "Night Of Fire", ("place", "corby"), ("date", DateValue(2022)))
    )
    assert not second_is_first(riot, incident("i", "Night Of Fire", ("place", "corby")))
    assert not second_is_first(
        riot, incident("i", "Night Of Fire", ("place", "harwick"), ("date", DateValue(2023)))
    )


def test_a_named_incident_is_not_an_unnamed_one_by_place_and_date() -> None:
    assert not second_is_first(
        incident("i", "stabbing in Corby", ("place", "corby"), ("date", Y2020)),
        incident("i", "Corby Riot", ("place", "corby"), ("date", Y2020)),
    )


def test_named_inquiries_are_told_apart_by_their_names_alone() -> None:
    assert not second_is_first(
        incident("i", "Pellow Review", ("concerns", "ann"), cls="Inquiry"),
        incident("i", "Harwick Inquiry", ("concerns", "ann"), cls="Inquiry"),
    )


def test_an_inquiry_is_never_an_incident_that_involves_the_same() -> None:
    assert not second_is_first(
        incident("i", "Corby Riot", ("concerns", "ann")),
        incident("i", "review of Ann Pellow", ("concerns", "ann"), cls="Inquiry"),
    )


def test_unnamed_incidents_are_one_where_they_share_a_victim_and_nothing_differs() -> None:
    stabbing = incident("i", "stabbing of Ann Pellow", ("victim", "ann"), ("date", Y2020), ("place", "corby"))
    assert second_is_first(
        stabbing, incident("i", "attack of Ann Pellow", ("victim", "ann"), ("date", DateValue(2020, 3)))
    )
    assert second_is_first(stabbing, incident("i", "attack of Ann Pellow", ("victim", "ann")))
    assert not second_is_first(
        stabbing, incident("i", "attack of Ann Pellow", ("victim", "ann"), ("date", Y2021))
    )
    assert not second_is_first(
        stabbing, incident("i", "attack of Ann Pellow", ("victim", "ann"), ("place", "harwick"))
    )
    assert not second_is_first(
        stabbing, incident("i", "attack of Bram Holt", ("victim", "bram"), ("date", Y2020))
    )


def test_an_unnamed_incident_and_a_named_one_are_one_only_where_nothing_differs() -> None:
    named = incident("i", "Corby Riot", ("victim", "ann"), ("date", Y2020))
    unnamed = incident("i", "stabbing of Ann Pellow", ("victim", "ann"), ("date", Y2020))
    later = incident("i", "stabbing of Ann Pellow", ("victim", "ann"), ("date", Y2021))
    assert second_is_first(named, unnamed)
    assert not second_is_first(named, later)
    assert second_is_first(unnamed, named)
    assert not second_is_first(later, named)


def test_an_unnamed_incident_that_fits_several_known_ones_is_none_of_them() -> None:
    index = Index()
    first = index.add(
        ANN, BRAM, *incident("i", "attack by Bram Holt", ("perpetrator", "bram"), ("date", Y2020))
    )
    second = index.add(
        ANN, BRAM, *incident("i", "attack by Bram Holt", ("perpetrator", "bram"), ("date", Y2021))
    )
    assert first["i"] != second["i"]
    again = index.add(BRAM, *incident("i", "attack by Bram Holt", ("perpetrator", "bram"), ("date", Y2021)))
    assert again["i"] == second["i"]
    undated = index.add(BRAM, *incident("i", "attack by Bram Holt", ("perpetrator", "bram")))
    assert undated["i"] not in (first["i"], second["i"])


def test_unnamed_inquiries_are_one_where_they_concern_the_same_and_the_same_commissioned_them() -> None:
    northby = ent("n", "Agency", "Northby Police")
    southby = ent("s", "Agency", "Southby Police")
    review = incident(
        "i", "review of Ann Pellow", ("concerns", "ann"), ("commissionedBy", "n"), cls="Inquiry"
    )
    people = (ANN, northby, southby)
    assert second_is_first(
        review,
        incident("i", "inquiry of Ann Pellow", ("concerns", "ann"), ("commissionedBy", "n"), cls="Inquiry"),
        *people,
    )
    assert not second_is_first(
        review,
        incident("i", "inquiry of Ann Pellow", ("concerns", "ann"), ("commissionedBy", "s"), cls="Inquiry"),
        *people,
    )
    # who led it is said by one of them only: nothing differs
    assert second_is_first(
        review,
        incident("i", "inquiry of Ann Pellow", ("concerns", "ann"), ("ledBy", "s"), cls="Inquiry"),
        *people,
    )


def test_an_inquiry_is_matched_by_the_incident_it_concerns_resolved_before_it() -> None:
    # keys sort the inquiry ("a") before the incident ("z") and the incident before its victim: resolution must not
    riot = ent("z", "Incident", "Corby Riot")
    victim = ent("zz", "Person", "Ann Pellow")
    doc = [
        riot,
        victim,
        rel("z", "victim", "zz"),
        ent("a", "Inquiry", "review of the Corby Riot"),
        rel("a", "concerns", "z"),
    ]
    index = Index()
    first = index.add(*doc)
    second = index.add(ent("z", "Incident", "Harwick Night Attack"), *doc[1:])
    assert second == first


def test_a_store_of_many_entities_is_read_whole() -> None:
    index = Index()
    people = [ent(f"p{n}", "Person", f"Person Number{n:04d}") for n in range(501)]
    first = index.add(*people, ent("o", "Organization", "Northby Police"))
    index.add(ent("o", "Agency", "Northby Police", "Northby Constabulary"))
    summaries = index.index.summaries([*first.values(), "ex:unknown"])
    assert len(summaries) == 502
    police = summaries[first["o"]]
    assert (police.cls, police.documents, police.classes) == ("Agency", 2, {"Agency", "Organization"})
    assert police.canonical == {"Northby Police": 2}
    assert police.names == {"Northby Police", "Northby Constabulary"}


# ---------------------------------------------------------------------------------------------- the rules themselves
def test_an_unnamed_incident_or_inquiry_has_a_label_built_from_the_text() -> None:
    assert is_unnamed("Incident", "stabbing of Ann Pellow", LEX)
    assert is_unnamed("Inquiry", "review commissioned by Northby Police", LEX)
    assert not is_unnamed("Incident", "Siege of Corby", LEX)  # a capitalised name
    assert not is_unnamed("Person", "son of Ann Pellow", LEX)  # only incidents and inquiries are unnamed


def test_dates_meet_at_the_precision_both_give() -> None:
    assert _dates_meet({"2023"}, {"2023-05-02"})
    assert _dates_meet({"2023-05-02"}, {"2023"})
    assert _dates_meet({"2020", "2023-05"}, {"2023-05-02"})
    assert not _dates_meet({"2023-05"}, {"2023-06-01", "2022"})
    assert not _dates_meet(set(), {"2023"})


@pytest.mark.parametrize("prop", ["place", "victim", "commissionedBy", "ledBy"])
def test_signatures_conflict_where_both_give_a_relation_and_share_none_of_its_objects(prop: str) -> None:
    assert not _compatible({(prop, "a")}, {(prop, "b")})
    assert _compatible({(prop, "a"), (prop, "b")}, {(prop, "b"), (prop, "c")})
    assert _compatible({(prop, "a")}, {("date", "2020")})
    assert _compatible(set(), {(prop, "a")})


def test_signatures_conflict_on_dates_that_do_not_meet_and_never_on_perpetrators_or_concerns() -> None:
    assert not _compatible({("date", "2020")}, {("date", "2021"), ("victim", "x")})
    assert _compatible({("date", "2020"), ("victim", "x")}, {("date", "2020-01")})
    assert _compatible({("date", "2020")}, {("victim", "x")})
    assert _compatible({("perpetrator", "a"), ("concerns", "c")}, {("perpetrator", "b"), ("concerns", "d")})


def test_a_signature_holds_the_identifying_relations_of_incidents_and_inquiries_to_resolved_objects() -> None:
    ex = Extraction(
        entities={
            e.key: e
            for e in (ANN, BRAM, CORBY, ent("i", "Incident", "Corby Riot"), ent("q", "Inquiry", "Review"))
        },
        relations=[
            rel("ann", "victim", "bram"),  # a person has no signature
            rel("i", "victim", "ann"),
            rel("i", "perpetrator", "carl"),  # carl not resolved yet
            rel("i", "date", DateValue(2020, 5)),
            rel("i", "memberOf", "ann"),  # not an identifying relation
            rel("q", "concerns", "i"),
            rel("gone", "victim", "ann"),  # a subject not in the document
        ],
    )
    iris = {"ann": "ex:ann", "bram": "ex:bram", "i": "ex:riot", "corby": "ex:corby"}
    assert _signatures(ex, iris) == {
        "i": {("victim", "ex:ann"), ("date", "2020-05")},
        "q": {("concerns", "ex:riot")},
    }


def summary(cls: str, canonical: dict[str, int], names: set[str] | None = None) -> Summary:
    return Summary("ex:x", {cls}, sum(canonical.values()), canonical, names or set(canonical), cls=cls)


def test_a_person_shows_the_fullest_name_any_document_gave() -> None:
    assert choose_label(summary("Person", {"Ada Quill": 5, "Ada May Quill": 1, "A Quillington": 9}), LEX) == (
        "Ada May Quill"
    )
    assert (
        choose_label(summary("Person", {"Ada Quill": 5, "Ada Quilp": 1}), LEX) == "Ada Quilp"
    )  # alphabet last
    assert choose_label(summary("Person", {"Ada Quill": 1, "Ada Quillo": 1}), LEX) == "Ada Quillo"


def test_anything_else_shows_the_name_most_documents_gave_a_name_before_a_description() -> None:
    riot = {"stabbing of Ann Pellow": 5, "Corby Riot": 1, "Harwick Riot": 2}
    assert choose_label(summary("Incident", riot), LEX) == "Harwick Riot"
    assert (
        choose_label(summary("Incident", {"Ashford Riots": 2, "Corby Riot": 2}), LEX) == "Ashford Riots"
    )  # longer
    assert choose_label(summary("Incident", {"Corby Riots": 2, "Harwick Riot": 2}), LEX) == "Harwick Riot"
    assert choose_label(summary("Organization", {"NPS": 3, "Northby Police": 2}), LEX) == "NPS"


def test_an_entity_no_document_gave_a_canonical_name_shows_its_longest_name() -> None:
    assert (
        choose_label(Summary("ex:x", {"Person"}, 1, {}, {"Quill", "Ada Quill", "Ada Quilx", "Ada Q"}), LEX)
        == "Ada Quill"
    )
    assert choose_label(Summary("ex:x", {"Person"}, 1, {}, set()), LEX) == ""


def test_a_descriptive_label_finds_nothing_even_where_another_document_gave_it_as_an_other_name() -> None:
    assert not second_is_first(
        [ent("i", "Incident", "Corby Riot", "stabbing in Corby")], [ent("i", "Incident", "stabbing in Corby")]
    )


def test_an_unnamed_incident_is_not_a_named_one_by_place_and_date() -> None:
    assert not second_is_first(
        incident("i", "Corby Riot", ("place", "corby"), ("date", Y2020)),
        incident("i", "stabbing in Corby", ("place", "corby"), ("date", Y2020)),
    )


def test_an_incident_that_says_nothing_of_what_it_involves_is_known_by_its_name_only() -> None:
    assert not second_is_first(
        incident("i", "Corby Riot", ("place", "corby")), incident("i", "Night Of Fire")
    )
    assert second_is_first(incident("i", "Corby Riot", ("place", "corby")), incident("i", "Corby Riot"))


def test_a_known_name_outweighs_a_victim_shared_with_another_incident() -> None:
    index = Index()
    riot = index.add(ANN, *incident("i", "Corby Riot", ("victim", "ann")))["i"]
    index.add(BRAM, *incident("i", "Harwick Siege", ("victim", "bram")))
    assert index.add(BRAM, *incident("i", "Corby Riot", ("victim", "bram")))["i"] == riot


def test_an_incident_known_by_a_name_is_matched_as_a_named_one_though_a_document_described_it() -> None:
    index = Index()
    riot = index.add(ANN, *incident("i", "Corby Riot", ("victim", "ann"), ("date", Y2020)))["i"]
    assert (
        index.add(ANN, *incident("i", "stabbing of Ann Pellow", ("victim", "ann"), ("date", Y2020)))["i"]
        == riot
    )
    # named both: the shared victim is enough, the dates that differ do not matter
    assert index.add(ANN, *incident("i", "Harwick Attack", ("victim", "ann"), ("date", Y2021)))["i"] == riot


def test_a_name_that_reads_like_another_documents_description_is_not_that_incident() -> None:
    assert not second_is_first(
        incident("i", "stabbing in Corby", ("place", "corby")), incident("i", "Stabbing in Corby")
    )


def test_a_named_incident_that_fits_several_known_ones_is_the_first_of_them() -> None:
    index = Index()
    riot = index.add(ANN, *incident("i", "Corby Riot", ("victim", "ann")))["i"]
    index.add(BRAM, *incident("i", "Harwick Siege", ("victim", "bram")))
    assert (
        index.add(ANN, BRAM, *incident("i", "Night Of Fire", ("victim", "ann"), ("victim", "bram")))["i"]
        == riot
    )


def test_two_incidents_of_one_document_never_share_an_iri_by_what_they_involve() -> None:
    index = Index()
    riot = index.add(ANN, *incident("i", "Corby Riot", ("victim", "ann")))["i"]
    iris = index.add(
        ANN,
        *incident("i1", "Corby Riot", ("victim", "ann")),
        *incident("i2", "Night Of Fire", ("victim", "ann")),
    )
    assert iris["i1"] == riot
    assert iris["i2"] == "ex:Incident/night-of-fire"

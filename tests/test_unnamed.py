"""Unnamed incidents and inquiries ('a man was stabbed ...', 'the attack', 'a review of the stabbing'), within a
document and across documents.

Within a document, 'the attack', 'the shooting', 'the stabbing' are the incident the text has just described,
even by a verb alone and with no victim named, and the review concerns it; the label built for an unnamed one
is a whole phrase about its subject. Across documents, an unnamed incident or inquiry is another document's
only where both name the same victim, perpetrator or concerned entity and nothing they say differs (date,
place, victims, who commissioned or led it): a label such as "review of the attack" names nothing. This holds in
a build of all documents at once and in `kg add` to a store that holds some of them already.

Everything here is invented: people from ``helpers.FIRST`` and ``LAST``, made-up towns and bodies.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest
import rdflib
from helpers import FIRST, LAST, kg, ok
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import RDF, RDFS

from kg.graph.store import Store
from kg.model import DateValue, Document, Entity, Extraction, Relation
from kg.ontology.lexicon import load_lexicon
from kg.ontology.vocab import KG
from kg.pipeline import build_graph, extract_document

PLACES = ["Harwick", "Lowmoor", "Fernholt", "Brackenmoor"]
#: Documents of the generated corpus whose incident has no victim named: the first and the last are alike
#: ("A man was stabbed in Harwick ...", months apart), so their labels are too.
VICTIMLESS = 7
MONTHS = ["March", "May", "July", "October"]
VERBS = [("stabbed", "stabbing"), ("shot", "shooting"), ("murdered", "murder")]
LINK_WORDS = {
    w
    for link in (
        *(link for _, link in load_lexicon().label_links),
        *(w for ws in load_lexicon().written_links.values() for w in ws),
    )
    for w in link.split()
} | {"the"}


def document(text: str, name: str) -> Document:
    return Document(path=Path(name), name=name, text=text, sha256=hashlib.sha256(text.encode()).hexdigest())


@cache
def extract(text: str) -> Extraction:
    return extract_document(document(text, "invented.txt"))


def of_class(ex: Extraction, cls: str) -> list[Entity]:
    return [e for e in ex.entities.values() if e.cls == cls]


def facts(ex: Extraction) -> set[tuple[str, str, str]]:
    def obj(o: str | DateValue) -> str:
        return o.lexical if isinstance(o, DateValue) else ex.entities[o].label

    return {(ex.entities[r.subject].label, r.prop, obj(r.object)) for r in ex.relations}


def whole_phrase(label: str) -> bool:
    """A label with no space at either end and no joining word left hanging at its end ('review into ')."""
    return label == label.strip() and bool(label) and label.split()[-1] not in LINK_WORDS


# ---------------------------------------------------------------------------------------------------- one document
WITHIN = [
    pytest.param(
        "A man was stabbed in Harwick on Friday. Harwick Police has launched a review of the attack.",
        "Harwick",
        None,
        id="the-attack-after-a-stabbing-with-no-victim",
    ),
    pytest.param(
        "Two people were shot in Lowmoor last week. Lowmoor Constabulary has launched a review of the shooting.",
        "Lowmoor",
        None,
        id="the-shooting-after-people-were-shot",
    ),
    pytest.param(
        "Clara Venn was stabbed in Fernholt in 2023. A review of the stabbing was commissioned by Fernholt "
        "Borough Council.",
        "Fernholt",
        "Clara Venn",
        id="the-stabbing-after-a-named-victim-was-stabbed",
    ),
]


@pytest.mark.parametrize(("text", "place", "victim"), WITHIN)
def test_the_attack_is_the_incident_the_text_has_just_described(
    text: str, place: str, victim: str | None
) -> None:
    ex = extract(text)
    incidents, inquiries = of_class(ex, "Incident"), of_class(ex, "Inquiry")
    assert len(incidents) == 1, [e.label for e in incidents]
    assert len(inquiries) == 1, [e.label for e in inquiries]
    incident, review = incidents[0].label, inquiries[0].label
    found = facts(ex)
    assert (review, "concerns", incident) in found
    assert (incident, "place", place) in found
    if victim is not None:
        assert (incident, "victim", victim) in found
    # "a review of the stabbing was commissioned by the council": the council commissioned, it did not stab
    assert not any(s == incident and p == "perpetrator" for s, p, _ in found), sorted(found)
    assert review == f"review of the {incident}"


@pytest.mark.xfail(
    strict=True,
    reason="kg/extract/unnamed.py _merge_into_focus makes a victimless incident the document's named one whatever"
    " their places and dates: the stabbing in Harwick on Friday becomes the 2017 Fernholt Arena bombing, placed in"
    " Harwick, and the review of the attack concerns the bombing",
)
def test_the_attack_is_the_incident_just_described_even_after_an_older_named_one() -> None:
    ex = extract(
        "The town still remembers the Fernholt Arena bombing of 2017, which killed six people.\n\n"
        "A man was stabbed in Harwick on Friday. Harwick Police has launched a review of the attack."
    )
    found = facts(ex)
    (review,) = [e.label for e in of_class(ex, "Inquiry")]
    concerned = {o for s, p, o in found if s == review and p == "concerns"}
    in_harwick = {s for s, p, o in found if p == "place" and o == "Harwick"}
    assert "Fernholt Arena bombing" not in in_harwick, sorted(found)
    assert concerned and concerned <= in_harwick, (review, concerned, sorted(found))


LABELS = [
    "Harwick Police has launched a review of the attack.",
    "A man was stabbed in Harwick on Friday. Harwick Police has launched a review of the attack.",
    "Lowmoor Constabulary has launched an inquiry into the shooting of Tom Ashdown.",
    "Clara Venn was stabbed in Fernholt in 2023. A review of the stabbing was commissioned by Fernholt Borough "
    "Council.",
]


@pytest.mark.parametrize("text", LABELS)
def test_a_descriptive_label_is_a_whole_phrase(text: str) -> None:
    """'review into ' was the label of a review of an incident left without a label of its own."""
    ex = extract(text)
    labels = [e.label for e in ex.entities.values() if e.cls in ("Incident", "Inquiry")]
    assert labels, "nothing read"
    assert all(whole_phrase(label) for label in labels), labels


def test_an_inquiry_into_an_incident_keeps_the_texts_word() -> None:
    ex = extract("Lowmoor Constabulary has launched an inquiry into the shooting of Tom Ashdown in Lowmoor.")
    assert [e.label for e in of_class(ex, "Inquiry")] == ["inquiry into the shooting of Tom Ashdown"]


# ---------------------------------------------------------------------------------------------------- the case
THREE = {
    "a.txt": "A man was stabbed in Harwick on Friday. Harwick Police has launched a review of the attack.",
    "b.txt": "Two people were shot in Lowmoor last week. Lowmoor Constabulary has launched a review of the "
    "shooting.",
    "c.txt": "Clara Venn was stabbed in Fernholt in 2023. A review of the stabbing was commissioned by Fernholt "
    "Borough Council.",
}


def union(path: Path) -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(path, format="nt")
    return g


def label(g: rdflib.Graph, node: object) -> str:
    return str(g.value(node, RDFS.label))  # type: ignore[arg-type]


def test_three_reviews_of_three_incidents_stay_three(tmp_path: Path) -> None:
    for name, text in THREE.items():
        (tmp_path / name).write_text(text + "\n", encoding="utf-8")
    ok(kg("add", *THREE, "--store", "S", cwd=tmp_path))
    ok(kg("export", "--store", "S", "-o", "out.nt", cwd=tmp_path))
    g = union(tmp_path / "out.nt")
    inquiries = set(g.subjects(RDF.type, KG.Inquiry))
    assert len(inquiries) == 3, sorted(label(g, i) for i in inquiries)
    bodies = [set(g.objects(i, KG.commissionedBy)) for i in inquiries]
    assert all(len(b) == 1 for b in bodies) and len(set.union(*bodies)) == 3
    concerned = [set(g.objects(i, KG.concerns)) for i in inquiries]
    assert all(len(c) == 1 for c in concerned) and len(set.union(*concerned)) == 3
    places = {label(g, p) for c in concerned for i in c for p in g.objects(i, KG.place)}
    assert places == {"Harwick", "Lowmoor", "Fernholt"}
    for node in inquiries | set(g.subjects(RDF.type, KG.Incident)):
        assert whole_phrase(label(g, node)), label(g, node)
        assert not set(g.objects(node, KG.perpetrator))


# ---------------------------------------------------------------------------------------------------- many documents
def cases(n: int = 8) -> list[tuple[str, str, int, str, str, str]]:
    """(victim, place, year, month, verb, noun): different victims, places shared among them."""
    out = []
    for i in range(n):
        victim = f"{FIRST[i % len(FIRST)]} {LAST[(3 * i + 2) % len(LAST)]}"
        verbed, noun = VERBS[i % len(VERBS)]
        out.append((victim, PLACES[i % 3], 2016 + i % 2, MONTHS[i % len(MONTHS)], verbed, noun))
    return out


def corpus() -> dict[str, str]:
    """Each case told in two documents, worded differently; and incidents with no victim named, one a
    document, some at the same place, two of them alike but for the date."""
    docs = {}
    for i, (victim, place, year, month, verbed, noun) in enumerate(cases()):
        docs[f"case{i}-a.txt"] = (
            f"{victim} was {verbed} in {place} in {year}. A review of the {noun} was commissioned by {place} "
            "Borough Council."
        )
        docs[f"case{i}-b.txt"] = (
            f"On {i + 2} {month} {year}, {victim} was {verbed} in {place}. {place} Borough Council has ordered "
            f"a review into the {noun}."
        )
    for i in range(VICTIMLESS):
        verbed, noun = VERBS[i % 2]
        place = PLACES[i % 3]
        ref = "the attack" if i % 2 == 0 else f"the {noun}"
        docs[f"none{i}.txt"] = (
            f"A man was {verbed} in {place} on {i + 3} {MONTHS[i % 4]} 2022. {place} Police has launched a "
            f"review of {ref}."
        )
    return docs


def check_one_node_per_case(g: rdflib.Graph) -> None:
    def docs_of(node: object) -> set[str]:
        return {str(d).rsplit("/", 1)[-1] for d in g.objects(node, KG.mentionedIn)}  # type: ignore[arg-type]

    incidents = set(g.subjects(RDF.type, KG.Incident))
    inquiries = set(g.subjects(RDF.type, KG.Inquiry))
    for node in incidents | inquiries:
        assert whole_phrase(label(g, node)), label(g, node)
    victims = {i: {label(g, v) for v in g.objects(i, KG.victim)} for i in incidents}
    assert all(len(v) <= 1 for v in victims.values()), "an incident with two victims: two incidents made one"
    concerns = {r: set(g.objects(r, KG.concerns)) for r in inquiries}
    assert all(len(c) == 1 for c in concerns.values()), "a review of two things: two reviews made one"
    for i, (victim, *_) in enumerate(cases()):
        told = {f"case{i}-a.txt", f"case{i}-b.txt"}
        mine = [n for n, v in victims.items() if v == {victim}]
        assert len(mine) == 1, f"{victim}: {sorted(label(g, n) for n in mine)}"
        assert docs_of(mine[0]) == told, f"{victim}: the same case told twice is one incident"
        reviews = [r for r, c in concerns.items() if c == {mine[0]}]
        assert len(reviews) == 1 and docs_of(reviews[0]) == told, f"{victim}: one review"
    unnamed = [n for n, v in victims.items() if not v]
    assert len(unnamed) == VICTIMLESS, [label(g, n) for n in unnamed]
    assert all(len(docs_of(n)) == 1 for n in unnamed), [label(g, n) for n in unnamed]
    assert len(inquiries) == len(cases()) + VICTIMLESS


def test_many_documents_built_at_once_give_one_node_per_case(tmp_path: Path) -> None:
    docs = [document(text, name) for name, text in corpus().items()]
    for d in docs:  # the premise: the model reads every victim
        ex = extract_document(d)
        named = {e.label for e in ex.entities.values() if e.cls == "Person"}
        assert len(named) == (1 if d.name.startswith("case") else 0), (d.name, named)
    ds = build_graph(docs)
    g = rdflib.Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    check_one_node_per_case(g)


def test_many_documents_added_to_a_store_that_holds_some_give_one_node_per_case(tmp_path: Path) -> None:
    names = []
    for name, text in corpus().items():
        (tmp_path / name).write_text(text + "\n", encoding="utf-8")
        names.append(name)
    first = [n for n in names if n.endswith("-a.txt")] + names[-3:]
    ok(kg("add", *first, "--store", "S", cwd=tmp_path))
    ok(kg("add", *[n for n in names if n not in first], "--store", "S", cwd=tmp_path))
    ok(kg("export", "--store", "S", "-o", "out.nt", cwd=tmp_path))
    check_one_node_per_case(union(tmp_path / "out.nt"))


# ---------------------------------------------------------------------------------------------------- the rule itself
# Extractions made by hand, as `extract_document` makes them (unnamed: a descriptive label), added to a real store in
# any order: the identity rule alone, without the model's readings in the way.


@st.composite
def stories(draw: st.DrawFn) -> list[tuple[int, tuple[str | None, str, str, str, str | None]]]:
    """(case, telling) in the order the documents come: cases with different victims, or none named; each told
    once or twice, at year or month precision, the body that commissioned the review said or not."""
    people = draw(
        st.lists(
            st.tuples(st.sampled_from(FIRST), st.sampled_from(LAST)), unique=True, min_size=1, max_size=4
        )
    )
    victims: list[str | None] = [f"{a} {b}" for a, b in people] + [None] * draw(st.integers(0, 3))
    tellings = []
    for case, victim in enumerate(victims):
        place, year = draw(st.sampled_from(PLACES)), draw(st.sampled_from(["2016", "2017"]))
        noun = draw(st.sampled_from([n for _, n in VERBS]))
        for _ in range(draw(st.integers(1, 2))):
            date = year + draw(st.sampled_from(["", "-03"]))
            body = draw(st.sampled_from([None, f"{place} Borough Council"]))
            tellings.append((case, (victim, place, date, noun, body)))
    return draw(st.permutations(tellings))


def telling(name: str, victim: str | None, place: str, date: str, noun: str, body: str | None) -> Extraction:
    incident = f"{noun} of {victim}" if victim else f"{noun} in {place}"
    entities = {
        "place": Entity("place", "Place", place),
        "incident": Entity("incident", "Incident", incident),
        "review": Entity("review", "Inquiry", f"review of the {incident}"),
    }
    year, _, month = date.partition("-")
    relations = [
        Relation("incident", "place", "place"),
        Relation("incident", "date", DateValue(int(year), int(month) if month else None)),
        Relation("review", "concerns", "incident"),
    ]
    if victim:
        entities["victim"] = Entity("victim", "Person", victim)
        relations.append(Relation("incident", "victim", "victim"))
    if body:
        entities["body"] = Entity("body", "Agency", body)
        relations.append(Relation("review", "commissionedBy", "body"))
    return Extraction(documents=[document(name, name)], entities=entities, relations=relations)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stories())
def test_unnamed_ones_are_one_node_exactly_when_they_name_the_same_victim(
    story: list[tuple[int, tuple[str | None, str, str, str, str | None]]],
) -> None:
    with Store(None) as store:
        for n, (_, told) in enumerate(story):
            store.add(telling(f"doc{n}.txt", *told))
        nodes: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for q in store.quads():
            if q.predicate.value == str(RDF.type) and q.object.value in (str(KG.Incident), str(KG.Inquiry)):
                nodes[q.object.value][q.subject.value].add(q.graph_name.value.rsplit("/", 1)[-1])  # type: ignore[union-attr]
    expected: dict[tuple[int, bool], set[str]] = defaultdict(set)
    for n, (case, (victim, *_)) in enumerate(story):
        # a case with a named victim is one incident and one review; with none, each telling is its own
        expected[(case if victim else -1 - n, True)].add(f"doc{n}.txt")
    wanted = sorted(sorted(docs) for docs in expected.values())
    for cls in (str(KG.Incident), str(KG.Inquiry)):
        assert sorted(sorted(docs) for docs in nodes[cls].values()) == wanted, cls


def nodes_of(cls: object, extractions: list[Extraction]) -> list[list[str]]:
    """The extractions added in order to a store in memory: the documents of each node of class `cls`."""
    with Store(None) as store:
        for ex in extractions:
            store.add(ex)
        docs: dict[str, set[str]] = defaultdict(set)
        for q in store.quads():
            if q.predicate.value == str(RDF.type) and q.object.value == str(cls):
                docs[q.subject.value].add(q.graph_name.value.rsplit("/", 1)[-1])  # type: ignore[union-attr]
    return sorted(sorted(d) for d in docs.values())


def review_of_a_body(name: str, date: str | None) -> Extraction:
    """'a review of Northby Borough Council' (dated or not): an unnamed inquiry concerning a body, which many
    reviews over the years may concern."""
    entities = {
        "council": Entity("council", "Agency", "Northby Borough Council"),
        "review": Entity("review", "Inquiry", "review of Northby Borough Council"),
    }
    relations = [Relation("review", "concerns", "council")]
    if date is not None:
        year, _, month = date.partition("-")
        relations.append(Relation("review", "date", DateValue(int(year), int(month) if month else None)))
    return Extraction(documents=[document(name, name)], entities=entities, relations=relations)


def test_unnamed_inquiries_of_one_body_in_years_that_differ_are_two_nodes() -> None:
    """Dates tell unnamed inquiries apart as they do incidents: two reviews of one council eight years apart are
    two (what an inquiry's date, once extraction reads it, is for)."""
    extractions = [
        review_of_a_body(f"doc{n}.txt", date) for n, date in enumerate(["2015", "2023", "2023-05", None])
    ]
    # 2023 and May 2023 can be one review; one of no date said could be either, so it is neither
    assert nodes_of(KG.Inquiry, extractions) == [
        ["doc0.txt"],
        ["doc1.txt", "doc2.txt"],
        ["doc3.txt"],
    ]


@pytest.mark.xfail(
    strict=True,
    reason="kg/extract: no relation pattern gives an inquiry its date ('In 2015 a review of ... was commissioned'),"
    " so unnamed reviews of one body years apart cannot be told apart",
)
def test_an_inquiry_gets_the_year_the_text_gives_it() -> None:
    ex = extract(
        "In 2015 a review of Northby Borough Council was commissioned after complaints about its housing."
    )
    (review,) = [e.label for e in of_class(ex, "Inquiry")]
    assert (review, "date", "2015") in facts(ex), sorted(facts(ex))


def attack(name: str, place: str | None) -> Extraction:
    """'An attack by the Northby Front' (in a place, or none said): an unnamed incident with a perpetrator."""
    entities = {
        "front": Entity("front", "Organization", "Northby Front"),
        "incident": Entity(
            "incident", "Incident", f"attack in {place}" if place else "attack by Northby Front"
        ),
    }
    relations = [Relation("incident", "perpetrator", "front")]
    if place:
        entities["place"] = Entity("place", "Place", place)
        relations.append(Relation("incident", "place", "place"))
    return Extraction(documents=[document(name, name)], entities=entities, relations=relations)


def test_an_unnamed_incident_joins_one_of_a_perpetrators_incidents_only_where_nothing_else_fits() -> None:
    extractions = [
        attack(f"doc{n}.txt", place) for n, place in enumerate(["Harwick", "Lowmoor", "Harwick", None])
    ]
    # the Harwick attack told twice is one; Lowmoor's is another; an attack of the Front's at no place said could
    # be either, so it is neither
    assert nodes_of(KG.Incident, extractions) == [
        ["doc0.txt", "doc2.txt"],
        ["doc1.txt"],
        ["doc3.txt"],
    ]

"""The ontology declares the contract's terms, and kg.ontology.vocab mirrors it exactly."""

from __future__ import annotations

import pyoxigraph
import pytest
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import FOAF, ORG, PROV, SDO, SH, XSD

import kg
from kg.ontology.vocab import KG, SEM, load_ontology, ontology_dir

ONTOLOGY_IRI = URIRef("https://w3id.org/kg/ontology")
KG_TTL = ontology_dir() / "kg.ttl"

CONTRACT_CLASSES = [
    "Person",
    "Organization",
    "Agency",
    "PoliticalParty",
    "Programme",
    "Inquiry",
    "Incident",
    "Place",
    "Post",
    "Event",
    "Document",
    "Evidence",
]
CONTRACT_PROPERTIES = [
    "perpetrator",
    "victim",
    "date",
    "place",
    "commissionedBy",
    "concerns",
    "ledBy",
    "holdsPost",
    "memberOf",
    "referredTo",
    "involves",
    "mentionedIn",
    "source",
    "quote",
    "start",
    "end",
]
PIPELINE_PROPERTIES = ["eventKind", "sha256", "documentDate", "sourcePath"]

ALIGNMENTS = {
    "Person": [SDO.Person, FOAF.Person],
    "Organization": [SDO.Organization, ORG.Organization],
    "Agency": [KG.Organization, SDO.GovernmentOrganization],
    "PoliticalParty": [KG.Organization, SDO.Organization],
    "Programme": [SDO.GovernmentService],
    "Inquiry": [PROV.Activity],
    "Incident": [SEM.Event, SDO.Event],
    "Place": [SDO.Place],
    "Post": [ORG.Post],
    "Event": [SEM.Event, PROV.Activity],
    "Document": [SDO.CreativeWork, PROV.Entity],
    "Evidence": [RDF.Statement, PROV.Entity],
}


@pytest.fixture(scope="module")
def kg_ttl() -> Graph:
    return Graph().parse(KG_TTL, format="turtle")


def _kg_terms_used(graph: Graph) -> set[URIRef]:
    return {
        node
        for triple in graph
        for node in triple
        if isinstance(node, URIRef) and node.startswith(str(KG._NS)) and node != URIRef(str(KG._NS))
    }


def _declared(graph: Graph) -> set[URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return {s for kind in kinds for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef)}


def test_vocab_and_turtle_declare_the_same_terms(kg_ttl: Graph) -> None:
    in_python = {_term(name) for name in KG.__annotations__}
    assert _declared(kg_ttl) == in_python


def test_no_undeclared_kg_term_is_used(kg_ttl: Graph) -> None:
    assert _kg_terms_used(kg_ttl) <= _declared(kg_ttl)


def test_vocab_rejects_undeclared_terms() -> None:
    with pytest.raises(AttributeError):
        _ = KG.Perpetrator


@pytest.mark.parametrize("name", CONTRACT_CLASSES)
def test_class_is_declared_with_label_and_comment(kg_ttl: Graph, name: str) -> None:
    term = _term(name)
    assert (term, RDF.type, OWL.Class) in kg_ttl
    for annotation in (RDFS.label, RDFS.comment):
        value = kg_ttl.value(term, annotation)
        assert isinstance(value, Literal)
        assert value.language == "en"
        assert str(value).strip()


@pytest.mark.parametrize("name", CONTRACT_PROPERTIES + PIPELINE_PROPERTIES)
@pytest.mark.parametrize("annotation", [RDFS.label, RDFS.comment, RDFS.domain, RDFS.range])
def test_property_is_declared_with(kg_ttl: Graph, name: str, annotation: URIRef) -> None:
    term = _term(name)
    assert {OWL.ObjectProperty, OWL.DatatypeProperty} & set(kg_ttl.objects(term, RDF.type))
    assert kg_ttl.value(term, annotation) is not None


@pytest.mark.parametrize(("name", "parents"), ALIGNMENTS.items())
def test_class_has_the_contract_alignment(kg_ttl: Graph, name: str, parents: list[URIRef]) -> None:
    assert set(parents) <= set(kg_ttl.objects(_term(name), RDFS.subClassOf))


def test_date_ranges_over_the_three_date_datatypes(kg_ttl: Graph) -> None:
    for prop in (KG.date, KG.documentDate):
        datatype = kg_ttl.value(prop, RDFS.range)
        union = kg_ttl.value(datatype, OWL.unionOf)
        assert union is not None
        members = kg_ttl.collection(union)
        assert set(members) == {XSD.date, XSD.gYearMonth, XSD.gYear}


def test_version_matches_the_package(kg_ttl: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in kg_ttl
    assert str(kg_ttl.value(ONTOLOGY_IRI, OWL.versionInfo)) == kg.__version__
    version_iri = kg_ttl.value(ONTOLOGY_IRI, OWL.versionIRI)
    assert version_iri == URIRef(f"{ONTOLOGY_IRI}/{kg.__version__}")


def test_load_ontology_includes_kg_ttl_but_not_the_shapes(kg_ttl: Graph) -> None:
    loaded = load_ontology()
    assert all(triple in loaded for triple in kg_ttl.triples((None, None, None)) if _no_bnode(triple))
    assert not list(loaded.triples((None, RDF.type, SH.NodeShape)))


def test_ontology_parses_with_pyoxigraph() -> None:
    quads = list(pyoxigraph.parse(path=str(KG_TTL), format=pyoxigraph.RdfFormat.TURTLE))
    assert any(
        q.subject == pyoxigraph.NamedNode(str(ONTOLOGY_IRI))
        and q.object == pyoxigraph.NamedNode(str(OWL.Ontology))
        for q in quads
    )


def _term(name: str) -> URIRef:
    # getattr goes through the closed namespace, so an undeclared name raises here.
    term: URIRef = getattr(KG, name)
    return term


def _no_bnode(triple: tuple[object, object, object]) -> bool:
    return not any(isinstance(node, BNode) for node in triple)

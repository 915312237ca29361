"""The kg namespaces, mirroring the terms declared in ``ontology/kg.ttl``.

``KG`` is a closed namespace: asking for a term the ontology does not declare raises ``AttributeError``, and
``tests/test_ontology.py`` keeps its attributes and the Turtle in step.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import ORG, DefinedNamespace

__all__ = [
    "KG",
    "KGI",
    "KGSH",
    "LEX",
    "ORG",
    "SCHEMA",
    "SEM",
    "load_ontology",
    "ontology_dir",
]

SHAPES_FILE = "shapes.ttl"


class KG(DefinedNamespace):
    """The kg ontology: every class and property of ``ontology/kg.ttl``."""

    _NS = Namespace("https://w3id.org/kg/ontology#")
    _fail = True

    # Classes
    Person: URIRef
    Organization: URIRef
    Agency: URIRef
    PoliticalParty: URIRef
    Programme: URIRef
    Inquiry: URIRef
    Incident: URIRef
    Place: URIRef
    Post: URIRef
    Event: URIRef
    Document: URIRef
    Evidence: URIRef

    # Relations between entities
    perpetrator: URIRef
    victim: URIRef
    date: URIRef
    place: URIRef
    commissionedBy: URIRef
    concerns: URIRef
    ledBy: URIRef
    holdsPost: URIRef
    memberOf: URIRef
    referredTo: URIRef
    involves: URIRef
    eventKind: URIRef

    # Provenance: entities and documents
    mentionedIn: URIRef
    sha256: URIRef
    documentDate: URIRef
    sourcePath: URIRef

    # Evidence
    source: URIRef
    quote: URIRef
    start: URIRef
    end: URIRef


KGI = Namespace("https://w3id.org/kg/id/")
"""Instances: one IRI per entity, minted from its class and canonical name."""

KGSH = Namespace("https://w3id.org/kg/shapes#")
LEX = Namespace("https://w3id.org/kg/lexicon#")
SCHEMA = Namespace("https://schema.org/")
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")


def ontology_dir() -> Path:
    """The ``ontology/`` folder beside the ``kg`` package."""
    return Path(__file__).resolve().parent.parent / "ontology"


@lru_cache(maxsize=1)
def load_ontology() -> Graph:
    """Parse every ``ontology/*.ttl`` except the SHACL shapes into one graph.

    The graph is parsed once and shared between callers: do not modify it (copy it first if you must).
    """
    graph = Graph()
    for path in sorted(ontology_dir().glob("*.ttl")):
        if path.name != SHAPES_FILE:
            graph.parse(path, format="turtle")
    return graph

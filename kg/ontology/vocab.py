"""The kg namespaces, mirroring the terms declared in ``ontology/kg.ttl``.

``KG`` is a closed namespace: asking for a term the ontology does not declare raises ``AttributeError``, and
``tests/test_ontology.py`` keeps its attributes and the Turtle in step.
"""

from __future__ import annotations

import os
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
    Legislation: URIRef
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
    name: URIRef
    canonicalName: URIRef
    sha256: URIRef
    documentDate: URIRef
    sourcePath: URIRef

    # Evidence
    source: URIRef
    quote: URIRef
    retrievedAt: URIRef
    fetchedFrom: URIRef
    page: URIRef
    text: URIRef
    start: URIRef
    end: URIRef


KGI = Namespace("https://w3id.org/kg/id/")
"""Instances: one IRI per entity, minted from its class and canonical name."""

KGSH = Namespace("https://w3id.org/kg/shapes#")
LEX = Namespace("https://w3id.org/kg/lexicon#")
SCHEMA = Namespace("https://schema.org/")
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")


ONTOLOGY_ENV = "KG_ONTOLOGY"


def default_ontology_dir() -> Path:
    """The ``ontology/`` folder beside the ``kg`` package."""
    return Path(__file__).resolve().parents[2] / "ontology"


def ontology_dir() -> Path:
    """The ontology in force: the folder named by ``$KG_ONTOLOGY`` (``kg build --ontology DIR``), else the
    project's own ``ontology/``. A user extends what kg extracts by editing a copy of it."""
    chosen = os.environ.get(ONTOLOGY_ENV)
    return Path(chosen).resolve() if chosen else default_ontology_dir()


def ontology_state(folder: Path | None = None) -> tuple[Path, tuple[tuple[str, int, int], ...]]:
    """The ontology folder with the name, size and modification time of each Turtle file: caches of what is
    read from the ontology are keyed by it, so an edited ontology is read again."""
    folder = folder or ontology_dir()
    files = tuple(
        (p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.ttl")) if p.is_file()
    )
    return folder, files


def load_ontology() -> Graph:
    """Parse every ``*.ttl`` of the ontology in force except the SHACL shapes into one graph.

    The graph is parsed once per folder and shared between callers: do not modify it (copy it first).
    """
    return _load_ontology(ontology_state())


@lru_cache(maxsize=4)
def _load_ontology(state: tuple[Path, tuple[tuple[str, int, int], ...]]) -> Graph:
    folder = state[0]
    graph = Graph()
    for path in sorted(folder.glob("*.ttl")):
        if path.name != SHAPES_FILE:
            graph.parse(path, format="turtle")
    return graph

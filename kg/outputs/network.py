"""The graph as people draw and tabulate it: entities as nodes, relations as edges with their evidence.

One node per entity (class, label, other names, documents, dates) and one edge per relation between entities,
with the sentences it was read from. The viewer (``viz``) and the tables (``tables``) are both made from it."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.graph.sparql import PREFIXES
from kg.ontology.lexicon import entity_relations, load_lexicon

KG = PREFIXES["kg"]


@dataclass
class Node:
    iri: str
    label: str = ""
    cls: str = "Organization"
    aliases: set[str] = field(default_factory=set)
    documents: set[str] = field(default_factory=set)
    dates: set[str] = field(default_factory=set)


@dataclass
class Edge:
    source: str
    target: str
    prop: str
    evidence: set[tuple[str, str]] = field(default_factory=set)  # (document title, quote)


def read_graph(store: ox.Store) -> tuple[dict[str, Node], list[Edge]]:
    """Entities and relations of the union of a store's graphs."""

    def select(q: str) -> list[dict[str, str]]:
        res = store.query(q, prefixes=PREFIXES, use_default_graph_as_union=True)
        assert isinstance(res, ox.QuerySolutions)
        names = [v.value for v in res.variables]
        return [{n: s[n].value for n in names if s[n] is not None} for s in res]

    classes = "kg:" + " kg:".join(load_lexicon().entity_classes)
    nodes: dict[str, Node] = {}
    for r in select(
        f"SELECT DISTINCT ?e ?c ?l WHERE {{ ?e a ?c ; rdfs:label ?l VALUES ?c {{ {classes} }} }}"
    ):
        n = nodes.setdefault(r["e"], Node(r["e"], r["l"]))
        cls = r["c"][len(KG) :]
        if n.cls == "Organization" or cls != "Organization":
            n.cls = cls
    for r in select("SELECT DISTINCT ?e ?a WHERE { ?e skos:altLabel ?a }"):
        if r["e"] in nodes:
            nodes[r["e"]].aliases.add(r["a"])
    for r in select("SELECT DISTINCT ?e ?t WHERE { ?e kg:mentionedIn ?d . ?d dcterms:title ?t }"):
        if r["e"] in nodes:
            nodes[r["e"]].documents.add(r["t"])
    for r in select("SELECT DISTINCT ?e ?d WHERE { ?e kg:date ?d }"):
        if r["e"] in nodes:
            nodes[r["e"]].dates.add(r["d"])
    props = " ".join(f"kg:{p}" for p in entity_relations())
    edges: dict[tuple[str, str, str], Edge] = {}
    for r in select(f"SELECT DISTINCT ?s ?p ?o WHERE {{ ?s ?p ?o VALUES ?p {{ {props} }} }}"):
        if r["s"] in nodes and r["o"] in nodes:
            key = (r["s"], r["o"], r["p"][len(KG) :])
            edges[key] = Edge(*key)
    q = f"""SELECT DISTINCT ?s ?p ?o ?t ?q WHERE {{
              ?ev a kg:Evidence ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kg:quote ?q ;
                  kg:source/dcterms:title ?t . VALUES ?p {{ {props} }} }}"""
    for r in select(q):
        key = (r["s"], r["o"], r["p"][len(KG) :])
        if key in edges:
            edges[key].evidence.add((r["t"], r["q"]))
    return nodes, sorted(edges.values(), key=lambda e: (e.source, e.prop, e.target))

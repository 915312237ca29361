"""The graph as people draw and tabulate it: entities as nodes, relations as edges with their evidence.

One node per entity (class, label, other names, documents, dates) and one edge per relation between entities,
with the sentences it was read from and where each sits in its document's text. The viewer (``viz``) and the
tables (``tables``) are both made from it; the viewer also reads the documents' texts, to show each quote in its
text."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.graph.sparql import PREFIXES
from kg.ontology.lexicon import entity_relations, load_lexicon

KG = PREFIXES["kg"]


@dataclass(eq=False)
class Document:
    """A document of the graph (one object per document, shared by the nodes and quotes that name it): its title
    and, when it was read with ``texts``, the text kg keeps of it (``kg:text``; None when the graph has none)."""

    iri: str
    title: str
    text: str | None = None


@dataclass(frozen=True)
class Quote:
    """One piece of evidence: the sentence, its document, and its character offsets in the document's text
    (``kg:start``/``kg:end``; None when the graph does not give them)."""

    document: Document
    quote: str
    start: int | None = None
    end: int | None = None


@dataclass
class Node:
    iri: str
    label: str = ""
    cls: str = "Organization"
    aliases: set[str] = field(default_factory=set)
    documents: set[str] = field(default_factory=set)  # titles
    dates: set[str] = field(default_factory=set)
    sources: set[Document] = field(default_factory=set)  # the documents themselves


@dataclass
class Edge:
    source: str
    target: str
    prop: str
    evidence: set[tuple[str, str]] = field(default_factory=set)  # (document title, quote)
    quotes: set[Quote] = field(default_factory=set)  # the same evidence, with its document and offsets


def read_graph(store: ox.Store, *, texts: bool = False) -> tuple[dict[str, Node], list[Edge]]:
    """Entities and relations of the union of a store's graphs; with `texts`, the documents' texts too."""

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
    documents: dict[str, Document] = {}
    for r in select("SELECT DISTINCT ?d ?t WHERE { ?d dcterms:title ?t } ORDER BY ?d ?t"):
        documents.setdefault(r["d"], Document(r["d"], r["t"]))
    if texts:
        for r in select("SELECT ?d ?x WHERE { ?d kg:text ?x }"):
            if r["d"] in documents:
                documents[r["d"]].text = r["x"]
    for r in select("SELECT DISTINCT ?e ?d ?t WHERE { ?e kg:mentionedIn ?d . ?d dcterms:title ?t }"):
        if r["e"] in nodes:
            nodes[r["e"]].documents.add(r["t"])
            nodes[r["e"]].sources.add(documents[r["d"]])
    for r in select("SELECT DISTINCT ?e ?d WHERE { ?e kg:date ?d }"):
        if r["e"] in nodes:
            nodes[r["e"]].dates.add(r["d"])
    props = " ".join(f"kg:{p}" for p in entity_relations())
    edges: dict[tuple[str, str, str], Edge] = {}
    for r in select(f"SELECT DISTINCT ?s ?p ?o WHERE {{ ?s ?p ?o VALUES ?p {{ {props} }} }}"):
        if r["s"] in nodes and r["o"] in nodes:
            key = (r["s"], r["o"], r["p"][len(KG) :])
            edges[key] = Edge(*key)
    q = f"""SELECT DISTINCT ?s ?p ?o ?d ?t ?q ?a ?b WHERE {{
              ?ev a kg:Evidence ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kg:quote ?q ;
                  kg:source ?d . ?d dcterms:title ?t . OPTIONAL {{ ?ev kg:start ?a ; kg:end ?b }}
              VALUES ?p {{ {props} }} }}"""
    for r in select(q):
        key = (r["s"], r["o"], r["p"][len(KG) :])
        if key in edges:
            edges[key].evidence.add((r["t"], r["q"]))
            start, end = _offset(r.get("a")), _offset(r.get("b"))
            edges[key].quotes.add(Quote(documents[r["d"]], r["q"], start, end))
    return nodes, sorted(edges.values(), key=lambda e: (e.source, e.prop, e.target))


def _offset(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None

"""The graph as networks and tables for tools that do not read RDF: GraphML (Gephi, networkx) and CSV.

Both show what the viewer shows: one node or row per entity (class, label, other names, documents, dates) and
one edge or row per relation between entities; the CSV relation table has one row per piece of evidence
(document, quote, offsets), so every fact keeps the sentence it came from.
"""

from __future__ import annotations

import csv
import io

import networkx as nx
import pyoxigraph as ox

from kg.viz import Edge, Node, read_graph


def graphml(store: ox.Store) -> bytes:
    """A directed GraphML network: nodes keyed by IRI, edges keyed by property."""
    nodes, edges = read_graph(store)
    g = nx.MultiDiGraph()
    for iri in sorted(nodes):
        n = nodes[iri]
        g.add_node(
            iri,
            label=n.label,
            kgclass=n.cls,
            aliases="; ".join(sorted(n.aliases)),
            documents="; ".join(sorted(n.documents)),
            dates="; ".join(sorted(n.dates)),
        )
    for e in edges:
        g.add_edge(
            e.source,
            e.target,
            key=e.prop,
            relation=e.prop,
            evidence=" | ".join(q for _, q in sorted(e.evidence)),
        )
    buf = io.BytesIO()
    nx.write_graphml(g, buf, encoding="utf-8", prettyprint=True)
    return buf.getvalue()


def entity_rows(nodes: dict[str, Node]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["iri", "class", "label", "other_names", "documents", "dates"])
    for iri in sorted(nodes):
        n = nodes[iri]
        w.writerow(
            [
                iri,
                n.cls,
                n.label,
                "; ".join(sorted(n.aliases)),
                "; ".join(sorted(n.documents)),
                "; ".join(sorted(n.dates)),
            ]
        )
    return buf.getvalue().encode("utf-8")


def relation_rows(nodes: dict[str, Node], edges: list[Edge]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["subject", "subject_label", "relation", "object", "object_label", "document", "quote"])
    for e in edges:
        evidence = sorted(e.evidence) or [("", "")]
        for doc, quote in evidence:
            w.writerow([e.source, nodes[e.source].label, e.prop, e.target, nodes[e.target].label, doc, quote])
    return buf.getvalue().encode("utf-8")


def csv_tables(store: ox.Store) -> tuple[bytes, bytes]:
    """(entities, relations with their evidence) as CSV."""
    nodes, edges = read_graph(store)
    return entity_rows(nodes), relation_rows(nodes, edges)

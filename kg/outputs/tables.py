"""The graph as networks and tables for tools that do not read RDF: GraphML (Gephi, networkx) and CSV.

Both show what the viewer shows: one node or row per entity (class, label, other names, documents, dates) and
one edge or row per relation between entities; the CSV relation table has one row per piece of evidence
(document, quote, offsets), so every fact keeps the sentence it came from.
"""

from __future__ import annotations

import csv
import io
import re

import networkx as nx
import pyoxigraph as ox

from kg.outputs.network import Edge, Node, read_graph

#: Characters XML 1.0 cannot hold, even escaped (C0 controls but tab and line ends, U+FFFE, U+FFFF, surrogates).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Text as XML can carry it: a character XML cannot hold (a form feed from a PDF's page break) becomes
    U+FFFD, so that the file stays well-formed."""
    return _NOT_XML.sub("\ufffd", text)


def graphml(store: ox.Store) -> bytes:
    """A directed GraphML network: nodes keyed by IRI, edges keyed by property."""
    nodes, edges = read_graph(store)
    g = nx.MultiDiGraph()
    for iri in sorted(nodes):
        n = nodes[iri]
        g.add_node(
            iri,
            label=_xml_text(n.label),
            kgclass=n.cls,
            aliases=_xml_text("; ".join(sorted(n.aliases))),
            documents=_xml_text("; ".join(sorted(n.documents))),
            dates="; ".join(sorted(n.dates)),
        )
    for e in edges:
        g.add_edge(
            e.source,
            e.target,
            key=e.prop,
            relation=e.prop,
            evidence=_xml_text(" | ".join(q for _, q in sorted(e.evidence))),
        )
    buf = io.BytesIO()
    nx.write_graphml(g, buf, encoding="utf-8", prettyprint=True)
    return buf.getvalue()


class _CsvWriter:
    """A CSV writer with "\\n" line ends that also quotes a field holding a lone "\\r" (text from a document with
    old Mac line ends), which the csv module leaves bare and every reader then takes for the end of a row."""

    def __init__(self, buf: io.StringIO) -> None:
        self._minimal = csv.writer(buf, lineterminator="\n")
        self._quoted = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def writerow(self, row: list[str]) -> None:
        (self._quoted if any("\r" in field for field in row) else self._minimal).writerow(row)


def entity_rows(nodes: dict[str, Node]) -> bytes:
    buf = io.StringIO()
    w = _CsvWriter(buf)
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
    w = _CsvWriter(buf)
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

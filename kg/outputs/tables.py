"""The graph as networks and tables for tools that do not read RDF: GraphML (Gephi, networkx) and CSV.

Both show what the viewer shows: one node or row per entity (class, label, other names, documents, dates) and
one edge or row per relation between entities; the CSV relation table has one row per piece of evidence
(document, quote, offsets), so every fact keeps the sentence it came from. The CSV tables are for spreadsheets:
a cell that would start a formula is neutralised (`spreadsheet_cell`).
"""

from __future__ import annotations

import csv
import io
import re

import networkx as nx
import pyoxigraph as ox

from kg.outputs.network import Edge, Node, read_graph
from kg.outputs.results import xml_text


def graphml(store: ox.Store) -> bytes:
    """A directed GraphML network: nodes keyed by IRI, edges keyed by property."""
    nodes, edges = read_graph(store)
    g = nx.MultiDiGraph()
    for iri in sorted(nodes):
        n = nodes[iri]
        g.add_node(
            iri,
            label=xml_text(n.label),
            kgclass=n.cls,
            aliases=xml_text("; ".join(sorted(n.aliases))),
            documents=xml_text("; ".join(sorted(n.documents))),
            dates="; ".join(sorted(n.dates)),
        )
    for e in edges:
        g.add_edge(
            e.source,
            e.target,
            key=e.prop,
            relation=e.prop,
            evidence=xml_text(" | ".join(q for _, q in sorted(e.evidence))),
        )
    buf = io.BytesIO()
    nx.write_graphml(g, buf, encoding="utf-8", prettyprint=True)
    return buf.getvalue()


#: A cell a spreadsheet would run as a formula: one that starts with =, +, - or @, also after spaces (some
#: importers trim them), or with a tab, a carriage return or a NUL (OWASP's list), after any single quotes already in
#: front of it (so that the quote added to neutralise it can always be told from the text's).
_FORMULA = re.compile("'*(?:[\\s\\x00]*[=+\\-@]|[\t\r\\x00])")


def spreadsheet_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text and never runs: one that would start a formula gets a single quote
    in front (OWASP's advice). A reader gets the text back by dropping that one quote from a cell that `_FORMULA`
    matches and that starts with a quote; every other cell is the text exactly."""
    return "'" + text if _FORMULA.match(text) else text


class _CsvWriter:
    """A CSV writer for spreadsheets, with "\\n" line ends. A row with a cell that would start a formula is
    written with every field quoted, its cell neutralised by `spreadsheet_cell`; so is a row holding a lone
    "\\r" (text from a document with old Mac line ends), which the csv module leaves bare and every reader then
    takes for the end of a row."""

    def __init__(self, buf: io.StringIO) -> None:
        self._minimal = csv.writer(buf, lineterminator="\n")
        self._quoted = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def writerow(self, row: list[str]) -> None:
        cells = [spreadsheet_cell(field) for field in row]
        quote = cells != row or any("\r" in field for field in row)
        (self._quoted if quote else self._minimal).writerow(cells)


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

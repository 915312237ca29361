"""The graph as networks and tables for tools that do not read RDF: GraphML (Gephi, networkx) and CSV.

Both show what the viewer shows: one node or row per entity (class, label, other names, documents, dates) and
one edge or row per relation between entities; the CSV relation table has one row per piece of evidence
(the document's title and IRI, the page of a PDF, the quote's offsets in the document's text, the quote), so every
fact keeps the sentence it came from. The CSV tables are for spreadsheets:
a cell that would start a formula is neutralised (`spreadsheet_cell`).
"""

from __future__ import annotations

import csv
import io
import re

import networkx as nx
import pyoxigraph as ox

from kg.graph.sparql import PREFIXES
from kg.outputs.network import KG, Edge, Node, read_graph
from kg.outputs.results import xml_text


def graphml(store: ox.Store) -> bytes:
    """A directed GraphML network: nodes keyed by IRI, edges keyed by property."""
    return graphml_of(*read_graph(store))


def graphml_of(nodes: dict[str, Node], edges: list[Edge]) -> bytes:
    """The GraphML network of the entities and relations `read_graph` gives."""
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


#: The columns of the relation table: the relation, then its evidence.
RELATION_COLUMNS = [
    "subject",
    "subject_label",
    "relation",
    "object",
    "object_label",
    "document",
    "document_iri",
    "page",
    "start",
    "end",
    "quote",
]


def relation_table(store: ox.Store, nodes: dict[str, Node], edges: list[Edge]) -> list[list[str]]:
    """The relation table's rows (the header first): one per piece of evidence of each relation, in a fixed order;
    a relation without evidence has one row with the evidence's cells empty."""
    pages = _pages(store)
    rows = [RELATION_COLUMNS]
    for e in edges:
        relation = [e.source, nodes[e.source].label, e.prop, e.target, nodes[e.target].label]
        quotes = sorted(
            e.quotes, key=lambda q: (q.document.title, q.document.iri, _n(q.start), _n(q.end), q.quote)
        )
        if not quotes:
            rows.append([*relation, "", "", "", "", "", ""])
        for q in quotes:
            page = pages.get((e.source, e.prop, e.target, q.document.iri, q.start, q.end))
            where = [_cell(page), _cell(q.start), _cell(q.end)]
            rows.append([*relation, q.document.title, q.document.iri, *where, q.quote])
    return rows


def relation_rows(nodes: dict[str, Node], edges: list[Edge], store: ox.Store) -> bytes:
    return table_bytes(relation_table(store, nodes, edges))


def table_bytes(rows: list[list[str]]) -> bytes:
    """Rows as CSV for spreadsheets (`_CsvWriter`)."""
    buf = io.StringIO()
    w = _CsvWriter(buf)
    for row in rows:
        w.writerow(row)
    return buf.getvalue().encode("utf-8")


def csv_tables(store: ox.Store) -> tuple[bytes, bytes]:
    """(entities, relations with their evidence) as CSV."""
    nodes, edges = read_graph(store)
    return entity_rows(nodes), relation_rows(nodes, edges, store)


def _pages(store: ox.Store) -> dict[tuple[str, str, str, str, int | None, int | None], int]:
    """The page (of a PDF) each piece of evidence is on, by (subject, property, object, document, start, end)."""
    query = """SELECT DISTINCT ?s ?p ?o ?d ?a ?b ?n WHERE {
                 ?ev a kg:Evidence ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kg:source ?d ; kg:page ?n .
                 OPTIONAL { ?ev kg:start ?a ; kg:end ?b } }"""
    res = store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
    assert isinstance(res, ox.QuerySolutions)
    out = {}
    for r in res:
        page = _offset(r["n"])
        if page is None or not str(r["p"].value).startswith(KG):
            continue
        key = (
            r["s"].value,
            r["p"].value[len(KG) :],
            r["o"].value,
            r["d"].value,
            _offset(r["a"]),
            _offset(r["b"]),
        )
        out[key] = page
    return out


def _offset(term: object) -> int | None:
    try:
        return int(term.value) if isinstance(term, ox.Literal) else None
    except ValueError:
        return None


def _cell(n: int | None) -> str:
    return "" if n is None else str(n)


def _n(n: int | None) -> int:
    return -1 if n is None else n

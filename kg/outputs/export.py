"""Export a graph to the file a user asked for, in the format its extension names.

RDF formats are written by ``kg.graph.files``; GraphML and CSV by ``kg.outputs.tables``, for tools that do not
read RDF."""

from __future__ import annotations

from pathlib import Path

import rdflib

from kg.errors import InputError
from kg.graph.files import Format, format_for, quads_of, serialize, write_bytes_atomically
from kg.graph.sparql import store_from_dataset
from kg.outputs.network import read_graph
from kg.outputs.tables import entity_rows, graphml_of, relation_table, table_bytes


def write_graph(ds: rdflib.Dataset, path: Path) -> str:
    """Write the dataset to `path` atomically, in the format its extension names, creating parent folders; say
    what the file holds, for a person ("342 triples", "361 quads", "57 relations").

    `.csv` writes two tables: the relations with their evidence to `path`, the entities beside it
    (`NAME.entities.csv`)."""
    fmt = format_for(path)
    if fmt.is_rdf:
        try:
            data = serialize(ds, fmt)
        except InputError as e:  # what the format cannot hold
            raise InputError(f"{path}: {e}") from None
        write_bytes_atomically(path, data)
        return _statements(ds, fmt)
    store = store_from_dataset(iter(quads_of(ds)))
    nodes, edges = read_graph(store)
    if fmt is Format.GRAPHML:
        write_bytes_atomically(path, graphml_of(nodes, edges))
        return _count(len(edges), "relation")
    table = relation_table(store, nodes, edges)
    write_bytes_atomically(path.with_name(f"{path.stem}.entities.csv"), entity_rows(nodes))
    write_bytes_atomically(path, table_bytes(table))
    return _count(len(table) - 1, "relation row")


def _statements(ds: rdflib.Dataset, fmt: Format) -> str:
    """The statements an RDF file of `fmt` holds: quads where it keeps the named graphs, else triples."""
    quads = set(quads_of(ds))
    if fmt.keeps_named_graphs:
        return _count(len(quads), "quad")
    return _count(len({(q.subject, q.predicate, q.object) for q in quads}), "triple")


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"

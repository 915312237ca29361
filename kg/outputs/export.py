"""Export a graph to the file a user asked for, in the format its extension names.

RDF formats are written by ``kg.graph.files``; GraphML and CSV by ``kg.outputs.tables``, for tools that do not
read RDF."""

from __future__ import annotations

from pathlib import Path

import rdflib

from kg.errors import InputError
from kg.graph.files import Format, format_for, quads_of, serialize, write_bytes_atomically
from kg.graph.sparql import store_from_dataset
from kg.outputs.tables import csv_tables, graphml


def write_graph(ds: rdflib.Dataset, path: Path) -> None:
    """Write the dataset to `path` atomically, in the format its extension names, creating parent folders.

    `.csv` writes two tables: the relations with their evidence to `path`, the entities beside it
    (`NAME.entities.csv`)."""
    fmt = format_for(path)
    if fmt.is_rdf:
        try:
            data = serialize(ds, fmt)
        except InputError as e:  # what the format cannot hold
            raise InputError(f"{path}: {e}") from None
        write_bytes_atomically(path, data)
        return
    store = store_from_dataset(iter(quads_of(ds)))
    if fmt is Format.GRAPHML:
        write_bytes_atomically(path, graphml(store))
        return
    entities, relations = csv_tables(store)
    write_bytes_atomically(path.with_name(f"{path.stem}.entities.csv"), entities)
    write_bytes_atomically(path, relations)

"""Writing and reading graph files: formats, determinism, round trips, atomic writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

import kg.graph.files
import kg.outputs.export
from kg.errors import InputError
from kg.graph.files import Format, format_for, read_graph, serialize
from kg.ontology.prefixes import PREFIXES
from kg.outputs.export import write_graph

RDF_FORMATS = [f for f in Format if f.is_rdf]  # GraphML and CSV are for other tools: tests/test_exports.py

KG = Namespace(PREFIXES["kg"])
KGI = Namespace(PREFIXES["kgi"])
DOC = KGI["document/seed.txt"]
OTHER_DOC = KGI["document/other.txt"]

Quad = tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node, URIRef | None]


def sample_quads(evidence: BNode) -> list[Quad]:
    """A graph in the shape of the contract: entities, labels, a relation with evidence, two documents."""
    amess, murder = KGI["person/david-amess"], KGI["incident/murder-of-david-amess"]
    return [
        (amess, RDF.type, KG.Person, None),
        (amess, RDFS.label, Literal("David Amess"), None),
        (amess, SKOS.altLabel, Literal("Sir David"), None),
        (amess, SKOS.altLabel, Literal("Amess"), None),
        (amess, KG.mentionedIn, DOC, None),
        (murder, RDF.type, KG.Incident, DOC),
        (murder, KG.victim, amess, DOC),
        (murder, KG.date, Literal("2021-10-15", datatype=XSD.date), DOC),
        (murder, RDFS.label, Literal("murder of David Amess", lang="en"), OTHER_DOC),
        (evidence, RDF.type, KG.Evidence, DOC),
        (evidence, RDF.subject, murder, DOC),
        (evidence, KG.quote, Literal('Sir David was "fatally stabbed"\non 15 October 2021 \\ here.'), DOC),
        (evidence, KG.start, Literal(123), DOC),
        (evidence, KG.end, Literal(180), DOC),
        (DOC, RDF.type, KG.Document, None),
    ]


def build(quads: Iterable[Quad]) -> rdflib.Dataset:
    ds = rdflib.Dataset()
    for s, p, o, g in quads:
        graph = ds.default_graph if g is None else ds.graph(g)
        graph.add((s, p, o))  # type: ignore[arg-type]
    return ds


ORDERS: dict[str, Callable[[list[Quad]], list[Quad]]] = {
    "reversed": lambda quads: quads[::-1],
    "interleaved": lambda quads: quads[1::2] + quads[::2],
}


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("graph.ttl", Format.TURTLE),
        ("graph.nt", Format.NTRIPLES),
        ("graph.trig", Format.TRIG),
        ("graph.nq", Format.NQUADS),
        ("graph.jsonld", Format.JSONLD),
        ("GRAPH.TTL", Format.TURTLE),
        ("exports/sub.dir/g.nq", Format.NQUADS),
    ],
)
def test_format_for(name: str, fmt: Format) -> None:
    assert format_for(Path(name)) is fmt


@pytest.mark.parametrize("name", ["graph.xml", "graph.json", "graph", "graph.ttl.bak"])
def test_format_for_refuses_unknown_extensions_naming_the_accepted_ones(name: str) -> None:
    with pytest.raises(InputError) as raised:
        format_for(Path(name))
    message = str(raised.value)
    assert message.startswith(f"{name}: unknown graph format")
    for fmt in Format:
        assert fmt.value in message


@pytest.mark.parametrize("order", ORDERS.values(), ids=ORDERS.keys())
@pytest.mark.parametrize("fmt", list(Format), ids=[f.name for f in Format])
def test_same_graph_gives_same_bytes_whatever_the_insertion_order(
    fmt: Format, order: Callable[[list[Quad]], list[Quad]]
) -> None:
    first = serialize(build(sample_quads(BNode("ev1"))), fmt)
    second = serialize(build(order(sample_quads(BNode("some-other-label")))), fmt)
    assert first == second


@pytest.mark.parametrize("fmt", list(Format), ids=[f.name for f in Format])
def test_same_bytes_across_processes(fmt: Format, tmp_path: Path) -> None:
    """Hash order changes between runs (PYTHONHASHSEED); the output must not."""
    script = (
        "import sys, tests.test_export as t\n"
        f"sys.stdout.buffer.write(t.serialize(t.build(t.sample_quads(t.BNode('x'))), t.Format.{fmt.name}))\n"
    )
    root = Path(__file__).resolve().parent.parent
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert outputs == {serialize(build(sample_quads(BNode("y"))), fmt)}


OX_FORMATS = {
    Format.TURTLE: pyoxigraph.RdfFormat.TURTLE,
    Format.NTRIPLES: pyoxigraph.RdfFormat.N_TRIPLES,
    Format.TRIG: pyoxigraph.RdfFormat.TRIG,
    Format.NQUADS: pyoxigraph.RdfFormat.N_QUADS,
    Format.JSONLD: pyoxigraph.RdfFormat.JSON_LD,
    Format.RDFXML: pyoxigraph.RdfFormat.RDF_XML,
}


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=[f.name for f in RDF_FORMATS])
def test_round_trip_through_pyoxigraph(fmt: Format) -> None:
    quads = sample_quads(BNode("ev"))
    parsed = list(pyoxigraph.parse(serialize(build(quads), fmt), format=OX_FORMATS[fmt]))
    expected = len(quads) if fmt.keeps_named_graphs else len({q[:3] for q in quads})
    assert len(parsed) == expected
    named = {str(q.graph_name) for q in parsed if not isinstance(q.graph_name, pyoxigraph.DefaultGraph)}
    if fmt.keeps_named_graphs:
        assert named == {f"<{DOC}>", f"<{OTHER_DOC}>"}
    else:
        assert named == set()


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=[f.name for f in RDF_FORMATS])
def test_write_then_read_gives_the_same_graph(fmt: Format, tmp_path: Path) -> None:
    ds = build(sample_quads(BNode("ev")))
    path = tmp_path / f"graph{fmt.value}"
    write_graph(ds, path)
    again = read_graph(path)
    assert serialize(again, fmt) == path.read_bytes()
    # Literals come back as the same terms (a plain string stays plain, typed values stay typed).
    union = kg.graph.files.union_graph(again)
    assert (None, RDFS.label, Literal("David Amess")) in union
    assert (None, KG.start, Literal(123)) in union
    assert (None, KG.date, Literal("2021-10-15", datatype=XSD.date)) in union


def test_turtle_uses_the_bound_prefixes() -> None:
    quads = [*sample_quads(BNode("ev")), (KGI.amess, RDF.type, KG.Person, None)]
    text = serialize(build(quads), Format.TURTLE).decode()
    for prefix in ("kg", "kgi", "rdf", "rdfs", "skos", "xsd"):
        assert f"@prefix {prefix}: <{PREFIXES[prefix]}> ." in text


def test_jsonld_has_a_context_of_the_prefixes() -> None:
    document = json.loads(serialize(build(sample_quads(BNode("ev"))), Format.JSONLD))
    assert document["@context"] == PREFIXES


def test_triple_formats_write_the_union_of_the_named_graphs() -> None:
    lines = serialize(build(sample_quads(BNode("ev"))), Format.NTRIPLES).decode().splitlines()
    assert lines == sorted(lines)
    assert any(str(KG.victim) in line for line in lines)  # from a named graph
    assert any(str(SKOS.altLabel) in line for line in lines)  # from the default graph


def test_write_creates_parent_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "graph.nt"
    write_graph(build(sample_quads(BNode("ev"))), path)
    assert path.read_bytes().endswith(b" .\n")


def test_failed_serialization_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "graph.ttl"
    path.write_bytes(b"old contents\n")

    def broken(ds: rdflib.Dataset, fmt: Format) -> bytes:
        raise RuntimeError("serializer broke")

    monkeypatch.setattr(kg.outputs.export, "serialize", broken)
    with pytest.raises(RuntimeError):
        write_graph(build(sample_quads(BNode("ev"))), path)
    assert path.read_bytes() == b"old contents\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl"]


def test_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "graph.ttl"
    path.write_bytes(b"old contents\n")

    def broken(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kg.graph.files.os, "replace", broken)
    with pytest.raises(InputError, match=r"graph\.ttl: cannot write: No space left on device"):
        write_graph(build(sample_quads(BNode("ev"))), path)
    assert path.read_bytes() == b"old contents\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl"]


def test_write_keeps_the_permissions_of_the_file_it_replaces(tmp_path: Path) -> None:
    path = tmp_path / "graph.ttl"
    path.write_bytes(b"old")
    path.chmod(0o640)
    write_graph(build(sample_quads(BNode("ev"))), path)
    assert path.stat().st_mode & 0o777 == 0o640


def test_read_graph_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nothing\.ttl: no such file$"):
        read_graph(tmp_path / "nothing.ttl")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("broken.ttl", b"@prefix kg: <https://w3id.org/kg/ontology#> .\nkg:a kg:b \n kg:c kg:d ."),
        ("broken.nt", b"<a> <b> <c> ."),
        ("broken.jsonld", b'{"@id": '),
        ("broken.trig", b"<g> { <http://x/a> <http://x/b> "),
        ("binary.nq", b"\x00\x01\x02"),
    ],
)
def test_read_graph_unparseable_file_is_one_line_naming_it(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError) as raised:
        read_graph(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message


def test_read_graph_keeps_named_graphs(tmp_path: Path) -> None:
    path = tmp_path / "graph.trig"
    write_graph(build(sample_quads(BNode("ev"))), path)
    ds = read_graph(path)
    names = {g.identifier for g in ds.graphs() if len(g)}
    assert {DOC, OTHER_DOC} <= names


def test_prefixes_agree_with_the_ontology() -> None:
    ontology = Path(__file__).resolve().parent.parent / "ontology" / "kg.ttl"
    parser = pyoxigraph.parse(path=ontology, format=pyoxigraph.RdfFormat.TURTLE)
    for _ in parser:
        pass
    declared = parser.prefixes
    assert declared["kg"] == PREFIXES["kg"]
    assert {p: ns for p, ns in declared.items() if p in PREFIXES} == {
        p: PREFIXES[p] for p in declared if p in PREFIXES
    }

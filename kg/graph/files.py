"""Graph files: RDF written deterministically and atomically, read back, and terms moved between RDFLib and Oxigraph.

The formats are Turtle, N-Triples, TriG, N-Quads, JSON-LD and RDF/XML; GraphML and CSV are written by
``kg.outputs.export``.

Output is deterministic: the same graph gives byte-identical bytes, whatever order its triples were added in
and whatever labels its blank nodes had. To get there, the quads are copied out of RDFLib, blank nodes are
relabelled canonically (only when there are any), the statements are sorted, and the sorted statements are
written by Oxigraph's serializers (JSON-LD by RDFLib's, for its context compaction). RDF/XML is XML 1.0: a
character XML cannot hold (a form feed from a PDF's page break) is written as U+FFFD, and a property or class
whose IRI does not end in an XML name cannot be written at all (`InputError`). Sorting also groups each
subject's statements together, with `rdf:type` first, so the Turtle reads entity by entity.

N-Triples and N-Quads files are sorted line by line.

Turtle, N-Triples, JSON-LD and RDF/XML hold triples, so they get the union of all the graphs of the dataset; TriG and
N-Quads keep the named graphs.

Files are written atomically: the bytes are made in full first, written to a temporary file beside the target,
flushed to disk and renamed onto the target, so a failure never leaves a half-written or clobbered file.
"""

from __future__ import annotations

import contextlib
import enum
import io
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TypeAlias

import pyoxigraph as ox
import rdflib
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDF, XSD
from rdflib.plugins.serializers.trig import TrigSerializer

from kg.errors import InputError


class Format(enum.Enum):
    """The graph file formats kg writes and reads, by file extension."""

    TURTLE = ".ttl"
    NTRIPLES = ".nt"
    TRIG = ".trig"
    NQUADS = ".nq"
    JSONLD = ".jsonld"
    RDFXML = ".rdf"
    GRAPHML = ".graphml"
    CSV = ".csv"

    @property
    def keeps_named_graphs(self) -> bool:
        return self in (Format.TRIG, Format.NQUADS)

    @property
    def is_rdf(self) -> bool:
        return self not in (Format.GRAPHML, Format.CSV)


from kg.ontology.prefixes import PREFIXES  # noqa: E402 — re-exported: the prefixes every output binds

_OX_FORMATS = {
    Format.TURTLE: ox.RdfFormat.TURTLE,
    Format.NTRIPLES: ox.RdfFormat.N_TRIPLES,
    Format.TRIG: ox.RdfFormat.TRIG,
    Format.NQUADS: ox.RdfFormat.N_QUADS,
    Format.JSONLD: ox.RdfFormat.JSON_LD,
    Format.RDFXML: ox.RdfFormat.RDF_XML,
}
_RDF_TYPE = ox.NamedNode(str(RDF.type))
_XSD_STRING = str(XSD.string)
_RDF_LANGSTRING = str(RDF.langString)

_OxTerm: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal
_OxGraphName: TypeAlias = ox.NamedNode | ox.BlankNode | ox.DefaultGraph


def format_for(path: Path) -> Format:
    """The format a file name asks for, from its extension; `InputError` for any other extension."""
    suffix = path.suffix.lower()
    for fmt in Format:
        if fmt.value == suffix:
            return fmt
    accepted = ", ".join(fmt.value for fmt in Format)
    raise InputError(f"{path}: unknown graph format {suffix or '(no extension)'!r}; use one of {accepted}")


def serialize(ds: rdflib.Dataset, fmt: Format) -> bytes:
    """The dataset in `fmt`, byte-identical for the same graph (see the module docstring)."""
    quads = _canonical(quads_of(ds))
    prefixes = _prefixes(ds, quads)
    if fmt is Format.NQUADS:
        return _ox_serialize(_sorted(quads), fmt)
    if fmt is Format.TRIG:
        return _trig(_sorted(quads), prefixes)
    union = _sorted(_canonical([ox.Quad(q.subject, q.predicate, q.object) for q in quads]))
    return _triples(union, prefixes, fmt)


def serialize_triples(triples: Iterable[ox.Triple], fmt: Format = Format.TURTLE) -> bytes:
    """Triples (what a CONSTRUCT or DESCRIBE gives) in a format of triples, as `serialize` writes a graph: the
    same triples give the same bytes, and an IRI is written with its prefix only where its local part needs no
    escape (``kgi:inquiry\\/voss-review`` is written ``<https://w3id.org/kg/id/inquiry/voss-review>``)."""
    if fmt.keeps_named_graphs or not fmt.is_rdf:
        raise ValueError(f"{fmt.value} is not a format of triples")
    union = _sorted(_canonical([ox.Quad(t.subject, t.predicate, t.object) for t in triples]))
    return _triples(union, dict(PREFIXES), fmt)


def _triples(union: list[ox.Quad], prefixes: dict[str, str], fmt: Format) -> bytes:
    """The sorted statements of the default graph in `fmt`, a format of triples."""
    if fmt is Format.NTRIPLES:
        return _ox_serialize([q.triple for q in union], fmt)
    if fmt is Format.RDFXML:
        return _rdfxml(union, prefixes)
    graph = _rdflib_graph(union, prefixes, DATASET_DEFAULT_GRAPH_ID)
    if fmt is Format.TURTLE:
        return graph.serialize(format="turtle", encoding="utf-8")
    return _jsonld(graph, prefixes)


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step: either the old file or the new one, never a part of either."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise InputError(f"{path}: cannot write: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise InputError(f"{path}: cannot write: {error.strerror or error}") from None
        raise
    _fsync_folder(path.parent)


def read_graph(path: Path) -> rdflib.Dataset:
    """Load a graph file in any `Format`; `InputError`, naming the file, if it is missing or unparseable.

    Triples of Turtle, N-Triples and JSON-LD files land in the default graph; named graphs stay named.
    """
    fmt = format_for(path)
    if not fmt.is_rdf:
        raise InputError(f"{path}: {fmt.value} files are written for other tools; kg reads RDF files only")
    if not path.is_file():
        reason = "not a file" if path.exists() else "no such file"
        raise InputError(f"{path}: {reason}")
    ds = rdflib.Dataset()
    try:
        parser = ox.parse(path=path, format=_OX_FORMATS[fmt])
        for quad in parser:
            graph = (
                ds.default_graph
                if isinstance(quad.graph_name, ox.DefaultGraph)
                else ds.graph(from_ox(quad.graph_name))
            )
            graph.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
    except SyntaxError as error:
        raise InputError(f"{path}: not valid {fmt.name.lower()}: {_one_line(str(error))}") from None
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: cannot read graph: {_one_line(str(error))}") from None
    for prefix, namespace in {**parser.prefixes, **PREFIXES}.items():
        ds.bind(prefix, namespace, override=True, replace=True)
    return ds


def union_graph(ds: rdflib.Dataset) -> rdflib.Graph:
    """All the triples of the dataset, from every graph, in one plain graph."""
    graph = rdflib.Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    for s, p, o, _ in ds.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def quads_of(ds: rdflib.Dataset) -> list[ox.Quad]:
    quads = []
    for s, p, o, g in ds.quads((None, None, None, None)):
        graph_name: _OxGraphName = (
            ox.DefaultGraph() if g is None or g == DATASET_DEFAULT_GRAPH_ID else _graph_name(g)
        )
        subject = to_ox(s)
        if isinstance(subject, ox.Literal):
            raise TypeError(f"a literal cannot be a subject: {s!r}")
        quads.append(ox.Quad(subject, ox.NamedNode(str(p)), to_ox(o), graph_name))
    return quads


def _graph_name(g: object) -> ox.NamedNode | ox.BlankNode:
    identifier = g.identifier if isinstance(g, rdflib.Graph) else g
    term = to_ox(identifier)
    if isinstance(term, ox.Literal):
        raise TypeError(f"a literal cannot name a graph: {identifier!r}")
    return term


def to_ox(term: object) -> _OxTerm:
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term kg can write: {term!r}")


def from_ox(term: object) -> rdflib.term.Identifier:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype in (_XSD_STRING, _RDF_LANGSTRING):
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype))
    raise ValueError(f"unsupported RDF term {term!r}")


def _canonical(quads: list[ox.Quad]) -> list[ox.Quad]:
    """The quads with blank nodes relabelled canonically, so their labels depend only on the graph."""
    if not any(
        isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in quads
    ) and not any(isinstance(q.graph_name, ox.BlankNode) for q in quads):
        return list(dict.fromkeys(quads))
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return list(dataset)


def _sorted(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """Sorted by graph (default first), subject, predicate (rdf:type first), object; duplicates dropped."""

    def key(q: ox.Quad) -> tuple[str, str, bool, str, str]:
        graph = "" if isinstance(q.graph_name, ox.DefaultGraph) else str(q.graph_name)
        return (graph, str(q.subject), q.predicate != _RDF_TYPE, str(q.predicate), str(q.object))

    return sorted(set(quads), key=key)


def _prefixes(ds: rdflib.Dataset, quads: list[ox.Quad]) -> dict[str, str]:
    """The fixed prefixes, and any other prefix bound on the dataset that the data uses."""
    prefixes = dict(PREFIXES)
    bound = {(prefix, str(ns)) for prefix, ns in ds.namespace_manager.namespaces()}
    defaults = {(prefix, str(ns)) for prefix, ns in rdflib.Graph().namespace_manager.namespaces()}
    extra = sorted(
        (prefix, ns)
        for prefix, ns in bound - defaults
        if prefix and prefix not in prefixes and ns not in prefixes.values()
    )
    if extra:
        iris = {
            term.value
            for q in quads
            for term in (q.subject, q.predicate, q.object, q.graph_name)
            if isinstance(term, ox.NamedNode)
        }
        iris |= {q.object.datatype.value for q in quads if isinstance(q.object, ox.Literal)}
        for prefix, ns in extra:
            if any(iri.startswith(ns) for iri in iris):
                prefixes[prefix] = ns
    return prefixes


def _ox_serialize(statements: list[ox.Quad] | list[ox.Triple], fmt: Format) -> bytes:
    """Canonical N-Triples or N-Quads, one statement a line, the lines sorted (so `sort` and `diff` agree)."""
    data = ox.serialize(statements, format=_OX_FORMATS[fmt])
    assert data is not None  # no output stream was given, so Oxigraph returns the bytes
    return b"".join(sorted(data.splitlines(keepends=True)))


#: Characters XML 1.0 cannot hold, even escaped (C0 controls but tab and line ends, U+FFFE, U+FFFF, surrogates).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NAME_START = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d\u2070-\u218f"
    "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
#: What an IRI must end in to be written as an XML element's name (its local part, as Oxigraph splits it).
_XML_NAME_END = re.compile(f"[{_NAME_START}][{_NAME_START}\\-.0-9\u00b7\u0300-\u036f\u203f\u2040]*\\Z")


def _rdfxml(triples: list[ox.Quad], prefixes: dict[str, str]) -> bytes:
    """RDF/XML by Oxigraph's serializer, fed the sorted statements (so each subject is one element, in order).

    Literals lose what XML 1.0 cannot hold (U+FFFD instead), and a carriage return is written as a reference,
    which an XML parser would otherwise read as a line feed."""
    statements = []
    for q in triples:
        named = [("property", q.predicate)] + ([("class", q.object)] if q.predicate == _RDF_TYPE else [])
        for what, term in named:
            if isinstance(term, ox.NamedNode) and not _XML_NAME_END.search(term.value):
                raise InputError(
                    f"RDF/XML cannot name the {what} <{term.value}> (XML wants a name at its end: a "
                    "letter or _, then letters, digits, -, . or _): use another format"
                )
        obj = q.object
        if isinstance(obj, ox.Literal) and _NOT_XML.search(obj.value):
            value = _NOT_XML.sub("\ufffd", obj.value)
            obj = (
                ox.Literal(value, language=obj.language)
                if obj.language
                else ox.Literal(value, datatype=obj.datatype)
            )
        statements.append(ox.Triple(q.subject, q.predicate, obj))
    data = ox.serialize(statements, format=ox.RdfFormat.RDF_XML, prefixes=prefixes)
    assert data is not None  # no output stream was given, so Oxigraph returns the bytes
    return data.replace(b"\r", b"&#13;") + b"\n"


def _rdflib_graph(
    quads: Iterable[ox.Quad], prefixes: dict[str, str], identifier: rdflib.term.IdentifiedNode
) -> rdflib.Graph:
    """A plain RDFLib graph holding the quads' triples, added in the order given (its iteration order)."""
    graph = rdflib.Graph(identifier=identifier, bind_namespaces="none")
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    for q in quads:
        graph.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
    return graph


def _jsonld(graph: rdflib.Graph, prefixes: dict[str, str]) -> bytes:
    """Compacted JSON-LD with the prefixes as context, its nodes and values put in a fixed order.

    RDFLib's JSON-LD serializer visits subjects in set order, which changes from run to run; the nodes are
    re-sorted by "@id" and each property's values by their JSON text ("@list" contents keep their order).
    """
    text = graph.serialize(format="json-ld", context=dict(sorted(prefixes.items())), indent=2)
    document = json.loads(text)
    nodes = document.get("@graph", [document]) if isinstance(document, dict) else document
    for node in nodes:
        for key, value in node.items():
            if isinstance(value, list):
                node[key] = sorted(value, key=_json_key)
    nodes.sort(key=lambda node: (node.get("@id", ""), _json_key(node)))
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _json_key(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _trig(quads: list[ox.Quad], prefixes: dict[str, str]) -> bytes:
    """TriG by RDFLib's serializer, fed plain graphs in sorted order.

    RDFLib's `Dataset.serialize` would walk the graphs in the store's (hash) order, and warns about its own
    deprecated calls; handing the serializer the graphs ourselves keeps the output in one order.
    """
    graphs: dict[str, list[ox.Quad]] = {}
    for q in quads:  # sorted, so the default graph comes first and the rest by name
        key = "" if isinstance(q.graph_name, ox.DefaultGraph) else str(q.graph_name)
        graphs.setdefault(key, []).append(q)
    contexts = []
    for key, members in graphs.items():
        identifier = DATASET_DEFAULT_GRAPH_ID if not key else _graph_identifier(members[0].graph_name)
        contexts.append(_rdflib_graph(members, prefixes, identifier))
    everything = _rdflib_graph(quads, prefixes, DATASET_DEFAULT_GRAPH_ID)
    serializer = TrigSerializer(everything)
    serializer.contexts = contexts
    serializer.default_context = DATASET_DEFAULT_GRAPH_ID
    stream = io.BytesIO()
    serializer.serialize(stream, encoding="utf-8")
    return stream.getvalue()


def _graph_identifier(name: _OxGraphName) -> rdflib.term.IdentifiedNode:
    if isinstance(name, ox.NamedNode):
        return rdflib.URIRef(name.value)
    if isinstance(name, ox.BlankNode):
        return rdflib.BNode(name.value)
    return DATASET_DEFAULT_GRAPH_ID


def _mode_for(path: Path) -> int:
    """The permissions the new file gets: those of the file it replaces, else what the umask allows."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable where the system allows opening a folder."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _one_line(text: str) -> str:
    return " ".join(text.split())


__all__ = [
    "Format",
    "format_for",
    "from_ox",
    "quads_of",
    "read_graph",
    "serialize",
    "serialize_triples",
    "to_ox",
    "union_graph",
    "write_bytes_atomically",
]

"""Property tests (Hypothesis): arbitrary Unicode names and sentences through IRI minting, literals and every export.

Names and sentences are drawn from any Unicode text, weighted towards what breaks serialisers: quotes,
backslashes, line ends, the characters IRIs may not hold (space ``<>"{}|^`` and the backquote), right-to-left
marks and overrides, zero-width characters, emoji (ZWJ sequences too), combining marks, compatibility forms,
control characters a PDF leaves in text (form feed), and strings up to 5,000 characters long.

- Every IRI kg mints (`entity_iri`, `document_iri`, `evidence_iri`) is a valid IRI (Oxigraph accepts it) with none
  of space ``<>"{}|^`\\`` nor a control character in it; the same input always gives the same IRI; and two names
  give the same IRI only when they are the same name up to case and runs of spaces and punctuation (the readable
  slug kg matches entities by), never when a character was lost on the way.
- A graph holding such names and sentences as labels, other names, titles and quotes (built by
  `kg.graph.rdfmap.document_quads` and `registry_quads`, as the store builds it) is written by `kg.graph.files.serialize`
  in every RDF format and parses back with Oxigraph to exactly the same quads (Turtle, N-Triples and JSON-LD: the
  same triples, the union); GraphML reads back with networkx and CSV with `csv` with the same labels and quotes
  (in CSV, a cell a spreadsheet would run as a formula has a single quote in front, and no cell starts a formula).
- A real document made of such sentences goes through the whole pipeline and round-trips the same way.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
from helpers import FORMULA_START, from_spreadsheet
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kg.graph.files import Format, quads_of, serialize
from kg.graph.rdfmap import document_iri, document_quads, entity_iri, evidence_iri, registry_quads, slug
from kg.graph.sparql import store_from_dataset
from kg.model import Document, Entity, Evidence, Extraction, Relation
from kg.ontology.lexicon import load_lexicon
from kg.outputs.tables import csv_tables, graphml

KGI = "https://w3id.org/kg/id/"
KG = "https://w3id.org/kg/ontology#"
RDF_FORMATS = {
    Format.TURTLE: ox.RdfFormat.TURTLE,
    Format.NTRIPLES: ox.RdfFormat.N_TRIPLES,
    Format.TRIG: ox.RdfFormat.TRIG,
    Format.NQUADS: ox.RdfFormat.N_QUADS,
    Format.JSONLD: ox.RdfFormat.JSON_LD,
    Format.RDFXML: ox.RdfFormat.RDF_XML,
}
assert set(RDF_FORMATS) == {f for f in Format if f.is_rdf}  # a new format must join these tests
CLASSES = [
    "Person",
    "Organization",
    "Agency",
    "PoliticalParty",
    "Programme",
    "Inquiry",
    "Incident",
    "Place",
    "Post",
]

#: The characters that break serialisers and IRIs, and the text around them.
HOSTILE = [
    '"',
    "'",
    "\\",
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\x0c",  # form feed: pdftotext's page break
    "\x0b",
    "\x01",
    "\x7f",
    "\x85",
    " ",
    "\u00a0",
    "<",
    ">",
    "{",
    "}",
    "|",
    "^",
    "`",
    "%",
    "#",
    "?",
    "&",
    "/",
    ":",
    "@",
    "=",
    "+",
    "'=",
    '=HYPERLINK("http://127.0.0.1/","x")',
    "_:",
    '"""',
    "\\u0041",
    "<script>alert(1)</script>",
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\ufeff",
    "\u0301",  # combining acute
    "\u0308",
    "e\u0301",
    "\u00e9",
    "\u00df",
    "\u0130",  # İ: lower() makes it two characters
    "\ufb01",  # ﬁ ligature
    "\u212a",  # Kelvin sign: NFKD gives K
    "\u216b",  # Ⅻ
    "\u0639\u0644\u064a",  # Arabic
    "\u4e2d\u6587",
    "\U0001f600",  # emoji
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",  # family: a ZWJ sequence
    "\U0001f1ec\U0001f1e7",  # flag
    "\ufffd",
    "\uffff",
]
#: Any Unicode text but surrogates and NUL (a document with either is refused before it gets this far).
_ANY = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
_PIECES = st.one_of(
    st.sampled_from([*HOSTILE, " =", "\xa0@"]),  # and formulas after spaces, for the CSV tables
    _ANY,
    st.sampled_from(list("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 -")),
)
short_text = st.lists(_PIECES, min_size=1, max_size=30).map("".join)
long_text = st.builds(
    lambda piece, n, tail: (piece * n)[:5000] + tail,
    short_text,
    st.integers(min_value=1, max_value=5000),
    short_text,
)
#: A name or a sentence: mostly short, sometimes up to 5,000 characters.
texts = st.one_of(short_text, short_text, short_text, long_text)
#: Text that is not blank, as a document's name, title or quote would be.
names = texts.filter(lambda s: s.strip() != "")

FORBIDDEN_IN_IRI = set(' <>"{}|^`\\')


def check_iri(iri: str) -> None:
    """A valid IRI: Oxigraph accepts it, and it holds no space, no ``<>"{}|^`\\`` and no control character."""
    if iri.startswith(f"{KGI}document/"):
        check_document_iri(iri)
        return
    ox.NamedNode(iri)  # raises ValueError for an invalid IRI
    assert not FORBIDDEN_IN_IRI & set(iri), iri
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in iri), iri
    assert re.fullmatch(r"https://w3id\.org/kg/id/[a-z]+/[a-z0-9]+(-[a-z0-9]+)*", iri), iri
    rdflib.URIRef(iri)  # and RDFLib takes it without a warning about an invalid IRI


def check_document_iri(iri: str) -> None:
    """A valid document IRI: its name percent-encoded, "/" kept between folders, no "." or ".." segment."""
    ox.NamedNode(iri)
    assert re.fullmatch(r"https://w3id\.org/kg/id/document/[A-Za-z0-9._~%/-]*", iri), iri
    assert not {".", ".."} & set(iri.split("/")), iri
    rdflib.URIRef(iri)


def readable(name: str) -> str:
    """The name as kg's readable slug spells it: lower case, every run of other characters one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# ---------------------------------------------------------------------------------------------- IRIs

PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(cls=st.sampled_from(CLASSES), name=texts)
def test_entity_and_document_iris_are_valid_and_deterministic(cls: str, name: str) -> None:
    iri = str(entity_iri(cls, name))
    check_iri(iri)
    assert iri.startswith(f"{KGI}{load_lexicon().family(cls).lower()}/")
    assert str(entity_iri(cls, name)) == iri
    assert len(iri) < 150  # long names are cut, and keep a hash of the whole
    doc = str(document_iri(name))
    check_document_iri(doc)
    assert doc.startswith(f"{KGI}document/")
    assert str(document_iri(name)) == doc


@PROPERTY_SETTINGS
@given(cls=st.sampled_from(CLASSES), a=texts, b=texts)
def test_distinct_names_give_distinct_iris(cls: str, a: str, b: str) -> None:
    assume(a != b)
    assert document_iri(a) != document_iri(b)  # a document's IRI is lossless: its name, percent-encoded
    if entity_iri(cls, a) == entity_iri(cls, b):
        # Only names that are the same up to case and punctuation share an IRI, and then both are readable
        # (no character was lost on the way): "David Amess" and "david-amess".
        assert readable(a) == readable(b) == slug(a), (a, b)


WORDS = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=20
)


@PROPERTY_SETTINGS
@given(
    cls=st.sampled_from(CLASSES),
    before=WORDS,
    after=WORDS,
    mark=st.sampled_from(
        HOSTILE[HOSTILE.index("\u200f") :]
    ),  # the invisible marks, emoji and combining marks
    space=st.sampled_from(["", " ", "-"]),
)
def test_a_character_slipped_into_a_name_changes_its_iri(
    cls: str, before: str, after: str, mark: str, space: str
) -> None:
    """A right-to-left mark, a zero-width space, an emoji or a combining mark slipped into a name makes another
    name: "Ali\u200fAbbas" is not "AliAbbas", nor "Ali Abbas"."""
    name = before + space + after
    other = before + mark + after
    assert entity_iri(cls, other) != entity_iri(cls, name), (name, other)
    assert document_iri(other) != document_iri(name)


def test_iris_of_plain_names_read_as_the_names() -> None:
    assert str(entity_iri("Person", "David Amess")) == f"{KGI}person/david-amess"
    assert (
        str(entity_iri("Agency", "Counter Terrorism Policing"))
        == f"{KGI}organization/counter-terrorism-policing"
    )
    assert str(document_iri("seeds/review.txt")) == f"{KGI}document/seeds/review.txt"
    assert str(document_iri("news/Report one.txt")) == f"{KGI}document/news/Report%20one.txt"
    assert str(document_iri("/data/caf%E9.txt")) == f"{KGI}document/%2Fdata/caf%25E9.txt"
    # a lossy name keeps its readable part and gets a hash, so "Renée" and "Renee" stay apart
    assert str(entity_iri("Person", "Renée")).startswith(f"{KGI}person/renee-")
    assert entity_iri("Person", "Renée") != entity_iri("Person", "Renee")
    assert entity_iri("Person", "Ali\u200fAbbas") != entity_iri("Person", "AliAbbas")


@PROPERTY_SETTINGS
@given(
    doc=names,
    labels=st.lists(texts, min_size=3, max_size=3, unique=True),
    start=st.integers(0, 10**6),
    length=st.integers(1, 1000),
)
def test_evidence_iris_are_valid_deterministic_and_distinct(
    doc: str, labels: list[str], start: int, length: int
) -> None:
    s, o, other = (entity_iri("Person", x) for x in labels)
    p = rdflib.URIRef(f"{KG}perpetrator")
    iri = evidence_iri(doc, s, p, o, start, start + length)
    check_iri(str(iri))
    assert evidence_iri(doc, s, p, o, start, start + length) == iri
    variants = {
        evidence_iri(doc + "x", s, p, o, start, start + length),
        evidence_iri(doc, s, p, other, start, start + length),
        evidence_iri(doc, s, rdflib.URIRef(f"{KG}victim"), o, start, start + length),
        evidence_iri(doc, s, p, o, start + 1, start + length),
        evidence_iri(doc, s, p, o, start, start + length + 1),
        evidence_iri(
            doc, s, p, rdflib.Literal("2021-10-15", datatype=rdflib.XSD.date), start, start + length
        ),
    }
    if o != other:
        assert iri not in variants
        assert len(variants) == 6


# ---------------------------------------------------------------------------------------------- exports


def dataset_of(quads: list[ox.Quad]) -> rdflib.Dataset:
    """The quads as the store hands them to the exporters (`Store.dataset`)."""

    def term(t: ox.NamedNode | ox.Literal) -> rdflib.term.Identifier:
        if isinstance(t, ox.NamedNode):
            return rdflib.URIRef(t.value)
        if t.language:
            return rdflib.Literal(t.value, lang=t.language)
        if t.datatype.value == str(rdflib.XSD.string):
            return rdflib.Literal(t.value)
        return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))

    ds = rdflib.Dataset()
    for q in quads:
        assert isinstance(q.graph_name, ox.NamedNode)
        ds.graph(rdflib.URIRef(q.graph_name.value)).add((term(q.subject), term(q.predicate), term(q.object)))  # type: ignore[arg-type]
    return ds


@st.composite
def graphs(draw: st.DrawFn) -> tuple[list[ox.Quad], dict[str, str], dict[str, set[str]], set[str]]:
    """A document graph and its registry entries with hostile names and sentences: (quads, label by entity IRI,
    other names by entity IRI, quotes)."""
    name = draw(names)
    title = draw(st.one_of(st.none(), names))
    text = draw(names)
    doc = Document(path=Path("corpus") / name, name=name, text=text, sha256="ab" * 32, title=title)
    n = draw(st.integers(2, 4))
    labels = draw(
        st.lists(names, min_size=n, max_size=n, unique_by=readable).filter(
            lambda ls: "" not in map(readable, ls)
        )
    )
    entities: dict[str, Entity] = {}
    iris: dict[str, str] = {}
    for i, label in enumerate(labels):
        cls = CLASSES[draw(st.integers(0, len(CLASSES) - 1))]
        alt = set(draw(st.lists(names, max_size=3)))
        entities[f"e{i}"] = Entity(key=f"e{i}", cls=cls, label=label, alt_labels=alt | {label})
        iris[f"e{i}"] = str(entity_iri(cls, label))
    assume(len(set(iris.values())) == n)  # two classes of one family may mint one IRI from one name
    relations = []
    quotes = set()
    for subject, prop, obj in [("e0", "perpetrator", "e1"), ("e1", "place", f"e{n - 1}")]:
        quote = draw(names)
        start = draw(st.integers(0, 10_000))
        quotes.add(quote)
        relations.append(Relation(subject, prop, obj, Evidence(name, start, start + len(quote), quote)))
    ex = Extraction([doc], entities, relations)
    loaded = dt.datetime(2024, 3, 12, 9, 30, tzinfo=dt.UTC)
    quads = document_quads(doc, ex, iris, loaded_at=loaded)
    registry: dict[str, set[str]] = {}
    for key, e in entities.items():
        quads += registry_quads(iris[key], e.label, e.alt_labels)
        registry[iris[key]] = e.alt_labels - {e.label}
    return quads, {iris[k]: e.label for k, e in entities.items()}, registry, quotes


def canonical(quads: set[ox.Quad]) -> list[str]:
    return sorted(str(q) for q in quads)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(graph=graphs())
def test_every_rdf_export_parses_back_to_the_same_graph(
    graph: tuple[list[ox.Quad], dict[str, str], dict[str, set[str]], set[str]],
) -> None:
    quads, _, _, _ = graph
    for q in quads:
        for term in (q.subject, q.predicate, q.object, q.graph_name):
            if isinstance(term, ox.NamedNode):
                check_iri(term.value) if term.value.startswith(KGI) else ox.NamedNode(term.value)
    ds = dataset_of(quads)
    named = set(quads)
    union = {ox.Quad(q.subject, q.predicate, q.object) for q in quads}
    for fmt, ox_format in RDF_FORMATS.items():
        data = serialize(ds, fmt)
        assert serialize(ds, fmt) == data  # deterministic
        parsed = set(ox.parse(data, format=ox_format))
        expected = named if fmt.keeps_named_graphs else union
        if fmt is Format.RDFXML:
            expected = {xml_literal(q) for q in expected}
        assert canonical(parsed) == canonical(expected), fmt


def xml_text(text: str) -> str:
    """What GraphML gives back for `text`: characters XML 1.0 cannot hold as U+FFFD. Line ends come back as
    written: networkx writes through lxml (a dependency of the web-page reader), which writes "\\r" as "&#13;"."""
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "\ufffd", text)


def xml_literal(q: ox.Quad) -> ox.Quad:
    """What RDF/XML gives back of a statement: its literal's characters XML 1.0 cannot hold as U+FFFD."""
    o = q.object
    if isinstance(o, ox.Literal) and xml_text(o.value) != o.value:
        value = xml_text(o.value)
        o = ox.Literal(value, language=o.language) if o.language else ox.Literal(value, datatype=o.datatype)
    return ox.Quad(q.subject, q.predicate, o, q.graph_name)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(graph=graphs())
def test_graphml_and_csv_read_back_with_the_same_labels_and_quotes(
    graph: tuple[list[ox.Quad], dict[str, str], dict[str, set[str]], set[str]],
) -> None:
    quads, labels, others, quotes = graph
    # what `write_graph` writes for .graphml and .csv, without its fsync'd file writes (slow, and tested elsewhere)
    store = store_from_dataset(iter(quads_of(dataset_of(quads))))
    network = nx.read_graphml(io.BytesIO(graphml(store)))
    entities, relations = csv_tables(store)
    entity_rows = list(csv.DictReader(io.StringIO(entities.decode("utf-8"), newline="")))
    relation_rows = list(csv.DictReader(io.StringIO(relations.decode("utf-8"), newline="")))
    assert {n: d["label"] for n, d in network.nodes(data=True)} == {
        i: xml_text(label) for i, label in labels.items()
    }
    assert {n: d["aliases"] for n, d in network.nodes(data=True)} == {
        i: xml_text("; ".join(sorted(names))) for i, names in others.items()
    }
    assert {d["evidence"] for _, _, d in network.edges(data=True)} <= {xml_text(q) for q in quotes}
    assert len(network.edges) == 2
    # CSV carries any text exactly, but that no cell starts a formula: one that would has a quote in front
    cells = [cell for row in entity_rows + relation_rows for cell in row.values()]
    assert not [cell for cell in cells if FORMULA_START.match(cell)]
    assert {r["iri"]: from_spreadsheet(r["label"]) for r in entity_rows} == labels
    assert {from_spreadsheet(r["quote"]) for r in relation_rows} == quotes


# ---------------------------------------------------------------------------------------------- a real document

PEOPLE = ["Tom Ashdown", "Clara Venn", "Nadia Okafor", "Gareth Mullins", "Ruth Pellow"]


@pytest.fixture(scope="module")
def pipeline() -> Callable[[list[Document]], rdflib.Dataset]:
    """`kg.build_graph`, with spaCy loaded once."""
    import kg

    kg.build_graph([Document(Path("warm.txt"), "warm.txt", "Tom Ashdown met Clara Venn.\n", "0" * 64)])
    return kg.build_graph


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    file_name=names,
    junk=st.lists(short_text, min_size=3, max_size=3),
    who=st.permutations(PEOPLE),
)
def test_a_document_full_of_hostile_text_round_trips_through_the_pipeline(
    pipeline: Callable[[list[Document]], rdflib.Dataset], file_name: str, junk: list[str], who: list[str]
) -> None:
    from kg.text.read import decode_text

    raw = (
        f"Minutes {junk[0]}\n\n{who[0]} met {who[1]} in Kettering. {junk[1]}\n"
        f"Home Secretary {who[2]} commissioned the Harrow Review. {junk[2]}\n"
    )
    text = decode_text(raw.encode("utf-8"), source=file_name)
    doc = Document(Path(file_name), file_name, text, "cd" * 32, title=text.splitlines()[0][:200])
    ds = pipeline([doc])
    quads = set()
    for s, p, o, g in ds.quads((None, None, None, None)):
        subject, predicate = ox_term(s), ox_term(p)
        assert not isinstance(subject, ox.Literal) and isinstance(predicate, ox.NamedNode)
        quads.add(ox.Quad(subject, predicate, ox_term(o), ox_graph(g)))
    assert quads
    for fmt, ox_format in RDF_FORMATS.items():
        parsed = set(ox.parse(serialize(ds, fmt), format=ox_format))
        expected = (
            quads if fmt.keeps_named_graphs else {ox.Quad(q.subject, q.predicate, q.object) for q in quads}
        )
        if fmt is Format.RDFXML:
            expected = {xml_literal(q) for q in expected}
        assert canonical(parsed) == canonical(expected), fmt
    for q in quads:
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(KGI):
            check_iri(q.subject.value)
    quotes = {
        q.object.value
        for q in quads
        if q.predicate.value == f"{KG}quote" and isinstance(q.object, ox.Literal)
    }
    assert quotes  # the relations were read, with their sentences
    assert all(quote in text for quote in quotes)  # quotes are the document's own text, kept exactly


def ox_term(t: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(t, rdflib.URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, rdflib.BNode):
        return ox.BlankNode(str(t))
    assert isinstance(t, rdflib.Literal)
    if t.language:
        return ox.Literal(str(t), language=t.language)
    return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype or rdflib.XSD.string)))


def ox_graph(g: object) -> ox.NamedNode | ox.DefaultGraph:
    identifier = getattr(g, "identifier", g)
    if isinstance(identifier, rdflib.URIRef) and not str(identifier).startswith("urn:x-rdflib:default"):
        return ox.NamedNode(str(identifier))
    return ox.DefaultGraph()

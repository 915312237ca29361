"""The persistent store (`kg.graph.store.Store`) on disk: named graphs per document, increments, identity, the registry.

Real parts only: the spaCy pipeline reads small invented documents, and the store is a real Oxigraph database in
`tmp_path`. After every step the union must hold exactly one `rdfs:label` per entity and conform to the shapes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers import FIRST, LAST

from kg.graph.files import Format, serialize, union_graph
from kg.graph.rdfmap import ENTITIES_GRAPH, document_iri
from kg.graph.shacl import validate
from kg.graph.store import Store, StoreError
from kg.model import Document
from kg.pipeline import add_documents
from kg.text.read import read_documents

KG = "https://w3id.org/kg/ontology#"
ID = "https://w3id.org/kg/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
DCTERMS_TITLE = "http://purl.org/dc/terms/title"
PROV_GENERATED = "http://www.w3.org/ns/prov#generatedAtTime"
XSD = "http://www.w3.org/2001/XMLSchema#"

# Invented documents. Tom Ashdown is named in full ("Tom Edward Ashdown") only in a.txt, so his label depends on
# which documents are in the store; the Kettering Trust membership of Clara Venn is stated by b.txt and d.txt.
TEXTS = {
    "a.txt": (
        "Harrow Review published\n12 March 2024\n\n"
        "Home Secretary Tom Edward Ashdown commissioned the Harrow Review. "
        "Tom Edward Ashdown met Clara Venn in Kettering.\n"
    ),
    "b.txt": (
        "Clara Venn, a member of the Kettering Trust, was appointed Chief Inspector. "
        "Tom Ashdown praised Clara Venn in Corby.\n"
    ),
    "d.txt": (
        "Nadia Okafor, a member of the Kettering Trust, said the Harrow Review was late. "
        "Clara Venn, a member of the Kettering Trust, agreed.\n"
    ),
}
B_CHANGED = (
    "Tom Ashdown met Gareth Mullins in Wellingborough. Gareth Mullins was appointed Chief Constable.\n"
)

TOM = f"{ID}person/tom-ashdown"
CLARA = f"{ID}person/clara-venn"
TRUST = f"{ID}organization/kettering-trust"
CORBY = f"{ID}place/corby"
CHIEF_INSPECTOR = f"{ID}post/chief-inspector"
NADIA = f"{ID}person/nadia-okafor"
REVIEW = f"{ID}inquiry/harrow-review"
REGISTRY = str(ENTITIES_GRAPH)

Triple = tuple[str, str, str]


def doc_iri(name: str) -> str:
    return str(document_iri(name))


def write_docs(folder: Path, texts: dict[str, str]) -> dict[str, Document]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(folder / name)
    return {d.name: d for d in read_documents(paths, base=folder)}  # named as in the folder: "a.txt"


def write_file(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def docs(tmp_path: Path) -> dict[str, Document]:
    return write_docs(tmp_path / "docs", TEXTS)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "store", wait=5) as s:
        yield s


def term(t: object) -> str:
    """A term as a plain string: an IRI, or a literal's lexical form with its datatype when not xsd:string."""
    if isinstance(t, ox.Literal):
        dtype = t.datatype.value
        return t.value if dtype == f"{XSD}string" else f"{t.value}^^{dtype}"
    assert isinstance(t, ox.NamedNode | ox.BlankNode), t
    return t.value


def graphs(store: Store, *, load_times: bool = True) -> dict[str, set[Triple]]:
    """Every named graph of the store, as sets of (subject, predicate, object) strings."""
    out: dict[str, set[Triple]] = defaultdict(set)
    for q in store.quads():
        assert isinstance(q.graph_name, ox.NamedNode), f"a triple outside the named graphs: {q}"
        if not load_times and q.predicate.value == PROV_GENERATED:
            continue
        out[q.graph_name.value].add((term(q.subject), term(q.predicate), term(q.object)))
    return dict(out)


def as_value(q: ox.Quad) -> tuple[str, ...]:
    """A quad as strings, with a load time read as the instant it names ("...Z" and "...+00:00" are equal)."""
    o = term(q.object)
    if q.predicate.value == PROV_GENERATED:
        o = dt.datetime.fromisoformat(o.partition("^^")[0]).isoformat()
    return (term(q.subject), q.predicate.value, o, q.graph_name.value)


def union(store: Store) -> set[Triple]:
    return {t for g in graphs(store).values() for t in g}


def mentioned(store: Store) -> set[str]:
    """The entities some document graph says it mentions."""
    return {
        s for g, ts in graphs(store).items() if g != REGISTRY for s, p, o in ts if p == f"{KG}mentionedIn"
    }


def labels(store: Store) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for s, p, o in sorted(union(store)):
        if p == RDFS_LABEL:
            out[s].append(o)
    return dict(out)


def iri_everywhere(store: Store, iri: str) -> list[ox.Quad]:
    """Every quad that names `iri`, in any position."""
    return [q for q in store.quads() if iri in (term(q.subject), term(q.object), q.graph_name.value)]


def check(store: Store) -> None:
    """What must hold after every step: one label per entity mentioned, a registry of exactly the entities
    mentioned, and a union that conforms to the shapes."""
    entities, by_entity = mentioned(store), labels(store)
    assert set(by_entity) == entities
    assert all(len(ls) == 1 for ls in by_entity.values()), by_entity
    registry = graphs(store).get(REGISTRY, set())
    assert {s for s, _, _ in registry} == entities
    assert {p for _, p, _ in registry} <= {RDFS_LABEL, SKOS_ALT}
    for g, ts in graphs(store).items():
        if g != REGISTRY:
            assert not any(p == RDFS_LABEL for _, p, _ in ts), f"a label in the graph of {g}"
    result = validate(union_graph(store.dataset()))
    assert result.conforms, result.report


def entity_iris(store: Store) -> dict[str, str]:
    """Each entity's label → its IRI."""
    return {ls[0]: iri for iri, ls in labels(store).items()}


def export(store: Store, fmt: Format = Format.TRIG) -> bytes:
    return serialize(store.dataset(), fmt)


# ---------------------------------------------------------------------------------------------- provenance


def test_each_document_gets_a_named_graph_with_its_metadata(
    tmp_path: Path, store: Store, docs: dict[str, Document]
) -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    results = add_documents(store, [docs["a.txt"], docs["b.txt"]])
    after = dt.datetime.now(dt.UTC)
    assert [(r.name, r.status) for r in results] == [("a.txt", "added"), ("b.txt", "added")]
    gs = graphs(store)
    assert set(gs) == {doc_iri("a.txt"), doc_iri("b.txt"), REGISTRY}
    for name, title, date in [
        ("a.txt", "Harrow Review published", f"2024-03-12^^{XSD}date"),
        ("b.txt", TEXTS["b.txt"].strip(), None),
    ]:
        d = doc_iri(name)
        meta = {(p, o) for s, p, o in gs[d] if s == d}
        file = tmp_path / "docs" / name
        sha = hashlib.sha256(file.read_bytes()).hexdigest()
        loaded = [o for p, o in meta if p == PROV_GENERATED]
        assert len(loaded) == 1
        value, _, dtype = loaded[0].partition("^^")
        assert dtype == f"{XSD}dateTime"
        assert before <= dt.datetime.fromisoformat(value) <= after
        expected = {
            (RDF_TYPE, f"{KG}Document"),
            (DCTERMS_TITLE, title),
            (f"{KG}sourcePath", name),  # the name: its path from the folder it was read from
            (f"{KG}sha256", sha),
            (f"{KG}text", file.read_text(encoding="utf-8")),  # the text every offset points into
            (PROV_GENERATED, loaded[0]),
        }
        if date is not None:
            expected.add((f"{KG}documentDate", date))
        assert meta == expected
    # each graph holds the facts read from its own document; Tom's IRI comes from a.txt, added first
    a, b = gs[doc_iri("a.txt")], gs[doc_iri("b.txt")]
    tom = f"{ID}person/tom-edward-ashdown"
    assert (tom, f"{KG}holdsPost", f"{ID}post/home-secretary") in a
    assert (tom, f"{KG}mentionedIn", doc_iri("b.txt")) in b
    assert labels(store)[tom] == ["Tom Edward Ashdown"]
    assert (CLARA, f"{KG}memberOf", TRUST) in b
    assert not any(TRUST in (s, o) for s, _, o in a)
    assert (CLARA, f"{KG}mentionedIn", doc_iri("a.txt")) in a
    assert (CLARA, f"{KG}mentionedIn", doc_iri("b.txt")) in b
    # the union is what queries see: Clara is one entity, counted once
    classes, relations = store.counts()
    assert classes["Person"] == 2
    assert relations["memberOf"] == 1
    infos = {i.iri: i for i in store.documents()}
    assert infos[doc_iri("a.txt")].sha256 == docs["a.txt"].sha256
    assert infos[doc_iri("a.txt")].source == "a.txt"  # its name: the path from the folder it was read from
    assert infos[doc_iri("a.txt")].loaded_at is not None
    check(store)


def test_trig_and_nquads_exports_keep_the_named_graphs(store: Store, docs: dict[str, Document]) -> None:
    add_documents(store, list(docs.values()))
    expected = {doc_iri(n) for n in TEXTS} | {REGISTRY}
    for fmt, ox_fmt in [(Format.TRIG, ox.RdfFormat.TRIG), (Format.NQUADS, ox.RdfFormat.N_QUADS)]:
        quads = list(ox.parse(serialize(store.dataset(), fmt), format=ox_fmt))
        assert {q.graph_name.value for q in quads} == expected
        # the same quads; a load time may be written in another lexical form of the same instant
        assert {as_value(q) for q in quads} == {as_value(q) for q in store.quads()}


# ---------------------------------------------------------------------------------------------- increments


def test_readding_an_unchanged_document_changes_nothing(
    tmp_path: Path, store: Store, docs: dict[str, Document]
) -> None:
    add_documents(store, [docs["a.txt"], docs["b.txt"]])
    check(store)
    exports = {fmt: export(store, fmt) for fmt in Format}
    quads = sorted(str(q) for q in store.quads())
    again = write_docs(tmp_path / "docs", {n: TEXTS[n] for n in ("a.txt", "b.txt")})  # read afresh
    results = add_documents(store, [again["b.txt"], again["a.txt"]])
    assert [r.status for r in results] == ["unchanged", "unchanged"]
    assert sorted(str(q) for q in store.quads()) == quads
    assert {fmt: export(store, fmt) for fmt in Format} == exports
    check(store)
    store.close()
    with Store(tmp_path / "store") as reopened:
        assert [r.status for r in add_documents(reopened, [again["a.txt"]])] == ["unchanged"]
        assert export(reopened) == exports[Format.TRIG]


def test_a_changed_document_replaces_its_graph_and_keeps_the_iris_of_entities_still_named(
    tmp_path: Path, store: Store, docs: dict[str, Document]
) -> None:
    add_documents(store, [docs["b.txt"], docs["a.txt"]])
    check(store)
    before = graphs(store)
    assert labels(store)[TOM] == ["Tom Edward Ashdown"]  # the fullest name; the IRI came from b.txt
    changed = write_docs(tmp_path / "docs", {"b.txt": B_CHANGED})["b.txt"]
    [result] = add_documents(store, [changed])
    assert result.status == "replaced"
    check(store)
    b = graphs(store)[doc_iri("b.txt")]
    # old facts gone: b.txt no longer names Clara, the trust, Corby or the post
    assert not any(TRUST in (s, o) or CORBY in (s, o) for s, _, o in b)
    assert (CLARA, f"{KG}mentionedIn", doc_iri("b.txt")) not in b
    for gone in (TRUST, CORBY, CHIEF_INSPECTOR):
        assert iri_everywhere(store, gone) == []
    # Clara is still named by a.txt
    assert labels(store)[CLARA] == ["Clara Venn"]
    # new facts there; Tom keeps the IRI he had
    assert (TOM, f"{KG}mentionedIn", doc_iri("b.txt")) in b
    gareth = f"{ID}person/gareth-mullins"
    assert (gareth, RDF_TYPE, f"{KG}Person") in b
    assert (gareth, f"{KG}holdsPost", f"{ID}post/chief-constable") in b
    assert labels(store)[gareth] == ["Gareth Mullins"]
    meta = {(p, o) for s, p, o in b if s == doc_iri("b.txt")}
    assert (f"{KG}sha256", hashlib.sha256(B_CHANGED.encode()).hexdigest()) in meta
    assert (f"{KG}sha256", docs["b.txt"].sha256) not in meta
    # a.txt was not touched
    assert graphs(store)[doc_iri("a.txt")] == before[doc_iri("a.txt")]


def test_removing_a_document_removes_what_only_it_supported(store: Store, docs: dict[str, Document]) -> None:
    add_documents(store, [docs["b.txt"], docs["a.txt"], docs["d.txt"]])
    check(store)
    iris = entity_iris(store)
    assert store.remove(["b.txt"]) == [doc_iri("b.txt")]
    check(store)
    assert doc_iri("b.txt") not in graphs(store)
    assert [d.iri for d in store.documents()] == [doc_iri("a.txt"), doc_iri("d.txt")]
    # only b.txt named Corby and the Chief Inspector: gone from the registry and everywhere
    for gone in (CORBY, CHIEF_INSPECTOR):
        assert iri_everywhere(store, gone) == []
    # Clara's membership is also stated by d.txt: it stays
    assert (CLARA, f"{KG}memberOf", TRUST) in union(store)
    # entities still mentioned keep their IRIs, and their labels come from the documents left
    assert labels(store)[TOM] == ["Tom Edward Ashdown"]
    assert {k: v for k, v in entity_iris(store).items()} == {
        k: v for k, v in iris.items() if v not in (CORBY, CHIEF_INSPECTOR)
    }

    assert store.remove(["d.txt"]) == [doc_iri("d.txt")]
    check(store)
    assert (CLARA, f"{KG}memberOf", TRUST) not in union(store)
    for gone in (TRUST, NADIA):
        assert iri_everywhere(store, gone) == []
    assert labels(store)[REVIEW] == ["Harrow Review"]
    assert labels(store)[CLARA] == ["Clara Venn"]

    store.remove(["a.txt"])
    check(store)
    assert graphs(store) == {}
    assert store.documents() == []


def test_a_label_falls_back_to_the_names_the_remaining_documents_give(
    store: Store, docs: dict[str, Document]
) -> None:
    add_documents(store, [docs["b.txt"], docs["a.txt"]])
    assert labels(store)[TOM] == ["Tom Edward Ashdown"]
    store.remove([doc_iri("a.txt")])  # by IRI
    check(store)
    assert labels(store)[TOM] == ["Tom Ashdown"]  # the same IRI, named as b.txt names him
    registry = graphs(store)[REGISTRY]
    assert not any(o == "Tom Edward Ashdown" for _, _, o in registry)


def test_iris_are_stable_across_removes_and_readds(store: Store, docs: dict[str, Document]) -> None:
    # load times aside (not recorded here), the store returns to the same bytes
    add_documents(store, [docs["b.txt"], docs["a.txt"], docs["d.txt"]], record_load_time=False)
    check(store)
    iris, first = entity_iris(store), export(store)
    for name in ("b.txt", "a.txt", "d.txt"):
        store.remove([name])
        check(store)
        add_documents(store, [docs[name]], record_load_time=False)
        check(store)
        assert entity_iris(store) == iris, f"after removing and re-adding {name}"
        assert export(store) == first, f"after removing and re-adding {name}"


def test_a_write_that_only_adds_leaves_what_an_update_leaves(
    tmp_path: Path, store: Store, docs: dict[str, Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new document whose entities only gain names goes in as quads, any other write as a SPARQL update: the
    same documents written every time as an update end in the same store."""
    changed = write_docs(tmp_path / "changed", {"b.txt": B_CHANGED})["b.txt"]
    sequence = [changed, docs["a.txt"], docs["b.txt"], docs["d.txt"]]
    ways, adds_only = [], Store._adds_only
    monkeypatch.setattr(Store, "_adds_only", lambda *a: ways.append(adds_only(*a)) or ways[-1])
    add_documents(store, sequence, record_load_time=False)
    check(store)
    assert ways == [True, False, False, True]  # new; Tom's label changes; b.txt replaced; new
    monkeypatch.setattr(Store, "_adds_only", lambda *_: False)
    with Store(tmp_path / "updates") as updates:
        add_documents(updates, sequence, record_load_time=False)
        assert export(updates) == export(store)


def test_removing_an_unknown_document_among_known_ones_removes_nothing(
    store: Store, docs: dict[str, Document]
) -> None:
    from kg.errors import InputError

    add_documents(store, [docs["a.txt"], docs["b.txt"]])
    quads = sorted(str(q) for q in store.quads())
    with pytest.raises(InputError, match=r"no-such\.txt: no such document in the store"):
        store.remove(["a.txt", "no-such.txt"])
    assert sorted(str(q) for q in store.quads()) == quads
    # a document named twice is removed once
    assert store.remove(["b.txt", doc_iri("b.txt")]) == [doc_iri("b.txt")]
    check(store)


# ---------------------------------------------------------------------------------------------- reading


def test_a_read_only_store_sees_the_data(tmp_path: Path, docs: dict[str, Document]) -> None:
    path = tmp_path / "store"
    with Store(path) as writer:
        add_documents(writer, list(docs.values()))
        expected = sorted(str(q) for q in writer.quads())
        trig = export(writer)
        # a reader does not wait for the writer's lock, and sees what is committed
        with Store(path, read_only=True) as reader:
            assert sorted(str(q) for q in reader.quads()) == expected
    with Store(path, read_only=True) as reader:
        assert sorted(str(q) for q in reader.quads()) == expected
        assert export(reader) == trig
        assert [d.iri for d in reader.documents()] == sorted(doc_iri(n) for n in TEXTS)
        check(reader)
        with pytest.raises(StoreError, match="read-only"):
            add_documents(reader, [docs["a.txt"]])
        with pytest.raises(StoreError, match="read-only"):
            reader.remove(["a.txt"])


def test_a_reader_opens_the_store_while_a_writer_flushes_it(tmp_path: Path) -> None:
    # Regression: a read-only open that raced with a writer's flush failed with RocksDB's RuntimeError
    # ("Corruption: ... 000017.sst: No such file or directory"), a traceback from `kg status` or `kg export`.
    path, versions = tmp_path / "store", []
    for i in range(30):  # thirty versions of one document, read one after the other
        versions += read_documents([write_file(tmp_path / "x.txt", f"Tom Ashdown met Clara Venn {i}.\n")])
    with Store(path) as store:
        add_documents(store, versions[:1])
    done, failures = threading.Event(), []

    def writer() -> None:
        try:
            for doc in versions[1:]:
                with Store(path) as store:  # each close flushes the database
                    add_documents(store, [doc])
        except BaseException as e:
            failures.append(e)
        finally:
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    reads = 0
    try:
        while not done.is_set() or reads < 5:
            with Store(path, read_only=True) as reader:
                infos = reader.documents()
                assert len(infos) == 1, infos
                [info] = infos
                assert info.sha256 in {d.sha256 for d in versions}
                reads += 1
    finally:
        thread.join()
    assert failures == []


def test_a_read_only_store_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no kg store here"):
        Store(tmp_path / "nowhere", read_only=True)
    assert not (tmp_path / "nowhere").exists()


# ---------------------------------------------------------------------------------------------- cost

TOWNS = ["Kettering", "Corby", "Wellingborough", "Rushden", "Oundle", "Thrapston", "Brackley", "Towcester"]


def small_text(i: int) -> str:
    p, q = f"{FIRST[i % 12]} {LAST[i % 10]}", f"{FIRST[(i + 5) % 12]} {LAST[(i + 3) % 10]}"
    return (
        f"{p}, a member of the {TOWNS[i % 8]} Trust, met {q} in {TOWNS[(i + 3) % 8]}. "
        f"Home Secretary {q} commissioned the {TOWNS[(i + 1) % 8]} Review.\n"
    )

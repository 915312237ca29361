"""The identity index (kg.graph.identity, ``identity.sqlite`` in the store folder) is derived from the store: kept in
step with it document by document, checked against it, and rebuilt from it, always to the same contents.

Real parts only: documents of the benchmark's generator (sentences of the seed and development documents with
invented people who recur across documents), read by the spaCy pipeline into real Oxigraph stores.
"""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.graph.files import Format, serialize
from kg.graph.identity import TABLES
from kg.graph.store import INDEX_FILE, Store, install
from kg.model import Document
from kg.pipeline import add_documents
from kg.text.read import read_documents

KG = "https://w3id.org/kg/ontology#"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from corpus import Generator, write_corpus  # noqa: E402


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[Document]:
    folder = tmp_path_factory.mktemp("corpus")
    return read_documents(write_corpus(folder, Generator(7).texts(8)))


def rows(folder: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of a store's index file, sorted."""
    conn = sqlite3.connect(folder / INDEX_FILE)
    try:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}")) for t in TABLES}
    finally:
        conn.close()


def rebuilt(folder: Path, scratch: Path) -> dict[str, list[tuple[object, ...]]]:
    """The index a copy of the store builds for itself from its graphs."""
    shutil.copytree(folder, scratch)
    (scratch / INDEX_FILE).unlink()
    with Store(scratch) as s:
        s.index()
    return rows(scratch)


def trig(folder: Path) -> bytes:
    with Store(folder, read_only=True) as s:
        return serialize(s.dataset(), Format.TRIG)


def test_the_kept_index_equals_one_rebuilt_from_the_store(documents: list[Document], tmp_path: Path) -> None:
    with Store(tmp_path / "kept") as s:
        for doc in documents:
            add_documents(s, [doc], record_load_time=False)
    kept = rows(tmp_path / "kept")
    assert kept["documents"] and kept["keys"] and kept["names"]
    assert kept == rebuilt(tmp_path / "kept", tmp_path / "copy")


def test_documents_resolve_alike_with_the_kept_index_and_with_one_rebuilt_before_each_add(
    documents: list[Document], tmp_path: Path
) -> None:
    with Store(tmp_path / "kept") as s:
        for doc in documents:
            add_documents(s, [doc], record_load_time=False)
    for doc in documents:
        (tmp_path / "rebuilt" / INDEX_FILE).unlink(missing_ok=True)
        with Store(tmp_path / "rebuilt") as s:
            add_documents(s, [doc], record_load_time=False)
    with Store(None) as memory:
        add_documents(memory, documents, record_load_time=False)
        in_memory = serialize(memory.dataset(), Format.TRIG)
    assert trig(tmp_path / "kept") == trig(tmp_path / "rebuilt") == in_memory
    # identity across documents was exercised, not only minting: some entities are in several documents
    with Store(tmp_path / "kept", read_only=True) as s:
        mentions = s._db.quads_for_pattern(None, ox.NamedNode(f"{KG}mentionedIn"), None, None)
        documents_of: dict[str, set[str]] = {}
        for q in mentions:
            documents_of.setdefault(q.subject.value, set()).add(q.object.value)  # type: ignore[union-attr]
    assert sum(len(d) > 1 for d in documents_of.values()) >= 5


def test_an_index_of_other_documents_is_not_trusted(documents: list[Document], tmp_path: Path) -> None:
    with Store(tmp_path / "other") as s:
        add_documents(s, documents[:3], record_load_time=False)
    with Store(tmp_path / "store") as s:
        add_documents(s, documents[3:6], record_load_time=False)
    shutil.copy(tmp_path / "other" / INDEX_FILE, tmp_path / "store" / INDEX_FILE)
    with Store(tmp_path / "store") as s:
        add_documents(s, documents[6:], record_load_time=False)
    with Store(tmp_path / "reference") as s:
        add_documents(s, documents[3:], record_load_time=False)
    assert trig(tmp_path / "store") == trig(tmp_path / "reference")
    assert rows(tmp_path / "store") == rows(tmp_path / "reference")


def test_a_sparql_update_drops_the_index_and_the_next_write_rebuilds_it(
    documents: list[Document], tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    with Store(folder) as s:
        add_documents(s, documents[:3], record_load_time=False)
        first = str(s.documents()[0].iri)
        s.update(f"DROP GRAPH <{first}>")
    assert not (folder / INDEX_FILE).exists()
    with Store(folder) as s:
        add_documents(s, documents[3:4], record_load_time=False)
        assert first not in s.index().documents()
    assert rows(folder) == rebuilt(folder, tmp_path / "copy")


def test_a_build_installs_its_own_index(documents: list[Document], tmp_path: Path) -> None:
    target = tmp_path / "store"
    with Store(target) as s:
        add_documents(s, documents[:4], record_load_time=False)
    # the same documents in another order: the same document list, possibly other IRIs
    with Store(tmp_path / "built") as s:
        add_documents(s, list(reversed(documents[:4])), record_load_time=False)
    built = rows(tmp_path / "built")
    install(tmp_path / "built", target)
    assert rows(target) == built == rebuilt(target, tmp_path / "copy")


def test_removes_and_replacements_keep_the_index_equal_to_a_rebuilt_one(
    documents: list[Document], tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    with Store(folder) as s:
        add_documents(s, documents, record_load_time=False)
        s.remove([documents[1].name, documents[4].name])
        changed = documents[2].text.replace(". ", ". Then ", 3)
        changed_file = write_corpus(tmp_path / "changed", [changed], start=2)[0]
        (replacement,) = read_documents([changed_file], base=changed_file.parent)
        replacement = dataclasses.replace(
            replacement, name=documents[2].name
        )  # a new version of the same one
        assert replacement.sha256 != documents[2].sha256
        add_documents(s, [replacement, documents[1]], record_load_time=False)
    assert rows(folder) == rebuilt(folder, tmp_path / "copy")


def test_an_index_of_another_schema_is_rebuilt(documents: list[Document], tmp_path: Path) -> None:
    folder = tmp_path / "store"
    with Store(folder) as s:
        add_documents(s, documents[:2], record_load_time=False)
    expected = rows(folder)
    conn = sqlite3.connect(folder / INDEX_FILE)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("DROP TABLE entity_keys")
    conn.execute("CREATE TABLE entity_keys (something TEXT)")
    conn.commit()
    conn.close()
    with Store(folder) as s:
        add_documents(
            s, documents[:2], record_load_time=False
        )  # unchanged: nothing written, the index is not needed
        add_documents(s, documents[2:3], record_load_time=False)
    with Store(tmp_path / "reference") as s:
        add_documents(s, documents[:3], record_load_time=False)
    assert rows(folder) == rows(tmp_path / "reference")
    assert expected["documents"] == rows(folder)["documents"][:2]


def test_a_damaged_index_file_is_made_again(documents: list[Document], tmp_path: Path) -> None:
    folder = tmp_path / "store"
    with Store(folder) as s:
        add_documents(s, documents[:2], record_load_time=False)
    (folder / INDEX_FILE).write_bytes(b"\x00not a database\xff" * 100)
    with Store(folder) as s:
        add_documents(s, documents[2:3], record_load_time=False)
    with Store(tmp_path / "reference") as s:
        add_documents(s, documents[:3], record_load_time=False)
    assert rows(folder) == rows(tmp_path / "reference")
    assert trig(folder) == trig(tmp_path / "reference")

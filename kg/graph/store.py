"""The persistent store: an Oxigraph database on disk that grows document by document.

Layout of the data:

- one named graph per document (the document's IRI), holding its metadata (title, source path, SHA-256 of its
  text, its own date where it states one, when it was loaded) and every fact read from it: the class of each
  entity it mentions, the names it used (``kg:name``, ``kg:canonicalName``), ``kg:mentionedIn``, the relations
  and their evidence;
- one registry graph (``kgi:graph/entities``) holding each entity's one ``rdfs:label`` and its
  ``skos:altLabel``s, chosen from the names of all the documents that mention it.

Queries see the union. Each change is one Oxigraph transaction: adding a document (or replacing a changed one)
writes its graph and the registry entries of the entities it touches at once, so a process killed at any moment
leaves the store as it was before or after that document. Re-adding an unchanged document (same SHA-256) changes
nothing. Removing a document drops its graph; entities no document mentions any more leave the registry.

Beside the database, ``identity.sqlite`` indexes what the store knows of its entities for matching new documents
(``kg.graph.identity``). It is derived from the store: written in step with it (its own transaction, committed after
the store's), checked against the store's documents before each write, and rebuilt from the store when it
disagrees, so deleting it is always safe.

Beside them, ``root`` records the store's root: the folder its documents are named from (``kg.text.read.
document_name``), as a path from the store folder when the store lies inside it (``..`` for the default ``.kg``),
else absolute. It is written when the store is made: the root given, else the folder kg runs in. A store made
before there was a ``root`` file names documents from the folder that holds it.

Writers take an exclusive lock on ``kg.lock`` in the store folder and wait for one another (up to ``wait``
seconds, then :class:`StoreBusy`); readers open the database read-only and do not wait. A writer that made the
store folder (or folders above it) and fails before writing anything takes them away again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import cast

import pyoxigraph as ox
from rdflib import Dataset
from rdflib import URIRef as RURIRef

from kg.errors import InputError, KgError, plural
from kg.graph.files import from_ox
from kg.graph.identity import SIGNATURE_PROPS, SIGNED_CLASSES, IdentityIndex, Known, choose_label
from kg.graph.rdfmap import (
    ENTITIES_GRAPH,
    ENTITIES_NODE,
    document_iri,
    document_quads,
    entity_iri,
    registry_quads,
)
from kg.model import Document, Extraction
from kg.ontology.lexicon import entity_relations, load_lexicon
from kg.ontology.prefixes import PREFIXES
from kg.ontology.vocab import KG

DEFAULT_STORE = Path(".kg")
LOCK_FILE = "kg.lock"
DATA_DIR = "oxigraph"
READ_ONLY_OPEN_ATTEMPTS = 20  # 50 ms apart
INDEX_FILE = "identity.sqlite"
ROOT_FILE = "root"
FLUSH_EVERY = 50  # documents written between flushes of the database's write buffers


class StoreBusy(KgError):
    """Another kg command holds the store and did not let go in time."""


class StoreError(KgError):
    """The store folder cannot be used: not a kg store, unreadable, or damaged."""


@dataclass(frozen=True)
class DocumentInfo:
    iri: str
    name: str
    source: str
    sha256: str
    loaded_at: str | None
    title: str | None = None  # dcterms:title: the document's own title, or its file name


@dataclass(frozen=True)
class AddResult:
    name: str
    status: str  # "added", "replaced" or "unchanged"
    entities: int = 0
    relations: int = 0


def _n(iri: str | RURIRef) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


class Store:
    """A kg store: on disk at `path`, or in memory when `path` is None (what ``kg build`` uses).

    Use as a context manager; the write lock is held from opening to closing a writable store.
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        read_only: bool = False,
        wait: float = 30.0,
        root: Path | None = None,
    ) -> None:
        self.read_only = read_only
        self.saved = 0  # documents written (by `add`) since it was opened, or since a caller set it to 0
        self._known: dict[str, str] | None = None  # document IRI -> SHA-256, while adding
        self._lock_fd: int | None = None
        self._index: IdentityIndex | None = None
        # the folders this store made, deepest first, and whether it made the database: taken away when the
        # command fails before writing anything
        self._made: list[Path] = []
        self._created = False
        self._wrote = False
        #: the folder its documents are named from (see the module's docstring); for a store made here without
        #: one, the folder that holds it (the kg command gives the folder it runs in)
        default = Path.cwd() if not isinstance(path, Path) else Path(os.path.abspath(path)).parent
        self.root = Path(os.path.abspath(root if root is not None else default))
        if isinstance(path, str):
            # a store on a SPARQL server (kg.graph.remote): the server orders concurrent writers
            from kg.graph.remote import RemoteDB

            self.path = None
            self.location = path
            user, password = store_credentials()
            remote = RemoteDB(path, user=user, password=password)
            self._db = cast(ox.Store, remote)  # it answers the calls the store makes
            return
        self.path = path
        self.location = str(path) if path is not None else "memory"
        if path is None:
            self._db = ox.Store()
            return
        data = path / DATA_DIR
        if read_only:
            check_store(path)
            self.root = recorded_root(path)
            self._db = self._open(lambda: ox.Store.read_only(str(data)))
            return
        if path.exists() and not path.is_dir():
            raise StoreError(f"{path}: not a folder")
        check_store(path, missing_ok=True)
        try:
            deadline = time.monotonic() + wait
            # made again when another command took the store away while this one waited for it
            while self._lock_fd is None:
                made = {*self._made, *_make_folders(path)}
                self._made = sorted(made, key=lambda folder: len(folder.parts), reverse=True)  # deepest first
                # the folder may go again before the lock file is opened in it: then it is made once more
                with contextlib.suppress(FileNotFoundError):
                    self._lock(path / LOCK_FILE, wait, deadline=deadline)
            check_store(path, missing_ok=True)  # again, now that no other writer can be making it
            if not (data / "CURRENT").is_file():
                # under the lock with no database: what kg keeps in this folder from here on is this command's
                self._created = True
                _write_root(path, self.root)  # before the database: a database is never without its root
                self._create(data)
            else:
                recorded = recorded_root(path)
                if root is not None and not _same_folder(recorded, self.root):
                    raise StoreError(other_root(path, recorded, self.root))
                self.root = recorded
        except OSError as e:
            self.close(discard=True)
            raise StoreError(f"{path}: cannot write the store: {_reason(e)}") from None
        except StoreError:
            self.close(discard=True)
            raise
        self._db = self._open(lambda: ox.Store(str(data)))

    def _create(self, data: Path) -> None:
        """Make the database aside and move it into place, so that a process killed while creating a store leaves
        no half-made database for the next command to trip on. Called under the write lock with no database in
        place: a folder left aside by a creation that was killed holds nothing committed, and goes."""
        for left in data.parent.glob(f"{data.name}.new-*"):
            if left.name.removeprefix(f"{data.name}.new-").isdigit():
                shutil.rmtree(left, ignore_errors=True)
        aside = data.with_name(f"{data.name}.new-{os.getpid()}")
        fresh = self._open(lambda: ox.Store(str(aside)))
        fresh.flush()
        del fresh  # closes the database
        os.replace(aside, data)

    def _open(self, opener: Callable[[], ox.Store]) -> ox.Store:
        # A read-only open races with a writer that is flushing or compacting: a file the database lists may be
        # gone by the time it is opened (RocksDB then raises RuntimeError). That passes, so a reader tries again.
        attempts = READ_ONLY_OPEN_ATTEMPTS if self.read_only else 1
        for attempt in range(1, attempts + 1):
            try:
                return opener()
            except (OSError, RuntimeError) as e:
                error = e
                if attempt < attempts:
                    time.sleep(0.05)
        self.close(discard=True)
        raise StoreError(f"{self.path}: cannot open the store: {error}") from None

    def _lock(self, lock_path: Path, wait: float, *, deadline: float | None = None) -> None:
        """Take the lock on `lock_path`, waiting up to `wait` seconds (or until `deadline`, when the caller has
        waited already). When the file was taken away meanwhile (by a command that made the store and failed)
        the lock is not taken, and `_lock_fd` stays None."""
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + wait if deadline is None else deadline
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                try:
                    here = os.stat(lock_path)
                except FileNotFoundError:
                    here = None
                mine = os.fstat(fd)
                if here is None or (here.st_dev, here.st_ino) != (mine.st_dev, mine.st_ino):
                    os.close(fd)
                    return
                self._lock_fd = fd
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise StoreBusy(
                        f"{self.path}: another kg command is writing to this store; gave up after {wait:g} s"
                    ) from None
                time.sleep(0.1)

    def close(self, *, discard: bool = False) -> None:
        """Flush and close the store, and let go of its lock. With `discard`, a store whose database this one made
        and wrote nothing to is taken away, with the folders made for it (under the lock, so no other command sees
        it go); a store another command made meanwhile in a folder this one made is left alone, folder and all."""
        failure: StoreError | None = None
        empty_folders = self._made if discard and not self._wrote else []
        discard = discard and self._created and not self._wrote and self.path is not None
        if (
            getattr(self, "_db", None) is not None
            and self.path is not None
            and not self.read_only
            and not discard
        ):
            try:
                self._flush()
            except StoreError as e:
                failure = e
        self._db = None  # type: ignore[assignment]
        self._close_index()
        if discard and self.path is not None:
            _take_away(self.path, self._made)
        elif empty_folders:
            remove_empty(empty_folders)  # made for a store that was not made: only those still empty go
        self._made = []
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None
        if failure is not None:
            raise StoreError(f"{failure}; {self.saved_note()}") if self.saved else failure

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.close(discard=exc is not None)  # a command that fails before writing leaves no store it made
        except StoreError:
            if exc is None:
                raise  # else the error on its way says more

    # ------------------------------------------------------------------ reading
    def documents(self) -> list[DocumentInfo]:
        q = f"""
            SELECT ?d ?source ?sha ?title ?loaded WHERE {{
              GRAPH ?d {{ ?d a <{KG.Document}> ; <{KG.sha256}> ?sha ; <{KG.sourcePath}> ?source .
                         OPTIONAL {{ ?d <http://www.w3.org/ns/prov#generatedAtTime> ?loaded }}
                         OPTIONAL {{ ?d <http://purl.org/dc/terms/title> ?title }} }}
            }} ORDER BY ?d"""
        out = []
        for row in self._select(q):
            iri = row["d"]
            loaded = row.get("loaded")
            out.append(DocumentInfo(iri, row["source"], row["source"], row["sha"], loaded, row.get("title")))
        return out

    def same_text(self, documents: Sequence[DocumentInfo] | None = None) -> list[list[str]]:
        """The names of documents that hold the same text (the same SHA-256) under two or more names, in groups:
        each sorted, the groups by their first name."""
        by_sha: dict[str, list[str]] = {}
        for d in self.documents() if documents is None else documents:
            by_sha.setdefault(d.sha256, []).append(d.name)
        return sorted(sorted(names) for names in by_sha.values() if len(names) > 1)

    def document_shas(self) -> dict[str, str]:
        """Document IRI → SHA-256 of its text, for every document of the store."""
        if not isinstance(self._db, ox.Store):
            return {d.iri: d.sha256 for d in self.documents()}
        sha = ox.NamedNode(str(KG.sha256))
        return {
            q.subject.value: q.object.value
            for q in self._db.quads_for_pattern(None, sha, None, None)
            if q.graph_name == q.subject
            and isinstance(q.subject, ox.NamedNode)
            and isinstance(q.object, ox.Literal)
        }

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Entities per class and relations per property, over the union of all graphs."""
        classes: Counter[str] = Counter()
        q = f"""SELECT ?c (COUNT(DISTINCT ?e) AS ?n) WHERE {{ GRAPH ?g {{ ?e a ?c ; <{KG.mentionedIn}> ?g }} }}
                GROUP BY ?c"""
        for row in self._select(q):
            classes[row["c"].rsplit("#", 1)[-1]] = int(row["n"])
        relations: Counter[str] = Counter()
        props = " ".join(f"<{KG[p]}>" for p in (*entity_relations(), "date"))
        q = f"""SELECT ?p (COUNT(*) AS ?n) WHERE {{
                  SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} VALUES ?p {{ {props} }} }}
                }} GROUP BY ?p"""
        for row in self._select(q):
            relations[row["p"].rsplit("#", 1)[-1]] = int(row["n"])
        return dict(sorted(classes.items())), dict(sorted(relations.items()))

    def quads(self) -> Iterator[ox.Quad]:
        return iter(self._db.quads_for_pattern(None, None, None, None))

    def dataset(self) -> Dataset:
        """The store as an rdflib Dataset, one named graph per document and the registry."""
        ds = Dataset()
        for prefix, ns in PREFIXES.items():
            ds.bind(prefix, ns)
        for q in self.quads():
            g = (
                ds.graph(RURIRef(q.graph_name.value))
                if isinstance(q.graph_name, ox.NamedNode)
                else ds.default_graph
            )
            g.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
        return ds

    def _patterns(self, *predicates: object) -> dict[str, list[ox.Quad]]:
        """The quads of named graphs with each of these predicates: read by index from a local database, and in
        one pass from a server (which sends its whole store whatever the pattern)."""
        nodes = {str(p): ox.NamedNode(str(p)) for p in predicates}
        out: dict[str, list[ox.Quad]] = {p: [] for p in nodes}
        if isinstance(self._db, ox.Store):
            quads: Iterable[ox.Quad] = (
                q for node in nodes.values() for q in self._db.quads_for_pattern(None, node, None, None)
            )
        else:
            quads = self._db.quads_for_pattern(None, None, None, None)
        for q in quads:
            if isinstance(q.graph_name, ox.NamedNode) and q.predicate.value in out:
                out[q.predicate.value].append(q)
        return out

    def _select(self, query: str) -> list[dict[str, str]]:
        """Rows of a SELECT as plain strings (IRIs, lexical forms); unbound variables are left out."""
        result = self._db.query(query)  # GRAPH patterns: the default graph is not needed
        assert isinstance(result, ox.QuerySolutions)
        names = [v.value for v in result.variables]
        rows = []
        for solution in result:
            rows.append({n: solution[n].value for n in names if solution[n] is not None})
        return rows

    # ------------------------------------------------------------------ identity
    def index(self, documents: dict[str, str] | None = None) -> IdentityIndex:
        """What the store knows of its entities, for matching new documents against.

        A local writable store keeps the index in ``identity.sqlite`` beside the database, written in step with
        it; anywhere else it is held in memory. Before use it is checked against the store's documents (IRI and
        SHA-256; `documents` when the caller has them) and rebuilt from the store when they differ: after a
        process was killed between the two writes, or when the file is missing."""
        if self._index is not None:
            return self._index
        if documents is None:
            documents = self.document_shas()
        file = self._index_file()
        try:
            index = self._open_index(file, documents)
        except sqlite3.Error as e:
            if file is None:
                raise StoreError(f"{self.location}: the identity index cannot be made ({e})") from None
            # a damaged file (or one another program wrote): the index is derived, so it is made again
            _remove_index(file)
            try:
                index = self._open_index(file, documents)
            except sqlite3.Error as e2:
                raise StoreError(f"{self.location}: the identity index cannot be written ({e2})") from None
        self._index = index
        return index

    def _open_index(self, file: Path | None, documents: dict[str, str]) -> IdentityIndex:
        conn = sqlite3.connect(str(file) if file is not None else ":memory:", isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            index = IdentityIndex(conn)
            if index.documents() != documents:
                conn.execute("BEGIN")
                index.clear()
                index.load(self._read_known(), documents)
                conn.execute("COMMIT")
        except BaseException:
            conn.close()
            raise
        return index

    def _close_index(self) -> None:
        if self._index is not None:
            self._index.conn.close()
            self._index = None

    def _index_file(self) -> Path | None:
        return self.path / INDEX_FILE if self.path is not None and not self.read_only else None

    def _forget_index(self) -> None:
        """Close the identity index and delete its file: the next write rebuilds it from the store."""
        self._known = None
        self._close_index()
        file = self._index_file()
        if file is not None:
            _remove_index(file)

    def _read_known(self) -> dict[str, Known]:
        """Every entity of the store as each of its documents sees it, read from the documents' graphs."""
        known: dict[str, Known] = {}
        # read by pattern, not by a SPARQL join: the store may be large
        signature_props = {str(KG[p]): p for p in SIGNATURE_PROPS}
        quads = self._patterns(KG.canonicalName, KG.name, RDF_TYPE, *signature_props)
        for q in quads[str(KG.canonicalName)]:
            g, e = q.graph_name.value, q.subject.value  # type: ignore[union-attr]
            k = known.setdefault(e, Known(e))
            k.canonical[g] = q.object.value  # type: ignore[union-attr]
            k.names.setdefault(g, set()).add(q.object.value)  # type: ignore[union-attr]
        for q in quads[str(KG.name)]:
            k2 = known.get(q.subject.value)  # type: ignore[union-attr]
            if k2 is not None:
                k2.names.setdefault(q.graph_name.value, set()).add(q.object.value)  # type: ignore[union-attr]
        kg_ns = str(KG)
        for q in quads[RDF_TYPE]:
            k3 = known.get(q.subject.value)  # type: ignore[union-attr]
            if k3 is not None and q.object.value.startswith(kg_ns):  # type: ignore[union-attr]
                k3.classes[q.graph_name.value] = q.object.value[len(kg_ns) :]  # type: ignore[union-attr]
        signed = {e for e, k in known.items() if set(k.classes.values()) & set(SIGNED_CLASSES)}
        for predicate, prop in signature_props.items():
            for q in quads[predicate]:
                e = q.subject.value  # type: ignore[union-attr]
                if e in signed:
                    known[e].signature.setdefault(q.graph_name.value, set()).add((prop, q.object.value))  # type: ignore[union-attr]
        # an entity with a canonical name but no class in a graph is not one of kg's: leave it out
        for e in [e for e, k in known.items() if set(k.canonical) - set(k.classes)]:
            for g in set(known[e].canonical) - set(known[e].classes):
                known[e].drop(g)
            if not known[e].documents:
                del known[e]
        return known

    # ------------------------------------------------------------------ writing
    def changed(self, documents: Sequence[Document]) -> list[Document]:
        """The documents the store does not hold as they are: new ones, and changed versions of its own (by the
        SHA-256 of their text). Readies the identity index when there are any."""
        self._writable()
        self._known = self.document_shas()
        changed = [doc for doc in documents if self._known.get(str(document_iri(doc.name))) != doc.sha256]
        if changed:
            self.index(self._known)
        return changed

    def add(self, extraction: Extraction, *, loaded_at: dt.datetime | None = None) -> AddResult:
        """Write one document's extraction, in one transaction: its graph (in place of an older version's) and
        the registry entries of every entity it touches. A document the store holds unchanged is left alone."""
        self._writable()
        doc = extraction.documents[0]
        if self._known is None:
            self._known = self.document_shas()
        known = self._known  # the write may forget it (an index that could not commit): this add still knows
        d_iri = str(document_iri(doc.name))
        if known.get(d_iri) == doc.sha256:
            return AddResult(doc.name, "unchanged")
        self._write(d_iri, extraction, loaded_at)
        self.saved += 1
        if self.saved % FLUSH_EVERY == 0:
            self._flush()  # RocksDB's write buffers otherwise grow with the number of documents
        status = "replaced" if d_iri in known else "added"
        known[d_iri] = doc.sha256
        return AddResult(doc.name, status, len(extraction.entities), len(extraction.relations))

    def saved_note(self, total: int | None = None) -> str:
        rest = ""
        if total is not None:
            rest = f", and {total - self.saved} {'was' if total - self.saved == 1 else 'were'} not"
        saved = f"{plural(self.saved, 'document')} {'was' if self.saved == 1 else 'were'}"
        return f"{saved} saved by this command, each whole{rest}: run it again once fixed"

    def _flush(self) -> None:
        try:
            self._db.flush()
        except (OSError, RuntimeError) as e:  # a full disk: what was committed is in the database's log
            raise StoreError(f"{self.location}: could not flush the store: {_reason(e)}") from None

    def remove(self, refs: Sequence[str]) -> list[str]:
        """Remove documents, named by IRI, by name (`kg.text.read.document_name`), by a path to the file (from the
        current folder), or by a file name that only one of them has; returns the IRIs removed."""
        self._writable()
        docs = self.documents()
        removed: list[str] = []
        # every reference is resolved before anything is removed: an unknown one leaves the store as it was
        for ref in refs:
            match = self._matching(docs, ref)
            if not match:
                raise InputError(f"{ref}: no such document in the store")
            if len(match) > 1:
                names = ", ".join(sorted(d.name for d in match))
                raise InputError(
                    f"{ref}: {len(match)} documents have that file name ({names}): give one's path"
                )
            removed += [d.iri for d in match if d.iri not in removed]
        self._known = None
        for iri in removed:
            self._write(iri, None, None)
        return removed

    def text(self, ref: str) -> str:
        """The plain text kg read of one document (named as `remove` names them): what every offset points into."""
        match = self._matching(self.documents(), ref)
        if not match:
            raise InputError(f"{ref}: no such document in the store")
        if len(match) > 1:
            names = ", ".join(sorted(d.name for d in match))
            raise InputError(f"{ref}: {len(match)} documents have that file name ({names}): give one's path")
        iri = match[0].iri
        rows = self._select(f"SELECT ?t WHERE {{ GRAPH <{iri}> {{ <{iri}> <{KG.text}> ?t }} }}")
        if not rows:
            raise InputError(
                f"{ref}: the store holds no text for it (added by a kg before 0.2: add it again)"
            )
        return str(rows[0]["t"])

    def _matching(self, docs: list[DocumentInfo], ref: str) -> list[DocumentInfo]:
        from kg.text.read import OutsideRoot, document_name

        path = Path(ref)
        # its name from the root, or (a store of an older kg) its absolute path
        names = {ref, "/" + document_name(path, Path("/"))}
        with contextlib.suppress(OutsideRoot):
            names.add(document_name(path, self.root))
        exact = [d for d in docs if d.iri == ref or d.name in names]
        if exact or "/" in ref:
            if not exact and path.exists():  # the same file by another way to it (a symbolic link)
                exact = [d for d in docs if (self.root / d.name).resolve() == path.resolve()]
            return exact
        wanted = document_name(path, Path("/")).rsplit("/", 1)[-1]
        return [d for d in docs if d.name.rsplit("/", 1)[-1] == wanted]

    def update(self, text: str) -> None:
        """Apply a SPARQL update to the store, in one transaction (``kg query --update``)."""
        from kg.graph.sparql import run_update

        self._writable()
        self._forget_index()  # the update may change anything: the index is rebuilt from the store
        self._wrote = True
        run_update(self._db, text)

    def clear(self) -> None:
        """Empty the store, in one transaction."""
        self._writable()
        self._forget_index()
        self._wrote = True
        self._db.update("DROP ALL")

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only")

    def _write(self, d_iri: str, ex: Extraction | None, loaded_at: dt.datetime | None) -> None:
        """Replace one document's graph (or drop it, when `ex` is None) and the registry entries of every entity
        it touched, in one transaction; the identity index follows in its own, committed after the store's."""
        index = self.index()
        index.conn.execute("BEGIN")
        try:
            touched = index.drop_document(d_iri)
            quads: list[ox.Quad] = []
            if ex is not None:
                doc = ex.documents[0]
                lex = index.lex = load_lexicon()
                iris = index.resolve(ex, lambda cls, label: str(entity_iri(cls, label, lex)))
                index.record(d_iri, doc.sha256, ex, iris)
                touched |= set(iris.values())
                quads += document_quads(doc, ex, iris, loaded_at=loaded_at)
            registry: list[ox.Quad] = []
            for iri, entity in sorted(index.summaries(touched).items()):
                registry += registry_quads(iri, choose_label(entity, index.lex), entity.names)
            self._replace(d_iri, touched, quads, registry)
            self._wrote = True
        except BaseException as e:
            try:
                index.conn.execute("ROLLBACK")
            except sqlite3.Error:
                self._forget_index()
            if isinstance(e, OSError | RuntimeError | sqlite3.Error):
                raise StoreError(f"{self.location}: could not write {d_iri}: {_reason(e)}") from None
            raise
        try:
            index.conn.execute("COMMIT")
        except sqlite3.Error:
            # the store holds the document; the index, derived from it, is made again by the next write
            self._forget_index()

    def _adds_only(self, d_iri: str, gone: list[ox.Quad]) -> bool:
        """Nothing to take away (a new document; its entities' registry entries only gain): its quads can go in
        as they are, not as the text of an update Oxigraph would parse again (a third of a write)."""
        return not gone and not self._db.contains_named_graph(ox.NamedNode(d_iri))

    def _replace(self, d_iri: str, touched: set[str], quads: list[ox.Quad], registry: list[ox.Quad]) -> None:
        """Replace a document's graph with `quads` and the registry entries of `touched` with `registry`, in one
        transaction."""
        graph = f"<{ENTITIES_GRAPH}>"
        parts = [f"DROP SILENT GRAPH <{d_iri}>"]
        if isinstance(self._db, ox.Store):
            # Only what changed in the registry is written: an entity many documents name may have hundreds of
            # names, and each new document would otherwise rewrite them all. What is there is read by pattern.
            node = ENTITIES_NODE
            old = {
                q
                for iri in sorted(touched)
                for q in self._db.quads_for_pattern(ox.NamedNode(iri), None, None, node)
            }
            gone = sorted(old - set(registry), key=str)
            quads = quads + [q for q in registry if q not in old]
            if self._adds_only(d_iri, gone):
                self._db.extend(quads)  # one transaction, as the update is
                return
            if gone:
                body = " ".join(f"{q.subject} {q.predicate} {q.object} ." for q in gone)
                parts.append(f"DELETE DATA {{ GRAPH {graph} {{ {body} }} }}")
        else:
            if touched:
                values = " ".join(f"<{iri}>" for iri in sorted(touched))
                parts.append(
                    f"DELETE {{ GRAPH {graph} {{ ?e ?p ?o }} }} WHERE {{ VALUES ?e {{ {values} }} GRAPH {graph} {{ ?e ?p ?o }} }}"
                )
            quads = quads + registry
        if quads:
            body = "\n".join(
                f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads
            )
            parts.append(f"INSERT DATA {{\n{body}\n}}")
        self._db.update(" ;\n".join(parts))


def check_store(path: Path, *, missing_ok: bool = False) -> None:
    """Refuse a store folder whose database is there but cannot be a whole one: kg never deletes or writes over
    data it did not make in the same command. With `missing_ok`, a folder with no database passes (a writer will
    make one); without, it is "no kg store here"."""
    data = path / DATA_DIR
    if (data / "CURRENT").is_file():
        return
    if data.exists() or data.is_symlink():
        raise StoreError(
            f"{path}: the database in {data} does not open (its CURRENT file is missing); kg changed nothing:"
            f" restore the folder from a backup, or move it away to start a new store"
        )
    if not missing_ok:
        raise StoreError(f"{path}: no kg store here (create one with `kg add PATH` or `kg build`)")


def _reason(error: BaseException) -> str:
    """What an OS, database or SQLite error says, as a person reads it ("no space left on device")."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror[0].lower() + error.strerror[1:]
    text = str(error)
    if "No space left" in text or "ENOSPC" in text:
        return f"no space left on device ({text})"
    return text


def store_credentials() -> tuple[str | None, str | None]:
    """The user and password for a store on a server: ``KG_STORE_USER``, and ``KG_STORE_PASSWORD`` or else
    ``KG_PASSWORD`` (a URL may hold them too: ``http://USER:PASSWORD@host:port``)."""
    return os.environ.get("KG_STORE_USER"), os.environ.get("KG_STORE_PASSWORD", os.environ.get("KG_PASSWORD"))


def recorded_root(path: Path) -> Path:
    """The root of the store at `path` (it need not exist yet): what its ``root`` file says, else the folder that
    holds it (what kg named documents from before stores recorded their root)."""
    try:
        text = os.fsdecode((path / ROOT_FILE).read_bytes().rstrip(b"\n"))
    except FileNotFoundError:
        return Path(os.path.abspath(path)).parent
    except OSError as e:
        raise StoreError(f"{path}: cannot read its root ({ROOT_FILE}): {_reason(e)}") from None
    if not text or "\n" in text or "\0" in text:
        raise StoreError(f"{path / ROOT_FILE}: not a folder's path: write the store's root in it, one line")
    # a path from the store folder where it really is: a store reached through a symbolic link has the same root
    return Path(os.path.abspath(Path(os.path.realpath(path)) / text))


def store_root(location: Path | str, given: Path | None = None, *, fresh: bool = False) -> Path:
    """The folder documents are named from for a command on the store at `location`: the root it records, else
    (a store not made yet, or made afresh, `fresh`) `given`, else the current folder. A store on a server records
    none: `given`, else the current folder. Raises `StoreError` when `given` is not the root an existing store
    records (it keeps the root it was made with), `InputError` when it is not a folder."""
    if given is not None and not given.is_dir():
        raise InputError(f"--root {given}: no such folder")
    chosen = Path(os.path.abspath(given if given is not None else Path.cwd()))
    if isinstance(location, str) or fresh or not (location / DATA_DIR).exists():
        return chosen
    recorded = recorded_root(location)
    if given is not None and not _same_folder(recorded, chosen):
        raise StoreError(other_root(location, recorded, chosen))
    return recorded


def _same_folder(a: Path, b: Path) -> bool:
    """Whether two absolute paths are one folder: the same path, or the same once symbolic links are followed
    (a folder reached through a link, as a shell's $PWD gives it)."""
    return a == b or os.path.realpath(a) == os.path.realpath(b)


def other_root(path: Path, recorded: Path, given: Path) -> str:
    return (
        f"{path}: its documents are named from {recorded}, not {given}: a store keeps the root it was made with"
        f" (kg build --root DIR makes it again; if that folder moved, write its new path in {path / ROOT_FILE})"
    )


def _write_root(path: Path, root: Path) -> None:
    """Record `root` in the store folder `path`: as a path from it when the store lies inside the root, else
    absolute; written aside and renamed into place."""
    folder, real_root = Path(os.path.realpath(path)), Path(os.path.realpath(root))
    text = os.path.relpath(real_root, folder) if folder.is_relative_to(real_root) else str(root)
    aside = path / f"{ROOT_FILE}.new-{os.getpid()}"
    aside.write_bytes(os.fsencode(text) + b"\n")
    os.replace(aside, path / ROOT_FILE)


def missing_folders(path: Path) -> list[Path]:
    """The folder `path` and those above it that do not exist, deepest first."""
    missing = []
    folder = Path(os.path.abspath(path))
    while not folder.exists() and not folder.is_symlink() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def remove_empty(folders: Sequence[Path]) -> None:
    """Remove each of `folders` (deepest first) while it is empty: never a folder something else is in."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _make_folders(path: Path) -> list[Path]:
    """Make the folder `path` and those above it that are missing; the ones this call made, deepest first."""
    made = []
    for folder in reversed(missing_folders(path)):
        try:
            folder.mkdir()
        except FileExistsError:
            continue  # another command made it meanwhile: not ours to take away
        made.append(folder)
    return made[::-1]


def _take_away(path: Path, made: list[Path]) -> None:
    """Remove what kg keeps in the store folder `path`, then the folders in `made` that are empty: nothing else.
    The lock file goes last but one, so a command waiting for it sees the store gone and makes its own."""
    shutil.rmtree(path / DATA_DIR, ignore_errors=True)
    for left in path.glob(f"{DATA_DIR}.new-*"):
        shutil.rmtree(left, ignore_errors=True)
    _remove_index(path / INDEX_FILE)
    for file in (path / ROOT_FILE, *path.glob(f"{ROOT_FILE}.new-*"), path / LOCK_FILE):
        file.unlink(missing_ok=True)
    remove_empty(made)


def install(built: Path, target: Path, *, wait: float = 30.0) -> None:
    """Put the store built in folder `built` in the place of the store at `target`, under the target's write
    lock, so that a build that fails or is interrupted leaves the previous store as it was."""
    holder = Store.__new__(Store)
    holder.path, holder.read_only, holder._lock_fd, holder._index = target, False, None, None
    holder._made, holder._created, holder._wrote = [], False, True
    deadline = time.monotonic() + wait
    while holder._lock_fd is None:
        target.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):  # taken away between the two by a command that failed
            holder._lock(target / LOCK_FILE, wait, deadline=deadline)
    try:
        check_store(target, missing_ok=True)
        _write_root(target, recorded_root(built))
        old = target / f"{DATA_DIR}.old-{os.getpid()}"
        # the old identity index goes first: were the index of one store left beside the data of another,
        # it could pass the check against the documents (same files, other IRIs)
        _remove_index(target / INDEX_FILE)
        if (target / DATA_DIR).exists():
            os.replace(target / DATA_DIR, old)
        os.replace(built / DATA_DIR, target / DATA_DIR)
        shutil.rmtree(old, ignore_errors=True)
        if (built / INDEX_FILE).is_file() and not (built / f"{INDEX_FILE}-wal").exists():
            os.replace(built / INDEX_FILE, target / INDEX_FILE)
    finally:
        holder._db = None
        holder.close()


def remove_dead_builds(store: Path) -> None:
    """Remove the folders that builds of `store` killed before they finished left beside it
    (``STORE.build-PID``, whose process is gone); a build still running keeps its own."""
    for left in store.parent.glob(f"{store.name}.build-*"):
        pid = left.name.removeprefix(f"{store.name}.build-")
        if not pid.isdigit() or not left.is_dir() or left.is_symlink():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(left, ignore_errors=True)
        except (PermissionError, OverflowError):
            continue  # another user's process: not ours to judge


def _remove_index(file: Path) -> None:
    for part in (file, file.with_name(f"{file.name}-wal"), file.with_name(f"{file.name}-shm")):
        part.unlink(missing_ok=True)


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

"""The store under faults, with real processes: `kg add` killed with SIGKILL at random moments, two writers at
once, readers while a writer holds the store.

A killed `kg add` (20 kills at seeded random moments, most of them while documents are being written) must leave
a store that the next command reads as it was before or after each document: the real `kg validate` passes on it,
every document graph in it is whole (the same triples as that document added alone to a store of its own), the
registry labels exactly the entities mentioned, and `kg add` again completes it.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers import FIRST, LAST

from kg.graph.files import union_graph
from kg.graph.rdfmap import document_iri
from kg.graph.shacl import validate
from kg.graph.store import Store, StoreError
from kg.pipeline import add_documents
from kg.text.read import document_name, read_documents

ROOT = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/kg/id/"
REGISTRY = f"{ID}graph/entities"
KG = "https://w3id.org/kg/ontology#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PROV_GENERATED = "http://www.w3.org/ns/prov#generatedAtTime"

PLACES = ["Kettering", "Corby", "Wellingborough", "Rushden", "Oundle", "Thrapston"]
DOCUMENTS = 6


def text(i: int, version: int = 1, sentences: int = 40) -> str:
    """An invented document: people of the Kettering Trust meeting in towns and commissioning a review. The
    documents share people, places and organisations, so each document touches registry entries of others. The
    sentences make the pipeline take a while, so that kills land in the middle of the documents."""
    out = []
    for j in range(sentences // 2):
        p = f"{FIRST[(i + j * version) % 12]} {LAST[(i * 3 + j) % 10]}"
        q = f"{FIRST[(i + j + 5) % 12]} {LAST[(i * 3 + j + 7) % 10]}"
        out.append(f"{p}, a member of the Kettering Trust, met {q} in {PLACES[(i + j) % 6]}.")
        out.append(f"Home Secretary {q} commissioned the Harrow Review.")
    return f"Kettering Trust minutes {version}\n\n" + " ".join(out) + "\n"


def kg_process(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "kg.cli", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kg(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    process = kg_process(*args, cwd=cwd)
    out, err = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


Triples = frozenset[tuple[str, str, str]]


def graphs(store: Store) -> dict[str, Triples]:
    """The store's named graphs, load times aside (they differ from one add to the next)."""
    out: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for q in store.quads():
        assert isinstance(q.graph_name, ox.NamedNode), f"a triple outside the named graphs: {q}"
        if q.predicate.value != PROV_GENERATED:
            out[q.graph_name.value].add((str(q.subject), str(q.predicate), str(q.object)))
    return {g: frozenset(ts) for g, ts in out.items()}


def sha_of(graph: Triples, d_iri: str) -> str:
    [sha] = [o for s, p, o in graph if s == f"<{d_iri}>" and p == f"<{KG}sha256>"]
    return sha.strip('"')


class Reference:
    """What a whole store looks like: each document version added alone to a store of its own, and the full
    states the trials must reach."""

    def __init__(self, root: Path) -> None:
        self.docs = root / "docs"  # the new versions, what the trials add
        self.root = ("--root", str(self.docs))  # what `kg add` is given: the stores' root, outside them
        self.docs.mkdir(parents=True)
        # d0 is first written in an old version, which the base holds; the trials add the new one in its place
        (self.docs / "d0.txt").write_text(text(0, version=2), encoding="utf-8")
        # documents are named from their folder, the root of every store of the trials (recorded in the store)
        [old_d0] = read_documents([self.docs / "d0.txt"], base=self.docs)
        # The base the trials start from: the old version of d0, loaded by a real `kg add`.
        self.base = root / "base"
        self.base.mkdir()
        result = kg("add", str(self.docs / "d0.txt"), "--store", "store", *self.root, cwd=self.base)
        assert result.returncode == 0, result.stderr
        for i in range(DOCUMENTS):
            (self.docs / f"d{i}.txt").write_text(text(i), encoding="utf-8")
        new_docs = read_documents([self.docs], base=self.docs)
        # Each version alone: the graph a document must have, whatever else the store holds.
        self.alone: dict[str, Triples] = {}  # sha256 → the document's graph
        for doc in [*new_docs, old_d0]:
            with Store(None) as s:
                add_documents(s, [doc], record_load_time=False)
                [graph] = [ts for g, ts in graphs(s).items() if g != REGISTRY]
                self.alone[doc.sha256] = graph
        # The states the trials must end in: the new documents added to the base, and to nothing.
        self.full: dict[bool, dict[str, Triples]] = {}
        for on_base in (True, False):
            with Store(None) as s:
                add_documents(s, ([old_d0] if on_base else []) + new_docs, record_load_time=False)
                self.full[on_base] = graphs(s)
        self.new_shas = {d.sha256 for d in new_docs}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    return Reference(tmp_path_factory.mktemp("reference"))


def check_whole(path: Path, reference: Reference, *, shapes: bool = True) -> tuple[int, int]:
    """Check the store at `path` as the next command would read it; returns how many new documents it holds and
    whether the base's old version of d0 is still there (0 or 1). With `shapes`, check that the union conforms
    (the caller may have run `kg validate` instead)."""
    if not (path / "oxigraph").exists():
        return 0, 0
    with Store(path, read_only=True) as store:
        gs = graphs(store)
        union = union_graph(store.dataset())
    mentioned: set[str] = set()
    new = old = 0
    for g, graph in gs.items():
        if g == REGISTRY:
            continue
        sha = sha_of(graph, g)
        assert sha in reference.alone, f"{g}: a version of the document that was never added"
        assert graph == reference.alone[sha], f"{g}: not the whole graph of its document"
        new, old = new + (sha in reference.new_shas), old + (sha not in reference.new_shas)
        mentioned |= {s for s, p, _ in graph if p == f"<{KG}mentionedIn>"}
    registry = gs.get(REGISTRY, frozenset())
    labels: dict[str, int] = defaultdict(int)
    for s, p, _ in registry:
        if p == f"<{RDFS_LABEL}>":
            labels[s] += 1
    assert {s for s, _, _ in registry} == mentioned, "the registry is not that of the documents in the store"
    assert set(labels) == mentioned
    assert set(labels.values()) <= {1}
    if shapes:
        result = validate(union)
        assert result.conforms, result.report
    return new, old


def timed_add(folder: Path, reference: Reference) -> tuple[float, float]:
    """Run `kg add` of the new documents to completion, watching the store: how long the whole run takes, and
    when the first new document appeared in the store (the process spends the time before that starting up and
    loading the model)."""
    process = kg_process("add", str(reference.docs), "--store", "store", *reference.root, cwd=folder)
    start, first = time.monotonic(), None
    while process.poll() is None:
        if first is None and (folder / "store" / "oxigraph").exists():
            with contextlib.suppress(StoreError), Store(folder / "store", read_only=True) as store:
                if any(d.sha256 in reference.new_shas for d in store.documents()):
                    first = time.monotonic() - start
        time.sleep(0.01)
    duration = time.monotonic() - start
    _, err = process.communicate()
    assert process.returncode == 0, err
    return duration, duration if first is None else first


#: How many times `kg add` is killed, and how often the next `kg add` is run to complete the store (every trial
#: would make the test slow; the killed states are all checked).
KILLS = 20
COMPLETE_EVERY = 4


def check_validated(folder: Path, validating: subprocess.Popen[str], delay: float) -> None:
    """`kg validate` passed on the store a kill left (or, killed before there was a store, said so)."""
    out, err = validating.communicate(timeout=300)
    if (folder / "store" / "oxigraph").exists():
        assert validating.returncode == 0, (delay, out[-2000:], err)
        assert out.startswith("Validation Report\nConforms: True\n"), out[-2000:]
    else:  # killed before the store was made: the state before, no store
        assert (validating.returncode, err) == (
            2,
            "kg: error: store: no kg store here (create one with `kg add PATH` or `kg build`)\n",
        )


def test_add_killed_at_any_moment_leaves_a_whole_store(tmp_path: Path, reference: Reference) -> None:
    # How long an add takes, and when it starts writing documents: the kills are spread over the whole run,
    # most of them over the part where documents are read and written.
    shutil.copytree(reference.base, tmp_path / "timed")
    duration, first = timed_add(tmp_path / "timed", reference)
    assert check_whole(tmp_path / "timed" / "store", reference) == (DOCUMENTS, 0)
    writing = max(0.0, first - (duration - first) / (DOCUMENTS - 1))  # when the first document was begun
    rng = random.Random(20240312)
    windows = [(0.0, writing)] * (KILLS // 4) + [(writing, duration)] * (KILLS - KILLS // 4)
    states = []
    pending: list[tuple[Path, subprocess.Popen[str], float]] = []  # trials whose `kg validate` is running
    for trial, (begin, end) in enumerate(windows):
        # one delay in each part of its window; every other trial starts from no store at all
        share = windows.count((begin, end))
        part = windows[:trial].count((begin, end))
        delay = begin + (end - begin) * (part + rng.random()) / share
        on_base = trial % 2 == 0
        folder = tmp_path / f"trial-{trial}"
        if on_base:
            shutil.copytree(reference.base, folder)
        else:
            folder.mkdir()
        process = kg_process("add", str(reference.docs), "--store", "store", *reference.root, cwd=folder)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        killed = process.returncode == -signal.SIGKILL
        # the real `kg validate` reads the store the kill left (while the next trial runs)
        validating = kg_process("validate", "--store", "store", cwd=folder)
        new, old = check_whole(folder / "store", reference, shapes=False)
        assert old <= int(on_base)
        assert new + old <= DOCUMENTS
        states.append((round(delay, 2), killed, new, old))

        for earlier in pending:
            check_validated(*earlier)
            shutil.rmtree(earlier[0])
        pending = [(folder, validating, delay)]
        if trial % COMPLETE_EVERY == COMPLETE_EVERY - 1:
            check_validated(*pending.pop())
            # The next `kg add` reads the same state, and completes it to the full one.
            result = kg("add", str(reference.docs), "--store", "store", *reference.root, cwd=folder)
            assert result.returncode == 0, result.stderr
            replaced = 1 if old else 0
            assert result.stderr == (
                f"kg: {DOCUMENTS - new - replaced} added, {replaced} replaced, {new} unchanged -> store\n"
            ), states
            with Store(folder / "store", read_only=True) as store:
                assert graphs(store) == reference.full[on_base]
            assert check_whole(folder / "store", reference) == (DOCUMENTS, 0)
            shutil.rmtree(folder)
    for earlier in pending:
        check_validated(*earlier)
    # The kills did land while documents were being added, not only before or after.
    assert len(states) == KILLS
    assert any(killed and 0 < new < DOCUMENTS for _, killed, new, _ in states), states


# ---------------------------------------------------------------------------------------------- two writers


@pytest.fixture
def small_docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Tom Ashdown met Clara Venn in Kettering.\n", encoding="utf-8")
    (folder / "b.txt").write_text("Nadia Okafor, a member of the Kettering Trust, spoke.\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["add", "docs/b.txt"], id="add"),
        pytest.param(["remove", "a.txt"], id="remove"),
        pytest.param(["build", "docs", "-o", "graph.ttl"], id="build"),
    ],
)
def test_a_writer_gives_up_with_one_clear_line_when_the_store_stays_busy(
    tmp_path: Path, small_docs: Path, command: list[str]
) -> None:
    store = tmp_path / ".kg"
    with Store(store) as holder:
        add_documents(holder, read_documents([small_docs / "a.txt"], base=tmp_path))
        result = kg(*command, "--wait", "1", cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert result.stderr == (
            "kg: error: .kg: another kg command is writing to this store; gave up after 1 s\n"
        )
        quads = sorted(str(q) for q in holder.quads())
    with Store(store, read_only=True) as after:
        assert sorted(str(q) for q in after.quads()) == quads  # nothing changed
    assert not (tmp_path / "graph.ttl").exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".kg.")]


def test_a_writer_waits_for_the_store_and_then_does_its_work(tmp_path: Path, small_docs: Path) -> None:
    store = tmp_path / ".kg"
    holder = Store(store)
    try:
        add_documents(holder, read_documents([small_docs / "a.txt"], base=tmp_path))
        process = kg_process("add", "docs/b.txt", "--wait", "60", cwd=tmp_path)
        time.sleep(2.5)
        assert process.poll() is None, process.communicate()  # still waiting
    finally:
        holder.close()
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert err == "kg: 1 added, 0 replaced, 0 unchanged -> .kg\n"
    with Store(store, read_only=True) as after:
        assert [d.name.rsplit("/", 1)[-1] for d in after.documents()] == ["a.txt", "b.txt"]


def test_two_adds_at_once_both_get_done(tmp_path: Path, reference: Reference) -> None:
    first = kg_process(
        "add", *(str(reference.docs / f"d{i}.txt") for i in (1, 2)), *reference.root, cwd=tmp_path
    )
    second = kg_process(
        "add", *(str(reference.docs / f"d{i}.txt") for i in (3, 4)), *reference.root, cwd=tmp_path
    )
    for process in (first, second):
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert err == "kg: 2 added, 0 replaced, 0 unchanged -> .kg\n"
    with Store(tmp_path / ".kg", read_only=True) as store:
        assert len(store.documents()) == 4
    assert check_whole(tmp_path / ".kg", reference) == (4, 0)


# ---------------------------------------------------------------------------------------------- readers


def test_readers_work_while_a_writer_holds_the_store(tmp_path: Path, small_docs: Path) -> None:
    with Store(tmp_path / ".kg") as holder:
        add_documents(holder, read_documents([small_docs], base=tmp_path))
        status = kg("status", "--json", cwd=tmp_path)
        assert status.returncode == 0, status.stderr
        documents = json.loads(status.stdout)["documents"]
        assert [d["source"] for d in documents] == ["docs/a.txt", "docs/b.txt"]
        assert all(d["loaded_at"] for d in documents)
        export = kg("export", "-o", "graph.trig", cwd=tmp_path)
        assert export.returncode == 0, export.stderr
        names = {q.graph_name.value for q in ox.parse(path=tmp_path / "graph.trig", format=ox.RdfFormat.TRIG)}
        assert names == {
            str(document_iri(document_name(small_docs / n, tmp_path))) for n in ("a.txt", "b.txt")
        } | {REGISTRY}
        validated = kg("validate", cwd=tmp_path)
        assert validated.returncode == 0, validated.stdout + validated.stderr


def new_documents(store: Path, reference: Reference) -> int | None:
    """How many of the new documents the store holds now, read as a reader reads it (None: no store yet, or
    not readable at this moment)."""
    with contextlib.suppress(StoreError), Store(store, read_only=True) as s:
        return sum(d.sha256 in reference.new_shas for d in s.documents())
    return None


def read_whole(folder: Path, reference: Reference) -> int:
    """`kg export` of the store in `folder`, each document graph checked whole; how many documents it holds."""
    result = kg("export", "-o", "graph.trig", cwd=folder)
    assert result.returncode == 0, result.stderr
    quads = ox.parse(path=folder / "graph.trig", format=ox.RdfFormat.TRIG)
    by_graph: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for q in quads:
        if q.predicate.value != PROV_GENERATED:
            by_graph[q.graph_name.value].add((str(q.subject), str(q.predicate), str(q.object)))
    for g, graph in by_graph.items():
        if g != REGISTRY:
            assert frozenset(graph) == reference.alone[sha_of(frozenset(graph), g)]
    return len(by_graph) - (REGISTRY in by_graph)


def test_readers_see_whole_documents_while_kg_add_runs(tmp_path: Path, reference: Reference) -> None:
    """A reader (`kg export`) while `kg add` writes: it reads whole documents only. The writer is held still
    (SIGSTOP) the first time the store holds some of the new documents but not all, and the reader reads that
    moment, so the test always sees a write in progress; it goes on reading until the add ends."""
    writer = kg_process("add", str(reference.docs), *reference.root, cwd=tmp_path)
    seen: list[int] = []
    held = False  # whether the writer was held still, half way through, for a reader
    try:
        while writer.poll() is None:
            if not held:
                new = new_documents(tmp_path / ".kg", reference)
                if new is None or not 0 < new < DOCUMENTS:
                    time.sleep(0.01)
                    continue
                writer.send_signal(signal.SIGSTOP)
                held = True
                try:
                    seen.append(read_whole(tmp_path, reference))
                finally:
                    writer.send_signal(signal.SIGCONT)
                continue
            seen.append(read_whole(tmp_path, reference))
            time.sleep(0.05)
    finally:
        _, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    # a read did land in the middle of the add: some of the new documents there, not all
    assert held and 0 < seen[0] < DOCUMENTS, seen
    assert seen == sorted(seen)  # the store only grew
    assert check_whole(tmp_path / ".kg", reference) == (DOCUMENTS, 0)

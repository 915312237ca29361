"""The path of documents into a store (`kg.pipeline`): extractions made in order (in a reader thread or worker
processes), written by the store one document at a time; the store receives extractions and never makes them.
A run with worker processes that is interrupted (Ctrl-C, SIGTERM) stops them and leaves nothing behind.

Real parts only: the spaCy model reads small invented documents; the stores are real Oxigraph databases.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from helpers import FIRST, LAST, ROOT, kg_env, ok
from helpers import kg as run_kg

import kg.extract.document
import kg.pipeline
from kg.errors import EXIT_INTERRUPTED, EXIT_TERMINATED
from kg.extract.document import extract_document
from kg.graph.files import Format, serialize, union_graph
from kg.graph.shacl import validate
from kg.graph.store import Store
from kg.model import Document, Extraction
from kg.pipeline import add_documents, extractions
from kg.text.read import read_documents

# Invented documents.
TEXTS = {
    "a.txt": "Home Secretary Tom Edward Ashdown commissioned the Harrow Review. Tom Edward Ashdown met Clara Venn.\n",
    "b.txt": "Clara Venn, a member of the Kettering Trust, was appointed Chief Inspector.\n",
    "c.txt": "Nadia Okafor, a member of the Kettering Trust, said the Harrow Review was late.\n",
}


@pytest.fixture
def docs(tmp_path: Path) -> dict[str, Document]:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in TEXTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return {d.name: d for d in read_documents([folder / n for n in TEXTS], base=folder)}


def trig(store: Store) -> bytes:
    return serialize(store.dataset(), Format.TRIG)


def test_the_store_writes_the_extraction_it_is_given_and_leaves_an_unchanged_document_alone(
    docs: dict[str, Document],
) -> None:
    with Store(None) as store:
        first = store.add(extract_document(docs["a.txt"]))
        before = trig(store)
        again = store.add(extract_document(docs["a.txt"]))
        assert (first.status, again.status) == ("added", "unchanged")
        assert trig(store) == before
        assert validate(union_graph(store.dataset())).conforms


def test_the_same_graph_whether_the_pipeline_or_the_caller_extracts(docs: dict[str, Document]) -> None:
    ordered = list(docs.values())
    with Store(None) as by_pipeline:
        results = add_documents(by_pipeline, ordered, record_load_time=False)
        assert [r.status for r in results] == ["added"] * 3
        expected = trig(by_pipeline)
    with Store(None) as by_hand:
        for doc in by_hand.changed(ordered):
            by_hand.add(extract_document(doc))
        assert trig(by_hand) == expected


def test_a_document_given_twice_in_one_batch_is_added_once_and_the_next_gets_its_own_facts(
    docs: dict[str, Document],
) -> None:
    """Each extraction is written as the document it was made from: a repeated document cannot shift the
    extractions of those after it onto the wrong documents."""
    with Store(None) as alone:
        add_documents(alone, [docs["a.txt"], docs["b.txt"]], record_load_time=False)
        expected = trig(alone)
    with Store(None) as store:
        results = add_documents(store, [docs["a.txt"], docs["a.txt"], docs["b.txt"]], record_load_time=False)
        assert [r.status for r in results] == ["added", "unchanged", "added"]
        assert trig(store) == expected


def test_worker_processes_give_the_same_graph(docs: dict[str, Document]) -> None:
    ordered = list(docs.values())
    graphs = []
    for jobs in (1, 2):
        with Store(None) as store:
            add_documents(store, ordered, jobs=jobs, record_load_time=False)
            graphs.append(trig(store))
    assert graphs[0] == graphs[1]


def test_an_error_reading_a_document_stops_the_add_there_and_the_reader_thread(
    tmp_path: Path, docs: dict[str, Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = kg.pipeline._extract
    failing = "c.txt"

    def extract(args: tuple[Document, str | None, object]) -> object:
        if args[0].name == failing:
            raise RuntimeError("the reader failed")
        return real(args)

    monkeypatch.setattr(kg.pipeline, "_extract", extract)
    ordered = [docs["a.txt"], docs["b.txt"], docs[failing]]
    with Store(tmp_path / "store") as s:
        with pytest.raises(RuntimeError, match="the reader failed"):
            add_documents(s, ordered, record_load_time=False)
        assert sorted(d.name for d in s.documents()) == ["a.txt", "b.txt"]
        assert validate(union_graph(s.dataset())).conforms
    assert not [t for t in threading.enumerate() if t.name == "kg-read"]


def test_a_caller_that_stops_early_stops_the_reader_thread(docs: dict[str, Document]) -> None:
    ready = extractions(list(docs.values()), model=None, jobs=1)
    first = next(ready)
    assert first.documents[0].name == next(iter(docs))
    ready.close()
    assert not [t for t in threading.enumerate() if t.name == "kg-read"]


def test_on_one_core_the_documents_are_read_in_turn_without_a_thread(
    docs: dict[str, Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    real, readers = kg.pipeline._extract, []

    def extract(args: tuple[Document, str | None, object]) -> object:
        readers.append(threading.current_thread().name)
        return real(args)

    monkeypatch.setattr(kg.pipeline, "_extract", extract)
    graphs = []
    for cores in (2, 1):
        monkeypatch.setattr(kg.pipeline, "_usable_cpus", lambda cores=cores: cores)
        readers.clear()
        with Store(None) as store:
            add_documents(store, list(docs.values()), record_load_time=False)
            graphs.append(trig(store))
        assert readers == (["kg-read"] * 3 if cores == 2 else [threading.current_thread().name] * 3)
    assert graphs[0] == graphs[1]


def many(tmp_path: Path, n: int) -> list[Document]:
    """`n` invented reports of a few paragraphs each, no two alike."""
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(n):
        a, b = (
            f"{FIRST[i % len(FIRST)]} {LAST[(3 * i) % len(LAST)]}",
            f"{FIRST[(i + 5) % len(FIRST)]} {LAST[i % len(LAST)]}",
        )
        (folder / f"r{i:02d}.txt").write_text(
            f"Report {i} on the Northby Housing Trust\n\n"
            f"{a}, the chief executive of the Northby Housing Trust, met {b} in Corby on {i + 1} May 2021.\n\n"
            f"{b} said the review of the trust would report before the summer. {a} agreed.\n",
            encoding="utf-8",
        )
    return read_documents(sorted(folder.iterdir()), base=folder)


def test_spacy_reading_documents_in_batches_gives_the_graph_of_one_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = many(tmp_path, 33)  # enough for batches of 8 (a batch is at most a quarter of the documents)
    graphs = []
    for batch in (1, 3, 8):
        monkeypatch.setattr(kg.extract.document, "BATCH", batch)
        for cores in (1, 2):
            monkeypatch.setattr(kg.pipeline, "_usable_cpus", lambda cores=cores: cores)
            with Store(None) as store:
                add_documents(store, documents, record_load_time=False)
                graphs.append(trig(store))
    assert b"Northby Housing Trust" in graphs[0]
    assert all(g == graphs[0] for g in graphs)


def test_a_document_spacy_cannot_read_stops_the_add_after_the_ones_before_it_in_its_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """spaCy reads a batch of documents at once; when one of them makes it fail, the documents before it are
    still written, and the error is that document's."""
    documents = many(tmp_path, 12)  # batches of 3
    long = tmp_path / "many" / "r02.txt"
    long.write_text("Tom Ashdown met Clara Venn. " * 100 + "\n", encoding="utf-8")
    documents = read_documents(sorted((tmp_path / "many").iterdir()), base=tmp_path / "many")
    monkeypatch.setattr(kg.pipeline.extractor(None).nlp, "max_length", 1000)  # r02.txt's line is longer
    for cores in (1, 2):
        monkeypatch.setattr(kg.pipeline, "_usable_cpus", lambda cores=cores: cores)
        with Store(tmp_path / f"store-{cores}") as s:
            with pytest.raises(ValueError, match="E088"):
                add_documents(s, documents, record_load_time=False)
            assert sorted(d.name for d in s.documents()) == ["r00.txt", "r01.txt"]


def test_a_document_spacy_cannot_read_stops_the_worker_processes_after_the_ones_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same through worker processes: a worker's batch that spaCy cannot read together is read a document at
    a time, and the worker hands on the documents before the one that fails, then its error."""
    many(tmp_path, 40)  # two workers: batches of 5, r02.txt the third of the first
    (tmp_path / "many" / "r02.txt").write_text("Tom Ashdown met Clara Venn. " * 100 + "\n", encoding="utf-8")
    documents = read_documents(sorted((tmp_path / "many").iterdir()), base=tmp_path / "many")
    monkeypatch.setattr(kg.pipeline.extractor(None).nlp, "max_length", 1000)  # the workers fork with it
    with Store(tmp_path / "store") as s:
        with pytest.raises(ValueError, match="E088"):
            add_documents(s, documents, jobs=2, record_load_time=False)
        assert sorted(d.name for d in s.documents()) == ["r00.txt", "r01.txt"]


def _fails_on_c(doc: Document, *, model: str | None = None) -> Extraction:
    """A reader that fails on c.txt (at module level: worker processes are handed it by name)."""
    if doc.name == "c.txt":
        raise RuntimeError("the reader failed")
    return extract_document(doc, model=model)


def test_a_worker_batch_that_fails_hands_on_the_documents_before_the_failing_one(
    tmp_path: Path, docs: dict[str, Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    ordered = [docs["a.txt"], docs["b.txt"], docs["c.txt"]]
    done, error = kg.pipeline._extract_batch((ordered, None, _fails_on_c))
    assert [ex.documents[0].name for ex in done] == ["a.txt", "b.txt"]
    assert isinstance(error, RuntimeError)
    # through worker processes, in batches of two: a.txt and b.txt are written, then the error
    monkeypatch.setattr(kg.extract.document, "BATCH", 2)
    with Store(tmp_path / "store") as s:
        with pytest.raises(RuntimeError, match="the reader failed"):
            # 18 documents: batches of 2
            add_documents(s, ordered * 6, jobs=2, record_load_time=False, extract=_fails_on_c)
        assert sorted(d.name for d in s.documents()) == ["a.txt", "b.txt"]


# ------------------------------------------------------------------------------------ interrupted runs
def children(pid: int) -> list[int]:
    """The live processes whose parent is `pid` (read from /proc)."""
    return [p for p, parent, _ in _processes() if parent == pid]


def _processes() -> list[tuple[int, int, int]]:
    """(pid, parent, session) of every live process (zombies are dead: they only wait to be reaped)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # gone meanwhile
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z":
                out.append((int(entry.name), int(fields[1]), int(fields[3])))
    return out


def interrupted(
    *args: str,
    cwd: Path,
    tmp: Path,
    signals: Sequence[int],
    group: bool,
    ready: Callable[[subprocess.Popen[str]], bool] | None,
    apart: float = 0,
    env: dict[str, str] | None = None,
) -> tuple[subprocess.CompletedProcess[str], list[int]]:
    """`kg ARGS` run in a session of its own with TMPDIR=`tmp`, sent `signals` (`apart` seconds apart) once
    `ready(process)` holds: to its process group (as a terminal's Ctrl-C, or `kill -TERM -PGID`) or to kg alone
    (as `kill PID`); with no `ready`, none (something in kg's process sends them). Its outcome, and the
    processes of its session still alive 30 s after it ended."""
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", *args],
        cwd=cwd,
        env=kg_env({"TMPDIR": str(tmp), **(env or {})}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while ready is not None and not ready(process):
            assert process.poll() is None, f"kg ended before the moment the test waits for: {process.stderr}"
            assert time.monotonic() < deadline, "the moment the test waits for never came"
            time.sleep(0.05)
        for i, signum in enumerate(signals if ready is not None else ()):
            time.sleep(apart if i else 0)
            (os.killpg if group else os.kill)(process.pid, signum)
        out, err = process.communicate(timeout=120)
        deadline = time.monotonic() + 30
        while (left := [p for p, _, s in _processes() if s == process.pid]) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        for pid in [p for p, _, s in _processes() if s == process.pid]:  # what a failed test leaves
            os.kill(pid, signal.SIGKILL)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err), left


def interrupted_cleanly(
    command: str,
    *where: str,
    work: Path,
    tmp: Path,
    signum: int,
    group: bool,
    ready: Callable[[subprocess.Popen[str]], bool] | None,
    then: Sequence[int] = (),
    apart: float = 0,
    env: dict[str, str] | None = None,
) -> None:
    """`kg COMMAND docs WHERE...` (a build or an add, in `work`) interrupted by `signum` once `ready` (and `then`
    by those signals, `apart` seconds apart; with no `ready`, by `signum` from within kg's process): one line, the exit status of the first signal, no process of the
    run alive, nothing left in its temporary folder `tmp` or in `work`; an add's store holds whole documents and
    its lock is free."""
    tmp.mkdir()
    before = sorted(work.iterdir())
    out = ["-o", "g.ttl"] if command == "build" else []
    result, left = interrupted(command, "docs", *where, "--store", "s", *out, cwd=work, tmp=tmp,
                               signals=[signum, *then], apart=apart, group=group, ready=ready, env=env)  # fmt: skip
    outcome = {
        signal.SIGINT: (["kg: interrupted"], EXIT_INTERRUPTED),
        signal.SIGTERM: (["kg: terminated"], EXIT_TERMINATED),
    }
    # signals sent at once may be taken in either order: the one kg takes first decides
    expected = [outcome[s] for s in ([signum, *then[:1]] if then and apart == 0 else [signum])]
    assert (result.stderr.splitlines(), result.returncode) in expected, result.stderr
    assert left == [], "processes of the run still alive"
    assert list(tmp.iterdir()) == []
    if command == "build":
        assert sorted(work.iterdir()) == before  # no staging folder, no store, no graph
    else:
        whole_and_free("s", str(sorted((work / "docs").iterdir())[0].relative_to(work)), cwd=work)


def whole_and_free(store: str, document: str, *, cwd: Path) -> None:
    """The store validates, and its lock is free: a writer that does not wait (adding `document`) gets it. (A new
    store the command stopped before it wrote a document to is not there at all.)"""
    if (cwd / store).exists():
        ok(run_kg("validate", "--store", store, cwd=cwd))
    ok(run_kg("add", document, "--store", store, "--wait", "0", cwd=cwd))


@pytest.mark.parametrize(
    ("command", "signum", "group"),
    [
        ("build", signal.SIGINT, True),
        ("build", signal.SIGTERM, False),
        ("add", signal.SIGTERM, True),
    ],
    ids=["build-ctrl-c", "build-sigterm", "add-sigterm-to-the-group"],
)
def test_an_interrupted_run_with_worker_processes_stops_them_and_leaves_nothing_behind(
    tmp_path: Path, command: str, signum: int, group: bool
) -> None:
    """Ctrl-C (SIGINT to the process group, workers included) or SIGTERM while `--jobs 2` workers read: one line,
    exit 130 or 143, the workers gone (they ignore Ctrl-C, which kg handles, and end with kg), no staging
    folder, no temporary file; an add's store holds whole documents and its lock is free."""
    work = tmp_path / "work"
    (work / "docs").mkdir(parents=True)
    for i in range(48):
        (work / "docs" / f"r{i:02d}.txt").write_text(_report(i), encoding="utf-8")
    interrupted_cleanly(
        command, "--jobs", "2", work=work, tmp=tmp_path / "tmp", signum=signum, group=group,
        ready=lambda p: len(children(p.pid)) >= 2,  # the workers have started: each reads a batch at once
    )  # fmt: skip


#: Installed in kg's process by the tests below (as a sitecustomize module): a signal sent at the moment a
#: Pool's worker process has been forked, before it has set itself up: by the worker to its process group, which
#: kg is in, or by kg to itself (still starting the Pool). The hook leaves a file in FIRED once it has.
AT_FORK = """
import os, pathlib, signal, sys

def _in_pool():
    frame = sys._getframe()
    while frame is not None:
        if frame.f_code.co_filename.endswith("popen_fork.py"):
            return True
        frame = frame.f_back
    return False

def _fired():
    pathlib.Path(os.environ["FIRED"], str(os.getpid())).touch()

def _worker():
    if _in_pool():
        _fired()
        os.killpg(0, signal.SIGTERM)

def _kg():
    if _in_pool() and not os.listdir(os.environ["FIRED"]):
        _fired()
        os.kill(os.getpid(), signal.SIGTERM)

os.register_at_fork(**{"after_in_" + os.environ["AT_FORK"]: globals()["_" + os.environ["AT_FORK_WHO"]]})
"""


@pytest.mark.parametrize(
    ("at_fork", "who"),
    [("child", "worker"), ("parent", "kg")],
    ids=["to-the-group-by-a-worker", "to-kg-by-itself"],
)
def test_sigterm_while_the_worker_processes_start_ends_the_run_with_one_line(
    tmp_path: Path, at_fork: str, who: str
) -> None:
    """SIGTERM the moment a worker has been forked: the worker must not run kg's handler (it would print its
    traceback), and kg, which blocks the signal while it starts the workers, must still stop at it: one line,
    exit 143, nothing left behind."""
    work = tmp_path / "work"
    (work / "docs").mkdir(parents=True)
    for i in range(8):
        (work / "docs" / f"r{i:02d}.txt").write_text(_report(i), encoding="utf-8")
    hook, fired = tmp_path / "hook", tmp_path / "fired"
    hook.mkdir()
    fired.mkdir()
    (hook / "sitecustomize.py").write_text(AT_FORK, encoding="utf-8")
    env = {
        "PYTHONPATH": f"{ROOT}{os.pathsep}{hook}",
        "AT_FORK": at_fork,
        "AT_FORK_WHO": who,
        "FIRED": str(fired),
    }
    interrupted_cleanly(
        "build", "--jobs", "2", work=work, tmp=tmp_path / "tmp", signum=signal.SIGTERM, group=True, env=env,
        ready=None,
    )  # fmt: skip
    assert list(fired.iterdir()), "the hook never sent its signal"


@pytest.mark.parametrize(
    ("first", "then", "apart"),
    [
        (signal.SIGTERM, signal.SIGTERM, 0.05),
        (signal.SIGTERM, signal.SIGTERM, 0.3),
        (signal.SIGINT, signal.SIGTERM, 0),
        (signal.SIGINT, signal.SIGTERM, 0.1),
    ],
    ids=["sigterm-sigterm-50ms", "sigterm-sigterm-300ms", "ctrl-c-sigterm-at-once", "ctrl-c-sigterm-100ms"],
)
def test_a_second_signal_while_an_interrupted_run_cleans_up_changes_nothing(
    tmp_path: Path, first: int, then: int, apart: float
) -> None:
    """A second signal to the process group while kg stops the workers, closes the store and removes the
    staging folder (at moments spread over that cleanup and kg's exit): ignored. One line, the first signal's
    exit status, nothing left behind (it used to leave the staging folder, hang, or die of the second)."""
    work = tmp_path / "work"
    (work / "docs").mkdir(parents=True)
    for i in range(48):
        (work / "docs" / f"r{i:02d}.txt").write_text(_report(i), encoding="utf-8")
    interrupted_cleanly(
        "build", "--jobs", "2", work=work, tmp=tmp_path / "tmp", signum=first, then=[then], apart=apart,
        group=True, ready=lambda p: len(children(p.pid)) >= 2,
    )  # fmt: skip


def test_sigterm_to_the_group_while_a_worker_waits_for_a_batch_ends_the_run(tmp_path: Path) -> None:
    """SIGTERM to the process group while one worker reads a long document and the other, done, waits for a
    batch holding the Pool's lock on its queue: kg stops (it used to wait for that lock for ever)."""
    work = tmp_path / "work"
    (work / "docs").mkdir(parents=True)
    (work / "docs" / "a.txt").write_text("\n\n".join(_report(i) for i in range(40)), encoding="utf-8")
    (work / "docs" / "b.txt").write_text(_report(0).split("\n\n")[0], encoding="utf-8")

    def one_waits(process: subprocess.Popen[str]) -> bool:
        waiting = [p for p in children(process.pid) if "pipe_read" in _wchan(p)]
        return len(children(process.pid)) == 2 and len(waiting) == 1

    interrupted_cleanly(
        "build", "--jobs", "2", work=work, tmp=tmp_path / "tmp", signum=signal.SIGTERM, group=True,
        ready=one_waits,
    )  # fmt: skip


def _wchan(pid: int) -> str:
    """Where in the kernel the process `pid` waits ('' once gone)."""
    try:
        return Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return ""


def _report(i: int) -> str:
    """An invented report of a dozen sentences."""
    return "\n\n".join(
        f"{FIRST[(i + s) % len(FIRST)]} {LAST[(i * 3 + s) % len(LAST)]} met {FIRST[(i + s + 5) % len(FIRST)]} "
        f"{LAST[(i + s + 4) % len(LAST)]} in Kettering on {s + 1} March 2021, said the Northby Housing Trust."
        for s in range(12)
    )

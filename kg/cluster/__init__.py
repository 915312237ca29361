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
extraction is consumed once, in order. A scheduler that goes away ends the run with a ``ClusterError``.

Dask moves tasks and results as pickles: a cluster is a trusted place, like the machine kg runs on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import CancelledError
from typing import Any

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
    """Dask's own log lines (reconnection attempts, tracebacks of lost connections) kept off the terminal:
    what went wrong is reported as one line by kg. Dask sets the levels of some of its loggers one by one
    ("distributed.client"), so each is silenced, and set back afterwards."""
    import distributed  # noqa: F401  (its loggers exist once it is imported)

    loggers = [logging.getLogger("distributed")] + [
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


@contextlib.contextmanager
def _client(address: str) -> Iterator[Any]:
    import dask
    from distributed import Client, LocalCluster

    local = _LOCAL.fullmatch(check_address(address))
    if local:
        with _environment_kept():
            try:
                with dask.config.set(LOCAL_SETTINGS):
                    cluster = LocalCluster(  # type: ignore[no-untyped-call]
                        n_workers=int(local.group(1)),
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address=None,
                        silence_logs=logging.CRITICAL + 1,
                    )
            except (RuntimeError, OSError) as e:
                raise ClusterError(
                    f"could not start a local Dask cluster ({address}): {_reason(e)}"
                ) from None
            with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
                yield client
        return
    # How long to wait for the scheduler, and for a worker if it has none: Dask's own setting
    # (distributed.comm.timeouts.connect, 30 s unless changed, e.g. DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s).
    from dask.utils import parse_timedelta

    timeout = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), "s")
    try:
        client = Client(address)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, TypeError, ValueError) as e:  # TypeError: tls:// with no TLS settings
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {_reason(e)}") from None
    with client:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise ClusterError(
                f"the Dask scheduler at {address} has no workers (waited {timeout:g} s)"
            ) from None
        yield client


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
    with _quiet():
        try:
            with _client(address) as client:
                plugin = f"kg-{setup.key[:16]}"
                try:
                    client.register_plugin(setup, name=plugin)
                except Exception as e:  # raised on a worker: another kg there, a full disk, no model
                    raise ClusterError(f"a Dask worker could not be set up: {_reason(e)}") from None
                threads = max(1, sum(client.nthreads().values()))
                size = batch_size(len(documents), threads, AHEAD_PER_THREAD)
                batches = [documents[i : i + size] for i in range(0, len(documents), size)]
                waiting: deque[tuple[Any, Sequence[Document]]] = deque()
                todo = iter(batches)
                ahead = 0
                for i in range(len(batches)):
                    if i % 32 == 0:  # workers come and go: how many are there now
                        ahead = AHEAD_PER_THREAD * max(1, sum(client.nthreads().values()))
                    while len(waiting) < ahead and (nxt := next(todo, None)) is not None:
                        waiting.append((client.submit(read, extract, nxt, name, run, pure=False), nxt))
                    future, batch = waiting.popleft()
                    try:
                        done, error = future.result()
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
                with contextlib.suppress(
                    Exception
                ):  # a scheduler that outlives the run keeps no set-up for it
                    client.unregister_worker_plugin(plugin)
        except KgError:
            raise
        except CancelledError:  # Dask cancels what is waiting when the scheduler's connection closes
            raise ClusterError(f"lost the Dask scheduler at {address}: its connection closed") from None
        except (CommClosedError, OSError, TimeoutError) as e:
            raise ClusterError(f"lost the Dask scheduler at {address}: {_reason(e)}") from None

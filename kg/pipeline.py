"""The one path documents take: documents in → extractions (here, or in worker processes) → the store.

``add_documents`` is the whole of it: the store says which documents it does not hold yet
(``Store.changed``), ``extractions`` turns those into ``Extraction``s (``kg.extract.document.extract_document``
in this process, in a reader thread, in ``jobs`` worker processes, or on a Dask cluster: ``kg.cluster``), and
``Store.add`` writes each one, in the order given, one transaction per document. Nothing else happens here: what a document says is decided in
``kg.extract``, what an entity is across documents and how it is written in ``kg.graph``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from typing import Protocol, cast

from rdflib import Dataset

from kg.extract.components import extractor
from kg.extract.document import batch_size, extract_batch, extract_document, reading_together
from kg.graph.store import AddResult, Store, StoreError
from kg.model import Document, Extraction

__all__ = ["Extractor", "add_documents", "build_graph", "extract_document", "extractions"]


class Extractor(Protocol):
    """What reads one document: ``extract_document``, or another reader with its signature."""

    def __call__(self, doc: Document, *, model: str | None = None) -> Extraction: ...


def add_documents(
    store: Store,
    documents: Sequence[Document],
    *,
    model: str | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    record_load_time: bool = True,
    extract: Extractor = extract_document,
    cluster: str | None = None,
) -> list[AddResult]:
    """Add documents to `store` one by one, each in its own transaction; unchanged ones are left alone.

    With ``jobs`` > 1 the documents are read (the spaCy work) by that many worker processes, while this one
    resolves identities and writes, in the order given, so the result is the same as with one job. `extract`
    is what reads a document (``kg eval --baseline`` gives the bare NER's). With `cluster` (an address, see
    ``kg.cluster``) the workers of a Dask cluster read them instead, with the same result."""
    todo = store.changed(documents)
    fresh = {id(doc) for doc in todo}
    ready = extractions(todo, model=model, jobs=jobs, extract=extract, cluster=cluster)
    results = []
    store.saved = 0
    try:
        for i, doc in enumerate(documents):
            if id(doc) in fresh:
                loaded_at = dt.datetime.now(dt.UTC).replace(microsecond=0) if record_load_time else None
                try:
                    results.append(store.add(next(ready), loaded_at=loaded_at))
                except StoreError as e:
                    raise StoreError(f"{e}; {store.saved_note(len(todo))}") from None
            else:
                results.append(AddResult(doc.name, "unchanged"))
            if progress is not None:
                progress(i + 1, len(documents))
    finally:
        ready.close()  # stops the reader thread or the worker processes
    return results


def build_graph(
    documents: Sequence[Document],
    *,
    model: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    jobs: int = 1,
    extract: Extractor = extract_document,
    cluster: str | None = None,
) -> Dataset:
    """Add every document to a fresh store in memory, in the order given, and return its graphs: one entity per
    real-world entity, one named graph per document. A build records no load times, so the same documents always
    give the same graph."""
    with Store(None) as store:
        add_documents(
            store,
            documents,
            model=model,
            jobs=jobs,
            progress=progress,
            record_load_time=False,
            extract=extract,
            cluster=cluster,
        )
        return store.dataset()


def _extract(args: tuple[Document, str | None, Extractor]) -> Extraction:
    return args[2](args[0], model=args[1])


def extractions(
    documents: Sequence[Document],
    *,
    model: str | None,
    jobs: int = 1,
    extract: Extractor = extract_document,
    cluster: str | None = None,
) -> Generator[Extraction]:
    """The extraction of each document, in order.

    With one job the documents are read in a thread of this process (when it may use more than one core), a
    batch of spaCy's ahead of the caller, so that writing a document to the store overlaps with reading the next
    (spaCy's matrix and parsing code, Oxigraph and SQLite run without Python's global lock). With more, by that
    many worker processes, a few batches each; with a cluster's address, by its workers, a batch a task."""
    if cluster is not None:
        if documents:
            from kg.cluster import cluster_extractions

            yield from cluster_extractions(documents, address=cluster, model=model, extract=extract)
        return
    if len(documents) < 2:
        yield from (_extract((doc, model, extract)) for doc in documents)
        return
    extractor(model)  # load the model once, before the reader thread starts or the workers fork
    if jobs <= 1:
        if _usable_cpus() > 1:
            yield from _read_ahead(documents, model, extract)
        else:  # a second thread would only take turns with this one, and switching costs
            yield from _batched(documents, model, extract, batch_size(len(documents), 1))
        return
    import multiprocessing

    size = batch_size(len(documents), jobs)
    batches = [(documents[i : i + size], model, extract) for i in range(0, len(documents), size)]
    with contextlib.ExitStack() as stack:
        with _stops_held() as mask:  # until the workers have set themselves up, and the Pool is in the stack
            pool = stack.enter_context(
                multiprocessing.get_context("fork").Pool(
                    jobs, initializer=_worker_started, initargs=(os.getpid(), mask)
                )
            )
        for done, error in pool.imap(_extract_batch, batches, chunksize=1):
            yield from done
            if error is not None:
                raise error


def _batched(
    documents: Sequence[Document], model: str | None, extract: Extractor, size: int
) -> Iterator[Extraction]:
    """The extraction of each document, in order, spaCy reading `size` documents at a time."""
    for i in range(0, len(documents), size):
        batch = documents[i : i + size]
        with reading_together(batch, model=model, extract=extract):
            for doc in batch:
                yield _extract((doc, model, extract))


@contextlib.contextmanager
def _stops_held() -> Iterator[set[int | signal.Signals]]:
    """Ctrl-C and SIGTERM held back while the block runs, which yields this thread's signal mask from before.

    They are blocked in this thread, so that the processes it forks start with them blocked (until
    ``_worker_started`` has set up theirs), and so are the threads it starts (they stay this thread's to handle).
    Another thread of this process (Oxigraph's, say) may still take one, and Python run its handler in the main
    thread at once: so, in the main thread, the handlers are set aside meanwhile too, and a signal that came is
    handled as the block ends, once the caller's handlers are back."""
    stops = (signal.SIGINT, signal.SIGTERM)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, ())  # one caught already is handled here, as it would be
    came: list[int] = []

    def hold(signum: int, frame: object) -> None:
        if signum not in came:
            came.append(signum)

    held = {}
    if threading.current_thread() is threading.main_thread():
        held = {stop: handler for stop in stops if callable(handler := signal.getsignal(stop))}
    try:
        for stop in held:
            signal.signal(stop, hold)
        signal.pthread_sigmask(signal.SIG_BLOCK, stops)
        yield mask
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for stop, handler in held.items():
            signal.signal(stop, handler)
        for signum in came:
            signal.raise_signal(signum)


def _worker_started(parent: int, mask: Iterable[int | signal.Signals]) -> None:
    """A worker process's set-up, run with Ctrl-C and SIGTERM blocked (see `_stops_held`), which it unblocks
    (to `mask`, the caller's) once done. Ctrl-C is the caller's to handle (it stops the workers: a worker of its
    own would print a traceback), SIGTERM ends the worker at once (the caller's handler, inherited by the fork,
    would make it another exception), and it dies with the caller: a worker left behind would finish its batch
    and fail to hand it over. Where it can die with the caller, it leaves the caller's process group: a signal to
    the group (``kill -TERM -PGID``) reaches the caller alone, which stops the workers in the Pool's order; a
    worker killed by it while waiting for a batch would die holding the Pool's lock on its queue of batches,
    and the caller, stopping the Pool, would wait for that lock for ever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)
        os.setpgid(0, 0)
    if os.getppid() != parent:  # the caller was gone before the line above
        os._exit(1)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _extract_batch(
    args: tuple[Sequence[Document], str | None, Extractor],
) -> tuple[list[Extraction], Exception | None]:
    """A worker process's batch (``kg.extract.document.extract_batch``)."""
    documents, model, extract = args
    return extract_batch(documents, model=model, extract=extract)


def _usable_cpus() -> int:
    """The cores this process may run on (its affinity, where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _read_ahead(
    documents: Sequence[Document], model: str | None, extract: Extractor
) -> Generator[Extraction]:
    """Extractions read by a thread that keeps at most two ready; an error reaches the caller in its place."""
    ready: queue.Queue[tuple[bool, Extraction | BaseException]] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def read() -> None:
        made = _batched(documents, model, extract, batch_size(len(documents), 1))
        for _ in documents:
            item: tuple[bool, Extraction | BaseException]
            try:
                item = (True, next(made))
            except BaseException as e:  # handed to the caller, raised there
                item = (False, e)
            while not stop.is_set():
                try:
                    ready.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if stop.is_set() or not item[0]:
                return

    reader = threading.Thread(target=read, name="kg-read", daemon=True)
    reader.start()
    try:
        for _ in documents:
            ok, value = ready.get()
            if not ok:
                raise cast(BaseException, value)
            yield cast(Extraction, value)
    finally:
        stop.set()
        reader.join()

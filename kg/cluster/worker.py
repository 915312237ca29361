"""What runs on a Dask worker for kg: the plugin that sets a worker up once, and the task that reads a document."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin

from kg.errors import ClusterError
from kg.model import Document, Extraction
from kg.ontology.vocab import ONTOLOGY_ENV


@dataclass(frozen=True)
class Run:
    """What every task of one run carries: which ontology to read with, and what the caller runs."""

    ontology: str  # the key of the ontology's bytes (see ``Setup``)
    fingerprint: str  # ``fingerprint(model)`` on the caller's side


def ontology_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.ttl")) if p.is_file()}


def digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name, data in sorted(files.items()):
        h.update(name.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


@lru_cache(maxsize=4)
def fingerprint(model: str) -> str:
    """kg's code (every module's bytes), spaCy's version and the model's name and version: what must match
    across the cluster."""
    from importlib.metadata import PackageNotFoundError, version

    package = Path(__file__).resolve().parents[1]
    code = digest({str(p.relative_to(package)): p.read_bytes() for p in sorted(package.rglob("*.py"))})
    try:
        model_version = version(model.replace("_", "-"))
    except PackageNotFoundError:
        model_version = "unknown"
    return f"kg code {code[:16]}, spaCy {version('spacy')}, model {model} {model_version}"


#: On a worker: the folder each ontology (by key) was written to by ``Setup``.
_FOLDERS: dict[str, Path] = {}
#: The ontology in force is a process-wide setting ($KG_ONTOLOGY): a worker with several threads reads one
#: document at a time, so that two runs with different ontologies cannot read with each other's.
_ONE_AT_A_TIME = threading.Lock()


class Setup(WorkerPlugin):
    """A Dask worker plugin: writes the caller's ontology into the worker's scratch folder and loads the
    extractor (spaCy and the lexicon) once, before the worker reads its first document."""

    def __init__(self, model: str, files: dict[str, bytes]) -> None:
        self.model = model
        self.files = files
        self.key = digest(files)

    def setup(self, worker: Any) -> None:
        from kg.extract.components import extractor

        folder = Path(worker.local_directory) / f"kg-ontology-{self.key[:16]}"
        if not folder.is_dir():
            partial = folder.with_name(f"{folder.name}.{os.getpid()}.partial")
            partial.mkdir(parents=True, exist_ok=True)
            for name, data in self.files.items():
                (partial / name).write_bytes(data)
            with contextlib.suppress(OSError):  # another thread of this worker put it there first
                partial.rename(folder)
        _FOLDERS[self.key] = folder
        with _ONE_AT_A_TIME:
            os.environ[ONTOLOGY_ENV] = str(folder)
            extractor(self.model)


def read(
    extract: Callable[..., Extraction], docs: Sequence[Document], model: str, run: Run
) -> tuple[list[Extraction], Exception | None]:
    """One task: the extractions of a batch of documents, on a worker (``kg.extract.document.extract_batch``); up
    to the first document that failed, with its error."""
    from kg.extract.document import extract_batch

    mine = fingerprint(model)
    if mine != run.fingerprint:
        raise ClusterError(f"a worker runs another kg ({mine}) than this one ({run.fingerprint})")
    folder = _FOLDERS.get(run.ontology)
    if folder is None:
        raise ClusterError("a worker was not set up for this run (its kg plugin did not run)")
    with _ONE_AT_A_TIME:
        os.environ[ONTOLOGY_ENV] = str(folder)
        return extract_batch(docs, model=model, extract=extract)

"""kg: turn documents about public events into an RDF knowledge graph.

The public API is what ``__all__`` names::

    from pathlib import Path
    import kg

    documents = kg.read_documents([Path("seeds")])
    dataset = kg.build_graph(documents)
    kg.write_graph(dataset, Path("exports/graph.ttl"))
    assert kg.validate(kg.read_graph(Path("exports/graph.ttl"))).conforms

The documents, the typed hand-over between stages and the error tree are imported at once (they need only the
standard library). The rest pulls in spaCy, RDFLib or pySHACL, so it is imported on first use (PEP 562): that
keeps ``import kg`` and ``kg --help`` fast.
"""

import importlib as _importlib
import typing as _typing

from kg.errors import ClusterError, ExtractionError, InputError, KgError, ValidationFailed
from kg.model import Document, Entity, Extraction, Relation
from kg.text.read import read_documents

if _typing.TYPE_CHECKING:
    from kg.extract.document import extract_document
    from kg.graph.files import Format, read_graph, serialize
    from kg.graph.shacl import ValidationResult, validate
    from kg.graph.store import Store
    from kg.outputs.export import write_graph
    from kg.pipeline import add_documents, build_graph

__version__ = "0.1.0"

# Public name -> the module that defines it, for the names that are imported on first use.
_LAZY = {
    "add_documents": "kg.pipeline",
    "Store": "kg.graph.store",
    "build_graph": "kg.pipeline",
    "extract_document": "kg.extract.document",
    "Format": "kg.graph.files",
    "read_graph": "kg.graph.files",
    "serialize": "kg.graph.files",
    "write_graph": "kg.outputs.export",
    "ValidationResult": "kg.graph.shacl",
    "validate": "kg.graph.shacl",
}

__all__ = [
    "ClusterError",
    "Document",
    "Entity",
    "Extraction",
    "ExtractionError",
    "Format",
    "InputError",
    "KgError",
    "Relation",
    "Store",
    "ValidationFailed",
    "ValidationResult",
    "__version__",
    "add_documents",
    "build_graph",
    "extract_document",
    "read_documents",
    "read_graph",
    "serialize",
    "validate",
    "write_graph",
]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value  # later lookups find it without coming back here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})

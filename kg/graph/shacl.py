"""SHACL validation of a built graph against ``ontology/shapes.ttl``.

The ontology goes to pySHACL as ``ont_graph`` so that its subclass axioms are visible to the shapes: an
``kg:Agency`` counts as a ``kg:Organization`` without running an inference engine over the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pyshacl import validate as shacl_validate
from rdflib import RDF, Graph
from rdflib.namespace import SH

from kg.ontology.vocab import SHAPES_FILE, load_ontology, ontology_dir

__all__ = ["ValidationResult", "validate"]


@dataclass(frozen=True)
class ValidationResult:
    """The outcome of validating a graph: whether it conforms, the report as text, and how many results."""

    conforms: bool
    report: str
    violations: int


@lru_cache(maxsize=1)
def _shapes() -> Graph:
    # Shared between calls; pySHACL only reads it.
    return Graph().parse(ontology_dir() / SHAPES_FILE, format="turtle")


def validate(data: Graph) -> ValidationResult:
    """Validate ``data`` against the kg SHACL shapes; ``data`` itself is not modified.

    ``violations`` counts the validation results in the report (zero when the graph conforms).
    """
    conforms, results_graph, results_text = shacl_validate(
        data,
        shacl_graph=_shapes(),
        ont_graph=load_ontology(),
        inference="none",
        abort_on_first=False,
        allow_warnings=False,
        meta_shacl=False,
        advanced=False,
    )
    violations = sum(1 for _ in results_graph.subjects(RDF.type, SH.ValidationResult))
    return ValidationResult(conforms=bool(conforms), report=str(results_text), violations=violations)

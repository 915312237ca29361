"""The graph contract as a Markdown page (docs/contract.md), generated from the ontology so that it cannot drift.

``python -m kg.outputs.contract > docs/contract.md`` writes it; a test fails when the committed page differs from what
this module generates. The tables (classes, properties, their labels, comments, domains, ranges and alignments)
come from ``ontology/kg.ttl``; the named graphs and IRIs from the constants that mint them.
"""

from __future__ import annotations

import sys

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection

from kg.graph.rdfmap import ENTITIES_GRAPH
from kg.ontology.prefixes import QUERY_PREFIXES
from kg.ontology.vocab import KG, load_ontology

NAMESPACES = {**QUERY_PREFIXES, "nif": "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"}

#: What every graph holds beyond the tables: the parts of the contract that are about the graph's layout.
INTRO = """\
# The graph contract

What every graph kg writes holds: its classes, its properties, the evidence behind each relation and the named
graphs they live in. The vocabulary is declared in [`ontology/kg.ttl`](../ontology/kg.ttl) (OWL, with
alignments to schema.org, FOAF, W3C ORG, PROV-O, SEM and Dublin Core) and checked by the SHACL shapes in
[`ontology/shapes.ttl`](../ontology/shapes.ttl) (`kg validate`).

This page is generated from the ontology by `python -m kg.outputs.contract > docs/contract.md`; a test fails when it
differs from what the ontology says. Namespaces: `kg:` is `{kg}`, and instances live under `kgi:`, `{kgi}`.

## Entities

- One node per real-world entity, however the documents named it: its IRI is minted from its class family and
  its canonical name (`kgi:person/jane-roe`, `kgi:organization/northby-trust`), so the same entity gets the
  same IRI in every build and from every document; a name that loses characters on the way gets a hash.
- Each entity has exactly one `rdfs:label` (its canonical name: the fullest proper name its documents give,
  without honorifics; for an incident or inquiry no text names, a label built from it: "murder of Jane Roe"),
  any number of `skos:altLabel` (the other names the documents used), at least one class below, and
  `kg:mentionedIn` for each document that mentions it.
- Each document a graph mentions is a `kg:Document` with `dcterms:title`, `kg:sha256` of its text,
  `kg:sourcePath` (its name, which is its identity) and, where it states one, `kg:documentDate`; a store adds
  `prov:generatedAtTime`. Its IRI is its name percent-encoded (`kgi:document/news/report.txt`).

## Evidence

Every relation between entities, and every date, is backed by at least one evidence node: the sentence it was
read from, with its character offsets in the document's text (end exclusive), so that
`text[kg:start:kg:end] == kg:quote`.

```turtle
kgi:evidence/0f3a… a kg:Evidence ;
    rdf:subject kgi:incident/murder-of-jane-roe ;
    rdf:predicate kg:victim ;
    rdf:object kgi:person/jane-roe ;
    kg:source kgi:document/news/report.txt ;
    kg:quote "Jane Roe was stabbed in Northby on 3 May 2021." ;
    kg:start 1200 ; kg:end 1246 .
```

## Named graphs

- **One graph per document**, named by the document's IRI: its metadata, the class of each entity it mentions,
  the names it used for it (`kg:canonicalName`, `kg:name`), `kg:mentionedIn`, the relations read from it and
  their evidence. Removing a document drops its graph.
- **The entity registry**, `{registry}`: each entity's one `rdfs:label` and its `skos:altLabel`s, chosen from
  the names all its documents gave it.
- Queries see the union of the graphs. Turtle, N-Triples and JSON-LD exports hold the union; TriG and N-Quads
  keep the named graphs.
"""


def _name(term: object, graph: Graph) -> str:
    """A term as the page shows it: a prefixed name, or for an owl:unionOf class, its members joined by "or"."""
    if isinstance(term, BNode):
        members = graph.value(term, OWL.unionOf)
        if members is not None:
            return " or ".join(_name(m, graph) for m in Collection(graph, members))
        return "(anonymous)"
    text = str(term)
    for prefix, namespace in sorted(NAMESPACES.items(), key=lambda kv: -len(kv[1])):
        if text.startswith(namespace) and prefix != "kgi":
            return f"{prefix}:{text[len(namespace) :]}"
    return f"<{text}>"


def _text(graph: Graph, subject: URIRef, predicate: URIRef) -> str:
    value = graph.value(subject, predicate)
    return " ".join(str(value).split()).replace("|", "\\|") if isinstance(value, Literal) else ""


def _all(graph: Graph, subject: URIRef, predicate: URIRef) -> str:
    return ", ".join(sorted(f"`{_name(o, graph)}`" for o in graph.objects(subject, predicate)))


def _terms(graph: Graph, kind: URIRef) -> list[URIRef]:
    """The kg: terms of one kind, in the order the ontology declares them (by their position in kg.ttl)."""
    found = [
        t for t in graph.subjects(RDF.type, kind) if isinstance(t, URIRef) and str(t).startswith(str(KG))
    ]
    order = {
        name: i for i, name in enumerate(KG.__annotations__)
    }  # kg.ontology.vocab declares them in kg.ttl's order
    return sorted(found, key=lambda t: (order.get(str(t)[len(str(KG)) :], len(order)), str(t)))


def render(graph: Graph | None = None) -> str:
    """The contract page for an ontology graph (default: the ontology in force)."""
    g = graph if graph is not None else load_ontology()
    lines = [INTRO.format(kg=str(KG), kgi=NAMESPACES["kgi"], registry=f"<{ENTITIES_GRAPH}>"), ""]
    lines += ["## Classes", "", "| class | label | what it is | subclass of |", "|---|---|---|---|"]
    for cls in _terms(g, OWL.Class):
        lines.append(
            f"| `{_name(cls, g)}` | {_text(g, cls, RDFS.label)} | {_text(g, cls, RDFS.comment)} |"
            f" {_all(g, cls, RDFS.subClassOf)} |"
        )
    for title, kind in (
        ("Relations (object properties)", OWL.ObjectProperty),
        ("Values (datatype properties)", OWL.DatatypeProperty),
    ):
        lines += ["", f"## {title}", ""]
        lines += [
            "| property | label | domain | range | what it states | aligned with |",
            "|---|---|---|---|---|---|",
        ]
        for prop in _terms(g, kind):
            domain = " / ".join(f"`{_name(d, g)}`" for d in g.objects(prop, RDFS.domain))
            range_ = " / ".join(f"`{_name(r, g)}`" for r in g.objects(prop, RDFS.range))
            aligned = ", ".join(
                a for a in (_all(g, prop, RDFS.subPropertyOf), _all(g, prop, OWL.inverseOf)) if a
            )
            inverse = " (inverse)" if (prop, OWL.inverseOf, None) in g else ""
            lines.append(
                f"| `{_name(prop, g)}` | {_text(g, prop, RDFS.label)} | {domain} | {range_} |"
                f" {_text(g, prop, RDFS.comment)} | {aligned}{inverse} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())

"""Stage 5: entities and relations to RDF. Every instance IRI is minted here, and only here.

An entity's IRI comes from its class family and canonical name (``kgi:person/david-amess``), so the same entity
gets the same IRI in every build and from every document. Each document's facts go into a named graph of their
own (the document's IRI), which holds the document's metadata, the entities it mentions (type, canonical name,
the other names it used, ``kg:mentionedIn``), the relations read from it and their evidence.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import defaultdict

from rdflib import RDF, RDFS, XSD, Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from kg.lexicon import load_lexicon
from kg.model import DateValue, Document, Entity, Extraction, Relation
from kg.resolve import family
from kg.vocab import KG, KGI

PREFIXES = {
    "kg": str(KG),
    "kgi": str(KGI),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "xsd": str(XSD),
    "rdfs": str(RDFS),
    "schema": "https://schema.org/",
}


def slug(text: str) -> str:
    """A readable, IRI-safe form of a name. Names that lose characters on the way get a short hash, so two
    names never share a slug."""
    ascii_form = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[^a-z0-9]+", "-", ascii_form.lower()).strip("-")[:80].strip("-")
    lossless = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") == s
    if not s or not lossless:
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
        s = f"{s}-{digest}" if s else digest
    return s


def entity_iri(cls: str, label: str) -> URIRef:
    return KGI[f"{family(cls).lower()}/{slug(label)}"]


def document_iri(name: str) -> URIRef:
    return KGI[f"document/{slug(name)}"]


def evidence_iri(doc: str, s: URIRef, p: URIRef, o: object, start: int, end: int) -> URIRef:
    key = "\x1f".join((doc, str(s), str(p), str(o), str(start), str(end)))
    return KGI[f"evidence/{hashlib.sha1(key.encode('utf-8')).hexdigest()[:20]}"]


def date_literal(d: DateValue) -> Literal:
    dtype = {"date": XSD.date, "gYearMonth": XSD.gYearMonth, "gYear": XSD.gYear}[d.datatype]
    return Literal(d.lexical, datatype=dtype)


def _cls(name: str) -> URIRef:
    """The IRI of a kg: class or property: one the package knows, or one a user's ontology file declares."""
    try:
        iri: URIRef = getattr(KG, name)
    except AttributeError:
        if name not in load_lexicon().entity_classes:
            raise
        iri = URIRef(str(KG) + name)
    return iri


def to_dataset(ex: Extraction, *, loaded_at: dt.datetime | None = None) -> Dataset:
    """The RDF of an extraction: one named graph per document."""
    ds = Dataset()
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    iris = {k: entity_iri(e.cls, e.label) for k, e in ex.entities.items()}
    by_doc: dict[str, list[Relation]] = defaultdict(list)
    for r in ex.relations:
        if r.evidence is not None:
            by_doc[r.evidence.doc].append(r)
    for doc in ex.documents:
        d_iri = document_iri(doc.name)
        g = ds.graph(d_iri)
        _document(g, d_iri, doc, loaded_at)
        for k, e in ex.entities.items():
            if doc.name not in e.docs:
                continue
            _entity(g, iris[k], e, d_iri, doc.name)
        for r in by_doc.get(doc.name, []):
            _relation(g, r, iris, d_iri)
    return ds


def _document(g: object, d_iri: URIRef, doc: Document, loaded_at: dt.datetime | None) -> None:
    add = g.add  # type: ignore[attr-defined]
    add((d_iri, RDF.type, KG.Document))
    add((d_iri, DCTERMS.title, Literal(doc.title or doc.name)))
    add((d_iri, KG.sha256, Literal(doc.sha256)))
    add((d_iri, KG.sourcePath, Literal(doc.name)))
    if doc.date is not None:
        add((d_iri, KG.documentDate, date_literal(doc.date)))
    if loaded_at is not None:
        add((d_iri, PROV.generatedAtTime, Literal(loaded_at.isoformat(), datatype=XSD.dateTime)))


def _entity(g: object, iri: URIRef, e: Entity, d_iri: URIRef, doc: str) -> None:
    add = g.add  # type: ignore[attr-defined]
    add((iri, RDF.type, _cls(e.cls)))
    add((iri, RDFS.label, Literal(e.label)))
    for a in sorted(e.alt_labels):
        if a != e.label:
            add((iri, SKOS.altLabel, Literal(a)))
    add((iri, KG.mentionedIn, d_iri))
    if e.kind is not None:
        add((iri, KG.eventKind, Literal(e.kind)))


def _relation(g: object, r: Relation, iris: dict[str, URIRef], d_iri: URIRef) -> None:
    add = g.add  # type: ignore[attr-defined]
    s = iris[r.subject]
    p = _cls(r.prop)
    o = date_literal(r.object) if isinstance(r.object, DateValue) else iris[r.object]
    add((s, p, o))
    ev = r.evidence
    if ev is None:
        return
    e_iri = evidence_iri(ev.doc, s, p, o, ev.start, ev.end)
    add((e_iri, RDF.type, KG.Evidence))
    add((e_iri, RDF.subject, s))
    add((e_iri, RDF.predicate, p))
    add((e_iri, RDF.object, o))
    add((e_iri, KG.source, d_iri))
    add((e_iri, KG.quote, Literal(ev.quote)))
    add((e_iri, KG.start, Literal(ev.start)))
    add((e_iri, KG.end, Literal(ev.end)))

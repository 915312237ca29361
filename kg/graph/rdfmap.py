"""Entities and relations to RDF quads: every instance IRI is minted here, and only here.

An entity's IRI comes from its class family and canonical name (``kgi:person/david-amess``), so the same entity
gets the same IRI in every build and from every document. Each document's facts go into a named graph of their
own (the document's IRI), which holds the document's metadata, the entities it mentions (type, canonical name,
the other names it used, ``kg:mentionedIn``), the relations read from it and their evidence.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import re
import unicodedata
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from kg.model import DateValue, Document, Extraction
from kg.ontology.lexicon import Lexicon, load_lexicon
from kg.ontology.vocab import KG, KGI


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


def entity_iri(cls: str, label: str, lex: Lexicon | None = None) -> URIRef:
    """An entity's IRI, from its class's family in `lex` (default: the ontology in force) and its label."""
    return KGI[f"{(lex or load_lexicon()).family(cls).lower()}/{slug(label)}"]


def document_iri(name: str) -> URIRef:
    """A document's IRI: its name (`kg.text.read.document_name`, a path) percent-encoded as UTF-8, with "/" kept
    between folders (``kgi:document/news/Report%20one.txt``). It is lossless, so two names never share an IRI:
    "%" is encoded too, an absolute path's leading "/" is "%2F", and "." and ".." segments are encoded so that
    no tool resolving the IRI can fold one path into another."""
    segments = []
    for segment in name.split("/"):
        if segment in (".", ".."):
            segments.append(segment.replace(".", "%2E"))
        else:
            segments.append(quote(segment.encode("utf-8", "surrogatepass"), safe="-._~"))
    encoded = "/".join(segments)
    if encoded.startswith("/"):
        encoded = "%2F" + encoded[1:]
    return KGI[f"document/{encoded}"]


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


#: The named graph of the entity registry: every entity's rdfs:label and skos:altLabel, chosen from the names
#: all its documents gave it. Everything else lives in the named graph of the document it was read from.
ENTITIES_GRAPH = KGI["graph/entities"]


def _node(term: URIRef | Literal) -> ox.NamedNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))


_INTEGER = ox.NamedNode(str(XSD.integer))
#: The registry's graph as an Oxigraph term.
ENTITIES_NODE = ox.NamedNode(str(ENTITIES_GRAPH))
_LABEL, _ALT_LABEL = (ox.NamedNode(str(t)) for t in (RDFS.label, SKOS.altLabel))


def document_quads(
    doc: Document, ex: Extraction, iris: dict[str, str], *, loaded_at: dt.datetime | None = None
) -> list[ox.Quad]:
    """The named graph of one document: its metadata, the entities it mentions (class, the names it used,
    ``kg:mentionedIn``), the relations read from it and the evidence of each."""
    d = document_iri(doc.name)
    out: list[ox.Quad] = []
    named = functools.lru_cache(maxsize=None)(ox.NamedNode)  # a document names a few dozen IRIs many times
    term = functools.lru_cache(maxsize=None)(_cls)
    graph = named(str(d))

    def add(s: URIRef, p: URIRef, o: URIRef | Literal | ox.Literal) -> None:
        obj = named(o) if isinstance(o, URIRef) else o if isinstance(o, ox.Literal) else _node(o)
        out.append(ox.Quad(named(s), named(p), obj, graph))

    def text(value: str) -> ox.Literal:
        return ox.Literal(value)  # xsd:string

    def integer(value: int) -> ox.Literal:
        return ox.Literal(str(value), datatype=_INTEGER)

    add(d, RDF.type, KG.Document)
    add(d, DCTERMS.title, text(doc.title or doc.name.rsplit("/", 1)[-1]))
    add(d, KG.sha256, text(doc.sha256))
    add(d, KG.sourcePath, text(doc.name))
    add(d, KG.text, text(doc.text))
    if doc.date is not None:
        add(d, KG.documentDate, date_literal(doc.date))
    if doc.media_type not in ("text/plain", "text/markdown") or doc.url:  # fetched: say what it was read as
        add(d, DCTERMS["format"], text(doc.media_type))
    if doc.author:
        add(d, DCTERMS.creator, text(doc.author))
    if doc.site:
        add(d, DCTERMS.publisher, text(doc.site))
    if doc.url:
        add(d, DCTERMS.source, Literal(doc.url, datatype=XSD.anyURI))  # a literal: any URL stays text
    if doc.retrieved is not None:
        add(d, KG.retrievedAt, Literal(doc.retrieved.isoformat(), datatype=XSD.dateTime))
    if doc.final_url:
        add(d, KG.fetchedFrom, Literal(doc.final_url, datatype=XSD.anyURI))
    if loaded_at is not None:
        add(d, PROV.generatedAtTime, Literal(loaded_at.isoformat(), datatype=XSD.dateTime))
    for key, e in ex.entities.items():
        iri = URIRef(iris[key])
        add(iri, RDF.type, term(e.cls))
        add(iri, KG.canonicalName, text(e.label))
        for name in sorted(e.alt_labels - {e.label}):
            add(iri, KG.name, text(name))
        add(iri, KG.mentionedIn, d)
        if e.kind is not None:
            add(iri, KG.eventKind, text(e.kind))
    for r in ex.relations:
        s = URIRef(iris[r.subject])
        p = term(r.prop)
        o = date_literal(r.object) if isinstance(r.object, DateValue) else URIRef(iris[r.object])
        add(s, p, o)
        ev = r.evidence
        if ev is None:
            continue
        e_iri = evidence_iri(ev.doc, s, p, o, ev.start, ev.end)
        add(e_iri, RDF.type, KG.Evidence)
        add(e_iri, RDF.subject, s)
        add(e_iri, RDF.predicate, p)
        add(e_iri, RDF.object, o)
        add(e_iri, KG.source, d)
        add(e_iri, KG.quote, text(ev.quote))
        add(e_iri, KG.start, integer(ev.start))
        add(e_iri, KG.end, integer(ev.end))
        if doc.pages:
            add(e_iri, KG.page, integer(bisect.bisect_right(doc.pages, ev.start)))
    return out


def registry_quads(iri: str, label: str, alt_labels: set[str]) -> list[ox.Quad]:
    """An entity's entry in the registry: its one label and its other names."""
    s, graph = ox.NamedNode(iri), ENTITIES_NODE
    out = [ox.Quad(s, _LABEL, ox.Literal(label), graph)]
    out += [ox.Quad(s, _ALT_LABEL, ox.Literal(a), graph) for a in sorted(alt_labels - {label})]
    return out

"""One document's extraction: its analysis, entities and relations, decided with the whole document in view.

``extract_document`` runs the analysis (``kg.extract.mentions``), resolves mentions to entities
(``kg.extract.resolve``), reads relations (``kg.extract.relate``), gives agent nouns ("the attacker") their
perpetrators, checks every relation against the ontology's domains and ranges, settles unnamed incidents and
inquiries (``kg.extract.unnamed``) and adds the dated steps of a case (``kg.extract.events``). ``extract_batch``
reads a worker's batch of documents and hands on what it made up to a document that failed.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from kg.extract.events import add_events
from kg.extract.mentions import DocumentAnalysis, Found, evidence, extractor
from kg.extract.relate import VICTIM_POST, parse_relations, pattern_relations, verb_relations
from kg.extract.resolve import DocumentResolver
from kg.extract.unnamed import settle_unnamed
from kg.model import DateValue, Document, Entity, Extraction, Relation
from kg.ontology.lexicon import Lexicon
from kg.text.dates import document_date

#: The most documents spaCy reads in one batch (`reading_together`); each is still extracted, and handed on, one
#: at a time.
BATCH = 8


def batch_size(documents: int, readers: int, per_reader: int = 4) -> int:
    """Up to BATCH documents a batch, fewer when there are few: each of `readers` gets `per_reader` batches or
    more, and the first documents are handed on before spaCy has read them all."""
    return max(1, min(BATCH, documents // (readers * per_reader)))


def reading_together(
    docs: Sequence[Document], *, model: str | None, extract: Callable[..., Extraction]
) -> Any:
    """A context in which spaCy reads these documents in one batch for `extract_document` (nothing for another
    extractor, or for one document)."""
    if extract is extract_document and len(docs) > 1:
        return extractor(model).reading_ahead([doc.text for doc in docs])
    return contextlib.nullcontext()


def extract_batch(
    docs: Sequence[Document], *, model: str | None, extract: Callable[..., Extraction]
) -> tuple[list[Extraction], Exception | None]:
    """A worker's batch (a worker process's or a Dask worker's), spaCy reading it together when `extract` is
    ``extract_document``: the extractions made up to the first document that failed, and its error, so that the
    caller writes the documents before it."""
    done: list[Extraction] = []
    try:
        with reading_together(docs, model=model, extract=extract):
            for doc in docs:
                done.append(extract(doc, model=model))
    except Exception as e:  # handed to the caller after the documents before it
        return done, e
    return done, None


def extract_document(doc: Document, *, model: str | None = None) -> Extraction:
    """Entities and relations of one document, each relation with the sentence it came from."""
    if doc.date is None:
        doc = dataclasses.replace(doc, date=document_date(doc.text))
    ex = extractor(model)
    lex = ex.lex
    an = ex.analyse(doc)
    res = DocumentResolver(an, lex)
    res.resolve_names()
    for m in an.mentions.values():
        if m.kind in ("trigger", "verb") and m.cls in ("Incident", "Inquiry"):
            key = f"{m.cls}:#{doc.name}#{m.id}"
            res.entities[key] = Entity(key=key, cls=m.cls, label="", docs={doc.name})
            m.entity = key
    res.resolve_references()
    for m in an.mentions.values():
        # "the attack in Leeds" with nothing before it to refer to: an incident the reader is taken to know
        if m.kind == "definite" and m.entity is None and m.cls in ("Incident", "Inquiry"):
            key = f"{m.cls}:#{doc.name}#{m.id}"
            res.entities[key] = Entity(key=key, cls=m.cls, label="", docs={doc.name})
            m.entity = key

    def read_relations() -> list[Found]:
        readers = (pattern_relations, parse_relations, verb_relations)
        return an.found + [f for read in readers for f in read(an, lex)] + _agent_appositions(an)

    found = read_relations()
    if _resolve_agents(an, found, res.entities):
        found = read_relations()  # agent nouns now stand for their perpetrators
    relations = _entity_relations(an, found, res.entities, lex)
    entities, relations = settle_unnamed(res.entities, relations, an, lex)
    relations = _victims_by_post(relations)
    add_events(an, entities, relations, lex)
    return Extraction(documents=[doc], entities=entities, relations=relations)


VICTIM_PARTY = "victimParty"


def _victims_by_post(relations: list[Relation]) -> list[Relation]:
    """'Ashdown murdered the Conservative MP for Northby East' and, elsewhere, the murder's victim is Sir Ada:
    then Sir Ada held that post, and was a member of the party it names."""
    victims: dict[str, list[str]] = defaultdict(list)
    for r in relations:
        if r.prop == "victim" and isinstance(r.object, str):
            victims[r.subject].append(r.object)
    out = [r for r in relations if r.prop not in (VICTIM_POST, VICTIM_PARTY)]
    seen = {(r.subject, r.prop, str(r.object)) for r in out}
    for r in relations:
        if r.prop not in (VICTIM_POST, VICTIM_PARTY) or len(victims.get(r.subject, [])) != 1:
            continue
        prop = "holdsPost" if r.prop == VICTIM_POST else "memberOf"
        key = (victims[r.subject][0], prop, str(r.object))
        if key not in seen:
            seen.add(key)
            out.append(Relation(victims[r.subject][0], prop, r.object, r.evidence))
    return out


def _agent_appositions(an: DocumentAnalysis) -> list[Found]:
    """'The attacker, Rob Castell, was shot': the name beside an agent noun is the perpetrator of the incident in
    focus (the latest incident named before it, or else the first one the document names)."""
    ordered = sorted(an.mentions.values(), key=lambda m: m.start)
    incidents = [m for m in ordered if m.cls == "Incident" and m.entity]
    found: list[Found] = []
    for i, m in enumerate(ordered):
        if m.kind != "agent":
            continue
        nxt = next((x for x in ordered[i + 1 :] if x.start >= m.end), None)
        if nxt is None or nxt.cls != "Person" or nxt.kind != "name" or nxt.sent != m.sent:
            continue
        if an.doc.text[m.end : nxt.start].strip() not in (",", ""):
            continue
        before = [x for x in incidents if x.start < m.start]
        focus = before[-1] if before else (incidents[0] if incidents else None)
        if focus is not None:
            m.entity = nxt.entity
            found.append(Found(focus.id, "perpetrator", nxt.id, m.sent))
    return found


def _resolve_agents(an: DocumentAnalysis, found: list[Found], entities: dict[str, Entity]) -> bool:
    """'The perpetrator', 'Sir Ada's killer': the perpetrator of the incident in focus (or of the incident
    whose victim the possessor is). True when any agent noun was resolved."""
    perps: dict[str, list[str]] = defaultdict(list)
    incidents_of_victim: dict[str, list[str]] = defaultdict(list)
    for f in found:
        s, o = an.mentions[f.subject], an.mentions[f.object]
        if s.entity and o.entity and f.prop == "perpetrator":
            perps[s.entity].append(o.entity)
        if s.entity and o.entity and f.prop == "victim":
            incidents_of_victim[o.entity].append(s.entity)
    changed = False
    ordered = sorted(an.mentions.values(), key=lambda m: m.start)
    for m in ordered:
        if m.kind != "agent" or m.entity:
            continue
        tok = m.token
        owner = next((c for c in tok.children if c.dep_ == "poss"), None) if tok is not None else None
        candidates: list[str] = []
        if owner is not None:
            pm = [
                x for x in ordered if x.sent == m.sent and x.cls == "Person" and x.entity and x.end <= m.start
            ]
            if pm:
                candidates = incidents_of_victim.get(pm[-1].entity or "", [])
        else:
            before = [
                x.entity for x in ordered if x.start < m.start and x.cls == "Incident" and x.entity in perps
            ]
            candidates = [e for e in reversed(before) if e] or list(perps)
        for inc in candidates:
            if perps.get(inc):
                m.entity = perps[inc][0]
                changed = True
                break
    return changed


def _entity_relations(
    an: DocumentAnalysis, found: list[Found], entities: dict[str, Entity], lex: Lexicon
) -> list[Relation]:
    sigs = lex.signatures
    out: list[Relation] = []
    seen: set[tuple[str, str, object]] = set()

    def emit(s: str, prop: str, o: str | DateValue, sent: int) -> None:
        if s == o or (s, prop, o) in seen:
            return
        dom, rng = sigs.get(prop, (frozenset(), frozenset()))
        if entities[s].cls not in dom:
            return
        if isinstance(o, DateValue):
            if "Literal" not in rng:
                return
        elif entities[o].cls not in rng:
            return
        seen.add((s, prop, o))
        out.append(Relation(s, prop, o, evidence(an, sent)))

    # A victim or perpetrator known only through a pronoun ('his murder') confirms what a name said elsewhere in
    # the document; on its own it is too weak to make an incident of.
    named_roles = {
        (f.prop, an.mentions[f.object].entity)
        for f in found
        if f.prop in ("victim", "perpetrator") and an.mentions[f.object].kind != "pronoun"
    }
    # of a fact said twice, the first sentence that names it is its evidence (a pronoun's only where no name said it)
    for f in sorted(found, key=lambda f: (an.mentions[f.object].kind == "pronoun", f.sent)):
        sm, om = an.mentions[f.subject], an.mentions[f.object]
        subj = sm.entity
        if (
            om.kind == "pronoun"
            and f.prop in ("victim", "perpetrator")
            and (f.prop, om.entity) not in named_roles
        ):
            continue
        if subj is None or subj not in entities:
            continue
        if om.date is not None:
            emit(subj, f.prop, om.date, f.sent)
            continue
        if om.entity is None or om.entity not in entities:
            continue
        if f.prop == VICTIM_POST:
            # kept aside until the incident's victim is known by name (see _victims_by_post)
            out.append(Relation(subj, VICTIM_POST, om.entity, evidence(an, f.sent)))
            for role, inner in om.inner:
                party = an.mentions[inner].entity
                if role in ("party", "org") and party in entities:
                    out.append(Relation(subj, VICTIM_PARTY, party, evidence(an, f.sent)))
            continue
        emit(subj, f.prop, om.entity, f.sent)
        if f.prop == "holdsPost":
            for role, inner in om.inner:
                im = an.mentions[inner]
                if role in ("party", "org") and im.entity in entities:
                    emit(subj, "memberOf", im.entity, f.sent)
    return out

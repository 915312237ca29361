"""Signatures: relations between entities, kept where the ontology's domains and ranges allow them.

Of a fact said twice, the first sentence that names it is its evidence.
"""

from __future__ import annotations

from kg.extract.analysis import Component, DocumentAnalysis, Found, evidence
from kg.extract.relate import VICTIM_POST
from kg.extract.victims import VICTIM_PARTY
from kg.model import DateValue, Entity, Relation
from kg.ontology.lexicon import Lexicon


class Signatures(Component):
    """Relations between entities, kept where the property's domain and range allow them."""

    name = "signatures"

    def document(self, an: DocumentAnalysis) -> None:
        an.relations = _entity_relations(an, an.found, an.entities, self.lex)


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

"""Victims named by their post: the victim known by name holds the post and belongs to the party it names."""

from __future__ import annotations

from collections import defaultdict

from kg.extract.analysis import Component, DocumentAnalysis
from kg.extract.relate import VICTIM_POST
from kg.model import Relation

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


class Victims(Component):
    """A victim named by a post holds it, and belongs to the party it names.

    Only where the incident has one victim known by name ('murdered the MP for Northby East' and 'Sir Ada').
    """

    name = "victims"

    def document(self, an: DocumentAnalysis) -> None:
        an.relations = _victims_by_post(an.relations)

"""Relations between mentions, read by ``kg.extract.relate``, and the perpetrators agent nouns stand for.

'the attacker, Rob Castell', "Sir Ada's killer": the perpetrator of the incident in focus.
"""

from __future__ import annotations

from collections import defaultdict

from kg.extract.analysis import Component, DocumentAnalysis, Found
from kg.extract.relate import parse_relations, pattern_relations, verb_relations
from kg.model import Entity


class Relations(Component):
    """Relations read between mentions, each with its sentence; agent nouns joined to perpetrators."""

    name = "relations"

    def document(self, an: DocumentAnalysis) -> None:
        layout = list(an.found)  # what the page's layout stated (speaker headers)

        def read() -> list[Found]:
            readers = (pattern_relations, parse_relations, verb_relations)
            return layout + [f for r in readers for f in r(an, self.lex)] + _agent_appositions(an)

        an.found = read()
        if _resolve_agents(an, an.found, an.entities):
            an.found = read()  # agent nouns now stand for their perpetrators


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

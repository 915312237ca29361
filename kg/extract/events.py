"""The dated steps of a case ("referred to the programme in March 2019"): one kg:Event each.

Read with the lexicon's event patterns, each with its kind, date, participants and the relation the step
implies."""

from __future__ import annotations

from collections import defaultdict

from kg.extract.analysis import Component, DocumentAnalysis, Mention, evidence
from kg.extract.relate import event_matches
from kg.model import DateValue, Entity, Relation
from kg.ontology.lexicon import Lexicon
from kg.text.fold import fold


def add_events(
    an: DocumentAnalysis, entities: dict[str, Entity], relations: list[Relation], lex: Lexicon
) -> None:
    """The dated steps of a case ('Tom Edward Ashdown exited from Harbourside (April 2015)'): one kg:Event each, with its
    kind, date and participants, and the relation the step implies (an exit implies a referral)."""
    sigs = lex.signatures
    dates_by_sent: dict[int, list[Mention]] = defaultdict(list)
    for m in sorted(an.mentions.values(), key=lambda m: m.start):
        if m.date is not None:
            dates_by_sent[m.sent].append(m)
    known = {(r.subject, r.prop, str(r.object)) for r in relations}

    def add(s: str, prop: str, o: str | DateValue, sent: int) -> None:
        if (s, prop, str(o)) not in known:
            known.add((s, prop, str(o)))
            relations.append(Relation(s, prop, o, evidence(an, sent)))

    for ev in event_matches(an, lex):
        role_entities: dict[str, str] = {}
        for role, ids in ev.roles.items():
            entity = an.mentions[ids[0]].entity
            if entity in entities:
                role_entities[role] = entity
        if "{p}" in ev.label_template and "p" not in role_entities:
            continue
        if "{g}" in ev.label_template and "g" not in role_entities:
            continue
        date_mentions = [an.mentions[i] for i in ev.roles.get("d", [])] or dates_by_sent.get(ev.sent, [])
        date = date_mentions[0].date if date_mentions else None
        label = ev.label_template.format(**{r: entities[k].label for r, k in role_entities.items()})
        if date is not None:
            label = f"{label} ({date.written})"
        key = f"Event:{fold(label)}"
        event = entities.setdefault(
            key, Entity(key=key, cls="Event", label=label, docs={an.doc.name}, kind=ev.kind)
        )
        if date is not None:
            add(event.key, "date", date, ev.sent)
        for role, k in sorted(role_entities.items()):
            if role != "d":
                add(event.key, "involves", k, ev.sent)
        for prop in ev.implies:
            p, g = role_entities.get("p"), role_entities.get("g")
            dom, rng = sigs.get(prop, (frozenset(), frozenset()))
            if p and g and entities[p].cls in dom and entities[g].cls in rng:
                add(p, prop, g, ev.sent)


class Events(Component):
    """The dated steps of a case, one kg:Event each, with the relation each implies."""

    name = "events"

    def document(self, an: DocumentAnalysis) -> None:
        add_events(an, an.entities, an.relations, self.lex)

"""The straight path: documents → analysis → entities and relations → one graph.

``extract_document`` turns one document into entities and relations with evidence; ``merge`` makes one entity of
each real-world entity however many documents name it; ``build_graph`` runs both and maps the result to RDF.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from kg.extract.mentions import DocumentAnalysis, Found, Mention, evidence, extractor
from kg.extract.relate import VICTIM_POST, event_matches, parse_relations, pattern_relations, verb_relations
from kg.extract.resolve import DocumentResolver
from kg.model import LABEL_LINKS, DateValue, Document, Entity, Extraction, Relation
from kg.ontology.lexicon import load_lexicon, property_signatures
from kg.text.dates import document_date
from kg.text.fold import fold


def extract_document(doc: Document, *, model: str | None = None) -> Extraction:
    """Entities and relations of one document, each relation with the sentence it came from."""
    if doc.date is None:
        doc = dataclasses.replace(doc, date=document_date(doc.text))
    ex = extractor(model)
    lex = ex.lex
    an = ex.analyse(doc)
    res = DocumentResolver(an, lex.honorifics)
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
    relations = _entity_relations(an, found, res.entities)
    entities, relations = _settle_unnamed(res.entities, relations, an)
    relations = _victims_by_post(relations)
    _events(an, entities, relations)
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


def _events(an: DocumentAnalysis, entities: dict[str, Entity], relations: list[Relation]) -> None:
    """The dated steps of a case ('Tom Edward Ashdown exited from Harbourside (April 2015)'): one kg:Event each, with its
    kind, date and participants, and the relation the step implies (an exit implies a referral)."""
    sigs = property_signatures()
    dates_by_sent: dict[int, list[Mention]] = defaultdict(list)
    for m in sorted(an.mentions.values(), key=lambda m: m.start):
        if m.date is not None:
            dates_by_sent[m.sent].append(m)
    known = {(r.subject, r.prop, str(r.object)) for r in relations}

    def add(s: str, prop: str, o: str | DateValue, sent: int) -> None:
        if (s, prop, str(o)) not in known:
            known.add((s, prop, str(o)))
            relations.append(Relation(s, prop, o, evidence(an, sent)))

    for ev in event_matches(an, load_lexicon()):
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
    an: DocumentAnalysis, found: list[Found], entities: dict[str, Entity]
) -> list[Relation]:
    sigs = property_signatures()
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
    for f in found:
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


def _settle_unnamed(
    entities: dict[str, Entity], relations: list[Relation], an: DocumentAnalysis
) -> tuple[dict[str, Entity], list[Relation]]:
    """Unnamed incidents and inquiries: one per victim (or perpetrator), a descriptive label from the text, and
    none at all where the text tied nothing to them."""
    relations = _split_plural_incidents(entities, relations, an)
    rel_by: dict[str, list[Relation]] = defaultdict(list)
    for r in relations:
        rel_by[r.subject].append(r)
    # merge incidents of one document that share a victim, or a perpetrator where neither names another victim
    alias: dict[str, str] = {}
    sig_owner: dict[tuple[str, str], str] = {}
    incidents = sorted(
        (k for k, e in entities.items() if e.cls == "Incident"),
        key=lambda k: (entities[k].label == "", _first(an, k)),
    )
    for k in incidents:
        sigs = [(r.prop, str(r.object)) for r in rel_by.get(k, []) if r.prop in ("victim", "perpetrator")]
        victims = {o for p, o in sigs if p == "victim"}
        target = None
        for sig in sorted(sigs):
            owner = sig_owner.get(sig)
            if owner is None:
                continue
            owner_victims = {str(r.object) for r in rel_by.get(owner, []) if r.prop == "victim"}
            if sig[0] == "perpetrator" and victims and owner_victims and not victims & owner_victims:
                continue
            target = owner
            break
        if target is not None and (entities[k].label == "" or entities[target].label == ""):
            alias[k] = target
        for sig in sigs:
            sig_owner.setdefault(sig, alias.get(k, k))
    _merge_into_focus(entities, rel_by, an, alias)

    def canon(k: str) -> str:
        while k in alias:
            k = alias[k]
        return k

    merged: list[Relation] = []
    seen: set[tuple[str, str, str]] = set()
    for r in relations:
        s = canon(r.subject)
        o = r.object if isinstance(r.object, DateValue) else canon(r.object)
        key = (s, r.prop, str(o))
        if key in seen or s == o:
            continue
        seen.add(key)
        merged.append(dataclasses.replace(r, subject=s, object=o))
    for k, target in alias.items():
        t = entities[canon(target)]
        t.mentions += entities[k].mentions
    relations = _most_precise_dates(merged)
    rel_by = defaultdict(list)
    for r in relations:
        rel_by[r.subject].append(r)
    out: dict[str, Entity] = {}
    for k, e in entities.items():
        if k in alias:
            continue
        if e.label == "":
            if not rel_by.get(k) and not any(r.object == k for r in relations):
                continue
            e.label = _descriptive_label(k, an, rel_by.get(k, []), entities)
            if not e.label:
                continue
        out[k] = e
    used = set(out)
    relations = [
        r for r in relations if r.subject in used and (isinstance(r.object, DateValue) or r.object in used)
    ]
    return out, relations


def _split_plural_incidents(
    entities: dict[str, Entity], relations: list[Relation], an: DocumentAnalysis
) -> list[Relation]:
    """'the murders of Ann Pellow and Sir Ada Quill': a plural incident noun with several victims is one incident
    per victim, each with what else the text said of them all."""
    out = list(relations)
    for k, e in list(entities.items()):
        if e.cls != "Incident" or e.label:
            continue
        toks = [m.token for m in an.mentions.values() if m.entity == k and m.token is not None]
        victims = [r for r in relations if r.subject == k and r.prop == "victim"]
        if len(victims) < 2 or not any(t.tag_ in ("NNS", "NNPS") for t in toks):
            continue
        shared = [r for r in relations if r.subject == k and r.prop != "victim"]
        out = [r for r in out if r.subject != k]
        noun = toks[0].lemma_.lower()
        for i, v in enumerate(victims):
            key = f"{k}/{i}"
            label = f"{noun} of {entities[str(v.object)].label}"
            entities[key] = Entity(
                key=key, cls="Incident", label=label, mentions=list(e.mentions), docs=set(e.docs)
            )
            for m in an.mentions.values():
                if m.entity == k and i == 0:
                    m.entity = key  # the first keeps the mentions, for its label
            out += [dataclasses.replace(r, subject=key) for r in (v, *shared)]
        del entities[k]
    return out


def _merge_into_focus(
    entities: dict[str, Entity],
    rel_by: dict[str, list[Relation]],
    an: DocumentAnalysis,
    alias: dict[str, str],
) -> None:
    """An unnamed incident with no named victim is the named incident the document is about ('2024 Harwick
    stabbings' ... 'Tennant killed three children'), when the two name no different perpetrators; an unnamed
    review is the one named review of the document ('the independent review of Steady' under the title
    'Steady: Independent Review')."""
    mention_count: dict[str, int] = defaultdict(int)
    for m in an.mentions.values():
        if m.entity:
            mention_count[m.entity] += 1

    def people(k: str, prop: str) -> set[str]:
        return {
            str(r.object) for r in rel_by.get(k, []) if r.prop == prop and not isinstance(r.object, DateValue)
        }

    for cls in ("Incident", "Inquiry"):
        named = [k for k, e in entities.items() if e.cls == cls and e.label and k not in alias]
        if not named:
            continue
        for k, e in entities.items():
            if e.cls != cls or e.label or k in alias:
                continue
            if cls == "Incident":
                if people(k, "victim"):
                    continue
                perps = people(k, "perpetrator")
                fits = [n for n in named if not (perps and people(n, "perpetrator") - perps)]
            else:
                nouns = {
                    m.token.lemma_.lower()
                    for m in an.mentions.values()
                    if m.entity == k and m.token is not None
                }
                fits = [n for n in named if any(noun in entities[n].label.lower() for noun in nouns)]
                if len(fits) != 1:
                    continue
            if fits:
                alias[k] = max(fits, key=lambda n: (mention_count[n], -_first(an, n)))


def _first(an: DocumentAnalysis, key: str) -> int:
    return min((m.start for m in an.mentions.values() if m.entity == key), default=10**9)


def _descriptive_label(
    key: str, an: DocumentAnalysis, rels: list[Relation], entities: dict[str, Entity]
) -> str:
    ms: list[Mention] = sorted(
        (m for m in an.mentions.values() if m.entity == key), key=lambda m: (m.kind != "trigger", m.start)
    )
    lex = load_lexicon()
    noun = ""
    for m in ms:
        tok = m.token
        if tok is None:
            continue
        trig = lex.trigger_for(tok.lemma_.lower()) or lex.trigger_for(tok.lower_)
        if m.kind == "verb":
            trig = next((t for t in lex.triggers if tok.lemma_.lower() in t.verbs), trig)
            noun = trig.lemmas[0] if trig else tok.lemma_.lower()
        else:
            # "killing spree", not "spree": the trigger's own words, without the year before it
            words = [w for w in m.text.split() if not w.isdigit()]
            noun = " ".join([*words[:-1], tok.lemma_.lower()]) if len(words) > 1 else tok.lemma_.lower()
            noun = noun[:1].lower() + noun[1:]
        if noun:
            break
    if not noun:
        noun = entities[key].cls.lower()
    for prop, link in LABEL_LINKS:
        objs = [r.object for r in rels if r.prop == prop and isinstance(r.object, str)]
        if objs:
            return f"{noun} {link} {entities[objs[0]].label}"
    return ""


def _most_precise_dates(relations: list[Relation]) -> list[Relation]:
    """Of the dates one subject got, drop those a more precise one refines ("2021-10" beside "2021-10-15")."""
    dates: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in relations:
        if isinstance(r.object, DateValue):
            dates[(r.subject, r.prop)].append(r.object.lexical)
    out = []
    for r in relations:
        if isinstance(r.object, DateValue):
            lexical = r.object.lexical
            if any(d != lexical and d.startswith(lexical) for d in dates[(r.subject, r.prop)]):
                continue
        out.append(r)
    return out

"""Unnamed incidents and inquiries ("the attack", "the review"): settled with the whole document in view.

One per victim; merged with the named one the document is about where they fit; given a descriptive label
("murder of Ada Quill"); dropped when the text tied nothing to them."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from kg.extract.analysis import Component, DocumentAnalysis, Mention
from kg.model import DateValue, Entity, Relation
from kg.ontology.lexicon import Lexicon


def settle_unnamed(
    entities: dict[str, Entity], relations: list[Relation], an: DocumentAnalysis, lex: Lexicon
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

    def root(k: str) -> str:
        while k in alias:
            k = alias[k]
        return k

    for k in incidents:
        sigs = [(r.prop, str(r.object)) for r in rel_by.get(k, []) if r.prop in ("victim", "perpetrator")]
        victims = {o for p, o in sigs if p == "victim"}
        for sig in sorted(sigs, key=lambda s: (s[0] != "victim", s)):  # a shared victim first
            owner = sig_owner.get(sig)
            if owner is None or root(owner) == root(k):
                continue
            owner_victims = {str(r.object) for r in rel_by.get(owner, []) if r.prop == "victim"}
            if sig[0] == "perpetrator" and victims and owner_victims and not victims & owner_victims:
                continue
            mine, target = root(k), root(owner)
            if entities[mine].label == "" or entities[target].label == "":
                alias[mine] = target
        for sig in sigs:
            sig_owner.setdefault(sig, root(k))
    _merge_into_focus(entities, rel_by, an, alias)

    def canon(k: str) -> str:
        while k in alias:
            k = alias[k]
        return k

    merged: list[Relation] = []
    seen: set[tuple[str, str, str]] = set()
    for r in relations:  # of the same fact said twice, the first kept (named roles come before pronouns)
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
    # incidents before inquiries: "review of the stabbing in Corby" needs the stabbing's label
    for k, e in sorted(entities.items(), key=lambda item: item[1].cls == "Inquiry"):
        if k in alias:
            continue
        if e.label == "":
            if not rel_by.get(k) and not any(r.object == k for r in relations):
                continue
            e.label = _descriptive_label(k, an, rel_by.get(k, []), entities, lex)
            if not e.label:
                continue
        out[k] = e
    out = {k: out[k] for k in entities if k in out}  # in the order found
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
    key: str, an: DocumentAnalysis, rels: list[Relation], entities: dict[str, Entity], lex: Lexicon
) -> str:
    ms: list[Mention] = sorted(
        (m for m in an.mentions.values() if m.entity == key), key=lambda m: (m.kind != "trigger", m.start)
    )
    noun = ""
    for m in ms:
        tok = m.token
        if tok is None:
            continue
        trig = lex.trigger_for(tok.lemma_.lower()) or lex.trigger_for(tok.lower_)
        if m.kind == "verb":
            trig = lex.triggers_by_verb.get(tok.lemma_.lower(), trig)
            noun = (trig.noun if trig else None) or tok.lemma_.lower()
        else:
            # "killing spree", not "spree": the trigger's own words, without the year before it
            words = [w for w in m.text.split() if not w.isdigit()]
            noun = " ".join([*words[:-1], tok.lemma_.lower()]) if len(words) > 1 else tok.lemma_.lower()
            noun = noun[:1].lower() + noun[1:]
        if noun:
            break
    if not noun:
        noun = entities[key].cls.lower()
    for prop, link in lex.label_links:
        # only an object with a label of its own completes the phrase (an unnamed one left unlabelled does not)
        objs = [entities[r.object] for r in rels if r.prop == prop and isinstance(r.object, str)]
        objs = [o for o in objs if o.label.strip()]
        if objs:
            # "review of the stabbing in Corby", "review of the 2017 Harwick attack": an incident takes "the"
            the = "the " if objs[0].cls == "Incident" and not objs[0].label.lower().startswith("the ") else ""
            for written in lex.written_links.get(prop, ()):
                if any(an.doc.text[m.end :].split()[: len(written.split())] == written.split() for m in ms):
                    link = written  # "inquiry into the shooting of Clara Venn", as the text put it
                    break
            return f"{noun} {link} {the}{objs[0].label.strip()}"
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


class Unnamed(Component):
    """Unnamed incidents and inquiries settled: one per victim, merged where they fit, labelled, or dropped.

    Merged with the named one the document is about where they fit; a descriptive label ('murder of Ada Quill');
    dropped where the text tied nothing to them.
    """

    name = "unnamed"

    def document(self, an: DocumentAnalysis) -> None:
        an.entities, an.relations = settle_unnamed(an.entities, an.relations, an, self.lex)

"""Incident roles learned from data: who did it, to whom, where, for each incident and each name beside it.

For every incident mention (a named incident, a noun such as 'the stabbing', a verb such as 'attacked') and every
name in its sentence, the model ``models/incident_role.json`` reads the parse between them (the dependency path,
its prepositions, the voice of the verb, the class and NER label of the name, what the rules already said) and
gives the probability of each role: perpetrator, victim, place, or none. Where it is confident it adds the
relation; a rule's relation it confidently rejects is taken away, where the model's file allows it (a threshold in
its meta, chosen on held-out data); roles are added only to incidents the rules kept. Without the model file
nothing changes: the rules stand alone. The shipped ontology switches the component off (``lex:switchedOff``): on
the sets it was not trained on it does not beat the rules yet.

``pairs`` computes the features, here and nowhere else: ``kg.learn.roles`` trains on the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kg.extract.analysis import Component, DocumentAnalysis, Mention, evidence
from kg.extract.linear import LinearModel, load_model
from kg.model import Relation

#: The model's name (``models/incident_role.json``) and the roles it gives, besides "none".
MODEL = "incident_role"
ROLES = ("perpetrator", "victim", "place")
NONE = "none"
#: The classes a role can be filled by (the ontology's ranges decide in the end).
CANDIDATE_CLASSES = frozenset({"Person", "Organization", "Agency", "PoliticalParty", "Place"})
#: How a candidate may name its entity: by name (a pronoun's or an agent noun's entity is the rules' guess).
CANDIDATE_KINDS = frozenset({"name"})
#: Without thresholds in the model's meta: add a role at this probability, take none away.
ADD_AT = 0.6
_MAX_PATH = 6


@dataclass
class Pair:
    """An incident mention, a candidate mention in its sentence, and the features the model reads."""

    incident: Mention
    candidate: Mention
    features: list[str]


def _tok_start(an: DocumentAnalysis, tok: Any, sent: int) -> int:
    s = an.sentences[sent]
    return int(s.start + (tok.idx - s.span.start_char))


def _head(an: DocumentAnalysis, m: Mention) -> Any:
    """The token of a mention whose head lies outside it (its own token for a trigger)."""
    if m.token is not None:
        return m.token
    toks = [t for t in an.sentences[m.sent].tokens if m.start <= _tok_start(an, t, m.sent) < m.end]
    inside = {t.i for t in toks}
    return next((t for t in toks if t.head.i not in inside or t.head.i == t.i), toks[0] if toks else None)


def _ancestors(tok: Any) -> list[Any]:
    out = [tok]
    while out[-1].head.i != out[-1].i and len(out) < 40:
        out.append(out[-1].head)
    return out


def _path(trigger: Any, cand: Any) -> tuple[list[str], list[Any]]:
    """The dependency path from the trigger up to the lowest common head and down to the candidate: labels with
    their direction ('^nsubj' going up, 'v:dobj' going down), and the tokens on it between the two ends."""
    up, down = _ancestors(trigger), _ancestors(cand)
    down_ids = {t.i: k for k, t in enumerate(down)}
    k_up = next((k for k, t in enumerate(up) if t.i in down_ids), None)
    if k_up is None:
        return ["far"], []
    k_down = down_ids[up[k_up].i]
    labels = [f"^{t.dep_}" for t in up[:k_up]] + [f"v{t.dep_}" for t in reversed(down[:k_down])]
    middle = up[1 : k_up + 1] + list(reversed(down[1:k_down]))
    middle = [t for t in middle if t.i not in (trigger.i, cand.i)]
    return labels, middle


def _passive(tok: Any) -> bool:
    return tok.tag_ == "VBN" and any(c.dep_ in ("auxpass", "nsubjpass") for c in tok.children)


def features(
    an: DocumentAnalysis,
    inc: Mention,
    cand: Mention,
    rules: set[tuple[int, str, int]],
    agent_nouns: frozenset[str] = frozenset(),
    incident_tokens: frozenset[int] = frozenset(),
) -> list[str]:
    """What the model reads of one (incident, candidate) pair: the parse between them and what the rules said."""
    trig, head = inc.token, _head(an, cand)
    if trig is None or head is None:
        return []
    lemma = trig.lemma_.lower()
    verb = inc.kind == "verb"
    f = [
        "bias",
        f"trig={lemma}",
        f"tkind={'verb' if verb else 'noun'}",
        f"tdep={trig.dep_}",
        f"cls={cand.cls}",
        f"kind={cand.kind}",
        f"ner={head.ent_type_ or '-'}",
        f"cdep={head.dep_}",
        f"chead={head.head.lemma_.lower()}",
        f"side={'before' if cand.start < inc.start else 'after'}",
    ]
    passive = _passive(trig) if verb else _passive(trig.head) if trig.dep_ in ("nsubjpass", "pobj") else False
    f.append(f"passive={passive}")
    said = sorted({r for i, r, c in rules if i == inc.id and c == cand.id})
    # the rules gave this name a role in another incident: 'the attack ... police shot Khan'
    f += sorted({f"rule_other={r}" for i, r, c in rules if i != inc.id and c == cand.id})
    said += sorted({f"inner:{r}" for r, c in inc.inner if c == cand.id})
    f += [f"rule={r}" for r in said] or ["rule=none"]
    f += [f"rule={r}|cls={cand.cls}" for r in said]
    if cand.start >= inc.start and cand.end <= inc.end:
        f.append("inside")
    labels, middle = _path(trig, head)
    if len(labels) > _MAX_PATH:
        f.append("path=long")
    else:
        path = " ".join(labels)
        f += [
            f"path={path}",
            f"path={path}|tkind={'verb' if verb else 'noun'}",
            f"path={path}|cls={cand.cls}",
        ]
        if verb:
            f.append(f"path={path}|passive={passive}")
    f.append(f"plen={min(len(labels), _MAX_PATH + 1)}")
    if labels:
        f += [f"first={labels[0]}", f"last={labels[-1]}", f"last={labels[-1]}|cls={cand.cls}"]
        f.append(f"first={labels[0]}|last={labels[-1]}")
    for t in middle:
        if t.dep_ in ("prep", "agent"):
            f.append(f"prep={t.lower_}")
            f.append(f"prep={t.lower_}|cls={cand.cls}")
        elif t.pos_ in ("VERB", "NOUN"):
            f.append(f"via={t.lemma_.lower()}")
    # the words between them, and the word just before the candidate
    toks = an.sentences[inc.sent].tokens
    a, b = sorted((trig.i, head.i))
    between = [t for t in toks if a < t.i < b]
    f.append(f"gap={min(len(between), 8)}")
    others = sum(1 for t in between if t.i in incident_tokens)
    f.append(f"trig_between={min(others, 2)}")
    if head.head.i in incident_tokens and head.head.i != trig.i:
        f.append(f"other_trig_arg={head.dep_}")
    f += sorted({f"btw={t.lemma_.lower()}" for t in between if t.pos_ in ("ADP", "VERB", "AUX", "PUNCT")})
    first = min((t.i for t in toks if cand.start <= _tok_start(an, t, cand.sent) < cand.end), default=head.i)
    before = [t for t in toks if t.i < first]
    if before:
        f.append(f"prev={before[-1].lower_}")
    # agent nouns near the candidate: 'the gunman, Tom Brack', 'Brack, the attacker'
    near = [t for t in toks if abs(t.i - head.i) <= 3 and t.i != head.i]
    if any(t.lemma_.lower() in agent_nouns for t in near):
        f.append("agent_near")
    if any(c.dep_ == "appos" and c.lemma_.lower() in agent_nouns for c in head.children) or (
        head.dep_ == "appos" and head.head.lemma_.lower() in agent_nouns
    ):
        f.append("agent_appos")
    return f


def pairs(an: DocumentAnalysis, agent_nouns: frozenset[str] = frozenset()) -> list[Pair]:
    """Every (incident mention, candidate mention) pair of a sentence, with its features, in the text's order."""
    rules = {(x.subject, x.prop, x.object) for x in an.found if x.prop in ROLES}
    by_sent: dict[int, list[Mention]] = {}
    for m in an.mentions.values():
        by_sent.setdefault(m.sent, []).append(m)
    out: list[Pair] = []
    triggers: dict[int, frozenset[int]] = {}  # sentence -> the tokens of its incident mentions
    for m in an.mentions.values():
        if m.cls == "Incident" and m.token is not None:
            triggers[m.sent] = triggers.get(m.sent, frozenset()) | {m.token.i}
    for inc in sorted(an.mentions.values(), key=lambda m: m.start):
        if inc.cls != "Incident" or inc.token is None or inc.entity is None:
            continue
        for cand in sorted(by_sent.get(inc.sent, []), key=lambda m: m.start):
            if cand.id == inc.id or cand.cls not in CANDIDATE_CLASSES or cand.kind not in CANDIDATE_KINDS:
                continue
            if cand.entity is None or cand.entity not in an.entities:
                continue
            feats = features(an, inc, cand, rules, agent_nouns, triggers.get(inc.sent, frozenset()))
            if feats:
                out.append(Pair(inc, cand, feats))
    return out


def decide(
    rules: set[tuple[str, str, str]],
    scored: list[tuple[str, str, dict[str, float], frozenset[str]]],
    add_at: float,
    remove_below: float,
    held: frozenset[str] = frozenset(),
) -> tuple[list[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """What the model changes: of each (incident, candidate, probabilities, roles the ontology allows) read, the
    roles added (probability at least `add_at`, in the order read), and the rules' roles taken away (every pair
    read for them below `remove_below`). A role is added only to an incident the rules kept (one in `held` or
    in `rules`): the model completes incidents, it makes none."""
    best: dict[tuple[str, str, str], float] = {}
    added: list[tuple[str, str, str]] = []
    kept = held | {i for i, _, _ in rules}
    seen = set(rules)
    for inc, cand, probs, allowed in scored:
        for role in ROLES:
            key = (inc, role, cand)
            p = probs.get(role, 0.0)
            best[key] = max(best.get(key, 0.0), p)
            if p < add_at or key in seen or inc == cand or role not in allowed:
                continue
            if inc not in kept:
                continue
            seen.add(key)
            added.append(key)
    removed = {k for k in rules if remove_below > 0 and best.get(k, 1.0) < remove_below}
    return added, removed


def thresholds(model: LinearModel) -> tuple[float, float]:
    """The probabilities at which the model adds a role and under which it takes one away (from its meta)."""
    return float(model.meta.get("add_threshold", ADD_AT)), float(model.meta.get("remove_threshold", 0.0))


def scored_pairs(
    an: DocumentAnalysis, model: LinearModel, ps: list[Pair], signatures: dict[str, Any]
) -> list[tuple[str, str, dict[str, float], frozenset[str]]]:
    """Each pair as `decide` reads it: incident and candidate entities, the model's probabilities, and the roles
    the ontology's domains and ranges allow between the two."""
    out = []
    for p in ps:
        inc, cand = p.incident.entity, p.candidate.entity
        if inc is None or cand is None or inc not in an.entities or cand not in an.entities:
            continue
        allowed = frozenset(
            r
            for r in ROLES
            if an.entities[inc].cls in signatures.get(r, ((), ()))[0]
            and an.entities[cand].cls in signatures.get(r, ((), ()))[1]
        )
        out.append((inc, cand, model.probabilities(p.features), allowed))
    return out


def apply(
    an: DocumentAnalysis, model: LinearModel, ps: list[Pair], signatures: dict[str, Any]
) -> list[Relation]:
    """The document's relations with the model's roles added, and the rules' roles it rejects taken away."""
    rules = {(r.subject, r.prop, str(r.object)) for r in an.relations if r.prop in ROLES}
    held = frozenset(r.subject for r in an.relations)
    scored = scored_pairs(an, model, ps, signatures)
    added, removed = decide(rules, scored, *thresholds(model), held)
    sent = {(p.incident.entity, p.candidate.entity): p.incident.sent for p in reversed(ps)}
    kept = [r for r in an.relations if (r.subject, r.prop, str(r.object)) not in removed]
    return kept + [Relation(i, role, c, evidence(an, sent[(i, c)])) for i, role, c in added]


class Roles(Component):
    """Incident roles learned from data: perpetrator, victim or place, for each incident and name beside it.

    Where the model (``models/incident_role.json``) is confident it adds the role; a rule's role it confidently
    rejects is taken away. Without the model file the rules stand alone.
    """

    name = "roles"

    def document(self, an: DocumentAnalysis) -> None:
        model = load_model(MODEL)
        if model is None:
            return
        ps = pairs(an, frozenset(self.cues.agent_nouns))
        if ps:
            an.relations = apply(an, model, ps, self.lex.signatures)

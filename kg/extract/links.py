"""Links: the relations of inquiries and posts (ledBy, commissionedBy, concerns, holdsPost, memberOf), learned.

For each pair of mentions in one sentence whose entities' classes fit one of these properties' domain and range
(the ontology's signatures), a linear model (``models/relations.json``, trained by ``kg train``) reads the words
between them, the dependency path joining them, their order, distance and classes, and whether a rule already
gave the relation, and says which property joins them, or none. A relation the model is confident of is added
with its sentence as evidence; a rule's relation of these properties that the model confidently rejects is
dropped. Without the model file the rules' relations stand as they are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kg.extract.analysis import Component, DocumentAnalysis, Mention, evidence
from kg.extract.linear import LinearModel, load_model
from kg.model import Relation
from kg.ontology.lexicon import Lexicon

#: The model file's name (models/relations.json).
MODEL = "relations"
#: The properties the model reads; any other relation is left as the rules made it.
PROPERTIES = ("ledBy", "commissionedBy", "concerns", "holdsPost", "memberOf")
#: The model's class for "no relation between the two".
NONE = "none"
#: A model without thresholds of its own: add at this probability, drop a rule's relation at this one of none
#: (above 1: never).
ADD, DROP = 0.5, 1.01
#: The words between two mentions kept as features: this many from each end.
_BETWEEN = 4
#: The mention kinds a pair is made of (a date or a verb names nothing these properties join).
_KINDS = frozenset({"name", "trigger", "definite", "self", "pronoun", "agent"})


@dataclass
class Candidate:
    """An ordered pair of mentions of one sentence that one of PROPERTIES could join: subject first."""

    subject: Mention
    object: Mention
    sent: int
    props: tuple[str, ...]  # the properties the two entities' classes allow
    features: list[str] = field(default_factory=list)


def candidates(an: DocumentAnalysis, lex: Lexicon) -> list[Candidate]:
    """Every pair of mentions in one sentence, of two entities whose classes one of PROPERTIES joins, with its
    features (the one place they are computed: the component and ``kg train`` both call this)."""
    sigs = {p: lex.signatures[p] for p in PROPERTIES if p in lex.signatures}
    by_sent: dict[int, list[Mention]] = defaultdict(list)
    for m in an.mentions.values():
        if m.kind in _KINDS and m.entity in an.entities and m.date is None:
            by_sent[m.sent].append(m)
    rule_sent = {(f.subject, f.prop, f.object) for f in an.found}
    rule_entities = {(r.subject, r.prop, r.object) for r in an.relations}
    out: list[Candidate] = []
    for sent, ms in sorted(by_sent.items()):
        ms.sort(key=lambda m: (m.start, -m.end))
        tokens: _Tokens | None = None
        for a in ms:
            for b in ms:
                if a.entity == b.entity or a is b:
                    continue
                ca, cb = an.entities[a.entity or ""].cls, an.entities[b.entity or ""].cls
                props = tuple(p for p, (dom, rng) in sigs.items() if ca in dom and cb in rng)
                if not props:
                    continue
                if tokens is None:
                    tokens = _Tokens(an, sent)
                rules = {p for p in props if (a.id, p, b.id) in rule_sent}
                rules_elsewhere = {p for p in props if (a.entity, p, b.entity) in rule_entities} - rules
                c = Candidate(a, b, sent, props)
                c.features = pair_features(tokens, a, b, ca, cb, ms, rules, rules_elsewhere)
                out.append(c)
    return out


class _Tokens:
    """One sentence's tokens with their offsets in the document, to find a mention's tokens and head."""

    def __init__(self, an: DocumentAnalysis, sent: int) -> None:
        s = an.sentences[sent]
        self.tokens = s.tokens
        self.starts = [s.start + (t.idx - s.span.start_char) for t in s.tokens]

    def span(self, m: Mention) -> list[Any]:
        return [t for t, at in zip(self.tokens, self.starts, strict=True) if m.start <= at < m.end]

    def head(self, m: Mention) -> Any:
        if m.token is not None and m.token.sent.start == self.tokens[0].sent.start:
            return m.token
        toks = self.span(m)
        inside = {t.i for t in toks}
        return next((t for t in toks if t.head.i not in inside or t.head.i == t.i), toks[0] if toks else None)


def _word(t: Any) -> str:
    if t.like_num:
        return "#num"
    return str(t.lemma_.lower() if t.pos_ != "PROPN" else "#propn")


def _distance(n: int) -> str:
    return str(n) if n < 3 else "3-5" if n <= 5 else "6-10" if n <= 10 else ">10"


def _path(a: Any, b: Any) -> tuple[list[str], list[Any]]:
    """The dependency labels from token a up to the lowest common head and down to token b, and the tokens on
    the way (without a and b)."""
    up = [a]
    while up[-1].head.i != up[-1].i:
        up.append(up[-1].head)
    down = [b]
    while down[-1].head.i != down[-1].i:
        down.append(down[-1].head)
    up_i = {t.i: k for k, t in enumerate(up)}
    k_down = next((k for k, t in enumerate(down) if t.i in up_i), None)
    if k_down is None:  # in different sentences of one block (a parse's sentence split): no path
        return ["-"], []
    k_up = up_i[down[k_down].i]
    labels = [f"{t.dep_}^" for t in up[:k_up]] + [f"{t.dep_}v" for t in reversed(down[:k_down])]
    middle = up[1 : k_up + 1] + list(reversed(down[1:k_down]))
    return labels, middle


def pair_features(
    tokens: _Tokens,
    a: Mention,
    b: Mention,
    ca: str,
    cb: str,
    sentence: Sequence[Mention],
    rules: set[str],
    rules_elsewhere: set[str],
) -> list[str]:
    """The features of one pair: no name's own words, only the words around and between, the parse, classes."""
    pair = f"{ca}>{cb}"
    first, second = (a, b) if a.start <= b.start else (b, a)
    order = "so" if first is a else "os"
    nested = (a.start <= b.start and b.end <= a.end) or (b.start <= a.start and a.end <= b.end)
    feats = [f"pair={pair}", f"order={order}", f"pair={pair}|{order}", f"kinds={a.kind}>{b.kind}"]
    feats += [f"rule={p}" for p in rules] + [f"rule_doc={p}" for p in rules_elsewhere]
    if nested:
        feats.append(f"nested|{pair}|{'s_in_o' if b.start <= a.start and a.end <= b.end else 'o_in_s'}")
    # the words between the two, other mentions as their class
    between: list[str] = []
    if not nested:
        others = [
            m
            for m in sentence
            if m is not a and m is not b and first.end <= m.start and m.end <= second.start
        ]
        for t, at in zip(tokens.tokens, tokens.starts, strict=True):
            if at < first.end or at >= second.start:
                continue
            inner = next((m for m in others if m.start <= at < m.end), None)
            if inner is not None:
                if at == inner.start:
                    between.append(f"<{inner.cls}>")
                continue
            if not t.is_space:
                between.append(_word(t))
    n = len(between)
    feats.append(f"dist={_distance(n)}")
    if n <= 3:
        feats.append(f"btw={' '.join(between)}|{order}")
        feats.append(f"btw={' '.join(between)}|{pair}|{order}")
    kept = between if n <= 2 * _BETWEEN else between[:_BETWEEN] + between[-_BETWEEN:]
    feats += [f"w={w}" for w in kept] + [f"w={w}|{pair}" for w in kept]
    if between:
        feats += [f"w0={between[0]}|{pair}|{order}", f"wN={between[-1]}|{pair}|{order}"]
        feats.append(f"commas={min(between.count(','), 2)}")
    # the words just outside the pair
    before = [t for t, at in zip(tokens.tokens, tokens.starts, strict=True) if at < first.start]
    after = [t for t, at in zip(tokens.tokens, tokens.starts, strict=True) if at >= second.end]
    if before:
        feats.append(f"pre={_word(before[-1])}|{pair}")
    if after:
        feats.append(f"post={_word(after[0])}|{pair}")
    # the dependency path between the heads
    ha, hb = tokens.head(a), tokens.head(b)
    if ha is not None and hb is not None and ha.i != hb.i:
        labels, middle = _path(ha, hb)
        feats += [f"plen={_distance(len(labels))}", f"path={' '.join(labels)}|{pair}"]
        if len(labels) <= 4:
            feats.append(f"path={' '.join(labels)}")
        for t in middle:
            if t.pos_ in ("VERB", "ADP", "NOUN", "AUX"):
                feats.append(f"pw={t.lemma_.lower()}|{pair}")
                feats.append(f"pw={t.lemma_.lower()}")
        feats.append(f"dep_s={ha.dep_}|{pair}")
        feats.append(f"dep_o={hb.dep_}|{pair}")
    # what the subject and object are, by their common head word (an inquiry's noun, a post's word)
    for role, cls, h in (("s", ca, ha), ("o", cb, hb)):
        if h is not None and cls in ("Inquiry", "Incident", "Post") and h.pos_ != "PROPN":
            feats.append(f"head_{role}={h.lemma_.lower()}")
    return feats


def decide(model: LinearModel, cands: Iterable[Candidate]) -> dict[tuple[str, str, str], tuple[float, int]]:
    """Per (subject entity, property, object entity): the highest probability the model gives that property
    over the pairs of mentions of the two, and the sentence of that pair."""
    best: dict[tuple[str, str, str], tuple[float, int]] = {}
    for c in cands:
        probs = model.probabilities(c.features)
        for p in c.props:
            key = (c.subject.entity or "", p, c.object.entity or "")
            prob = probs.get(p, 0.0)
            if key not in best or prob > best[key][0]:
                best[key] = (prob, c.sent)
    return best


def link(
    an: DocumentAnalysis,
    lex: Lexicon,
    model: LinearModel,
    *,
    add: dict[str, float] | None = None,
    drop: float | None = None,
    pairs: list[Candidate] | None = None,
) -> list[Relation]:
    """The document's relations with the model's read: added where it is confident (at each property's
    threshold: the model's own, chosen on documents it was not trained on), a rule's dropped where it is
    confident there is none (`pairs`: the document's candidates, where already made)."""
    if add is None:
        add = {p: float(x) for p, x in dict(model.meta.get("add") or {}).items()}
    drop = float(model.meta.get("drop", DROP)) if drop is None else drop
    best = decide(model, candidates(an, lex) if pairs is None else pairs)
    kept = [
        r
        for r in an.relations
        if r.prop not in PROPERTIES
        or not isinstance(r.object, str)
        or (r.subject, r.prop, r.object) not in best
        or best[(r.subject, r.prop, r.object)][0] > 1.0 - drop
    ]
    have = {(r.subject, r.prop, r.object) for r in kept}
    for (s, p, o), (prob, sent) in sorted(best.items(), key=lambda kv: kv[1][1]):
        if prob >= add.get(p, ADD) and (s, p, o) not in have:
            kept.append(Relation(s, p, o, evidence(an, sent)))
            have.add((s, p, o))
    return kept


class Links(Component):
    """Relations of inquiries and posts (led by, commissioned by, concerns, holds post, member of), learned."""

    name = "links"

    def document(self, an: DocumentAnalysis) -> None:
        model = load_model(MODEL)
        if model is not None:
            an.relations = link(an, self.lex, model)

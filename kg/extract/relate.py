"""Relations between mentions, read with the lexicon's patterns and from the parse.

Each sentence is rewritten with every mention as a placeholder ``⟦Class#id⟧``; the lexicon's relation patterns
(``{role:Class}`` compiled to regular expressions) run over that. The parse adds what patterns cannot see: the
subject and object of an incident verb ("Ashdown murdered X", "X was stabbed by Y"), possessors of incident nouns
("Sir Ada's murder"), and what a name holds inside it (the place in "Harwick attack", the party in
"Conservative MP for X").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kg.extract.analysis import DocumentAnalysis, Found, Mention, antecedent, outermost
from kg.ontology.lexicon import EventPattern, Lexicon, normalise_name

#: Not a property of the ontology: the post by which a text names an incident's victim. Once the victim is known
#: by name, it becomes a kg:holdsPost of the victim (see kg.extract.victims).
VICTIM_POST = "victimPost"

_PLACEHOLDER = re.compile(r"\{(?:(\w+):)?([\w|]+)\}")


@dataclass(frozen=True)
class CompiledPattern:
    prop: str
    name: str
    regex: re.Pattern[str]


def compile_pattern(pattern: str, lex: Lexicon) -> re.Pattern[str]:
    """'{s:Person}, the {Q}{o:Post}' → a regex over placeholder text, with groups s__1, o__2, ..."""
    counter = [0]
    qualifiers = "|".join(re.escape(q) for q in sorted(lex.qualifiers, key=len, reverse=True))

    def repl(m: re.Match[str]) -> str:
        role, classes = m.group(1), m.group(2)
        if role is None and classes == "Q":
            return rf"(?:(?:{qualifiers}) )*"
        names: set[str] = set()
        for c in classes.split("|"):
            names |= set(lex.subclasses.get(c, {c}))
        alt = "|".join(sorted(names))
        counter[0] += 1
        group = f"(?P<{role}__{counter[0]}>\\d+)" if role else r"\d+"
        return rf"⟦(?:{alt})#{group}⟧"

    return re.compile(_PLACEHOLDER.sub(repl, pattern), re.IGNORECASE)


@lru_cache(maxsize=4)
def compiled_patterns(lex: Lexicon) -> tuple[CompiledPattern, ...]:
    return tuple(
        CompiledPattern(p.prop, p.iri, compile_pattern(p.pattern, lex)) for p in lex.relation_patterns
    )


def placeholder_text(an: DocumentAnalysis, mentions: list[Mention], start: int, end: int) -> str:
    """The text from start to end with each mention replaced by its placeholder; spaces and quotes normalised."""
    text = an.doc.text
    out: list[str] = []
    pos = start
    for m in outermost(mentions):
        if m.start < pos or m.end > end:
            continue
        out.append(text[pos : m.start])
        out.append(f"⟦{m.cls}#{m.id}⟧")
        pos = m.end
    out.append(text[pos:end])
    return normalise_name("".join(out))


def _starts(s: str) -> list[int]:
    """Where a match may start: the text's start and each placeholder."""
    return [0, *(m.start() for m in re.finditer("⟦", s))]


def _matches(regex: re.Pattern[str], s: str, starts: list[int]) -> list[re.Match[str]]:
    """Every match, including ones that start inside an earlier match (each placeholder is a start).

    A search from a start finds the leftmost match at or after it, so a start no later than the last match's
    start would find that match again, and once a search finds nothing no later start can: both are skipped."""
    found: list[re.Match[str]] = []
    last = -1
    for pos in starts:
        if pos <= last:
            continue
        m = regex.search(s, pos)
        if m is None:
            break
        last = m.start()
        found.append(m)
    return found


@dataclass(frozen=True)
class EventMatch:
    """A dated step of a case read by an event pattern: its kind, label template and role mentions."""

    kind: str
    label_template: str
    implies: tuple[str, ...]
    roles: dict[str, list[int]]
    sent: int


@lru_cache(maxsize=4)
def compiled_event_patterns(lex: Lexicon) -> tuple[tuple[EventPattern, re.Pattern[str]], ...]:
    return tuple((p, compile_pattern(p.pattern, lex)) for p in lex.event_patterns)


def _roles(match: re.Match[str]) -> dict[str, list[int]]:
    roles: dict[str, list[int]] = {}
    for g, v in match.groupdict().items():
        if v is not None:
            roles.setdefault(g.split("__")[0], []).append(int(v))
    return roles


def event_matches(an: DocumentAnalysis, lex: Lexicon) -> list[EventMatch]:
    out: list[EventMatch] = []
    for sent, text in sentence_units(an):
        starts = _starts(text)
        for pattern, regex in compiled_event_patterns(lex):
            for match in _matches(regex, text, starts):
                roles = _roles(match)
                here = _line_of(an, [i for ids in roles.values() for i in ids], sent)
                out.append(EventMatch(pattern.kind, pattern.label_template, pattern.implies, roles, here))
    return out


def _line_of(an: DocumentAnalysis, mentions: list[int], unit: int) -> int:
    """The sentence a match was read from: the title block is read as one unit, and a match whose mentions all
    sit on one of its lines is that line's."""
    at = {an.mentions[i].sent for i in mentions}
    return at.pop() if len(at) == 1 else unit


def sentence_units(an: DocumentAnalysis) -> list[tuple[int, str]]:
    """Each sentence as placeholder text, and the title block as one unit with lines joined by ' ¶ '."""
    by_sent: dict[int, list[Mention]] = {}
    for m in an.mentions.values():
        by_sent.setdefault(m.sent, []).append(m)
    units: list[tuple[int, str]] = []
    for s in an.sentences:
        units.append((s.index, placeholder_text(an, by_sent.get(s.index, []), s.start, s.end)))
    for first, last in an.header_sentences:
        parts = []
        for i in range(first, last + 1):
            s = an.sentences[i]
            parts.append(placeholder_text(an, by_sent.get(i, []), s.start, s.end))
        units.append((first, " ¶ ".join(parts) + " ¶"))
    return units


def pattern_relations(an: DocumentAnalysis, lex: Lexicon) -> list[Found]:
    found: list[Found] = []
    for sent, text in sentence_units(an):
        starts = _starts(text)
        if len(starts) < 3:  # a relation joins two placeholders
            continue
        for cp in compiled_patterns(lex):
            for match in _matches(cp.regex, text, starts):
                roles = _roles(match)
                for s_id in roles.get("s", []):
                    for o_id in roles.get("o", []):
                        found.append(Found(s_id, cp.prop, o_id, _line_of(an, [s_id, o_id], sent)))
    return found


def _mention_at(
    an: DocumentAnalysis, tok: Any, sent: int, classes: tuple[str, ...] = ("Person",)
) -> Mention | None:
    at = _tok_start(an, tok, sent)
    hits = [m for m in an.mentions.values() if m.sent == sent and m.start <= at < m.end and m.cls in classes]
    return max(hits, key=lambda m: m.end - m.start, default=None)


def _tok_start(an: DocumentAnalysis, tok: Any, sent: int) -> int:
    s = an.sentences[sent]
    return int(s.start + (tok.idx - s.span.start_char))


def parse_relations(an: DocumentAnalysis, lex: Lexicon) -> list[Found]:
    """Incident verbs with their subject and object, possessors of incident nouns, and names inside names."""
    found: list[Found] = []
    ranges = _range_classes(lex)  # who can be a perpetrator or a victim: the ontology says
    for m in an.mentions.values():
        tok = m.token
        if m.kind == "verb" and tok is not None:
            verb = tok.lemma_.lower()
            trig = lex.triggers_by_verb.get(verb)
            subject_role = trig.subject_role if trig is not None else "perpetrator"
            if tok.dep_ == "acl" and tok.tag_ in ("VBN", "VBD") and subject_role != "victim":
                # "Ann Ode, shot dead by police, ...": the name a past participle qualifies is its victim
                p = _mention_at(an, tok.head, m.sent)
                if p is not None:
                    found.append(Found(m.id, "victim", p.id, m.sent))
            for child in tok.children:
                # "killed A, B and C": every conjunct is a victim too
                c, dep = antecedent(child), child.dep_
                group = [c, *(x for x in c.conjuncts)]
                if dep == "nsubj":
                    for x in group:
                        p = _mention_at(an, x, m.sent, ranges.get(subject_role, ("Person",)))
                        if p is not None:
                            found.append(Found(m.id, subject_role, p.id, m.sent))
                elif dep in ("nsubjpass", "dobj"):
                    # "murdered the councillor Tobias Wren": the name in apposition to a common noun
                    group += [a for x in group if x.pos_ == "NOUN" for a in x.children if a.dep_ == "appos"]
                    for x in group:
                        p = _mention_at(an, x, m.sent, ("Person", "Post"))
                        if p is not None:
                            # "murdered the Conservative MP for Northby East": the victim, named by post
                            found.append(
                                Found(m.id, "victim" if p.cls == "Person" else VICTIM_POST, p.id, m.sent)
                            )
                elif dep == "agent":
                    for g in c.children:
                        if g.dep_ == "pobj":
                            p = _mention_at(an, g, m.sent, ranges.get("perpetrator", ("Person",)))
                            if p is not None:
                                found.append(Found(m.id, "perpetrator", p.id, m.sent))
        elif (
            m.kind in ("trigger", "name", "definite") and tok is not None and m.cls in ("Incident", "Inquiry")
        ):
            trig = lex.trigger_for(tok.lemma_.lower()) or lex.trigger_for(tok.lower_)
            has_of = any(c.dep_ == "prep" and c.lower_ in ("of", "on") for c in tok.rights)
            for c in tok.children:
                if c.dep_ != "poss" or trig is None or trig.possessive_role is None:
                    continue
                role = "perpetrator" if has_of and m.cls == "Incident" else trig.possessive_role
                p = _mention_at(an, c, m.sent, ranges.get(role, ("Person",)))
                if p is None:
                    continue
                found.append(Found(m.id, role, p.id, m.sent))
        if m.cls == "Incident" and tok is not None:
            for p in _culpable(an, m, lex, ranges.get("perpetrator", ("Person",))):
                found.append(Found(m.id, "perpetrator", p.id, m.sent))
        for role, inner_id in m.inner:
            if (m.cls == "Incident" and role in ("place", "date", "perpetrator")) or (
                m.cls == "Inquiry" and role == "concerns"
            ):
                found.append(Found(m.id, role, inner_id, m.sent))
        if m.cls == "Incident" and tok is not None:
            found += _attached_places_and_dates(an, m)
    return found


def _culpable(an: DocumentAnalysis, m: Mention, lex: Lexicon, classes: tuple[str, ...]) -> list[Mention]:
    """'Tom Brack was convicted of murdering Ada Quill', 'jailed for the stabbing', 'found guilty of the attack',
    'admitted killing her': the subject of the word of culpability (the lexicon's) did the incident."""
    tok = m.token
    if tok.dep_ in ("pcomp", "pobj") and tok.head.dep_ == "prep":
        gov = tok.head.head
    elif tok.dep_ in ("xcomp", "dobj") and m.kind == "verb":
        gov = tok.head
    else:
        return []
    if gov.lemma_.lower() not in lex.culpability_words:
        return []
    out: list[Mention] = []
    for holder in (gov, gov.head) if gov.dep_ in ("acomp", "oprd", "xcomp") else (gov,):
        for c in holder.children:
            if c.dep_ in ("nsubj", "nsubjpass"):
                for x in (antecedent(c), *antecedent(c).conjuncts):
                    p = _mention_at(an, x, m.sent, classes)
                    if p is not None:
                        out.append(p)
        if out:
            break
    return out


def verb_relations(an: DocumentAnalysis, lex: Lexicon) -> list[Found]:
    """Relations the lexicon's verbs state, read from the parse: the verb's passive subject (or object) to the
    object of its preposition, whatever stands between ('he had been referred by his school three times to the
    Home Office programme Steady')."""
    sigs = _range_classes(lex)
    found: list[Found] = []
    for s in an.sentences:
        for tok in s.tokens:
            if tok.pos_ != "VERB":
                continue
            lemma = tok.lemma_.lower()
            for vr in lex.verb_relations:
                if lemma not in vr.verbs:
                    continue
                subjects = [c for c in tok.children if c.dep_ in ("nsubjpass", "dobj")]
                if not subjects and tok.dep_ == "conj":
                    subjects = [c for c in tok.head.children if c.dep_ in ("nsubjpass", "nsubj")]
                targets = [
                    t
                    for c in tok.children
                    if c.dep_ in ("prep", "agent") and c.lower_ in vr.prepositions
                    for t in c.subtree
                ]
                subject_mentions = [
                    p
                    for x in subjects
                    for y in (x, *x.conjuncts)
                    if (p := _mention_at(an, y, s.index)) is not None
                ]
                object_mentions = {
                    o.id: o
                    for t in targets
                    if (o := _mention_at(an, t, s.index, sigs.get(vr.prop, ()))) is not None
                }
                for p in subject_mentions:
                    for o in object_mentions.values():
                        found.append(Found(p.id, vr.prop, o.id, s.index))
    return found


@lru_cache(maxsize=4)
def _range_classes(lex: Lexicon) -> dict[str, tuple[str, ...]]:
    return {p: tuple(sorted(rng)) for p, (_, rng) in lex.signatures.items()}


def _preposition_before(an: DocumentAnalysis, m: Mention) -> Any:
    """The preposition just before a mention ('in the ...'), or None."""
    before = [t for t in an.sentences[m.sent].tokens if _tok_start(an, t, m.sent) < m.start]
    while before and before[-1].dep_ == "det":
        before.pop()
    return before[-1] if before and before[-1].dep_ == "prep" else None


def _on_preposition_of(head: Any, prep: Any, targets: set[int], depth: int = 2) -> bool:
    """Whether a place or date hangs by a preposition on one of the target tokens: directly ('stabbed in X'),
    or through one noun that does ('at his constituency surgery in X'). The preposition comes from the parse,
    or else is the one written just before the name (the parse of hyphenated names is often broken)."""
    via = head.head if head.dep_ == "pobj" and head.head.dep_ == "prep" else prep
    for _ in range(depth):
        if via is None or via.dep_ != "prep":
            return False
        if via.head.i in targets:
            return True
        if via.head.dep_ in ("dobj", "nsubjpass") and via.head.head.i in targets:
            return True  # "murdered X in Kettering": the parse hangs the place on the victim
        noun = via.head
        via = noun.head if noun.dep_ == "pobj" and noun.head.dep_ == "prep" else None
    return False


def _head_token(an: DocumentAnalysis, m: Mention) -> Any:
    """The token of a mention whose head lies outside it."""
    toks = [t for t in an.sentences[m.sent].tokens if m.start <= _tok_start(an, t, m.sent) < m.end]
    inside = {t.i for t in toks}
    return next((t for t in toks if t.head.i not in inside or t.head.i == t.i), toks[0] if toks else None)


def _governing_verb(tok: Any) -> Any:
    while tok.pos_ not in ("VERB", "AUX") and tok.head.i != tok.i:
        tok = tok.head
    return tok if tok.pos_ in ("VERB", "AUX") else None


def _attached_places_and_dates(an: DocumentAnalysis, m: Mention) -> list[Found]:
    """Dates and places the parse attaches to an incident: inside its noun phrase ('the attack in Harwick in
    July'), to its verb ('was stabbed on 15 October 2021 in Lowmoor-on-Sea'), or to the verb it is the subject of
    ('a mass stabbing occurred at the Mill Space'). A date on another clause ('the inquest, which concluded in
    2024, found the attacks avoidable') is not the incident's."""
    tok = m.token
    if m.kind == "verb":
        anchor = tok
    elif tok.dep_ in ("nsubj", "nsubjpass"):
        anchor = tok.head
    else:
        anchor = None
    # the noun phrase without its conjuncts: in 'the attack, the bombing, Quay Bridge and Abbey Gardens'
    # the places listed belong to the other incidents
    conj = {t.i for c in tok.children if c.dep_ in ("conj", "cc", "appos") for t in c.subtree}
    subtree = {t.i for t in tok.subtree} - conj if m.kind != "verb" else set()
    found: list[Found] = []
    sentence = [x for x in an.mentions.values() if x.sent == m.sent]
    for other in sentence:
        if not (other.cls == "Place" or other.date is not None) or other.id == m.id:
            continue
        if any(x.start <= other.start and other.end <= x.end and x.id != other.id for x in sentence):
            continue  # part of a longer name: the incident's own, a post's ('MP for X'), an inquiry's
        head = _head_token(an, other)
        if head is None:
            continue
        targets = {anchor.i} if anchor is not None else set()
        if m.kind != "verb":
            targets.add(tok.i)
        attached = _on_preposition_of(head, _preposition_before(an, other), targets)
        # "the attack last month": a bare time phrase on the incident or its verb
        attached = attached or (
            other.date is not None and head.dep_ in ("npadvmod", "tmod") and head.head.i in targets
        )
        attached = attached or (head.i in subtree and head.head.i == tok.i)
        if attached:
            found.append(Found(m.id, "place" if other.cls == "Place" else "date", other.id, m.sent))
    return found

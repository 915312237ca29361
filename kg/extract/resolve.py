"""Names to entities within one document (across documents: ``kg.graph.identity``).

Names that differ only by honorifics, possessives or "the" are one entity; a surname or a title-plus-first-name
("Quill", "Sir Ada") joins the full name it abbreviates; a bracketed acronym joins the name before it; a name
that shortens exactly one longer name of its family joins it. (Pronouns, "the review", "the attack": the
``references`` component, ``kg.extract.references``.)
"""

from __future__ import annotations

from collections import defaultdict

from kg.extract.analysis import DocumentAnalysis, Mention, antecedent
from kg.model import Entity, Span
from kg.ontology.lexicon import Lexicon
from kg.text.fold import fold


def strip_honorifics(name: str, honorifics: tuple[str, ...]) -> tuple[str, str | None]:
    """'Sir Ada Quill' → ('Ada Quill', 'Sir'). Longest honorific first; several may stack ('Rt Hon Sir')."""
    found: list[str] = []
    rest = name.strip()
    changed = True
    while changed:
        changed = False
        for h in sorted(honorifics, key=len, reverse=True):
            if rest.startswith(h + " ") and len(rest) > len(h) + 1:
                found.append(h)
                rest = rest[len(h) + 1 :].strip()
                changed = True
                break
    return rest, (" ".join(found) or None)


def add_entity(an: DocumentAnalysis, lex: Lexicon, key: str, cls: str, label: str) -> Entity:
    """The document's entity of this key, made if new; its class raised where `cls` ranks higher."""
    e = an.entities.get(key)
    if e is None:
        e = Entity(key=key, cls=cls, label=label, docs={an.doc.name})
        an.entities[key] = e
    elif lex.rank(cls) > lex.rank(e.cls):
        e.cls = cls
    return e


def attach(an: DocumentAnalysis, m: Mention, e: Entity, surface: str | None = None) -> None:
    """The mention names the entity (`surface`, where given, is another name of it)."""
    m.entity = e.key
    e.mentions.append(Span(an.doc.name, m.start, m.end))
    if surface and surface != e.label:
        e.alt_labels.add(surface)


class DocumentResolver:
    """Assigns every mention of one document to an entity key and builds the entities."""

    def __init__(self, analysis: DocumentAnalysis, lex: Lexicon) -> None:
        self.an = analysis
        self.lex = lex
        # words that join a name to a longer one it is part of ("… Brigade of the Northby Front")
        self.joining_words = {w.lower() for w in (*lex.connectors, *lex.determiners)}
        self.honorifics = lex.honorifics
        self.entities = analysis.entities  # the analysis's own: entities are made into it
        self.doc = analysis.doc.name

    def _entity(self, key: str, cls: str, label: str) -> Entity:
        return add_entity(self.an, self.lex, key, cls, label)

    def _attach(self, m: Mention, e: Entity, surface: str | None = None) -> None:
        attach(self.an, m, e, surface)

    # ------------------------------------------------------------------ names
    def resolve_names(self) -> None:
        names = [
            m
            for m in self.an.mentions.values()
            if m.kind == "name" and m.cls != "Date" and m.alias_of is None
        ]
        persons = [m for m in names if m.cls == "Person"]
        for m in names:
            if m.cls == "Person":
                continue
            label = m.canonical or m.text
            key = f"{self.lex.family(m.cls)}:{fold(label)}"
            e = self._entity(key, m.cls, label)
            self._attach(m, e, m.text if m.text != label else None)
            if m.acronym:
                e.alt_labels.add(m.acronym)
        self._resolve_persons(persons)
        for m in self.an.mentions.values():
            if m.alias_of is not None:
                target = self.an.mentions[m.alias_of].entity
                if target in self.entities:
                    self._attach(m, self.entities[target], m.text)
        self._unify_weak_organisations()
        self._organisations_used_as_places()
        self._victims_are_people()
        self._join_shortened_names()
        self._join_initials()

    def _join_initials(self) -> None:
        """'NLF' beside 'Northby Liberation Front': letters that spell the initials of exactly one organisation
        of the document (its capitalised words) are that organisation, unless the lexicon made them something
        else."""
        orgs = [
            e for e in self.entities.values() if self.lex.family(e.cls) == self.lex.family("Organization")
        ]
        by_initials: dict[str, list[Entity]] = defaultdict(list)
        for e in orgs:
            words = [w for w in e.label.replace("-", " ").split() if w[:1].isupper()]
            if len(words) >= 2:
                by_initials["".join(w[0] for w in words)].append(e)
        for key, e in list(self.entities.items()):
            letters = e.label.replace(".", "")
            if not (letters.isupper() and letters.isalpha() and 2 <= len(letters) <= 6):
                continue
            found = [t for t in by_initials.get(letters, []) if t is not e]
            ms = [m for m in self.an.mentions.values() if m.entity == key]
            if len(found) != 1 or any(m.strong for m in ms):
                continue
            del self.entities[key]
            target = found[0]
            for m in ms:
                m.entity, m.cls = target.key, target.cls
            target.mentions += e.mentions
            target.alt_labels |= {e.label, *e.alt_labels} - {target.label}

    def _join_shortened_names(self) -> None:
        """'Institute of Criminology' after 'Northby Institute of Criminology': a name of two words or more that
        ends exactly one longer name of its class family is that entity, shortened; not where the longer name
        reaches it through 'of' or 'the' ('Northby Brigade of the Northby Front' is a part of the Front)."""
        # each entity's family and folded label, once: the loop below changes neither
        family = {k: self.lex.family(e.cls) for k, e in self.entities.items()}
        folded = {k: fold(e.label) for k, e in self.entities.items()}
        names = [(k, e) for k, e in self.entities.items() if family[k] not in ("Person", "Place", "Post")]
        for key, e in names:
            short = folded[key]
            if len(short.split()) < 2 or key not in self.entities:
                continue
            longer = [
                t
                for k, t in self.entities.items()
                if k != key
                and family[k] == family[key]
                and folded[k].endswith(" " + short)
                and folded[k][: -len(short)].split()[-1] not in self.joining_words
            ]
            if len(longer) != 1:
                continue
            target = longer[0]
            for m in self.an.mentions.values():
                if m.entity == key:
                    m.entity = target.key
            target.mentions += e.mentions
            target.alt_labels |= {e.label, *e.alt_labels} - {target.label}
            del self.entities[key]

    def _unify_weak_organisations(self) -> None:
        """One entity, one class, decided from all its mentions. A name the model alone typed (no gazetteer entry,
        head word or apposition to say so) joins the entity the document gives a surer reading of:
        - an organisation the document also uses for a place or a person ('the Harwick victims' beside 'in
          Harwick'; 'his wife, Maren' beside 'Lady Maren');
        - a 'place' that is a person's name, or the surname or first name of the one person named in full with it
          ('Pellow said', the model reading a place), unless the text puts it after a place preposition ('in
          Pellow');
        - a 'person' named once that is the name of a place or an organisation of the document ('Corby' read
          as a person once, as a town elsewhere)."""
        people: dict[str, Entity] = {}
        places: dict[str, Entity] = {}
        parts: dict[str, list[Entity]] = defaultdict(list)
        for e in self.entities.values():
            if e.cls == "Person":
                for name in (e.label, *e.alt_labels):
                    people.setdefault(fold(name), e)
                words = e.label.split()
                if len(words) > 1:
                    for part in {fold(words[-1]), fold(words[0])}:
                        if e not in parts[part]:
                            parts[part].append(e)
            elif e.cls == "Place":
                for name in (e.label, *e.alt_labels):
                    places.setdefault(fold(name), e)
        surnames = {
            fold(e.label.split()[-1]) for e in self.entities.values() if e.cls == "Person" and " " in e.label
        }
        # "el Ode" after "Tarek el Ode": the last words of one person's full name
        for e in [e for e in self.entities.values() if e.cls == "Person"]:
            words = e.label.split()
            for k in range(2, len(words)):
                tail = fold(" ".join(words[-k:]))
                surnames.add(tail)
                if e not in parts[tail]:
                    parts[tail].append(e)
        named_once = {part: found[0] for part, found in parts.items() if len(found) == 1}
        for key, e in list(self.entities.items()):
            if key not in self.entities:
                continue
            ms = [m for m in self.an.mentions.values() if m.entity == key]
            if any(m.strong for m in ms):
                continue
            name = fold(e.label)
            target: Entity | None = None
            if e.cls == "Organization":
                target = places.get(name) or people.get(name)
                if target is None and name in surnames:
                    target = named_once.get(name)  # "Holloway said": the one Holloway named in full
            elif e.cls == "Place" and not any(self._after_place_preposition(m) for m in ms):
                target = people.get(name) or named_once.get(name)
            elif e.cls == "Person" and len(ms) == 1 and not e.alt_labels:
                target = places.get(name) or next(
                    (
                        o
                        for o in self.entities.values()
                        if o.cls != "Person" and o is not e and fold(o.label) == name
                    ),
                    None,
                )
            if target is None or target is e:
                continue
            for m in ms:
                m.entity = target.key
                m.cls = target.cls
            target.mentions += e.mentions
            if e.label != target.label:
                target.alt_labels.add(e.label)
            del self.entities[key]

    def _organisations_used_as_places(self) -> None:
        """'killed in Corby', the model reading an organisation: a name the model alone typed an organisation,
        written right after a place preposition ('in Corby', no 'the' between) more often than as the subject of
        a verb, is a place. Letters ('NLF') and names with figures stay organisations. A 'person' of the model's
        with no honorific, known by that one name and written only that way ('attacks in Badia Sukh and Badia
        Rim'), is a place too."""
        for key, e in list(self.entities.items()):
            if (
                e.cls not in ("Organization", "Person")
                or e.label.isupper()
                or any(c.isdigit() for c in e.label)
            ):
                continue
            ms = [m for m in self.an.mentions.values() if m.entity == key]
            if not ms or any(m.strong for m in ms):
                continue
            placed = sum(self._placed(m) for m in ms)
            if placed == 0 or placed <= sum(is_subject(m) for m in ms):
                continue
            if e.cls == "Person" and (placed < len(ms) or e.alt_labels or any(m.honorific for m in ms)):
                continue
            del self.entities[key]
            self._reclass(e, ms, "Place")

    def _placed(self, m: Mention) -> bool:
        """Whether the mention stands after a place preposition, itself or as a later member of a list that
        does ('in Corby and Kettering')."""
        if self._after_place_preposition(m):
            return True
        tok = m.token
        if tok is None or tok.dep_ != "conj":
            return False
        while tok.dep_ == "conj" and tok.head.i != tok.i:  # a parse may label its root a conjunct
            tok = tok.head
        return bool(tok.dep_ == "pobj" and tok.head.lower_ in self.lex.place_prepositions)

    def _victims_are_people(self) -> None:
        """'the assassination of Luis Ode', 'Ode, who died', 'killed Ode', the model reading an organisation or a
        place: whom a killing or a death (a trigger whose possessor is its victim) befalls is a person. Only names
        the model alone typed, not letters ('NLF'), not names with a head word of another class."""
        triggers = [
            m
            for m in self.an.mentions.values()
            if m.cls == "Incident"
            and m.token is not None
            and m.kind in ("trigger", "definite", "name", "verb")
        ]
        for m in triggers:
            tok = m.token
            trig = (
                self.lex.triggers_by_verb.get(tok.lemma_.lower())
                if m.kind == "verb"
                else self.lex.trigger_for(tok.lemma_.lower()) or self.lex.trigger_for(tok.lower_)
            )
            if trig is None or trig.possessive_role != "victim":
                continue
            if m.kind == "verb":
                deps = ("dobj", "nsubjpass") + (("nsubj",) if trig.subject_role == "victim" else ())
                heads = [antecedent(c) for c in tok.children if c.dep_ in deps]
            else:
                heads = [g for c in tok.children if c.dep_ == "prep" and c.lower_ == "of" for g in c.children]
            for h in heads:
                target = self._name_at(h, m.sent)
                if target is None or target.cls not in ("Organization", "Place") or target.entity is None:
                    continue
                e = self.entities.get(target.entity)
                if e is None or e.label.isupper() or self.lex.class_by_head(e.label) is not None:
                    continue
                ms = [x for x in self.an.mentions.values() if x.entity == e.key]
                if any(x.strong for x in ms):
                    continue
                del self.entities[e.key]
                self._reclass(e, ms, "Person")

    def _name_at(self, tok: object, sent: int) -> Mention | None:
        """The name mention of sentence `sent` that holds the token."""
        s = self.an.sentences[sent]
        at = s.start + (tok.idx - s.span.start_char)  # type: ignore[attr-defined]
        return next(
            (
                m
                for m in self.an.mentions.values()
                if m.sent == sent and m.kind == "name" and m.start <= at < m.end
            ),
            None,
        )

    def _reclass(self, e: Entity, ms: list[Mention], cls: str) -> None:
        """Give the mentions of `e` (no longer among the entities) to the entity of that name in class `cls`."""
        target = self._entity(f"{self.lex.family(cls)}:{fold(e.label)}", cls, e.label)
        for m in ms:
            m.entity, m.cls = target.key, cls
        target.mentions += e.mentions
        target.alt_labels |= e.alt_labels - {target.label}

    def _after_place_preposition(self, m: Mention) -> bool:
        """Whether the word just before the mention is a place preposition ('in', 'near')."""
        s = self.an.sentences[m.sent]
        block_start = s.start - s.span.start_char
        before = [tok for tok in s.tokens if block_start + tok.idx + len(tok.text) <= m.start]
        return bool(before) and before[-1].lower_ in self.lex.place_prepositions

    def _resolve_persons(self, persons: list[Mention]) -> None:
        parsed: dict[int, tuple[list[str], str | None]] = {}
        for m in persons:
            bare, hon = strip_honorifics(m.text, self.honorifics)
            parsed[m.id] = (bare.split(), hon or m.honorific)
        # full names first, longest first: a shorter name may abbreviate a longer one
        order = sorted(persons, key=lambda m: (-len(parsed[m.id][0]), m.start))
        clusters: list[tuple[list[str], Entity]] = []
        last_seen: dict[str, int] = {}
        for m in order:
            words, hon = parsed[m.id]
            if not words:
                continue
            folded = [w.lower() for w in words]
            candidates = []
            for cwords, e in clusters:
                cf = [w.lower() for w in cwords]
                if folded == cf:
                    candidates = [e]
                    break
                if (
                    len(folded) < len(cf)
                    and _contiguous(folded, cf)
                    and (folded[-1] == cf[-1] or folded[0] == cf[0])
                ):
                    candidates.append(e)
            if len(candidates) > 1:
                # "Sir Ada": the one also called Sir; else the one named most recently before
                with_hon = [
                    e for e in candidates if hon and any(a.startswith(hon + " ") for a in e.alt_labels)
                ]
                if len(with_hon) == 1:
                    candidates = with_hon
                else:
                    before = [e for e in candidates if last_seen.get(e.key, 10**9) < m.start]
                    candidates = sorted(before or candidates, key=lambda e: -last_seen.get(e.key, -1))[:1]
            if candidates:
                e = candidates[0]
            else:
                label = " ".join(words)
                e = self._entity(f"Person:{fold(label)}", "Person", label)
                clusters.append((words, e))
            surface = m.text if hon is None else f"{hon} {' '.join(words)}"
            self._attach(m, e, surface if surface != e.label else None)
            if " ".join(words) != e.label:
                e.alt_labels.add(" ".join(words))
            if m.acronym:
                e.alt_labels.add(m.acronym)
            last_seen[e.key] = max(last_seen.get(e.key, -1), m.start)
        self._drop_doubtful_persons()

    def _drop_doubtful_persons(self) -> None:
        """A one-word 'person' named once, with no honorific, no title before it, no words around it that make
        it a person ('Ann, a student') and no full name to join, is more often a heading or a common word the
        model mistook than a person; written after a place preposition ('lived in Harwick'), a place."""
        posts_before = {m.end for m in self.an.mentions.values() if m.cls == "Post"}
        for key, e in list(self.entities.items()):
            if e.cls != "Person" or len(e.label.split()) > 1 or e.alt_labels:
                continue
            ms = [m for m in self.an.mentions.values() if m.entity == key]
            titled = any(
                self.an.doc.text[m.start - 1 : m.start] == " " and m.start - 1 in posts_before for m in ms
            )
            if len(ms) < 2 and not titled and not any(m.strong for m in ms):
                del self.entities[key]
                if self._after_place_preposition(ms[0]):  # "she lived in Harwick": a place
                    self._reclass(e, ms, "Place")
                    continue
                for m in ms:
                    m.entity = None


def is_subject(m: Mention) -> bool:
    an = m.token
    if an is not None:
        return bool(an.dep_ in ("nsubj", "nsubjpass"))
    return False


def _contiguous(short: list[str], long: list[str]) -> bool:
    n = len(short)
    return any(long[i : i + n] == short for i in range(len(long) - n + 1))

"""The ontology's lexical knowledge, class tree and property signatures, read into plain Python structures.

What ``ontology/lexicon.ttl`` and ``ontology/gazetteer.ttl`` say, in the form the annotator and the extractor
compile.

Nothing here knows a word of English by itself: every word list and pattern comes from the ontology files, so a
user extends what kg finds by editing them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef

from kg.ontology.vocab import KG, LEX, ontology_state

OntologyState = tuple[Path, tuple[tuple[str, int, int], ...]]

_TYPOGRAPHY = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)


@lru_cache(maxsize=1 << 14)
def normalise_name(text: str) -> str:
    """Straight quotes and dashes, single spaces: the form names are looked up in."""
    return " ".join(text.translate(_TYPOGRAPHY).split())


def local_name(iri: object) -> str:
    s = str(iri)
    return s.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


@dataclass(frozen=True)
class GazetteerName:
    cls: str
    label: str
    variants: tuple[str, ...]
    abbreviations: tuple[str, ...]
    case_sensitive: bool
    short_form: str | None = None


@dataclass(frozen=True)
class Trigger:
    cls: str
    lemmas: tuple[str, ...]
    verbs: tuple[str, ...]
    possessive_role: str | None
    subject_role: str = (
        "perpetrator"  # what the subject of its verb is: 'X killed Y' (perpetrator), 'X died' (victim)
    )
    label_noun: str | None = None  # the noun of a descriptive label ("death of X"); default: its first lemma

    @property
    def noun(self) -> str | None:
        return self.label_noun or (self.lemmas[0] if self.lemmas else None)


@dataclass(frozen=True)
class RelationPattern:
    iri: str
    prop: str
    pattern: str


@dataclass(frozen=True)
class EventPattern:
    iri: str
    kind: str
    pattern: str
    label_template: str
    implies: tuple[str, ...]


@dataclass(frozen=True)
class VerbRelation:
    iri: str
    prop: str
    verbs: tuple[str, ...]
    prepositions: tuple[str, ...]


@dataclass(frozen=True)
class SpeakerHeader:
    iri: str
    pattern: str
    post_template: str | None


@dataclass(frozen=True, eq=False)
class Lexicon:
    honorifics: tuple[str, ...]
    post_nominals: tuple[str, ...]
    connectors: tuple[str, ...]
    determiners: tuple[str, ...]
    qualifiers: tuple[str, ...]
    pronouns: tuple[str, ...]
    self_references: tuple[str, ...]
    agent_nouns: tuple[str, ...]
    culpability_words: frozenset[str]  # 'convicted of', 'jailed for', 'guilty of': the subject did it
    place_prepositions: tuple[str, ...]
    #: lower-case nouns that make with the name before them a place of their own ("Northby railway station")
    facility_nouns: tuple[str, ...]
    not_in_name: tuple[str, ...]
    not_names: tuple[str, ...]  # capitalised words the model takes for names that name nothing ("CCTV")
    seat_heads: tuple[str, ...]
    place_name_joiners: tuple[str, ...]
    name_heads: dict[str, tuple[str, ...]]  # class → capitalised head words (complement heads included)
    complement_heads: dict[str, tuple[str, ...]]  # class → head words that need "of X" / "for X"
    common_nouns: dict[str, tuple[str, ...]]  # class → lower-case nouns
    gazetteer: tuple[GazetteerName, ...]
    triggers: tuple[Trigger, ...]
    relation_patterns: tuple[RelationPattern, ...]
    event_patterns: tuple[EventPattern, ...]
    speaker_headers: tuple[SpeakerHeader, ...]
    verb_relations: tuple[VerbRelation, ...]
    subclasses: dict[str, frozenset[str]] = field(default_factory=dict)  # class → itself and its subclasses
    entity_classes: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()  # ranks and titles cut off the front of a person's name ("Colonel", "Gov.")
    opening_connectors: tuple[
        str, ...
    ] = ()  # "of" in "City of Northby Police": a word before it opens the name
    #: every kg: property → the classes its domain and its range admit, subclasses included
    signatures: dict[str, tuple[frozenset[str], frozenset[str]]] = field(default_factory=dict)
    post_complements: tuple[str, ...] = ()  # "of", "for": a post's complement, part of its name
    page_numbers: tuple[str, ...] = ()  # patterns of a PDF line that only numbers the page
    #: a month's name or abbreviation, lower case → its number
    months: dict[str, int] = field(default_factory=dict)
    weekdays: frozenset[str] = frozenset()  # lower case
    date_shifts: dict[str, int] = field(default_factory=dict)  # "last" → -1: years or months from a date
    year_words: tuple[str, ...] = ()  # "year" in "last year"
    month_words: tuple[str, ...] = ()  # "month" in "last month"
    date_connectors: tuple[str, ...] = ()  # "of" in "15 of October 2021"
    ordinal_suffixes: tuple[str, ...] = ()  # "th" in "15th October"
    #: (property, link word) by rank: what joins an unnamed incident's or inquiry's noun to its completion
    label_links: tuple[tuple[str, str], ...] = ()
    #: property → link words the label takes instead where the text wrote them ("inquiry into ...")
    written_links: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: the extraction components (``kg.extract.components``) this ontology switches off, by name
    switched_off: tuple[str, ...] = ()

    @cached_property
    def _link_words(self) -> frozenset[str]:
        return frozenset(
            {link for _, link in self.label_links} | {w for ws in self.written_links.values() for w in ws}
        )

    def is_descriptive(self, label: str) -> bool:
        """Whether a label was built from the text ('murder of Ada Quill') rather than read as a name."""
        return any(f" {link} " in f" {label} " for link in self._link_words) and not label[:1].isupper()

    @cached_property
    def _gazetteer_index(self) -> dict[str, tuple[str, str]]:
        index: dict[str, tuple[str, str]] = {}
        for g in self.gazetteer:
            for form in (g.label, *g.variants, *g.abbreviations):
                exact = g.case_sensitive or len(form.split()) == 1
                key = normalise_name(form) if exact else normalise_name(form).lower()
                index.setdefault(key, (g.cls, g.label))
        return index

    def lookup(self, text: str) -> tuple[str, str] | None:
        """(class, canonical name) of a gazetteer name written `text`, or None."""
        t = normalise_name(text)
        return self._gazetteer_index.get(t) or self._gazetteer_index.get(t.lower())

    def class_by_head(self, text: str) -> str | None:
        """The class a proper name's head word gives it: its last word, or the word before "of"/"for"/"on"."""
        words = normalise_name(text).replace("-", " ").split()
        if not words:
            return None
        cut = next((i for i, w in enumerate(words) if w in self.connectors and i > 0), len(words))
        candidates = [" ".join(words[max(0, cut - 2) : cut]), words[cut - 1]]
        for cls in ("Post", "Inquiry", "Programme", "Agency", "PoliticalParty", "Organization", "Place"):
            heads = self.name_heads.get(cls, ())
            if any(c in heads for c in candidates):
                return cls
        return None

    def short_form(self, post: str) -> str:
        """The form a post's name takes inside a longer one ('Member of Parliament' → 'MP')."""
        for g in self.gazetteer:
            if g.short_form and normalise_name(post).lower() in {
                g.label.lower(),
                *(v.lower() for v in g.variants),
            }:
                return g.short_form
        return post

    @cached_property
    def _parents(self) -> dict[str, str]:
        """Each kg class's own superclass among kg's classes (the first by name, should it have two)."""
        parents: dict[str, str] = {}
        for sup, subs in sorted(self.subclasses.items()):
            for sub in sorted(subs - {sup}):
                parents.setdefault(sub, sup)
        return parents

    @cached_property
    def _ancestry(self) -> dict[str, tuple[str, ...]]:
        """Each kg class that has a superclass → the kg classes above it, nearest first."""
        ancestry: dict[str, tuple[str, ...]] = {}
        for cls in self._parents:
            out: list[str] = []
            above = cls
            while (above := self._parents.get(above, "")) and above not in out:
                out.append(above)
            ancestry[cls] = tuple(out)
        return ancestry

    def _ancestors(self, cls: str) -> tuple[str, ...]:
        """The kg classes above `cls`, nearest first (resolution and the identity index ask for every pair of
        entities they compare: found once, in ``_ancestry``)."""
        return self._ancestry.get(cls, ())

    def family(self, cls: str) -> str:
        """The most general kg class above `cls` (itself when it has none): entities of one family may be one
        entity ('Agency' and 'PoliticalParty' are kinds of 'Organization'), and share their IRIs' path."""
        return (self._ancestors(cls) or (cls,))[-1]

    def rank(self, cls: str) -> tuple[int, str]:
        """How specific `cls` is (how far below its family's top class), the name breaking ties: where the
        mentions or the documents of one entity disagree on its class, the highest rank wins."""
        return len(self._ancestors(cls)), cls

    @cached_property
    def triggers_by_lemma(self) -> dict[str, Trigger]:
        """The trigger each noun lemma belongs to (the first, should two share one)."""
        out: dict[str, Trigger] = {}
        for t in self.triggers:
            for lemma in t.lemmas:
                out.setdefault(lemma, t)
        return out

    @cached_property
    def triggers_by_verb(self) -> dict[str, Trigger]:
        """The trigger each verb lemma belongs to (the first, should two share one)."""
        out: dict[str, Trigger] = {}
        for t in self.triggers:
            for verb in t.verbs:
                out.setdefault(verb, t)
        return out

    def trigger_for(self, lemma: str) -> Trigger | None:
        return self.triggers_by_lemma.get(lemma)


def _strings(g: Graph, s: Any, p: URIRef) -> tuple[str, ...]:
    return tuple(sorted(str(o) for o in g.objects(s, p) if isinstance(o, Literal)))


def _one(g: Graph, s: Any, p: URIRef) -> str | None:
    vals = _strings(g, s, p)
    return vals[0] if vals else None


def _load_graph(folder: Path) -> Graph:
    g = Graph()
    for path in sorted(folder.glob("*.ttl")):
        if path.name != "shapes.ttl":
            g.parse(path, format="turtle")
    return g


def lexicon_from_graph(g: Graph) -> Lexicon:
    """Read a Lexicon from an ontology graph (kg.ttl, lexicon.ttl, gazetteer.ttl and any user file)."""

    def subjects_with(p: URIRef) -> list[Any]:
        return sorted(set(g.subjects(p, None)), key=str)

    def words(p: URIRef) -> tuple[str, ...]:
        return tuple(sorted({str(o) for o in g.objects(None, p) if isinstance(o, Literal)}, key=str))

    name_heads = {local_name(c): _strings(g, c, LEX.nameHead) for c in subjects_with(LEX.nameHead)}
    complement_heads = {
        local_name(c): _strings(g, c, LEX.complementHead) for c in subjects_with(LEX.complementHead)
    }
    common = {local_name(c): _strings(g, c, LEX.commonNoun) for c in subjects_with(LEX.commonNoun)}

    gaz = []
    for s in sorted(set(g.subjects(RDF.type, LEX.Name)), key=str):
        cls = g.value(s, LEX["class"])
        label = g.value(s, RDFS.label)
        if cls is None or label is None:
            continue
        cs = g.value(s, LEX.caseSensitive)
        gaz.append(
            GazetteerName(
                local_name(cls),
                str(label),
                _strings(g, s, LEX.variant),
                _strings(g, s, LEX.abbreviation),
                isinstance(cs, Literal) and bool(cs.toPython()),
                _one(g, s, LEX.shortForm),
            )
        )

    triggers = []
    for s in sorted(set(g.subjects(RDF.type, LEX.Trigger)), key=str):
        cls = g.value(s, LEX["class"])
        role = g.value(s, LEX.possessiveRole)
        subject_role = g.value(s, LEX.subjectRole)
        if cls is None:
            continue
        triggers.append(
            Trigger(
                local_name(cls),
                _strings(g, s, LEX.lemma),
                _strings(g, s, LEX.verb),
                local_name(role) if role is not None else None,
                local_name(subject_role) if subject_role is not None else "perpetrator",
                _one(g, s, LEX.labelNoun),
            )
        )

    rels = []
    for s in sorted(set(g.subjects(RDF.type, LEX.RelationPattern)), key=str):
        prop = g.value(s, LEX.property)
        if prop is None:
            continue
        for pat in _strings(g, s, LEX.pattern):
            rels.append(RelationPattern(local_name(s), local_name(prop), pat))

    events = []
    for s in sorted(set(g.subjects(RDF.type, LEX.EventPattern)), key=str):
        kind = _one(g, s, LEX.eventKind) or local_name(s)
        template = _one(g, s, LEX.labelTemplate) or kind
        implies = tuple(sorted(local_name(o) for o in g.objects(s, LEX.implies)))
        for pat in _strings(g, s, LEX.pattern):
            events.append(EventPattern(local_name(s), kind, pat, template, implies))

    def numbered(cls: URIRef) -> dict[str, int]:
        """The words of each instance of `cls` (lower case) → its lex:number."""
        out: dict[str, int] = {}
        for s in sorted(set(g.subjects(RDF.type, cls)), key=str):
            number = g.value(s, LEX.number)
            if isinstance(number, Literal):
                out.update({w.lower(): int(number.toPython()) for w in _strings(g, s, LEX.word)})
        return out

    def rank(p: Any) -> tuple[int, int]:
        """A property's lex:labelRank; one with none after those with one."""
        r = g.value(p, LEX.labelRank)
        return (0, int(r.toPython())) if isinstance(r, Literal) else (1, 0)

    ranked = sorted(
        (rank(p), local_name(p), link)
        for p in subjects_with(LEX.labelLink)
        for link in _strings(g, p, LEX.labelLink)
    )

    # Entity classes: every kg: class but the records kg keeps about its sources (documents, evidence).
    records = {local_name(c) for p in (KG.sha256, KG.quote) for c in g.objects(p, RDFS.domain)}
    entity_classes = sorted(
        local_name(c)
        for c in set(g.subjects(RDF.type, OWL.Class))
        if str(c).startswith(str(KG)) and local_name(c) not in records
    )
    subclasses: dict[str, set[str]] = {c: {c} for c in entity_classes}
    for sub, sup in g.subject_objects(RDFS.subClassOf):
        if str(sub).startswith(str(KG)) and str(sup).startswith(str(KG)):
            subclasses.setdefault(local_name(sup), {local_name(sup)}).add(local_name(sub))
    families = {k: frozenset(v) for k, v in subclasses.items()}

    return Lexicon(
        honorifics=words(LEX.honorific),
        titles=words(LEX.title),
        post_nominals=words(LEX.postNominal),
        connectors=words(LEX.connector),
        opening_connectors=words(LEX.openingConnector),
        determiners=words(LEX.determiner),
        qualifiers=words(LEX.qualifier),
        pronouns=words(LEX.pronoun),
        self_references=words(LEX.selfReference),
        switched_off=words(LEX.switchedOff),
        agent_nouns=words(LEX.agentNoun),
        culpability_words=frozenset(w.lower() for w in words(LEX.culpabilityWord)),
        place_prepositions=words(LEX.placePreposition),
        facility_nouns=words(LEX.facilityNoun),
        not_in_name=words(LEX.notInName),
        not_names=words(LEX.notAName),
        seat_heads=words(LEX.seatHead),
        place_name_joiners=words(LEX.placeNameJoiner),
        name_heads={
            c: tuple(sorted({*heads, *complement_heads.get(c, ())})) for c, heads in name_heads.items()
        },
        complement_heads=complement_heads,
        common_nouns=common,
        gazetteer=tuple(gaz),
        triggers=tuple(triggers),
        relation_patterns=tuple(rels),
        event_patterns=tuple(events),
        verb_relations=tuple(
            VerbRelation(
                local_name(s), local_name(p), _strings(g, s, LEX.verb), _strings(g, s, LEX.preposition)
            )
            for s in sorted(set(g.subjects(RDF.type, LEX.VerbRelation)), key=str)
            if (p := g.value(s, LEX.property)) is not None
        ),
        speaker_headers=tuple(
            SpeakerHeader(local_name(s), pat, _one(g, s, LEX.postTemplate))
            for s in sorted(set(g.subjects(RDF.type, LEX.SpeakerHeader)), key=str)
            for pat in _strings(g, s, LEX.pattern)
        ),
        subclasses=families,
        entity_classes=tuple(entity_classes),
        signatures=_signatures(g, families),
        post_complements=words(LEX.postComplement),
        page_numbers=words(LEX.pageNumber),
        months=numbered(LEX.Month),
        weekdays=frozenset(w.lower() for w in words(LEX.weekday)),
        date_shifts=numbered(LEX.DateShift),
        year_words=words(LEX.yearWord),
        month_words=words(LEX.monthWord),
        date_connectors=words(LEX.dateConnector),
        ordinal_suffixes=words(LEX.ordinalSuffix),
        label_links=tuple((p, link) for _, p, link in ranked),
        written_links={
            local_name(p): _strings(g, p, LEX.writtenLink) for p in subjects_with(LEX.writtenLink)
        },
    )


def load_lexicon(folder: Path | None = None) -> Lexicon:
    """The lexicon of the ontology in `folder` (default: the ontology in force, see ``ontology_dir``)."""
    return _lexicon(ontology_state(folder))


@lru_cache(maxsize=4)
def _lexicon(state: OntologyState) -> Lexicon:
    return lexicon_from_graph(_load_graph(state[0]))


def _classes(g: Graph, node: Any) -> frozenset[str]:
    """The kg classes a domain or range names: one class or an owl:unionOf list (literal ranges give 'Literal')."""
    from rdflib.collection import Collection

    if node is None:
        return frozenset()
    if isinstance(node, URIRef):
        return frozenset({local_name(node)}) if str(node).startswith(str(KG)) else frozenset({"Literal"})
    union = g.value(node, OWL.unionOf)
    if union is None:
        return frozenset()
    out: set[str] = set()
    for member in Collection(g, union):
        out |= _classes(g, member)
    return frozenset(out)


def _signatures(
    g: Graph, subclasses: dict[str, frozenset[str]]
) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    def widen(cs: frozenset[str]) -> frozenset[str]:
        return frozenset(x for c in cs for x in subclasses.get(c, {c}))

    out: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    for p in set(g.subjects(RDF.type, None)):
        if not (isinstance(p, URIRef) and str(p).startswith(str(KG))):
            continue
        dom = _classes(g, g.value(p, RDFS.domain))
        rng = _classes(g, g.value(p, RDFS.range))
        if dom or rng:
            out[local_name(p)] = (widen(dom), widen(rng))
    return out


def entity_relations(folder: Path | None = None) -> tuple[str, ...]:
    """The ontology's relations between entities: properties whose domain and range are entity classes."""
    lex = load_lexicon(folder)
    entities = set(lex.entity_classes)
    return tuple(
        sorted(
            p
            for p, (dom, rng) in lex.signatures.items()
            if dom and rng and dom <= entities and rng <= entities
        )
    )

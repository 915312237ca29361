"""One IRI per real-world entity, however many documents name it, and kept across adds and removes.

The index knows, for every entity already in a store, its class in each document, the names each document used
and the name each document's reading gave it (its canonical name there), and for incidents who and where they
involved. A newly read document's entities are matched against it:

- a canonical name that folds like a name the entity already has (honorifics, "the", case and punctuation aside),
  or that is a distinctive other name of it (several words, or not a person's);
- a person's first and last name ("Axel Rudakubana", "Axel Muganwa Rudakubana");
- a name that ends another of its class family where only one does ("Learning Review", "Prevent Learning Review");
- an incident with the same victim or perpetrator, or at the same place on a compatible date.

A match keeps the entity's IRI; no match mints a new one from the class and canonical name (``kg.rdfmap``).
The label an entity shows is chosen from the canonical names all its documents gave it, by a rule that does not
depend on the order documents came in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from kg.model import DateValue, Entity, Extraction
from kg.resolve import SPECIFICITY, family, fold

#: Incident relations that identify an incident across documents.
SIGNATURE_PROPS = ("victim", "perpetrator", "place", "date")


@dataclass
class Known:
    """An entity of the store, as each of its documents sees it."""

    iri: str
    classes: dict[str, str] = field(default_factory=dict)  # document IRI → class there
    names: dict[str, set[str]] = field(default_factory=dict)  # document IRI → names used there
    canonical: dict[str, str] = field(default_factory=dict)  # document IRI → canonical name there
    signature: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # document IRI → (prop, object)

    @property
    def cls(self) -> str:
        return max(self.classes.values(), key=lambda c: (SPECIFICITY.get(c, 0), c))

    def all_names(self) -> set[str]:
        return {n for ns in self.names.values() for n in ns} | set(self.canonical.values())

    def all_signatures(self) -> set[tuple[str, str]]:
        return {s for ss in self.signature.values() for s in ss}

    def drop(self, doc: str) -> None:
        for part in (self.classes, self.names, self.canonical, self.signature):
            part.pop(doc, None)

    @property
    def documents(self) -> set[str]:
        return set(self.classes)


def choose_label(known: Known) -> str:
    """The label an entity shows, from the canonical names its documents gave it: for a person the fullest name,
    for anything else the name most documents gave; ties go to the longer name, then the alphabet."""
    counts: dict[str, int] = defaultdict(int)
    for name in known.canonical.values():
        counts[name] += 1
    if not counts:
        return min(known.all_names(), key=lambda n: (-len(n), n), default="")
    if known.cls == "Person":
        return max(counts, key=lambda n: (len(n.split()), len(n), n))
    from kg.pipeline import is_descriptive

    # a name the text gave ("2024 Southport stabbings") before one built from it ("killing spree by ...")
    return max(counts, key=lambda n: (not is_descriptive(n), counts[n], len(n), n))


class IdentityIndex:
    """The entities of a store, indexed for matching a new document's entities against them."""

    def __init__(self, known: dict[str, Known] | None = None) -> None:
        self.known: dict[str, Known] = known or {}
        self._canonical: dict[tuple[str, str], set[str]] = defaultdict(set)  # (family, folded name) → IRIs
        self._distinctive: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._ends: dict[tuple[str, str], set[str]] = defaultdict(set)  # (first, last) of persons → IRIs
        self._entries: dict[str, list[tuple[dict[tuple[str, str], set[str]], tuple[str, str]]]] = {}
        self._by_document: dict[str, set[str]] = defaultdict(set)  # document → entities it mentions
        self._incidents: set[str] = set()
        for iri, k in self.known.items():
            self._index(iri)
            for doc in k.documents:
                self._by_document[doc].add(iri)

    # ------------------------------------------------------------------ maintenance
    def drop_document(self, doc: str) -> set[str]:
        """Forget what one document said; returns the entities it mentioned."""
        touched = self._by_document.pop(doc, set())
        for iri in touched:
            k = self.known.get(iri)
            if k is None:
                continue
            self._unindex(iri)
            k.drop(doc)
            if k.documents:
                self._index(iri)
            else:
                del self.known[iri]
        return set(touched)

    def record(self, doc: str, ex: Extraction, iris: dict[str, str]) -> None:
        """Remember what a document said of each entity, under the IRIs it was resolved to."""
        sigs = _signatures(ex, iris)
        for key, e in ex.entities.items():
            iri = iris[key]
            k = self.known.setdefault(iri, Known(iri))
            self._unindex(iri)
            k.classes[doc] = e.cls
            k.names.setdefault(doc, set()).update({e.label, *e.alt_labels})
            k.canonical[doc] = e.label
            if sigs.get(key):
                k.signature.setdefault(doc, set()).update(sigs[key])
            self._index(iri)
            self._by_document[doc].add(iri)

    def _index(self, iri: str) -> None:
        """Enter one entity's names in the lookup tables (kept so they can be taken out again)."""
        k = self.known[iri]
        fam = family(k.cls)
        entries: list[tuple[dict[tuple[str, str], set[str]], tuple[str, str]]] = []
        canonical = {fold(n) for n in k.canonical.values()}
        for name in canonical:
            entries.append((self._canonical, (fam, name)))
            words = name.split()
            if fam == "Person" and len(words) >= 2:
                entries.append((self._ends, (words[0], words[-1])))
        for name in {fold(n) for n in k.all_names()} - canonical:
            if len(name.split()) > 1 or fam != "Person":
                entries.append((self._distinctive, (fam, name)))
        for table, key in entries:
            table[key].add(iri)
        self._entries[iri] = entries
        if k.cls == "Incident":
            self._incidents.add(iri)

    def _unindex(self, iri: str) -> None:
        for table, key in self._entries.pop(iri, []):
            table[key].discard(iri)
            if not table[key]:
                del table[key]
        self._incidents.discard(iri)

    # ------------------------------------------------------------------ matching
    def resolve(self, ex: Extraction, mint: Callable[[str, str], str]) -> dict[str, str]:
        """An IRI for every entity of a document: the known entity it is, or a new one."""
        iris: dict[str, str] = {}
        taken: set[str] = set()
        # incidents last: they are matched by the persons and places already resolved
        order = sorted(ex.entities.values(), key=lambda e: (e.cls == "Incident", e.cls == "Event", e.key))
        for e in order:
            match = self._match(e, taken)
            if match is None and e.cls == "Incident":
                match = self._match_incident(e, ex, iris, taken)
            iri = match or self._fresh(mint(e.cls, e.label), iris)
            iris[e.key] = iri
            taken.add(iri)
        return iris

    def _fresh(self, iri: str, iris: dict[str, str]) -> str:
        """A minted IRI not yet held by another entity (two names may share a readable form)."""
        used = set(iris.values())
        candidate, n = iri, 2
        while candidate in self.known or candidate in used:
            candidate, n = f"{iri}-{n}", n + 1
        return candidate

    def _match(self, e: Entity, taken: set[str]) -> str | None:
        fam = family(e.cls)
        label = fold(e.label)
        mine = {fold(a) for a in e.alt_labels}
        mine_distinctive = {n for n in mine if len(n.split()) > 1 or fam != "Person"}
        candidates = self._canonical.get((fam, label), set()) | self._distinctive.get((fam, label), set())
        for name in mine_distinctive:
            candidates |= self._canonical.get((fam, name), set())
        words = label.split()
        if not candidates and fam == "Person" and len(words) >= 2:
            candidates = set(self._ends.get((words[0], words[-1]), set()))
        if not candidates and fam not in ("Person", "Place", "Post") and len(words) >= 2:
            longer = {
                iri
                for (f, name), iris in self._canonical.items()
                if f == fam and (name.endswith(" " + label) or label.endswith(" " + name))
                for iri in iris
            }
            if len(longer) == 1:
                candidates = longer
        candidates -= taken
        if not candidates:
            return None
        # the entity most documents know, then the first in IRI order
        return min(candidates, key=lambda iri: (-len(self.known[iri].documents), iri))

    def _match_incident(self, e: Entity, ex: Extraction, iris: dict[str, str], taken: set[str]) -> str | None:
        mine = _signatures(ex, iris).get(e.key, set())
        people = {s for s in mine if s[0] in ("victim", "perpetrator")}
        places = {o for p, o in mine if p == "place"}
        dates = {o for p, o in mine if p == "date"}
        for iri in sorted(self._incidents):
            k = self.known[iri]
            if iri in taken:
                continue
            theirs = k.all_signatures()
            if people & theirs:
                return iri
            their_places = {o for p, o in theirs if p == "place"}
            their_dates = {o for p, o in theirs if p == "date"}
            compatible = any(a.startswith(b) or b.startswith(a) for a in dates for b in their_dates)
            if places & their_places and compatible:
                return iri
        return None


def _signatures(ex: Extraction, iris: dict[str, str]) -> dict[str, set[tuple[str, str]]]:
    """For each incident of a document: (property, object IRI or date) of the relations that identify it, for the
    objects already resolved."""
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in ex.relations:
        if r.prop not in SIGNATURE_PROPS or ex.entities.get(r.subject, None) is None:
            continue
        if ex.entities[r.subject].cls != "Incident":
            continue
        if isinstance(r.object, DateValue):
            out[r.subject].add((r.prop, r.object.lexical))
        elif r.object in iris:
            out[r.subject].add((r.prop, iris[r.object]))
    return out

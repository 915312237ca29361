"""One IRI per real-world entity, however many documents name it, and kept across adds and removes.

The index knows, for every entity already in a store, its class in each document, the names each document used
and the name each document's reading gave it (its canonical name there), and for incidents who and where they
involved. A newly read document's entities are matched against it:

- a canonical name that folds like a name the entity already has (honorifics, "the", case and punctuation aside),
  or that is a distinctive other name of it (several words, or not a person's);
- a person's first and last name ("Ivo Tennant", "Ivo Marek Tennant");
- a name that ends another of its class family where only one does ("Learning Review", "Northby Learning Review");
- an incident with the same victim or perpetrator, or at the same place on a compatible date.

An unnamed incident or inquiry (its label built from the text: "stabbing in Corby", "review of the stabbing of Ann
Pellow") is never matched by that label, and no other entity is matched by it: a generic phrase names nothing. It
is the entity of another document only where both name the same thing (the same victim or perpetrator of an
incident; the same incident, person or body an inquiry concerns) and nothing they say differs: dates that cannot be
the same, places none of which is shared, victims none of which is shared, or (of inquiries) who commissioned or
led them.

A match keeps the entity's IRI; no match mints a new one from the class and canonical name (``kg.graph.rdfmap``).
The label an entity shows is chosen from the canonical names all its documents gave it, by a rule that does not
depend on the order documents came in.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kg.model import DateValue, Entity, Extraction
from kg.ontology.lexicon import Lexicon, load_lexicon
from kg.text.fold import fold

#: The classes whose entities are also matched by what they involve (their signature), and the relations that make
#: it: who and where and when of an incident, what an inquiry concerns and who commissioned or led it.
SIGNATURES = {
    "Incident": ("victim", "perpetrator", "place", "date"),
    "Inquiry": ("concerns", "commissionedBy", "ledBy"),
}
SIGNED_CLASSES = tuple(SIGNATURES)
SIGNATURE_PROPS = tuple(p for props in SIGNATURES.values() for p in props)
#: The relations that name what an entity of these classes is about: one of them shared is the evidence that two
#: unnamed ones are the same.
_NAMING_PROPS = {"Incident": ("victim", "perpetrator"), "Inquiry": ("concerns",)}
#: The relations on which two accounts of one thing cannot differ (none of the objects shared), where both say any.
_CONFLICTING_PROPS = ("place", "victim", "commissionedBy", "ledBy")


def is_unnamed(cls: str, label: str, lex: Lexicon) -> bool:
    """Whether an entity is an unnamed incident or inquiry: its label was built from the text ('stabbing in
    Corby', with a link word of `lex`), so it names nothing by itself."""
    return cls in SIGNED_CLASSES and lex.is_descriptive(label)


@dataclass
class Known:
    """An entity of the store, as each of its documents sees it."""

    iri: str
    classes: dict[str, str] = field(default_factory=dict)  # document IRI → class there
    names: dict[str, set[str]] = field(default_factory=dict)  # document IRI → names used there
    canonical: dict[str, str] = field(default_factory=dict)  # document IRI → canonical name there
    signature: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # document IRI → (prop, object)

    def drop(self, doc: str) -> None:
        for part in (self.classes, self.names, self.canonical, self.signature):
            part.pop(doc, None)

    @property
    def documents(self) -> set[str]:
        return set(self.classes)


@dataclass
class Summary:
    """An entity of the store, all its documents taken together."""

    iri: str
    classes: set[str] = field(default_factory=set)
    documents: int = 0
    canonical: dict[str, int] = field(default_factory=dict)  # canonical name → documents that gave it
    names: set[str] = field(default_factory=set)  # every name any document used, canonical ones included
    signature: set[tuple[str, str]] = field(default_factory=set)
    cls: str = ""  # the most specific of its classes (`Lexicon.rank`)


def choose_label(entity: Summary, lex: Lexicon) -> str:
    """The label an entity shows, from the canonical names its documents gave it: for a person the fullest name,
    for anything else the name most documents gave (one read as a name before one `lex` calls descriptive); ties go
    to the longer name, then the alphabet."""
    counts = entity.canonical
    if not counts:
        return min(entity.names, key=lambda n: (-len(n), n), default="")
    if entity.cls == "Person":
        return max(counts, key=lambda n: (len(n.split()), len(n), n))
    # a name the text gave ("2024 Harwick stabbings") before one built from it ("killing spree by ...")
    return max(counts, key=lambda n: (not lex.is_descriptive(n), counts[n], len(n), n))


SCHEMA_VERSION = 4  # 4: no name keys for unnamed incidents and inquiries; signatures of inquiries
# 3: keys fold accents away ("Nicolás" = "Nicolas"); an older index is made again
SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (doc TEXT PRIMARY KEY, sha256 TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS facts (doc TEXT, iri TEXT, cls TEXT NOT NULL, PRIMARY KEY (doc, iri)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS names (doc TEXT, iri TEXT, name TEXT, canonical INTEGER NOT NULL,
    PRIMARY KEY (doc, iri, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS keys (doc TEXT, kind TEXT, family TEXT, key TEXT, iri TEXT,
    PRIMARY KEY (doc, kind, family, key, iri)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS signatures (doc TEXT, iri TEXT, prop TEXT, object TEXT,
    PRIMARY KEY (doc, iri, prop, object)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entity_classes (iri TEXT, cls TEXT, n INTEGER NOT NULL,
    PRIMARY KEY (iri, cls)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entity_names (iri TEXT, name TEXT, n INTEGER NOT NULL, canonical INTEGER NOT NULL,
    PRIMARY KEY (iri, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entity_keys (kind TEXT, family TEXT, key TEXT, iri TEXT, n INTEGER NOT NULL,
    PRIMARY KEY (kind, family, key, iri)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entity_signatures (prop TEXT, object TEXT, iri TEXT, n INTEGER NOT NULL,
    PRIMARY KEY (prop, object, iri)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entity_signatures_iri ON entity_signatures (iri);
"""
#: What each document said (the truth the index is kept from), and the same summed over documents per entity
#: (what lookups read, so that a name a thousand documents use is one row, not a thousand).
DOCUMENT_TABLES = ("documents", "facts", "names", "keys", "signatures")
ENTITY_TABLES = ("entity_classes", "entity_names", "entity_keys", "entity_signatures")
TABLES = DOCUMENT_TABLES + ENTITY_TABLES
# (entity table, its key columns, the document table it sums, extra columns summed besides the count)
_SUMS = (
    ("entity_classes", ("iri", "cls"), "facts", ()),
    ("entity_names", ("iri", "name"), "names", ("canonical",)),
    ("entity_keys", ("kind", "family", "key", "iri"), "keys", ()),
    ("entity_signatures", ("prop", "object", "iri"), "signatures", ()),
)

#: Sorts after every string that starts with a given prefix (a bound for prefix searches).
_LAST = "\U0010ffff"


class IdentityIndex:
    """The entities of a store, indexed for matching a new document's entities against them.

    The index lives in SQLite (a file beside the store, or memory): each lookup reads only the names it asks
    about, so adding a document costs about the same in a store of ten documents or ten thousand. It is derived
    from the store and can be rebuilt from it at any time (``kg.graph.store.Store.index``).

    Keys, per document that mentions an entity, all folded (``kg.text.fold.fold``):

    - ``canonical``: the name the document's reading gave it, in its class family;
    - ``name``: every name the document used, where distinctive (several words, or not a person's);
    - ``ends``: a person's first and last word of a canonical name;
    - ``reversed``: the canonical name reversed, to find names that end with another.
    """

    def __init__(self, conn: sqlite3.Connection, lex: Lexicon | None = None) -> None:
        self.conn = conn
        self.lex = (
            lex or load_lexicon()
        )  # the class tree: families and ranks (the store sets it before each write)
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version != SCHEMA_VERSION:
            # an index written by another version of kg: start empty (the store's check then rebuilds it)
            tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                conn.execute(f'DROP TABLE IF EXISTS "{table}"')
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.executescript(SCHEMA)

    # ------------------------------------------------------------------ maintenance
    def documents(self) -> dict[str, str]:
        """Document IRI → SHA-256 of every document the index holds."""
        return dict(self.conn.execute("SELECT doc, sha256 FROM documents"))

    def clear(self) -> None:
        for table in TABLES:
            self.conn.execute(f"DELETE FROM {table}")

    def drop_document(self, doc: str) -> set[str]:
        """Forget what one document said; returns the entities it mentioned."""
        touched = {iri for (iri,) in self.conn.execute("SELECT iri FROM facts WHERE doc = ?", (doc,))}
        known = self.conn.execute("SELECT 1 FROM documents WHERE doc = ?", (doc,)).fetchone()
        if not touched and known is None:
            return touched  # a new document: nothing to forget
        for table, cols, source, extra in _SUMS:
            keys = ", ".join(cols)
            sums = "".join(
                f", {c} = {c} - (SELECT {c} FROM {source} s WHERE s.doc = ?"
                + "".join(f" AND s.{k} = {table}.{k}" for k in cols)
                + ")"
                for c in extra
            )
            match = f"({keys}) IN (SELECT {keys} FROM {source} WHERE doc = ?)"
            self.conn.execute(f"UPDATE {table} SET n = n - 1{sums} WHERE {match}", (doc,) * (len(extra) + 1))
            self.conn.execute(f"DELETE FROM {table} WHERE {match} AND n <= 0", (doc,))
        for table in DOCUMENT_TABLES:
            self.conn.execute(f"DELETE FROM {table} WHERE doc = ?", (doc,))
        return touched

    def record(self, doc: str, sha256: str, ex: Extraction, iris: dict[str, str]) -> None:
        """Remember what a document said of each entity, under the IRIs it was resolved to."""
        sigs = _signatures(ex, iris)
        facts: dict[str, Known] = {}
        for key, e in ex.entities.items():
            iri = iris[key]
            k = facts.setdefault(iri, Known(iri))
            k.classes[doc] = e.cls
            k.names.setdefault(doc, set()).update({e.label, *e.alt_labels})
            k.canonical[doc] = e.label
            if sigs.get(key):
                k.signature.setdefault(doc, set()).update(sigs[key])
        self.conn.execute("INSERT OR REPLACE INTO documents VALUES (?, ?)", (doc, sha256))
        self._insert(facts.values())
        for table, cols, source, extra in _SUMS:
            keys = ", ".join(cols)
            names = ", ".join([*cols, "n", *extra])
            update = ", ".join(["n = n + 1", *(f"{c} = {c} + excluded.{c}" for c in extra)])
            self.conn.execute(
                f"INSERT INTO {table} ({names}) SELECT {', '.join([*cols, '1', *extra])} FROM {source} "
                f"WHERE doc = ? ON CONFLICT ({keys}) DO UPDATE SET {update}",
                (doc,),
            )

    def load(self, known: dict[str, Known], shas: dict[str, str]) -> None:
        """Fill an empty index with what a store holds (entities as read from it; documents' SHA-256)."""
        self.conn.executemany("INSERT OR REPLACE INTO documents VALUES (?, ?)", sorted(shas.items()))
        self._insert(known.values())
        for table, cols, source, extra in _SUMS:
            keys = ", ".join(cols)
            sums = "".join(f", SUM({c})" for c in extra)
            self.conn.execute(
                f"INSERT INTO {table} SELECT {keys}, COUNT(*){sums} FROM {source} GROUP BY {keys}"
            )

    def _insert(self, entities: Iterable[Known]) -> None:
        facts, names, keys, signatures = [], [], [], []
        for k in entities:
            for doc, cls in k.classes.items():
                facts.append((doc, k.iri, cls))
                canonical = k.canonical.get(doc, "")
                used = k.names.get(doc, set()) | ({canonical} if canonical else set())
                names += [(doc, k.iri, n, int(n == canonical)) for n in sorted(used)]
                fam = self.lex.family(cls)
                if is_unnamed(cls, canonical, self.lex):
                    used = set()  # an unnamed incident or inquiry is found by its signature alone
                    canonical = ""
                if canonical:
                    folded = fold(canonical)
                    keys.append((doc, "canonical", fam, folded, k.iri))
                    keys.append((doc, "reversed", fam, folded[::-1], k.iri))
                    words = folded.split()
                    if fam == "Person" and len(words) >= 2:
                        keys.append((doc, "ends", fam, f"{words[0]} {words[-1]}", k.iri))
                for name in {fold(n) for n in used}:
                    if len(name.split()) > 1 or fam != "Person":
                        keys.append((doc, "name", fam, name, k.iri))
                signatures += [(doc, k.iri, p, o) for p, o in sorted(k.signature.get(doc, set()))]
        self.conn.executemany("INSERT OR REPLACE INTO facts VALUES (?, ?, ?)", facts)
        self.conn.executemany("INSERT OR IGNORE INTO names VALUES (?, ?, ?, ?)", names)
        self.conn.executemany("INSERT OR IGNORE INTO keys VALUES (?, ?, ?, ?, ?)", keys)
        self.conn.executemany("INSERT OR IGNORE INTO signatures VALUES (?, ?, ?, ?)", signatures)

    # ------------------------------------------------------------------ reading
    def summaries(self, iris: Iterable[str]) -> dict[str, Summary]:
        """Each of these entities, all its documents taken together (those the index does not hold are left
        out)."""
        out: dict[str, Summary] = {}
        wanted = sorted(set(iris))
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ", ".join("?" * len(chunk))
            for iri, cls, n in self.conn.execute(
                f"SELECT iri, cls, n FROM entity_classes WHERE iri IN ({marks})", chunk
            ):
                e = out.setdefault(iri, Summary(iri))
                e.classes.add(cls)
                e.documents += n
            for iri, name, canonical in self.conn.execute(
                f"SELECT iri, name, canonical FROM entity_names WHERE iri IN ({marks})", chunk
            ):
                if iri in out:
                    out[iri].names.add(name)
                    if canonical:
                        out[iri].canonical[name] = canonical
            for iri, prop, obj in self.conn.execute(
                f"SELECT iri, prop, object FROM entity_signatures WHERE iri IN ({marks})", chunk
            ):
                if iri in out:
                    out[iri].signature.add((prop, obj))
        for e in out.values():
            e.cls = max(e.classes, key=self.lex.rank)
        return out

    def _holds(self, iri: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM entity_classes WHERE iri = ? LIMIT 1", (iri,)).fetchone()
        return row is not None

    def _lookup(self, kind: str, fam: str, key: str) -> set[str]:
        rows = self.conn.execute(
            "SELECT iri FROM entity_keys WHERE kind = ? AND family = ? AND key = ?", (kind, fam, key)
        )
        return {iri for (iri,) in rows}

    def _signed(self, prop: str, obj: str) -> set[str]:
        """The entities with this (property, object) in their signature."""
        rows = self.conn.execute(
            "SELECT iri FROM entity_signatures WHERE prop = ? AND object = ?", (prop, obj)
        )
        return {str(iri) for (iri,) in rows}

    def _document_counts(self, iris: set[str]) -> dict[str, int]:
        marks = ", ".join("?" * len(iris))
        rows = self.conn.execute(
            f"SELECT iri, SUM(n) FROM entity_classes WHERE iri IN ({marks}) GROUP BY iri",
            sorted(iris),
        )
        return dict(rows)

    # ------------------------------------------------------------------ matching
    def resolve(self, ex: Extraction, mint: Callable[[str, str], str]) -> dict[str, str]:
        """An IRI for every entity of a document: the known entity it is, or a new one."""
        iris: dict[str, str] = {}
        taken: set[str] = set()
        # incidents late: they are matched by the persons and places already resolved; inquiries last, by the
        # incidents they concern
        order = sorted(
            ex.entities.values(),
            key=lambda e: (e.cls == "Inquiry", e.cls == "Incident", e.cls == "Event", e.key),
        )
        for e in order:
            unnamed = is_unnamed(e.cls, e.label, self.lex)
            match = None if unnamed else self._match(e, taken)
            if match is None and e.cls in SIGNED_CLASSES:
                match = self._match_signed(e, ex, iris, taken, unnamed=unnamed)
            iri = match or self._fresh(mint(e.cls, e.label), iris)
            iris[e.key] = iri
            taken.add(iri)
        return iris

    def _fresh(self, iri: str, iris: dict[str, str]) -> str:
        """A minted IRI not yet held by another entity (two names may share a readable form)."""
        used = set(iris.values())
        candidate, n = iri, 2
        while candidate in used or self._holds(candidate):
            candidate, n = f"{iri}-{n}", n + 1
        return candidate

    def _match(self, e: Entity, taken: set[str]) -> str | None:
        fam = self.lex.family(e.cls)
        label = fold(e.label)
        mine = {fold(a) for a in e.alt_labels}
        mine_distinctive = {n for n in mine if len(n.split()) > 1 or fam != "Person"}
        canonical = sorted({label} | mine_distinctive)
        marks = ", ".join("?" * len(canonical))
        rows = self.conn.execute(
            "SELECT iri FROM entity_keys WHERE family = ? AND ("
            f"(kind = 'canonical' AND key IN ({marks})) OR (kind = 'name' AND key = ?))",
            (fam, *canonical, label),
        )
        candidates: set[str] = {iri for (iri,) in rows}
        words = label.split()
        if not candidates and fam == "Person" and len(words) >= 2:
            candidates = self._lookup("ends", fam, f"{words[0]} {words[-1]}")
        if not candidates and fam not in ("Person", "Place", "Post") and len(words) >= 2:
            # a known name that ends with this one, or that this one ends with, where only one entity has it
            longer = {
                iri
                for (iri,) in self.conn.execute(
                    "SELECT iri FROM entity_keys WHERE kind = 'reversed' AND family = ? AND key > ? AND key < ?",
                    (fam, (" " + label)[::-1], (" " + label)[::-1] + _LAST),
                )
            }
            for i in range(1, len(words)):
                longer |= self._lookup("canonical", fam, " ".join(words[i:]))
            if len(longer) == 1:
                candidates = longer
        candidates -= taken
        if not candidates:
            return None
        # the entity most documents know, then the first in IRI order
        counts = self._document_counts(candidates)
        return min(candidates, key=lambda iri: (-counts.get(iri, 0), iri))

    def _match_signed(
        self, e: Entity, ex: Extraction, iris: dict[str, str], taken: set[str], *, unnamed: bool
    ) -> str | None:
        """The entity of the store that an incident or inquiry is by what it involves. Two named ones: an incident
        with the same victim or perpetrator, or at the same place on a compatible date (inquiries are told apart
        by their names). Where either is unnamed: the same victim, perpetrator or concerned entity, and nothing
        said of both that differs (`_compatible`); an unnamed one that fits several is none of them."""
        mine = _signatures(ex, iris).get(e.key, set())
        naming = {s for s in mine if s[0] in _NAMING_PROPS[e.cls]}
        found = {iri for prop, obj in naming for iri in self._signed(prop, obj)}
        if e.cls == "Incident" and not unnamed:
            places = {o for p, o in mine if p == "place"}
            dates = {o for p, o in mine if p == "date"}
            at_place = {iri for place in places for iri in self._signed("place", place)}
            for iri, k in self.summaries(at_place - found).items():
                their_dates = {o for p, o in k.signature if p == "date"}
                if _dates_meet(dates, their_dates) and not _unnamed(k, self.lex):
                    found.add(iri)
        fits = {
            iri
            for iri, k in self.summaries(found - taken).items()
            if k.cls == e.cls
            and (
                _compatible(mine, k.signature)
                if unnamed or _unnamed(k, self.lex)
                else e.cls == "Incident"  # two named inquiries are the same by their names alone
            )
        }
        if unnamed and len(fits) > 1:
            return None  # "an attack by the Front" beside two of its attacks: which one, nothing says
        return min(fits, default=None)


def _unnamed(k: Summary, lex: Lexicon) -> bool:
    """Whether an entity of the store is known only by labels built from the text."""
    return bool(k.canonical) and all(is_unnamed(k.cls, name, lex) for name in k.canonical)


def _dates_meet(mine: set[str], theirs: set[str]) -> bool:
    """Whether two sets of dates share one, at the precision both give ('2023' and '2023-05-02' do)."""
    return any(a.startswith(b) or b.startswith(a) for a in mine for b in theirs)


def _compatible(mine: set[tuple[str, str]], theirs: set[tuple[str, str]]) -> bool:
    """Whether two signatures can be one thing's: where both give dates, two of them meet; where both give
    places, victims, or who commissioned or led an inquiry, they share one."""

    def objects(sig: set[tuple[str, str]], prop: str) -> set[str]:
        return {o for p, o in sig if p == prop}

    a, b = objects(mine, "date"), objects(theirs, "date")
    if a and b and not _dates_meet(a, b):
        return False
    for prop in _CONFLICTING_PROPS:
        a, b = objects(mine, prop), objects(theirs, prop)
        if a and b and not a & b:
            return False
    return True


def _signatures(ex: Extraction, iris: dict[str, str]) -> dict[str, set[tuple[str, str]]]:
    """For each incident and inquiry of a document: (property, object IRI or date) of the relations that identify
    it, for the objects already resolved."""
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in ex.relations:
        if r.prop not in SIGNATURE_PROPS or ex.entities.get(r.subject, None) is None:
            continue
        if ex.entities[r.subject].cls not in SIGNED_CLASSES:
            continue
        if isinstance(r.object, DateValue):
            out[r.subject].add((r.prop, r.object.lexical))
        elif r.object in iris:
            out[r.subject].add((r.prop, iris[r.object]))
    return out

"""Measure kg's extraction against gold annotations of documents: the `kg eval` command."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rdflib
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from kg.errors import EXIT_FAILED, InputError, KgError, plural
from kg.model import Document
from kg.ontology.lexicon import local_name
from kg.text.fold import fold as fold_name
from kg.text.read import DOCUMENT_SUFFIXES  # a gold file annotates any document kg reads

GOLD_SUFFIX = ".gold.yaml"

#: What is measured, in the order it is printed.
MEASURES = ("entities", "entities_typed", "places", "posts", "relations")
#: The measures of named entities, where kg must do at least as well as the bare statistical NER.
ENTITY_MEASURES = ("entities", "entities_typed", "places")
#: The gold types (and the local names of kg's classes) scored as entities, and the family each counts as.
FAMILIES = {
    "Person": "Person",
    "Organization": "Organization",
    "Agency": "Organization",
    "PoliticalParty": "Organization",
    "Programme": "Programme",
    "Inquiry": "Inquiry",
    "Incident": "Incident",
}
#: Types scored apart from the entities, each in a measure of its own.
APART = {"Place": "places", "Post": "posts"}
GOLD_TYPES = (*FAMILIES, *APART)
#: The relation properties scored (by local name, so any namespace will do).
RELATIONS = (
    "perpetrator",
    "victim",
    "date",
    "place",
    "commissionedBy",
    "concerns",
    "ledBy",
    "holdsPost",
    "memberOf",
    "referredTo",
)
#: Relations by which an unnamed incident or inquiry is recognised: who did it, to whom, what it is about.
PARTICIPANTS = ("perpetrator", "victim", "concerns")
#: Titles and styles dropped from names before they are compared.
HONORIFICS = frozenset(
    {"sir", "lady", "lord", "dame", "baron", "baroness", "dr", "mr", "mrs", "ms", "miss"}
    | {"rt", "right", "hon", "honourable"}
)
DATE_TEXT = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


class ScoreBelowFloor(KgError):
    """An evaluation ran, and a score fell below the floor it was given (or a document did not build)."""

    exit_code = EXIT_FAILED


# ---------------------------------------------------------------------------------------------- gold annotations
@dataclass(frozen=True)
class GoldEntity:
    id: str
    type: str
    names: tuple[str, ...]  # canonical name first
    optional: bool = False

    @property
    def family(self) -> str:
        """The family the type is scored as: Agency and PoliticalParty are Organizations; Place and Post stay."""
        return FAMILIES.get(self.type, self.type)

    @property
    def measure(self) -> str:
        return measure_of(self.type)


@dataclass(frozen=True)
class GoldRelation:
    subject: str
    property: str
    objects: tuple[str, ...]  # entity ids, or dates; any one of them counts

    def shown(self) -> str:
        objects: object = list(self.objects) if len(self.objects) > 1 else self.objects[0]
        return f"{self.subject} {self.property} {objects}"


@dataclass(frozen=True)
class Gold:
    path: Path
    entities: dict[str, GoldEntity]  # by id, in the order of the file
    relations: tuple[GoldRelation, ...]


@dataclass(frozen=True)
class Annotated:
    """A document and its gold annotations."""

    text: Path
    gold: Path


def measure_of(type_or_family: str) -> str:
    return APART.get(type_or_family, "entities")


def find_annotated(paths: Sequence[Path]) -> list[Annotated]:
    """The annotated documents that `paths` name: a gold file (`NAME.gold.yaml`, with its document beside it), a
    document (`NAME.txt`, `.md`, `.html`, `.htm` or `.pdf`, with `NAME.gold.yaml` beside it), or a folder, for
    every gold file in it that has its document beside it."""
    found: list[Annotated] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            golds = sorted(path.glob(f"*{GOLD_SUFFIX}"))
            in_folder = [
                Annotated(text, gold) for gold in golds if (text := _document_beside(gold)) is not None
            ]
            if not in_folder:
                raise InputError(
                    f"{path}: no annotated documents (NAME{GOLD_SUFFIX} with its document NAME.txt, .md, .html,"
                    " .htm or .pdf beside it)"
                )
        elif path.is_file():
            in_folder = [_annotated_by_file(path)]
        else:
            raise InputError(f"{path}: no such file or folder")
        for annotated in in_folder:
            if annotated.gold.resolve() not in seen:
                seen.add(annotated.gold.resolve())
                found.append(annotated)
    return found


def _annotated_by_file(path: Path) -> Annotated:
    """The annotated document a file names: a gold file and the document beside it, or a document and the gold
    file beside it."""
    if path.name.endswith(GOLD_SUFFIX):
        text = _document_beside(path)
        if text is None:
            stem = path.name.removesuffix(GOLD_SUFFIX)
            beside = ", ".join(stem + suffix for suffix in DOCUMENT_SUFFIXES[:-1])
            raise InputError(
                f"{path}: no {beside} or {stem}{DOCUMENT_SUFFIXES[-1]} beside it: the document it annotates"
            )
        return Annotated(text, path)
    if path.suffix.lower() in DOCUMENT_SUFFIXES:
        gold = path.with_name(path.name[: -len(path.suffix)] + GOLD_SUFFIX)
        if not gold.is_file():
            raise InputError(
                f"{path}: no gold file {gold.name} beside it: kg eval scores a document against its gold"
                " annotations (docs/gold-format.md)"
            )
        return Annotated(path, gold)
    raise InputError(
        f"{path}: not a gold file (NAME{GOLD_SUFFIX}) nor a document beside one (NAME.txt, .md, .html, .htm, .pdf)"
    )


def _document_beside(gold: Path) -> Path | None:
    """The document a gold file annotates: the one file beside it of its name and a suffix kg reads."""
    stem = gold.name.removesuffix(GOLD_SUFFIX)
    present = [text for suffix in DOCUMENT_SUFFIXES if (text := gold.with_name(stem + suffix)).is_file()]
    if len(present) > 1:
        names = ", ".join(text.name for text in present)
        raise InputError(
            f"{gold}: more than one document of its name beside it ({names}): keep the one it annotates"
        )
    return present[0] if present else None


def read_gold(path: Path) -> Gold:
    """Read and check one gold file; `InputError` naming the file and what is wrong with it."""
    import yaml

    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 at byte {error.start}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "unreadable"
        raise InputError(f"{path}: not valid YAML{where}: {problem}") from None

    def wrong(what: str) -> InputError:
        return InputError(f"{path}: {what}")

    if not isinstance(data, dict) or not isinstance(data.get("entities"), list):
        raise wrong("no 'entities' list: a gold file is a mapping with 'entities' and 'relations'")
    entities: dict[str, GoldEntity] = {}
    for number, item in enumerate(data["entities"], 1):
        entity = _gold_entity(item, f"entity {number}", wrong)
        if entity.id in entities:
            raise wrong(f"entity {number}: id {entity.id!r} is used twice")
        entities[entity.id] = entity
    relations = data.get("relations") or []
    if not isinstance(relations, list):
        raise wrong("'relations' is not a list")
    return Gold(
        path,
        entities,
        tuple(
            _gold_relation(item, f"relation {number}", entities, wrong)
            for number, item in enumerate(relations, 1)
        ),
    )


def _gold_entity(item: object, where: str, wrong: Callable[[str], InputError]) -> GoldEntity:
    if not isinstance(item, dict):
        raise wrong(f"{where}: not a mapping with id, type and names")
    key = item.get("id")
    if not _is_scalar(key) or not str(key):
        raise wrong(f"{where}: no id")
    where = f"{where} ({key})"
    kind = item.get("type")
    if kind is None:
        raise wrong(f"{where}: no type")
    if kind not in GOLD_TYPES:
        raise wrong(f"{where}: unknown type {kind!r}; one of {', '.join(GOLD_TYPES)}")
    names = item.get("names")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise wrong(f"{where}: 'names' must be a list of the names the text uses (text, quoted if need be)")
    optional = item.get("optional", False)
    if not isinstance(optional, bool):
        raise wrong(f"{where}: 'optional' must be true or false")
    return GoldEntity(str(key), str(kind), tuple(names), optional)


def _gold_relation(
    item: object, where: str, entities: dict[str, GoldEntity], wrong: Callable[[str], InputError]
) -> GoldRelation:
    if not isinstance(item, list) or len(item) != 3:
        raise wrong(f"{where}: not a list of three: [subject, property, object]")
    subject, prop, objects = item
    if not _is_scalar(subject) or str(subject) not in entities:
        raise wrong(f"{where}: unknown id {subject!r} as subject")
    if prop not in RELATIONS:
        raise wrong(f"{where}: unknown property {prop!r}; one of {', '.join(RELATIONS)}")
    alternatives = objects if isinstance(objects, list) else [objects]
    if not alternatives or not all(_is_scalar(o) for o in alternatives):
        raise wrong(f"{where}: the object must be an id, a date, or a list of them")
    texts = tuple(str(o) for o in alternatives)
    for text in texts:
        if prop == "date" and not DATE_TEXT.fullmatch(text):
            raise wrong(f"{where}: {text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
        if prop != "date" and text not in entities:
            raise wrong(f"{where}: unknown id {text!r} as object")
    return GoldRelation(str(subject), str(prop), texts)


def _is_scalar(value: object) -> bool:
    """A YAML value that stands for a word: text, a number or an unquoted date (not a list, a mapping or null)."""
    return isinstance(value, str | int | float | dt.date) and not isinstance(value, bool)


# ---------------------------------------------------------------------------------------------- counting
def fold(name: str) -> str:
    """A name as it is compared: folded as kg folds names (``kg.text.fold``), and without honorifics
    ("The Rt Hon Ada Quill's" -> "ada quill")."""
    return " ".join(word for word in fold_name(name).split() if word not in HONORIFICS)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def empty(self) -> bool:
        """Nothing to find and nothing found: no score can be given."""
        return self.tp == self.fp == self.fn == 0

    def scores(self) -> dict[str, float | int | None]:
        """Precision, recall and F1 (to three places), and the counts they come from; the three scores are None
        where there was nothing to find and nothing was found (`empty`)."""
        if self.empty:
            return {"precision": None, "recall": None, "f1": None, "tp": 0, "fp": 0, "fn": 0}
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {
            "precision": round(p, 3),
            "recall": round(r, 3),
            "f1": round(f, 3),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }

    def f1(self) -> float | None:
        """F1 to three places; None where there is nothing to score (`empty`)."""
        f1 = self.scores()["f1"]
        return None if f1 is None else float(f1)


#: How a score that cannot be given (nothing to find, nothing found) is printed.
NO_SCORE = "\u2014"


def shown(score: float | int | None, places: int = 3) -> str:
    """A score as printed: to `places` places, or NO_SCORE where there was nothing to score."""
    return NO_SCORE if score is None else f"{score:.{places}f}"


def no_counts() -> dict[str, Counts]:
    return {measure: Counts() for measure in MEASURES}


@dataclass
class Produced:
    """An entity of the graph that is scored: its family (or Place, Post) and its labels, folded."""

    family: str
    labels: set[str] = field(default_factory=set)


def produced_entities(graph: rdflib.Graph) -> dict[Node, Produced]:
    """The graph's entities of a scored class, in the graph's order. An entity of several classes takes the
    first, unless that is an Organization and another is more specific."""
    out: dict[Node, Produced] = {}
    for subject, cls in graph.subject_objects(RDF.type):
        name = local_name(cls)
        family = FAMILIES.get(name) or (name if name in APART else None)
        if family is None:
            continue
        before = out.get(subject)
        if before is None or (before.family == "Organization" and family != "Organization"):
            out[subject] = Produced(family)
    for subject, entity in out.items():
        for prop in (RDFS.label, SKOS.altLabel, SKOS.prefLabel):
            for label in graph.objects(subject, prop):
                if str(label).strip():
                    entity.labels.add(fold(str(label)))
    return out


def score(graph: rdflib.Graph, gold: Gold, notes: list[str] | None = None) -> dict[str, Counts]:
    """Counts per measure of one document's graph against its gold annotations; with `notes`, one line is added
    to it for each gold entity or relation missed and each entity or relation produced that the gold lacks."""
    note = notes.append if notes is not None else (lambda line: None)
    produced = produced_entities(graph)
    gold_names = {gid: {fold(n) for n in e.names} for gid, e in gold.entities.items()}
    triples = {(s, local_name(p), o) for s, p, o in graph if local_name(p) in RELATIONS and s in produced}

    # Produced entities are matched to gold ones, each gold entity at most once (a second is a duplicate).
    match: dict[Node, str] = {}
    used: set[str] = set()
    duplicates: set[Node] = set()
    # First by name: any label folded as any gold name, within one measure; a gold entity of the same family
    # is preferred, and an entity whose every candidate is taken is a duplicate.
    for iri, entity in sorted(produced.items(), key=lambda item: str(item[0])):
        candidates = [
            gid
            for gid, names in gold_names.items()
            if entity.labels & names and gold.entities[gid].measure == measure_of(entity.family)
        ]
        if not candidates:
            continue
        free = sorted(
            (gid for gid in candidates if gid not in used),
            key=lambda gid: gold.entities[gid].family != entity.family,
        )
        if free:
            match[iri] = free[0]
            used.add(free[0])
        else:
            duplicates.add(iri)
    # Then an unmatched incident or inquiry by its participants: the first gold one of its family that shares a
    # perpetrator, victim or concerns-target with it.
    participants: dict[Node, set[tuple[str, str]]] = defaultdict(set)
    for s, p, o in triples:
        if p in PARTICIPANTS and o in match:
            participants[s].add((p, match[o]))
    for iri, entity in produced.items():
        if iri in match or iri in duplicates or entity.family not in ("Incident", "Inquiry"):
            continue
        for gid, gold_entity in gold.entities.items():
            if gold_entity.family != entity.family:
                continue
            gold_participants = {
                (r.property, o)
                for r in gold.relations
                if r.subject == gid and r.property in PARTICIPANTS
                for o in r.objects
            }
            if participants[iri] & gold_participants:
                if gid in used:
                    duplicates.add(iri)
                else:
                    match[iri] = gid
                    used.add(gid)
                break

    counts = no_counts()
    matched_by_gold = {gid: iri for iri, gid in match.items()}
    for gid, gold_entity in gold.entities.items():
        family, measure = gold_entity.family, gold_entity.measure
        found = matched_by_gold.get(gid)
        if found is not None:
            if gold_entity.optional:
                continue  # neither credited nor missed
            counts[measure].tp += 1
            if measure == "entities":
                if produced[found].family == family:
                    counts["entities_typed"].tp += 1
                else:
                    note(f"mistyped {gid}: {family} given as {produced[found].family}")
                    counts["entities_typed"].fn += 1
                    counts["entities_typed"].fp += 1
        elif not gold_entity.optional:
            counts[measure].fn += 1
            note(f"missed {family} {gid}: {sorted(gold_entity.names)[:3]}")
            if measure == "entities":
                counts["entities_typed"].fn += 1
    for iri, entity in produced.items():
        if iri in match:
            continue
        measure = measure_of(entity.family)
        note(f"extra {entity.family} {local_name(iri)}: {sorted(entity.labels)[:3]}")
        counts[measure].fp += 1
        if measure == "entities":
            counts["entities_typed"].fp += 1

    # Relations: a produced triple is right where it matches a gold relation (the first that it matches is
    # found); a gold relation counts once however many triples match it (two dates, say).
    found_relations = [False] * len(gold.relations)
    for s, p, o in sorted(triples, key=lambda t: (str(t[0]), t[1], str(t[2]))):
        subject = match.get(s)
        hit = next(
            (
                i
                for i, relation in enumerate(gold.relations)
                if relation.property == p
                and relation.subject == subject
                and any(_object_matches(o, alternative, match, gold) for alternative in relation.objects)
            ),
            None,
        )
        if hit is None:
            counts["relations"].fp += 1
            shown = match.get(o) or (local_name(o) if isinstance(o, rdflib.URIRef) else str(o))
            note(f"extra relation {subject or local_name(s)} {p} {shown}")
        else:
            found_relations[hit] = True
    for relation, found_relation in zip(gold.relations, found_relations, strict=True):
        if not found_relation:
            note(f"missed relation {relation.shown()}")
    counts["relations"].tp = found_relations.count(True)
    counts["relations"].fn = found_relations.count(False)
    return counts


def _object_matches(produced: Node, alternative: str, match: dict[Node, str], gold: Gold) -> bool:
    """An entity matches the gold entity it was matched to; a value (a date) matches a gold value it starts
    with ("2021-10-15" matches "2021-10")."""
    if isinstance(produced, rdflib.URIRef):
        return match.get(produced) == alternative
    return alternative not in gold.entities and str(produced).startswith(alternative)


def missed_entirely(gold: Gold) -> dict[str, Counts]:
    """The counts of a document whose build failed: every gold entity and relation missed."""
    counts = no_counts()
    for entity in gold.entities.values():
        if not entity.optional:
            counts[entity.measure].fn += 1
            if entity.measure == "entities":
                counts["entities_typed"].fn += 1
    counts["relations"].fn += len(gold.relations)
    return counts


def cross_document_duplicates(golds: Sequence[Gold], graph: rdflib.Graph) -> list[tuple[str, int]]:
    """The gold entities (not places or posts) that two or more documents annotate, by their first name folded,
    that `graph` (of all the documents) holds more than once: each with the number of times it does."""
    documents: dict[str, set[Path]] = defaultdict(set)
    names: dict[str, set[str]] = defaultdict(set)
    family: dict[str, str] = {}
    for gold in golds:
        for entity in gold.entities.values():
            if entity.type in APART:
                continue
            key = fold(entity.names[0])
            documents[key].add(gold.path)
            names[key] |= {fold(n) for n in entity.names}
            family[key] = entity.family
    produced = produced_entities(graph).values()
    out = []
    for key in sorted(k for k, where in documents.items() if len(where) > 1):
        copies = sum(1 for e in produced if e.family == family[key] and e.labels & names[key])
        if copies > 1:
            out.append((key, copies))
    return out


# ---------------------------------------------------------------------------------------------- building
def built_graph(
    documents: Sequence[Document], *, model: str | None, jobs: int = 1, baseline: bool = False
) -> rdflib.Graph:
    """The graph `kg build` would write for the documents, built in a fresh store in memory (with `baseline`,
    the graph of what the bare statistical NER finds, ``kg.extract.baseline``).

    It is read back from the Turtle kg writes, so that entities come in the order of the exported file, as an
    evaluation of `kg build`'s file sees them: that order settles which of two incidents that fit one gold
    incident is matched, and which is a duplicate."""
    from kg.extract.baseline import bare_ner
    from kg.graph.files import Format, serialize
    from kg.pipeline import build_graph, extract_document

    dataset = build_graph(
        documents, model=model, jobs=jobs, extract=bare_ner if baseline else extract_document
    )
    return rdflib.Graph().parse(data=serialize(dataset, Format.TURTLE), format="turtle")


# ---------------------------------------------------------------------------------------------- the evaluation
@dataclass
class Evaluation:
    per_document: dict[str, dict[str, Counts]]
    notes: dict[str, list[str]]  # per document built, what was missed and what is extra
    failures: list[str]
    duplicated: list[tuple[str, int]] | None  # None when all the documents together did not build
    build_seconds: float
    baseline: dict[str, dict[str, Counts]] | None = None  # per document, the bare NER's counts (--baseline)

    @property
    def total(self) -> dict[str, Counts]:
        return _summed(self.per_document)

    @property
    def baseline_total(self) -> dict[str, Counts] | None:
        return None if self.baseline is None else _summed(self.baseline)

    def below_baseline(self) -> list[str]:
        """A line for each entity measure where kg's total F1 is under the bare NER's (a measure with nothing to
        score on either side is left out)."""
        base = self.baseline_total
        if base is None:
            return []
        mine = self.total
        out = []
        for measure in ENTITY_MEASURES:
            f1, bare = mine[measure].f1(), base[measure].f1()
            if f1 is not None and bare is not None and f1 < bare:
                out.append(f"{measure} F1 {f1:.3f} < bare NER {bare:.3f}")
        return out

    @property
    def duplicates(self) -> int | None:
        return None if self.duplicated is None else sum(n - 1 for _, n in self.duplicated)

    def below(self, floors: dict[str, float]) -> list[str]:
        """A line for each total F1 under its floor ("relations F1 0.512 < 0.6"); a measure with nothing to score
        (`unscored`) is neither below nor above its floor."""
        total = self.total
        out = []
        for measure, floor in floors.items():
            f1 = total[measure].f1()
            if f1 is not None and f1 < floor:
                out.append(f"{measure} F1 {f1:.3f} < {floor}")
        return out

    def unscored(self, floors: dict[str, float] | None = None) -> list[str]:
        """The measures (of `floors`, default all) with nothing to score over all the documents: nothing in the
        gold files, and nothing found."""
        total = self.total
        return [measure for measure in (MEASURES if floors is None else floors) if total[measure].empty]

    def as_json(self) -> str:
        base = self.baseline_total
        return json.dumps(
            {
                "documents": len(self.per_document),
                "build_seconds": round(self.build_seconds, 1),
                "total": {measure: c.scores() for measure, c in self.total.items()},
                **({"baseline": {m: c.scores() for m, c in base.items()}} if base is not None else {}),
                "cross_document_duplicates": self.duplicates,
                "duplicated": [f"{key} x{n}" for key, n in self.duplicated or []],
                "failures": self.failures,
                "per_document": {
                    name: {measure: c.scores() for measure, c in counts.items()}
                    for name, counts in self.per_document.items()
                },
            },
            indent=2,
        )

    def as_text(self, *, explain: bool = False, floors: dict[str, float] | None = None) -> str:
        """F1 per document (with `explain`, what it missed and what is extra under it), the builds that failed,
        the cross-document duplicates, and precision, recall and F1 over all the documents."""
        lines = []
        for name, counts in self.per_document.items():
            lines.append(f"{name}: " + "  ".join(f"{m} {shown(c.f1(), 2)}" for m, c in counts.items()))
            if explain:
                lines += [f"    {line}" for line in self.notes.get(name, [])]
        lines += [f"FAILED {failure}" for failure in self.failures]
        if self.duplicated is None:
            lines.append("cross-document duplicates: not counted (all the documents together did not build)")
        else:
            named = " ".join(f"{key} x{n}" for key, n in self.duplicated)
            lines.append(f"cross-document duplicates: {self.duplicates} {named}")
        lines += [_score_line(measure, c) for measure, c in self.total.items()]
        base = self.baseline_total
        if base is not None:
            lines.append("the bare NER (spaCy's model alone), for comparison:")
            lines += ["  " + _score_line(measure, base[measure]) for measure in ENTITY_MEASURES]
        short = self.below(floors or {}) + self.below_baseline()
        lines.append(
            f"{plural(len(self.per_document), 'document')}, {self.build_seconds:.1f} s of builds"
            + ("; below floor: " + "; ".join(short) if short else "")
        )
        return "\n".join(lines)


def _summed(per_document: dict[str, dict[str, Counts]]) -> dict[str, Counts]:
    total = no_counts()
    for counts in per_document.values():
        for measure, c in counts.items():
            total[measure].add(c)
    return total


def _score_line(measure: str, counts: Counts) -> str:
    s = counts.scores()
    p, r, f1 = (shown(s[key]) for key in ("precision", "recall", "f1"))
    return f"{measure:15s} P {p:5s}  R {r:5s}  F1 {f1:5s}  (tp {s['tp']}, fp {s['fp']}, fn {s['fn']})"


def evaluate(
    paths: Sequence[Path], *, model: str | None = None, jobs: int = 1, baseline: bool = False
) -> Evaluation:
    """Build each annotated document that `paths` name alone and score it against its gold file; then build
    them all together and count the entities the graph holds more than once although the documents share them.
    With `baseline`, also score what the bare statistical NER finds in each document, beside kg.

    Every gold file is read and every document's text before anything is built: bad input is an `InputError`.
    A document that fails to build is a failure of the evaluation: all of its gold counts as missed."""
    from kg.extract.components import extractor
    from kg.text.read import read_document

    annotated = find_annotated(paths)
    golds = [read_gold(a.gold) for a in annotated]
    documents = [read_document(a.text) for a in annotated]
    names = _document_keys([a.text for a in annotated], [d.name for d in documents])
    extractor(model)  # the model and the ontology are loaded once, and a bad one is an error here

    evaluation = Evaluation({}, {}, [], None, 0.0)
    for name, document, gold in zip(names, documents, golds, strict=True):
        start = time.perf_counter()
        try:
            graph = built_graph([document], model=model)
        except KgError as error:
            evaluation.failures.append(f"{name}: build failed: {error}")
            evaluation.per_document[name] = missed_entirely(gold)
        else:
            evaluation.notes[name] = []
            evaluation.per_document[name] = score(graph, gold, evaluation.notes[name])
        evaluation.build_seconds += time.perf_counter() - start
        if baseline:
            bare = built_graph([document], model=model, baseline=True)
            evaluation.baseline = evaluation.baseline or {}
            evaluation.baseline[name] = score(bare, gold)
    try:
        together = built_graph(documents, model=model, jobs=jobs)
    except KgError as error:
        evaluation.failures.append(f"all documents together: build failed: {error}")
    else:
        evaluation.duplicated = cross_document_duplicates(golds, together)
    return evaluation


def _document_keys(texts: Iterable[Path], document_names: Sequence[str]) -> list[str]:
    """What each document is called in the report: its file name, or its path where two share a file name."""
    file_names = [text.name for text in texts]
    return [
        file_name if file_names.count(file_name) == 1 else path
        for file_name, path in zip(file_names, document_names, strict=True)
    ]


def parse_floors(specs: Iterable[str]) -> dict[str, float]:
    """`--min` values ("entities=0.85") as floors by measure; `InputError` for a bad one."""
    floors = {}
    for spec in specs:
        measure, _, value = spec.partition("=")
        if measure not in MEASURES:
            raise InputError(f"--min {spec}: give MEASURE=F1, MEASURE one of {', '.join(MEASURES)}")
        try:
            floor = float(value)
        except ValueError:
            floor = -1.0
        if not 0.0 <= floor <= 1.0:
            raise InputError(f"--min {spec}: the floor is an F1 between 0 and 1")
        floors[measure] = floor
    return floors


__all__ = [
    "ENTITY_MEASURES",
    "MEASURES",
    "Counts",
    "Evaluation",
    "Gold",
    "GoldEntity",
    "GoldRelation",
    "ScoreBelowFloor",
    "built_graph",
    "cross_document_duplicates",
    "evaluate",
    "find_annotated",
    "fold",
    "parse_floors",
    "read_gold",
    "score",
]

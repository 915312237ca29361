"""Training the entity class model (``models/entity_class.json``) from GUM, re3d and documents in kg's gold format.

Each text goes through kg's own extraction up to ``entities``; every entity the ``types`` component would read
gets the features that component computes (``kg.extract.types.entity_features``) and a label from the gold: by
character spans in GUM and re3d (the smallest gold mention holding kg's name), by folded names in kg's gold format.
A kg entity no gold mention covers is labelled "none". Documents are split (seeded) into a training part and a
held-out part; the thresholds at which the component acts are chosen by cross-validation on the training part.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.extract.components import extractor
from kg.extract.cues import Cues
from kg.extract.linear import LinearModel
from kg.extract.names import Names
from kg.extract.types import MODEL, NONE, candidates, entity_features, found_by_ner
from kg.learn.fit import fit_linear, split
from kg.learn.gold import read_gold
from kg.model import Document
from kg.text.fold import fold

#: GUM's entity types as kg's classes (families); every other type names no entity kg keeps.
GUM_CLASSES = {"person": "Person", "organization": "Organization", "place": "Place"}
#: GUM's openly licensed genres (bio and voyage texts are CC BY-SA: the model says so in its licence).
GUM_GENRES = ("news", "interview", "academic", "court", "bio", "voyage")
#: re3d's entity types as kg's classes; every other type (Nationality, Weapon, Temporal ...) names no entity.
RE3D_CLASSES = {"Person": "Person", "Organisation": "Organization", "Location": "Place"}
#: Where re3d's annotators agreed enough.
RE3D_CONFIDENCE = 0.5
HELD_OUT = 0.2
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 1.01)
#: Of the entities the component changes in cross-validation, the share that must come out right.
PRECISION = 0.75
#: Never drop an entity below this, whatever cross-validation says (the names kg found by shape, where the NER
#: did not, are few in the training data: the model knows them least).
DROP_FLOOR = 0.9
#: An entity the statistical NER found is dropped only past this: the bare NER is kg's floor.
DROP_NER_FLOOR = 0.98


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    cls: str | None  # a kg class family, NONE, or None: an annotation too unsure to learn from


@dataclass(frozen=True)
class Source:
    """One training text and its gold: spans (GUM, re3d) or names (kg's gold format)."""

    corpus: str
    name: str
    text: str
    spans: tuple[Span, ...] = ()
    names: tuple[tuple[str, str | None], ...] = ()  # (folded name, family or None where optional)


@dataclass(frozen=True)
class Example:
    doc: str  # corpus/name
    features: tuple[str, ...]
    label: str
    rules: str  # the class family the rules gave
    ner: bool  # the statistical NER found it


# ---------------------------------------------------------------------------------------------- readers
#: In GUM's MISC column: "(3-person-new-..." opens mention 3 ("...)" right after: closed on the same word), "3)"
#: closes it.
_BRACKETS = re.compile(r"\(([^()]*)(\))?|(\d+)\)")


def read_gum(folder: Path) -> Iterator[Source]:
    """GUM's CoNLL-U documents of the CC BY genres: text rebuilt (paragraphs on lines of their own), mentions
    typed by kg's classes (a group of people, plural, is no one person)."""
    dep = folder / "dep" if (folder / "dep").is_dir() else folder
    for path in sorted(dep.glob("GUM_*.conllu")):
        if path.name.split("_")[1] not in GUM_GENRES:
            continue
        yield _gum_document(path)


def _gum_document(path: Path) -> Source:
    text: list[str] = []
    spans: list[Span] = []
    stack: dict[str, list[tuple[int, str, str]]] = {}  # entity number -> open (start, type, tag)
    pos = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# newpar") and text:
            text.append("\n")
            pos += 1
            continue
        if not line or line.startswith("#"):
            continue
        cols = line.split("\t")
        if not cols[0].isdigit():
            continue  # a multi-word token's range, an empty node
        form, tag, misc = cols[1], cols[4], cols[9]
        if text and text[-1] not in ("\n", " ", ""):
            text.append(" ")
            pos += 1
        start = pos
        text.append(form)
        pos += len(form)
        entity = next((x[len("Entity=") :] for x in misc.split("|") if x.startswith("Entity=")), "")
        for m in _BRACKETS.finditer(entity):
            if m.group(1) is not None:
                number, etype = [*m.group(1).split("-"), ""][:2]
                if m.group(2):  # opened and closed on this word
                    spans.append(_gum_span(start, pos, etype, tag))
                else:
                    stack.setdefault(number, []).append((start, etype, tag))
            elif stack.get(m.group(3)):
                s, etype, _ = stack[m.group(3)].pop()
                spans.append(_gum_span(s, pos, etype, tag))  # the last word's tag: the head's, mostly
        if "SpaceAfter=No" in misc:
            text.append("")
    return Source("gum", path.stem, "".join(text), tuple(spans))


def _gum_span(start: int, end: int, etype: str, tag: str) -> Span:
    cls = GUM_CLASSES.get(etype, NONE)
    if cls == "Person" and tag in ("NNS", "NNPS"):
        cls = NONE  # "asylum seekers", "the Smiths": a group, no one person
    return Span(start, end, cls)


def read_re3d(folder: Path) -> Iterator[Source]:
    """re3d's documents with their entity annotations (those below the confidence asked for: not learned from)."""
    for source in sorted(p for p in folder.iterdir() if (p / "documents.json").is_file()):
        docs = [
            json.loads(x) for x in (source / "documents.json").read_text(encoding="utf-8").splitlines() if x
        ]
        by_doc: dict[str, list[Span]] = {}
        for x in (source / "entities.json").read_text(encoding="utf-8").splitlines():
            if not x.strip():
                continue
            a = json.loads(x)
            cls = RE3D_CLASSES.get(a["type"], NONE) if float(a["confidence"]) >= RE3D_CONFIDENCE else None
            by_doc.setdefault(a["documentId"], []).append(Span(int(a["begin"]), int(a["end"]), cls))
        for d in docs:
            yield Source("re3d", f"{source.name}/{d['_id']}", d["text"], tuple(by_doc.get(d["_id"], ())))


def read_uk(folders: Sequence[Path], honorifics: Sequence[str]) -> Iterator[Source]:
    """Documents in kg's gold format: each gold name folded (honorifics out) with its class family."""
    from kg.ontology.lexicon import load_lexicon

    lex = load_lexicon()
    for folder in folders:
        for g in read_gold(folder):
            names: list[tuple[str, str | None]] = []
            for e in g.entities:
                family = None if e.optional else lex.family(e.type)
                names += [(_fold_name(n, honorifics), family) for n in e.names]
            yield Source("uk", g.name, g.text, names=tuple(names))


def _fold_name(name: str, honorifics: Sequence[str]) -> str:
    words = fold(name).split()
    hon = {fold(h) for h in honorifics}
    while len(words) > 1 and words[0] in hon:
        words = words[1:]
    return " ".join(words)


# ---------------------------------------------------------------------------------------------- examples
def examples(sources: Sequence[Source]) -> list[Example]:
    """Every entity the ``types`` component would read in these texts, with its features and its gold label."""
    ex = extractor()
    cues = Cues(ex.lex)
    names = Names(cues)
    out: list[Example] = []
    with ex.reading_ahead([s.text for s in sources]):
        for src in sources:
            doc = Document(
                path=Path(src.name),
                name=src.name,
                text=src.text,
                sha256=hashlib.sha256(src.text.encode("utf-8")).hexdigest(),
            )
            an = ex.analyse(doc, until="entities")
            for key in candidates(an, cues):
                e = an.entities[key]
                ms = [m for m in an.mentions.values() if m.entity == key and m.kind == "name"]
                if src.names:
                    label = _label_by_names(
                        [e.label, *e.alt_labels, *(m.text for m in ms)], src, ex.lex.honorifics
                    )
                else:
                    label = _label_by_spans([(m.start, m.end) for m in ms], src)
                if label is None:
                    continue
                out.append(
                    Example(
                        f"{src.corpus}/{src.name}",
                        tuple(entity_features(an, cues, names, key)),
                        label,
                        ex.lex.family(e.cls),
                        found_by_ner(an, key),
                    )
                )
    return out


def _label_by_names(labels: Sequence[str], src: Source, honorifics: Sequence[str]) -> str | None:
    gold = dict(reversed(src.names))  # the first family a name is given
    found = [gold[n] for n in (_fold_name(x, honorifics) for x in labels) if n in gold]
    if not found:
        return NONE
    return found[0]  # None: an optional entity, learned from neither way


def _label_by_spans(spans: Sequence[tuple[int, int]], src: Source) -> str | None:
    """The class of the smallest sure gold mention holding each of kg's names (most of its words, or its end: a
    name's head), by majority; None where kg's span crosses a gold mention's edge or only an unsure one holds it."""
    votes: Counter[str] = Counter()
    for s, e in spans:
        covering = [g for g in src.spans if g.start <= s and e <= g.end and g.cls is not None]
        if covering:
            g = min(covering, key=lambda g: g.end - g.start)
            if (e - s) * 2 < g.end - g.start and e != g.end:
                return None  # a part of a longer mention, not its head
            votes[str(g.cls)] += 1
        elif any(g.start < e and s < g.end for g in src.spans):
            return None  # across a gold mention's edge, or held by an unsure annotation only
        else:
            votes[NONE] += 1
    if not votes:
        return None
    (top, n), *rest = votes.most_common()
    return top if not rest or rest[0][1] < n else None


# ---------------------------------------------------------------------------------------------- deciding
def decide(model: LinearModel, ex: Example, retype: float, drop: float, drop_ner: float) -> str:
    """The class the component leaves an entity with (NONE: dropped), as ``kg.extract.types.Types`` decides."""
    cls, p = model.best(ex.features)
    if cls == ex.rules:
        return cls
    if cls == NONE:
        return NONE if p >= (drop_ner if ex.ner else drop) else ex.rules
    return cls if p >= retype else ex.rules


def choose_thresholds(train: Sequence[Example], seed: int, folds: int = 3) -> dict[str, float]:
    """The thresholds at which acting beats the rules most over `folds` cross-validation folds of the training
    documents (each chosen alone, the others held at 'never')."""
    order = sorted({x.doc for x in train})
    random.Random(seed).shuffle(order)
    parts = [set(order[k::folds]) for k in range(folds)]
    scored: list[tuple[LinearModel, list[Example]]] = []
    for part in parts:
        fit = [x for x in train if x.doc not in part]
        held = [x for x in train if x.doc in part]
        if len({x.label for x in fit}) < 2 or not held:
            continue
        scored.append((_fit(fit, seed), held))
    never = THRESHOLDS[-1]
    chosen = {"retype": never, "drop": never, "drop_ner": never}
    for name in ("retype", "drop", "drop_ner"):
        best, best_gain = never, 0
        for t in THRESHOLDS:
            if t < {"retype": 0.0, "drop": DROP_FLOOR, "drop_ner": DROP_NER_FLOOR}[name]:
                continue
            limits = {**chosen, name: t}
            fixed = broken = 0
            for m, held in scored:
                for x in held:
                    got = decide(m, x, **limits)
                    if got != x.rules:
                        fixed += got == x.label
                        broken += x.rules == x.label
            changed = sum(decide(m, x, **limits) != x.rules for m, held in scored for x in held)
            # acting must mend more than it breaks, and most of what it changes must come out right
            if fixed - broken > best_gain and fixed >= PRECISION * changed:
                best, best_gain = t, fixed - broken
        chosen[name] = best
    return chosen


def _fit(train: Sequence[Example], seed: int, meta: dict[str, object] | None = None) -> LinearModel:
    return fit_linear(
        MODEL, [x.features for x in train], [x.label for x in train], seed=seed, c=1.0, min_count=3, meta=meta
    )


def report(model: LinearModel, held: Sequence[Example], limits: dict[str, float]) -> list[str]:
    """Held-out accuracy and F1 per class, the rules alone against the rules with the model."""
    rules = [x.rules for x in held]
    learned = [decide(model, x, **limits) for x in held]
    gold = [x.label for x in held]
    lines = []
    for name, got in (("rules only", rules), ("with model", learned)):
        acc = sum(g == p for g, p in zip(gold, got, strict=True)) / max(1, len(gold))
        per = []
        for cls in sorted(set(gold) | set(got)):
            tp = sum(g == p == cls for g, p in zip(gold, got, strict=True))
            fp = sum(p == cls != g for g, p in zip(gold, got, strict=True))
            fn = sum(g == cls != p for g, p in zip(gold, got, strict=True))
            f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
            per.append(f"{cls} {f1:.3f}")
        lines.append(f"held-out {name}: accuracy {acc:.3f} ({len(gold)} entities); F1 " + ", ".join(per))
    return lines


def train_entity_class(
    gum: Path | None, re3d: Path | None, uk: Sequence[Path], seed: int
) -> tuple[LinearModel, list[str]] | None:
    """The entity class model from the folders given (GUM, re3d, kg-format gold) and its held-out report; None
    where none was given."""
    from kg.ontology.lexicon import load_lexicon

    sources: list[Source] = []
    if gum is not None:
        sources += read_gum(gum)
    if re3d is not None:
        sources += read_re3d(re3d)
    if uk:
        sources += read_uk(uk, load_lexicon().honorifics)
    if not sources:
        return None
    found = examples(sources)
    by_corpus: dict[str, list[str]] = {}
    for x in found:
        by_corpus.setdefault(x.doc.split("/")[0], [])
        if x.doc not in by_corpus[x.doc.split("/")[0]]:
            by_corpus[x.doc.split("/")[0]].append(x.doc)
    held_docs: set[str] = set()
    for docs in by_corpus.values():  # each corpus split alone, so that each is in both parts
        held_docs |= set(split(sorted(docs), HELD_OUT, seed)[1])
    train = [x for x in found if x.doc not in held_docs]
    held = [x for x in found if x.doc in held_docs]
    limits = choose_thresholds(train, seed)
    counts = Counter(x.label for x in train)
    meta: dict[str, object] = {
        "trained_on": {c: len(d) - len(held_docs & set(d)) for c, d in by_corpus.items()},
        "examples": dict(sorted(counts.items())),
        "thresholds": limits,
        "data": _ATTRIBUTION,
        "licence": LICENCE,
    }
    model = _fit(train, seed, meta)
    lines = [f"{len(train)} training entities, {len(held)} held out; thresholds {limits}"]
    lines += report(model, held, limits)
    for corpus in sorted(by_corpus):
        part = [x for x in held if x.doc.startswith(corpus + "/")]
        if part:
            lines += [f"  {corpus}: {line}" for line in report(model, part, limits)]
    model.meta["held_out"] = lines
    return model, lines


#: Made in part from CC BY-SA texts (GUM's bio and voyage, Wikipedia in corpus-uk): share-alike applies.
LICENCE = "CC BY-SA 4.0"
_ATTRIBUTION = [
    "GUM (Georgetown University Multilayer corpus), Amir Zeldes et al., news, interview, academic, court, bio and"
    " voyage documents; annotations CC BY 4.0, texts CC BY 2.5 / CC BY 4.0 / CC BY-SA 3.0"
    " (github.com/amir-zeldes/gum, commit 72ce5ac)",
    "re3d, Dstl (UK Defence Science and Technology Laboratory), Aleph Insights and Committed Software; each"
    " source's licence and ATTRIBUTION as given in github.com/dstl/re3d",
    "kg's corpus-uk documents 101-110 and 121-130 (Wikipedia CC BY-SA 4.0, GOV.UK OGL v3.0, Hansard OPL v3.0)",
]

"""Training the model of ``links`` (the relations of inquiries and posts) from UK gold documents and re3d.

Each document is read by kg up to ``signatures`` (its mentions, entities and the rules' relations); every pair of
mentions ``kg.extract.links.candidates`` makes is labelled with the gold relation between the two entities (gold
entities found by their folded names), or none. re3d adds pairs of people and posts or organisations: its
``IsSynonymOf`` between a person and a title is ``holdsPost``, ``BelongsTo`` and ``InChargeOf`` from a person to
an organisation ``memberOf`` (confidence >= 0.5). The scores are per property, on documents kept out of training
(each fold of the UK documents in turn), rules alone against rules with the model.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.extract.analysis import DocumentAnalysis
from kg.extract.components import extractor
from kg.extract.linear import LinearModel
from kg.extract.links import MODEL, NONE, PROPERTIES, Candidate, candidates, link
from kg.learn.fit import fit_linear, prf
from kg.learn.gold import GoldDocument, read_gold
from kg.model import Document, Relation
from kg.text.fold import fold

#: corpus-uk's held-back documents (111-115, 131-135): never trained on, whatever folder is given.
HELD_BACK = re.compile(r"^1(1[1-5]|3[1-5])_")
#: Honorifics the gold's names are compared without (as the scorer does).
_HONORIFICS = frozenset(
    [
        "sir",
        "lady",
        "lord",
        "dame",
        "dr",
        "mr",
        "mrs",
        "ms",
        "miss",
        "rt",
        "hon",
        "right",
        "honourable",
        "baroness",
        "baron",
    ]
)
_RE3D_MIN = 0.5
#: The label of a pair left out of training.
_UNKNOWN = "?"
#: re3d relation types and what they are in kg, by the classes kg gave the two ends.
_RE3D = {"IsSynonymOf": "holdsPost", "BelongsTo": "memberOf", "InChargeOf": "memberOf"}
_ORGANISATIONS = frozenset({"Organization", "Agency", "PoliticalParty"})
FOLDS = 5
C = 8.0
#: The thresholds tried on the held-out folds (add a relation at; drop a rule's at, for "none").
_ADDS = (0.5, 0.6, 0.7, 0.8)
_DROPS = (0.9, 0.95)
NEVER = 1.01
#: What a property's held-out F1 must gain for the model to add its relations: on
#: 20 documents a relation or two either way is noise.
MARGIN = 0.04


def gold_fold(name: str) -> str:
    return " ".join(w for w in fold(name).split() if w not in _HONORIFICS)


@dataclass
class Example:
    """One document read by kg, its candidate pairs and their labels; gold relations to score against."""

    name: str
    an: DocumentAnalysis
    pairs: list[Candidate]
    labels: list[str]
    align: dict[str, str]  # kg entity key → gold entity id
    gold: set[tuple[str, str, tuple[str, ...]]]  # (subject id, property, object ids: any one counts)


def _document(name: str, text: str) -> Document:
    return Document(Path(name), name, text, hashlib.sha256(text.encode("utf-8")).hexdigest())


def _bucket(cls: str) -> str:
    return cls if cls in ("Place", "Post") else "core"


def align(an: DocumentAnalysis, gold: GoldDocument) -> dict[str, str]:
    """kg's entities to gold ids: by folded names (labels, other labels, mention texts), then an unnamed
    inquiry or incident to the gold one its rule relations or its class alone (when the gold has one) point to."""
    names: dict[str, set[str]] = defaultdict(set)
    for k, e in an.entities.items():
        names[k] |= {gold_fold(n) for n in (e.label, *e.alt_labels) if n}
    for m in an.mentions.values():
        if m.entity in an.entities and m.kind == "name":
            names[m.entity].add(gold_fold(m.canonical or m.text))
    gnames = {g.id: {gold_fold(n) for n in g.names} for g in gold.entities}
    gcls = {g.id: g.type for g in gold.entities}
    out: dict[str, str] = {}
    for k, e in an.entities.items():
        hits = [g for g, ns in gnames.items() if names[k] & ns and _bucket(gcls[g]) == _bucket(e.cls)]
        hits.sort(key=lambda g: gcls[g] != e.cls)
        if hits:
            out[k] = hits[0]
    grel = defaultdict(set)
    for s, p, o in gold.relations:
        for x in o if isinstance(o, tuple) else (o,):
            grel[s].add((p, x))
    for k, e in an.entities.items():
        if k in out or e.cls not in ("Inquiry", "Incident") or e.label:
            continue
        mine = {(r.prop, out.get(str(r.object))) for r in an.relations if r.subject == k}
        same = [g for g in gcls if gcls[g] == e.cls]
        hit = next((g for g in same if grel[g] & mine), None)
        if hit is None and len(same) == 1:
            hit = same[0]
        if hit is not None:
            out[k] = hit
    return out


def _gold_relations(gold: GoldDocument) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(s, p, o if isinstance(o, tuple) else (str(o),)) for s, p, o in gold.relations if p in PROPERTIES}


def uk_example(gold: GoldDocument) -> Example:
    an = extractor().analyse(_document(gold.name, gold.text), until="signatures")
    al = align(an, gold)
    pairs = candidates(an, extractor().lex)
    rels = _gold_relations(gold)
    by_pair = {(s, o): p for s, p, os in rels for o in os}
    labels = []
    for c in pairs:
        gs, go = al.get(c.subject.entity or ""), al.get(c.object.entity or "")
        p = by_pair.get((gs, go)) if gs and go else None
        labels.append(p if p in c.props else NONE)
    # a relation the gold states once for the document: the closest pair of its mentions says it; the other
    # pairs of the two may or may not, and teach nothing (they are left out of training, not made "none")
    closest: dict[tuple[str, str], int] = {}
    for i, (c, y) in enumerate(zip(pairs, labels, strict=True)):
        key = (c.subject.entity or "", c.object.entity or "")
        if y != NONE and (key not in closest or _gap(c) < _gap(pairs[closest[key]])):
            closest[key] = i
    keep = set(closest.values())
    labels = [y if y == NONE or i in keep else _UNKNOWN for i, y in enumerate(labels)]
    return Example(gold.name, an, pairs, labels, al, rels)


def _gap(c: Candidate) -> int:
    a, b = c.subject, c.object
    return max(a.start, b.start) - min(a.end, b.end)


def re3d_examples(folder: Path) -> Iterator[Example]:
    """re3d's documents, with the pairs of a person and a post or an organisation labelled from its relations."""
    for source in sorted(p for p in folder.iterdir() if (p / "documents.json").is_file()):
        docs = [json.loads(line) for line in _lines(source / "documents.json")]
        rels: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in map(json.loads, _lines(source / "relations.json")):
            if r.get("type") in _RE3D and float(r.get("confidence", 0)) >= _RE3D_MIN:
                rels[r["documentId"]].append(r)
        for d in docs:
            an = extractor().analyse(_document(f"re3d/{d['_id']}", d["text"]), until="signatures")
            pairs, labels = [], []
            for c in candidates(an, extractor().lex):
                cs, co = an.entities[c.subject.entity or ""].cls, an.entities[c.object.entity or ""].cls
                if cs != "Person" or not (co == "Post" or co in _ORGANISATIONS):
                    continue
                pairs.append(c)
                labels.append(_re3d_label(c, co, rels[d["_id"]]))
            yield Example(an.doc.name, an, pairs, labels, {}, set())


def _re3d_label(c: Candidate, cls: str, rels: Iterable[dict[str, Any]]) -> str:
    def over(m: Any, a: int, b: int) -> bool:
        return bool(m.start < b and a < m.end)

    for r in rels:
        prop = _RE3D[r["type"]]
        if (prop == "holdsPost") != (cls == "Post"):
            continue
        ends = [(r["sourceBegin"], r["sourceEnd"]), (r["targetBegin"], r["targetEnd"])]
        # a person and a post either way round: "Minister for X, Tobias Y" or "Y, Minister for X"
        pairs = [(ends[0], ends[1]), (ends[1], ends[0])] if prop == "holdsPost" else [(ends[0], ends[1])]
        if any(over(c.subject, *s) and over(c.object, *o) for s, o in pairs):
            return prop
    return NONE


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(examples: Iterable[Example], relations: dict[str, list[Relation]]) -> dict[str, list[int]]:
    """tp, fp, fn per property (and "all") of each document's relations against its gold, through `align`."""
    counts: dict[str, list[int]] = {p: [0, 0, 0] for p in (*PROPERTIES, "all")}
    for ex in examples:
        found = set()
        for r in relations[ex.name]:
            if r.prop in PROPERTIES and isinstance(r.object, str):
                found.add((ex.align.get(r.subject), r.prop, ex.align.get(r.object)))
        hit: set[tuple[str, str, tuple[str, ...]]] = set()
        for s, p, o in found:
            g = next((g for g in ex.gold if g[0] == s and g[1] == p and o in g[2]), None)
            key = "tp" if g is not None and g not in hit else "fp"
            if g is not None:
                hit.add(g)
            for k in (p, "all"):
                counts[k][0 if key == "tp" else 1] += 1
        for g in ex.gold - hit:
            counts[g[1]][2] += 1
            counts["all"][2] += 1
    return counts


def _f1(c: list[int]) -> float:
    tp, fp, fn = c
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _line(name: str, c: list[int]) -> str:
    tp, fp, fn = c
    s = prf(set(range(tp + fn)), set(range(tp)) | {-i - 1 for i in range(fp)})
    return f"{name} P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f} (tp {tp}, fp {fp}, fn {fn})"


def _fit(examples: list[Example], seed: int, meta: dict[str, Any] | None = None) -> LinearModel:
    xs = [c.features for ex in examples for c, y in zip(ex.pairs, ex.labels, strict=True) if y != _UNKNOWN]
    ys = [y for ex in examples for y in ex.labels if y != _UNKNOWN]
    return fit_linear(MODEL, xs, ys, seed=seed, c=C, min_count=2, meta=meta)


def _held_out(
    uk: list[Example], extra: list[Example], seed: int
) -> tuple[float, dict[str, float], float, dict[str, list[int]], int]:
    """Each fold of the UK documents read by the model of the others (and `extra`): for each property the
    threshold that does best on it (above 1, never: the rules alone, where nothing beats them), the threshold of
    dropping that does best over all five, and the scores they give."""
    lex = extractor().lex
    order = sorted(uk, key=lambda ex: hashlib.sha256(f"{seed}:{ex.name}".encode()).hexdigest())
    folds = [order[i :: min(FOLDS, len(order))] for i in range(min(FOLDS, len(order)))]
    held: list[tuple[Example, LinearModel]] = []
    for k, fold_docs in enumerate(folds):
        rest = [ex for j, f in enumerate(folds) if j != k for ex in f] + extra
        if len({y for ex in rest for y in ex.labels if y != _UNKNOWN}) >= 2:
            model = _fit(rest, seed)
            held += [(ex, model) for ex in fold_docs]
    docs = [ex for ex, _ in held]

    def run(add: dict[str, float], drop: float) -> dict[str, list[int]]:
        found = {ex.name: link(ex.an, lex, m, add=add, drop=drop, pairs=ex.pairs) for ex, m in held}
        return score(docs, found)

    add: dict[str, float] = {}
    never = {q: NEVER for q in PROPERTIES}
    rules = run(never, NEVER)
    for p in PROPERTIES:  # the rules alone unless a threshold does clearly better on this property
        best_f, best_t = _f1(rules[p]) + MARGIN, NEVER
        for t in _ADDS:
            one = run({**never, p: t}, NEVER)[p]
            if _f1(one) >= best_f:
                best_f, best_t = _f1(one), t
        add[p] = best_t
    best_drop, best_counts = NEVER, run(add, NEVER)
    for drop in _DROPS:
        c = run(add, drop)
        if _f1(c["all"]) > _f1(best_counts["all"]):
            best_drop, best_counts = drop, c
    return _f1(best_counts["all"]), add, best_drop, best_counts, len(folds)


def train_relations(
    uk_folders: Iterable[Path], re3d: Path | None, seed: int
) -> tuple[LinearModel, list[str]] | None:
    """The model and its report, from UK gold folders (their held-back documents left out) and re3d where it
    wins on the held-out UK documents; None without UK documents."""
    golds = [g for folder in uk_folders for g in read_gold(folder) if not HELD_BACK.match(g.name)]
    if not golds:
        return None
    uk = [uk_example(g) for g in golds]
    base = score(uk, {ex.name: ex.an.relations for ex in uk})
    report: list[str] = []
    f1, add, drop, with_model, folds = _held_out(uk, [], seed)
    extra: list[Example] = []
    if re3d is not None:
        more = list(re3d_examples(re3d))
        f1_more, add_more, drop_more, with_more, _ = _held_out(uk, more, seed)
        report.append(
            f"held out: with re3d F1 {f1_more:.3f}, without {f1:.3f}: re3d {'kept' if f1_more > f1 else 'left out'}"
        )
        if f1_more > f1:
            extra, f1, add, drop, with_model = more, f1_more, add_more, drop_more, with_more
    adds = ", ".join(f"{p} {'never' if t > 1 else t}" for p, t in add.items())
    report.append(
        f"held out, {len(uk)} UK documents in {folds} folds (add at: {adds}; drop {'never' if drop > 1 else f'at {drop}'}):"
    )
    for p in (*PROPERTIES, "all"):
        report.append(f"  {_line(p + ' rules', base[p])}")
        report.append(f"  {_line(p + ' model', with_model[p])}")
    meta = {
        "what": "the relation (ledBy, commissionedBy, concerns, holdsPost, memberOf or none) between two mentions "
        "of one sentence, from the words between them, the dependency path, order, distance and classes",
        "data": f"{len(uk)} UK documents in kg's gold format"
        + (f", {len(extra)} re3d documents" if extra else ""),
        "licence": "corpus-uk: Open Government Licence v3.0, Open Parliament Licence v3.0, CC BY-SA 4.0 (Wikipedia)"
        + (
            "; re3d (Dstl): OGL v3.0, CC BY 3.0 AU, CC BY-SA 3.0, public domain, EU reuse notice"
            if extra
            else ""
        ),
        "attribution": "corpus-uk: GOV.UK, Hansard, Wikipedia contributors (see corpus-uk/SOURCES-*.md)"
        + (
            "; re3d: Dstl, Aleph Insights and Committed Software (each source's ATTRIBUTION)" if extra else ""
        ),
        "add": add,
        "drop": drop,
        "held_out": {p: {"rules": base[p], "model": with_model[p]} for p in (*PROPERTIES, "all")},
        "seed": seed,
    }
    model = _fit(uk + extra, seed, meta)
    report.append(f"{sum(len(ex.pairs) for ex in uk + extra)} pairs, {len(model.weights)} features")
    return model, report

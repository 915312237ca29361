"""Fitting a linear model with scikit-learn, with a fixed seed, and turning it into kg's own JSON model."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from kg.errors import InputError
from kg.extract.linear import LinearModel


def fit_linear(
    name: str,
    examples: Sequence[Sequence[str]],
    labels: Sequence[str],
    *,
    seed: int = 0,
    c: float = 1.0,
    min_count: int = 2,
    meta: dict[str, Any] | None = None,
) -> LinearModel:
    """A logistic regression over string features (a feature seen in fewer than `min_count` examples is left
    out), as a LinearModel. scikit-learn is imported here only: running a model never needs it."""
    from collections import Counter

    try:
        from sklearn.feature_extraction import DictVectorizer  # type: ignore[import-untyped]
        from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    except ImportError:
        raise InputError("kg train needs scikit-learn: pip install -e '.[train]'") from None

    counts = Counter(f for ex in examples for f in set(ex))
    kept = [{f: 1.0 for f in set(ex) if counts[f] >= min_count} for ex in examples]
    vec = DictVectorizer(sort=True)
    x = vec.fit_transform(kept)
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise ValueError(f"{name}: the training examples have one class only ({classes})")
    clf = LogisticRegression(C=c, max_iter=2000, random_state=seed)
    clf.fit(x, list(labels))
    names = vec.get_feature_names_out()
    coef = clf.coef_
    if len(clf.classes_) == 2:  # one row: the second class's score against the first's
        rows = [[0.0, float(w)] for w in coef[0]]
        intercept: tuple[float, ...] = (0.0, float(clf.intercept_[0]))
    else:
        rows = [[float(coef[k][j]) for k in range(len(clf.classes_))] for j in range(len(names))]
        intercept = tuple(float(b) for b in clf.intercept_)
    weights = {str(f): tuple(r) for f, r in zip(names, rows, strict=True) if any(abs(w) >= 1e-6 for w in r)}
    return LinearModel(name, tuple(str(c) for c in clf.classes_), weights, intercept, dict(meta or {}))


def split(items: Sequence[Any], held_out: float, seed: int) -> tuple[list[Any], list[Any]]:
    """A seeded split of whole items (documents, not sentences: no document on both sides)."""
    order = list(items)
    random.Random(seed).shuffle(order)
    cut = max(1, round(len(order) * held_out)) if len(order) > 1 else 0
    return order[cut:], order[:cut]


def prf(gold: set[Any], found: set[Any]) -> dict[str, float]:
    """Precision, recall and F1 of `found` against `gold`."""
    tp = len(gold & found)
    p = tp / len(found) if found else 0.0
    r = tp / len(gold) if gold else 0.0
    return {
        "precision": round(p, 3),
        "recall": round(r, 3),
        "f1": round(2 * p * r / (p + r), 3) if tp else 0.0,
    }

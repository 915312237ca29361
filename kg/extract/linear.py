"""Linear models for the learned components: read from JSON (nothing runs on loading) and scored by a dot product.

A model is a file ``models/NAME.json`` beside the ``kg`` package: its classes, one weight per (feature, class),
an intercept per class, and what it was trained on (data, licence, attribution, held-out scores). Features are
strings ("word=attacked", "ner=PERSON"), each present once; a feature the model never saw weighs nothing. Training
is ``kg train`` (``kg.learn``); here the models are only read and run, with no learning library loaded.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from kg.errors import InputError

#: The format a model file declares; a file of another format is refused, not guessed at.
FORMAT = "kg-linear/1"
#: Where the shipped models are: ``models/`` beside the ``kg`` package (as ``ontology/`` is).
MODELS_DIR = Path(__file__).resolve().parents[2] / "models"


@dataclass(frozen=True, eq=False)
class LinearModel:
    """A multinomial logistic model over string features (two classes: one weight row, as scikit-learn's)."""

    name: str
    classes: tuple[str, ...]
    weights: dict[str, tuple[float, ...]]  # feature → one weight per class
    intercept: tuple[float, ...]
    meta: dict[str, Any] = field(default_factory=dict)  # trained on, licence, attribution, held-out scores

    def probabilities(self, features: Iterable[str]) -> dict[str, float]:
        """Each class's probability for an example with these features."""
        scores = list(self.intercept)
        for f in set(features):
            w = self.weights.get(f)
            if w is not None:
                for i, x in enumerate(w):
                    scores[i] += x
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}

    def best(self, features: Iterable[str]) -> tuple[str, float]:
        """The most probable class and its probability (of equals, the first in `classes`)."""
        probs = self.probabilities(features)
        cls = max(self.classes, key=lambda c: probs[c])
        return cls, probs[cls]

    def to_json(self) -> str:
        """The model as JSON, byte-stable: sorted features, weights rounded to six decimals."""
        return json.dumps(
            {
                "format": FORMAT,
                "name": self.name,
                "classes": list(self.classes),
                "intercept": [round(x, 6) for x in self.intercept],
                "weights": {f: [round(x, 6) for x in w] for f, w in sorted(self.weights.items())},
                "meta": self.meta,
            },
            ensure_ascii=False,
            indent=0,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str, *, source: str = "model") -> LinearModel:
        """A model from its JSON; anything else (another format, a weight row of the wrong length) is an
        InputError naming `source`."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ValueError(f"not a {FORMAT} model")
            classes = tuple(str(c) for c in data["classes"])
            intercept = tuple(float(x) for x in data["intercept"])
            weights = {str(f): tuple(float(x) for x in w) for f, w in data["weights"].items()}
            if len(classes) < 2 or len(intercept) != len(classes):
                raise ValueError("classes and intercept disagree")
            if any(len(w) != len(classes) for w in weights.values()):
                raise ValueError("a weight row has the wrong length")
            return cls(str(data["name"]), classes, weights, intercept, dict(data.get("meta") or {}))
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise InputError(f"{source}: not a model kg can read ({e})") from None


def model_path(name: str, folder: Path | None = None) -> Path:
    return (folder or MODELS_DIR) / f"{name}.json"


def load_model(name: str, folder: Path | None = None) -> LinearModel | None:
    """The model called `name` (None when there is no such file: the component's rules then stand alone)."""
    path = model_path(name, folder)
    if not path.is_file():
        return None
    stat = path.stat()
    return _load(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=16)
def _load(path: str, size: int, mtime: int) -> LinearModel:
    return LinearModel.from_json(Path(path).read_text(encoding="utf-8"), source=path)

"""``kg train``: retrain every learned component's model from the data folders given, with a fixed seed.

Each model has a trainer (``TRAINERS``): from the folders it needs, it builds examples with kg's own analysis of
each text (the same features the component computes when it runs), keeps part of the documents out, fits, and
reports its scores on the part kept out. Models are written to ``models/NAME.json`` only when all trained.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import InputError
from kg.extract.linear import LinearModel, model_path
from kg.learn.types import train_entity_class


@dataclass(frozen=True)
class Data:
    """The data folders given on the command line (None: not given)."""

    gum: Path | None = None  # external/gum/gum: GUM's CoNLL-U files (dep/*.conllu)
    re3d: Path | None = None  # external/re3d/re3d: one folder per source (documents.json, entities.json, ...)
    wikievents: Path | None = None  # external/wikievents-train: the WikiEvents training split, re-packaged
    uk: tuple[Path, ...] = ()  # folders of documents in kg's gold format (NAME.txt + NAME.gold.yaml)


@dataclass
class Trained:
    model: LinearModel
    report: list[str] = field(default_factory=list)  # held-out scores, one line each


def _relations(data: Data, seed: int) -> Trained | None:
    from kg.learn.links import train_relations

    done = train_relations(data.uk, data.re3d, seed)
    return Trained(*done) if done is not None else None


def _entity_class(data: Data, seed: int) -> Trained | None:
    made = train_entity_class(data.gum, data.re3d, data.uk, seed)
    return Trained(*made) if made else None


def _incident_role(data: Data, seed: int) -> Trained | None:
    from kg.learn.roles import train_roles

    done = train_roles(data.wikievents, data.uk, seed)
    return Trained(*done) if done is not None else None


#: Each learned model by name: its trainer, None where the data it needs was not given.
TRAINERS: dict[str, Callable[[Data, int], Trained | None]] = {
    "entity_class": _entity_class,
    "incident_role": _incident_role,
    "relations": _relations,
}


def train(data: Data, out: Path, *, seed: int = 0, only: tuple[str, ...] = ()) -> list[str]:
    """Train the models (those named in `only`, else all), write them into `out`, and return the report."""
    unknown = [n for n in only if n not in TRAINERS]
    if unknown:
        raise InputError(f"no model called {unknown[0]!r}; the models are: {', '.join(sorted(TRAINERS))}")
    done: list[Trained] = []
    lines: list[str] = []
    for name in only or tuple(TRAINERS):
        trained = TRAINERS[name](data, seed)
        if trained is None:
            lines.append(f"{name}: skipped (the data it learns from was not given)")
            continue
        done.append(trained)
        lines += [f"{name}: {line}" for line in trained.report]
    if not done:
        raise InputError("nothing to train: give the data folders the models learn from (kg train --help)")
    out.mkdir(parents=True, exist_ok=True)
    for t in done:  # each file whole or not at all
        path = model_path(t.model.name, out)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
        tmp.write_text(t.model.to_json() + "\n", encoding="utf-8")
        tmp.replace(path)
        lines.append(f"wrote {path}")
    return lines

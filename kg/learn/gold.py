"""Reading documents annotated in kg's gold format (``NAME.txt`` beside ``NAME.gold.yaml``) for training."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kg.errors import InputError


@dataclass(frozen=True)
class GoldEntity:
    id: str
    type: str
    names: tuple[str, ...]
    optional: bool = False


@dataclass(frozen=True)
class GoldDocument:
    name: str
    text: str
    entities: tuple[GoldEntity, ...]
    #: (subject id, property, object): an entity id, a literal date, or a tuple of ids (any one counts)
    relations: tuple[tuple[str, str, Any], ...] = field(default=())


def read_gold(folder: Path) -> list[GoldDocument]:
    """Every annotated document of a folder, by name; a gold file without its text is an InputError."""
    docs = []
    for gold in sorted(folder.glob("*.gold.yaml")):
        stem = gold.name[: -len(".gold.yaml")]
        text_path = next((p for p in (folder / f"{stem}.txt", folder / f"{stem}.md") if p.is_file()), None)
        if text_path is None:
            raise InputError(f"{gold}: no {stem}.txt or {stem}.md beside it")
        data = yaml.safe_load(gold.read_text(encoding="utf-8")) or {}
        entities = tuple(
            GoldEntity(
                str(e["id"]),
                str(e["type"]),
                tuple(str(n) for n in e.get("names") or ()),
                bool(e.get("optional")),
            )
            for e in data.get("entities") or ()
        )
        relations = tuple(
            (str(r[0]), str(r[1]), tuple(r[2]) if isinstance(r[2], list) else r[2])
            for r in data.get("relations") or ()
        )
        docs.append(GoldDocument(text_path.name, text_path.read_text(encoding="utf-8"), entities, relations))
    return docs

"""The bare statistical NER as an extraction: the floor kg's own extraction is measured against (`kg eval --baseline`).

The spaCy model alone, without the ontology's names component or any of kg's rules: each entity it tags
PERSON, ORG, GPE, LOC or FAC is an entity of the matching class, one per class and name in a document (the model
has no coreference, so "Ada Quill" and "Quill" are two), with no relations. Text is read a line at a time, as
kg reads it, so that both see the same sentences.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from kg.model import Document, Entity, Extraction, Span
from kg.ontology.lexicon import normalise_name
from kg.text.annotate import NER_CLASSES, blocks, model_name
from kg.text.fold import fold

#: The model's labels that stand for entities, and their classes (nationalities and dates are not entities).
CLASSES = {label: cls for label, cls in NER_CLASSES.items() if cls not in ("NORP", "Date")}


@lru_cache(maxsize=2)
def _bare_model(name: str) -> Any:
    import spacy

    return spacy.load(name)


def bare_ner(doc: Document, *, model: str | None = None) -> Extraction:
    """The entities the model alone finds in `doc`."""
    nlp = _bare_model(model_name(model))
    entities: dict[str, Entity] = {}
    for block in blocks(doc.text):
        for ent in nlp(block.text).ents:
            cls = CLASSES.get(ent.label_)
            label = normalise_name(ent.text)
            if cls is None or not fold(label):
                continue
            key = f"{cls}:{fold(label)}"
            entity = entities.setdefault(key, Entity(key=key, cls=cls, label=label, docs={doc.name}))
            start = block.start + ent.start_char
            entity.mentions.append(Span(doc.name, start, start + len(ent.text)))
    return Extraction(documents=[doc], entities=entities, relations=[])

"""One document's extraction: the document through the components (``kg.extract.components``), as an Extraction.

``extract_document`` passes one document through the extraction components in their order; ``extract_batch``
reads a worker's batch of documents and hands on what it made up to a document that failed.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from kg.extract.components import extractor
from kg.model import Document, Extraction
from kg.text.dates import document_date

#: The most documents spaCy reads in one batch (`reading_together`); each is still extracted, and handed on, one
#: at a time.
BATCH = 8


def batch_size(documents: int, readers: int, per_reader: int = 4) -> int:
    """Up to BATCH documents a batch, fewer when there are few: each of `readers` gets `per_reader` batches or
    more, and the first documents are handed on before spaCy has read them all."""
    return max(1, min(BATCH, documents // (readers * per_reader)))


def reading_together(
    docs: Sequence[Document], *, model: str | None, extract: Callable[..., Extraction]
) -> Any:
    """A context in which spaCy reads these documents in one batch for `extract_document` (nothing for another
    extractor, or for one document)."""
    if extract is extract_document and len(docs) > 1:
        return extractor(model).reading_ahead([doc.text for doc in docs])
    return contextlib.nullcontext()


def extract_batch(
    docs: Sequence[Document], *, model: str | None, extract: Callable[..., Extraction]
) -> tuple[list[Extraction], Exception | None]:
    """A worker's batch (a worker process's or a Dask worker's), spaCy reading it together when `extract` is
    ``extract_document``: the extractions made up to the first document that failed, and its error, so that the
    caller writes the documents before it."""
    done: list[Extraction] = []
    try:
        with reading_together(docs, model=model, extract=extract):
            for doc in docs:
                done.append(extract(doc, model=model))
    except Exception as e:  # handed to the caller after the documents before it
        return done, e
    return done, None


def extract_document(doc: Document, *, model: str | None = None) -> Extraction:
    """Entities and relations of one document, each relation with the sentence it came from."""
    if doc.date is None:
        doc = dataclasses.replace(doc, date=document_date(doc.text, lex=extractor(model).lex))
    an = extractor(model).analyse(doc)
    return Extraction(documents=[doc], entities=an.entities, relations=an.relations)

"""The blocks spaCy is given (kg.text.annotate.blocks): lines with their offsets, and a line too long for spaCy
cut where a sentence ends."""

from __future__ import annotations

import hashlib
from pathlib import Path

from kg.extract.document import extract_document
from kg.model import Document
from kg.text.annotate import MAX_BLOCK, blocks


def test_blocks_are_the_lines_with_their_offsets() -> None:
    text = "Title\n\n  First paragraph.  \nSecond one.\n"
    assert [(b.start, b.text) for b in blocks(text)] == [
        (0, "Title"),
        (9, "First paragraph."),
        (28, "Second one."),
    ]


def test_a_line_longer_than_spacy_takes_is_cut_after_a_sentence() -> None:
    sentence = "Tom Ashdown met Clara Venn in Corby. "
    text = "Heading\n" + sentence * (3 * MAX_BLOCK // len(sentence)) + "\n"
    pieces = list(blocks(text))
    assert len(pieces) >= 4
    assert all(len(b.text) <= MAX_BLOCK for b in pieces)
    assert all(text[b.start : b.start + len(b.text)] == b.text for b in pieces)
    assert all(b.text.endswith("Corby.") for b in pieces[1:-1])
    # no word lost or doubled between the pieces
    assert " ".join(b.text for b in pieces[1:]) == text.split("\n")[1].strip()


def test_a_line_without_spaces_is_cut_at_the_limit() -> None:
    text = "x" * (MAX_BLOCK * 2 + 5)
    assert [len(b.text) for b in blocks(text)] == [MAX_BLOCK, MAX_BLOCK, 5]


def test_a_document_of_one_long_line_is_read() -> None:
    """A file without line breaks: read in pieces shorter than spaCy's limit, its evidence in place."""
    from kg.extract.components import extractor

    assert extractor().nlp.max_length > MAX_BLOCK
    text = "".join(f"Tom Ashdown met Clara Venn in Corby on {d} March 2021. " for d in range(1, 29)) * 80
    assert len(text) > MAX_BLOCK
    doc = Document(Path("one-line.txt"), "one-line.txt", text, hashlib.sha256(text.encode()).hexdigest())
    ex = extract_document(doc)
    assert {e.label for e in ex.entities.values()} >= {"Tom Ashdown", "Clara Venn", "Corby"}
    assert all(
        text[r.evidence.start : r.evidence.end] == r.evidence.quote for r in ex.relations if r.evidence
    )

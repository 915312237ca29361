"""The names component (kg.text.names): the lexicon's names found in a Doc before the NER, by shape and gazetteer."""

from __future__ import annotations

import pytest
import spacy

from kg.ontology.lexicon import load_lexicon
from kg.text.names import NameFinder


@pytest.fixture(scope="module")
def find() -> object:
    nlp = spacy.blank("en")
    finder = NameFinder(nlp.vocab, load_lexicon())

    def run(text: str) -> list[tuple[str, str]]:
        doc = finder(nlp.make_doc(text))
        return [(e.text, e.label_) for e in doc.ents]

    return run


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # capitalised words, then a head word
        ("Two officers of Wessex Police arrived.", [("Wessex Police", "Agency")]),
        ("The Northby Learning Review was published.", [("Northby Learning Review", "Inquiry")]),
        # a capitalised word, "of", capitalised words, then the head
        ("The City of Northby Police said so.", [("City of Northby Police", "Agency")]),
        # head, connector, the complement
        (
            "The Independent Office for Harbour Conduct wrote.",
            [("Independent Office for Harbour Conduct", "Agency")],
        ),
        # a post's head with "for"/"of" and a seat that may hold "and"
        ("She was MP for Northby East and Lowmoor in 2019.", [("MP for Northby East and Lowmoor", "Post")]),
        ("The Minister for Fisheries spoke.", [("Minister for Fisheries", "Post")]),
        # a gazetteer name in any case, and one of its variants
        ("The home secretary replied.", [("home secretary", "Post")]),
        (
            "The Secretary of State for the Home Department replied.",
            [("Secretary of State for the Home Department", "Post")],
        ),
        # a determiner at the start of a sentence is not part of the name
        ("The Wessex Police said nothing.", [("Wessex Police", "Agency")]),
        # lower-case words are no name
        ("the police said nothing.", []),
        # a town's name with joiners between hyphens; a hyphen never ends a name
        (
            "The Member of Parliament for Northby-on-Sea spoke.",
            [("Member of Parliament for Northby-on-Sea", "Post")],
        ),
    ],
)
def test_shapes(find: object, text: str, expected: list[tuple[str, str]]) -> None:
    assert find(text) == expected  # type: ignore[operator]


def test_longest_name_wins_and_names_do_not_overlap(find: object) -> None:
    # "Wessex Police" and "Chief Constable" are names alone; the longest reading takes the span
    found = find("The Chief Constable of Wessex Police resigned.")  # type: ignore[operator]
    assert found == [("Chief Constable of Wessex Police", "Post")]


def test_replaces_overlapping_entities_and_keeps_others() -> None:
    from spacy.tokens import Span

    nlp = spacy.blank("en")
    finder = NameFinder(nlp.vocab, load_lexicon())
    doc = nlp.make_doc("Ada Quill met Wessex Police officers.")
    doc.ents = [Span(doc, 0, 2, label="PERSON"), Span(doc, 3, 4, label="GPE")]
    finder(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("Ada Quill", "PERSON"), ("Wessex Police", "Agency")]


def test_the_ner_reads_kg_names_without_learning_their_classes() -> None:
    """The classes of the names found before the NER reach the Doc after it, and the NER is left with the moves
    it was trained with (a label it does not know would add four unused moves to its every step)."""
    from kg.text.annotate import load_nlp

    nlp = load_nlp()
    ner = nlp.get_pipe("ner")
    moves = ner.moves.n_moves
    doc = nlp("Two officers of Wessex Police and the Northby Learning Review met Tom Ashdown in Leeds.")
    assert {(e.text, e.label_) for e in doc.ents} >= {
        ("Wessex Police", "Agency"),
        ("Northby Learning Review", "Inquiry"),
        ("Tom Ashdown", "PERSON"),
    }
    assert ner.moves.n_moves == moves
    assert not doc.user_data

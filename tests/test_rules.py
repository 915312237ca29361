"""spaCy's attribute rules found by lookup (kg.text.rules): the same matches as spaCy's Matcher, so the same
parts of speech, morphology and lemmas, on the real model and on rules written here."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from kg.text.annotate import DEFAULT_MODEL, blocks, load_nlp
from kg.text.rules import lookup_matcher, speed_up

# Invented text with what the English model's rules single out: contractions, dropped letters, "n't" forms,
# pronouns as objects, auxiliaries, spaces, numbers, quotes and a heading.
TEXT = """\
Review of the Northby Trust, 2024

Tom Ashdown didn't say he'd gone; y'all know it ain't so, and nothin' was done.
She gave it to you and me, then did it again: it's 12.5% of £3m, isn't it?
"I'm gonna go," said Clara Venn  (aged 41) -- they're, we've, you'd.   Done.
Were they there? Is it here? Does he have to? Had I known, I'd have told them whom to ask.
"""


@pytest.fixture(scope="module")
def model() -> spacy.language.Language:
    return spacy.load(DEFAULT_MODEL)


def test_the_lookup_finds_what_spacys_matcher_finds(model: spacy.language.Language) -> None:
    ruler = model.get_pipe("attribute_ruler")
    lookup = lookup_matcher(ruler)
    assert lookup is not None
    texts = [b.text for b in blocks(TEXT)] + [b.text for b in blocks(Path("README.md").read_text("utf-8"))]
    with model.select_pipes(enable=["tok2vec", "tagger", "parser"]):
        docs = list(model.pipe([*texts, "", " ", "  a  b "]))
    assert sum(len(ruler.match(d)) for d in docs) > 1000
    for doc in docs:
        assert lookup(doc) == ruler.match(doc), doc.text


def test_kg_pipeline_tags_as_spacy_does(model: spacy.language.Language) -> None:
    kg = load_nlp()
    for text in (b.text for b in blocks(TEXT)):
        ours, theirs = kg(text), model(text)
        assert [(t.tag_, t.pos_, str(t.morph), t.lemma_) for t in ours] == [
            (t.tag_, t.pos_, str(t.morph), t.lemma_) for t in theirs
        ]


def rules_nlp(patterns: list[dict]) -> spacy.language.Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("attribute_ruler").add_patterns(patterns)
    return nlp


PATTERNS: list[dict] = [
    {"patterns": [[{}]], "attrs": {"LEMMA": "any"}},  # every token; the rules after it win where they match
    {"patterns": [[{"LOWER": "dr"}, {"ORTH": "."}]], "attrs": {"NORM": "doctor"}, "index": 0},
    {"patterns": [[{"LOWER": {"IN": ["ms", "mrs"]}}]], "attrs": {"LEMMA": "madam"}},
    {"patterns": [[{"TEXT": {"REGEX": "^[0-9]+$"}}]], "attrs": {"POS": "NUM"}},
    {"patterns": [[{"LOWER": "the"}, {"IS_TITLE": True}]], "attrs": {"POS": "PROPN"}, "index": -1},
    {"patterns": [[{"IS_PUNCT": True, "ORTH": {"NOT_IN": ["."]}}]], "attrs": {"POS": "PUNCT"}},
    {"patterns": [[{"LOWER": "the"}]], "attrs": {"POS": "DET"}},  # a later rule wins where two set the same
    {"patterns": [[{"LOWER": "the"}, {"LOWER": "the"}]], "attrs": {"POS": "X"}, "index": 1},
]


def test_rules_written_here_give_the_same_tokens_either_way() -> None:
    text = "Dr . Ode and Mrs Quill met the Vale team at 10 , the the end; the 2 Ms. Roes left."
    spacy_way, lookup_way = rules_nlp(PATTERNS), rules_nlp(PATTERNS)
    assert speed_up(lookup_way.get_pipe("attribute_ruler"))
    a, b = spacy_way(text), lookup_way(text)
    assert [(t.pos_, t.norm_, t.lemma_) for t in a] == [(t.pos_, t.norm_, t.lemma_) for t in b]
    # what the rules do here: two tokens, a set, a pattern, a flag and a negated set, the last token of a
    # pair, and where two rules set the same token, the later one
    assert (b[0].norm_, b[4].lemma_, b[11].pos_, b[12].pos_, b[22].pos_) == (
        "doctor",
        "madam",
        "NUM",
        "PUNCT",
        "",
    )
    assert [t.pos_ for t in b[7:9]] == ["DET", "PROPN"]
    assert [t.pos_ for t in b[13:15]] == ["DET", "X"]


@pytest.mark.parametrize(
    "pattern",
    [
        [{"LOWER": "a", "OP": "+"}],  # an operator
        [{"LENGTH": {">=": 3}}],  # a comparison
        [{"_": {"flag": True}}],  # an extension
        [{"POS": "NOUN"}],  # an attribute not read here
    ],
)
def test_a_rule_the_lookup_does_not_read_leaves_spacys_matcher(pattern: list[dict]) -> None:
    nlp = rules_nlp(
        [{"patterns": [[{"LOWER": "b"}]], "attrs": {"LEMMA": "bee"}}, {"patterns": [pattern], "attrs": {}}]
    )
    ruler = nlp.get_pipe("attribute_ruler")
    before = ruler.match
    assert not speed_up(ruler)
    assert ruler.match == before


def test_rules_that_test_nothing_are_left_to_spacy() -> None:
    ruler = rules_nlp([{"patterns": [[{}]], "attrs": {"LEMMA": "any"}}]).get_pipe("attribute_ruler")
    assert not speed_up(ruler)

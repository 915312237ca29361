"""The words kg reads dates, page numbers, posts and descriptive labels with come from the ontology: changing them
in a copy of ontology/ (and nothing else) changes what kg reads."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import spacy
from helpers import make_pdf
from rdflib import RDFS

from kg.graph.files import union_graph
from kg.model import DateValue, Document
from kg.ontology.lexicon import Lexicon, load_lexicon
from kg.ontology.vocab import ONTOLOGY_ENV, default_ontology_dir
from kg.pipeline import build_graph
from kg.text.dates import document_date, find_dates
from kg.text.formats import pdf_text
from kg.text.names import NameFinder

PREFIXES = """
@prefix lex:  <https://w3id.org/kg/lexicon#> .
@prefix kg:   <https://w3id.org/kg/ontology#> .
"""


@pytest.fixture
def ontology_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "ontology"
    shutil.copytree(default_ontology_dir(), folder)
    return folder


def extended(folder: Path, turtle: str) -> Lexicon:
    """The lexicon of `folder` with `turtle` added in a file of its own."""
    (folder / "extension.ttl").write_text(PREFIXES + turtle, encoding="utf-8")
    return load_lexicon(folder)


def edited(folder: Path, old: str, new: str) -> Lexicon:
    """The lexicon of `folder` with `old` replaced by `new` in its lexicon.ttl."""
    path = folder / "lexicon.ttl"
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in lexicon.ttl: the test would prove nothing"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return load_lexicon(folder)


def lexical(text: str, anchor: DateValue | None, lex: Lexicon | None = None) -> list[str]:
    return [v.lexical for _, _, v in find_dates(text, anchor, lex)]


ANCHOR = DateValue(2022, 5, 10)


@pytest.mark.parametrize(
    ("addition", "text", "anchor", "expected"),
    [
        pytest.param(
            'lex:october lex:word "Brumaire" .', "on 3 Brumaire 2021", None, "2021-10-03", id="month"
        ),
        pytest.param(
            'lex:last lex:word "previous" .', "in July previous year", ANCHOR, "2021-07", id="shift"
        ),
        pytest.param(
            'lex:english lex:yearWord "twelvemonth" .', "last twelvemonth", ANCHOR, "2021", id="year"
        ),
        pytest.param(
            'lex:english lex:monthWord "moon" .', "since last moon", ANCHOR, "2022-04", id="month-word"
        ),
        pytest.param(
            'lex:english lex:dateConnector "de" .', "15 de October 2021", None, "2021-10-15", id="of"
        ),
        pytest.param(
            'lex:english lex:ordinalSuffix "er" .', "1er October 2021", None, "2021-10-01", id="ordinal"
        ),
    ],
)
def test_the_words_of_dates_come_from_the_ontology(
    ontology_copy: Path, addition: str, text: str, anchor: DateValue | None, expected: str
) -> None:
    assert expected not in lexical(text, anchor)
    assert lexical(text, anchor, extended(ontology_copy, addition)) == [expected]


def test_a_month_left_out_of_the_ontology_is_no_date(ontology_copy: Path) -> None:
    lex = edited(ontology_copy, 'lex:word "October", "Oct"', 'lex:word "Octobre"')
    assert lexical("on 3 October 2021", None) == ["2021-10-03"]
    assert (
        lexical("on 3 October 2021", None, lex) == []
    )  # 'October 2021' is now a capitalised word and a year
    assert lexical("on 3 Octobre 2021", None, lex) == ["2021-10-03"]


def test_the_weekdays_come_from_the_ontology(ontology_copy: Path) -> None:
    # six words beside the date on a header line: too many for a document's own date, unless one is a weekday
    header = "Written statements of the Commons, {} 3 March 2022\n\nThe Minister spoke."
    assert document_date(header.format("Friday")) == DateValue(2022, 3, 3)
    assert document_date(header.format("Vendredi")) is None
    lex = extended(ontology_copy, 'lex:english lex:weekday "Vendredi" .')
    assert document_date(header.format("Vendredi"), lex=lex) == DateValue(2022, 3, 3)


def test_the_page_number_pattern_comes_from_the_ontology(ontology_copy: Path) -> None:
    pages = [
        ["The harbour board met in Lowmoor to hear the report of its review.", "Folio 1"],
        ["The board said the review had found the quay unsafe for years.", "Folio 2"],
    ]
    data = make_pdf(pages)
    assert "Folio 1" in pdf_text(data, source="t.pdf").text
    lex = extended(ontology_copy, r'lex:english lex:pageNumber "^\\s*folio\\s+\\d+\\s*$" .')
    text = pdf_text(data, source="t.pdf", lex=lex).text
    assert "Folio" not in text and "quay unsafe" in text


def test_the_post_complements_come_from_the_ontology(ontology_copy: Path) -> None:
    nlp = spacy.blank("en")

    def names(lex: Lexicon, text: str) -> list[tuple[str, str]]:
        return [(e.text, e.label_) for e in NameFinder(nlp.vocab, lex)(nlp.make_doc(text)).ents]

    text = "The Minister for Fisheries spoke."
    assert names(load_lexicon(), text) == [("Minister for Fisheries", "Post")]
    lex = edited(ontology_copy, 'lex:postComplement "of", "for"', 'lex:postComplement "of"')
    assert names(lex, text) == []
    assert names(lex, "The head of Coastal Policing spoke.") == [("head of Coastal Policing", "Post")]


def test_the_label_links_come_from_the_ontology(ontology_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "A man was stabbed in Harwick on 3 March 2022. Police said the stabbing was being investigated."
    doc = Document(Path("t.txt"), "t.txt", text, hashlib.sha256(text.encode()).hexdigest(), text[:40])

    def labels() -> set[str]:
        return {str(o) for o in union_graph(build_graph([doc])).objects(None, RDFS.label)}

    assert "stabbing in Harwick" in labels()
    lex = edited(ontology_copy, 'kg:place lex:labelLink "in"', 'kg:place lex:labelLink "at"')
    assert lex.is_descriptive("stabbing at Harwick") and not load_lexicon().is_descriptive(
        "stabbing at Harwick"
    )
    monkeypatch.setenv(ONTOLOGY_ENV, str(ontology_copy))
    assert "stabbing at Harwick" in labels()

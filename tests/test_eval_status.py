"""`kg eval` on the document a user names, in every format kg reads; a measure with nothing to score; `kg status`
with titles in aligned columns; counts in the singular for one. Real processes, a real store, invented documents."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from helpers import kg, make_pdf, ok, one_error_line

from kg.errors import plural
from kg.evaluate import MEASURES, Counts, Evaluation
from kg.graph.store import Store

PARAGRAPHS = [
    "Tom Ashdown was jailed for life at Corby Crown Court on Friday for the murder of Margaret Holloway in "
    "Kettering.",
    "The court heard that Ashdown had planned the attack for weeks. Wessex Police said the sentence brought some "
    "comfort to the family.",
]
TEXT = "\n\n".join(PARAGRAPHS) + "\n"
PAGE = (
    "<!DOCTYPE html><html><head><title>Gunman jailed</title></head><body>"
    "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article>"
    + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    + "</article><footer>Copyright Northby Herald. Contact us. Privacy policy.</footer></body></html>\n"
)
#: The same text in each format kg reads, each with a gold file of its own; no posts in the text or the gold.
GOLD = """\
entities:
  - {id: ashdown, type: Person, names: [Tom Ashdown, Ashdown]}
  - {id: holloway, type: Person, names: [Margaret Holloway]}
  - {id: murder, type: Incident, names: [murder of Margaret Holloway]}
  - {id: kettering, type: Place, names: [Kettering]}
  - {id: police, type: Agency, names: [Wessex Police]}
relations:
  - [murder, perpetrator, ashdown]
  - [murder, victim, holloway]
  - [murder, place, kettering]
"""
DOCUMENTS = ("alpha.txt", "beta.md", "gamma.html", "delta.pdf")


@pytest.fixture(scope="module")
def formats(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("formats")
    (folder / "alpha.txt").write_text(TEXT, encoding="utf-8")
    (folder / "beta.md").write_text(TEXT, encoding="utf-8")
    (folder / "gamma.html").write_text(PAGE, encoding="utf-8")
    lines = [part for p in PARAGRAPHS for part in (p[:70], p[70:])]  # a PDF's lines are broken mid-sentence
    (folder / "delta.pdf").write_bytes(make_pdf([lines]))
    for name in DOCUMENTS:
        (folder / name).with_suffix(".gold.yaml").write_text(GOLD, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def by_folder(formats: Path) -> dict[str, object]:
    result: dict[str, object] = json.loads(ok(kg("eval", ".", "--json", cwd=formats)).stdout)
    return result


def test_a_folder_gives_its_documents_in_every_format_kg_reads(by_folder: dict[str, object]) -> None:
    per_document = by_folder["per_document"]
    assert isinstance(per_document, dict)
    assert sorted(per_document) == sorted(DOCUMENTS)
    # each was read as kg build reads it: the same text, found the same, whatever the wrapper
    txt = per_document["alpha.txt"]
    assert txt["entities"]["tp"] == 4 and txt["places"]["tp"] == 1 and txt["relations"]["tp"] == 3
    for name in DOCUMENTS:
        assert per_document[name] == txt, name


def test_documents_named_by_their_own_paths_score_as_in_their_folder(
    formats: Path, by_folder: dict[str, object]
) -> None:
    named = json.loads(ok(kg("eval", *DOCUMENTS, "--json", cwd=formats)).stdout)
    assert named["per_document"] == by_folder["per_document"]
    assert named["total"] == by_folder["total"]
    # one document, by its path from elsewhere; the PDF is read for its text layer
    one = json.loads(ok(kg("eval", str(formats / "delta.pdf"), "--json", cwd=formats.parent)).stdout)
    assert list(one["per_document"]) == ["delta.pdf"]
    assert one["per_document"]["delta.pdf"] == by_folder["per_document"]["delta.pdf"]  # type: ignore[index]


def test_a_document_and_its_gold_file_are_the_same_document(formats: Path) -> None:
    both = json.loads(ok(kg("eval", "gamma.html", "gamma.gold.yaml", "--json", cwd=formats)).stdout)
    assert list(both["per_document"]) == ["gamma.html"]


def test_a_document_with_no_gold_beside_it_is_one_line_naming_the_gold_file(tmp_path: Path) -> None:
    (tmp_path / "report.pdf").write_bytes(make_pdf([["Tom Ashdown was jailed."]]))
    line = one_error_line(kg("eval", "report.pdf", cwd=tmp_path), quiet=True)
    assert line.startswith("kg: error: report.pdf: no gold file report.gold.yaml beside it")


def test_a_file_that_is_neither_document_nor_gold_is_refused(tmp_path: Path) -> None:
    (tmp_path / "report.csv").write_text("a,b\n")
    (tmp_path / "report.gold.yaml").write_text(GOLD)
    line = one_error_line(kg("eval", "report.csv", cwd=tmp_path), quiet=True)
    assert line.startswith("kg: error: report.csv: not a gold file (NAME.gold.yaml) nor a document")


def test_a_gold_file_with_two_documents_of_its_name_beside_it_is_refused(tmp_path: Path) -> None:
    (tmp_path / "report.txt").write_text(TEXT)
    (tmp_path / "report.html").write_text(PAGE)
    (tmp_path / "report.gold.yaml").write_text(GOLD)
    line = one_error_line(kg("eval", ".", cwd=tmp_path), quiet=True)
    assert line == (
        "kg: error: report.gold.yaml: more than one document of its name beside it (report.txt, report.html):"
        " keep the one it annotates"
    )


# ---------------------------------------------------------------------------------------------- nothing to score
def test_a_measure_with_nothing_to_score_has_no_score() -> None:
    assert Counts().scores() == {"precision": None, "recall": None, "f1": None, "tp": 0, "fp": 0, "fn": 0}
    assert Counts().f1() is None
    assert Counts(fn=1).scores()["f1"] == 0.0  # something to find, nothing found: 0, not "no score"
    assert Counts(fp=1).scores()["f1"] == 0.0


def evaluation_without_posts() -> Evaluation:
    counts = {m: Counts(4, 1, 0) for m in MEASURES}
    counts["posts"] = Counts()
    return Evaluation({"a.txt": counts}, {}, [], [], 0.0)


def test_no_score_is_a_dash_in_text_and_null_in_json() -> None:
    evaluation = evaluation_without_posts()
    lines = evaluation.as_text().splitlines()
    assert lines[0] == "a.txt: entities 0.89  entities_typed 0.89  places 0.89  posts —  relations 0.89"
    assert "posts           P —      R —      F1 —      (tp 0, fp 0, fn 0)" in lines
    assert "entities        P 0.800  R 1.000  F1 0.889  (tp 4, fp 1, fn 0)" in lines
    data = json.loads(evaluation.as_json())
    assert data["total"]["posts"] == {
        "precision": None,
        "recall": None,
        "f1": None,
        "tp": 0,
        "fp": 0,
        "fn": 0,
    }
    assert data["per_document"]["a.txt"]["posts"]["f1"] is None


def test_a_floor_on_a_measure_with_nothing_to_score_neither_fails_nor_passes() -> None:
    evaluation = evaluation_without_posts()
    assert evaluation.below({"posts": 0.5, "entities": 0.95}) == ["entities F1 0.889 < 0.95"]
    assert evaluation.unscored({"posts": 0.5, "entities": 0.95}) == ["posts"]
    assert evaluation.unscored() == ["posts"]


def test_kg_eval_says_a_floor_was_not_checked_and_exits_0(formats: Path) -> None:
    result = ok(kg("eval", ".", "--min", "posts=0.5", "--min", "places=0.9", cwd=formats))
    assert result.stderr.splitlines() == [
        "kg: note: --min posts=0.5 not checked: posts had nothing to score (nothing in the gold files, nothing"
        " found)"
    ]
    assert "posts           P —      R —      F1 —      (tp 0, fp 0, fn 0)" in result.stdout.splitlines()
    assert "below floor" not in result.stdout
    failed = kg("eval", ".", "--min", "posts=0.5", "--min", "entities=0.99", cwd=formats)
    assert failed.returncode == 1
    assert failed.stderr.splitlines()[-1].startswith("kg: error: below floor: entities F1 ")


# ---------------------------------------------------------------------------------------------- kg status
def columns(text: str) -> int:
    """The terminal columns of `text`, counted here apart from kg: wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


LONG_NAME = "a-report-whose-file-name-is-far-longer-than-fifty-characters-to-be-sure.txt"
LONG_TITLE = "Harbour review " * 8
STATUS_DOCUMENTS = {
    LONG_NAME: "Tom Ashdown visited Kettering on Monday.\n",
    "港湾.md": "# 港湾調査の報告\n\nClara Venn visited Corby on Tuesday.\n",
    "b.txt": f"{LONG_TITLE}\n\nNadia Okafor visited Lowmoor on Friday.\n",
}


@pytest.fixture(scope="module")
def status_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("status")
    for name, text in STATUS_DOCUMENTS.items():
        (folder / "docs").mkdir(exist_ok=True)
        (folder / "docs" / name).write_text(text, encoding="utf-8")
    ok(kg("add", "docs", cwd=folder))
    return folder


def test_status_lists_each_document_with_its_title_in_aligned_columns(status_store: Path) -> None:
    lines = ok(kg("status", cwd=status_store)).stdout.splitlines()
    assert lines[0] == "store .kg: 3 documents"
    rows = lines[1:4]
    assert {row.split()[0] for row in rows} == {f"docs/{n}" for n in STATUS_DOCUMENTS}
    titled = {row.split()[0]: row for row in rows}
    assert "  港湾調査の報告  " in titled["docs/港湾.md"]
    assert "Tom Ashdown visited Kettering on Monday." in titled[f"docs/{LONG_NAME}"]
    cut = LONG_TITLE[:59] + "…"  # a long title is cut to 60 columns
    assert f"  {cut}  sha256 " in titled["docs/b.txt"]
    # every column starts at the same terminal column on every row, wide characters counted twice
    for word in ("sha256", "loaded", "https://"):
        starts = {columns(row[: row.index(word)]) for row in rows}
        assert len(starts) == 1, (word, rows)
    titles = ("港湾調査の報告", "Tom Ashdown visited", "Harbour review")
    title_starts = {columns(row[: min(row.index(t) for t in titles if t in row)]) for row in rows}
    assert len(title_starts) == 1, rows


def test_status_json_gives_each_documents_title(status_store: Path) -> None:
    data = json.loads(ok(kg("status", "--json", cwd=status_store)).stdout)
    titles = {d["name"]: d["title"] for d in data["documents"]}
    assert titles["docs/港湾.md"] == "港湾調査の報告"
    assert titles["docs/b.txt"] == LONG_TITLE.strip()  # whole in JSON


# ---------------------------------------------------------------------------------------------- one, not ones
def test_plural() -> None:
    assert plural(1, "document") == "1 document"
    assert plural(0, "document") == "0 documents"
    assert plural(2, "entity", "entities") == "2 entities"
    assert plural(1, "entity", "entities") == "1 entity"


def test_one_document_is_said_in_the_singular(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("Tom Ashdown visited Kettering on Monday.\n")
    built = ok(kg("build", "docs", "-o", "graph.ttl", cwd=tmp_path))
    assert built.stderr.startswith("kg: 1 document, ")
    assert ok(kg("status", cwd=tmp_path)).stdout.splitlines()[0] == "store .kg: 1 document"
    removed = ok(kg("remove", "a.txt", cwd=tmp_path))
    assert removed.stderr == "kg: 1 document removed from .kg\n"


def test_one_document_scored_is_said_in_the_singular() -> None:
    evaluation = evaluation_without_posts()
    assert evaluation.as_text().splitlines()[-1].startswith("1 document, ")


def test_a_store_says_one_document_was_saved() -> None:
    with Store(None) as store:
        store.saved = 1
        assert store.saved_note(2) == (
            "1 document was saved by this command, each whole, and 1 was not: run it again once fixed"
        )
        store.saved = 2
        assert store.saved_note(5).startswith(
            "2 documents were saved by this command, each whole, and 3 were not"
        )

"""A document's identity, with the real `kg` command: two different files never replace each other, the same file
added again is recognised, and a file name that is not UTF-8 is kept (issue 12, items 5 and 6).

A document is named by its path relative to the folder that holds the store (``.kg`` in the current folder:
the current folder), or by its absolute path when it lies outside that folder; its IRI is that path,
percent-encoded. Nothing about a document's identity depends on the other files given in the same command.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote

import pytest
from helpers import kg, ok, one_error_line

from kg.graph.store import Store

DOC_IRI = "https://w3id.org/kg/id/document/"
FIRST = "Kettering Trust minutes\n\nTom Ashdown met Clara Venn in Kettering.\n"
SECOND = "Corby notes\n\nNadia Okafor met Gareth Mullins in Oundle.\n"
THIRD = "Rushden notes\n\nRuth Pellow met Imran Castell in Rushden.\n"


def stored(store: Path) -> dict[str, str]:
    """Document name → SHA-256, for every document of a store."""
    with Store(store, read_only=True) as s:
        return {d.name: d.sha256 for d in s.documents()}


def iris(store: Path) -> list[str]:
    with Store(store, read_only=True) as s:
        return sorted(d.iri for d in s.documents())


def same_name_in_three_folders(tmp_path: Path) -> None:
    for folder, name, text in (
        ("a", "report.txt", FIRST),
        ("b", "report.txt", SECOND),
        ("c", "Report.txt", THIRD),
    ):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_text(text, encoding="utf-8")


def test_files_of_the_same_name_in_one_build_are_three_documents(tmp_path: Path) -> None:
    same_name_in_three_folders(tmp_path)
    result = ok(kg("build", "a", "b", "c", "--store", ".kg", "-o", "out.ttl", cwd=tmp_path))
    assert "3 documents" in result.stderr
    assert sorted(stored(tmp_path / ".kg")) == ["a/report.txt", "b/report.txt", "c/Report.txt"]


def test_files_of_the_same_name_added_one_by_one_never_replace_each_other(tmp_path: Path) -> None:
    same_name_in_three_folders(tmp_path)
    assert "1 added, 0 replaced" in ok(kg("add", "a/report.txt", cwd=tmp_path)).stderr
    assert "1 added, 0 replaced" in ok(kg("add", "b/report.txt", cwd=tmp_path)).stderr
    assert "1 added, 0 replaced" in ok(kg("add", "c", cwd=tmp_path)).stderr
    assert len(stored(tmp_path / ".kg")) == 3


def test_names_that_differ_only_in_case_or_punctuation_are_two_documents(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "re port.txt").write_text(FIRST, encoding="utf-8")
    (tmp_path / "docs" / "re-port.txt").write_text(SECOND, encoding="utf-8")
    (tmp_path / "docs" / "Re-Port.txt").write_text(THIRD, encoding="utf-8")
    ok(kg("add", "docs", cwd=tmp_path))
    assert sorted(stored(tmp_path / ".kg")) == ["docs/Re-Port.txt", "docs/re port.txt", "docs/re-port.txt"]
    assert len(set(iris(tmp_path / ".kg"))) == 3


def test_the_same_file_is_recognised_however_it_is_named_on_the_command_line(tmp_path: Path) -> None:
    same_name_in_three_folders(tmp_path)
    ok(kg("add", "a/report.txt", cwd=tmp_path))
    before = iris(tmp_path / ".kg")
    # by its folder, by a path through "..", by its absolute path, from the folder itself with --store
    for args, cwd in (
        (["a"], tmp_path),
        (["b/../a/report.txt"], tmp_path),
        ([str(tmp_path / "a" / "report.txt")], tmp_path),
        (["report.txt", "--store", "../.kg"], tmp_path / "a"),
    ):
        result = ok(kg("add", *args, cwd=cwd))
        assert "0 added, 0 replaced, 1 unchanged" in result.stderr, (args, result.stderr)
    assert iris(tmp_path / ".kg") == before
    # a changed text is a new version of the same document
    (tmp_path / "a" / "report.txt").write_text(SECOND, encoding="utf-8")
    assert "0 added, 1 replaced" in ok(kg("add", "a", cwd=tmp_path)).stderr
    assert iris(tmp_path / ".kg") == before


def test_a_document_outside_the_stores_folder_is_named_by_its_absolute_path(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "notes.txt").write_text(FIRST, encoding="utf-8")
    ok(kg("add", "../elsewhere/notes.txt", cwd=tmp_path / "project"))
    assert list(stored(tmp_path / "project" / ".kg")) == [str(tmp_path / "elsewhere" / "notes.txt")]


def test_remove_takes_the_name_the_path_or_an_unambiguous_file_name(tmp_path: Path) -> None:
    same_name_in_three_folders(tmp_path)
    ok(kg("add", "a", "b", "c", cwd=tmp_path))
    line = one_error_line(kg("remove", "report.txt", cwd=tmp_path))
    assert "a/report.txt" in line and "b/report.txt" in line  # which ones it could mean
    assert len(stored(tmp_path / ".kg")) == 3
    ok(kg("remove", "Report.txt", cwd=tmp_path))  # one document has that file name
    ok(kg("remove", "a/report.txt", cwd=tmp_path))
    assert list(stored(tmp_path / ".kg")) == ["b/report.txt"]


@pytest.mark.skipif(
    os.uname().sysname == "Darwin", reason="macOS file systems refuse names that are not UTF-8"
)
def test_a_file_name_that_is_not_utf8_is_added_losslessly_beside_the_others(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    raw = os.fsencode(docs) + b"/caf\xe9 r\xe9sum\xe9.txt"  # Latin-1 bytes in the name
    with open(raw, "wb") as f:
        f.write(FIRST.encode())
    (docs / "plain.txt").write_text(SECOND, encoding="utf-8")
    (docs / "caf%E9 r%E9sum%E9.txt").write_text(THIRD, encoding="utf-8")  # looks like the escaped name
    result = ok(kg("add", "docs", cwd=tmp_path))
    assert "3 added" in result.stderr
    names = stored(tmp_path / ".kg")
    assert len(names) == 3
    # the names tell the three apart, with the bytes that are not UTF-8 as %XX (and a real "%" as %25)
    assert sorted(names) == [
        "docs/caf%25E9 r%25E9sum%25E9.txt",
        "docs/caf%E9 r%E9sum%E9.txt",
        "docs/plain.txt",
    ]
    # and each IRI is its name, percent-encoded
    assert sorted(unquote(iri[len(DOC_IRI) :]) for iri in iris(tmp_path / ".kg")) == sorted(names)
    # and kg status prints them (one line each, nothing undecodable)
    status = ok(kg("status", cwd=tmp_path))
    assert status.stdout.count("sha256") == 3
    # named on the command line, the same file is the same document
    again = ok(kg("add", os.fsdecode(b"docs/caf\xe9 r\xe9sum\xe9.txt"), cwd=tmp_path))
    assert "0 added, 0 replaced, 1 unchanged" in again.stderr


def test_control_characters_in_file_names_are_escaped_when_printed(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    hostile = "evil\x1b[2J\x1b]0;owned\x07\nname\u202e.txt"
    (docs / hostile).write_text(FIRST, encoding="utf-8")
    (docs / ("empty\x1b[31m.txt")).write_bytes(b"")
    result = kg("add", "docs", cwd=tmp_path)
    assert result.returncode == 2
    for text in (result.stderr, ok(kg("status", cwd=tmp_path)).stdout):
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text, repr(text)
        assert "\\x1b" in text, text
    # the name itself is kept as it is
    assert list(stored(tmp_path / ".kg")) == [f"docs/{hostile}"]

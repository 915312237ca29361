"""Reading documents: what is accepted, what is refused, and how the text is kept."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.text.read import document_name, read_documents


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def empty_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    write(folder / "notes.docx", b"a word document")
    write(folder / ".hidden.txt", b"hidden text")
    return folder


BAD_INPUTS: list[tuple[str, Callable[[Path], Path], str]] = [
    ("missing path", lambda tmp: tmp / "nowhere.txt", "nowhere.txt: no such file or folder"),
    ("empty file", lambda tmp: write(tmp / "empty.txt", b""), "empty.txt: empty document"),
    ("whitespace only", lambda tmp: write(tmp / "blank.txt", b" \n\t\r\n "), "blank.txt: empty document"),
    ("bom only", lambda tmp: write(tmp / "bom.txt", b"\xef\xbb\xbf\n"), "bom.txt: empty document"),
    (
        "binary with NUL",
        lambda tmp: write(tmp / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00"),
        "image.txt: binary file, not a text document",
    ),
    (
        "windows-1252",
        lambda tmp: write(tmp / "cafe.txt", b"caf\xe9 au lait"),
        "cafe.txt: not UTF-8 at byte 3",
    ),
    (
        "windows-1252 after a bom",
        lambda tmp: write(tmp / "bom1252.txt", b"\xef\xbb\xbfna\xefve"),
        "bom1252.txt: not UTF-8 at byte 5",
    ),
    ("folder with no documents", empty_folder, "docs: no documents (.txt, .md, .html, .htm, .pdf)"),
    (
        "unknown extension",
        lambda tmp: write(tmp / "report.docx", b"text"),
        "report.docx: not a document kg reads (.txt, .md, .html, .htm, .pdf)",
    ),
]


@pytest.mark.parametrize(
    ("make", "message"), [case[1:] for case in BAD_INPUTS], ids=[case[0] for case in BAD_INPUTS]
)
def test_bad_input_is_refused_naming_the_path(
    tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    path = make(tmp_path)
    with pytest.raises(InputError) as raised:
        read_documents([path])
    assert str(raised.value) == f"{tmp_path}/{message}"
    assert "\n" not in str(raised.value)


def test_a_bad_file_inside_a_folder_is_named(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", b"Fine.")
    write(tmp_path / "sub" / "b.txt", b"caf\xe9")
    with pytest.raises(InputError, match=r"sub/b\.txt: not UTF-8 at byte 3"):
        read_documents([tmp_path])


def test_symlink_loop_terminates(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    write(folder / "a.txt", b"Alpha.")
    write(folder / "inner" / "b.md", b"# Beta\n")
    os.symlink(folder, folder / "inner" / "loop")  # inner/loop -> docs, an ancestor
    os.symlink(folder / "inner", folder / "inner" / "self")  # inner/self -> inner itself
    docs = read_documents([folder], base=folder)
    assert [d.name for d in docs] == ["a.txt", "inner/b.md"]


def test_bom_is_stripped(tmp_path: Path) -> None:
    (doc,) = read_documents([write(tmp_path / "bom.txt", "\ufeffHome Office said.".encode())])
    assert doc.text == "Home Office said."


def test_crlf_is_normalised_and_nothing_else_changes(tmp_path: Path) -> None:
    raw = "  Title line  \r\n\r\nSir David\u2019s  family\tsaid.\rLone CR kept.\n\n"
    (doc,) = read_documents([write(tmp_path / "crlf.txt", raw.encode())])
    assert doc.text == raw.replace("\r\n", "\n")
    assert doc.sha256 == hashlib.sha256(doc.text.encode("utf-8")).hexdigest()


def test_document_fields(tmp_path: Path) -> None:
    path = write(tmp_path / "report.txt", b"\n\n   The headline   \nBody.\n")
    (doc,) = read_documents([path], base=tmp_path)
    assert doc.path == path
    assert doc.name == "report.txt"
    assert doc.title == "The headline"
    assert doc.date is None


def test_long_title_is_cut_to_200_characters(tmp_path: Path) -> None:
    (doc,) = read_documents([write(tmp_path / "long.txt", b"x" * 500)])
    assert doc.title == "x" * 200


def test_markdown_is_accepted_and_its_heading_marks_leave_the_title(tmp_path: Path) -> None:
    (doc,) = read_documents([write(tmp_path / "notes.md", b"## Prevent review\n\nText.\n")])
    assert doc.title == "Prevent review"
    assert doc.text == "## Prevent review\n\nText.\n"


def test_folders_are_walked_sorted_recursively_skipping_hidden_and_other_files(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", b"B")
    write(tmp_path / "a.md", b"A")
    write(tmp_path / "c.json", b"{}")
    write(tmp_path / "sub" / "d.TXT", b"D")
    write(tmp_path / ".git" / "e.txt", b"E")
    write(tmp_path / ".f.txt", b"F")
    docs = read_documents([tmp_path], base=tmp_path)
    assert [d.name for d in docs] == ["a.md", "b.txt", "sub/d.TXT"]


def test_a_document_is_named_by_its_path_whatever_else_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "one" / "report.txt", b"First.")
    write(tmp_path / "two" / "report.txt", b"Second.")
    write(tmp_path / "three" / "Report.txt", b"Third.")
    docs = read_documents([Path("one"), Path("two"), Path("three")])
    assert [d.name for d in docs] == ["one/report.txt", "two/report.txt", "three/Report.txt"]
    assert [d.name for d in read_documents([Path("two")])] == ["two/report.txt"]  # alone, the same name
    assert [d.name for d in read_documents([Path("one/../two/report.txt")])] == ["two/report.txt"]
    assert [d.name for d in read_documents([tmp_path / "two"])] == ["two/report.txt"]
    # a file outside the root is refused, naming the root: no name carries the folders above it
    with pytest.raises(InputError, match=r"one/report\.txt: outside the root .*two"):
        read_documents([Path("one")], base=tmp_path / "two")


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        (b"plain.txt", "plain.txt"),
        (b"caf\xe9.txt", "caf%E9.txt"),  # Latin-1: not UTF-8
        (b"caf%E9.txt", "caf%25E9.txt"),  # a real percent sign
        ("caf\u00e9 \u202e.txt".encode(), "caf\u00e9 \u202e.txt"),  # UTF-8 is kept as it is
    ],
)
def test_document_names_are_text_and_lossless(raw: bytes, name: str, tmp_path: Path) -> None:
    assert document_name(Path(os.fsdecode(raw)), Path(".")) == name


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", b"Alpha.")
    docs = read_documents([tmp_path, path], base=tmp_path)
    assert [d.name for d in docs] == ["a.txt"]


def test_seed_document_reads(tmp_path: Path) -> None:
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    (doc,) = read_documents([seeds], base=seeds.parent)
    assert doc.name == "seeds/prevent-learning-review-amess.txt"
    assert doc.title is not None and doc.title.startswith("Sir David Amess")


@pytest.mark.parametrize("note", ["SOURCES.md", "README.md", "readme.txt", "LICENCE.txt", "CHANGELOG.md"])
def test_folder_notes_are_skipped_when_walking_but_read_when_named(tmp_path: Path, note: str) -> None:
    write(tmp_path / "report.txt", b"The report.")
    write(tmp_path / note, b"# About these documents\n")
    assert [d.name for d in read_documents([tmp_path], base=tmp_path)] == ["report.txt"]
    assert [d.name for d in read_documents([tmp_path / note], base=tmp_path)] == [note]

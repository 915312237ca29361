"""A document's identity, with the real `kg` command: two different files never replace each other, the same file
added again is recognised, and a file name that is not UTF-8 is kept (issue 12, items 5 and 6); a name carries
no folder of the machine above the store's root, and the same files give the same graph wherever the store lies
and wherever kg runs (issue 27, item 2).

A document is named by its path relative to the store's root: the folder the store was made in (or `--root DIR`),
recorded in the store. A file outside the root is refused. Its IRI is that path, percent-encoded. Nothing about a
document's identity depends on the other files given in the same command, on where the store lies, or on the
folder a later command runs in.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from helpers import ROOT, kg, ok, one_error_line, page_server

from kg.graph.files import Format
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
    tmp_path.mkdir(parents=True, exist_ok=True)
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


def test_a_file_outside_the_root_is_refused_with_one_line_naming_root(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "notes.txt").write_text(FIRST, encoding="utf-8")
    line = one_error_line(kg("add", "../elsewhere/notes.txt", cwd=tmp_path / "project"))
    assert line.startswith("kg: error: ../elsewhere/notes.txt: outside the root ") and "--root" in line
    assert not (tmp_path / "project" / ".kg").exists()
    # asked for, a root above both: the name is the path from it
    ok(kg("add", "--root", "..", "../elsewhere/notes.txt", cwd=tmp_path / "project"))
    assert list(stored(tmp_path / "project" / ".kg")) == ["elsewhere/notes.txt"]
    # a store keeps the root it was made with: another is one line, and changes nothing
    line = one_error_line(kg("add", "--root", ".", "../elsewhere/notes.txt", cwd=tmp_path / "project"))
    assert "a store keeps the root it was made with" in line and "kg build --root" in line
    assert list(stored(tmp_path / "project" / ".kg")) == ["elsewhere/notes.txt"]


def test_a_root_reached_through_a_symbolic_link_names_files_as_its_real_path_does(tmp_path: Path) -> None:
    """A shell's $PWD keeps the link it came through (/tmp on macOS is /private/tmp): a file given by that path,
    --root given so, or the store reached through a link, is the same document as by the real path."""
    real = tmp_path / "real" / "project"
    same_name_in_three_folders(real)
    link = tmp_path / "link"
    link.symlink_to(real)
    # run in the real folder (as the process sees it), files and root given through the link
    ok(kg("add", str(link / "a" / "report.txt"), cwd=link))
    assert list(stored(real / ".kg")) == ["a/report.txt"]
    result = ok(kg("add", "--root", str(link), str(link / "a"), "b/report.txt", cwd=link))
    assert "1 added, 0 replaced, 1 unchanged" in result.stderr
    # the store by a link to it: its root is where the store really is
    (tmp_path / "store-link").symlink_to(real / ".kg")
    result = ok(kg("add", "c/Report.txt", "a/report.txt", "--store", str(tmp_path / "store-link"), cwd=real))
    assert "1 added, 0 replaced, 1 unchanged" in result.stderr
    assert sorted(stored(real / ".kg")) == ["a/report.txt", "b/report.txt", "c/Report.txt"]
    ok(kg("remove", str(link / "b" / "report.txt"), "--store", str(tmp_path / "store-link"), cwd=tmp_path))
    assert sorted(stored(real / ".kg")) == ["a/report.txt", "c/Report.txt"]


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


# ------------------------------------------------------------------------------------------ issue 27, item 2
def test_a_build_with_the_store_elsewhere_is_byte_identical_to_the_default_one(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "seeds", project / "seeds")
    ok(kg("build", "-o", "default.ttl", cwd=project))
    store = tmp_path / "stores" / "cases"
    ok(kg("build", "--store", str(store), "-o", "elsewhere.ttl", cwd=project))
    default = (project / "default.ttl").read_bytes()
    assert (project / "elsewhere.ttl").read_bytes() == default
    assert default == (ROOT / "exports" / "graph.ttl").read_bytes()  # the graph the project ships
    assert b"document/seeds/prevent-learning-review-amess.txt" in default
    # built again from another folder, the store names the files from the root it was made in
    ok(
        kg(
            "build",
            ".",
            "--store",
            os.path.relpath(store, project / "seeds"),
            "-o",
            "../again.ttl",
            cwd=project / "seeds",
        )
    )
    assert (project / "again.ttl").read_bytes() == default


def test_the_same_file_added_from_two_working_folders_is_one_document(tmp_path: Path) -> None:
    project = tmp_path / "project"
    same_name_in_three_folders(project)
    store = str(tmp_path / "stores" / "cases")  # outside the project
    ok(kg("add", "a/report.txt", "--store", store, cwd=project))
    assert list(stored(Path(store))) == ["a/report.txt"]
    for args, cwd in (
        (["report.txt"], project / "a"),
        (["project/a/report.txt"], tmp_path),
        ([str(project / "a" / "report.txt")], tmp_path / "stores"),
    ):
        result = ok(kg("add", *args, "--store", store, cwd=cwd))
        assert "0 added, 0 replaced, 1 unchanged" in result.stderr, (args, result.stderr)
    ok(kg("add", "../b", "--store", store, cwd=project / "a"))
    assert sorted(stored(Path(store))) == ["a/report.txt", "b/report.txt"]
    # remove finds a document by its path from wherever it runs
    ok(kg("remove", "project/b/report.txt", "--store", store, cwd=tmp_path))
    assert list(stored(Path(store))) == ["a/report.txt"]


def test_no_folder_of_the_machine_reaches_an_export_or_the_viewer(tmp_path: Path) -> None:
    project = tmp_path / "project"
    same_name_in_three_folders(project)
    store = str(tmp_path / "elsewhere" / "store")
    out = tmp_path / "out"
    ok(kg("add", "a", "b", "c", "--store", store, cwd=project))
    for fmt in Format:
        ok(kg("export", "--store", store, "-o", str(out / f"graph{fmt.value}"), cwd=project))
    ok(kg("viz", "--store", store, "-o", str(out / "graph.html"), cwd=project))
    built = str(tmp_path / "elsewhere" / "built")
    ok(kg("build", "a", "b", "c", "--store", built, "-o", str(out / "built.trig"), cwd=project))
    files = sorted(out.iterdir())
    assert len(files) == len(Format) + 3  # and the entities' table beside the CSV one
    machine = [str(tmp_path), quote(str(tmp_path)), tmp_path.name]
    home = os.environ.get("HOME", "")
    if len(home) > 1:
        machine.append(home)
    for file in files:
        data = file.read_bytes()
        if file.suffix in (".ttl", ".nt", ".trig", ".nq", ".jsonld"):
            assert b"document/a/report.txt" in data, file  # the names are there, from the root
        for path in machine:
            assert path.encode() not in data, (file.name, path)


def test_a_store_made_before_stores_recorded_their_root_names_from_its_folder(tmp_path: Path) -> None:
    same_name_in_three_folders(tmp_path)
    ok(kg("add", "a", cwd=tmp_path))
    (tmp_path / ".kg" / "root").unlink(missing_ok=True)  # as an older kg left it
    files = sorted(p.name for p in (tmp_path / ".kg").iterdir())
    ok(kg("add", "report.txt", "--store", "../.kg", cwd=tmp_path / "b"))
    assert sorted(stored(tmp_path / ".kg")) == ["a/report.txt", "b/report.txt"]
    # a command that fails adds no file to it
    one_error_line(kg("add", "c", "--model", "no_such_model", cwd=tmp_path))
    assert sorted(p.name for p in (tmp_path / ".kg").iterdir()) == files


def test_the_same_text_under_two_names_is_noted_by_add_and_shown_by_status(tmp_path: Path) -> None:
    same_name_in_three_folders(tmp_path)
    shutil.copy(tmp_path / "a" / "report.txt", tmp_path / "b" / "copy.txt")
    assert "note" not in ok(kg("add", "a/report.txt", cwd=tmp_path)).stderr
    result = ok(kg("add", "b", cwd=tmp_path))
    notes = [line for line in result.stderr.splitlines() if line.startswith("kg: note:")]
    assert notes == ["kg: note: b/copy.txt has the same text as a/report.txt"]
    assert sorted(stored(tmp_path / ".kg")) == [
        "a/report.txt",
        "b/copy.txt",
        "b/report.txt",
    ]  # both documents
    status = ok(kg("status", cwd=tmp_path)).stdout
    assert "  a/report.txt = b/copy.txt\n" in status
    same = json.loads(ok(kg("status", "--json", cwd=tmp_path)).stdout)["same_text"]
    assert same == [["a/report.txt", "b/copy.txt"]]
    # added again, unchanged: nothing to say
    assert "note" not in ok(kg("add", "b", cwd=tmp_path)).stderr


PAGE = (
    b"<html><head><title>Kettering minutes</title></head><body><article><h1>Kettering minutes</h1>"
    + (
        b"<p>Tom Ashdown met Clara Venn in Kettering on 3 May 2024 to discuss the review of the trust.</p>"
        * 3
    )
    + b"</article></body></html>"
)


def test_a_page_fetched_under_two_host_names_is_two_documents_with_a_note(tmp_path: Path) -> None:
    with page_server(PAGE, "text/html; charset=utf-8") as port:
        first, second = f"http://127.0.0.1:{port}/a.html", f"http://localhost:{port}/a.html"
        result = ok(kg("add", first, second, cwd=tmp_path))
    notes = [line for line in result.stderr.splitlines() if line.startswith("kg: note:")]
    assert notes == [f"kg: note: {second} has the same text as {first}"]
    assert sorted(stored(tmp_path / ".kg")) == [first, second]
    assert f"  {first} = {second}\n" in ok(kg("status", cwd=tmp_path)).stdout

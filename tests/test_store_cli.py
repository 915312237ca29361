"""The store commands end to end, as real processes: kg add, status, export, remove, validate and build on a store
in `tmp_path` (the default `.kg/` of the folder they run in, or `--store DIR`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers import closed_port, kg, kg_env, ok
from helpers import one_error_line as assert_one_error_line

ID = "https://w3id.org/kg/id/"
REGISTRY = f"{ID}graph/entities"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

TEXTS = {
    "a.txt": (
        "Harrow Review published\n12 March 2024\n\n"
        "Home Secretary Tom Edward Ashdown commissioned the Harrow Review. "
        "Tom Edward Ashdown met Clara Venn in Kettering.\n"
    ),
    "b.txt": (
        "Clara Venn, a member of the Kettering Trust, was appointed Chief Inspector. "
        "Tom Ashdown praised Clara Venn in Corby.\n"
    ),
    "d.txt": "Nadia Okafor, a member of the Kettering Trust, said the Harrow Review was late.\n",
}


def write_docs(folder: Path, names: tuple[str, ...] = tuple(TEXTS)) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(TEXTS[name], encoding="utf-8")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def status_json(cwd: Path, *args: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(ok(kg("status", "--json", *args, cwd=cwd)).stdout)
    return data


def documents(cwd: Path, *args: str) -> dict[str, dict[str, str]]:
    """The store's documents by the file name of their source."""
    docs = status_json(cwd, *args)["documents"]
    assert isinstance(docs, list)
    return {Path(d["source"]).name: d for d in docs}


def named_graphs(path: Path, fmt: ox.RdfFormat = ox.RdfFormat.TRIG) -> dict[str, set[str]]:
    """A TriG or N-Quads file, read by Oxigraph rather than by kg: graph name → its triples."""
    out: dict[str, set[str]] = {}
    for q in ox.parse(path=path, format=fmt):
        name = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        out.setdefault(name, set()).add(str(q.triple))
    return out


def store_quads(store: Path) -> list[str]:
    """The quads of a store on disk, read by Oxigraph itself."""
    db = ox.Store.read_only(str(store / "oxigraph"))
    return sorted(str(q) for q in db)


# ---------------------------------------------------------------------------------------------- the commands


def test_add_status_export_remove_and_validate(tmp_path: Path) -> None:
    write_docs(tmp_path / "docs")
    result = ok(kg("add", "docs/a.txt", "docs/b.txt", cwd=tmp_path))
    assert result.stderr == "kg: 2 added, 0 replaced, 0 unchanged -> .kg\n"
    assert (tmp_path / ".kg" / "oxigraph").is_dir()  # the default store, in the folder the command ran in

    # status as a table: one line per document with its title, hash and load time, then counts per class and
    # relation
    table = ok(kg("status", cwd=tmp_path)).stdout.splitlines()
    assert table[0] == "store .kg: 2 documents"
    titles = {"a.txt": "Harrow Review published", "b.txt": TEXTS["b.txt"][:59] + "…"}  # cut to 60 columns
    for line, name in zip(table[1:3], ("a.txt", "b.txt"), strict=True):
        assert (
            line.split()[0] == f"docs/{name}"
        )  # the document's name: its path from the folder that holds the store
        assert f"  {titles[name]}  " in line
        words = line[line.index("  sha256 ") :].split()
        assert words[0:2] == ["sha256", sha(TEXTS[name])[:12]]
        assert words[2] == "loaded"
        assert dt.datetime.fromisoformat(words[3]).tzinfo is not None
        assert words[4] == f"{ID}document/docs/{name}"
    assert table[3] == "entities:"
    counts = dict(line.split() for line in table[4 : table.index("relations:")])
    assert counts["Person"] == "2"  # Tom (named in both documents) and Clara
    assert "memberOf" in "".join(table[table.index("relations:") :])

    # status as JSON: the full hashes and the load times
    data = status_json(tmp_path)
    assert data["store"] == ".kg"
    docs = documents(tmp_path)
    assert set(docs) == {"a.txt", "b.txt"}
    for name, d in docs.items():
        assert d["sha256"] == sha(TEXTS[name])
        assert d["source"] == f"docs/{name}"
        loaded = dt.datetime.fromisoformat(d["loaded_at"])
        assert abs(dt.datetime.now(dt.UTC) - loaded) < dt.timedelta(minutes=5)
    assert data["entities"] == {"Inquiry": 1, "Organization": 1, "Person": 2, "Place": 2, "Post": 2}
    assert data["relations"] == {"commissionedBy": 2, "holdsPost": 1, "memberOf": 1}

    # adding again: the unchanged document is left alone, with its load time
    result = ok(kg("add", "docs/a.txt", "docs/d.txt", cwd=tmp_path))
    assert result.stderr == "kg: 1 added, 0 replaced, 1 unchanged -> .kg\n"
    assert documents(tmp_path)["a.txt"] == docs["a.txt"]

    # export: the union in Turtle, the named graphs in TriG and N-Quads
    ok(kg("export", cwd=tmp_path))
    ok(kg("export", "-o", "out/graph.trig", cwd=tmp_path))
    ok(kg("export", "-o", "out/graph.nq", cwd=tmp_path))
    graphs = named_graphs(tmp_path / "out" / "graph.trig")
    assert set(graphs) == {f"{ID}document/docs/{n}" for n in ("a.txt", "b.txt", "d.txt")} | {REGISTRY}
    assert named_graphs(tmp_path / "out" / "graph.nq", ox.RdfFormat.N_QUADS) == graphs
    turtle = {str(t) for t in ox.parse(path=tmp_path / "exports" / "graph.ttl", format=ox.RdfFormat.TURTLE)}
    assert turtle == set().union(*graphs.values())

    # validate reads the store by default
    result = ok(kg("validate", cwd=tmp_path))
    assert result.stdout.split() == ["Validation", "Report", "Conforms:", "True"]

    # remove by file name, by path and by IRI
    assert ok(kg("remove", "a.txt", cwd=tmp_path)).stderr == "kg: 1 document removed from .kg\n"
    assert set(documents(tmp_path)) == {"b.txt", "d.txt"}
    ok(kg("remove", "docs/b.txt", cwd=tmp_path))
    assert set(documents(tmp_path)) == {"d.txt"}
    ok(kg("remove", f"{ID}document/docs/d.txt", cwd=tmp_path))
    data = status_json(tmp_path)
    assert data["documents"] == []
    assert data["entities"] == {}
    assert data["relations"] == {}
    assert store_quads(tmp_path / ".kg") == []


def test_store_option_names_the_store(tmp_path: Path) -> None:
    write_docs(tmp_path / "docs")
    ok(kg("add", "docs", "--store", "case/file", cwd=tmp_path))
    assert not (tmp_path / ".kg").exists()
    assert set(documents(tmp_path, "--store", "case/file")) == set(TEXTS)
    ok(kg("export", "-o", "g.trig", "--store", "case/file", cwd=tmp_path))
    assert len(named_graphs(tmp_path / "g.trig")) == len(TEXTS) + 1


def test_validate_reads_the_store_by_default_and_a_file_with_graph(tmp_path: Path) -> None:
    write_docs(tmp_path / "docs")
    ok(kg("add", "docs", cwd=tmp_path))
    ok(kg("export", "-o", "good.trig", cwd=tmp_path))
    # A second label for Clara, put straight into the store's registry: the store no longer conforms.
    clara = ox.NamedNode(f"{ID}person/clara-venn")
    db = ox.Store(str(tmp_path / ".kg" / "oxigraph"))
    db.add(ox.Quad(clara, ox.NamedNode(RDFS_LABEL), ox.Literal("C. Venn"), ox.NamedNode(REGISTRY)))
    db.flush()
    del db

    result = kg("validate", cwd=tmp_path)
    assert assert_one_error_line(result, 1) == "kg: error: .kg: does not conform (1 violations)"
    assert f"Focus Node: <{ID}person/clara-venn>" in result.stdout
    # the exported file does conform: --graph FILE (and GRAPH) read the file, not the store
    result = ok(kg("validate", "--graph", "good.trig", cwd=tmp_path))
    assert result.stdout.split() == ["Validation", "Report", "Conforms:", "True"]
    ok(kg("validate", "good.trig", cwd=tmp_path))
    ok(kg("export", "-o", "bad.ttl", cwd=tmp_path))
    assert kg("validate", "--graph", "bad.ttl", cwd=tmp_path).returncode == 1
    # with no store at all, a file is still read
    other = tmp_path / "elsewhere"
    other.mkdir()
    ok(kg("validate", "--graph", str(tmp_path / "good.trig"), cwd=other))


# ---------------------------------------------------------------------------------------------- build


def test_build_replaces_the_store_with_a_fresh_one(tmp_path: Path) -> None:
    write_docs(tmp_path / "docs")
    write_docs(tmp_path / "only-d", ("d.txt",))
    ok(kg("add", "docs/a.txt", "docs/b.txt", cwd=tmp_path))
    result = ok(kg("build", "only-d", "-o", "built.trig", cwd=tmp_path))
    assert result.stderr.startswith("kg: 1 document, ")
    docs = documents(tmp_path)
    assert set(docs) == {"d.txt"}
    assert docs["d.txt"]["loaded_at"] is None  # a build records no load times: the same input, the same bytes
    assert set(named_graphs(tmp_path / "built.trig")) == {f"{ID}document/only-d/d.txt", REGISTRY}
    # what build wrote is the store it left
    ok(kg("export", "-o", "exported.trig", cwd=tmp_path))
    assert (tmp_path / "exported.trig").read_bytes() == (tmp_path / "built.trig").read_bytes()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".kg.")]  # no staging left behind


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(["docs", "empty.txt"], id="an empty document among the inputs"),
        pytest.param(["docs", "--model", "no_such_model"], id="a model that is not installed"),
    ],
)
def test_a_failed_build_leaves_the_previous_store_and_output_intact(tmp_path: Path, bad: list[str]) -> None:
    write_docs(tmp_path / "docs")
    (tmp_path / "empty.txt").write_bytes(b"")
    ok(kg("build", "docs", "-o", "graph.trig", cwd=tmp_path))
    before, graph = store_quads(tmp_path / ".kg"), (tmp_path / "graph.trig").read_bytes()
    assert before
    assert_one_error_line(kg("build", *bad, "-o", "graph.trig", cwd=tmp_path))
    assert store_quads(tmp_path / ".kg") == before
    assert (tmp_path / "graph.trig").read_bytes() == graph
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".kg.")]


# ---------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "args", [["status"], ["status", "--json"], ["export"], ["remove", "a.txt"], ["validate"]]
)
def test_a_missing_store_exits_2_with_one_line(tmp_path: Path, args: list[str]) -> None:
    line = assert_one_error_line(kg(*args, cwd=tmp_path))
    assert line.startswith("kg: error: .kg: no kg store here")
    line = assert_one_error_line(kg(*args, "--store", "nowhere", cwd=tmp_path))
    assert line.startswith("kg: error: nowhere: no kg store here")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing created on the way


def test_bad_input_to_add_creates_no_store(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    line = assert_one_error_line(kg("add", "missing.txt", cwd=tmp_path))
    assert line == "kg: error: missing.txt: no such file or folder"
    line = assert_one_error_line(kg("add", "empty.txt", cwd=tmp_path))
    assert line == "kg: error: empty.txt: empty document"
    assert not (tmp_path / ".kg").exists()


CONNECT = {"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}


@pytest.mark.parametrize(
    ("args", "status"),
    [
        pytest.param(["add", "docs", "--cluster", "tcp://127.0.0.1:{port}"], 3, id="add: no scheduler there"),
        pytest.param(["build", "docs", "--cluster", "tcp://127.0.0.1:{port}"], 3, id="build: no scheduler"),
        pytest.param(["add", "empty.txt"], 2, id="add: no readable document"),
        pytest.param(["add", "empty.txt", "missing.txt"], 2, id="add: none of the documents readable"),
        pytest.param(["build", "empty.txt"], 2, id="build: no readable document"),
        pytest.param(["add", "../outside.txt"], 2, id="add: a file outside the root"),
        pytest.param(["add", "docs", "--model", "no_such_model"], 2, id="add: a model that is not installed"),
        pytest.param(["build", "docs", "--model", "no_such_model"], 2, id="build: a model not installed"),
        pytest.param(["add", "docs", "--jobs", "0"], 2, id="add: --jobs 0"),
        pytest.param(["build", "docs", "--jobs", "-2"], 2, id="build: --jobs -2"),
        pytest.param(["add", "docs", "--fetch-timeout", "0"], 2, id="add: --fetch-timeout 0"),
        pytest.param(["add", "docs", "--ontology", "no-such-folder"], 2, id="add: no such ontology"),
        pytest.param(["add", "docs", "--root", "no-such-folder"], 2, id="add: no such root"),
        pytest.param(["build", "docs", "-o", "graph.xyz"], 2, id="build: an unknown output format"),
        pytest.param(["query", "--update", "INSERT DATA { <x:a> <x:b> <x:c> }"], 2, id="query --update"),
    ],
)
def test_a_command_that_fails_before_writing_a_document_leaves_nothing_new(
    tmp_path: Path, args: list[str], status: int
) -> None:
    project = tmp_path / "project"
    write_docs(project / "docs")
    (project / "empty.txt").write_bytes(b"")
    (tmp_path / "outside.txt").write_text(TEXTS["a.txt"], encoding="utf-8")
    before = sorted(tmp_path.rglob("*"))
    args = [arg.replace("{port}", str(closed_port())) for arg in args]
    result = kg(*args, "--store", "new/deeper/store", cwd=project, env=CONNECT)
    assert result.returncode == status, result.stderr
    assert all(line.startswith("kg: error: ") for line in result.stderr.splitlines()), result.stderr
    assert not (project / "new").exists()  # no store, no lock or identity file, no folder above it
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.parametrize("command", ["add", "build"])
def test_a_failed_command_leaves_a_store_folder_that_was_there_as_it_was(
    tmp_path: Path, command: str
) -> None:
    """A folder made for the store beforehand (mkdir stores/cases) is not the command's: what the command put in
    it goes, the folder and what the user had in it stay."""
    write_docs(tmp_path / "docs")
    (tmp_path / "empty").mkdir()
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "notes.md").write_text("mine\n", encoding="utf-8")
    for folder in ("empty", "kept"):
        before = sorted(tmp_path.rglob("*"))
        result = kg(command, "docs", "--store", folder, "--model", "no_such_model", cwd=tmp_path)
        assert_one_error_line(result)
        assert sorted(tmp_path.rglob("*")) == before, folder


def test_a_failed_command_never_takes_away_a_store_another_made_in_the_folder_it_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two commands make one new store at once: the one that made the folder waits for the lock while the other
    makes the database and adds a document. The first then fails: the other's document stays."""
    import kg.graph.store as store_module

    write_docs(tmp_path / "docs", ("a.txt",))
    made = store_module._make_folders

    def made_then_other_command(path: Path) -> list[Path]:
        folders = made(path)
        if folders:  # the other command finds the folder there, and takes the lock first
            ok(kg("add", "docs", "--store", str(path), cwd=tmp_path))
        return folders

    monkeypatch.setattr(store_module, "_make_folders", made_then_other_command)
    with (
        pytest.raises(RuntimeError, match="failed"),
        store_module.Store(tmp_path / "new" / "store", root=tmp_path),
    ):
        raise RuntimeError("failed before writing a document")
    with store_module.Store(tmp_path / "new" / "store", read_only=True) as store:
        assert [d.name for d in store.documents()] == ["docs/a.txt"]


def test_a_store_folder_taken_away_before_its_lock_is_opened_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another command that made the folder fails and takes it away between this one finding it and opening its
    lock file: this one makes it again, instead of failing with 'no such file or directory'."""
    import kg.graph.store as store_module

    made = store_module._make_folders
    calls: list[Path] = []

    def made_then_taken_away(path: Path) -> list[Path]:
        folders = made(path)
        calls.append(path)
        if len(calls) == 1:
            for folder in folders:
                folder.rmdir()  # as the failing command's cleanup does
            return []  # (the other command had made them)
        return folders

    monkeypatch.setattr(store_module, "_make_folders", made_then_taken_away)
    with store_module.Store(tmp_path / "new" / "store", root=tmp_path) as store:
        assert store.documents() == []
    assert (tmp_path / "new" / "store" / "oxigraph" / "CURRENT").is_file()
    calls.clear()
    with pytest.raises(RuntimeError), store_module.Store(tmp_path / "other" / "store", root=tmp_path):
        raise RuntimeError("failed before writing a document")
    assert not (tmp_path / "other").exists()  # and one that fails takes away all it made, however many times


def test_a_command_stopped_before_writing_a_document_leaves_no_store(tmp_path: Path) -> None:
    """SIGTERM while kg waits for a scheduler that accepts and never answers: exit 143, and no store."""
    import signal
    import socket
    import subprocess
    import sys
    import time

    write_docs(tmp_path / "docs")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        env = kg_env({"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "60s"})
        command = [sys.executable, "-m", "kg.cli", "add", "docs", "--cluster", f"tcp://127.0.0.1:{port}"]
        process = subprocess.Popen(
            [*command, "--store", "new/store"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 60
        while not (tmp_path / "new" / "store" / "oxigraph").exists() and time.monotonic() < deadline:
            time.sleep(0.1)  # the store is made before the scheduler is called
        time.sleep(1.0)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert stderr.strip().splitlines()[-1] == "kg: terminated"
    assert not (tmp_path / "new").exists()


def test_removing_an_unknown_document_exits_2_and_removes_nothing(tmp_path: Path) -> None:
    write_docs(tmp_path / "docs")
    ok(kg("add", "docs", cwd=tmp_path))
    before = store_quads(tmp_path / ".kg")
    line = assert_one_error_line(kg("remove", "a.txt", "no-such.txt", cwd=tmp_path))
    assert line == "kg: error: no-such.txt: no such document in the store"
    assert store_quads(tmp_path / ".kg") == before
    line = assert_one_error_line(kg("remove", f"{ID}document/no-such-txt", cwd=tmp_path))
    assert line == f"kg: error: {ID}document/no-such-txt: no such document in the store"
    assert store_quads(tmp_path / ".kg") == before


def test_export_to_an_unknown_format_exits_2(tmp_path: Path) -> None:
    write_docs(tmp_path / "docs", ("a.txt",))
    ok(kg("add", "docs", cwd=tmp_path))
    line = assert_one_error_line(kg("export", "-o", "graph.xml", cwd=tmp_path))
    assert "unknown graph format '.xml'" in line
    assert not (tmp_path / "graph.xml").exists()


# ---------------------------------------------------------------------------------------------- data kg did not make


def test_add_refuses_a_store_that_does_not_open_and_deletes_nothing(tmp_path: Path) -> None:
    write_docs(tmp_path / "docs")
    ok(kg("add", "docs/a.txt", cwd=tmp_path))
    data = tmp_path / ".kg" / "oxigraph"
    (data / "CURRENT").unlink()  # damaged, but the data files are all there and recoverable
    files = sorted(p.name for p in data.iterdir())
    for args in (["add", "docs/b.txt"], ["build", "docs", "-o", "out.ttl"], ["status"], ["export"]):
        line = assert_one_error_line(kg(*args, cwd=tmp_path))
        assert "does not open" in line and "CURRENT" in line, line
        assert sorted(p.name for p in data.iterdir()) == files, args  # nothing deleted, nothing added
    assert not (tmp_path / "out.ttl").exists()


def test_add_refuses_a_database_folder_it_did_not_make(tmp_path: Path) -> None:
    write_docs(tmp_path / "docs")
    (tmp_path / ".kg" / "oxigraph").mkdir(parents=True)
    (tmp_path / ".kg" / "oxigraph" / "precious.txt").write_text("not kg's", encoding="utf-8")
    assert_one_error_line(kg("add", "docs/a.txt", cwd=tmp_path))
    assert (tmp_path / ".kg" / "oxigraph" / "precious.txt").read_text(encoding="utf-8") == "not kg's"


def test_a_build_removes_what_a_killed_build_left_and_nothing_else(tmp_path: Path) -> None:
    write_docs(tmp_path / "docs")
    dead = tmp_path / ".kg.build-999999999"  # no such process
    (dead / "oxigraph").mkdir(parents=True)
    (dead / "kg.lock").write_bytes(b"")
    other = tmp_path / ".kg.build-notes"  # not a name kg gives
    other.mkdir()
    ok(kg("build", "docs", "-o", "out.ttl", cwd=tmp_path))
    assert not dead.exists()
    assert other.is_dir()


def test_a_garbage_identity_index_is_made_again_by_the_next_add(tmp_path: Path) -> None:
    write_docs(tmp_path / "docs")
    ok(kg("add", "docs/a.txt", cwd=tmp_path))
    (tmp_path / ".kg" / "identity.sqlite").write_bytes(b"this is not a database" * 100)
    ok(kg("add", "docs/b.txt", cwd=tmp_path))
    assert len(documents(tmp_path)) == 2


# ---------------------------------------------------------------------------------------------- the file system


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs mounted for the test (needs root, as CI has)."""
    import os
    import subprocess

    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    # as root the mount must work: a failure here is the test's, not a reason to skip it
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    assert mounted.returncode == 0, f"mount failed as root: {mounted.stderr}"
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_store_on_a_read_only_file_system_gives_one_line(tmp_path: Path, small_disk: Path) -> None:
    import subprocess

    write_docs(tmp_path / "docs")
    ok(kg("add", str(tmp_path / "docs" / "a.txt"), "--store", str(small_disk / "store"), cwd=tmp_path))
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    line = assert_one_error_line(kg("add", "docs/b.txt", "--store", str(small_disk / "store"), cwd=tmp_path))
    assert "read-only" in line.lower(), line
    line = assert_one_error_line(kg("add", "docs/b.txt", "--store", str(small_disk / "new"), cwd=tmp_path))
    assert "read-only" in line.lower(), line
    # readers still read it
    assert len(documents(tmp_path, "--store", str(small_disk / "store"))) == 1


def test_a_full_disk_stops_add_with_one_line_and_a_whole_store(tmp_path: Path, small_disk: Path) -> None:
    docs = tmp_path / "many"
    docs.mkdir()
    for i in range(40):  # about 7 MB of store
        names = " ".join(
            f"Tom{chr(97 + i % 26)}{j} Ashdown{i} met Clara{j} Venn{i} in Kettering." for j in range(60)
        )
        (docs / f"d{i:02d}.txt").write_text(f"Minutes {i}\n\n{names}\n", encoding="utf-8")
    store = small_disk / "store"
    result = kg("add", "many", "--store", str(store), cwd=tmp_path)
    line = assert_one_error_line(result)
    # the disk fills while the store writes ("no space left on device") or while the index does ("disk is full")
    said = re.search(r" (\d+) documents? (?:was|were) saved", line)
    assert ("no space left" in line or "disk is full" in line) and said is not None, line
    saved = int(said.group(1))
    # the store is whole: it opens, holds exactly the documents it says, and validates
    subprocess_ok = kg("validate", "--store", str(store), cwd=tmp_path)
    assert subprocess_ok.returncode == 0, subprocess_ok.stdout[-2000:] + subprocess_ok.stderr
    assert len(documents(tmp_path, "--store", str(store))) == saved

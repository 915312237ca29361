"""The `kg` command as a user meets it: real processes and real builds, exit codes, one-line errors."""

from __future__ import annotations

import contextlib
import io
import os
import pty
import select
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
import pytest
from helpers import ROOT, kg
from helpers import one_error_line as assert_one_error_line

from kg.cli import main
from kg.graph.files import read_graph
from kg.graph.rdfmap import document_iri
from kg.outputs.export import write_graph
from kg.text.annotate import DEFAULT_MODEL
from kg.text.read import document_name


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


BAD_BUILDS: dict[str, tuple[Callable[[Path], list[str]], str]] = {
    "missing path": (lambda tmp: ["nowhere"], "nowhere: no such file or folder"),
    "empty file": (lambda tmp: [str(write(tmp / "empty.txt", b""))], "empty document"),
    "binary file": (lambda tmp: [str(write(tmp / "bin.txt", b"ab\x00cd"))], "binary file"),
    "non-UTF-8 file": (lambda tmp: [str(write(tmp / "cafe.txt", b"caf\xe9"))], "not UTF-8 at byte 3"),
    "empty folder": (
        lambda tmp: [str((tmp / "folder").mkdir() or tmp / "folder")],
        "no documents (.txt, .md, .html, .htm, .pdf)",
    ),
    "unknown -o extension": (
        lambda tmp: [str(write(tmp / "ok.txt", b"Fine.")), "-o", "out.xml"],
        "unknown graph format '.xml'",
    ),
}


@pytest.mark.parametrize(("make", "expected"), BAD_BUILDS.values(), ids=BAD_BUILDS.keys())
def test_build_with_bad_input_exits_2_with_one_line_and_leaves_output_alone(
    tmp_path: Path, make: Callable[[Path], list[str]], expected: str
) -> None:
    existing = write(tmp_path / "exports" / "graph.ttl", b"# the previous graph\n")
    args = make(tmp_path)
    if "-o" in args:
        existing = write(tmp_path / args[-1], b"<previous/>")
    result = kg("build", *args, cwd=tmp_path)
    line = assert_one_error_line(result)
    assert expected in line
    assert existing.read_bytes() in (b"# the previous graph\n", b"<previous/>")
    assert result.stdout == ""


def test_build_without_seeds_folder_names_it(tmp_path: Path) -> None:
    line = assert_one_error_line(kg("build", cwd=tmp_path))
    assert line == "kg: error: seeds: no such file or folder"


def test_validate_missing_file_exits_2(tmp_path: Path) -> None:
    line = assert_one_error_line(kg("validate", "missing.ttl", cwd=tmp_path))
    assert line == "kg: error: missing.ttl: no such file"


def test_validate_default_is_the_store(tmp_path: Path) -> None:
    line = assert_one_error_line(kg("validate", cwd=tmp_path))
    assert line.startswith("kg: error: .kg: no kg store here")


def test_validate_unparseable_file_exits_2(tmp_path: Path) -> None:
    write(tmp_path / "bad.ttl", b"this is not turtle\n")
    line = assert_one_error_line(kg("validate", "bad.ttl", cwd=tmp_path))
    assert line.startswith("kg: error: bad.ttl: not valid turtle")


def test_validate_report_shows_a_hostile_literal_escaped(tmp_path: Path) -> None:
    """The SHACL report quotes the graph's literals; a checksum holding a terminal title change, a colour, a
    right-to-left override and a carriage return fails its pattern and is shown as escapes, whatever stdout is."""
    write(
        tmp_path / "hostile.ttl",
        b"@prefix kg: <https://w3id.org/kg/ontology#> .\n"
        b"<https://w3id.org/kg/id/document/a> a kg:Document ; <http://purl.org/dc/terms/title> 'A' ;\n"
        b"  kg:sourcePath 'a.txt' ; kg:sha256 'X\\u001b]0;title\\u0007\\u001b[31mred\\u202eevil\\rEVIL' .\n",
    )
    result = kg("validate", "--graph", "hostile.ttl", cwd=tmp_path)
    line = assert_one_error_line(result, status=1)
    assert line == "kg: error: hostile.ttl: does not conform (1 violations)"
    assert "Focus Node: <https://w3id.org/kg/id/document/a>" in result.stdout, result.stdout
    assert r"X\x1b]0;title\x07\x1b[31mred\u202eevil\x0dEVIL" in result.stdout, result.stdout
    assert not any(c in result.stdout for c in "\x1b\x07\u202e\r"), ascii(result.stdout)


@pytest.mark.parametrize("args", [["--help"], ["build", "--help"], ["validate", "--help"]])
def test_help_exits_0_and_shows_an_example(tmp_path: Path, args: list[str]) -> None:
    result = kg(*args, cwd=tmp_path)
    assert result.returncode == 0
    assert "usage: kg" in result.stdout
    assert "examples:" in result.stdout
    assert result.stderr == ""


def test_version(tmp_path: Path) -> None:
    from kg import __version__

    result = kg("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"kg {__version__}"


@pytest.mark.parametrize("args", [["frobnicate"], ["build", "--no-such-option"], []])
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    result = kg(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "usage: kg" in result.stderr


def test_help_does_not_import_the_heavy_modules(tmp_path: Path) -> None:
    code = (
        "import sys, kg.cli; kg.cli.main(['--help'])\n"
        "print(sorted(m for m in ('spacy', 'rdflib') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "[]"


def test_main_returns_the_status_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err == f"kg: error: {tmp_path}/nowhere: no such file or folder\n"
    assert main(["--version"]) == 0


# The command's own work, run for real: the spaCy model, the pipeline and pySHACL on documents of a sentence
# or two. Builds run in-process where nothing needs a process of their own (the model then loads once), and as a
# process where the test needs one: a terminal as stderr, a signal, an exit status without a traceback.

KG_NS = "https://w3id.org/kg/ontology#"
ID = "https://w3id.org/kg/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SENTENCES = {
    "a.txt": "Security Minister Dan Jarvis said the review was published.\n",
    "b.md": "Home Secretary Yvette Cooper commissioned the Prevent review.\n",
}


@dataclass(frozen=True)
class Build:
    graph: Path
    status: int
    out: str
    err: str


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """One real build of two documents, a .txt and a .md, into a folder that does not exist yet."""
    folder = tmp_path_factory.mktemp("built")
    for name, text in SENTENCES.items():
        write(folder / "docs" / name, text.encode())
    graph = folder / "deep" / "graph.trig"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        store = ["--store", str(folder / ".kg"), "--root", str(folder)]  # not the repository's store
        status = main(["build", str(folder / "docs"), "-o", str(graph), "--model", DEFAULT_MODEL, *store])
    return Build(graph, status, out.getvalue(), err.getvalue())


def union(graph: Path) -> set[tuple[str, str, str]]:
    """The distinct triples of all the graphs in a TriG file, read by Oxigraph rather than by kg."""
    quads = pyoxigraph.parse(path=graph, format=pyoxigraph.RdfFormat.TRIG)
    return {(str(q.subject), str(q.predicate), str(q.object)) for q in quads}


def write_documents(folder: Path, count: int, text: str = SENTENCES["a.txt"]) -> Path:
    for i in range(count):
        write(folder / f"d{i:02}.txt", text.encode())
    return folder


def run_on_a_terminal(
    *args: str, cwd: Path, interrupt_at: str | None = None
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run `kg` with a pseudo-terminal as its stderr; optionally send SIGINT once `interrupt_at` is drawn.

    Returns the finished process (its stdout) and what it drew on the terminal, with the terminal's `\r\n` line
    ends made `\n` again.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    master, slave = pty.openpty()
    drawn = b""
    try:
        with subprocess.Popen(
            [sys.executable, "-m", "kg.cli", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=slave,
            text=True,
        ) as process:
            os.close(slave)
            slave = -1
            while True:
                ready, _, _ = select.select([master], [], [], 300)
                if not ready:
                    process.kill()
                    pytest.fail(f"kg {' '.join(args)}: no output on the terminal for 300 s")
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the process has closed the terminal, i.e. exited
                    break
                if not chunk:
                    break
                drawn += chunk
                if interrupt_at is not None and interrupt_at.encode() in drawn:
                    process.send_signal(signal.SIGINT)
                    interrupt_at = None
            stdout, _ = process.communicate(timeout=300)
    finally:
        os.close(master)
        if slave != -1:
            os.close(slave)
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, "")
    return result, drawn.decode().replace("\r\n", "\n")


def bar(done: int, total: int) -> str:
    filled = 30 * done // total
    return f"\r[{'#' * filled}{'-' * (30 - filled)}] {done:>{len(str(total))}}/{total} documents"


def test_build_writes_the_graph_and_one_summary_line(built: Build) -> None:
    triples = union(built.graph)
    typed = {(s, o) for s, p, o in triples if p == f"<{RDF_TYPE}>" and o.startswith(f"<{KG_NS}")}
    documents = {s for s, o in typed if o == f"<{KG_NS}Document>"}
    entities = {s for s, o in typed if o not in (f"<{KG_NS}Document>", f"<{KG_NS}Evidence>")}
    assert built.status == 0, built.err
    assert built.out == ""
    assert (
        built.err == f"kg: 2 documents, {len(entities)} entities, {len(triples)} triples -> {built.graph}\n"
    )
    docs = built.graph.parent.parent / "docs"
    assert documents == {f"<{document_iri(document_name(docs / n, docs.parent))}>" for n in ("a.txt", "b.md")}
    assert documents == {
        f"<{ID}document/docs/a.txt>",
        f"<{ID}document/docs/b.md>",
    }  # no folder above the root
    assert {f"<{ID}person/dan-jarvis>", f"<{ID}person/yvette-cooper>"} <= entities


def test_build_with_a_model_that_is_not_installed_exits_2_naming_it(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", SENTENCES["a.txt"].encode())
    previous = write(tmp_path / "g.ttl", b"# the previous graph\n")
    result = kg("build", "a.txt", "-o", "g.ttl", "--model", "no_such_model", cwd=tmp_path)
    line = assert_one_error_line(result)
    assert "'no_such_model' is not installed" in line
    assert previous.read_bytes() == b"# the previous graph\n"


@pytest.mark.parametrize("count", [10, 11])
def test_build_draws_a_progress_bar_on_a_terminal_for_more_than_10_documents(
    tmp_path: Path, count: int
) -> None:
    write_documents(tmp_path / "docs", count)
    result, drawn = run_on_a_terminal("build", "docs", "-o", "g.ttl", cwd=tmp_path)
    assert result.returncode == 0, drawn
    assert result.stdout == ""
    *bars, summary, end = drawn.split("\n")
    assert summary.startswith(f"kg: {count} documents, ")
    assert summary.endswith(" triples -> g.ttl")
    assert end == ""
    if count > 10:
        assert bars == ["".join(bar(done, count) for done in range(1, count + 1))]
    else:
        assert bars == []
    assert (tmp_path / "g.ttl").is_file()


def test_build_without_a_terminal_draws_no_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_documents(tmp_path / "docs", 11)
    store = ["--store", str(tmp_path / ".kg"), "--root", str(tmp_path)]
    assert main(["build", str(tmp_path / "docs"), "-o", str(tmp_path / "g.ttl"), *store]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err
    assert err.startswith("kg: 11 documents, ")
    assert err.count("\n") == 1


def test_build_interrupted_exits_130_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    # The first document is read at once; the others are long enough that the signal arrives while they are.
    write(tmp_path / "docs" / "d00.txt", SENTENCES["a.txt"].encode())
    long_text = " ".join(SENTENCES.values()) * 60
    for i in range(1, 11):
        write(tmp_path / "docs" / f"d{i:02}.txt", long_text.encode())
    result, drawn = run_on_a_terminal("build", "docs", "-o", "g.ttl", cwd=tmp_path, interrupt_at=bar(1, 11))
    assert result.returncode == 130, drawn
    assert "Traceback" not in drawn
    assert drawn.startswith(bar(1, 11))
    assert drawn.endswith("\nkg: interrupted\n")  # on a fresh line, not after the bar
    assert drawn.count("kg:") == 1
    assert not (tmp_path / "g.ttl").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["docs"]  # no temporary file left either


def test_validate_a_conforming_graph_exits_0_and_prints_the_report(built: Build) -> None:
    result = kg("validate", str(built.graph), cwd=built.graph.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == ["Validation", "Report", "Conforms:", "True"]
    assert result.stderr == ""


def test_validate_checks_the_union_of_the_named_graphs_and_exits_1_when_it_does_not_conform(
    built: Build, tmp_path: Path
) -> None:
    import rdflib

    ds = read_graph(built.graph)  # an rdflib Dataset
    person = rdflib.URIRef(ID + "person/dan-jarvis")
    other_document = ds.graph(
        rdflib.URIRef(
            document_iri(
                document_name(built.graph.parent.parent / "docs" / "b.md", built.graph.parent.parent)
            )
        )
    )
    assert (person, None, None) not in other_document
    # Each named graph has at most one label for him; only their union has two.
    other_document.add((person, rdflib.RDFS.label, rdflib.Literal("Daniel Jarvis")))
    graph = tmp_path / "two-labels.trig"
    write_graph(ds, graph)
    result = kg("validate", graph.name, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("Validation Report\nConforms: False\nResults (1):\n")
    assert f"Focus Node: <{person}>" in result.stdout
    assert "Result Path: rdfs:label" in result.stdout
    assert result.stderr == "kg: error: two-labels.trig: does not conform (1 violations)\n"

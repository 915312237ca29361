"""The `kg` command as a user meets it: run as a real process, exit codes, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kg.cli import main

ROOT = Path(__file__).resolve().parent.parent


def kg(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def assert_one_error_line(result: subprocess.CompletedProcess[str], status: int = 2) -> str:
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kg: error: ")
    return lines[0]


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
        "no .txt or .md documents",
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


def test_validate_default_is_exports_graph(tmp_path: Path) -> None:
    line = assert_one_error_line(kg("validate", cwd=tmp_path))
    assert line == "kg: error: exports/graph.ttl: no such file"


def test_validate_unparseable_file_exits_2(tmp_path: Path) -> None:
    write(tmp_path / "bad.ttl", b"this is not turtle\n")
    line = assert_one_error_line(kg("validate", "bad.ttl", cwd=tmp_path))
    assert line.startswith("kg: error: bad.ttl: not valid turtle")


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


# In-process tests of the command's own work, with the pipeline and the validator replaced by stand-ins, so
# that they test the shell (options, writing, summary, exit codes), not the extraction.

KG_NS = "https://w3id.org/kg/ontology#"


def fake_build_graph(documents, *, model=None, progress=None):  # type: ignore[no-untyped-def]
    import rdflib

    ds = rdflib.Dataset()
    kg_ns = rdflib.Namespace(KG_NS)
    person = rdflib.URIRef("https://w3id.org/kg/id/person/david-amess")
    ds.default_graph.add((person, rdflib.RDF.type, kg_ns.Person))
    ds.default_graph.add((person, rdflib.RDFS.label, rdflib.Literal("David Amess")))
    for done, doc in enumerate(documents, 1):
        iri = rdflib.URIRef(f"https://w3id.org/kg/id/document/{doc.name}")
        ds.graph(iri).add((iri, rdflib.RDF.type, kg_ns.Document))
        ds.default_graph.add((person, kg_ns.mentionedIn, iri))
        if progress is not None:
            progress(done, len(documents))
    fake_build_graph.calls.append(
        {"model": model, "progress": progress, "names": [d.name for d in documents]}
    )
    return ds


fake_build_graph.calls = []  # type: ignore[attr-defined]


@pytest.fixture
def fake_pipeline(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    import types

    module = types.ModuleType("kg.pipeline")
    module.build_graph = fake_build_graph  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kg.pipeline", module)
    fake_build_graph.calls = []  # type: ignore[attr-defined]
    return fake_build_graph.calls  # type: ignore[attr-defined,no-any-return]


def fake_validator(monkeypatch: pytest.MonkeyPatch, *, conforms: bool) -> None:
    import types

    from kg.validate import ValidationResult

    module = types.ModuleType("kg.validate")
    module.validate = lambda graph: ValidationResult(  # type: ignore[attr-defined]
        conforms=conforms,
        report=f"Conforms: {conforms} ({len(graph)} triples)",
        violations=0 if conforms else 3,
    )
    monkeypatch.setitem(sys.modules, "kg.validate", module)


def test_build_writes_the_graph_and_one_summary_line(
    tmp_path: Path, fake_pipeline: list[dict[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "docs" / "a.txt", b"Alpha.")
    write(tmp_path / "docs" / "b.md", b"Beta.")
    out = tmp_path / "deep" / "graph.nt"
    assert main(["build", str(tmp_path / "docs"), "-o", str(out), "--model", "my_model"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"kg: 2 documents, 1 entities, 6 triples -> {out}\n"
    assert len(out.read_bytes().splitlines()) == 6
    assert fake_pipeline == [{"model": "my_model", "progress": None, "names": ["a.txt", "b.md"]}]


def test_build_draws_a_progress_bar_on_a_terminal_for_many_documents(
    tmp_path: Path,
    fake_pipeline: list[dict[str, object]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for i in range(12):
        write(tmp_path / "docs" / f"d{i:02}.txt", b"Text.")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["build", str(tmp_path / "docs"), "-o", str(tmp_path / "g.ttl")]) == 0
    err = capsys.readouterr().err
    assert err.count("\r") == 12
    assert "12/12 documents\n" in err
    assert fake_pipeline[0]["progress"] is not None


def test_build_without_a_terminal_draws_no_progress(
    tmp_path: Path, fake_pipeline: list[dict[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(12):
        write(tmp_path / "docs" / f"d{i:02}.txt", b"Text.")
    assert main(["build", str(tmp_path / "docs"), "-o", str(tmp_path / "g.ttl")]) == 0
    assert "\r" not in capsys.readouterr().err
    assert fake_pipeline[0]["progress"] is None


def test_build_interrupted_exits_130_with_one_line(
    tmp_path: Path,
    fake_pipeline: list[dict[str, object]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sys.modules["kg.pipeline"], "build_graph", interrupted)
    write(tmp_path / "a.txt", b"Alpha.")
    assert main(["build", str(tmp_path / "a.txt"), "-o", str(tmp_path / "g.ttl")]) == 130
    assert capsys.readouterr().err == "kg: interrupted\n"
    assert not (tmp_path / "g.ttl").exists()


@pytest.mark.parametrize(("conforms", "status"), [(True, 0), (False, 1)])
def test_validate_prints_the_report_and_exits_by_conformance(
    tmp_path: Path,
    fake_pipeline: list[dict[str, object]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    conforms: bool,
    status: int,
) -> None:
    write(tmp_path / "a.txt", b"Alpha.")
    graph = tmp_path / "g.trig"
    assert main(["build", str(tmp_path / "a.txt"), "-o", str(graph)]) == 0
    capsys.readouterr()
    fake_validator(monkeypatch, conforms=conforms)
    assert main(["validate", str(graph)]) == status
    captured = capsys.readouterr()
    assert captured.out == f"Conforms: {conforms} (4 triples)\n"  # the union of the named graphs
    if conforms:
        assert captured.err == ""
    else:
        assert captured.err == f"kg: error: {graph}: does not conform (3 violations)\n"

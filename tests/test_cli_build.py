"""`kg build` and `kg validate` end to end on the seed document (needs the pipeline and the spaCy model)."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

import pyoxigraph
import pytest
from helpers import ROOT
from helpers import kg as run_kg

kg = functools.partial(run_kg, timeout=600)  # a build of the whole development set
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    folder = tmp_path_factory.mktemp("build")
    out = folder / "out.ttl"
    return out, kg("build", str(SEEDS), "-o", str(out), "--root", str(ROOT), cwd=folder)


def test_build_seed_exits_0_with_one_summary_line(
    built: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    out, result = built
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("kg: 1 document, ")
    assert line.endswith(f"-> {out}")


def test_built_graph_parses(built: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = built
    triples = list(pyoxigraph.parse(path=out, format=pyoxigraph.RdfFormat.TURTLE))
    assert len(triples) > 0


def test_built_graph_validates(built: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = built
    result = kg("validate", str(out), cwd=out.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_building_again_gives_the_same_bytes(
    built: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    out, _ = built
    again = tmp_path / "again.ttl"
    result = kg("build", str(SEEDS), "-o", str(again), "--root", str(ROOT), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert again.read_bytes() == out.read_bytes()


def test_build_defaults_read_seeds_and_write_exports_graph(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "doc.txt").write_bytes((SEEDS / "prevent-learning-review-amess.txt").read_bytes())
    result = kg("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "exports" / "graph.ttl").is_file()

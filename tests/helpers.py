"""What the tests that run the `kg` command share: running it as a real subprocess, and reading its outcome."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Invented people for generated test documents: FIRST[i] LAST[j].
FIRST = [
    "Tom",
    "Clara",
    "Nadia",
    "Gareth",
    "Ruth",
    "Imran",
    "Alma",
    "Bryn",
    "Cora",
    "Dilys",
    "Ewan",
    "Fenella",
]
LAST = ["Ashdown", "Venn", "Okafor", "Mullins", "Pellow", "Castell", "Brierley", "Quayle", "Tennant", "Oakes"]


def kg_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a `kg` subprocess runs in: this checkout first on the import path."""
    return {**os.environ, "PYTHONPATH": str(ROOT), **(extra or {})}


def kg(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`kg ARGS` run in `cwd`, with its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args],
        cwd=cwd,
        env=kg_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """The result of a command that must succeed without a traceback."""
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def one_error_line(result: subprocess.CompletedProcess[str], status: int = 2, *, quiet: bool = False) -> str:
    """The one line a failing command writes on stderr ("kg: error: ..."), with its exit status; with `quiet`,
    nothing on stdout either."""
    assert result.returncode == status, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kg: error: "), lines[0]
    if quiet:
        assert result.stdout == ""
    return lines[0]

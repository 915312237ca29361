"""Docs that can run, do: the README's commands and examples are executed, and every command has an example.

The README's ```console blocks that start with `$ kg ` are run in order, in a temporary folder holding a copy of
`seeds/` (so that the defaults, `seeds/` and `exports/graph.ttl`, resolve there); each must exit 0 and print exactly
what the README shows, counts included: when extraction changes them, README changes with it. The ```turtle excerpt of the built
graph must be in the graph that the build wrote, and the ```python example must run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import rdflib

import kg
from kg import errors

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
KG = [sys.executable, "-m", "kg.cli"]


@dataclass(frozen=True)
class Command:
    args: list[str]
    output: list[str]  # the lines the README shows after it

    def __str__(self) -> str:
        return shlex.join(["kg", *self.args])


def fenced_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


def readme_commands() -> list[Command]:
    commands: list[Command] = []
    for block in fenced_blocks(README.read_text(encoding="utf-8"), "console"):
        if not block.startswith("$ kg "):
            continue
        for line in block.splitlines():
            if line.startswith("$ "):
                args = shlex.split(line[2:])
                assert args[0] == "kg", line
                commands.append(Command(args[1:], []))
            elif line.strip():
                commands[-1].output.append(line)
    return commands


def help_subcommands() -> list[str]:
    """The subcommands `kg --help` lists under "commands:"."""
    result = subprocess.run([*KG, "--help"], cwd=ROOT, capture_output=True, text=True, check=True)
    section = result.stdout.split("\ncommands:\n", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^ {4}(\S+)\s", section, flags=re.MULTILINE)


COMMANDS = readme_commands()
SUBCOMMANDS = help_subcommands()


def kg_run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([*KG, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    shutil.copytree(ROOT / "tests" / "corpus", folder / "tests" / "corpus")
    return folder


@pytest.fixture(scope="module")
def ran(workspace: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every README command, run once, in README order (`kg validate` checks what `kg build` wrote)."""
    return {str(command): kg_run(command.args, workspace) for command in COMMANDS}


def test_readme_has_runnable_commands() -> None:
    assert [str(c) for c in COMMANDS][:2] == ["kg build", "kg validate"]


@pytest.mark.parametrize("command", COMMANDS, ids=str)
def test_readme_command_exits_0_and_prints_what_the_readme_shows(
    ran: dict[str, subprocess.CompletedProcess[str]], command: Command
) -> None:
    result = ran[str(command)]
    assert result.returncode == 0, result.stderr
    printed = {line.strip() for line in (result.stdout + result.stderr).splitlines()}
    for line in command.output:  # exactly, counts included: README's numbers come from a real run
        assert line.strip() in printed, f"{command}: README shows {line!r}; kg printed:\n{result}"


def test_readme_names_no_path_outside_the_repository() -> None:
    text = README.read_text(encoding="utf-8")
    # no path that climbs out of the repository ("b/../a.txt" stays inside it; a path that starts with ".." does not)
    climbing = re.findall(r"(?<![\w/.])\.\./[^\s`)]*", text)
    assert climbing == []
    links = re.findall(r"\]\(([^)#]+)", text)
    outside = [
        link for link in links if not link.startswith(("http://", "https://")) and ".." in Path(link).parts
    ]
    assert outside == []
    for link in links:
        if not link.startswith(("http://", "https://")):
            assert (ROOT / link).exists(), link


def test_readme_turtle_excerpt_is_in_the_built_graph(
    ran: dict[str, subprocess.CompletedProcess[str]], workspace: Path
) -> None:
    assert ran["kg build"].returncode == 0, ran["kg build"].stderr
    built = rdflib.Graph().parse(workspace / "exports" / "graph.ttl", format="turtle")
    excerpt = fenced_blocks(README.read_text(encoding="utf-8"), "turtle")[0]  # the worked example's
    shown = rdflib.Graph().parse(data=excerpt, format="turtle")
    assert len(shown) > 0
    missing = [triple for triple in shown if triple not in built]
    assert missing == []


def test_readme_python_example_runs(tmp_path: Path) -> None:
    (example,) = fenced_blocks(README.read_text(encoding="utf-8"), "python")
    assert_example_runs(example, tmp_path)


def test_package_docstring_example_runs(tmp_path: Path) -> None:
    assert kg.__doc__ is not None
    after = kg.__doc__.split("::\n", 1)[1].splitlines()
    # The literal block: the indented (and blank) lines after "::", up to the first line that is not indented.
    block = after[: next(i for i, line in enumerate(after) if line and not line.startswith(" "))]
    assert_example_runs(textwrap.dedent("\n".join(block)), tmp_path)


def assert_example_runs(code: str, folder: Path) -> None:
    """Run `code` in a fresh Python, in a folder holding a copy of `seeds/`; it must write the graph."""
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert (folder / "exports" / "graph.ttl").is_file()


def test_help_lists_the_commands() -> None:
    assert {"build", "validate"} <= set(SUBCOMMANDS)


@pytest.mark.parametrize("subcommand", SUBCOMMANDS)
def test_every_command_has_an_example_in_its_help(subcommand: str) -> None:
    result = subprocess.run([*KG, subcommand, "--help"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "example" in result.stdout.lower()
    assert f"kg {subcommand}" in result.stdout.split("example", 1)[-1]


@pytest.mark.parametrize("subcommand", SUBCOMMANDS)
def test_every_command_is_in_the_readme_command_table(subcommand: str) -> None:
    assert f"| `kg {subcommand}" in README.read_text(encoding="utf-8")


def test_the_pictures_show_todays_viewer() -> None:
    """README's pictures of the viewer are made by docs/pictures.py, which records the hash of the viewer's code
    they show: a change to that code without new pictures fails here."""
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import pictures  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "docs"))
    record = json.loads((ROOT / "docs" / "pictures.json").read_text(encoding="utf-8"))
    assert record["viewer"] == pictures.viewer_hash(), (
        "the viewer's code changed since docs/*.png were made: run `python docs/pictures.py` and commit them"
    )
    text = README.read_text(encoding="utf-8")
    for name in record["pictures"]:
        assert (ROOT / "docs" / name).is_file(), name
        assert f"docs/{name}" in text, f"README does not show docs/{name}"


# ------------------------------------------------------------------------------------ README agrees with the code
def readme_section(title: str) -> str:
    """The text of README's `## title` section, up to the next `## ` heading."""
    text = README.read_text(encoding="utf-8")
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def bench_run() -> Any:
    """bench/run.py as a module (it imports bench/corpus.py from its own folder)."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        spec = importlib.util.spec_from_file_location("kg_bench_run", ROOT / "bench" / "run.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "bench"))


def figures(text: str) -> set[str]:
    """The numbers a text holds, thousands separators dropped ("1,000" and "1000" are one figure)."""
    return {n.replace(",", "") for n in re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?", text)}


def test_readme_benchmark_table_is_written_from_results_json() -> None:
    run = bench_run()
    results = json.loads((ROOT / "bench" / "results.json").read_text(encoding="utf-8"))
    start, end = run.README_MARKERS
    block = README.read_text(encoding="utf-8").split(start, 1)[1].split(end, 1)[0]
    assert results["table"] in block
    assert block == run.readme_block(results), (
        "README's table is not bench/results.json's: bench/run.py --readme"
    )


def test_readme_quotes_only_figures_of_the_benchmark_table() -> None:
    """The Benchmarks section's text quotes no figure that is not in its table (earlier runs: bench/HISTORY.md), and
    a sentence elsewhere that cites "(Benchmarks)" quotes only the table's figures too."""
    run = bench_run()
    start, end = run.README_MARKERS
    section = readme_section("Benchmarks")
    before, rest = section.split(start, 1)
    block, after = rest.split(end, 1)
    table = figures(block)
    assert figures(before + after) - table == set()
    text = README.read_text(encoding="utf-8").replace(section, "")
    sentences = re.split(r"(?<=\.)\s+", " ".join(text.split()))
    citing = [s for s in sentences if "Benchmarks" in s]
    assert citing
    for sentence in citing:
        assert figures(sentence) - table == set(), sentence


def parser_options() -> dict[str, list[list[str]]]:
    """Each subcommand of `kg` and its options (each option's strings), as argparse knows them."""
    from kg.cli import _parser

    (subparsers,) = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return {
        name: [
            [o for o in action.option_strings if o not in ("-h", "--help")]
            for action in sub._actions
            if set(action.option_strings) - {"-h", "--help"}
        ]
        for name, sub in subparsers.choices.items()
    }


@pytest.mark.parametrize("subcommand", sorted(parser_options()))
def test_every_option_is_in_the_readme_command_table(subcommand: str) -> None:
    (row,) = [
        line
        for line in README.read_text(encoding="utf-8").splitlines()
        if line.startswith(f"| `kg {subcommand}")
    ]
    missing = [
        strings
        for strings in parser_options()[subcommand]
        if not any(re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", row) for o in strings)
    ]
    assert missing == [], f"README's row for kg {subcommand} leaves out {missing}"


def test_readme_and_kg_help_list_every_exit_status_kg_uses() -> None:
    used = {value for name, value in vars(errors).items() if name.startswith("EXIT_")}
    result = subprocess.run([*KG, "--help"], cwd=ROOT, capture_output=True, text=True, check=True)
    listed = result.stdout.split("\nexit status:\n", 1)[1].split("\n\n", 1)[0]
    in_help = {int(code) for code in re.findall(r"^ {2}(\d+) ", listed, flags=re.MULTILINE)}
    table = README.read_text(encoding="utf-8").split("\nExit status:\n\n", 1)[1].split("\n\n", 1)[0]
    in_readme = {int(code) for code in re.findall(r"^\| (\d+) \|", table, flags=re.MULTILINE)}
    assert in_help == used
    assert in_readme == used


PLURALS = {"person": "people", "legislation": "legislation"}


def test_readme_opening_names_every_entity_class() -> None:
    from kg.ontology.lexicon import load_lexicon

    opening = " ".join(README.read_text(encoding="utf-8").split("\n\n", 2)[1].split()).lower()
    opening = opening.split(": the ", 1)[1].split(" they name", 1)[0].replace("organis", "organiz")
    named = {name.strip() for name in re.split(r",| and ", opening)}
    for cls in load_lexicon().entity_classes:
        words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", cls).lower()
        plural = PLURALS.get(words, words[:-1] + "ies" if words.endswith("y") else words + "s")
        assert plural in named, f"README's opening list of classes leaves out {cls} ({plural})"


def test_readme_says_how_to_run_the_checks_as_ci_does() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    opening = README.read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert " ".join(ci.split()) in " ".join(opening.split())
    for word in ("minutes", "Chromium", "Virtuoso", "apt-get", "root"):
        assert word in opening

"""The layers of `kg/` (docs/architecture.md): each imports only the layers below it, and no modules import each
other in a circle. Read from the source (every import, also those inside functions), so nothing has to run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

KG = Path(__file__).resolve().parent.parent / "kg"

#: Each layer, and the layers it may import (besides itself). Anything not listed may not be imported.
LAYERS: dict[str, set[str]] = {
    "base": set(),
    "ontology": {"base"},
    "text": {"base", "ontology"},
    "extract": {"base", "ontology", "text"},
    "graph": {"base", "ontology", "text"},
    "outputs": {"base", "ontology", "graph"},
    "cluster": {"base", "ontology", "text", "extract"},
    "pipeline": {"base", "ontology", "text", "extract", "graph", "cluster"},
    "learn": {"base", "ontology", "text", "extract"},
    "evaluate": {"base", "ontology", "text", "extract", "graph", "outputs", "cluster", "pipeline"},
    "facade": {"base", "ontology", "text", "extract", "graph", "outputs", "cluster", "pipeline"},
}
LAYERS["cli"] = set(LAYERS)  # the shell imports everything; nothing imports it


def layer_of(module: str) -> str:
    parts = module.split(".")
    if module == "kg":
        return "facade"  # kg/__init__.py: the public API, imported lazily
    if parts[1] in ("errors", "model"):
        return "base"
    if parts[1] in LAYERS.keys() - {"base", "facade"}:
        return parts[1]
    raise AssertionError(
        f"{module}: in no layer; add it to one (tests/test_architecture.py, docs/architecture.md)"
    )


def module_name(path: Path) -> str:
    parts = list(path.relative_to(KG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    return imports_in(path.read_text(encoding="utf-8"), package)


def imports_in(source: str, package: str) -> set[str]:
    """The kg modules a file imports, anywhere in it (`from kg.x import y` counts as kg.x, and as kg.x.y when
    that is a module); `package` places relative imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name == "kg" or a.name.startswith("kg.")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                up = parts[: len(parts) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            if base != "kg" and not base.startswith("kg."):
                continue
            found.add(base)
            for a in node.names:
                path = KG.parent / f"{base}.{a.name}".replace(".", "/")
                if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file():
                    found.add(f"{base}.{a.name}")
    return found


def import_graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in sorted(KG.rglob("*.py"))}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The circles of the graph (Tarjan's strongly connected components with more than one module, and modules
    that import themselves)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, ()):
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def violations(graph: dict[str, set[str]]) -> list[str]:
    """Every import against the layers: a module importing a layer above or beside its own."""
    out = []
    for module, imported in sorted(graph.items()):
        mine = layer_of(module)
        for target in sorted(imported):
            theirs = layer_of(target)
            if theirs == "facade" and mine == "cli":
                continue
            if theirs != mine and theirs not in LAYERS[mine]:
                out.append(f"{module} ({mine}) imports {target} ({theirs})")
    return out


# ---------------------------------------------------------------------------------------------- the checks
def test_no_modules_import_each_other_in_a_circle() -> None:
    graph = {m: {i for i in imported if i != "kg"} for m, imported in import_graph().items() if m != "kg"}
    assert cycles(graph) == []


def test_every_import_follows_the_layers() -> None:
    assert violations(import_graph()) == []


def test_nothing_imports_the_command_line() -> None:
    importers = [m for m, imported in import_graph().items() if "kg.cli" in imported and m != "kg.cli"]
    assert importers == []


def test_every_module_says_in_one_line_what_it_is_for() -> None:
    """Each module's docstring opens with one whole sentence on a line of its own."""
    unclear = []
    for path in sorted(KG.rglob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        lines = doc.splitlines() or [""]
        if not lines[0].rstrip().endswith(".") or (len(lines) > 1 and lines[1].strip()):
            unclear.append(module_name(path))
    assert unclear == []


# ---------------------------------------------------------------------------------- the extraction components
#: About 400 lines at most: a module of kg/extract/ that grows past it holds more than one component's job.
EXTRACT_MODULE_LINES = 420


def test_every_extraction_component_is_in_the_order_and_in_the_architecture_page() -> None:
    """Each class of kg/extract/ that is a Component is in COMPONENTS (or a base of ones that are), once, with
    a line in docs/architecture.md naming it and its module."""
    from kg.extract.analysis import Component
    from kg.extract.components import COMPONENTS

    classes: set[str] = set()
    for path in sorted((KG / "extract").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and b.id in ("Component", "Triggers") for b in node.bases
            ):
                classes.add(node.name)
    assert classes - {"Triggers"} == {c.__name__ for c in COMPONENTS}
    assert all(issubclass(c, Component) for c in COMPONENTS)
    page = (KG.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    for c in COMPONENTS:
        module = c.__module__.rsplit(".", 1)[1]
        assert f"| `{c.name}` | `{module}` |" in page, c.name


def test_no_extraction_module_is_longer_than_about_400_lines() -> None:
    long = {
        p.name: n
        for p in (KG / "extract").glob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > EXTRACT_MODULE_LINES
    }
    assert long == {}


# ---------------------------------------------------------------------------------------------- the checker
def test_the_checker_sees_a_circle_and_a_climb() -> None:
    """The checks above would fail on a circle or an import against the layers: shown on a made-up graph."""
    graph = {
        "kg.graph.store": {"kg.extract.document"},  # graph importing extraction
        "kg.extract.document": {"kg.extract.resolve"},
        "kg.extract.resolve": {"kg.extract.document"},  # a circle
        "kg.text.read": {"kg.outputs.viz"},  # text importing outputs
        "kg.outputs.viz": {"kg.cli"},  # anything importing the CLI
        "kg.cli": set(),
    }
    assert cycles(graph) == [["kg.extract.document", "kg.extract.resolve"]]
    assert violations(graph) == [
        "kg.graph.store (graph) imports kg.extract.document (extract)",
        "kg.outputs.viz (outputs) imports kg.cli (cli)",
        "kg.text.read (text) imports kg.outputs.viz (outputs)",
    ]


def test_the_reader_sees_every_kind_of_import() -> None:
    code = (
        "import kg.outputs.viz\n"
        "from .files import quads_of\n"
        "from kg.text import read\n"
        "def f():\n"
        "    from kg.graph.store import Store\n"
        "if TYPE_CHECKING:\n"
        "    from kg.pipeline import build_graph\n"
    )
    assert imports_in(code, "kg.graph") == {
        "kg.outputs.viz",
        "kg.graph.files",
        "kg.text",
        "kg.text.read",
        "kg.graph.store",
        "kg.pipeline",
    }


@pytest.mark.parametrize("module", ["kg.graph.store", "kg.graph.identity", "kg.graph.rdfmap"])
def test_the_graph_side_does_not_load_extraction(module: str) -> None:
    """Importing the store, identity or the RDF mapping loads neither spaCy nor any extraction module: a query
    or a server never pays for the model."""
    import subprocess
    import sys

    code = (
        f"import sys, {module}; "
        "bad = sorted(m for m in sys.modules if m == 'spacy' or m.startswith('kg.extract') or m == 'kg.pipeline'); "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""

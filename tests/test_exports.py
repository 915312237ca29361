"""Exports that other tools read: every RDF format parses back (with pyoxigraph, an independent parser) to the same
graph, GraphML reads back with networkx, CSV with the csv module, and the committed exports equal a fresh build."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from helpers import FORMULA_START, from_spreadsheet

from kg.outputs.tables import spreadsheet_cell

ROOT = Path(__file__).resolve().parents[1]
RDF_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
}


def kg(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "kg.cli", *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed documents in a store, exported in every format."""
    folder = tmp_path_factory.mktemp("exports")
    # as README's main job runs in the repository: the store beside seeds/, so the document is "seeds/NAME"
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    kg("build", "seeds", "-o", "graph.ttl", "--store", "store", cwd=folder)
    for ext in (*RDF_FORMATS, ".graphml", ".csv"):
        kg("export", "-o", f"graph{ext}", "--store", "store", cwd=folder)
    kg("viz", "-o", "graph.html", "--store", "store", cwd=folder)
    return folder


def store_quads(folder: Path) -> set[tuple[str, str, str, str]]:
    store = ox.Store.read_only(str(folder / "store" / "oxigraph"))
    return {(str(q.subject), str(q.predicate), str(q.object), str(q.graph_name)) for q in store}


def parsed(path: Path) -> set[tuple[str, str, str, str]]:
    quads = ox.parse(path=path, format=RDF_FORMATS[path.suffix])
    return {(str(q.subject), str(q.predicate), str(q.object), str(q.graph_name)) for q in quads}


def same_literals(quads: set[tuple[str, str, str, str]]) -> set[tuple[str, str, str, str]]:
    """xsd:dateTime lexical forms may differ in how they write UTC; nothing else may."""
    return {(s, p, o.replace('Z"', '+00:00"'), g) for s, p, o, g in quads}


@pytest.mark.parametrize("ext", [".trig", ".nq"])
def test_quad_formats_give_back_the_store(built: Path, ext: str) -> None:
    assert same_literals(parsed(built / f"graph{ext}")) == same_literals(store_quads(built))


@pytest.mark.parametrize("ext", [".ttl", ".nt", ".jsonld"])
def test_triple_formats_give_back_the_union(built: Path, ext: str) -> None:
    union = {(s, p, o, "DEFAULT") for s, p, o, _ in same_literals(store_quads(built))}
    got = {(s, p, o, "DEFAULT") for s, p, o, _ in same_literals(parsed(built / f"graph{ext}"))}
    assert got == union


def test_exports_are_deterministic(built: Path, tmp_path: Path) -> None:
    for ext in (*RDF_FORMATS, ".graphml", ".csv"):
        kg("export", "-o", str(tmp_path / f"again{ext}"), "--store", str(built / "store"), cwd=built)
        assert (tmp_path / f"again{ext}").read_bytes() == (built / f"graph{ext}").read_bytes(), ext


def entity_and_relation_counts(folder: Path) -> tuple[int, int]:
    store = ox.Store.read_only(str(folder / "store" / "oxigraph"))
    prefixes = {"kg": "https://w3id.org/kg/ontology#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}
    classes = "kg:Person kg:Organization kg:Agency kg:PoliticalParty kg:Programme kg:Inquiry kg:Incident kg:Place kg:Post kg:Event"
    q = f"SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {{ ?e a ?c ; rdfs:label ?l VALUES ?c {{ {classes} }} }}"
    entities = int(next(iter(store.query(q, prefixes=prefixes, use_default_graph_as_union=True)))["n"].value)
    props = "kg:perpetrator kg:victim kg:place kg:commissionedBy kg:concerns kg:ledBy kg:holdsPost kg:memberOf kg:referredTo kg:involves"
    q = f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{
              ?s ?p ?o VALUES ?p {{ {props} }} ?s rdfs:label ?a . ?o rdfs:label ?b }} }}"""
    relations = int(next(iter(store.query(q, prefixes=prefixes, use_default_graph_as_union=True)))["n"].value)
    return entities, relations


def test_graphml_reads_back_with_networkx(built: Path) -> None:
    g = nx.read_graphml(built / "graph.graphml")
    entities, relations = entity_and_relation_counts(built)
    assert g.number_of_nodes() == entities and g.number_of_edges() == relations
    murder = g.nodes["https://w3id.org/kg/id/incident/murder-of-david-amess"]
    assert murder["label"] == "murder of David Amess" and murder["kgclass"] == "Incident"
    assert any(d["relation"] == "perpetrator" for _, _, d in g.edges(data=True))


def test_csv_tables(built: Path) -> None:
    with (built / "graph.entities.csv").open(encoding="utf-8", newline="") as f:
        entities = list(csv.DictReader(f))
    with (built / "graph.csv").open(encoding="utf-8", newline="") as f:
        relations = list(csv.DictReader(f))
    n_entities, n_relations = entity_and_relation_counts(built)
    assert len(entities) == n_entities
    assert len({(r["subject"], r["relation"], r["object"]) for r in relations}) == n_relations
    victim = [
        r for r in relations if r["relation"] == "victim" and r["subject_label"] == "murder of David Amess"
    ]
    assert victim and all(r["quote"] and r["document"] for r in victim)


TITLE = '=HYPERLINK("http://127.0.0.1/x","Northby report")'
SENTENCES = [
    "+Tom Ashdown murdered Clara Venn in Northby on 3 May 2021.",
    "-Alma Brierley killed Bryn Quayle in Westmere on 5 May 2021.",
]


def test_csv_cells_that_would_be_formulas_are_neutralised(tmp_path: Path) -> None:
    """A document's title and quotes that start with "=", "+" or "-" are written as text a spreadsheet shows and
    never runs: a single quote in front, the cell quoted; taking that quote off gives the text exactly."""
    (tmp_path / "formula.txt").write_text(TITLE + "\n\n" + "\n\n".join(SENTENCES) + "\n", encoding="utf-8")
    kg("add", "formula.txt", "--store", "store", cwd=tmp_path)
    kg("export", "-o", "graph.csv", "--store", "store", cwd=tmp_path)
    tables = {}
    for name in ("graph.csv", "graph.entities.csv"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        tables[name] = list(csv.DictReader(io.StringIO(text, newline="")))
        cells = [cell for row in tables[name] for cell in row.values()]
        assert cells and not [cell for cell in cells if FORMULA_START.match(cell)], name
        assert not re.search("(^|,)'", text, re.MULTILINE), "a neutralised cell is quoted"
    relations, entities = tables["graph.csv"], tables["graph.entities.csv"]
    assert {r["document"] for r in relations} == {r["documents"] for r in entities} == {"'" + TITLE}
    assert {r["quote"] for r in relations} == {"'" + s for s in SENTENCES}
    assert {from_spreadsheet(r["quote"]) for r in relations} == set(SENTENCES)
    assert {from_spreadsheet(r["document"]) for r in relations} == {TITLE}
    assert {r["label"] for r in entities} >= {"Tom Ashdown", "Clara Venn", "Westmere"}  # the rest as it was


#: The most added and removed triples (or lines) a stale snapshot's message lists.
SHOWN_CHANGES = 20


def snapshot_difference(committed: Path, fresh: Path) -> str:
    """What a fresh build changed in a committed export: the triples (of Turtle; else the pieces of the page: its
    lines, each JSON value apart) added and removed, the first SHOWN_CHANGES of each, and a question:
    intended (then say why), or a regression?"""
    if committed.suffix == ".ttl":
        what = "triple"
        old, new = (
            {str(t) for t in ox.parse(path=p, format=ox.RdfFormat.TURTLE)} for p in (committed, fresh)
        )
    else:
        what = "piece"
        old, new = (
            set(re.split(r"\n|(?<=[}\"]), (?=[{\"])", p.read_text(encoding="utf-8")))
            for p in (committed, fresh)
        )
    added, removed = sorted(new - old), sorted(old - new)
    lines = [
        f"exports/{committed.name} differs from a fresh build: {len(added)} {what}{'' if len(added) == 1 else 's'}"
        f" added, {len(removed)} removed"
        + ("" if added or removed else f" (the same {what}s, written in another order or another way)")
    ]
    for sign, changed in (("+", added), ("-", removed)):
        lines += [f"{sign} {change[:400]}" for change in changed[:SHOWN_CHANGES]]
        if len(changed) > SHOWN_CHANGES:
            lines.append(f"{sign} ... and {len(changed) - SHOWN_CHANGES} more")
    lines.append(
        "If the change is intended, say why in the commit message, then rebuild with `kg build && kg viz` and"
        " commit exports/; if it is not, this is a regression: fix the code, not the exports."
    )
    return "\n".join(lines)


@pytest.mark.parametrize("name", ["graph.ttl", "graph.html"])
def test_committed_exports_equal_a_fresh_build(built: Path, name: str) -> None:
    """exports/ holds the seed build of README's main job; a change to it is either meant (and said why) or a
    regression, and the failure lists what changed."""
    committed = ROOT / "exports" / name
    assert committed.read_bytes() == (built / name).read_bytes(), snapshot_difference(committed, built / name)


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        "+1",
        "-1",
        "@SUM(1)",
        " =1+1",
        "\xa0=1+1",
        " @SUM(1)",
        "\n=1+1",
        "\t1",
        "\r1",
        "\x001",
        "'=1",
        "' =1",
    ],
)
def test_a_cell_that_a_spreadsheet_would_run_gets_a_quote_and_comes_back(text: str) -> None:
    """Spaces before the formula (some importers trim them) and a leading NUL count as OWASP's characters do."""
    cell = spreadsheet_cell(text)
    assert cell == "'" + text and not FORMULA_START.match(cell)
    assert from_spreadsheet(cell) == text


@pytest.mark.parametrize("text", ["Tom Ashdown", "'quoted'", "a=b", "3 May 2021", "", " x", "''"])
def test_a_cell_that_would_not_run_is_the_text_exactly(text: str) -> None:
    assert spreadsheet_cell(text) == text == from_spreadsheet(text)

"""Exports, query answers and the endpoint as users of other tools read them: RDF/XML, the summary line's count
(quads for TriG and N-Quads), the CSV relation table's evidence columns (document IRI, page, offsets), readable
IRIs in CONSTRUCT answers, and `kg serve`'s query log, `--quiet`, and answers without repeated rows."""

from __future__ import annotations

import csv
import json
import re
import shutil
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from helpers import ROOT, kg, make_pdf, ok
from rdflib.compare import isomorphic
from test_server import CHROMIUM, Server, serving

from kg.errors import InputError
from kg.graph.files import Format, serialize

SEED = ROOT / "seeds" / "prevent-learning-review-amess.txt"
KG = "https://w3id.org/kg/ontology#"
ID = "https://w3id.org/kg/id/"


@pytest.fixture(scope="module")
def twice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`store/`: the seed and a copy of it under another name, so that every fact is stated by two documents."""
    folder = tmp_path_factory.mktemp("twice")
    (folder / "docs").mkdir()
    shutil.copy(SEED, folder / "docs" / SEED.name)
    shutil.copy(SEED, folder / "docs" / "copy.txt")
    ok(kg("add", "docs", "--store", "store", cwd=folder))
    return folder


# ---------------------------------------------------------------------- RDF/XML
def test_rdfxml_export_is_the_turtle_graph_and_the_same_bytes_each_time(twice: Path) -> None:
    for name in ("a.rdf", "b.rdf", "g.ttl"):
        ok(kg("export", "-o", name, "--store", "store", cwd=twice))
    assert (twice / "a.rdf").read_bytes() == (twice / "b.rdf").read_bytes()
    xml = rdflib.Graph().parse(twice / "a.rdf", format="xml")  # RDFLib's parser: expat, a strict XML parser
    turtle = rdflib.Graph().parse(twice / "g.ttl", format="turtle")
    assert len(xml) == len(turtle) > 500
    assert isomorphic(xml, turtle)


def test_rdfxml_keeps_carriage_returns_and_replaces_what_xml_cannot_hold() -> None:
    ds = rdflib.Dataset()
    s, p = rdflib.URIRef(f"{ID}document/a.pdf"), rdflib.URIRef(f"{KG}text")
    ds.default_graph.add((s, p, rdflib.Literal("page one\x0cpage two\r\nend\r")))
    ds.default_graph.add((rdflib.BNode("x"), rdflib.URIRef(f"{KG}quote"), rdflib.Literal("<b> & \"'")))
    back = rdflib.Graph().parse(data=serialize(ds, Format.RDFXML), format="xml")
    assert set(back.objects(s, p)) == {rdflib.Literal("page one\ufffdpage two\r\nend\r")}
    assert set(back.objects(None, rdflib.URIRef(f"{KG}quote"))) == {rdflib.Literal("<b> & \"'")}


@pytest.mark.parametrize("iri", ["http://example.org/p/", "http://example.org/1"])
def test_rdfxml_refuses_a_property_it_cannot_name(iri: str) -> None:
    ds = rdflib.Dataset()
    ds.default_graph.add((rdflib.URIRef("http://example.org/s"), rdflib.URIRef(iri), rdflib.Literal("x")))
    with pytest.raises(InputError, match="RDF/XML cannot name the property"):
        serialize(ds, Format.RDFXML)


# ---------------------------------------------------------------------- what the summary line counts
@pytest.mark.parametrize(
    ("name", "fmt", "unit"),
    [
        ("g.trig", ox.RdfFormat.TRIG, "quads"),
        ("g.nq", ox.RdfFormat.N_QUADS, "quads"),
        ("g.ttl", ox.RdfFormat.TURTLE, "triples"),
        ("g.rdf", ox.RdfFormat.RDF_XML, "triples"),
    ],
)
def test_export_counts_what_the_file_holds(twice: Path, name: str, fmt: ox.RdfFormat, unit: str) -> None:
    result = ok(kg("export", "-o", name, "--store", "store", cwd=twice))
    held = len(list(ox.parse(path=twice / name, format=fmt)))
    m = re.fullmatch(rf"kg: (\d+) entities, (\d+) {unit} -> {re.escape(name)}\n", result.stderr)
    assert m is not None, result.stderr
    assert int(m[2]) == held


def test_export_of_a_dataset_format_says_quads_not_triples(twice: Path) -> None:
    """Two documents state the same facts: TriG holds more quads than the union has triples."""
    trig = ok(kg("export", "-o", "x.trig", "--store", "store", cwd=twice)).stderr
    ttl = ok(kg("export", "-o", "x.ttl", "--store", "store", cwd=twice)).stderr
    quads = int(re.findall(r"(\d+) quads", trig)[0])
    triples = int(re.findall(r"(\d+) triples", ttl)[0])
    assert quads > triples


# ---------------------------------------------------------------------- the CSV relation table
def test_csv_relation_rows_give_document_iri_page_and_offsets(tmp_path: Path) -> None:
    filler = ["The council met on Tuesday to discuss the budget for the coming year."] * 3
    fact = "Tom Ashdown murdered Clara Venn in Northby on 3 May 2021."
    (tmp_path / "report.pdf").write_bytes(make_pdf([filler, [fact]]))
    ok(kg("add", "report.pdf", "--store", "store", cwd=tmp_path))
    ok(kg("export", "-o", "graph.csv", "--store", "store", cwd=tmp_path))
    text = ok(kg("text", "report.pdf", "--store", "store", cwd=tmp_path)).stdout
    status = json.loads(ok(kg("status", "--json", "--store", "store", cwd=tmp_path)).stdout)
    iris = {d["iri"] for d in status["documents"]}
    with (tmp_path / "graph.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and {"document", "document_iri", "page", "start", "end", "quote"} <= set(rows[0])
    assert {r["document_iri"] for r in rows} == iris
    victim = [r for r in rows if r["relation"] == "victim"]
    assert victim
    for r in rows:
        assert text[int(r["start"]) : int(r["end"])] == r["quote"]
    assert {r["page"] for r in victim} == {"2"}


# ---------------------------------------------------------------------- CONSTRUCT answers
CONSTRUCT = "CONSTRUCT { ?q a kg:Inquiry ; rdfs:label ?l } WHERE { ?q a kg:Inquiry ; rdfs:label ?l }"


def test_construct_writes_iris_a_person_can_read(twice: Path) -> None:
    out = ok(kg("query", CONSTRUCT, "--store", "store", cwd=twice)).stdout
    triples = {q.triple for q in ox.parse(out.encode("utf-8"), format=ox.RdfFormat.TURTLE)}
    inquiries = {t.subject.value for t in triples}
    assert inquiries and all(iri.startswith(f"{ID}inquiry/") for iri in inquiries)  # a "/" in the local part
    assert "\\" not in out
    for iri in inquiries:
        assert f"<{iri}>" in out
    assert "a kg:Inquiry" in out  # a prefixed name where it needs no escape


# ---------------------------------------------------------------------- kg serve
def post(server: Server, query: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        server.endpoint,
        data=urllib.parse.urlencode({"query": query}).encode(),
        headers={"Accept": "application/sparql-results+json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.read()


def next_line(server: Server) -> str:
    line = server.lines.get(timeout=30)
    assert line is not None, "kg serve ended"
    return line


LOG = re.compile(r"kg serve: (\S+) (\d{3}) (\d+ rows?|\d+ triples?|-) (\d+) ms (.*)\n")


@pytest.fixture(scope="module")
def server(twice: Path) -> Iterator[Server]:
    with serving("--store", "store", cwd=twice) as s:
        yield s


def test_each_query_is_logged_in_one_line(server: Server) -> None:
    status, _ = post(server, "SELECT DISTINCT ?l WHERE { ?i a kg:Incident ; rdfs:label ?l }")
    assert status == 200
    m = LOG.fullmatch(next_line(server))
    assert m is not None
    assert m[2] == "200" and m[3] == "3 rows"
    assert m[5].startswith("SELECT DISTINCT ?l WHERE")
    status, _ = post(server, "SELECT \x1b[2J\u202e ?x WHERE")  # malformed, and hostile to a terminal
    assert status == 400
    line = next_line(server)
    m = LOG.fullmatch(line)
    assert m is not None and m[2] == "400" and m[3] == "-"
    assert "\x1b" not in line and "\u202e" not in line and "\\x1b[2J\\u202e" in line


def test_quiet_logs_no_query(twice: Path) -> None:
    with serving("--store", "store", "--quiet", cwd=twice) as quiet:
        assert post(quiet, "ASK { ?s ?p ?o }")[0] == 200
        assert post(quiet, "SELECT ?x WHERE")[0] == 400
    lines = []
    while (line := quiet.lines.get(timeout=30)) is not None:
        lines.append(line)
    assert lines == ["kg: interrupted\n"]  # what Ctrl-C gives; no line for either query


def rows(server: Server, query: str) -> list[tuple[str, ...]]:
    status, body = post(server, query)
    assert status == 200, body
    data = json.loads(body)
    names = data["head"]["vars"]
    return [tuple(json.dumps(b.get(v), sort_keys=True) for v in names) for b in data["results"]["bindings"]]


def test_the_page_example_and_saved_queries_give_each_row_once(server: Server) -> None:
    """Every fact of the store is stated by two documents: no answer may repeat a row."""
    with urllib.request.urlopen(server.base + "/", timeout=60) as response:
        page = response.read().decode("utf-8")
    example = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)
    assert example is not None
    queries = {"the page's example": example[1]}
    queries |= {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))}
    for name, query in queries.items():
        answer = rows(server, query)
        assert len(answer) == len(set(answer)), name
        if name == "the page's example":
            assert len(answer) == 3


def test_the_page_shows_the_row_count_in_another_colour_than_errors(server: Server) -> None:
    from playwright.sync_api import sync_playwright  # a development dependency, as for the viewer's tests

    assert CHROMIUM.is_file(), f"{CHROMIUM} is missing: .ci/run installs Debian's chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route(re.compile(r"^(?!http://127\.0\.0\.1:)"), lambda route: route.abort())
            page.goto(server.base + "/")
            page.click("button[type=submit]")
            page.wait_for_function("() => / rows?$/.test(document.getElementById('msg').textContent)")
            count = page.eval_on_selector("#msg", "e => [e.textContent, getComputedStyle(e).color]")
            page.fill("#q", "SELECT ?x WHERE")
            page.click("button[type=submit]")
            page.wait_for_function("() => /^(?!.* rows?$)./.test(document.getElementById('msg').textContent)")
            error = page.eval_on_selector("#msg", "e => [e.textContent, getComputedStyle(e).color]")
        finally:
            browser.close()
    assert count[0] == "3 rows"
    assert error[0].strip()
    assert count[1] != error[1]

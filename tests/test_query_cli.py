"""`kg query` end to end, as real processes: a store built from the seed document with `kg add`, queries given as
text, as a .rq file and by a saved query's name, every result format (the default one on a terminal, under a
pty), CONSTRUCT, a graph file, RDFS reasoning, and the errors: malformed SPARQL, updates, a missing store."""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import pty
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers import ROOT, closed_port, kg, ok, sparql_stub
from helpers import one_error_line as any_error_line

from kg.graph.sparql import PREFIXES

one_error_line = functools.partial(any_error_line, quiet=True)
SEEDS = ROOT / "seeds"
ID = "https://w3id.org/kg/id/"
AMESS = f"{ID}incident/murder-of-david-amess"
ALI = f"{ID}person/ali-harbi-ali"
SRX = "{http://www.w3.org/2005/sparql-results#}"

#: Who killed whom: the perpetrators the seed names, by label (prefixes kg: and rdfs: are declared for us).
PERPETRATORS = (
    "SELECT DISTINCT ?name WHERE { ?i a kg:Incident ; kg:perpetrator/rdfs:label ?name } ORDER BY ?name"
)
KILLERS = {"Ali Harbi Ali", "Khairi Saadallah", "Usman Khan"}
COUNT_QUADS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def count_quads(store: Path, cwd: Path) -> int:
    return int(csv_rows(ok(kg("query", COUNT_QUADS, "--store", str(store), cwd=cwd)).stdout)[0]["n"])


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding `store/` (the seed document added by `kg add`) and `graph.trig` (the store exported)."""
    folder = tmp_path_factory.mktemp("query-cli")
    ok(kg("add", str(SEEDS), "--store", "store", "--root", str(ROOT), cwd=folder))
    ok(kg("export", "-o", "graph.trig", "--store", "store", cwd=folder))
    return folder


def query(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return ok(kg("query", *args, "--store", "store", cwd=work))


# ---------------------------------------------------------------------- QUERY: text, file, saved name
def test_query_as_text_with_declared_prefixes(work: Path) -> None:
    got = [r["name"] for r in csv_rows(query(work, PERPETRATORS, "--format", "csv").stdout)]
    assert set(got) == KILLERS
    assert got == sorted(got)


def test_query_as_rq_file(work: Path) -> None:
    (work / "sub").mkdir(exist_ok=True)
    (work / "sub" / "killers.rq").write_text(
        "# Who are the perpetrators?\n" + PERPETRATORS.replace(" WHERE", "\nWHERE\n") + "\n", encoding="utf-8"
    )
    from_file = query(work, "sub/killers.rq", "--format", "csv").stdout
    assert from_file == query(work, PERPETRATORS, "--format", "csv").stdout
    assert {r["name"] for r in csv_rows(from_file)} == KILLERS


def test_query_by_saved_name(work: Path) -> None:
    rows = csv_rows(query(work, "who-killed-whom", "--format", "csv").stdout)
    assert {
        "incident": "murder of David Amess",
        "perpetrator": "Ali Harbi Ali",
        "victim": "David Amess",
        "date": "2021-10-15",
        "place": "Leigh-on-Sea",
    } in rows
    # the same as running the saved file by its path
    assert rows == csv_rows(
        query(work, str(ROOT / "queries" / "who-killed-whom.rq"), "--format", "csv").stdout
    )


@pytest.mark.parametrize("arg", ["no-such-query", "missing.rq"])
def test_unknown_saved_query_or_file(work: Path, arg: str) -> None:
    line = one_error_line(kg("query", arg, "--store", "store", cwd=work))
    assert arg in line


def test_list_shows_every_saved_query_with_its_question(work: Path) -> None:
    out = ok(kg("query", "--list", cwd=work)).stdout.splitlines()
    files = sorted((ROOT / "queries").glob("*.rq"))
    assert files and len(out) == len(files)
    for path in files:
        question = next(
            line.lstrip("#").strip()
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("#")
        )
        assert question.endswith("?"), path
        line = next((line for line in out if line.split()[0] == path.stem), None)
        assert line is not None, (path.stem, out)
        assert line.endswith(question), line


# ---------------------------------------------------------------------- formats
SELECT = (
    f"SELECT ?incident ?label ?date WHERE {{ BIND(<{AMESS}> AS ?incident) "
    "?incident rdfs:label ?label ; kg:date ?date . FILTER(DATATYPE(?date) = xsd:date) }"
)


def test_format_json_is_sparql_results_json(work: Path) -> None:
    data = json.loads(query(work, SELECT, "--format", "json").stdout)
    assert data["head"]["vars"] == ["incident", "label", "date"]
    (row,) = {json.dumps(b, sort_keys=True) for b in data["results"]["bindings"]}
    assert json.loads(row) == {
        "incident": {"type": "uri", "value": AMESS},
        "label": {"type": "literal", "value": "murder of David Amess"},
        "date": {
            "type": "literal",
            "value": "2021-10-15",
            "datatype": "http://www.w3.org/2001/XMLSchema#date",
        },
    }


def test_format_csv(work: Path) -> None:
    rows = list(csv.reader(io.StringIO(query(work, SELECT, "--format", "csv").stdout)))
    assert rows[0] == ["incident", "label", "date"]
    assert rows[1] == [AMESS, "murder of David Amess", "2021-10-15"]


def test_format_tsv(work: Path) -> None:
    lines = query(work, SELECT, "--format", "tsv").stdout.splitlines()
    assert lines[0] == "?incident\t?label\t?date"
    assert lines[1].split("\t") == [
        f"<{AMESS}>",
        '"murder of David Amess"',
        '"2021-10-15"^^<http://www.w3.org/2001/XMLSchema#date>',
    ]


def test_format_md(work: Path) -> None:
    lines = query(work, SELECT, "--format", "md").stdout.splitlines()
    assert lines[0] == "| incident | label | date |"
    assert re.fullmatch(r"\|(-{3,}\|){3}", lines[1]), lines[1]
    cells = [c.strip() for c in lines[2].strip("|").split("|")]
    assert cells == ["kgi:incident/murder-of-david-amess", "murder of David Amess", "2021-10-15"]
    assert len(lines) == 3


def test_format_xml(work: Path) -> None:
    root = ET.fromstring(query(work, SELECT, "--format", "xml").stdout)
    assert root.tag == f"{SRX}sparql"
    assert [v.get("name") for v in root.iter(f"{SRX}variable")] == ["incident", "label", "date"]
    (result,) = root.iter(f"{SRX}result")
    bindings = {b.get("name"): b[0] for b in result}
    assert bindings["incident"].tag == f"{SRX}uri" and bindings["incident"].text == AMESS
    assert bindings["label"].text == "murder of David Amess"
    assert bindings["date"].get("datatype") == "http://www.w3.org/2001/XMLSchema#date"


def test_ask_in_json_and_xml(work: Path) -> None:
    ask = "ASK { ?i a kg:Incident ; kg:victim/rdfs:label 'David Amess' }"
    assert json.loads(query(work, ask, "--format", "json").stdout) == {"head": {}, "boolean": True}
    root = ET.fromstring(query(work, ask.replace("David", "Nobody"), "--format", "xml").stdout)
    assert root.tag == f"{SRX}sparql"
    assert root.find(f"{SRX}boolean") is not None and root.find(f"{SRX}boolean").text == "false"  # type: ignore[union-attr]


def run_on_pty(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run kg with its stdout on a terminal (a pty); its exit status and what it printed there."""
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", *args], cwd=cwd, env=env, stdout=slave, stderr=subprocess.PIPE
    )
    os.close(slave)
    chunks = []
    try:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the other end closed
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        status = proc.wait(timeout=60)
        assert proc.stderr is not None
        proc.stderr.close()
    return status, b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_table_is_the_default_on_a_terminal(work: Path) -> None:
    status, out = run_on_pty(["query", "evidence", "--store", "store"], work)
    assert status == 0, out
    lines = out.splitlines()
    header, rule, *rows, footer = lines
    assert header.split() == ["subject", "property", "object", "document", "start", "end", "quote"]
    assert re.fullmatch(r"-+( {2}-+){6}", rule), rule
    assert re.fullmatch(r"\(\d+ rows\)", footer) and int(footer[1:].split()[0]) == len(rows) > 10
    # aligned: every column starts where its dashes start
    starts = [m.start() for m in re.finditer(r"-+", rule)]
    assert [header.index(name) for name in header.split()] == starts
    for row in rows:
        for start in starts[1:]:
            assert row[start - 2 : start] == "  " and row[start] != " ", (row, start)
    # long cells are cut: the quotes are whole sentences, longer than a cell
    assert any(row.endswith("…") for row in rows)
    assert all(len(row) - starts[-1] <= 60 for row in rows)
    assert "\t" not in out and "," not in rule


def test_csv_is_the_default_when_piped(work: Path) -> None:
    piped = query(work, "who-killed-whom").stdout
    assert piped == query(work, "who-killed-whom", "--format", "csv").stdout
    assert piped.splitlines()[0] == "incident,perpetrator,victim,date,place"


def test_unknown_format_is_a_usage_error(work: Path) -> None:
    result = kg("query", PERPETRATORS, "--format", "yaml", "--store", "store", cwd=work)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "--format" in result.stderr


# ---------------------------------------------------------------------- graphs
def test_construct_gives_turtle(work: Path) -> None:
    out = query(
        work,
        "CONSTRUCT { ?i kg:perpetrator ?p ; rdfs:label ?l } WHERE { ?i kg:perpetrator ?p ; rdfs:label ?l }",
    ).stdout
    triples = {q.triple for q in ox.parse(out.encode("utf-8"), format=ox.RdfFormat.TURTLE)}
    assert (
        ox.Triple(
            ox.NamedNode(AMESS), ox.NamedNode("https://w3id.org/kg/ontology#perpetrator"), ox.NamedNode(ALI)
        )
        in triples
    )
    assert (
        ox.Triple(
            ox.NamedNode(AMESS),
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
            ox.Literal("murder of David Amess"),
        )
        in triples
    )
    assert len({t.subject for t in triples}) == 3
    assert "@prefix kg:" in out  # the declared prefixes keep it readable


def test_describe_gives_turtle(work: Path) -> None:
    out = query(work, f"DESCRIBE <{ALI}>", "--format", "json").stdout  # --format does not apply to graphs
    triples = [q.triple for q in ox.parse(out.encode("utf-8"), format=ox.RdfFormat.TURTLE)]
    assert triples and all(t.subject == ox.NamedNode(ALI) for t in triples)


@pytest.mark.parametrize(
    "text",
    [
        # the named graphs are kept: one per document, and the registry of labels
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        "who-killed-whom",
        "evidence",
    ],
)
def test_graph_file_answers_as_the_store_does(work: Path, text: str) -> None:
    from_store = query(work, text, "--format", "csv").stdout
    from_file = ok(kg("query", text, "--graph", "graph.trig", "--format", "csv", cwd=work)).stdout
    assert from_file == from_store
    assert len(from_store.splitlines()) > 1


# ---------------------------------------------------------------------- reasoning
ALIGNED = {
    "schema:Person": {"Ali Harbi Ali", "David Amess", "Dan Jarvis"},
    "foaf:Person": {"Ali Harbi Ali", "Khairi Saadallah"},
    "prov:Activity": {"Prevent Learning Review", "Southport inquiry"},  # inquiries, aligned to PROV
    "sem:Event": {"murder of David Amess"},
}
BY_ALIGNED_CLASS = (
    "SELECT DISTINCT ?cls ?name WHERE { VALUES ?cls { schema:Person foaf:Person prov:Activity sem:Event } "
    "?x a ?cls ; rdfs:label ?name }"
)


def test_reasoning_answers_through_the_class_alignments(work: Path) -> None:
    # nothing is stated with these terms
    assert csv_rows(query(work, BY_ALIGNED_CLASS, "--format", "csv").stdout) == []
    data = json.loads(query(work, BY_ALIGNED_CLASS, "--reasoning", "rdfs", "--format", "json").stdout)
    got: dict[str, set[str]] = {}
    for b in data["results"]["bindings"]:
        got.setdefault(b["cls"]["value"], set()).add(b["name"]["value"])
    for cls, expected in ALIGNED.items():
        prefix, local = cls.split(":")
        names = got.get(PREFIXES[prefix] + local, set())
        assert expected <= names, (cls, names)
    for cls in ("schema:Person", "foaf:Person"):
        prefix, local = cls.split(":")
        assert not {"Home Office", "Prevent Learning Review", "Reading"} & got[PREFIXES[prefix] + local]


def test_reasoning_through_property_alignments(work: Path) -> None:
    # kg:perpetrator and kg:victim are sub-properties of sem:hasActor
    text = f"SELECT DISTINCT ?who WHERE {{ <{AMESS}> sem:hasActor/rdfs:label ?who }}"
    got = {r["who"] for r in csv_rows(query(work, text, "--reasoning", "rdfs", "--format", "csv").stdout)}
    assert got == {"Ali Harbi Ali", "David Amess"}


# ---------------------------------------------------------------------- errors and updates
def test_malformed_sparql_reports_line_and_column(work: Path) -> None:
    text = "SELECT ?x WHERE {\n  ?x a kg:Person .\n  ?x rdfs:label }\n"
    line = one_error_line(kg("query", text, "--store", "store", cwd=work))
    assert "error at 3:" in line, line
    m = re.search(r"error at (\d+):(\d+)", line)
    assert m and (int(m[1]), int(m[2])) == (3, 17), line  # 1-based: the "}" where an object should be


def test_malformed_saved_file_reports_line_and_column(work: Path) -> None:
    (work / "bad.rq").write_text("# broken\nSELECT * WHERE { ?s ?p ?o . ?s ?p 'x }", encoding="utf-8")
    line = one_error_line(kg("query", "bad.rq", "--store", "store", cwd=work))
    assert "error at 2:" in line, line  # the unterminated string, on the file's second line


@pytest.fixture(scope="module")
def seed_quads(work: Path) -> int:
    """How many quads the seed store holds."""
    return count_quads(work / "store", work)


@pytest.fixture
def scratch_store(work: Path, tmp_path: Path) -> Path:
    """A copy of the seed store, for the tests that write."""
    shutil.copytree(work / "store", tmp_path / "store")
    return tmp_path / "store"


INSERT = f'INSERT DATA {{ <{ALI}> rdfs:comment "added by a test" }}'
ASK_INSERTED = f'ASK {{ <{ALI}> rdfs:comment "added by a test" }}'


@pytest.mark.parametrize(
    "update",
    [
        INSERT,
        "# a comment first\nPREFIX ex: <http://example.org/>\n" + INSERT,
        "delete { ?s rdfs:label ?l } where { ?s rdfs:label ?l }",
        "DROP ALL",
    ],
)
def test_update_is_refused_without_update_flag(
    seed_quads: int, scratch_store: Path, tmp_path: Path, update: str
) -> None:
    before = seed_quads
    line = one_error_line(kg("query", update, "--store", str(scratch_store), cwd=tmp_path))
    assert "--update" in line
    assert count_quads(scratch_store, tmp_path) == before


def test_update_applies_with_update_flag(seed_quads: int, scratch_store: Path, tmp_path: Path) -> None:
    store = str(scratch_store)
    before = seed_quads
    assert ok(kg("query", ASK_INSERTED, "--store", store, cwd=tmp_path)).stdout.strip() == "false"
    result = ok(kg("query", INSERT, "--update", "--store", store, cwd=tmp_path))
    assert result.stdout == ""
    assert ok(kg("query", ASK_INSERTED, "--store", store, cwd=tmp_path)).stdout.strip() == "true"
    assert count_quads(scratch_store, tmp_path) == before  # into the default graph, not a named one
    # and an update can take things away
    ok(kg("query", f"DELETE WHERE {{ <{ALI}> rdfs:comment ?c }}", "--update", "--store", store, cwd=tmp_path))
    assert ok(kg("query", ASK_INSERTED, "--store", store, cwd=tmp_path)).stdout.strip() == "false"


def test_malformed_update_reports_line_and_column(
    seed_quads: int, scratch_store: Path, tmp_path: Path
) -> None:
    before = seed_quads
    line = one_error_line(
        kg("query", "INSERT DATA {\n <a:b> <a:c> }", "--update", "--store", str(scratch_store), cwd=tmp_path)
    )
    assert re.search(r"error at 2:\d+", line), line
    assert count_quads(scratch_store, tmp_path) == before


def test_update_of_a_graph_file_is_refused(work: Path) -> None:
    before = (work / "graph.trig").read_bytes()
    one_error_line(kg("query", INSERT, "--update", "--graph", "graph.trig", cwd=work))
    assert (work / "graph.trig").read_bytes() == before


def test_missing_store(tmp_path: Path) -> None:
    line = one_error_line(kg("query", PERPETRATORS, "--store", "nowhere", cwd=tmp_path))
    assert "nowhere" in line
    line = one_error_line(kg("query", PERPETRATORS, cwd=tmp_path))  # the default .kg/ is not there either
    assert ".kg" in line
    assert not (tmp_path / "nowhere").exists() and not (tmp_path / ".kg").exists()


def test_missing_graph_file(tmp_path: Path) -> None:
    line = one_error_line(kg("query", PERPETRATORS, "--graph", "none.trig", cwd=tmp_path))
    assert "none.trig" in line


# ---------------------------------------------------------------------- SERVICE, nesting, byte order marks
def service_query(url: str) -> str:
    return f"SELECT ?x WHERE {{ SERVICE <{url}> {{ ?s ?p ?x }} }}"


def test_service_is_followed_only_with_federate(work: Path) -> None:
    with sparql_stub() as stub:
        line = one_error_line(kg("query", service_query(stub.url), "--store", "store", cwd=work))
        assert line == "kg: error: SERVICE calls other servers; kg query follows them only with --federate"
        assert stub.requests == []  # nothing was sent
        out = query(work, service_query(stub.url), "--federate", "--format", "csv").stdout
        assert csv_rows(out) == [{"x": "from the stub"}]
        assert len(stub.requests) == 1
        # from a saved file too: the error names it
        (work / "federated.rq").write_text(service_query(stub.url), encoding="utf-8")
        line = one_error_line(kg("query", "federated.rq", "--store", "store", cwd=work))
        assert "federated.rq" in line and "--federate" in line
        assert len(stub.requests) == 1


@pytest.mark.parametrize("status", [500, 404])
def test_a_failing_service_is_one_error_line(work: Path, status: int) -> None:
    with sparql_stub(status) as stub:
        line = one_error_line(
            kg("query", service_query(stub.url), "--federate", "--store", "store", cwd=work)
        )
        assert stub.requests
    assert str(status) in line, line


def test_an_unreachable_service_is_one_error_line(work: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/sparql"
    line = one_error_line(kg("query", service_query(url), "--federate", "--store", "store", cwd=work))
    assert "query failed" in line, line


def test_viz_query_follows_service_only_with_federate(work: Path) -> None:
    with sparql_stub() as stub:
        (work / "remote.rq").write_text(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{stub.url}> {{ ?s ?p ?o }} }}", encoding="utf-8"
        )
        viz = ("viz", "--query", "remote.rq", "-o", "remote.html", "--store", "store")
        line = one_error_line(kg(*viz, cwd=work))
        assert "--federate" in line
        assert stub.requests == [] and not (work / "remote.html").exists()
        ok(kg(*viz, "--federate", cwd=work))
        assert len(stub.requests) == 1 and (work / "remote.html").is_file()


#: Queries that crashed Oxigraph (a stack overflow: the process died of SIGSEGV) before kg refused them.
DEEP = {
    "groups": "SELECT * WHERE " + "{ " * 5000 + "}" * 5000,
    "parentheses": "SELECT * WHERE { FILTER(" + "(" * 5000 + "true" + ")" * 5000 + ") }",
    "subqueries": "SELECT * WHERE " + "{ SELECT * WHERE " * 3000 + "{}" + "}" * 3000,
    "a chain of MINUS": "SELECT * WHERE { " + " MINUS {}" * 3000 + " }",
}


@pytest.mark.parametrize("kind", list(DEEP))
def test_deep_queries_are_refused_not_crashed(work: Path, kind: str) -> None:
    line = one_error_line(kg("query", DEEP[kind], "--store", "store", cwd=work))
    assert re.search(r"levels deep|operators", line), line


@pytest.mark.parametrize("kind", ["groups", "a chain of MINUS"])
def test_deep_updates_are_refused_not_crashed(
    seed_quads: int, scratch_store: Path, tmp_path: Path, kind: str
) -> None:
    update = (
        DEEP[kind].replace("SELECT * WHERE", "DELETE { ?s ?p ?o } WHERE", 1).replace("{ }", "{ ?s ?p ?o }", 1)
    )
    line = one_error_line(kg("query", update, "--update", "--store", str(scratch_store), cwd=tmp_path))
    assert re.search(r"levels deep|operators", line), line
    assert count_quads(scratch_store, tmp_path) == seed_quads


def test_deep_viz_query_is_refused_not_crashed(work: Path) -> None:
    (work / "deep.rq").write_text(
        DEEP["groups"].replace("SELECT *", "CONSTRUCT { ?s ?p ?o }", 1), encoding="utf-8"
    )
    line = one_error_line(kg("viz", "--query", "deep.rq", "-o", "deep.html", "--store", "store", cwd=work))
    assert "deep.rq" in line and "levels deep" in line, line
    assert not (work / "deep.html").exists()


def test_rq_file_with_a_byte_order_mark(work: Path) -> None:
    (work / "bom.rq").write_bytes(
        b"\xef\xbb\xbf# Who are the perpetrators?\r\n" + PERPETRATORS.encode("utf-8")
    )
    rows = csv_rows(query(work, "bom.rq", "--format", "csv").stdout)
    assert {r["name"] for r in rows} == KILLERS


# ---------------------------------------------------------------------- hostile text in the answers
#: A label a document's author could put in the store: colour (ESC), a right-to-left override, control characters
#: XML 1.0 cannot hold (\x01, form feed, U+FFFE), a lone carriage return that would let "EVIL" overwrite the line.
HOSTILE_LABEL = "Ann \x1b[31mRed\x1b[0m \u202eevil\u202c \x01 page\x0cbreak safe\rEVIL \ufffe"
HOSTILE_IRI = f"{ID}person/hostile"
#: What must never reach a terminal raw: C0 controls but tab and line feed, DEL, C1, bidirectional overrides.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HOSTILE_SELECT = "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding a document whose person's name ends in a colour escape, and, put in by `kg query --update`,
    one label holding every kind of hostile character."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "report.txt").write_text(
        "Northby report\n\nTom Ashdown\x1b[31m murdered Clara Venn in Northby on 3 May 2021.\n",
        encoding="utf-8",
    )
    ok(kg("add", "report.txt", "--store", "store", cwd=folder))
    escaped = "".join(f"\\u{ord(c):04x}" if not c.isalnum() else c for c in HOSTILE_LABEL)
    update = f'INSERT DATA {{ GRAPH <{ID}test> {{ <{HOSTILE_IRI}> rdfs:label "{escaped}" }} }}'
    ok(kg("query", "--update", update, "--store", "store", cwd=folder))
    labels = json.loads(query(folder, HOSTILE_SELECT, "--format", "json").stdout)["results"]["bindings"]
    assert {b["label"]["value"] for b in labels} >= {HOSTILE_LABEL, "Tom Ashdown\x1b[31m"}
    return folder


def test_xml_results_are_well_formed_whatever_the_labels_hold(hostile: Path) -> None:
    import lxml.etree

    out = query(hostile, HOSTILE_SELECT, "--format", "xml").stdout
    for parse in (ET.fromstring, lambda text: lxml.etree.fromstring(text.encode("utf-8"))):  # both strict
        root = parse(out)
        labels = {b.findtext(f"{SRX}literal") for b in root.iter(f"{SRX}binding") if b.get("name") == "label"}
        # what XML 1.0 cannot hold is U+FFFD; the rest, the carriage return and the override too, is exact
        expected = "Ann \ufffd[31mRed\ufffd[0m \u202eevil\u202c \ufffd page\ufffdbreak safe\rEVIL \ufffd"
        assert expected in labels and "Tom Ashdown\ufffd[31m" in labels, labels


#: How each format shows the hostile label on a terminal: kg's escapes (\x1b, \u202e) where the format has none
#: of its own, the format's own (TSV's N-Triples, JSON's) where it has; XML has U+FFFD and "&#13;", as piped.
ON_A_TERMINAL = {
    "csv": ["Ann \\x1b[31mRed\\x1b[0m \\u202eevil\\u202c \\x01 page\\x0cbreak safe\\x0dEVIL \ufffe"],
    "md": ["Ann \\x1b[31mRed\\x1b[0m \\u202eevil\\u202c \\x01 page\\x0cbreak safe\\x0dEVIL \ufffe"],
    "table": ["Ann \\x1b[31mRed\\x1b[0m \\u202eevil\\u202c \\x01 page break saf\u2026"],  # cut at 60
    "tsv": ['"Ann \\u001B[31mRed\\u001B[0m \\u202eevil\\u202c \\u0001 page\\fbreak safe\\rEVIL \\uFFFE"'],
    "json": ['"Ann \\u001b[31mRed\\u001b[0m \\u202eevil\\u202c \\u0001 page\\fbreak safe\\rEVIL \ufffe"'],
    "xml": ["Ann \ufffd[31mRed\ufffd[0m \\u202eevil\\u202c \ufffd page\ufffdbreak safe&#13;EVIL \ufffd"],
}


@pytest.mark.parametrize("fmt", ON_A_TERMINAL)
def test_a_terminal_gets_escapes_not_control_characters(hostile: Path, fmt: str) -> None:
    status, out = run_on_pty(["query", HOSTILE_SELECT, "--format", fmt, "--store", "store"], hostile)
    assert status == 0, out
    out = out.replace("\r\n", "\n")  # the terminal writes each line end as "\r\n"; CSV's own are "\r\n" too
    assert "\r" not in out and not RAW_CONTROL.search(out), ascii(out)
    for shown in ON_A_TERMINAL[fmt]:
        assert shown in out, ascii(out)


def test_csv_piped_is_the_exact_sparql_csv(hostile: Path) -> None:
    """`kg query --format csv` is the SPARQL 1.1 CSV results format, for programs: piped, every value is exact,
    one that begins with "=", "+", "-" or "@" included (only `kg export -o FILE.csv`, made for spreadsheets,
    neutralises formulas)."""
    formula = '=HYPERLINK("http://127.0.0.1/","x")'
    update = f"INSERT DATA {{ GRAPH <{ID}test> {{ <{ID}person/formula> rdfs:label '{formula}' }} }}"
    ok(kg("query", "--update", update, "--store", "store", cwd=hostile))
    out = subprocess.run(  # bytes: the exact line ends, as a program reads them
        [sys.executable, "-m", "kg.cli", "query", HOSTILE_SELECT, "--format", "csv", "--store", "store"],
        cwd=hostile,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        check=True,
        timeout=300,
    ).stdout.decode("utf-8")
    labels = {r["s"]: r["label"] for r in csv.DictReader(io.StringIO(out, newline=""))}
    assert labels[HOSTILE_IRI] == HOSTILE_LABEL
    assert labels[f"{ID}person/formula"] == formula


def test_kg_text_on_a_terminal_escapes_controls_and_keeps_tabs_and_backslashes(tmp_path: Path) -> None:
    """`kg text` on a terminal: an escape character is shown as `\\x1b`, a tab stays a tab, and text that merely
    reads `\\x09` stays that text (it once came out as a tab)."""
    (tmp_path / "memo.txt").write_text(
        "Memo\n\nTom Ashdown\x1b[31m met\tClara Venn; the log reads \\x09 here.\n", encoding="utf-8"
    )
    ok(kg("add", "memo.txt", "--store", "store", cwd=tmp_path))
    status, out = run_on_pty(["text", "memo.txt", "--store", "store"], tmp_path)
    assert status == 0, out
    assert not RAW_CONTROL.search(out), ascii(out)
    assert "Tom Ashdown\\x1b[31m met\tClara Venn; the log reads \\x09 here." in out, ascii(out)

"""SPARQL over the graph: saved queries answer the questions users of the seed ask, formats, errors, reasoning."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers import closed_port, sparql_stub

from kg.graph.sparql import (
    MAX_NESTING,
    PREFIXES,
    QueryError,
    UpdateRefused,
    is_update,
    query_text,
    run_query,
    run_update,
    saved_queries,
    with_rdfs,
)
from kg.graph.store import Store
from kg.outputs.results import Format, format_result
from kg.pipeline import add_documents
from kg.text.read import read_documents

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds"


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """The seed document in a store on disk, opened read-only as the query commands open it."""
    path = tmp_path_factory.mktemp("store")
    with Store(path) as store:
        add_documents(store, read_documents([SEED]), record_load_time=False)
    return ox.Store.read_only(str(path / "oxigraph"))


def rows(store: ox.Store, name: str) -> list[dict[str, str]]:
    result = run_query(store, query_text(name))
    return [{k: (v.value if v is not None else "") for k, v in r.items()} for r in result.rows]


def test_every_saved_query_states_its_question() -> None:
    queries = saved_queries()
    assert len(queries) >= 7
    for q in queries:
        assert q.question.endswith("?"), q.name


def test_who_killed_whom(seed_store: ox.Store) -> None:
    got = {
        (r["incident"], r["perpetrator"], r["victim"], r["date"], r["place"])
        for r in rows(seed_store, "who-killed-whom")
    }
    assert ("murder of David Amess", "Ali Harbi Ali", "David Amess", "2021-10-15", "Leigh-on-Sea") in got
    assert any(r[1] == "Khairi Saadallah" and r[4] == "Reading" for r in got)
    assert any(r[1] == "Usman Khan" and r[4] == "London Bridge" for r in got)


def test_inquiries(seed_store: ox.Store) -> None:
    got = {r["inquiry"]: r for r in rows(seed_store, "inquiries")}
    review = got["Prevent Learning Review"]
    assert set(review["commissionedBy"].split("; ")) == {"Home Office", "Counter Terrorism Policing"}
    assert "Ali Harbi Ali" in review["concerns"].split("; ")


def test_posts(seed_store: ox.Store) -> None:
    got = {(r["person"], r["post"]) for r in rows(seed_store, "posts")}
    assert {("Dan Jarvis", "Security Minister"), ("Matt Jukes", "Head of Counter Terrorism Policing")} <= got
    assert ("David Burton Sampson", "MP for Southend West and Leigh") in got


def test_memberships(seed_store: ox.Store) -> None:
    got = {(r["person"], r["organisation"]) for r in rows(seed_store, "memberships")}
    assert {("David Burton Sampson", "Labour Party"), ("Mark Francois", "Conservative Party")} <= got


def test_programmes(seed_store: ox.Store) -> None:
    got = {(r["person"], r["programme"], r["step"], r["date"]) for r in rows(seed_store, "programmes")}
    assert ("Ali Harbi Ali", "Channel", "exit", "2015-04") in got
    assert ("Ali Harbi Ali", "Prevent", "referral", "2014-10") in got


def test_timeline_is_in_date_order(seed_store: ox.Store) -> None:
    got = rows(seed_store, "timeline")
    dates = [r["date"] for r in got]
    assert dates == sorted(dates)
    assert ("2015-04", "Ali Harbi Ali exited from Channel (April 2015)") in {
        (r["date"], r["what"]) for r in got
    }


def test_evidence_gives_document_and_sentence(seed_store: ox.Store) -> None:
    got = [
        r
        for r in rows(seed_store, "evidence")
        if r["subject"] == "murder of David Amess" and r["property"] == "place"
    ]
    assert got and got[0]["object"] == "Leigh-on-Sea"
    text = (SEED / "prevent-learning-review-amess.txt").read_text(encoding="utf-8")
    assert text[int(got[0]["start"]) : int(got[0]["end"])] == got[0]["quote"]


def test_shared_entities_across_documents(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Security Minister Tom Ashdown visited Kettering.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(
        "Tom Ashdown spoke to the Home Office about Kettering.\n", encoding="utf-8"
    )
    with Store(tmp_path / "store") as store:
        add_documents(store, read_documents([tmp_path / "a.txt", tmp_path / "b.txt"]), record_load_time=False)
    got = {
        r["entity"]: r
        for r in rows(ox.Store.read_only(str(tmp_path / "store" / "oxigraph")), "shared-entities")
    }
    assert got["Tom Ashdown"]["documents"] == "2" and got["Tom Ashdown"]["class"] == "Person"
    assert "Home Office" not in got  # named by one document only


@pytest.mark.parametrize("fmt", list(Format))
def test_formats(seed_store: ox.Store, fmt: Format) -> None:
    result = run_query(
        seed_store,
        "SELECT DISTINCT ?p ?post WHERE { ?x rdfs:label ?p ; kg:holdsPost/rdfs:label ?post } ORDER BY ?p",
    )
    out = format_result(result, fmt)
    if fmt == Format.JSON:
        data = json.loads(out)
        assert (
            data["head"]["vars"] == ["p", "post"] and data["results"]["bindings"][0]["p"]["type"] == "literal"
        )
    elif fmt == Format.CSV:
        table = list(csv.reader(io.StringIO(out)))
        assert table[0] == ["p", "post"] and len(table) == len(result.rows) + 1
    elif fmt == Format.TSV:
        assert out.splitlines()[0] == "?p\t?post" and '"Dan Jarvis"' in out
    elif fmt == Format.MD:
        assert out.splitlines()[0] == "| p | post |" and "| Dan Jarvis | Security Minister |" in out
    elif fmt == Format.XML:
        assert '<variable name="p"/>' in out and "<literal>Dan Jarvis</literal>" in out
    else:
        assert out.splitlines()[0].split() == ["p", "post"] and out.rstrip().endswith("rows)")


def test_table_cuts_long_cells(seed_store: ox.Store) -> None:
    out = format_result(run_query(seed_store, "SELECT ?q WHERE { ?e kg:quote ?q } LIMIT 1"), Format.TABLE)
    assert "…" in out and max(len(line) for line in out.splitlines()) <= 70


def test_construct_gives_turtle(seed_store: ox.Store) -> None:
    result = run_query(
        seed_store, "CONSTRUCT { ?i rdfs:label ?l } WHERE { ?i a kg:Incident ; rdfs:label ?l }"
    )
    out = format_result(result, Format.TABLE)
    parsed = list(ox.parse(out.encode(), format=ox.RdfFormat.TURTLE))
    assert any(t.object.value == "murder of David Amess" for t in parsed)


def test_ask(seed_store: ox.Store) -> None:
    assert format_result(run_query(seed_store, "ASK { ?x a kg:Person }"), Format.TABLE) == "true\n"


@pytest.mark.parametrize(
    "text",
    ["SELECT ?x WHERE { ?x ?y }", "SELEC * WHERE { ?s ?p ?o }", "SELECT * WHERE { ?s nope:p ?o }"],
)
def test_malformed_query_reports_line_and_column(seed_store: ox.Store, text: str) -> None:
    with pytest.raises(QueryError, match=r"error at \d+:\d+"):
        run_query(seed_store, text)


@pytest.mark.parametrize(
    "text",
    [
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "PREFIX x: <urn:x#>\nDELETE WHERE { ?s ?p ?o }",
        "# a comment\nDROP ALL",
        "CLEAR DEFAULT",
    ],
)
def test_updates_are_refused(seed_store: ox.Store, text: str) -> None:
    assert is_update(text)
    with pytest.raises(UpdateRefused):
        run_query(seed_store, text)


def test_prefixes_are_declared() -> None:
    for name in (
        "rdf",
        "rdfs",
        "owl",
        "xsd",
        "skos",
        "schema",
        "foaf",
        "org",
        "prov",
        "sem",
        "dcterms",
        "kg",
    ):
        assert name in PREFIXES


def test_rdfs_reasoning_answers_through_alignments(seed_store: ox.Store) -> None:
    query = "SELECT DISTINCT ?name WHERE { ?p a schema:Person ; rdfs:label ?name }"
    assert run_query(seed_store, query).rows == []
    names = {r["name"].value for r in run_query(with_rdfs(seed_store), query, union=False).rows}  # type: ignore[union-attr]
    assert {"Ali Harbi Ali", "David Amess"} <= names


def test_unknown_saved_query_name() -> None:
    from kg.errors import InputError

    with pytest.raises(InputError, match="no saved query"):
        query_text("no-such-query")


# ---------------------------------------------------------------------- SERVICE, nesting, byte order marks
#: Ways to write a SERVICE call that Oxigraph follows ({u} is the stub's URL, {base} the folder above it). Each
#: is checked to reach the stub when run by Oxigraph itself, so none is a spelling Oxigraph would refuse anyway.
SERVICE_CALLS = [
    "SELECT * WHERE {{ SERVICE <{u}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ sErViCe <{u}> {{ }} }}",
    "SELECT * WHERE {{ SERVICE<{u}>{{?s ?p ?o}} }}",
    "ASK {{ SERVICE SILENT <{u}> {{ }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{u}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE # a comment between\n <{u}> {{ }} }}",
    "SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE <{u}> {{ }} }} }}",
    "PREFIX stub: <{base}> SELECT * WHERE {{ SERVICEstub:sparql {{ }} }}",
    # even with a prefix service: declared, Oxigraph reads the keyword SERVICE and the name :sparql
    "PREFIX service: <http://example.org/> PREFIX : <{base}> SELECT * WHERE {{ service:sparql {{ }} }}",
    "PREFIX : <{base}> SELECT * WHERE {{ SERVICE:sparql {{ }} }}",
    "SELECT * WHERE {{ ?s ?p trueSERVICE<{u}>{{ }} }}",
    "SELECT * WHERE {{ ?s ?p 1.SERVICE <{u}> {{ }} }}",
    "SELECT * WHERE {{ ?s ?p 'a'.SERVICE <{u}> {{ }} }}",
    "SELECT * WHERE {{ ?s ?p ?o.SERVICE <{u}> {{ }} }}",
    "SELECT * WHERE {{ FILTER(1<2)SERVICE<{u}>{{}} }}",
]

#: Queries that name "service" without calling anything: a variable, a prefixed name, strings, an IRI, a comment.
NOT_SERVICE_CALLS = [
    "SELECT ?service WHERE {{ ?service ?p ?o }}",
    "PREFIX ex: <http://example.org/> SELECT * WHERE {{ ?s ex:service ?o . ?s ex:a.service ?x }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER(?o = 'SERVICE <{u}> {{ }}') }}",
    'SELECT * WHERE {{ ?s ?p ?o FILTER(?o IN ("SERVICE", """\nSERVICE <{u}> {{}}\n""", \'\'\'SERVICE\'\'\')) }}',
    "SELECT * WHERE {{ ?s <http://example.org/SERVICE> ?o }}",
    "SELECT * WHERE {{ ?s ?p ?o }} # SERVICE <{u}> {{ }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER(?o != 'it\\'s SERVICE <{u}> {{}}') }}",
]


def stub_query(template: str, url: str) -> str:
    return template.format(u=url, base=url.rsplit("/", 1)[0] + "/")


@pytest.mark.parametrize("template", SERVICE_CALLS)
def test_service_is_refused_unless_federated(template: str) -> None:
    with sparql_stub() as stub:
        text = stub_query(template, stub.url)
        # Oxigraph itself follows this one (so it is a real call, not a spelling that fails to parse)
        result = ox.Store().query(text)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
        assert len(stub.requests) == 1, text
        with pytest.raises(
            QueryError, match="SERVICE calls other servers; kg query follows them only with --federate"
        ):
            run_query(ox.Store(), text)
        assert len(stub.requests) == 1, text  # kg called nothing
        run_query(ox.Store(), text, federate=True)
        assert len(stub.requests) == 2, text


@pytest.mark.parametrize("template", NOT_SERVICE_CALLS)
def test_what_only_looks_like_service_runs(seed_store: ox.Store, template: str) -> None:
    with sparql_stub() as stub:
        result = run_query(seed_store, stub_query(template, stub.url))
        assert result.kind == "solutions"
        assert stub.requests == []


def test_federated_query_answers_with_the_services_rows() -> None:
    with sparql_stub() as stub:
        result = run_query(
            ox.Store(), f"SELECT ?x WHERE {{ SERVICE <{stub.url}> {{ ?s ?p ?x }} }}", federate=True
        )
    assert [r["x"] for r in result.rows] == [ox.Literal("from the stub")]


@pytest.mark.parametrize("status", [500, 404])
def test_a_failing_service_is_a_query_error(status: int) -> None:
    with sparql_stub(status) as stub:
        with pytest.raises(QueryError, match="query failed"):
            run_query(ox.Store(), f"SELECT * WHERE {{ SERVICE <{stub.url}> {{ ?s ?p ?o }} }}", federate=True)
        assert stub.requests


def test_an_unreachable_service_is_a_query_error() -> None:
    url = f"http://127.0.0.1:{closed_port()}/sparql"
    with pytest.raises(QueryError, match="query failed"):
        run_query(ox.Store(), f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", federate=True)


def test_service_in_an_update_is_refused() -> None:
    store = ox.Store()
    with sparql_stub() as stub:
        with pytest.raises(QueryError, match="SERVICE"):
            run_update(store, f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{stub.url}> {{ ?s ?p ?o }} }}")
        assert stub.requests == []
    assert len(store) == 0


def nested(depth: int) -> dict[str, str]:
    """Queries whose brackets nest `depth` deep, one per kind of bracket."""
    return {
        "groups": "SELECT * WHERE " + "{ " * depth + "}" * depth,
        "parentheses": "SELECT * WHERE { FILTER(" + "(" * (depth - 2) + "true" + ")" * (depth - 2) + ") }",
        "blank nodes": "SELECT * WHERE { ?s ?p " + "[ ?p " * (depth - 1) + "1" + " ]" * (depth - 1) + " }",
        "strings do not count": "SELECT * WHERE { ?s ?p ?o FILTER(?o != '"
        + "{(" * 1000
        + "') } # "
        + "{" * 1000,
    }


@pytest.mark.parametrize("kind", list(nested(1)))
def test_nesting_past_the_limit_is_refused(seed_store: ox.Store, kind: str) -> None:
    assert run_query(seed_store, nested(MAX_NESTING)[kind]).kind == "solutions"
    if kind == "strings do not count":
        return
    with pytest.raises(QueryError, match=f"nests {MAX_NESTING + 1} levels deep.*{MAX_NESTING}"):
        run_query(seed_store, nested(MAX_NESTING + 1)[kind])
    with pytest.raises(QueryError, match="levels deep"):
        run_update(ox.Store(), "INSERT { } WHERE " + "{" * (MAX_NESTING + 1) + "}" * (MAX_NESTING + 1))


def test_long_chains_of_operators_are_refused() -> None:
    with pytest.raises(QueryError, match="operators"):
        run_query(ox.Store(), "SELECT * WHERE { " + " ".join(["MINUS {}"] * 3000) + " }")
    with pytest.raises(QueryError, match="operators"):
        run_query(ox.Store(), "SELECT * WHERE { FILTER(" + "!" * 20000 + "true) }")
    assert run_query(ox.Store(), "SELECT * WHERE { " + " ".join(["MINUS {}"] * 100) + " }").rows == [{}]


def test_rq_file_with_a_byte_order_mark(seed_store: ox.Store, tmp_path: Path) -> None:
    path = tmp_path / "perpetrators.rq"
    text = "# Who are the perpetrators?\nSELECT DISTINCT ?n WHERE { ?i kg:perpetrator/rdfs:label ?n }\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert query_text(str(path)) == text
    assert {r["n"].value for r in run_query(seed_store, query_text(str(path))).rows} >= {"Ali Harbi Ali"}  # type: ignore[union-attr]
    (question,) = [q.question for q in saved_queries(tmp_path)]
    assert question == "Who are the perpetrators?"


def test_the_terminal_table_escapes_control_characters_a_document_holds() -> None:
    from kg.graph.sparql import Result
    from kg.outputs.results import Format, format_result

    hostile = ox.Literal("Tom\x1b[2J Ashdown\x07 said \u202eetoq")
    table = format_result(Result("solutions", ["quote"], [{"quote": hostile}]), Format.TABLE)
    assert "\x1b" not in table and "\x07" not in table and "\u202e" not in table
    assert "Tom\\x1b[2J Ashdown\\x07 said \\u202eetoq" in table


#: Texts that a lexer reading each run again from each of its characters takes quadratic time over (how long the
#: lexer takes over them, against a plain text of the same length, is bench/run.py's lexer measure).
ADVERSARIAL = {
    "escaped quotes": "'\\" * 100_000,
    "escaped double quotes": '"\\' * 100_000,
    "dotted names": "a." * 100_000,
    "long quotes": "'''\\'" * 50_000,
    "IRIs that never close": "<a" * 100_000,
}


@pytest.mark.parametrize("kind", list(ADVERSARIAL))
def test_the_lexer_reads_on_past_the_worst_texts(kind: str) -> None:
    """The server reads every query with it: after 200 KB of the worst text, a SERVICE call on the next line is
    still found, and its brackets counted. (The child's timeout only stops a lexer that would take hours.)"""
    code = "import sys; from kg.graph.sparql import shape; print(shape(sys.stdin.read()))"
    text = ADVERSARIAL[kind] + "\n{ SERVICE <http://example.org/sparql> { } }"
    child = subprocess.run(
        [sys.executable, "-c", code], input=text, text=True, cwd=ROOT, capture_output=True, timeout=120
    )
    assert child.returncode == 0, child.stderr
    operators = 100_000 if kind == "IRIs that never close" else 0  # each "<" a comparison
    assert child.stdout == f"Shape(service=True, depth=2, operators={operators})\n"

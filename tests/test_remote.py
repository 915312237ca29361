"""Stores on a SPARQL server, end to end against real servers started here on 127.0.0.1 and stopped after:

- an Oxigraph server (the PyPI package `oxigraph`, a development dependency): `kg push --endpoint URL/store`
  sends every named graph, a re-push replaces and never duplicates, and `--store URL` makes `add`, `query` and
  `viz` work on the server as they do on a local store;
- a Virtuoso 7 (Debian's `virtuoso-opensource`, which `.ci/run` installs): `kg push` to its
  `/sparql-graph-crud-auth` with digest authentication, checked through its own `/sparql` endpoint.

Each server runs on free ports of its own with its database in a temporary folder, never a system service's.
"""

from __future__ import annotations

import functools
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers import ROOT, ok
from helpers import kg as run_kg
from helpers import one_error_line as any_error_line

from kg.graph.rdfmap import document_iri

kg = functools.partial(run_kg, timeout=120)
one_error_line = functools.partial(any_error_line, quiet=True)
SEEDS = ROOT / "seeds"
ID = "https://w3id.org/kg/id/"
REGISTRY = f"{ID}graph/entities"
MANIFEST = f"{ID}graph/pushed"
#: The seed document, added from a copy of `seeds/` beside the store (the store's root is the folder above both).
SEED_GRAPH = str(document_iri("seeds/prevent-learning-review-amess.txt"))
LOADED_AT = "<http://www.w3.org/ns/prov#generatedAtTime>"
OXIGRAPH = Path(sys.executable).parent / "oxigraph"
VIRTUOSO = "/usr/bin/virtuoso-t"
START_TIMEOUT = 60.0

TEXTS = {
    "d.txt": "Nadia Okafor, a member of the Kettering Trust, said the Harrow Review was late.\n",
    "d2.txt": "Nadia Okafor, a member of the Corby Trust, met Clara Venn in Kettering.\n",
    "e.txt": "Clara Venn, a member of the Kettering Trust, was appointed Chief Inspector.\n",
}

Graphs = dict[str, set[str]]


# ---------------------------------------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def http(
    url: str, *, data: bytes | None = None, method: str = "GET", headers: dict[str, str] | None = None
) -> bytes:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        body: bytes = response.read()
        return body


def wait_until_answering(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll `url` until the server answers HTTP at all (any status); fail if it exits or takes too long."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            http(url)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url}: no answer after {START_TIMEOUT:g} s:\n{log.read_text(errors='replace')}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def group(quads: Iterator[ox.Quad]) -> Graphs:
    """Graph name → its triples (as N-Triples text); the default graph is ''."""
    out: Graphs = {}
    for q in quads:
        name = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        out.setdefault(name, set()).add(str(q.triple))
    return out


def local_graphs(store: Path) -> Graphs:
    """The named graphs of a store on disk, read by Oxigraph itself."""
    return group(iter(ox.Store.read_only(str(store / "oxigraph"))))


def server_graphs(base: str) -> Graphs:
    """Every quad an Oxigraph server holds (GET /store as N-Quads), by graph."""
    data = http(f"{base}/store", headers={"Accept": "application/n-quads"})
    graphs = group(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    # push's own list of what it sent, which it reads back to drop the graphs of documents removed since
    manifest = graphs.pop(MANIFEST, set())
    assert {t.split(" ")[2].strip("<>") for t in manifest} <= set(graphs)
    return graphs


def quad_count(graphs: Graphs) -> int:
    return sum(len(triples) for triples in graphs.values())


def without_load_times(graphs: Graphs) -> Graphs:
    return {g: {t for t in triples if f" {LOADED_AT} " not in t} for g, triples in graphs.items()}


def write_docs(folder: Path, names: tuple[str, ...]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(TEXTS[name], encoding="utf-8")


def entities_line(result: subprocess.CompletedProcess[str]) -> str:
    """`kg viz`'s report without the output path: 'kg: N entities, M relations'."""
    line = ok(result).stderr.strip()
    return line.rsplit(" -> ", 1)[0]


# ---------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local store of the repository's seed documents (do not change it: copy it)."""
    work = tmp_path_factory.mktemp("seed-store")
    shutil.copytree(SEEDS, work / "seeds")
    ok(kg("add", "seeds", "--store", "store", cwd=work))
    return work / "store"


@pytest.fixture
def store_copy(seed_store: Path, tmp_path: Path) -> Path:
    """A copy of the seed store that a test may change, in `tmp_path` (which also holds TEXTS' documents)."""
    shutil.copytree(seed_store, tmp_path / "store")
    write_docs(tmp_path, tuple(TEXTS))
    return tmp_path / "store"


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    assert OXIGRAPH.is_file(), (
        f"{OXIGRAPH} is missing: install kg with its dev extras (pip install -e '.[dev]')"
    )
    folder = tmp_path_factory.mktemp("oxigraph")
    port = free_port()
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(OXIGRAPH), "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{base}/query?query=ASK%7B%7D", process, log)
        yield base
    finally:
        stop(process)


@pytest.fixture
def oxigraph(oxigraph_server: str) -> str:
    """The Oxigraph server's base URL, emptied for this test."""
    http(
        f"{oxigraph_server}/update",
        data=b"DROP ALL",
        method="POST",
        headers={"Content-Type": "application/sparql-update"},
    )
    assert server_graphs(oxigraph_server) == {}
    return oxigraph_server


# ---------------------------------------------------------------------------------------------- Oxigraph: push


def test_push_sends_every_named_graph(seed_store: Path, oxigraph: str) -> None:
    cwd = seed_store.parent
    result = ok(kg("push", "--endpoint", f"{oxigraph}/store", "--store", "store", cwd=cwd))
    local = local_graphs(seed_store)
    assert set(local) == {SEED_GRAPH, REGISTRY}
    assert result.stderr == f"kg: 2 graphs ({quad_count(local)} quads) -> {oxigraph}/store\n"
    assert server_graphs(oxigraph) == local  # the same triples, each in the same named graph

    # a second push replaces each graph: nothing is duplicated
    ok(kg("push", "--endpoint", f"{oxigraph}/store", "--store", "store", cwd=cwd))
    again = server_graphs(oxigraph)
    assert again == local
    count = json.loads(
        http(
            f"{oxigraph}/query?query={urllib.parse.quote('SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER (?g != <https://w3id.org/kg/id/graph/pushed>) }')}",
            headers={"Accept": "application/sparql-results+json"},
        )
    )
    assert int(count["results"]["bindings"][0]["n"]["value"]) == quad_count(local)


def test_repush_replaces_a_changed_document(store_copy: Path, oxigraph: str) -> None:
    cwd = store_copy.parent
    endpoint = f"{oxigraph}/store"
    ok(kg("add", "d.txt", "e.txt", "--store", "store", cwd=cwd))
    ok(kg("push", "--endpoint", endpoint, "--store", "store", cwd=cwd))
    before = server_graphs(oxigraph)
    assert before == local_graphs(store_copy)
    d_graph = f"{ID}document/d.txt"
    assert any("nadia-okafor" in t for t in before[d_graph])

    # d.txt changes (the Kettering Trust becomes the Corby Trust), e.txt goes: the store moves on, then re-push
    (cwd / "d.txt").write_text(TEXTS["d2.txt"], encoding="utf-8")
    assert ok(kg("add", "d.txt", "--store", "store", cwd=cwd)).stderr.startswith("kg: 0 added, 1 replaced")
    ok(kg("remove", "e.txt", "--store", "store", cwd=cwd))
    ok(kg("push", "--endpoint", endpoint, "--store", "store", cwd=cwd))
    local = local_graphs(store_copy)
    after = server_graphs(oxigraph)
    assert after[d_graph] == local[d_graph] != before[d_graph]  # replaced, not merged with the old version
    assert not any("corby-trust" in t for t in before[d_graph])
    assert any("corby-trust" in t for t in after[d_graph])
    assert after[REGISTRY] == local[REGISTRY]  # the registry follows: labels of entities no document names go
    assert after[SEED_GRAPH] == local[SEED_GRAPH]


def test_repush_drops_a_removed_document(store_copy: Path, oxigraph: str) -> None:
    cwd = store_copy.parent
    endpoint = f"{oxigraph}/store"
    ok(kg("add", "e.txt", "--store", "store", cwd=cwd))
    ok(kg("push", "--endpoint", endpoint, "--store", "store", cwd=cwd))
    ok(kg("remove", "e.txt", "--store", "store", cwd=cwd))
    ok(kg("push", "--endpoint", endpoint, "--store", "store", cwd=cwd))
    assert server_graphs(oxigraph) == local_graphs(store_copy)


# ---------------------------------------------------------------------------------------------- Oxigraph: --store URL


def test_query_on_the_server_answers_like_the_local_store(seed_store: Path, oxigraph: str) -> None:
    cwd = seed_store.parent
    ok(kg("push", "--endpoint", f"{oxigraph}/store", "--store", "store", cwd=cwd))
    local = ok(kg("query", "--store", "store", "who-killed-whom", "--format", "csv", cwd=cwd)).stdout
    assert "murder of David Amess,Ali Harbi Ali,David Amess,2021-10-15,Leigh-on-Sea" in local
    for url in (oxigraph, f"{oxigraph}/", f"{oxigraph}/query"):
        remote = ok(kg("query", "--store", url, "who-killed-whom", "--format", "csv", cwd=cwd)).stdout
        assert remote == local, url


def test_add_to_the_server_works_as_on_a_local_store(store_copy: Path, oxigraph: str) -> None:
    cwd = store_copy.parent
    ok(kg("push", "--endpoint", f"{oxigraph}/store", "--store", "store", cwd=cwd))

    result = ok(kg("add", "d.txt", "--store", oxigraph, cwd=cwd))
    assert result.stderr == f"kg: 1 added, 0 replaced, 0 unchanged -> {oxigraph}\n"
    who = f"SELECT ?label WHERE {{ ?e kg:mentionedIn <{ID}document/d.txt> ; rdfs:label ?label }} ORDER BY ?label"
    names = ok(kg("query", "--store", oxigraph, who, "--format", "csv", cwd=cwd)).stdout.splitlines()
    assert names == ["label", "Harrow Review", "Kettering Trust", "Nadia Okafor"]

    # re-adding the unchanged document leaves it alone
    result = ok(kg("add", "d.txt", "--store", oxigraph, cwd=cwd))
    assert result.stderr == f"kg: 0 added, 0 replaced, 1 unchanged -> {oxigraph}\n"

    # the server now holds what the same add gives on a local store (load times aside)
    ok(kg("add", "d.txt", "--store", "store", cwd=cwd))
    assert without_load_times(server_graphs(oxigraph)) == without_load_times(local_graphs(store_copy))


def test_viz_of_the_server_draws_what_the_local_store_does(
    seed_store: Path, oxigraph: str, tmp_path: Path
) -> None:
    cwd = seed_store.parent
    ok(kg("push", "--endpoint", f"{oxigraph}/store", "--store", "store", cwd=cwd))
    local = entities_line(kg("viz", "--store", str(seed_store), "-o", "local.html", cwd=tmp_path))
    remote = entities_line(kg("viz", "--store", oxigraph, "-o", "remote.html", cwd=tmp_path))
    assert local.startswith("kg: ") and " entities, " in local
    assert remote == local
    assert (tmp_path / "remote.html").stat().st_size > 0


# ---------------------------------------------------------------------------------------------- Oxigraph: errors


@pytest.fixture(scope="module")
def not_http() -> Iterator[str]:
    """A TCP server on 127.0.0.1 that answers every connection with a line that is not HTTP."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    conn.recv(65536)
                    conn.sendall(b"garbage\r\n\r\n")
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        done.set()
        thread.join()
        listener.close()


def test_push_errors_are_one_line(seed_store: Path, oxigraph: str, not_http: str) -> None:
    cwd = seed_store.parent
    down = f"http://127.0.0.1:{free_port()}"
    cases = {
        f"{oxigraph}/nope": "HTTP 404",  # a wrong path on a live server
        oxigraph: "HTTP 404",  # the server's base URL, not its graph store
        f"{down}/store": "cannot reach the server",  # nothing listens there
        f"{not_http}/store": "cannot reach the server",  # something that does not speak HTTP
        "notaurl": "not an http:// or https:// URL",
        "http://127.0.0.1:notaport/store": "not a valid URL",
    }
    for endpoint, message in cases.items():
        line = one_error_line(kg("push", "--endpoint", endpoint, "--store", "store", cwd=cwd))
        assert message in line, (endpoint, line)
    assert server_graphs(oxigraph) == {}  # nothing half-sent


@pytest.mark.parametrize(
    "args",
    [
        ("query", "who-killed-whom"),
        ("add", str(SEEDS / "prevent-learning-review-amess.txt"), "--root", str(ROOT)),
        ("viz", "-o", "x.html"),
        ("status",),
    ],
    ids=lambda a: a[0],
)
def test_store_url_errors_are_one_line(args: tuple[str, ...], tmp_path: Path, not_http: str) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    for url in (down, not_http):
        line = one_error_line(kg(*args, "--store", url, cwd=tmp_path))
        assert f"{url}: cannot reach the server" in line, line
    assert not (tmp_path / "x.html").exists()


# ---------------------------------------------------------------------------------------------- credentials

SECRET = "s3cret-Pa55"


@pytest.fixture(scope="module")
def guarded() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 that wants basic authentication as kg:SECRET: it answers 401 with a challenge
    without it, and then 500 with a body full of terminal escapes and line ends; yields its URL and the
    Authorization headers it got."""
    import base64
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[str] = []
    wanted = "Basic " + base64.b64encode(f"kg:{SECRET}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            auth = self.headers.get("Authorization")
            if auth:
                seen.append(auth)
            if auth != wanted:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="kg"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b"\x1b[2J\x1b]0;pwned\x07boom\rover\x9b31m written\nsecond line"
            self.send_response(500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PUT = do_POST = do_DELETE = answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def no_secret_or_control(line: str) -> None:
    assert SECRET not in line, line
    assert not [c for c in line if ord(c) < 32 or 127 <= ord(c) < 160], repr(line)


def test_passwords_never_appear_in_error_lines(seed_store: Path, guarded: tuple[str, list[str]]) -> None:
    url, _ = guarded
    cwd = seed_store.parent
    down = f"http://127.0.0.1:{free_port()}"
    for endpoint in (
        f"http://kg:{SECRET}@127.0.0.1:{url.rsplit(':', 1)[1]}/store",
        f"http://kg:{SECRET}@{down[7:]}/store",
    ):
        line = one_error_line(kg("push", "--endpoint", endpoint, "--store", "store", cwd=cwd))
        no_secret_or_control(line)
        assert "127.0.0.1" in line, line  # which server it was, without the password
    line = one_error_line(kg("status", "--store", f"http://kg:{SECRET}@{down[7:]}", cwd=cwd))
    no_secret_or_control(line)
    for slashed in (f"{SECRET[:3]}/{SECRET[3:]}", f"12/{SECRET}"):  # a password the URL standard cannot hold
        line = one_error_line(kg("status", "--store", f"http://kg:{slashed}@{down[7:]}/store", cwd=cwd))
        no_secret_or_control(line)
        assert SECRET[3:] not in line and "127.0.0.1" in line, line


def test_a_password_from_a_file_or_the_environment_reaches_the_server_and_not_the_command_line(
    seed_store: Path, guarded: tuple[str, list[str]], tmp_path: Path
) -> None:
    import base64

    url, seen = guarded
    (tmp_path / "password").write_text(SECRET + "\n", encoding="utf-8")
    wanted = "Basic " + base64.b64encode(f"kg:{SECRET}".encode()).decode()
    cwd = seed_store.parent
    for extra, env in (
        (["--password-file", str(tmp_path / "password")], None),
        ([], {"KG_PASSWORD": SECRET}),
    ):
        seen.clear()
        args = ("push", "--endpoint", f"{url}/store", "--user", "kg", *extra, "--store", "store")
        line = one_error_line(run_kg(*args, cwd=cwd, env=env, timeout=120), quiet=True)
        assert wanted in seen, (extra, seen)  # the server got the password, and answered 500
        assert "HTTP 500" in line
        no_secret_or_control(line)
    line = one_error_line(
        kg("push", "--endpoint", f"{url}/store", "--password-file", "missing", "--store", "store", cwd=cwd)
    )
    assert "missing" in line


# ---------------------------------------------------------------------------------------------- Virtuoso

VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {d}/virtuoso.db
ErrorLogFile       = {d}/virtuoso.log
LockFile           = {d}/virtuoso.lck
TransactionFile    = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {d}/virtuoso-temp.db
TransactionFile    = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort         = 127.0.0.1:{sql_port}
DisableUnixSocket  = 1
DirsAllowed        = .
NumberOfBuffers    = 10000
MaxDirtyBuffers    = 6000
CheckpointInterval = 0

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {d}
ServerThreads        = 5
MaxClientConnections = 5

[SPARQL]
ResultSetMaxRows = 100000
"""


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh Virtuoso 7 (default account dba/dba) on free ports of 127.0.0.1; its base URL."""
    assert Path(VIRTUOSO).is_file(), f"{VIRTUOSO} is missing: .ci/run installs Debian's virtuoso-opensource"
    folder = tmp_path_factory.mktemp("virtuoso")
    http_port = free_port()
    (folder / "virtuoso.ini").write_text(
        VIRTUOSO_INI.format(d=folder, sql_port=free_port(), http_port=http_port), encoding="utf-8"
    )
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [VIRTUOSO, "-f", "-c", "virtuoso.ini"], cwd=folder, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{http_port}"
    try:
        wait_until_answering(f"{base}/sparql?query=ASK%7B%7D", process, log)
        yield base
    finally:
        stop(process)


def virtuoso_select(base: str, query: str) -> list[dict[str, str]]:
    data = http(
        f"{base}/sparql",
        data=urllib.parse.urlencode({"query": query}).encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/sparql-results+json",
        },
    )
    rows = json.loads(data)["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


def virtuoso_counts(base: str) -> dict[str, int]:
    """Triples per graph of kg's, as Virtuoso's own SPARQL endpoint counts them."""
    rows = virtuoso_select(
        base,
        f'SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{ID}")) }} GROUP BY ?g',
    )
    return {row["g"]: int(row["n"]) for row in rows if row["g"] != MANIFEST}


def virtuoso_graph(base: str, graph: str) -> set[str]:
    data = http(
        f"{base}/sparql",
        data=urllib.parse.urlencode(
            {"query": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"}
        ).encode(),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/n-triples"},
    )
    return {str(t) for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)}


def test_push_to_virtuoso_with_digest_authentication(seed_store: Path, virtuoso: str) -> None:
    cwd = seed_store.parent
    endpoint = f"{virtuoso}/sparql-graph-crud-auth"
    local = local_graphs(seed_store)
    expected = {g: len(triples) for g, triples in local.items()}
    assert set(expected) == {SEED_GRAPH, REGISTRY}

    result = ok(
        kg("push", "--endpoint", endpoint, "--user", "dba", "--password", "dba", "--store", "store", cwd=cwd)
    )
    assert result.stderr == f"kg: 2 graphs ({quad_count(local)} quads) -> {endpoint}\n"
    assert virtuoso_counts(virtuoso) == expected
    for graph, triples in local.items():
        assert virtuoso_graph(virtuoso, graph) == triples, graph  # every term kept as it was

    # a re-push (the password from the environment this time) replaces the graphs: no duplicates
    env = {"KG_PUSH_PASSWORD": "dba"}
    ok(kg("push", "--endpoint", endpoint, "--user", "dba", "--store", "store", cwd=cwd, env=env))
    assert virtuoso_counts(virtuoso) == expected


@pytest.mark.parametrize(
    "credentials", [("--user", "dba", "--password", "wrong"), ("--user", "nobody", "--password", "dba"), ()]
)
def test_virtuoso_refuses_wrong_credentials(
    seed_store: Path, virtuoso: str, credentials: tuple[str, ...]
) -> None:
    endpoint = f"{virtuoso}/sparql-graph-crud-auth"
    line = one_error_line(
        kg("push", "--endpoint", endpoint, *credentials, "--store", "store", cwd=seed_store.parent)
    )
    assert line.startswith(f"kg: error: {endpoint}?graph="), line
    assert "HTTP 401" in line, line

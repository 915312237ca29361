"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint over the store or a graph file.

- ``/sparql`` answers GET (``?query=``) and POST (form-encoded ``query=``, or ``application/sparql-query``);
  results by content negotiation: SPARQL JSON (default), XML, CSV, TSV; Turtle or N-Triples for CONSTRUCT and
  DESCRIBE. An update (``update=``, ``application/sparql-update``, or an update sent as a query) is answered
  403 and changes nothing.
- Each query runs in a child process that is killed when it passes the time limit (HTTP 503 with a clear
  message), and a result with more rows than the cap is refused (HTTP 413), so one query cannot take the
  endpoint down.
- ``/`` is a small HTML page to type a query and read the table; it loads nothing from the network.
- It listens on the loopback interface unless told otherwise.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox

from kg.errors import KgError
from kg.query import Format, QueryError, Result, UpdateRefused, format_result, is_update, run_query

MAX_BODY = 1 << 20  # bytes of a POST body

_RESULT_TYPES = {
    "application/sparql-results+json": Format.JSON,
    "application/json": Format.JSON,
    "application/sparql-results+xml": Format.XML,
    "application/xml": Format.XML,
    "text/csv": Format.CSV,
    "text/tab-separated-values": Format.TSV,
}
_GRAPH_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "text/plain": "nt"}


@dataclass(frozen=True)
class Settings:
    store_path: Path | None  # the store's Oxigraph folder, or None to use `memory`
    timeout: float = 10.0
    max_rows: int = 10_000


class Endpoint:
    """What the server queries: a store on disk (opened read-only in each child) or a graph held in memory."""

    def __init__(self, settings: Settings, memory: ox.Store | None = None) -> None:
        self.settings = settings
        self.memory = memory
        self._context = multiprocessing.get_context("fork")

    def answer(self, query: str, accept: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for one query, run in a child process under the time limit."""
        parent, child = self._context.Pipe(duplex=False)
        proc = self._context.Process(target=self._child, args=(query, accept, child), daemon=True)
        proc.start()
        child.close()
        try:
            if parent.poll(self.settings.timeout):
                status, ctype, body = parent.recv()
                proc.join(1)
                return int(status), str(ctype), bytes(body)
            return _text(
                HTTPStatus.SERVICE_UNAVAILABLE,
                f"query cut off after {self.settings.timeout:g} s (the limit of this endpoint)",
            )
        except EOFError:
            return _text(HTTPStatus.INTERNAL_SERVER_ERROR, "the query process ended without an answer")
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join()
            parent.close()

    def _child(self, query: str, accept: str, out: Connection) -> None:
        try:
            store = (
                self.memory if self.memory is not None else ox.Store.read_only(str(self.settings.store_path))
            )
            out.send(respond(store, query, accept, self.settings.max_rows))
        except BaseException as e:  # the parent must always get an answer
            out.send(_text(HTTPStatus.INTERNAL_SERVER_ERROR, f"query failed: {e}"))
        finally:
            out.close()


def respond(store: ox.Store, query: str, accept: str, max_rows: int) -> tuple[int, str, bytes]:
    """Run one query and render it as the client asked."""
    if is_update(query):
        return _text(HTTPStatus.FORBIDDEN, "this endpoint is read-only: SPARQL updates are refused")
    try:
        result = run_query(store, query, limit=max_rows)
    except UpdateRefused:
        return _text(HTTPStatus.FORBIDDEN, "this endpoint is read-only: SPARQL updates are refused")
    except QueryError as e:
        return _text(HTTPStatus.BAD_REQUEST, str(e))
    if len(result.rows) > max_rows or len(result.triples or []) > max_rows:
        return _text(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"the result has more than {max_rows} rows (the cap of this endpoint): add a LIMIT",
        )
    return _render(result, accept)


def _render(result: Result, accept: str) -> tuple[int, str, bytes]:
    wanted = [part.split(";")[0].strip().lower() for part in accept.split(",") if part.strip()]
    if result.kind == "graph":
        syntax = next((_GRAPH_TYPES[w] for w in wanted if w in _GRAPH_TYPES), "turtle")
        if syntax == "nt":
            data = ox.serialize(result.triples or [], format=ox.RdfFormat.N_TRIPLES) or b""
            return HTTPStatus.OK, "application/n-triples", data
        return (
            HTTPStatus.OK,
            "text/turtle; charset=utf-8",
            format_result(result, Format.TABLE).encode("utf-8"),
        )
    chosen: tuple[str, Format] = next(
        ((w, _RESULT_TYPES[w]) for w in wanted if w in _RESULT_TYPES),
        ("application/sparql-results+json", Format.JSON),
    )
    ctype, fmt = chosen
    if ctype == "application/json":
        ctype = "application/sparql-results+json"
    if ctype == "application/xml":
        ctype = "application/sparql-results+xml"
    return HTTPStatus.OK, f"{ctype}; charset=utf-8", format_result(result, fmt).encode("utf-8")


def _text(status: int, message: str) -> tuple[int, str, bytes]:
    return int(status), "text/plain; charset=utf-8", (message + "\n").encode("utf-8")


class Handler(BaseHTTPRequestHandler):
    endpoint: Endpoint
    server_version = "kg"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:  # type: ignore[attr-defined]
            sys.stderr.write("kg serve: " + (format % args) + "\n")

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/":
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", PAGE.encode("utf-8"))
            return
        if url.path != "/sparql":
            self._send(*_text(HTTPStatus.NOT_FOUND, "not found: the endpoint is /sparql"))
            return
        params = parse_qs(url.query)
        self._dispatch(params)

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/sparql":
            self._send(*_text(HTTPStatus.NOT_FOUND, "not found: the endpoint is /sparql"))
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(*_text(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"request body over {MAX_BODY} bytes"))
            return
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype == "application/sparql-update":
            self._send(*_text(HTTPStatus.FORBIDDEN, "this endpoint is read-only: SPARQL updates are refused"))
            return
        if ctype == "application/sparql-query":
            self._dispatch({"query": [body]})
            return
        params = parse_qs(body)
        params.update({k: v for k, v in parse_qs(url.query).items() if k not in params})
        self._dispatch(params)

    def _dispatch(self, params: dict[str, list[str]]) -> None:
        if "update" in params:
            self._send(*_text(HTTPStatus.FORBIDDEN, "this endpoint is read-only: SPARQL updates are refused"))
            return
        queries = params.get("query", [])
        if len(queries) != 1 or not queries[0].strip():
            self._send(*_text(HTTPStatus.BAD_REQUEST, "give exactly one query (the 'query' parameter)"))
            return
        accept = self.headers.get("Accept") or "application/sparql-results+json"
        self._send(*self.endpoint.answer(queries[0], accept))

    def _send(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    verbose = False


def make_server(
    endpoint: Endpoint, host: str = "127.0.0.1", port: int = 7878, *, verbose: bool = False
) -> Server:
    handler = type("BoundHandler", (Handler,), {"endpoint": endpoint})
    try:
        server = Server((host, port), handler)
    except OSError as e:
        raise KgError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    server.verbose = verbose
    return server


def serve_in_thread(server: Server) -> threading.Thread:
    """Serve in a background thread (for tests and embedding); stop with ``server.shutdown()``."""
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    return t


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kg SPARQL</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:80em}
textarea{width:100%;height:12em;font-family:monospace}
table{border-collapse:collapse;margin-top:1em}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
#msg{color:#a00;white-space:pre-wrap}
</style></head><body>
<h1>kg SPARQL endpoint</h1>
<p>Read-only. The prefixes kg:, kgi:, rdfs:, skos:, schema:, prov:, dcterms: and others are declared for you.</p>
<form id="f"><textarea id="q" name="query">SELECT ?incident ?perpetrator WHERE {
  ?i a kg:Incident ; rdfs:label ?incident ; kg:perpetrator/rdfs:label ?perpetrator .
} LIMIT 50</textarea><br><button type="submit">Run</button></form>
<div id="msg"></div><table id="out"></table>
<script>
const f=document.getElementById('f'),out=document.getElementById('out'),msg=document.getElementById('msg');
function cell(tag,text){const c=document.createElement(tag);c.textContent=text;return c;}
f.addEventListener('submit',async e=>{e.preventDefault();out.replaceChildren();msg.textContent='';
 const r=await fetch('/sparql',{method:'POST',headers:{'Content-Type':'application/x-www-form-urlencoded',
   'Accept':'application/sparql-results+json'},body:new URLSearchParams({query:document.getElementById('q').value})});
 const text=await r.text();if(!r.ok){msg.textContent=text;return;}
 let data;try{data=JSON.parse(text);}catch(_){msg.textContent=text;return;}
 if('boolean' in data){msg.textContent=String(data.boolean);return;}
 const head=document.createElement('tr');data.head.vars.forEach(v=>head.appendChild(cell('th',v)));out.appendChild(head);
 data.results.bindings.forEach(b=>{const tr=document.createElement('tr');
   data.head.vars.forEach(v=>tr.appendChild(cell('td',b[v]?b[v].value:'')));out.appendChild(tr);});
 msg.textContent=data.results.bindings.length+' rows';});
</script></body></html>
"""

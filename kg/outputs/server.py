"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint over the store or a graph file.

- ``/sparql`` answers GET and HEAD (``?query=``) and POST (form-encoded ``query=``, or
  ``application/sparql-query``); results by content negotiation: SPARQL JSON (default), XML, CSV, TSV; Turtle or
  N-Triples for CONSTRUCT and DESCRIBE. OPTIONS answers 204 with the methods allowed; other methods 405. An update
  (``update=``, ``application/sparql-update``, or an update sent as a query) is answered 403 and changes nothing.
- It calls no other server: a query that uses SERVICE is answered 400 (so it cannot be made to reach addresses
  behind it, nor itself). A query nested or chained deep enough to crash the SPARQL engine is answered 400 too.
- It answers only requests that name it: the Host header must be the address it listens on (for a loopback
  address: ``127.0.0.1``, ``localhost`` or ``[::1]``, with its port or none), else 403, so that a web page whose
  name is made to resolve to this machine (DNS rebinding) cannot read it. A request another web site's page makes
  (an ``Origin`` other than the server's own, or ``Sec-Fetch-Site: cross-site``) is answered 403; the query page
  at ``/`` is same-origin and works.
- Each query runs in a child process that is killed when it passes the time limit (HTTP 503 with a clear
  message) and whose memory is capped (``RLIMIT_AS``: a query that passes it is a 503); a result with more rows
  than the cap, or more bytes, is refused (HTTP 413). At most ``max_queries`` run at once (more: 503, "busy, try
  again"), so one query, or a few, cannot take the endpoint down.
- Connections are capped (``max_connections``; one more is answered 503 at once and closed) and each client has
  ``client_timeout`` seconds to send its whole request, and may stall no longer than that while it reads the
  answer, so slow clients cannot hold the server's threads. A request body must say its length
  (``Content-Length``: missing 411, not a number 400, over 1 MB 413).
- Error messages never show the store's path on disk.
- ``/`` is a small HTML page to type a query and read the table; it loads nothing from the network.
- Each query is logged on stderr in one line: when, the status, the rows (or triples) of the answer, the
  milliseconds it took and the start of the query, its control characters and bidirectional marks escaped
  (``kg.errors.printable``); ``quiet`` silences it. ``verbose`` logs every HTTP request besides.
- It listens on the loopback interface unless told otherwise.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import multiprocessing
import queue
import re
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox

from kg.errors import KgError, printable
from kg.graph.sparql import QueryError, Result, ServiceRefused, UpdateRefused, is_update, run_query
from kg.outputs.results import Format, format_result

MAX_BODY = 1 << 20  # bytes of a POST body
ALLOWED = "GET, HEAD, POST, OPTIONS"
MIB = 1 << 20
LOGGED_QUERY = 80  # characters of a query its log line shows

_RESULT_TYPES = {
    "application/sparql-results+json": Format.JSON,
    "application/json": Format.JSON,
    "application/sparql-results+xml": Format.XML,
    "application/xml": Format.XML,
    "text/csv": Format.CSV,
    "text/tab-separated-values": Format.TSV,
}
_GRAPH_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "text/plain": "nt"}
_READ_ONLY = "this endpoint is read-only: SPARQL updates are refused"
_NO_SERVICE = "SERVICE calls other servers: this endpoint does not follow them"


class Answer(NamedTuple):
    """An answer to a request: status, content type, body, and what the result holds for the log line."""

    status: int
    ctype: str
    body: bytes
    holds: str = "-"  # "3 rows", "12 triples"; "-" when there is no result (an error, or ASK)


@dataclass(frozen=True)
class Settings:
    store_path: Path | None  # the store's Oxigraph folder, or None to use `memory`
    timeout: float = 10.0  # seconds a query may run
    max_rows: int = 10_000  # rows (or triples) of a result
    max_bytes: int = 10_000_000  # bytes of a result, as sent
    max_memory: int = 2048 * MIB  # bytes a query's process may add once the store is open
    max_queries: int = 4  # queries running at once
    max_connections: int = 32  # connections open at once
    client_timeout: float = 20.0  # seconds a client has to send its request (and may stall while reading)


class Endpoint:
    """What the server queries: a store on disk (opened read-only in each child) or a graph held in memory."""

    def __init__(self, settings: Settings, memory: ox.Store | None = None) -> None:
        self.settings = settings
        self.memory = memory
        self._context = multiprocessing.get_context("fork")
        self._running = threading.BoundedSemaphore(settings.max_queries)
        self._live: set[multiprocessing.process.BaseProcess] = set()
        self._live_lock = threading.Lock()
        self._closed = False

    def close(self) -> None:
        """Kill the queries still running: a child busy in Oxigraph's native code never sees SIGTERM's handler, and
        would run on after the server stopped."""
        with self._live_lock:
            self._closed = True  # a request still in a thread starts no query after this
            for proc in self._live:
                if proc.is_alive():
                    proc.kill()

    def answer(self, query: str, accept: str) -> Answer:
        """(status, content type, body) for one query, run in a child process under the limits."""
        if is_update(query):
            return _text(HTTPStatus.FORBIDDEN, _READ_ONLY)
        # SERVICE and queries nested too deep are refused in the child (kg.graph.sparql.run_query), under its time limit
        if not self._running.acquire(blocking=False):
            return _text(
                HTTPStatus.SERVICE_UNAVAILABLE,
                f"busy, try again: this endpoint runs at most {self.settings.max_queries} queries at once",
            )
        try:
            return self._run(query, accept)
        finally:
            self._running.release()

    def _run(self, query: str, accept: str) -> Answer:
        parent, child = self._context.Pipe(duplex=False)
        proc = self._context.Process(target=self._child, args=(query, accept, child), daemon=True)
        with self._live_lock:
            if self._closed:
                parent.close()
                child.close()
                return _text(HTTPStatus.SERVICE_UNAVAILABLE, "the endpoint is stopping")
            proc.start()
            self._live.add(proc)
        child.close()
        try:
            if parent.poll(self.settings.timeout):
                status, ctype, body, holds = parent.recv()
                proc.join(1)
                return Answer(int(status), str(ctype), bytes(body), str(holds))
            return _text(
                HTTPStatus.SERVICE_UNAVAILABLE,
                f"query cut off after {self.settings.timeout:g} s (the limit of this endpoint)",
            )
        except EOFError:  # the child died without a word: out of memory (Oxigraph aborts), or worse
            proc.join(5)
            if proc.exitcode == -signal.SIGABRT:
                return _text(HTTPStatus.SERVICE_UNAVAILABLE, self._out_of_memory())
            return _text(HTTPStatus.INTERNAL_SERVER_ERROR, "the query process ended without an answer")
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join()
            with self._live_lock:
                self._live.discard(proc)
            parent.close()

    def _out_of_memory(self) -> str:
        return (
            f"the query ran out of memory (this endpoint gives a query {self.settings.max_memory // MIB} MiB): "
            "add a LIMIT or ask for less"
        )

    def _child(self, query: str, accept: str, out: Connection) -> None:
        try:
            if self.memory is not None:
                store = self.memory
            else:
                try:
                    store = ox.Store.read_only(str(self.settings.store_path))
                except (OSError, RuntimeError, ValueError):
                    out.send(_text(HTTPStatus.SERVICE_UNAVAILABLE, "the store cannot be opened"))
                    return
            # counted from here: opening the store (its threads, its caches) is not the query's share
            _cap_memory(self.settings.max_memory)
            out.send(respond(store, query, accept, self.settings))
        except MemoryError:
            out.send(_text(HTTPStatus.SERVICE_UNAVAILABLE, self._out_of_memory()))
        except BaseException as e:  # the parent must always get an answer
            message = _private(f"query failed: {e}", self.settings.store_path)
            out.send(_text(HTTPStatus.INTERNAL_SERVER_ERROR, message))
        finally:
            out.close()


def _private(message: str, path: Path | None) -> str:
    """`message` with the store's path, however written, replaced by "the store"."""
    if path is None:
        return message
    for form in sorted({str(path), str(path.absolute()), str(path.resolve())}, key=len, reverse=True):
        message = message.replace(form, "the store")
    return message


def _cap_memory(extra: int) -> None:
    """Cap this process's address space at what it holds now plus `extra` bytes (Linux; elsewhere nothing)."""
    import resource

    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    limit = pages * resource.getpagesize() + extra
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def respond(store: ox.Store, query: str, accept: str, settings: Settings) -> Answer:
    """Run one query and render it as the client asked, within the caps on rows and bytes."""
    max_rows, max_bytes = settings.max_rows, settings.max_bytes
    try:
        result = run_query(store, query, limit=max_rows)
    except UpdateRefused:
        return _text(HTTPStatus.FORBIDDEN, _READ_ONLY)
    except ServiceRefused:
        return _text(HTTPStatus.BAD_REQUEST, _NO_SERVICE)
    except QueryError as e:
        return _text(HTTPStatus.BAD_REQUEST, _private(str(e), settings.store_path))
    if len(result.rows) > max_rows or len(result.triples or []) > max_rows:
        return _text(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"the result has more than {max_rows} rows (the cap of this endpoint): add a LIMIT",
        )
    too_big = _text(
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        f"the result is over {max_bytes} bytes (the cap of this endpoint): add a LIMIT or ask for less",
    )
    if _text_size(result) > max_bytes:  # before it is rendered: the rendering would be bigger still
        return too_big
    status, ctype, body = _render(result, accept)
    if len(body) > max_bytes:
        return too_big
    return Answer(status, ctype, body, _holds(result))


def _holds(result: Result) -> str:
    """What a result holds, for the log: "3 rows", "1 row", "12 triples"; "-" for a boolean."""
    if result.kind == "boolean":
        return "-"
    n, what = (len(result.triples or []), "triple") if result.kind == "graph" else (len(result.rows), "row")
    return f"{n} {what}{'' if n == 1 else 's'}"


def _text_size(result: Result) -> int:
    """Characters no rendering of the result can take fewer of: every term of its rows (each format writes them
    whole); the literals of its triples (Turtle abbreviates IRIs with prefixes, and may write a blank node as
    ``[]``)."""
    size = 0
    for row in result.rows:
        size += sum(len(t.value) for t in row.values() if t is not None)
    for t in result.triples or []:
        size += len(t.object.value) if isinstance(t.object, ox.Literal) else 0
    return size


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


def _text(status: int, message: str) -> Answer:
    return Answer(int(status), "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))


# ---------------------------------------------------------------------- who may ask
def allowed_hosts(host: str, address: str) -> tuple[frozenset[str], bool]:
    """The names a request's Host may give for a server told to listen on `host` and bound to `address`, and
    whether any IP address is also allowed (when it listens on every interface: an address is not a name a web
    page can have rebound)."""
    names = {host.lower().strip("[]"), address.lower()}
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return frozenset(names), False
    if ip.is_loopback:
        names |= {"127.0.0.1", "localhost", "::1"}
    if ip.is_unspecified:
        names |= {"localhost", socket.gethostname().lower(), socket.getfqdn().lower()}
    return frozenset(names), ip.is_unspecified


def _host_port(value: str) -> tuple[str, int | None] | None:
    """(name, port) of a Host header (``name``, ``name:port``, ``[v6]:port``), or None if it is not one."""
    m = re.fullmatch(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::([0-9]{1,5}))?", value.strip())
    if m is None:
        return None
    return m[1].lower().strip("[]").rstrip("."), int(m[2]) if m[2] else None


def _origin(value: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an Origin header, or None (``null``, or not an origin)."""
    try:
        url = urlsplit(value.strip())
        port = url.port
    except ValueError:
        return None
    if url.scheme not in ("http", "https") or not url.hostname or url.path not in ("", "/"):
        return None
    return url.scheme, url.hostname.rstrip("."), port or (443 if url.scheme == "https" else 80)


# ---------------------------------------------------------------------- HTTP
class _Deadline(io.RawIOBase):
    """A socket's reading side that ends with TimeoutError once `deadline` (time.monotonic) has passed."""

    def __init__(self, sock: socket.socket, deadline: float, stall: float) -> None:
        self.sock, self.deadline, self.stall = sock, deadline, stall

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request took too long")
        self.sock.settimeout(min(left, self.stall))
        return self.sock.recv_into(buffer)


class Handler(BaseHTTPRequestHandler):
    endpoint: Endpoint
    server_version = "kg"
    sys_version = ""

    def setup(self) -> None:
        super().setup()  # the socket's timeout: `timeout`, the settings' client_timeout
        stall = self.endpoint.settings.client_timeout
        self.rfile = io.BufferedReader(_Deadline(self.connection, time.monotonic() + stall, stall))

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:  # type: ignore[attr-defined]
            sys.stderr.write(
                "kg serve: " + printable(format % args) + "\n"
            )  # the request line is the client's

    def _log_query(self, query: str, answer: Answer, started: float) -> None:
        """One line on stderr for a query: when, status, what the answer holds, milliseconds, the query's start."""
        if self.server.quiet:  # type: ignore[attr-defined]
            return
        millis = round((time.monotonic() - started) * 1000)
        text = " ".join(query.split())
        shown = printable(text if len(text) <= LOGGED_QUERY else text[: LOGGED_QUERY - 1] + "…")
        when = datetime.now().astimezone().isoformat(timespec="seconds")
        sys.stderr.write(f"kg serve: {when} {answer.status} {answer.holds} {millis} ms {shown}\n")
        sys.stderr.flush()

    def do_GET(self) -> None:
        if not self._allowed():
            return
        url = urlsplit(self.path)
        if url.path == "/":
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", PAGE.encode("utf-8"))
            return
        if url.path != "/sparql":
            self._send(*_text(HTTPStatus.NOT_FOUND, "not found: the endpoint is /sparql"))
            return
        params = parse_qs(url.query)
        self._dispatch(params)

    do_HEAD = do_GET  # the same answer; _send leaves the body out

    def do_OPTIONS(self) -> None:
        if not self._allowed():
            return
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Allow", ALLOWED)
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _not_allowed(self) -> None:
        if not self._allowed():
            return
        self._send(*_text(HTTPStatus.METHOD_NOT_ALLOWED, f"method not allowed: use {ALLOWED}"), allow=True)

    do_PUT = do_DELETE = do_PATCH = do_TRACE = do_CONNECT = _not_allowed

    def do_POST(self) -> None:
        if not self._allowed():
            return
        url = urlsplit(self.path)
        if url.path != "/sparql":
            self._refuse(*_text(HTTPStatus.NOT_FOUND, "not found: the endpoint is /sparql"))
            return
        if self.headers.get("Transfer-Encoding") is not None:
            self._refuse(
                *_text(
                    HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length (it is not read chunked)"
                )
            )
            return
        lengths = {v.strip() for v in self.headers.get_all("Content-Length") or []}
        if not lengths:
            self._refuse(*_text(HTTPStatus.LENGTH_REQUIRED, "a POST needs a Content-Length"))
            return
        (length_text,) = lengths if len(lengths) == 1 else ("",)
        if not re.fullmatch(r"[0-9]+", length_text):
            self._refuse(
                *_text(HTTPStatus.BAD_REQUEST, "invalid Content-Length: give the body's size in bytes")
            )
            return
        length = int(length_text)
        if length > MAX_BODY:
            self._refuse(*_text(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"request body over {MAX_BODY} bytes"))
            return
        data = self.rfile.read(length)
        if len(data) < length:
            self._send(*_text(HTTPStatus.BAD_REQUEST, "the body ended before its Content-Length"))
            return
        body = data.decode("utf-8", errors="replace")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype == "application/sparql-update":
            answer = _text(HTTPStatus.FORBIDDEN, _READ_ONLY)
            self._send(*answer)
            self._log_query(body, answer, time.monotonic())
            return
        if ctype == "application/sparql-query":
            self._dispatch({"query": [body]})
            return
        params = parse_qs(body)
        params.update({k: v for k, v in parse_qs(url.query).items() if k not in params})
        self._dispatch(params)

    def _allowed(self) -> bool:
        """Whether the request names this server (Host) and comes from no other web site; if not, answer 403."""
        server: Server = self.server  # type: ignore[assignment]
        hosts = self.headers.get_all("Host") or []
        named = _host_port(hosts[0]) if len(hosts) == 1 else None
        if named is None or not server.names(*named):
            self._refuse(
                *_text(
                    HTTPStatus.FORBIDDEN,
                    "refused: the Host header does not name this server (DNS rebinding?)",
                )
            )
            return False
        origin = self.headers.get("Origin")
        site = (self.headers.get("Sec-Fetch-Site") or "").strip().lower()
        own = ("http", named[0], named[1] or 80)
        if site == "cross-site" or (origin is not None and _origin(origin) != own):
            self._refuse(*_text(HTTPStatus.FORBIDDEN, "refused: a cross-site request (from another origin)"))
            return False
        return True

    def _dispatch(self, params: dict[str, list[str]]) -> None:
        started = time.monotonic()
        queries = params.get("query", [])
        if "update" in params:
            answer = _text(HTTPStatus.FORBIDDEN, _READ_ONLY)
            query = " ".join(params["update"])
        elif len(queries) != 1 or not queries[0].strip():
            answer = _text(HTTPStatus.BAD_REQUEST, "give exactly one query (the 'query' parameter)")
            query = " ".join(queries)
        else:
            accept = self.headers.get("Accept") or "application/sparql-results+json"
            query = queries[0]
            answer = self.endpoint.answer(query, accept)
        self._send(*answer)
        self._log_query(query, answer, started)

    def _send(self, status: int, ctype: str, body: bytes, holds: str = "-", *, allow: bool = False) -> None:
        self.connection.settimeout(self.timeout)  # the request is read: now each write may stall this long
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if allow:
            self.send_header("Allow", ALLOWED)
        if status == HTTPStatus.SERVICE_UNAVAILABLE:
            self.send_header("Retry-After", "1")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _refuse(self, status: int, ctype: str, body: bytes, holds: str = "-") -> None:
        """Answer without reading the request's body, then close: what the client still sends is read and
        dropped for a moment first, so that closing does not reset the connection before it reads the answer."""
        self.close_connection = True
        self._send(status, ctype, body)
        self.wfile.flush()
        _linger(self.connection)


def _linger(sock: socket.socket, seconds: float = 1.0, most: int = 4 * MIB) -> None:
    """Stop writing to `sock`, then read and drop what the peer sends until it closes, for at most `seconds` and
    `most` bytes."""
    deadline, dropped = time.monotonic() + seconds, 0
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)
        while dropped < most and (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            chunk = sock.recv(65536)
            if not chunk:
                break
            dropped += len(chunk)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # Ctrl-C stops at once; server_close kills the queries still running
    verbose = False  # log every request
    quiet = False  # no line per query

    def __init__(
        self, address: tuple[str, int], handler: type[Handler], settings: Settings, host: str
    ) -> None:
        self.settings = settings
        self.slots = threading.BoundedSemaphore(settings.max_connections)
        self.turned_away: queue.Queue[socket.socket | None] = queue.Queue(maxsize=64)
        super().__init__(address, handler)  # binds, or closes itself and raises OSError
        bound = self.server_address[0]
        self.hosts, self.any_address = allowed_hosts(
            host, bound.decode() if isinstance(bound, (bytes, bytearray)) else str(bound)
        )
        threading.Thread(target=self._turn_away, daemon=True).start()

    def names(self, name: str, port: int | None) -> bool:
        """Whether a Host header's name and port name this server."""
        if port is not None and port != self.server_address[1]:
            return False
        if name in self.hosts:
            return True
        if self.any_address:
            with contextlib.suppress(ValueError):
                ipaddress.ip_address(name)
                return True
        return False

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            try:  # over the cap: a 503, from another thread, or nothing when that one is behind too
                self.turned_away.put_nowait(request)
            except queue.Full:
                self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def _turn_away(self) -> None:
        """Answer the connections over the cap, one at a time: 503, then close (each within 2 s)."""
        body = f"busy, try again: this endpoint serves {self.settings.max_connections} connections at once\n"
        answer = (
            "HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n{body}"
        ).encode()
        while (sock := self.turned_away.get()) is not None:
            with contextlib.suppress(OSError):
                sock.settimeout(0.5)
                with contextlib.suppress(TimeoutError):
                    sock.recv(65536)  # the request, if it came: read before answering
                sock.sendall(answer)
                _linger(sock, 0.5, MAX_BODY)
            self.shutdown_request(sock)

    def server_close(self) -> None:
        super().server_close()
        self.RequestHandlerClass.endpoint.close()  # type: ignore[attr-defined]
        with contextlib.suppress(queue.Full):
            self.turned_away.put_nowait(None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One line, never a traceback; a client that went away or timed out is no news, unless verbose."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)) and not self.verbose:
            return
        sys.stderr.write(f"kg serve: error with a client: {type(error).__name__}: {error}\n")


def make_server(
    endpoint: Endpoint,
    host: str = "127.0.0.1",
    port: int = 7878,
    *,
    verbose: bool = False,
    quiet: bool = False,
) -> Server:
    handler = type(
        "BoundHandler", (Handler,), {"endpoint": endpoint, "timeout": endpoint.settings.client_timeout}
    )
    try:
        server = Server((host, port), handler, endpoint.settings, host)
    except OSError as e:
        raise KgError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    server.verbose = verbose
    server.quiet = quiet
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
#msg{white-space:pre-wrap}#msg.error{color:#a00}#msg.count{color:#555}
</style></head><body>
<h1>kg SPARQL endpoint</h1>
<p>Read-only. The prefixes kg:, kgi:, rdfs:, skos:, schema:, prov:, dcterms: and others are declared for you.</p>
<form id="f"><textarea id="q" name="query">SELECT DISTINCT ?incident ?perpetrator WHERE {
  ?i a kg:Incident ; rdfs:label ?incident ; kg:perpetrator/rdfs:label ?perpetrator .
} LIMIT 50</textarea><br><button type="submit">Run</button></form>
<div id="msg"></div><table id="out"></table>
<script>
const f=document.getElementById('f'),out=document.getElementById('out'),msg=document.getElementById('msg');
function cell(tag,text){const c=document.createElement(tag);c.textContent=text;return c;}
function say(text,kind){msg.textContent=text;msg.className=kind;}
f.addEventListener('submit',async e=>{e.preventDefault();out.replaceChildren();say('','');
 const r=await fetch('/sparql',{method:'POST',headers:{'Content-Type':'application/x-www-form-urlencoded',
   'Accept':'application/sparql-results+json'},body:new URLSearchParams({query:document.getElementById('q').value})});
 const text=await r.text();if(!r.ok){say(text,'error');return;}
 let data;try{data=JSON.parse(text);}catch(_){say(text,'error');return;}
 if('boolean' in data){say(String(data.boolean),'count');return;}
 const head=document.createElement('tr');data.head.vars.forEach(v=>head.appendChild(cell('th',v)));out.appendChild(head);
 data.results.bindings.forEach(b=>{const tr=document.createElement('tr');
   data.head.vars.forEach(v=>tr.appendChild(cell('td',b[v]?b[v].value:'')));out.appendChild(tr);});
 const n=data.results.bindings.length;say(n+(n===1?' row':' rows'),'count');});
</script></body></html>
"""

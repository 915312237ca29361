"""What the tests that run the `kg` command share: running it as a real subprocess, and reading its outcome."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Invented people for generated test documents: FIRST[i] LAST[j].
FIRST = [
    "Tom",
    "Clara",
    "Nadia",
    "Gareth",
    "Ruth",
    "Imran",
    "Alma",
    "Bryn",
    "Cora",
    "Dilys",
    "Ewan",
    "Fenella",
]
LAST = ["Ashdown", "Venn", "Okafor", "Mullins", "Pellow", "Castell", "Brierley", "Quayle", "Tennant", "Oakes"]


def kg_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a `kg` subprocess runs in: this checkout first on the import path."""
    return {**os.environ, "PYTHONPATH": str(ROOT), **(extra or {})}


def kg(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`kg ARGS` run in `cwd`, with its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args],
        cwd=cwd,
        env=kg_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """The result of a command that must succeed without a traceback."""
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def one_error_line(result: subprocess.CompletedProcess[str], status: int = 2, *, quiet: bool = False) -> str:
    """The one line a failing command writes on stderr ("kg: error: ..."), with its exit status; with `quiet`,
    nothing on stdout either."""
    assert result.returncode == status, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kg: error: "), lines[0]
    if quiet:
        assert result.stdout == ""
    return lines[0]


#: How a cell of kg's CSV tables (`kg export -o FILE.csv`) starts when a spreadsheet would run it as a formula
#: (OWASP's list: "=", "+", "-", "@", tab, carriage return): kg writes a single quote before it.
FORMULA_START = re.compile("[\\s\\x00]*[=+\\-@]|[\t\r\\x00]")


def from_spreadsheet(cell: str) -> str:
    """The text of a cell of kg's CSV tables, as README tells a reader to get it: the one single quote put before
    a formula taken off (a cell of single quotes and then a formula's first character)."""
    return re.sub("^'(?='*(?:[\\s\\x00]*[=+\\-@]|[\t\r\\x00]))", "", cell)


# ---------------------------------------------------------------------- a SPARQL server that counts its callers
#: What the stub answers: one solution, whatever it was asked (SPARQL 1.1 Query Results JSON).
STUB_ANSWER = (
    b'{"head": {"vars": ["s", "p", "o", "x"]}, "results": {"bindings": [{'
    b'"s": {"type": "uri", "value": "https://example.org/stub/thing"}, '
    b'"p": {"type": "uri", "value": "http://www.w3.org/2000/01/rdf-schema#label"}, '
    b'"o": {"type": "literal", "value": "from the stub"}, '
    b'"x": {"type": "literal", "value": "from the stub"}}]}}'
)


@dataclass
class Stub:
    """A SPARQL endpoint on 127.0.0.1: `url` to call, `requests` (method, path, body) it was sent."""

    url: str
    requests: list[tuple[str, str, bytes]]


@contextlib.contextmanager
def sparql_stub(status: int = 200) -> Iterator[Stub]:
    """A stub SPARQL endpoint on 127.0.0.1 (a free port) that records every request and answers each with
    STUB_ANSWER, or with an empty `status` error; it stops when the block ends."""
    requests: list[tuple[str, str, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            requests.append((self.command, self.path, self.rfile.read(min(length, 1 << 20))))
            body = STUB_ANSWER if status == 200 else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serving(Handler) as port:
        yield Stub(f"http://127.0.0.1:{port}/sparql", requests)


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """An HTTP server on 127.0.0.1 (a free port) answering with `handler`, in a thread; its port. It stops when the
    block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@contextlib.contextmanager
def page_server(body: bytes, content_type: str | None = None) -> Iterator[int]:
    """An HTTP server on 127.0.0.1 (a free port) that answers every GET with `body`; its port. It stops when the
    block ends."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            if content_type is not None:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serving(Page) as port:
        yield port


def raw_http(host: str, port: int, request: bytes, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """Send `request` as it is, read the whole answer: (status, headers, body); status 0 if none came."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(request)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_WR)
        data = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                data += chunk
    if not data:
        return 0, {}, b""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def interrupt(proc: subprocess.Popen[str]) -> None:
    """Stop a server as Ctrl-C does (SIGINT), killing it if it has not ended within 10 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (taken from the kernel, then let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_pdf(pages: list[list[str]]) -> bytes:
    """A PDF with a text layer: each page's lines in Helvetica, top to bottom (written by hand, so the tests need
    no PDF library beyond the reader kg uses)."""
    objects: list[bytes] = []
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, lines in enumerate(pages):
        content = (
            "BT /F1 11 Tf 14 TL 56 790 Td "
            + " ".join(
                "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") Tj T*"
                for line in lines
            )
            + " ET"
        )
        data = content.encode("latin-1", errors="replace")  # the standard font: Latin-1; "?" for the rest
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {page_ids[i] + 1} 0 R >>".encode()
        )
        objects.append(b"<< /Length " + str(len(data)).encode() + b" >>\nstream\n" + data + b"\nendstream")
    return pdf_from_objects(objects)


def pdf_from_objects(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF of these objects (numbered from 1, the first the catalog), with its cross-reference table; `trailer`
    adds entries to the trailer."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R ".encode() + trailer
    out += f">>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)

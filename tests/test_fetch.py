"""Documents at URLs, fetched from a real HTTP server on 127.0.0.1 that the test starts: nothing reaches the network.

The tests that make kg follow a redirect elsewhere run kg in this process under `no_connections_but_loopback`, an
audit hook that refuses, before the system call, any connection to an address outside 127.0.0.0/8 and ::1: were
kg to follow such a redirect, the test fails without a packet leaving the machine.
"""

from __future__ import annotations

import base64
import gzip
import ipaddress
import resource
import subprocess
import sys
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from helpers import ROOT, kg, kg_env, make_pdf
from rdflib import DCTERMS, XSD, Graph, Literal, URIRef
from test_formats import PAGE, PARAGRAPHS, pdf_pages

from kg.errors import InputError
from kg.graph.rdfmap import document_iri
from kg.ontology.vocab import KG
from kg.text.read import MAX_DOCUMENT_BYTES, read_url

PDF = make_pdf(pdf_pages())
TEXT = "Tom Ashdown was stabbed in Corby on Friday, police said.\n"
SECOND = "Ann Ode was stabbed in Lowmoor on Saturday, police said.\n"
MARKUP_TEXT = "Clara Venn wrote <p> and <div> into her notes.\n" + TEXT  # text that mentions tags
MARKDOWN = "# Notes\n\n" + TEXT
PASSWORD = "s3cr3t-Pa55"
CREDENTIALS = "Basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
BIG_TEXT_BYTES = 45_000_000


class Handler(BaseHTTPRequestHandler):
    served: ClassVar[list[str]] = []
    #: Every request: its path and the headers it came with.
    requests: ClassVar[list[tuple[str, dict[str, str]]]] = []
    #: How many times each /changing/NAME.txt was asked for: each test asks for a name of its own.
    versions: ClassVar[dict[str, int]] = {}
    big_text_sent: ClassVar[int] = 0

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer_short(self) -> None:
        """Says 1,000 bytes, sends 500 and hangs up."""
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"a " * 250)

    def redirect(self, location: str, *headers: tuple[str, str]) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def drip(self, data: bytes, seconds: float) -> None:
        """`data` a byte at a time, one every 0.2 s, for at most `seconds`, until the reader hangs up."""
        end = time.monotonic() + seconds
        try:
            for byte in data:
                if time.monotonic() > end:
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass

    def do_GET(self) -> None:
        Handler.served.append(self.path)
        Handler.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        port = self.server.server_address[1]
        if self.path in GETS:
            GETS[self.path](self, port)
        elif self.path.startswith("/slow-hop/"):  # a redirect after 2 s, N times, then a text
            time.sleep(2)
            left = int(self.path.rsplit("/", 1)[1])
            self.redirect("/notes.txt" if left == 0 else f"/slow-hop/{left - 1}")
        elif self.path == "/article.html":
            self.answer(200, PAGE.encode(), "text/html; charset=utf-8")
        elif self.path == "/report":  # a PDF that says it is a page
            self.answer(200, PDF, "text/html")
        elif self.path == "/notes.txt":
            self.answer(200, TEXT.encode(), "text/plain")
        elif self.path.startswith("/changing/"):  # the text, then a longer one from the second time on
            version = Handler.versions[self.path] = Handler.versions.get(self.path, 0) + 1
            body = TEXT if version == 1 else TEXT + "Ann Ode was stabbed in Lowmoor.\n"
            self.answer(200, body.encode(), "text/plain")
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/notes.txt")
            self.end_headers()
        elif self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        elif self.path == "/missing":
            self.answer(404, b"not here", "text/plain")
        elif self.path == "/broken":
            self.answer(500, b"oops", "text/plain")
        elif self.path == "/huge":  # 200 MB, sent until the reader hangs up
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            chunk = b"a" * (1 << 20)
            try:
                for _ in range(200):
                    self.wfile.write(chunk)
            except OSError:
                pass
        elif self.path == "/bomb":  # 60 MB of text in 60 KB of gzip
            body = gzip.compress(b"a" * 60_000_000, compresslevel=9)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/silent":
            time.sleep(5)
            self.answer(200, TEXT.encode(), "text/plain")
        else:
            self.answer(404, b"", "text/plain")


def _big_text(h: Handler, port: int) -> None:
    """45 MB of text, with no Content-Length, sent until the reader hangs up; counts what it could send."""
    h.send_response(200)
    h.send_header("Content-Type", "text/plain")
    h.end_headers()
    chunk = (TEXT * 20_000)[: 1 << 20].encode()
    Handler.big_text_sent = 0
    try:
        while Handler.big_text_sent < BIG_TEXT_BYTES:
            h.wfile.write(chunk)
            Handler.big_text_sent += len(chunk)
    except OSError:
        pass


Get = Callable[["Handler", int], None]


def _declared(size: int, content_type: str) -> Get:
    """An answer that says it has `size` bytes, and sends them."""

    def send(h: Handler, port: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(size))
        h.end_headers()
        head = b"<!DOCTYPE html><p>" if "html" in content_type else b""
        try:
            h.wfile.write(head)
            for _ in range((size - len(head)) >> 20):
                h.wfile.write(b"a" * (1 << 20))
            h.wfile.write(b"a" * ((size - len(head)) & ((1 << 20) - 1)))
        except OSError:
            pass

    return send


def _encoded(body: bytes, encoding: str, *, length: int | None = None) -> Get:
    def send(h: Handler, port: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        h.send_header("Content-Encoding", encoding)
        h.send_header("Content-Length", str(len(body) if length is None else length))
        h.end_headers()
        h.wfile.write(body)

    return send


def _typed(body: str, content_type: str) -> Get:
    return lambda h, port: h.answer(200, body.encode(), content_type)


def _drip_headers(h: Handler, port: int) -> None:
    h.wfile.write(b"HTTP/1.1 200 OK\r\n")
    h.drip(b"X-Padding: " + b"a" * 1000 + b"\r\n", 30)


def _drip_body(h: Handler, port: int) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/plain")
    h.end_headers()
    h.drip(TEXT.encode() * 100, 30)


def _private(h: Handler, port: int) -> None:
    if h.headers.get("Authorization") == CREDENTIALS:
        h.answer(200, TEXT.encode(), "text/plain")
    else:
        h.answer(401, b"who are you?", "text/plain")


def _both_lengths(length: int) -> Get:
    """A chunked answer that also says a Content-Length of `length` (which RFC 9112 says to ignore), written as
    raw bytes."""

    def send(h: Handler, port: int) -> None:
        head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"
        head += f"Content-Length: {length}\r\nTransfer-Encoding: chunked\r\n\r\n"
        body = TEXT.encode()
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:-9], body[-9:], b""))
        h.wfile.write(head.encode() + chunks)

    return send


GZIP_TEXT = gzip.compress((TEXT * 200).encode())
LONG_TEXT = TEXT * 20_000  # 1.16 MB, well within a text's limit, that inflates far past what kg sniffs
RAW_DEFLATE = zlib.compressobj(wbits=-15)
RAW_DEFLATE_TEXT = RAW_DEFLATE.compress(TEXT.encode()) + RAW_DEFLATE.flush()
GETS: dict[str, Get] = {
    "/big-text": _big_text,
    "/declared-text": _declared(MAX_DOCUMENT_BYTES + 1, "text/plain"),
    "/declared-page": _declared(10_000_001, "text/html"),
    "/drip-headers": _drip_headers,
    "/drip-body": _drip_body,
    "/to-metadata": lambda h, port: h.redirect("http://169.254.169.254/latest/meta-data/"),
    "/to-private": lambda h, port: h.redirect("http://10.0.0.1/"),
    "/to-unspecified": lambda h, port: h.redirect(f"http://0.0.0.0:{port}/notes.txt"),
    "/to-localhost": lambda h, port: h.redirect(f"http://localhost:{port}/notes.txt"),
    "/private.txt": _private,
    "/cookie": lambda h, port: h.redirect("/notes.txt", ("Set-Cookie", "session=kept-by-no-one; Path=/")),
    "/gzip-cut": _encoded(GZIP_TEXT[: len(GZIP_TEXT) // 2], "gzip"),
    "/short": lambda h, port: h.answer_short(),
    "/gzip-two": _encoded(gzip.compress(TEXT.encode()) + gzip.compress(SECOND.encode()), "gzip"),
    "/raw-deflate": _encoded(RAW_DEFLATE_TEXT, "deflate"),
    "/zlib-deflate": _encoded(zlib.compress(TEXT.encode()), "deflate"),
    "/gzip-trailing-zeros": _encoded(gzip.compress(TEXT.encode()) + b"\0" * 8, "gzip"),
    "/gzip-trailing-junk": _encoded(gzip.compress(TEXT.encode()) + b"<!-- served by -->\n", "gzip"),
    "/gzip-trailing-magic-byte": _encoded(gzip.compress(TEXT.encode()) + b"\x1f", "gzip"),
    "/gzip-second-cut": _encoded(gzip.compress(TEXT.encode()) + gzip.compress(SECOND.encode())[:12], "gzip"),
    "/gzip-long": _encoded(gzip.compress(LONG_TEXT.encode()), "gzip"),
    "/zlib-long": _encoded(zlib.compress(LONG_TEXT.encode()), "deflate"),
    "/raw-deflate-long": _encoded(zlib.compress(LONG_TEXT.encode(), wbits=-15), "deflate"),
    "/gzip-pdf": _encoded(gzip.compress(PDF), "gzip"),
    "/chunked-and-longer": _both_lengths(1000),
    "/chunked-and-huge": _both_lengths(99_999_999),
    "/markup-text": _typed(MARKUP_TEXT, "text/plain; charset=utf-8"),
    "/notes-md": _typed(MARKDOWN, "text/markdown"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def graph_of(store: str, tmp_path: Path) -> Graph:
    out = tmp_path / "all.nt"
    result = kg("export", "-o", str(out), "--store", store, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return Graph().parse(out)


def test_a_page_a_pdf_and_a_text_are_fetched_read_and_recorded(server: str, tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    urls = [f"{server}/article.html", f"{server}/report", f"{server}/moved"]
    result = kg("add", *urls, "--store", store, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "3 added" in result.stderr
    g = graph_of(store, tmp_path)
    for url in urls:
        doc = URIRef(document_iri(url))
        assert g.value(doc, DCTERMS.source) == Literal(url, datatype=XSD.anyURI)
        retrieved = g.value(doc, KG.retrievedAt)
        assert isinstance(retrieved, Literal) and retrieved.datatype == XSD.dateTime
    for url, final in zip(urls, [urls[0], urls[1], f"{server}/notes.txt"], strict=True):  # after the redirect
        assert g.value(URIRef(document_iri(url)), KG.fetchedFrom) == Literal(final, datatype=XSD.anyURI)
    page = URIRef(document_iri(f"{server}/article.html"))
    assert g.value(page, DCTERMS["format"]) == Literal("text/html")
    # the server called the PDF a page: kg read its bytes
    assert g.value(URIRef(document_iri(f"{server}/report")), DCTERMS["format"]) == Literal("application/pdf")
    assert (
        kg("text", f"{server}/article.html", "--store", store, cwd=ROOT).stdout
        == "\n\n".join(PARAGRAPHS) + "\n"
    )
    assert kg("text", f"{server}/moved", "--store", store, cwd=ROOT).stdout == TEXT


def test_the_library_reads_urls_beside_files(server: str, tmp_path: Path) -> None:
    import kg as library

    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    docs = library.read_documents([tmp_path / "a.txt", f"{server}/report"])
    assert [d.media_type for d in docs] == ["text/plain", "application/pdf"]
    assert docs[1].name == docs[1].url == f"{server}/report"
    assert docs[1].text == read_pdf_text()


def read_pdf_text() -> str:
    return "\n\n".join(PARAGRAPHS) + "\n\n"


def test_a_changed_page_is_a_new_version_of_the_same_document(server: str, tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    url = f"{server}/changing/{uuid.uuid4().hex}.txt"  # a page of this test's own, however often it runs
    first = kg("add", url, "--store", store, cwd=ROOT)
    assert "1 added" in first.stderr, first.stderr
    second = kg("add", url, "--store", store, cwd=ROOT)
    assert "1 replaced" in second.stderr, second.stderr
    assert "Ann Ode" in kg("text", url, "--store", store, cwd=ROOT).stdout


BAD = [
    ("/missing", "the server answered 404 Not Found"),
    ("/broken", "the server answered 500 Internal Server Error"),
    ("/loop", "more than 5 redirects (a redirect loop?)"),
    ("/huge", "the answer is over kg's limit of 2,000,000 bytes for a text document"),
    ("/bomb", "the answer is over kg's limit of 2,000,000 bytes for a text document once decompressed"),
    ("/silent", "no answer within 1 s"),
    ("/declared-text", "2,000,001 bytes, over kg's limit of 2,000,000 bytes for a text document"),
    ("/declared-page", "10,000,001 bytes, over kg's limit of 10,000,000 bytes for a page"),
    ("/short", "the answer was cut short: 500 of its 1,000 bytes"),
    ("/gzip-cut", "the compressed answer was cut short"),
]


def test_every_bad_url_is_one_line_and_the_batch_goes_on(server: str, tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    bad = [f"{server}{path}" for path, _ in BAD]
    before = len(Handler.served)
    result = kg(
        "add",
        *bad,
        "ftp://127.0.0.1/x.txt",
        "file:///etc/passwd",
        f"{server}/notes.txt",
        "--store",
        store,
        "--fetch-timeout",
        "1",
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("kg: error: skipped")]
    expected = [f"kg: error: skipped {url}: {why}" for url, (_, why) in zip(bad, BAD, strict=True)]
    expected += [
        "kg: error: skipped ftp://127.0.0.1/x.txt: only http:// and https:// URLs are fetched",
        "kg: error: skipped file:///etc/passwd: only http:// and https:// URLs are fetched",
    ]
    assert lines == expected
    assert "1 added" in result.stderr
    served = Handler.served[before:]
    assert served.count("/loop") == 6  # the first request and five redirects, then kg stops
    assert not any("passwd" in path or "x.txt" in path for path in served)


def confined(*args: str) -> subprocess.CompletedProcess[str]:
    """Python run with `args` in this checkout, within 1.5 GB of address space and 120 s."""
    limit = 3 << 29

    def confine() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=kg_env(),
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=confine,
    )


def test_a_text_answer_is_held_to_the_limit_of_a_text_document_as_it_arrives(
    server: str, tmp_path: Path
) -> None:
    """45 MB of text with no Content-Length: refused once 2,000,000 bytes have come, within 1.5 GB of address
    space (the whole answer read and extracted took 23.7 GB) and long before the server has sent it all."""
    result = confined("-m", "kg.cli", "add", f"{server}/big-text", "--store", str(tmp_path / "store"))
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"kg: error: {server}/big-text: the answer is over kg's limit of 2,000,000 bytes for a text document\n"
    )
    assert Handler.big_text_sent < BIG_TEXT_BYTES // 2  # kg hung up, it did not drain the answer


@pytest.mark.parametrize("path", ["/drip-headers", "/drip-body", "/slow-hop/4"])
def test_the_time_limit_is_one_deadline_for_the_whole_answer(server: str, path: str) -> None:
    """Headers or a body sent a byte every 0.2 s for 30 s, or five redirects that take 2 s each: cut at 3 s."""
    with pytest.raises(InputError) as refused:
        read_url(f"{server}{path}", timeout=3)
    # a time limit per read (each byte comes within 0.2 s, each hop within 2 s) would never say this: the drip
    # ends after 30 s and the last hop answers a text
    assert str(refused.value) == f"{server}{path}: no answer within 3 s"


CONNECTED: list[object] = []
_GUARDED = threading.Event()


def _no_connections_but_loopback(event: str, args: tuple[object, ...]) -> None:
    if event == "socket.connect" and _GUARDED.is_set() and isinstance(args[1], tuple):
        address = str(args[1][0]).split("%", 1)[0]
        if not ipaddress.ip_address(address).is_loopback:
            CONNECTED.append(args[1])
            raise PermissionError(f"the test refuses a connection to {address}")


sys.addaudithook(_no_connections_but_loopback)


@pytest.fixture
def no_connections_but_loopback() -> Iterator[list[object]]:
    """The connections kg tried to make to any address outside loopback (each refused before it was made)."""
    CONNECTED.clear()
    _GUARDED.set()
    try:
        yield CONNECTED
    finally:
        _GUARDED.clear()


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/to-metadata", "http://169.254.169.254/latest/meta-data/: 169.254.169.254 is a link-local address"),
        ("/to-private", "http://10.0.0.1/: 10.0.0.1 is a private address"),
        ("/to-unspecified", "http://0.0.0.0:{port}/notes.txt: 0.0.0.0 is an unspecified address"),
    ],
)
def test_a_redirect_out_of_the_range_of_the_url_given_is_refused_before_connecting(
    server: str, path: str, why: str, no_connections_but_loopback: list[object]
) -> None:
    port = server.rsplit(":", 1)[1]
    with pytest.raises(InputError) as refused:
        read_url(f"{server}{path}", timeout=5)
    assert str(refused.value) == (
        f"{server}{path}: refused a redirect to {why.format(port=port)}, and the URL given is not in that kind of range"
    )
    assert no_connections_but_loopback == []


def test_a_redirect_within_loopback_is_followed_and_the_graph_says_where_the_answer_came_from(
    server: str, tmp_path: Path, no_connections_but_loopback: list[object]
) -> None:
    doc = read_url(f"{server}/to-localhost", timeout=5)
    port = server.rsplit(":", 1)[1]
    assert (doc.name, doc.url, doc.final_url) == (
        f"{server}/to-localhost",
        f"{server}/to-localhost",
        f"http://localhost:{port}/notes.txt",
    )
    assert doc.text == TEXT
    assert no_connections_but_loopback == []


def test_the_address_policy() -> None:
    """Invented addresses: a public URL may lead to public addresses only; a URL in a non-public range may also
    lead within that kind of range."""
    from kg.text.fetch import address_kind, redirect_refusal

    kinds = {
        "81.2.69.160": "public",
        "2a01:4f8:1:2::3": "public",
        "127.0.0.1": "loopback",
        "127.8.9.10": "loopback",
        "::1": "loopback",
        "169.254.169.254": "link-local",
        "fe80::1": "link-local",
        "fe80::1%2": "link-local",
        "10.0.0.1": "private",
        "172.20.1.1": "private",
        "192.168.7.7": "private",
        "fd12:3456::1": "private",
        "100.64.0.1": "shared",
        "0.0.0.0": "unspecified",
        "::": "unspecified",
        "224.0.0.251": "multicast",
        "ff02::1": "multicast",
        "::ffff:127.0.0.1": "loopback",
        "::ffff:10.0.0.1": "private",
        "::ffff:169.254.169.254": "link-local",
        "64:ff9b::a9fe:a9fe": "link-local",  # NAT64 (RFC 6052) of 169.254.169.254
        "64:ff9b::5102:45a0": "public",
        "::ffff:81.2.69.160": "public",
        "240.0.0.1": "reserved",
        "192.0.2.1": "non-public",
        "fec0::1": "non-public",
    }
    assert {address: address_kind(address) for address in kinds} == kinds
    assert redirect_refusal(["81.2.69.160"], ["81.2.69.161", "2a01:4f8:1:2::3"]) is None
    assert redirect_refusal(["81.2.69.160"], ["127.0.0.1"]) == (
        "127.0.0.1 is a loopback address, and the URL given is not in that kind of range"
    )
    assert redirect_refusal(["81.2.69.160"], ["81.2.69.161", "10.1.1.1"]) is not None  # every address counts
    assert redirect_refusal(["127.0.0.1"], ["127.0.0.2", "::1", "81.2.69.160"]) is None
    assert redirect_refusal(["127.0.0.1"], ["169.254.169.254"]) is not None
    assert redirect_refusal(["127.0.0.1"], ["10.0.0.1"]) is not None
    assert redirect_refusal(["10.0.0.1"], ["10.9.9.9"]) is None
    # an IPv4-mapped address is of the kind of its IPv4 address
    assert redirect_refusal(["10.0.0.1"], ["::ffff:10.9.9.9"]) is None
    assert redirect_refusal(["81.2.69.160"], ["::ffff:81.2.69.161"]) is None
    assert redirect_refusal(["81.2.69.160"], ["::ffff:127.0.0.1"]) == (
        "::ffff:127.0.0.1 is a loopback address, and the URL given is not in that kind of range"
    )


def test_a_password_in_the_url_is_sent_to_its_host_only_and_reaches_no_output(
    server: str, tmp_path: Path
) -> None:
    store = str(tmp_path / "store")
    with_password = server.replace("http://", f"http://alice:{PASSWORD}@")
    before = len(Handler.requests)
    added = kg(
        "add",
        f"{with_password}/private.txt",
        f"{with_password}/to-localhost",
        f"{with_password}/missing",
        "--store",
        store,
        cwd=ROOT,
    )
    assert added.returncode == 2, added.stderr
    assert "2 added" in added.stderr
    assert f"kg: error: skipped {server}/missing: the server answered 404 Not Found" in added.stderr
    sent = {path: headers for path, headers in Handler.requests[before:]}
    assert sent["/private.txt"]["authorization"] == CREDENTIALS  # basic authentication, to the URL's own host
    assert "authorization" not in sent["/notes.txt"]  # ... and not to localhost, where it was sent on
    outputs = [added.stdout + added.stderr]
    for command in (["status"], ["status", "--json"], ["text", f"{with_password}/private.txt"]):
        result = kg(*command, "--store", store, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout + result.stderr)
    assert outputs[-1].startswith(TEXT)
    for suffix in (".ttl", ".nt", ".jsonld", ".trig", ".nq"):
        out = tmp_path / f"all{suffix}"
        result = kg("export", "-o", str(out), "--store", store, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        outputs += [result.stdout + result.stderr, out.read_text(encoding="utf-8")]
    assert f"{server}/private.txt" in outputs[1]  # the document, named without the credentials
    assert not [output for output in outputs if PASSWORD in output or "alice" in output]
    g = Graph().parse(tmp_path / "all.nt")
    doc = URIRef(document_iri(f"{server}/private.txt"))
    assert g.value(doc, DCTERMS.source) == Literal(f"{server}/private.txt", datatype=XSD.anyURI)


def test_no_cookie_is_ever_sent(server: str) -> None:
    before = len(Handler.requests)
    assert read_url(f"{server}/cookie", timeout=5).text == TEXT
    assert [path for path, _ in Handler.requests[before:]] == ["/cookie", "/notes.txt"]
    assert not [headers for _, headers in Handler.requests[before:] if "cookie" in headers]


@pytest.mark.parametrize(
    ("path", "text"),
    [("/gzip-two", TEXT + SECOND), ("/raw-deflate", TEXT), ("/zlib-deflate", TEXT)],
)
def test_every_gzip_member_and_both_kinds_of_deflate_are_read(server: str, path: str, text: str) -> None:
    assert read_url(f"{server}{path}", timeout=5).text == text


def test_what_an_answer_is_comes_from_its_type_and_its_bytes(server: str, tmp_path: Path) -> None:
    """Text that mentions tags is text when the server says so; a page, a PDF, text and Markdown each say what
    they were read as."""
    store = str(tmp_path / "store")
    urls = [f"{server}/{path}" for path in ("markup-text", "notes-md", "notes.txt", "article.html", "report")]
    result = kg("add", *urls, "--store", store, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert kg("text", urls[0], "--store", store, cwd=ROOT).stdout == MARKUP_TEXT
    g = graph_of(store, tmp_path)
    formats = [g.value(URIRef(document_iri(url)), DCTERMS["format"]) for url in urls]
    assert formats == [
        Literal(media)
        for media in ("text/plain", "text/markdown", "text/plain", "text/html", "application/pdf")
    ]


def test_bytes_from_any_source_are_held_to_their_kinds_limit_before_they_are_decoded() -> None:
    from kg.text.read import document_from_bytes

    with pytest.raises(InputError, match="2,000,001 bytes, over kg's limit of 2,000,000 bytes a document"):
        document_from_bytes(b"a" * (MAX_DOCUMENT_BYTES + 1), path=Path("page"), name="page", kind=None)


def test_a_name_at_addresses_of_two_kinds_lets_a_redirect_into_the_kind_kg_connected_to_only(
    server: str, monkeypatch: pytest.MonkeyPatch, no_connections_but_loopback: list[object]
) -> None:
    """An invented name (.invalid is never a real one) that the resolver says is at 127.0.0.1 and at 10.0.0.1:
    kg connects to 127.0.0.1, so a redirect may stay within loopback but not go to 10.0.0.1. No resolver can
    be given such a name here without changing the machine, so this one look-up is answered in the process."""
    import socket

    real = socket.getaddrinfo
    port = int(server.rsplit(":", 1)[1])

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host != "two-kinds.invalid":
            return real(host, *args, **kwargs)  # type: ignore[arg-type]
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
            for address in ("127.0.0.1", "10.0.0.1")
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(InputError) as refused:
        read_url(f"http://two-kinds.invalid:{port}/to-private", timeout=5)
    assert str(refused.value) == (
        f"http://two-kinds.invalid:{port}/to-private: refused a redirect to http://10.0.0.1/: 10.0.0.1 is a private"
        " address, and the URL given is not in that kind of range"
    )
    assert no_connections_but_loopback == []
    assert read_url(f"http://two-kinds.invalid:{port}/to-localhost", timeout=5).text == TEXT


def test_the_redirect_policy_exempts_only_a_kind_every_address_asked_shares() -> None:
    """A name at a public and a link-local address does not open link-local (nor loopback, nor private) to a
    redirect; a name whose addresses are all of one kind opens that kind."""
    from kg.text.fetch import redirect_refusal

    assert redirect_refusal(["81.2.69.160", "169.254.169.254"], ["169.254.169.254"]) == (
        "169.254.169.254 is a link-local address, and the URL given is not in that kind of range"
    )
    assert redirect_refusal(["127.0.0.1", "10.0.0.1"], ["10.0.0.2"]) is not None
    assert redirect_refusal(["127.0.0.1", "10.0.0.1"], ["127.0.0.2"]) is not None
    assert redirect_refusal(["127.0.0.1", "::1"], ["127.0.0.2"]) is None
    assert redirect_refusal(["81.2.69.160", "169.254.169.254"], ["81.2.69.161"]) is None


def test_a_compressed_answer_is_inflated_no_further_than_its_kinds_limit(server: str) -> None:
    """60 MB of text in 60 KB of gzip: refused at the 2,000,000 bytes of a text document, and never held as
    more than a few MB decompressed (it inflated to 50,000,001 bytes, the limit of a PDF, before kg knew it was
    text). Measured with tracemalloc in a process of its own, under an address-space and time limit."""
    script = (
        "import sys, tracemalloc\n"
        "from kg.errors import InputError\n"
        "from kg.text.fetch import fetch\n"
        "from kg.text.read import byte_limit\n"
        "tracemalloc.start()\n"
        "try:\n"
        "    fetch(sys.argv[1], limit=byte_limit, timeout=60)\n"
        "except InputError as error:\n"
        "    print(error)\n"
        "print(tracemalloc.get_traced_memory()[1])\n"
    )
    result = confined("-c", script, f"{server}/bomb")
    assert result.returncode == 0, result.stderr
    said, peak = result.stdout.splitlines()
    assert said == (
        f"{server}/bomb: the answer is over kg's limit of 2,000,000 bytes for a text document once decompressed"
    )
    assert int(peak) < 12_000_000, f"{int(peak):,} bytes at the peak"


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/gzip-long", LONG_TEXT),
        ("/zlib-long", LONG_TEXT),
        ("/raw-deflate-long", LONG_TEXT),
        ("/gzip-trailing-zeros", TEXT),
        ("/gzip-trailing-junk", TEXT),
        ("/gzip-trailing-magic-byte", TEXT),
    ],
    ids=lambda value: value if value.startswith("/") else "",
)
def test_a_compressed_answer_is_read_whole_past_what_is_sniffed_and_before_what_trails_a_gzip_member(
    server: str, path: str, text: str
) -> None:
    """What follows the last gzip member and does not start a new one is ignored, as browsers do."""
    assert read_url(f"{server}{path}", timeout=10).text == text


def test_a_compressed_pdf_is_read_whole(server: str) -> None:
    doc = read_url(f"{server}/gzip-pdf", timeout=10)
    assert (doc.media_type, doc.text) == ("application/pdf", read_pdf_text())


def test_a_gzip_member_cut_short_after_a_whole_one_is_refused(server: str) -> None:
    with pytest.raises(InputError) as refused:
        read_url(f"{server}/gzip-second-cut", timeout=5)
    assert str(refused.value) == f"{server}/gzip-second-cut: the compressed answer was cut short"


@pytest.mark.parametrize("path", ["/chunked-and-longer", "/chunked-and-huge"])
def test_a_chunked_answer_is_read_whatever_content_length_it_also_gives(server: str, path: str) -> None:
    """RFC 9112: with Transfer-Encoding: chunked, the Content-Length is ignored."""
    assert read_url(f"{server}{path}", timeout=5).text == TEXT


PASSWORDS = ["Pa55/w0rd", "77/Pa55w0rd", "Pa55#w0rd", "Pa55?w0rd"]


def test_a_password_with_a_slash_a_hash_or_a_question_mark_is_refused_and_printed_nowhere(
    server: str, tmp_path: Path
) -> None:
    """Unencoded, such a password ends the host early, and the rest of the URL would be printed in an error
    line: kg refuses the URL, naming it with everything from // to the last @ hidden."""
    store = str(tmp_path / "store")
    host = server.removeprefix("http://")
    urls = [f"http://alice:{password}@{host}/notes.txt" for password in PASSWORDS]
    added = kg("add", *urls, f"{server}/notes.txt", "--store", store, cwd=ROOT)
    assert added.returncode == 2, added.stderr
    hint = (
        "a user and password in a URL are read up to the first / ? or #: write those in the password as %2F %3F"
        " %23 (and an @ after the host as %40)"
    )
    assert added.stderr.splitlines()[: len(urls)] == [
        f"kg: error: skipped http://***@{host}/notes.txt: {hint}"
    ] * len(urls)
    assert "1 added" in added.stderr
    outputs = [added.stdout + added.stderr]
    for url in urls:
        result = kg("add", url, "--store", store, cwd=ROOT)
        assert (result.returncode, result.stderr) == (2, f"kg: error: http://***@{host}/notes.txt: {hint}\n")
        for command in ("text", "remove"):
            result = kg(command, url, "--store", store, cwd=ROOT)
            assert "Traceback" not in result.stderr
            outputs.append(result.stdout + result.stderr)
    assert not [output for output in outputs if "Pa55" in output or "alice" in output]


def test_a_url_with_an_at_in_its_path_is_not_taken_for_credentials(server: str) -> None:
    """An @ right after a / (a profile's address) or with no colon before it is a path, as ever."""
    from kg.text.fetch import without_credentials

    for url in (
        f"{server}/@notes.txt",
        "https://example.org/@ann/12",
        "https://example.org/a@b",
        f"{server}/find?mail=ann@example.org",  # a host, a port, and an e-mail address in the query
        f"{server}/find#ann@example.org",
    ):
        assert without_credentials(url) == (url, None, None)
    assert without_credentials("http://alice:s3cr?et@127.0.0.1:9/doc")[0] == "http://***@127.0.0.1:9/doc"
    with pytest.raises(InputError, match="the server answered 404"):
        read_url(f"{server}/@notes.txt", timeout=5)

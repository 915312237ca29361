"""Documents at URLs, fetched from a real HTTP server on 127.0.0.1 that the test starts: nothing reaches the network."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from helpers import ROOT, kg, make_pdf
from rdflib import DCTERMS, XSD, Graph, Literal, URIRef
from test_formats import PAGE, PARAGRAPHS, pdf_pages

from kg.graph.rdfmap import document_iri
from kg.ontology.vocab import KG

PDF = make_pdf(pdf_pages())
TEXT = "Tom Ashdown was stabbed in Corby on Friday, police said.\n"


class Handler(BaseHTTPRequestHandler):
    served: ClassVar[list[str]] = []
    version: ClassVar[int] = 0

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        Handler.served.append(self.path)
        if self.path == "/article.html":
            self.answer(200, PAGE.encode(), "text/html; charset=utf-8")
        elif self.path == "/report":  # a PDF that says it is a page
            self.answer(200, PDF, "text/html")
        elif self.path == "/notes.txt":
            self.answer(200, TEXT.encode(), "text/plain")
        elif self.path == "/changing.txt":
            Handler.version += 1
            body = TEXT if Handler.version == 1 else TEXT + "Ann Ode was stabbed in Lowmoor.\n"
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
    url = f"{server}/changing.txt"
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

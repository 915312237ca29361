"""Web pages and PDFs: the article of a page, the text layer of a PDF, and the same facts whatever the wrapper."""

from __future__ import annotations

import io
import resource
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from helpers import ROOT, kg, kg_env, make_pdf, pdf_from_objects
from pypdf import PdfWriter, get_configuration
from rdflib import DCTERMS, Graph, Literal, URIRef

from kg.errors import InputError
from kg.graph.rdfmap import document_iri
from kg.model import Extraction
from kg.ontology.vocab import KG
from kg.pipeline import build_graph, extract_document
from kg.text.formats import MAX_INLINE_ELEMENTS, MAX_INLINE_IN_A_BLOCK, MAX_PAGE_ELEMENTS, MAX_PDF_PAGES
from kg.text.read import read_document

PARAGRAPHS = [
    "Tom Ashdown was jailed for life at Corby Crown Court on Friday for the murder of Margaret Holloway in "
    "Kettering.",
    "The court heard that Ashdown had planned the attack for weeks. Wessex Police said the sentence brought some "
    "comfort to the family. Months earlier Ann Ode had been stabbed in Lowmoor.",
]

PAGE = f"""<!DOCTYPE html><html><head><title>Gunman jailed | Northby Herald</title>
<meta name="author" content="Jo Reed"><meta property="og:site_name" content="Northby Herald">
<meta property="article:published_time" content="2024-05-03T10:00:00Z"></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a> <a href="/signin">Sign In</a></nav>
<div class="cookie-banner">We use cookies. Accept all cookies to continue reading the Northby Herald today.</div>
<article><p>{PARAGRAPHS[0]}</p>
<p>{PARAGRAPHS[1]}</p>
</article>
<aside class="advert">Buy cheap flights to Lowmoor now and save big on your summer holidays with Sunny Air!</aside>
<section class="comments"><h3>Comments</h3>
<p>Reader123: What a disgrace, Councillor Ivo Brant should resign over this terrible news today.</p></section>
<footer>Copyright Northby Herald 2024. Contact us. Privacy policy. Share This Story.</footer></body></html>
"""


def pdf_pages() -> list[list[str]]:
    """The two paragraphs over two pages, with a running header, page numbers and words split at line ends."""
    return [
        [
            "Northby Herald archive",
            "Tom Ashdown was jailed for life at Corby Crown Court on Friday for the mur-",
            "der of Margaret Holloway in Kettering.",
            "1",
        ],
        [
            "Northby Herald archive",
            "The court heard that Ashdown had planned the attack for weeks. Wessex Police",
            "said the sentence brought some comfort to the family. Months earlier Ann Ode had been",
            "stabbed in Lowmoor.",
            "Page 2 of 2",
        ],
    ]


def pdf_stream(data: bytes, entries: bytes = b"") -> bytes:
    """A stream object holding `data`, with more `entries` in its dictionary (a /Filter, say)."""
    return (
        b"<< /Length " + str(len(data)).encode() + b" " + entries + b" >>\nstream\n" + data + b"\nendstream"
    )


@pytest.fixture(scope="module")
def wrapped(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("wrappers")
    files = {"txt": folder / "article.txt", "html": folder / "article.html", "pdf": folder / "article.pdf"}
    files["txt"].write_text("\n\n".join(PARAGRAPHS) + "\n", encoding="utf-8")
    files["html"].write_text(PAGE, encoding="utf-8")
    files["pdf"].write_bytes(make_pdf(pdf_pages()))
    return files


def facts(ex: Extraction) -> tuple[set[tuple[str, str]], set[tuple[str, str, str]]]:
    label = {k: e.label for k, e in ex.entities.items()}
    entities = {(e.cls, e.label) for e in ex.entities.values() if e.label}
    relations = {
        (label[r.subject] or ex.entities[r.subject].cls, r.prop, label.get(str(r.object), str(r.object)))
        for r in ex.relations
    }
    return entities, relations


def test_the_same_facts_whatever_the_wrapper(wrapped: dict[str, Path]) -> None:
    found = {kind: facts(extract_document(read_document(path))) for kind, path in wrapped.items()}
    assert found["txt"][0], "the plain text gave no entities: the test would prove nothing"
    assert found["html"] == found["txt"]
    assert found["pdf"] == found["txt"]


def test_a_page_keeps_its_article_and_leaves_the_furniture(wrapped: dict[str, Path]) -> None:
    doc = read_document(wrapped["html"])
    assert doc.text == "\n\n".join(PARAGRAPHS) + "\n"
    for furniture in (
        "Home",
        "cookies",
        "Sunny Air",
        "Reader123",
        "Ivo Brant",
        "Copyright",
        "Share This Story",
    ):
        assert furniture not in doc.text
    assert (doc.title, doc.author, doc.site, doc.media_type) == (
        "Gunman jailed",
        "Jo Reed",
        "Northby Herald",
        "text/html",
    )
    assert doc.date is not None and doc.date.lexical == "2024-05-03"


DEBATE = """<html><head><title>Harbour Safety - Hansard</title></head><body>
<nav><a href="/">Hansard home</a> <a href="/commons">Commons</a></nav>
<div class="debate"><h1>Harbour Safety</h1>
<div class="contribution"><h2 class="speaker">Tom Ashdown (Corby North) (Con)</h2>
<p>What assessment has the Minister made of the review of harbour safety in Corby since the stabbing last year?</p></div>
<div class="contribution"><h2 class="speaker">The Minister for Security (Clara Venn)</h2>
<p>The review was commissioned by the Home Office and will report in the spring. I will write to the hon. Member.</p>
</div></div><footer>Contact Parliament. Cookie policy.</footer></body></html>
"""


def test_a_debate_keeps_its_speaker_headings_and_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "debate.html"
    path.write_text(DEBATE, encoding="utf-8")
    doc = read_document(path)
    blocks = doc.text.strip().split("\n\n")
    assert "Tom Ashdown (Corby North) (Con)" in blocks
    assert "The Minister for Security (Clara Venn)" in blocks
    assert "Cookie policy" not in doc.text
    _, relations = facts(extract_document(doc))
    assert {
        ("Tom Ashdown", "memberOf", "Conservative Party"),
        ("Tom Ashdown", "holdsPost", "MP for Corby North"),
        ("Clara Venn", "holdsPost", "Security Minister"),
    } <= relations


def test_a_pdf_is_read_without_headers_page_numbers_or_split_words(wrapped: dict[str, Path]) -> None:
    doc = read_document(wrapped["pdf"])
    assert doc.text == "\n\n".join(PARAGRAPHS) + "\n\n"
    assert doc.pages == (0, len(PARAGRAPHS[0]) + 2)
    assert doc.media_type == "application/pdf"


def test_the_graph_says_what_the_file_was_and_on_which_page_each_quote_is(wrapped: dict[str, Path]) -> None:
    html = read_document(wrapped["html"], name="article.html")
    pdf = read_document(wrapped["pdf"], name="article.pdf")
    g = Graph()
    for s, p, o, _ in build_graph([html, pdf]).quads((None, None, None, None)):
        g.add((s, p, o))
    page = URIRef(document_iri("article.html"))
    assert g.value(page, DCTERMS.creator) == Literal("Jo Reed")
    assert g.value(page, DCTERMS.publisher) == Literal("Northby Herald")
    assert g.value(page, DCTERMS["format"]) == Literal("text/html")
    pdf_iri = URIRef(document_iri("article.pdf"))
    evidence = list(g.subjects(KG.source, pdf_iri))
    assert evidence
    pages = set()
    for ev in evidence:
        start = int(g.value(ev, KG.start))  # type: ignore[arg-type]
        end = int(g.value(ev, KG.end))  # type: ignore[arg-type]
        assert str(g.value(ev, KG.quote)) == pdf.text[start:end]
        expected = 1 if start < pdf.pages[1] else 2
        assert g.value(ev, KG.page) == Literal(expected)
        pages.add(expected)
    assert pages == {1, 2}, "the facts of both pages have evidence"
    assert all(g.value(ev, KG.source) == pdf_iri for ev in g.subjects(KG.page, None)), (
        "only a PDF's have pages"
    )


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


TEXT_OPERATORS = (
    b"BT /F1 11 Tf 14 TL 56 790 Td (The harbour review was published by the council on Friday.) Tj ET"
)


def one_page_pdf(
    content: bytes, *, entries: bytes = b"", more: tuple[bytes, ...] = (), trailer: bytes = b""
) -> bytes:
    """A one-page PDF whose content stream (object 5, with `entries` added to its dictionary) is `content`, in
    Helvetica (font F1), with `more` objects from number 6 and `trailer` entries."""
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> "
            b"/XObject << /X1 6 0 R >> >> /Contents 5 0 R >>",
            pdf_stream(content, entries),
            *more,
        ],
        trailer,
    )


def aes256_pdf() -> bytes:
    """A PDF encrypted with AES-256 (security handler revision 6): pypdf needs the `cryptography` package, which
    kg does not install, even to open it."""
    encrypt = (
        b"<< /Filter /Standard /V 5 /R 6 /Length 256 /P -4 /O <%s> /U <%s> /OE <%s> /UE <%s> /Perms <%s> >>"
        % (b"00" * 48, b"00" * 48, b"00" * 32, b"00" * 32, b"00" * 16)
    )
    file_id = b"<00112233445566778899aabbccddeeff>"
    return one_page_pdf(
        TEXT_OPERATORS, more=(encrypt,), trailer=b"/Encrypt 6 0 R /ID [%s %s]" % (file_id, file_id)
    )


BAD = [
    pytest.param(
        "nav.html",
        b"<html><body><nav><a href='/'>Home</a> News</nav><form>Sign in</form></body></html>",
        "no article found in the page",
        id="page-with-no-article",
    ),
    pytest.param("broken.pdf", b"%PDF-1.4 1 0 obj << /Type /Catalog", "not a readable PDF", id="corrupt-pdf"),
    pytest.param("locked.pdf", encrypted_pdf(), "the PDF is encrypted", id="encrypted-pdf"),
    pytest.param("scan.pdf", make_pdf([[], []]), "the PDF has no text layer", id="scanned-pdf"),
    pytest.param("aes.pdf", aes256_pdf(), "the PDF is encrypted", id="aes-256-encrypted-pdf"),
    pytest.param(
        "reference.pdf",
        one_page_pdf(b"BT /F1 11 Tf 56 790 Td 3 0 R Tj ET"),
        "not a readable PDF",
        id="reference-inside-a-content-stream",
    ),
    pytest.param(
        "filter.pdf",
        one_page_pdf(TEXT_OPERATORS, entries=b"/Filter /Foo"),
        "not a readable PDF",
        id="unknown-filter",
    ),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD)
def test_a_file_kg_cannot_read_is_one_clear_error(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError) as raised:
        read_document(path)
    assert str(raised.value).startswith(f"{path}: {message}")
    assert "\n" not in str(raised.value)


def test_a_batch_goes_on_past_the_files_it_cannot_read(tmp_path: Path, wrapped: dict[str, Path]) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    for param in BAD:
        name, data, _ = param.values
        (folder / str(name)).write_bytes(data)  # type: ignore[arg-type]
    (folder / "article.pdf").write_bytes(wrapped["pdf"].read_bytes())
    (folder / "article.html").write_text(PAGE, encoding="utf-8")
    result = kg("add", str(folder), "--store", str(tmp_path / "store"), "--root", str(tmp_path), cwd=ROOT)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("kg: error: skipped")]
    assert len(errors) == len(BAD), result.stderr
    assert "Traceback" not in result.stderr
    assert "2 added" in result.stderr + result.stdout


def test_kg_text_prints_the_text_every_offset_points_into(tmp_path: Path, wrapped: dict[str, Path]) -> None:
    store = str(tmp_path / "store")
    root = str(wrapped["txt"].parent)  # the store's root: the documents are named from their folder
    added = kg("add", *(str(p) for p in wrapped.values()), "--store", store, "--root", root, cwd=ROOT)
    assert added.returncode == 0, added.stderr
    exported = kg("export", "-o", str(tmp_path / "all.nt"), "--store", store, cwd=ROOT)
    assert exported.returncode == 0, exported.stderr
    g = Graph().parse(tmp_path / "all.nt")
    for path in wrapped.values():
        printed = kg("text", str(path), "--store", store, cwd=ROOT)
        assert printed.returncode == 0, printed.stderr
        assert printed.stdout == read_document(path).text
        doc = next(g.subjects(KG.text, Literal(printed.stdout)))
        quotes = list(g.subjects(KG.source, doc))
        assert quotes
        for ev in quotes:
            start, end = int(g.value(ev, KG.start)), int(g.value(ev, KG.end))  # type: ignore[arg-type]
            assert str(g.value(ev, KG.quote)) == printed.stdout[start:end]
    missing = kg("text", "nowhere.txt", "--store", store, cwd=ROOT)
    assert missing.returncode == 2
    assert missing.stderr.strip() == "kg: error: nowhere.txt: no such document in the store"


def test_kg_add_adds_the_good_file_and_skips_the_pdf_it_cannot_read(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.txt", tmp_path / "bad.pdf"
    good.write_text(PARAGRAPHS[0] + "\n", encoding="utf-8")
    bad.write_bytes(one_page_pdf(b"BT /F1 11 Tf 56 790 Td 3 0 R Tj ET"))  # pypdf fails with an AssertionError
    store = str(tmp_path / "store")
    result = kg("add", str(good), str(bad), "--store", store, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    skipped = [line for line in result.stderr.splitlines() if line.startswith("kg: error: skipped")]
    assert skipped == [f"kg: error: skipped {bad}: not a readable PDF (AssertionError)"], result.stderr
    assert "1 added" in result.stderr
    printed = kg("text", str(good), "--store", store, cwd=tmp_path)
    assert printed.returncode == 0 and printed.stdout == PARAGRAPHS[0] + "\n", printed.stderr


def test_a_comment_after_a_heading_is_not_the_text_that_follows_it(tmp_path: Path) -> None:
    path = tmp_path / "debate.html"
    path.write_text(DEBATE.replace("(Con)</h2>", "(Con)</h2><!-- speaker -->"), encoding="utf-8")
    blocks = read_document(path).text.strip().split("\n\n")
    assert "Tom Ashdown (Corby North) (Con)" in blocks


# ---------------------------------------------------------------------------- the work reading a file may take
#: Only stops a wait for ever: how long these files take is measured in bench/ (`hostile_page_vs_plain`; each took
#: from 16 s to minutes before kg counted the work). The tests check what kg answers.
CHILD_SECONDS = 600
CHILD_MEMORY = 1_500_000_000

READ = """
import sys
from pathlib import Path
from kg.errors import InputError
from kg.text.read import read_document
try:
    read_document(Path(sys.argv[1]))
    print("read")
except InputError as error:
    print(error)
"""


def read_in_child(path: Path, memory: int = CHILD_MEMORY) -> str:
    """What reading `path` gives ("read", or the `InputError`'s message), in a child Python held to `memory`
    bytes of address space and CHILD_SECONDS, so that a file that asks too much fails the test, not the machine."""

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    try:
        child = subprocess.run(
            [sys.executable, "-c", READ, str(path)],
            env=kg_env(),
            capture_output=True,
            text=True,
            timeout=CHILD_SECONDS,
            preexec_fn=limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading {path.name} took over {CHILD_SECONDS} s")
    assert child.returncode == 0, child.stderr[-2000:]
    return child.stdout.strip()


def test_a_page_of_20000_headings_is_read_and_its_article_found(tmp_path: Path) -> None:
    """The extractor's fallback takes time that grows with the square of the blocks (a minute for this page):
    a page of more than MAX_FALLBACK_BLOCKS is read without it, and its article is still found."""
    path = tmp_path / "headings.html"
    headings = "".join(f"<div><h2>Heading {i:05d}</h2></div>\n" for i in range(20_000))
    path.write_text(f"<html><body>{headings}<article><p>{PARAGRAPHS[0]}</p></article></body></html>")
    assert read_in_child(path) == "read"
    assert PARAGRAPHS[0] in read_document(path).text


def test_a_page_of_more_elements_than_kg_reads_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "spans.html"
    spans = "<span>x</span>" * (MAX_PAGE_ELEMENTS + 1)
    path.write_text(f"<html><body><article><p>{PARAGRAPHS[0]}</p>{spans}</article></body></html>")
    assert (
        read_in_child(path) == f"{path}: more than {MAX_PAGE_ELEMENTS:,} elements, over kg's limit for a page"
    )


def test_a_page_of_long_lines_that_are_not_sentences_is_judged_to_hold_no_article(tmp_path: Path) -> None:
    """Telling whether a paragraph is a sentence once took time that grew faster than the square of its words
    (three cells of 12,000 words with no full stop: over a minute, before the page was found to hold no article)."""
    path = tmp_path / "cells.html"
    cells = "".join(f"<table><tr><td>{'word ' * 12000}</td></tr></table>" for _ in range(3))
    path.write_text(f"<html><body><article>{cells}</article></body></html>")
    assert read_in_child(path) == f"{path}: no article found in the page"


@pytest.mark.parametrize(
    "body",
    [
        "<p>" + "<a href='#'>word</a> " * (MAX_INLINE_IN_A_BLOCK + 1) + "</p>",  # 20,000 of them: 47 s
        ("<p>" + "<span>word</span> " * 1000 + "</p>") * (MAX_INLINE_ELEMENTS // 1000 + 1),  # 50,000: 16 s
    ],
    ids=["in-one-paragraph", "in-the-page"],
)
def test_a_page_of_more_links_and_spans_in_its_paragraphs_than_kg_reads_is_refused(
    tmp_path: Path, body: str
) -> None:
    path = tmp_path / "inline.html"
    path.write_text(f"<html><body><article><p>{PARAGRAPHS[0]}</p>{body}</article></body></html>")
    assert read_in_child(path) == (
        f"{path}: more than {MAX_INLINE_ELEMENTS:,} links, spans and other elements inside its paragraphs, or "
        f"{MAX_INLINE_IN_A_BLOCK:,} in one, over kg's limit for a page"
    )


def shared_stream_pdf(pages: int, inflated: int) -> bytes:
    """A PDF of `pages` pages that all draw one compressed content stream: a line of text, then `inflated` spaces."""
    content = zlib.compress(TEXT_OPERATORS + b" " * inflated, 9)
    kids = " ".join(f"{6 + i} 0 R" for i in range(pages))
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>"
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< >>",
            pdf_stream(content, b"/Filter /FlateDecode"),
            *[page] * pages,
        ]
    )


@pytest.mark.parametrize(
    ("pages", "inflated", "message"),
    [
        (10, 20_000_000, "more than 50,000,000 bytes of page content to read"),  # 20 MB read on every page
        (2, 70_000_000, "over the PDF reader's limits"),  # one stream larger than a whole PDF may read
    ],
)
def test_pages_that_share_a_huge_content_stream_are_refused_in_seconds(
    tmp_path: Path, pages: int, inflated: int, message: str
) -> None:
    path = tmp_path / "shared.pdf"
    path.write_bytes(shared_stream_pdf(pages, inflated))
    assert path.stat().st_size < 100_000
    assert read_in_child(path).startswith(f"{path}: {message}")


def test_a_form_drawn_again_and_again_counts_each_time(tmp_path: Path) -> None:
    path = tmp_path / "form.pdf"
    form = zlib.compress(TEXT_OPERATORS + b" " * 2_000_000, 9)
    path.write_bytes(
        one_page_pdf(
            TEXT_OPERATORS + b" /X1 Do" * 100,
            more=(
                pdf_stream(
                    form,
                    b"/Filter /FlateDecode /Type /XObject /Subtype /Form /BBox [0 0 595 842] "
                    b"/Resources << /Font << /F1 3 0 R >> >>",
                ),
            ),
        )
    )
    assert read_in_child(path).startswith(f"{path}: more than 50,000,000 bytes of page content to read")


def font_pdf(pages: int, fonts: int, program: int, *, to_unicode: bool = False) -> bytes:
    """A PDF of `pages` pages, page i a line of its own in font i % `fonts`: each font a Type1 font (with a
    /ToUnicode map if `to_unicode`) whose embedded font program (/FontFile) is `program` spaces, compressed."""
    program_stream = pdf_stream(
        zlib.compress(b"%!PS-AdobeFont-1.0: Invented\n" + b" " * program, 9), b"/Filter /FlateDecode"
    )
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", pdf_stream(b"beginbfchar\n<41> <0041>\nendbfchar")]
    font_ids = []
    for f in range(fonts):
        n = len(objects) + 1
        font_ids.append(n)
        entries = b"/ToUnicode 3 0 R" if to_unicode else b""
        objects += [
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Invented%d /FontDescriptor %d 0 R %s >>"
            % (f, n + 1, entries),
            b"<< /Type /FontDescriptor /FontName /Invented%d /Flags 32 /FontFile %d 0 R >>" % (f, n + 2),
            program_stream,
        ]
    page_ids = []
    for p in range(pages):
        page_ids.append(len(objects) + 1)
        objects += [
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> "
            b"/Contents %d 0 R >>" % (font_ids[p % fonts], len(objects) + 2),
            pdf_stream(TEXT_OPERATORS.replace(b"review", b"review %d" % p)),
        ]
    kids = b" ".join(b"%d 0 R" % i for i in page_ids)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages)
    return pdf_from_objects(objects)


FONT_MEMORY = 1_000_000_000  # bytes of address space for reading the PDFs below


@pytest.mark.parametrize(
    ("pages", "fonts", "message"),
    [
        # a font of its own on each page: the reader inflates and keeps 49 MB a font (1.5 GB in all)
        (30, 30, "over the PDF reader's limits"),
        # one font on every page: the reader hashes its 49 MB again on each (minutes for 5,000 pages)
        (MAX_PDF_PAGES, 1, "more than 50,000,000 bytes of page content to read"),
    ],
)
def test_font_programs_that_inflate_past_the_budget_are_refused(
    tmp_path: Path, pages: int, fonts: int, message: str
) -> None:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(font_pdf(pages, fonts, 49_000_000))
    assert path.stat().st_size < 2_000_000
    assert read_in_child(path, FONT_MEMORY).startswith(f"{path}: {message}")


@pytest.mark.parametrize(
    ("pages", "fonts", "program", "to_unicode"),
    [
        (1_000, 4, 100_000, False),  # 100 MB counted in full on every page; 1.9 MB as kg counts it
        (30, 30, 49_000_000, True),  # a /ToUnicode map explains the codes: the reader leaves the program be
    ],
)
def test_a_pdf_whose_font_programs_the_reader_reads_little_is_read(
    tmp_path: Path, pages: int, fonts: int, program: int, to_unicode: bool
) -> None:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(font_pdf(pages, fonts, program, to_unicode=to_unicode))
    assert read_in_child(path, FONT_MEMORY) == "read"
    before = get_configuration()
    assert "The harbour review 7 was published" in read_document(path).text
    assert get_configuration() == before, "the reader's limits are kg's while it reads a PDF, and only then"


# ------------------------------------------------------------------------------------------ PDF title lines
REPORT = [
    "Harwick Attack Report",
    "Office for Public Protection",
    "1",
    "The Office for Public Protection reviewed the response of the agencies to the attack in",
    "Harwick on 3 May 2023, in which two people were injured. The review was commissioned by the",
    "Home Secretary and found that warnings had been missed by three bodies.",
    "Findings, in the order the panel",
    "heard them, are set out below for each body that took part in the review of the attack.",
]


def test_a_pdfs_title_and_subtitle_lines_do_not_run_into_its_first_sentence(tmp_path: Path) -> None:
    """Short lines of capitalised words that open a paragraph (a title, a subtitle, a heading), and a number alone
    on its line, stand as paragraphs of their own; a paragraph's wrapped lines, and a short first line that
    goes on (a comma, a small word), are still joined."""
    path = tmp_path / "report.pdf"
    path.write_bytes(make_pdf([REPORT]))
    paragraphs = [p for p in read_document(path).text.split("\n\n") if p != "1"]  # a page number may go
    assert paragraphs[:2] == ["Harwick Attack Report", "Office for Public Protection"]
    assert paragraphs[2].startswith("The Office for Public Protection reviewed") and paragraphs[2].endswith(
        "missed by three bodies."
    )
    assert paragraphs[3].startswith("Findings, in the order the panel heard them")
    ex = extract_document(read_document(path))
    labels = {e.label for e in ex.entities.values()}
    assert "Office for Public Protection" in labels
    # the title names the report alone; nothing runs across the lines ("… Report Office …", "… Protection 1")
    assert not {label for label in labels if "Report " in label or label.endswith(" 1")}
    assert {e.cls for e in ex.entities.values() if e.label == "Harwick Attack Report"} <= {"Inquiry"}

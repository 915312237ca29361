"""IRIs, document names, evidence and the readers' limits, at their edges: the functions mutation testing holds
to account (tests/mutation.py, area "iris"). In-process and fast: mutmut runs these against every mutant."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import lxml.html  # type: ignore[import-untyped]
import pytest
from helpers import make_pdf
from rdflib import URIRef

from kg.errors import InputError
from kg.extract.analysis import DocumentAnalysis, Sentence, evidence
from kg.graph.rdfmap import document_iri, entity_iri, evidence_iri, slug
from kg.model import Document, Evidence
from kg.ontology.lexicon import load_lexicon
from kg.ontology.vocab import KGI
from kg.text.formats import (
    MAX_INLINE_ELEMENTS,
    MAX_INLINE_IN_A_BLOCK,
    MAX_PAGE_ELEMENTS,
    MAX_PDF_CONTENT_BYTES,
    _many_blocks,
    _OverBudget,
    _PdfWork,
    html_text,
)
from kg.text.read import (
    OutsideRoot,
    byte_limit,
    decode_text,
    document_from_bytes,
    document_name,
    read_document,
    read_documents,
)


def sha(text: str, n: int) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


# --- slugs and entity IRIs ------------------------------------------------------------------------------------


def test_a_plain_name_slugs_to_its_words_joined_by_hyphens() -> None:
    assert slug("David Amess") == "david-amess"
    assert slug("  Ann -- O'Neil, 2nd  ") == "ann-o-neil-2nd"


def test_a_name_that_loses_characters_gets_a_hash_so_two_names_never_share_a_slug() -> None:
    assert slug("Zoë Bell") == f"zoe-bell-{sha('Zoë Bell', 10)}"
    assert slug("Zoe Bell") == "zoe-bell"
    # NFKD takes a ligature apart ("ﬁ" -> "fi"): readable, but still marked as lossy
    assert slug("ﬁnch") == f"finch-{sha('ﬁnch', 10)}"


def test_a_name_with_no_ascii_letter_is_its_hash() -> None:
    assert slug("—") == sha("—", 10)
    assert slug("") == sha("", 10)
    assert slug("日本") == sha("日本", 10)


def test_a_long_name_is_cut_to_80_characters_and_hashed() -> None:
    name = "a" * 100
    assert slug(name) == "a" * 80 + "-" + sha(name, 10)
    # the cut falls on a hyphen: it goes, and no "--" is left before the hash
    name = "b" * 79 + " " + "c" * 30
    assert slug(name) == "b" * 79 + "-" + sha(name, 10)
    # exactly 80 characters: kept whole, no hash; punctuation before them does not count
    assert slug("d" * 80) == "d" * 80
    assert slug("(" + "e" * 80 + ")") == "e" * 80


def test_an_entity_iri_is_its_family_and_slug() -> None:
    lex = load_lexicon()
    assert lex.family("Agency") == "Organization"
    assert (
        entity_iri("Agency", "Office for Public Protection")
        == KGI["organization/office-for-public-protection"]
    )
    assert (
        entity_iri("Agency", "Office for Public Protection", lex)
        == KGI["organization/office-for-public-protection"]
    )
    assert entity_iri("Person", "David Amess") == URIRef(str(KGI) + "person/david-amess")


# --- document IRIs --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("news/Report one.txt", "news/Report%20one.txt"),
        ("a~b-c_d.e.txt", "a~b-c_d.e.txt"),
        ("q?x#y&z=1!.txt", "q%3Fx%23y%26z%3D1%21.txt"),
        ("100%.txt", "100%25.txt"),
        ("café.txt", "caf%C3%A9.txt"),
        ("/home/ann/a.txt", "%2Fhome/ann/a.txt"),
        ("a/./b.txt", "a/%2E/b.txt"),
        ("a/../b.txt", "a/%2E%2E/b.txt"),
        ("../b.txt", "%2E%2E/b.txt"),
        (".", "%2E"),
        ("a/.../b.txt", "a/.../b.txt"),
        ("a/.hidden", "a/.hidden"),
        ("http://h/a/../b", "http%3A//h/a/%2E%2E/b"),
        ("caf\udce9.txt", "caf%ED%B3%A9.txt"),
    ],
)
def test_a_document_iri_is_its_name_percent_encoded_keeping_slashes(name: str, path: str) -> None:
    assert document_iri(name) == URIRef(f"{KGI}document/{path}")


def test_dot_segments_never_fold_two_document_names_into_one_iri() -> None:
    names = ["a/b.txt", "a/./b.txt", "a/x/../b.txt", "/a/b.txt", "a//b.txt", "a/%2E/b.txt"]
    assert len({document_iri(n) for n in names}) == len(names)


# --- evidence and its IRI -------------------------------------------------------------------------------------


def test_an_evidence_iri_is_stable_and_depends_on_every_field() -> None:
    s, p, o = KGI["person/a"], URIRef("https://example.org/p"), KGI["place/b"]
    fields = ("doc.txt", s, p, o, 3, 40)
    key = "\x1f".join(str(f) for f in fields)
    assert evidence_iri(*fields) == KGI[f"evidence/{sha(key, 20)}"]
    # a pinned value: the IRIs in the committed exports must not change from one version to the next
    assert evidence_iri(*fields) == KGI["evidence/" + sha(f"doc.txt\x1f{s}\x1f{p}\x1f{o}\x1f3\x1f40", 20)]
    others = [
        ("doc2.txt", s, p, o, 3, 40),
        ("doc.txt", o, p, s, 3, 40),
        ("doc.txt", s, URIRef("https://example.org/q"), o, 3, 40),
        ("doc.txt", s, p, o, 4, 40),
        ("doc.txt", s, p, o, 3, 41),
    ]
    assert len({evidence_iri(*f) for f in [fields, *others]}) == 6


def test_a_relations_evidence_is_its_whole_sentence_with_offsets() -> None:
    text = "Ann Ode met Bo Tay. Then Bo Tay left Harwick.\n"
    doc = Document(path=Path("x.txt"), name="news/x.txt", text=text, sha256="0")
    sentences = [
        Sentence(index=0, start=0, end=19, span=None, block=0, tokens=[], ents=[]),
        Sentence(index=1, start=20, end=45, span=None, block=0, tokens=[], ents=[]),
    ]
    analysis = DocumentAnalysis(doc=doc, sentences=sentences, mentions={}, header_sentences=[])
    assert evidence(analysis, 0) == Evidence("news/x.txt", 0, 19, "Ann Ode met Bo Tay.")
    assert evidence(analysis, 1) == Evidence("news/x.txt", 20, 45, "Then Bo Tay left Harwick.")


# --- document names -------------------------------------------------------------------------------------------


def test_a_document_name_is_its_path_from_the_root(tmp_path: Path) -> None:
    assert document_name(tmp_path / "news" / "a.txt", tmp_path) == "news/a.txt"
    assert document_name(tmp_path / "news" / ".." / "b.txt", tmp_path) == "b.txt"
    assert document_name(tmp_path / "news" / "." / "c.txt", tmp_path) == "news/c.txt"


def test_a_document_name_defaults_to_the_path_from_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert document_name(Path("news/a.txt")) == "news/a.txt"
    assert document_name(tmp_path / "b.txt") == "b.txt"


def test_a_file_outside_the_root_is_refused_naming_it_and_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    with pytest.raises(OutsideRoot) as caught:
        document_name(tmp_path / "elsewhere.txt", root)
    assert str(caught.value) == (
        f"{tmp_path / 'elsewhere.txt'}: outside the root {root}, the folder documents are named from (their path "
        "from it): move the file under it, or give the store a root that holds it (kg build --root DIR)"
    )
    assert isinstance(caught.value, InputError)


def test_a_root_reached_through_a_link_names_files_by_where_they_really_are(tmp_path: Path) -> None:
    real = tmp_path / "real"
    (real / "news").mkdir(parents=True)
    (tmp_path / "link").symlink_to(real)
    # the file named through the real folder, the root through the link (a shell's $PWD), and the other way
    assert document_name(real / "news" / "a.txt", tmp_path / "link") == "news/a.txt"
    assert document_name(tmp_path / "link" / "news" / "a.txt", real) == "news/a.txt"
    # a file that is itself a link keeps its own name
    (real / "news" / "target.txt").write_text("x")
    (real / "alias.txt").symlink_to(real / "news" / "target.txt")
    assert document_name(tmp_path / "link" / "alias.txt", real) == "alias.txt"
    with pytest.raises(OutsideRoot):
        document_name(tmp_path / "link" / "news" / "a.txt", real / "news" / "deeper")


@pytest.mark.parametrize(
    ("file", "name"),
    [
        ("100%.txt", "100%25.txt"),
        ("caf%E9.txt", "caf%25E9.txt"),
        ("caf\udce9.txt", "caf%E9.txt"),
        ("\udc80\udcff.txt", "%80%FF.txt"),
        ("\udc7f\udd00.txt", "\udc7f\udd00.txt"),  # not the bytes of a file name: left alone
        ("Report.txt", "Report.txt"),
    ],
)
def test_a_document_name_is_text_that_tells_every_file_apart(tmp_path: Path, file: str, name: str) -> None:
    assert document_name(tmp_path / file, tmp_path) == name


def test_outside_the_current_folder_a_library_caller_gets_the_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "here").mkdir()
    file = tmp_path / "there" / "a 100%.txt"
    file.parent.mkdir()
    file.write_text("Some text.")
    monkeypatch.chdir(tmp_path / "here")
    assert read_document(file).name == f"{tmp_path}/there/a 100%25.txt"
    assert read_documents([file])[0].name == f"{tmp_path}/there/a 100%25.txt"
    monkeypatch.chdir(tmp_path)
    assert read_document(file).name == "there/a 100%25.txt"
    assert read_document(file, name="given").name == "given"


# --- the readers' limits --------------------------------------------------------------------------------------


def sized(path: Path, size: int, head: bytes = b"") -> Path:
    """A file of `size` bytes (sparse past `head`: no disk is spent)."""
    with path.open("wb") as f:
        f.write(head)
        f.truncate(size)
    return path


def test_each_kind_of_document_has_its_byte_limit() -> None:
    assert byte_limit(None) == 2_000_000
    assert byte_limit("html") == 10_000_000
    assert byte_limit("pdf") == 50_000_000


@pytest.mark.parametrize(
    ("file", "limit"),
    [
        ("a.txt", 2_000_000),
        ("a.md", 2_000_000),
        ("a.HTML", 10_000_000),
        ("a.htm", 10_000_000),
        ("a.Pdf", 50_000_000),
    ],
)
def test_a_file_one_byte_over_its_kinds_limit_is_refused_before_it_is_read(
    tmp_path: Path, file: str, limit: int
) -> None:
    path = sized(tmp_path / file, limit + 1)
    with pytest.raises(InputError) as caught:
        read_document(path)
    assert (
        str(caught.value)
        == f"{path}: {limit + 1:,} bytes, over kg's limit of {limit:,} bytes a document: split it"
    )


def test_a_text_file_of_exactly_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"word " * 400_000)
    assert len(read_document(path).text) == 2_000_000


def test_bytes_over_the_limit_are_refused_naming_their_source(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        document_from_bytes(b"a" * 2_000_001, path=tmp_path / "a.txt", name="a.txt", kind=None)
    assert (
        str(caught.value)
        == f"{tmp_path / 'a.txt'}: 2,000,001 bytes, over kg's limit of 2,000,000 bytes a document: split it"
    )
    with pytest.raises(InputError) as caught:
        document_from_bytes(b"a" * 10_000_001, path=Path("p"), name="u", kind="html", source="http://h/p")
    assert (
        str(caught.value)
        == "http://h/p: 10,000,001 bytes, over kg's limit of 10,000,000 bytes a document: split it"
    )
    doc = document_from_bytes(b"a" * 2_000_000, path=Path("a.txt"), name="a.txt", kind=None)
    assert len(doc.text) == 2_000_000


def test_a_text_document_keeps_its_text_and_says_what_it_is() -> None:
    data = "\ufeff# A heading\r\nBody text.\r\n".encode()
    doc = document_from_bytes(data, path=Path("n/a.MD"), name="n/a.MD", kind=None)
    assert doc == Document(
        path=Path("n/a.MD"),
        name="n/a.MD",
        text="# A heading\nBody text.\n",
        sha256=hashlib.sha256(b"# A heading\nBody text.\n").hexdigest(),
        title="A heading",
        media_type="text/markdown",
    )
    plain = document_from_bytes(b"# Not a heading\n", path=Path("a.txt"), name="a.txt", kind=None)
    assert (plain.title, plain.media_type) == ("# Not a heading", "text/plain")


PAGE = b"""<html><head><title>Harwick attack report</title>
<meta name="author" content="Ann Ode"><meta property="og:site_name" content="Harwick News">
<meta name="date" content="2021-10-15"></head><body><article>
<h1>Harwick attack report</h1>
<p>The inquiry into the Harwick attack opened in London on Monday, its chair said.</p>
<p>Bo Tay was charged with the murder of David Amess by the police on Friday.</p>
</article></body></html>"""


def test_a_page_keeps_its_article_and_what_it_says_about_itself() -> None:
    doc = document_from_bytes(PAGE, path=Path("a.html"), name="a.html", kind="html", source="http://h/a")
    assert doc.text.startswith("Harwick attack report\n\nThe inquiry into the Harwick attack opened")
    assert doc.sha256 == hashlib.sha256(doc.text.encode()).hexdigest()
    assert (doc.title, doc.author, doc.site, doc.media_type) == (
        "Harwick attack report",
        "Ann Ode",
        "Harwick News",
        "text/html",
    )
    assert (doc.date.year, doc.date.month, doc.date.day) if doc.date else None == (2021, 10, 15)
    assert (doc.path, doc.name, doc.pages) == (Path("a.html"), "a.html", ())


def test_a_pdf_keeps_its_text_layer_and_where_each_page_starts() -> None:
    data = make_pdf(
        [["Harwick attack report", "The inquiry opened on Monday in London."], ["Bo Tay was charged."]]
    )
    doc = document_from_bytes(data, path=Path("r.pdf"), name="r.pdf", kind="pdf")
    assert doc.media_type == "application/pdf"
    assert (
        doc.title == "Harwick attack report The inquiry opened on Monday in London."
    )  # no title in its metadata
    assert len(doc.pages) == 2 and doc.pages[0] == 0
    assert doc.text[doc.pages[1] :].startswith("Bo Tay was charged.")
    assert doc.sha256 == hashlib.sha256(doc.text.encode()).hexdigest()


def test_text_is_refused_when_it_is_binary_not_utf8_or_empty() -> None:
    with pytest.raises(InputError, match=r"^src: binary file, not a text document$"):
        decode_text(b"abc\x00def", source="src")
    with pytest.raises(InputError, match=r"^src: not UTF-8 at byte 4$"):
        decode_text(b"abc \xe9t\xe9", source="src")
    with pytest.raises(InputError, match=r"^src: empty document$"):
        decode_text("\ufeff \r\n\t".encode(), source="src")
    assert decode_text("\ufeffa\r\nb\rc\n\ufeff".encode(), source="src") == "a\nb\rc\n\ufeff"


def test_a_file_that_cannot_be_read_is_refused_naming_why(tmp_path: Path) -> None:
    folder = tmp_path / "looks.txt"
    folder.mkdir()
    with pytest.raises(InputError, match=r"looks\.txt: cannot read: Is a directory$"):
        read_document(folder)
    with pytest.raises(InputError, match=r"gone\.txt: no such file or folder$"):
        read_document(tmp_path / "gone.txt")


def test_paths_that_name_no_document_are_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "a.docx").write_text("x")
    (tmp_path / "broken.txt").symlink_to(tmp_path / "nowhere")
    cases = {
        tmp_path / "empty": "no documents (.txt, .md, .html, .htm, .pdf)",
        tmp_path / "a.docx": "not a document kg reads (.txt, .md, .html, .htm, .pdf)",
        tmp_path / "broken.txt": "not a file or folder",
        tmp_path / "missing": "no such file or folder",
    }
    for path, why in cases.items():
        with pytest.raises(InputError) as caught:
            read_documents([path])
        assert str(caught.value) == f"{path}: {why}"


def test_a_title_is_the_first_line_cut_to_200_characters() -> None:
    long = "x" * 199 + " " + "y" * 50
    doc = document_from_bytes(f"\n  \n{long}\nrest".encode(), path=Path("a.txt"), name="a", kind=None)
    assert doc.title == "x" * 199
    doc = document_from_bytes(("z" * 300).encode(), path=Path("a.txt"), name="a", kind=None)
    assert doc.title == "z" * 200
    doc = document_from_bytes(b"#\n## Two ##\n", path=Path("a.md"), name="a", kind=None)
    assert doc.title == "Two ##"
    doc = document_from_bytes(b"X-ray report\n", path=Path("a.md"), name="a", kind=None)
    assert doc.title == "X-ray report"


def page(body: str) -> bytes:
    return f"<html><body>{body}</body></html>".encode()


def blocks_of(body: str) -> bool:
    return _many_blocks(lxml.html.fromstring(page(body)), source="p")


def test_a_page_of_too_many_links_in_one_paragraph_is_refused() -> None:
    at_limit = "<p>" + "<a>x</a>" * MAX_INLINE_IN_A_BLOCK + "</p>"
    assert blocks_of(at_limit * 2) is False
    over = "<p>" + "<a>x</a>" * (MAX_INLINE_IN_A_BLOCK + 1) + "</p>"
    with pytest.raises(InputError) as caught:
        html_text(page(over), source="http://h/p")
    assert str(caught.value) == (
        "http://h/p: more than 20,000 links, spans and other elements inside its paragraphs, or 2,000 in one, "
        "over kg's limit for a page"
    )
    # the count is the innermost block's: a paragraph inside a div holds its own links
    nested = "<div>" + "<a>x</a>" * 1500 + "<p>" + "<a>x</a>" * 1500 + "</p>" + "<a>x</a>" * 400 + "</div>"
    assert blocks_of(nested) is False
    with pytest.raises(InputError):
        blocks_of(
            "<div>" + "<a>x</a>" * 1500 + "<p>" + "<a>x</a>" * 1500 + "</p>" + "<a>x</a>" * 501 + "</div>"
        )


def test_a_page_of_too_many_links_in_all_is_refused() -> None:
    per = MAX_INLINE_ELEMENTS // 10
    assert blocks_of(("<p>" + "<b>x</b>" * per + "</p>") * 10) is False
    with pytest.raises(InputError, match="more than 20,000 links"):
        blocks_of(("<p>" + "<b>x</b>" * per + "</p>") * 10 + "<p><b>x</b></p>")
    # links outside any block are not the extractor's slow case
    assert blocks_of("<a>x</a>" * (MAX_INLINE_IN_A_BLOCK + 1)) is False


def test_a_page_of_too_many_elements_is_refused() -> None:
    # html, body and the page's elements
    assert blocks_of("<i></i>" * (MAX_PAGE_ELEMENTS - 2)) is False
    with pytest.raises(InputError) as caught:
        blocks_of("<i></i>" * (MAX_PAGE_ELEMENTS - 1))
    assert str(caught.value) == "p: more than 100,000 elements, over kg's limit for a page"
    # comments are not elements
    assert blocks_of("<!-- c -->" * 10 + "<i></i>" * (MAX_PAGE_ELEMENTS - 2)) is False


def test_a_page_of_many_blocks_is_read_without_the_slow_fallback() -> None:
    assert blocks_of("<p>x</p>" * 5_000) is False
    assert blocks_of("<p>x</p>" * 5_001) is True
    assert blocks_of("<!-- c --><p>x</p>" + "<br>" * 5_000) is True


def test_a_pdf_may_read_its_budget_and_not_a_byte_more() -> None:
    work = _PdfWork("r.pdf")
    work.spend(MAX_PDF_CONTENT_BYTES - 10)
    limits = work.limits()
    assert limits.zlib_maximum_output_length == 10
    assert limits.lzw_maximum_output_length == 10
    assert limits.run_length_maximum_output_length == 10
    assert limits.brotli_maximum_output_length == 10
    assert limits.array_based_stream_maximum_output_length == 10
    work.spend(10)
    assert work.limits().zlib_maximum_output_length == 1  # 0 would be no limit to zlib
    with pytest.raises(_OverBudget):
        work.spend(1)
    assert os.fspath(Path(work.source)) == "r.pdf"


def test_a_page_or_pdf_that_cannot_be_read_is_refused_naming_its_source() -> None:
    with pytest.raises(InputError) as caught:
        document_from_bytes(
            page("<p>Home</p>"), path=Path("a.html"), name="a", kind="html", source="http://h/a"
        )
    assert str(caught.value) == "http://h/a: no article found in the page"
    with pytest.raises(InputError) as caught:
        document_from_bytes(b"%PDF-1.4 broken", path=Path("r.pdf"), name="r", kind="pdf", source="http://h/r")
    assert str(caught.value).startswith("http://h/r: not a readable PDF (")


def test_a_pdf_whose_first_line_starts_with_a_hash_keeps_it_in_its_title() -> None:
    data = make_pdf([["# 1", "The inquiry opened on Monday in London, its chair said."]])
    doc = document_from_bytes(data, path=Path("r.pdf"), name="r", kind="pdf")
    assert doc.title == "# 1 The inquiry opened on Monday in London, its chair said."


def test_a_page_file_is_read_as_a_page(tmp_path: Path) -> None:
    path = tmp_path / "a.HTM"
    path.write_bytes(PAGE)
    doc = read_document(path, name="a.HTM")
    assert doc.media_type == "text/html"
    assert "<p>" not in doc.text and doc.title == "Harwick attack report"


def article(pad: int) -> tuple[bytes, int]:
    """A page whose article's text (paragraphs joined by blank lines) is 2,000,000 bytes plus `pad`, and that size."""
    paragraphs = [
        f"Paragraph {i} says that the inquiry heard evidence. " + "€" * 1400 + "." for i in range(470)
    ]
    size = len(("\n\n".join(paragraphs) + "\n").encode())
    paragraphs[-1] = paragraphs[-1][:-1] + "x" * (2_000_000 - size + pad) + "."
    html = "<html><body><article>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article></body></html>"
    return html.encode(), len(("\n\n".join(paragraphs) + "\n").encode())


def test_a_pages_text_is_held_to_the_document_limit() -> None:
    data, size = article(0)
    assert size == 2_000_000
    doc = document_from_bytes(data, path=Path("a.html"), name="a", kind="html", source="http://h/a")
    assert len(doc.text.encode()) == 2_000_000
    data, size = article(1)
    with pytest.raises(InputError) as caught:
        document_from_bytes(data, path=Path("a.html"), name="a", kind="html", source="http://h/a")
    assert str(caught.value) == "http://h/a: its text is over kg's limit of 2,000,000 bytes a document"

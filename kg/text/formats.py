"""Plain text out of web pages and PDF files: a page's article with its metadata, a PDF's text layer by page.

kg reads the text these give exactly as it reads a `.txt` file: every offset in the graph points into it, and the
store keeps it. A page keeps its article only (navigation, adverts, reader comments, footers and cookie banners
go), one paragraph a block; a PDF keeps its text layer with words split at line ends joined again, and without
the lines that repeat at the top or bottom of most pages (running headers and footers) or that only number a
page. Both raise `InputError` for what cannot be read: a page with no article, a PDF that is encrypted, damaged
or has no text layer (a scan).
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field

from kg.errors import InputError

#: How large a page or a PDF file may be (its text is then held to kg's limit for a document).
MAX_PAGE_BYTES = 10_000_000
MAX_PDF_BYTES = 50_000_000
#: A PDF page with fewer characters than this in its text layer has none (a scanned image).
_MIN_PAGE_CHARS = 20
_PAGE_NUMBER = re.compile(
    r"^\s*(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\s*$|^\s*[-–]\s*\d{1,4}\s*[-–]\s*$", re.I
)


#: A sentence: eight words or more, ending as sentences end.
_PROSE = re.compile(r"(?:\S+\s+){7,}\S*[.!?\"”’)]$")


@dataclass
class Extracted:
    """The plain text of a page or a PDF, and what the file says about itself."""

    text: str
    title: str | None = None
    date: str | None = None  # as the page gives it: YYYY-MM-DD
    author: str | None = None
    site: str | None = None
    media_type: str = "text/plain"
    pages: list[int] = field(default_factory=list)  # for a PDF: the offset in `text` where each page starts


def html_text(data: bytes, *, source: str) -> Extracted:
    """The article of a web page, one paragraph a block, with its title, date, author and site."""
    if len(data) > MAX_PAGE_BYTES:
        raise InputError(f"{source}: {len(data):,} bytes, over kg's limit of {MAX_PAGE_BYTES:,} bytes a page")
    import trafilatura  # imported here: reading .txt files never loads it

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    try:
        found = trafilatura.bare_extraction(
            data,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            favor_recall=True,  # keeps the headings of a debate (who speaks) that the precise mode drops
        )
    except Exception as error:  # the parser's own errors on broken markup
        raise InputError(f"{source}: not a readable web page ({type(error).__name__})") from None
    text = getattr(found, "text", None) if found is not None else None
    paragraphs = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not any(_PROSE.search(p) for p in paragraphs):
        # what is left of a page with no article ("Home", "Sign in to continue") has no sentence in it
        raise InputError(f"{source}: no article found in the page")
    paragraphs = _with_headings(data, paragraphs)
    return Extracted(
        text="\n\n".join(paragraphs) + "\n",
        title=_clean(getattr(found, "title", None)),
        date=_clean(getattr(found, "date", None)),
        author=_clean(getattr(found, "author", None)),
        site=_clean(getattr(found, "sitename", None)),
        media_type="text/html",
    )


def _with_headings(data: bytes, paragraphs: list[str]) -> list[str]:
    """The article's paragraphs with the headings the page puts right before them, where the extractor left
    them out: a debate's speaker headings ("Ann Ode (Corby North) (Con)") say who speaks."""
    import lxml.etree  # type: ignore[import-untyped]
    import lxml.html  # type: ignore[import-untyped]

    try:
        tree = lxml.html.fromstring(data)
    except (ValueError, lxml.etree.ParserError):
        return paragraphs
    index = {p: i for i, p in reversed(list(enumerate(paragraphs)))}
    before: dict[int, list[str]] = {}
    for heading in tree.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        text = " ".join(heading.text_content().split())
        if not text or text in index:
            continue
        following = next((e for e in heading.itersiblings() if " ".join(e.text_content().split())), None)
        if following is None:
            following = next(iter(heading.xpath("following::p[1]")), None)
        if following is None:
            continue
        first = following if following.tag == "p" else next(iter(following.iter("p")), following)
        i = index.get(" ".join(first.text_content().split()))
        if i is not None and text not in before.setdefault(i, []):
            before[i].append(text)  # in the page's order: a debate's title, then its first speaker
    out: list[str] = []
    for i, p in enumerate(paragraphs):
        out += before.get(i, [])
        out.append(p)
    return out


def pdf_text(data: bytes, *, source: str) -> Extracted:
    """The text layer of a PDF, page by page, without running headers, footers and page numbers."""
    if len(data) > MAX_PDF_BYTES:
        raise InputError(f"{source}: {len(data):,} bytes, over kg's limit of {MAX_PDF_BYTES:,} bytes a PDF")
    from pypdf import PdfReader  # imported here: reading .txt files never loads it
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise InputError(f"{source}: the PDF is encrypted")
            pages = [page.extract_text() or "" for page in reader.pages]
            info = reader.metadata
    except InputError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as error:
        raise InputError(f"{source}: not a readable PDF ({type(error).__name__})") from None
    if not pages or sum(len(p.strip()) for p in pages) < _MIN_PAGE_CHARS * len(pages):
        raise InputError(f"{source}: the PDF has no text layer (a scan?): nothing to read")
    lines = [[line.rstrip() for line in page.splitlines()] for page in pages]
    furniture = _running_lines(lines)
    texts: list[str] = []
    for page_lines in lines:
        kept = [line for line in page_lines if line.strip() and not _PAGE_NUMBER.match(line)]
        kept = [line for line in kept if line.strip() not in furniture]
        texts.append(_join_lines(kept))
    starts: list[int] = []
    out = ""
    for page in texts:
        starts.append(len(out))
        out += page + "\n\n"
    title = _clean(getattr(info, "title", None)) if info is not None else None
    author = _clean(getattr(info, "author", None)) if info is not None else None
    return Extracted(text=out, title=title, author=author, media_type="application/pdf", pages=starts)


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Lines written at the top or bottom of more than half the pages (two pages at least): running headers and
    footers."""
    if len(pages) < 2:
        return set()
    edges: Counter[str] = Counter()
    for lines in pages:
        content = [line.strip() for line in lines if line.strip()]
        edges.update(set(content[:2] + content[-2:]))
    return {line for line, n in edges.items() if n >= 2 and n > len(pages) / 2}


def _join_lines(lines: list[str]) -> str:
    """A page's lines as paragraphs: a word split at a line end ("exam-" / "ple") joined, lines of one
    paragraph joined by a space, and a paragraph ended where a line ends a sentence well short of the width."""
    width = max((len(line) for line in lines), default=0)
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        text = line.strip()
        if not current:
            current = text
        elif re.search(r"[a-z]-$", current) and text[:1].islower():
            current = current[:-1] + text
        else:
            current += " " + text
        if re.search(r"[.!?:\"”]$", text) and len(line) < 0.8 * width:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


__all__ = ["MAX_PAGE_BYTES", "MAX_PDF_BYTES", "Extracted", "html_text", "pdf_text"]

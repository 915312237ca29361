"""Plain text out of web pages and PDF files: a page's article with its metadata, a PDF's text layer by page.

kg reads the text these give exactly as it reads a `.txt` file: every offset in the graph points into it, and the
store keeps it. A page keeps its article only (navigation, adverts, reader comments, footers and cookie banners
go), one paragraph a block; a PDF keeps its text layer with words split at line ends joined again, and without
the lines that repeat at the top or bottom of most pages (running headers and footers) or that only number a
page. Both raise `InputError` for what cannot be read: a page with no article, a PDF that is encrypted, damaged
or has no text layer (a scan), and for a file that would take more work to read than any real one does (the
budgets below: reading stays within seconds whatever the file holds).
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from kg.errors import InputError

if TYPE_CHECKING:
    from kg.ontology.lexicon import Lexicon

#: How large a page or a PDF file may be (its text is then held to kg's limit for a document).
MAX_PAGE_BYTES = 10_000_000
MAX_PDF_BYTES = 50_000_000
#: The work a page may ask of the extractor: at most this many elements in all. A page of more blocks
#: (paragraphs, headings, list items, table cells, line breaks) than `MAX_FALLBACK_BLOCKS` is read without the
#: extractor's fallback, whose time grows with the square of the blocks: its main pass is linear.
MAX_PAGE_ELEMENTS = 100_000
MAX_FALLBACK_BLOCKS = 5_000
#: Elements inside the page's blocks that are not blocks themselves (links, spans, emphasis), in all and in one
#: block: the extractor's main pass takes time that grows with the square of their number in a block, and faster
#: than their number in the page (20,000 links in one paragraph: 47 s; 50,000 spans in paragraphs: 16 s).
MAX_INLINE_ELEMENTS = 20_000
MAX_INLINE_IN_A_BLOCK = 2_000
#: The work a PDF may ask: pages, and bytes of content read to find its text (page and form content streams,
#: fonts' character maps and font programs, once inflated), summed over the pages: a stream the pages share counts
#: on every page, and a form counts each time it is drawn. A font program counts in full the first time (the reader
#: inflates it and keeps it) and `1/_FONT_PROGRAM_SHARE` of it on every page that uses it (it only hashes it again).
MAX_PDF_PAGES = 5_000
MAX_PDF_CONTENT_BYTES = 50_000_000
_FONT_PROGRAM_SHARE = 64
#: The reader's limits on what one stream may inflate to: set, before each page, to what the PDF may still read.
_OUTPUT_LIMITS = (
    "zlib_maximum_output_length",
    "lzw_maximum_output_length",
    "run_length_maximum_output_length",
    "brotli_maximum_output_length",
    "array_based_stream_maximum_output_length",
)
#: A PDF page with fewer characters than this in its text layer has none (a scanned image).
_MIN_PAGE_CHARS = 20
#: Forms drawn inside forms are counted this deep; an entry of a page's resources counts as this many bytes.
_MAX_FORM_DEPTH = 8
_ENTRY_BYTES = 20


@lru_cache(maxsize=4)
def _page_number(lex: Lexicon) -> re.Pattern[str] | None:
    """A line that only numbers a page ('Page 3 of 12', '- 4 -'), as the lexicon's patterns say."""
    if not lex.page_numbers:
        return None
    return re.compile("|".join(f"(?:{p})" for p in lex.page_numbers), re.I)


#: How a sentence ends (see `_is_prose`).
_SENTENCE_END = (".", "!", "?", '"', "”", "’", ")")
#: What the extractor's fallback (jusText) makes a paragraph of.
_BLOCK_TAGS = frozenset(
    {
        "blockquote",
        "caption",
        "center",
        "col",
        "colgroup",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "form",
        "legend",
    }
    | {
        "optgroup",
        "option",
        "p",
        "pre",
        "table",
        "td",
        "textarea",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "ol",
        "li",
    }
    | {"h1", "h2", "h3", "h4", "h5", "h6", "br"}
)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


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
    tree = _page_tree(data)
    fast = tree is not None and _many_blocks(tree, source=source)
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
            fast=fast,
        )
    except Exception as error:  # the parser's own errors on broken markup
        raise InputError(f"{source}: not a readable web page ({type(error).__name__})") from None
    text = getattr(found, "text", None) if found is not None else None
    paragraphs = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not any(_is_prose(p) for p in paragraphs):
        # what is left of a page with no article ("Home", "Sign in to continue") has no sentence in it
        raise InputError(f"{source}: no article found in the page")
    if tree is not None:
        paragraphs = _with_headings(tree, paragraphs, limit=2 * len(data), source=source)
    return Extracted(
        text="\n\n".join(paragraphs) + "\n",
        title=_clean(getattr(found, "title", None)),
        date=_clean(getattr(found, "date", None)),
        author=_clean(getattr(found, "author", None)),
        site=_clean(getattr(found, "sitename", None)),
        media_type="text/html",
    )


def _page_tree(data: bytes) -> Any:
    """The page parsed as lxml parses HTML, or None if it cannot be (then the extractor says why)."""
    import lxml.etree  # type: ignore[import-untyped]
    import lxml.html  # type: ignore[import-untyped]

    try:
        return lxml.html.fromstring(data)
    except (ValueError, lxml.etree.ParserError):
        return None


def _many_blocks(tree: Any, *, source: str) -> bool:
    """Whether a page has more blocks than the extractor's fallback reads in good time (`MAX_FALLBACK_BLOCKS`);
    a page of more elements than kg reads (`MAX_PAGE_ELEMENTS`), or of more elements inside its blocks
    (`MAX_INLINE_ELEMENTS`), is refused. One pass over the page."""
    import lxml.etree

    root = tree.getroottree().getroot()
    elements = blocks = inline = 0
    in_block: list[int] = []  # for each block around the element the walk is in, the inline elements it holds
    for event, element in lxml.etree.iterwalk(root, events=("start", "end")):
        if not isinstance(element.tag, str):  # a comment or a processing instruction
            continue
        block = element.tag in _BLOCK_TAGS
        if event == "end":
            if block:
                in_block.pop()
            continue
        elements += 1
        if block:
            blocks += 1
            in_block.append(0)
        elif in_block:
            inline += 1
            in_block[-1] += 1
            if inline > MAX_INLINE_ELEMENTS or in_block[-1] > MAX_INLINE_IN_A_BLOCK:
                raise InputError(
                    f"{source}: more than {MAX_INLINE_ELEMENTS:,} links, spans and other elements inside its "
                    f"paragraphs, or {MAX_INLINE_IN_A_BLOCK:,} in one, over kg's limit for a page"
                )
        if elements > MAX_PAGE_ELEMENTS:
            raise InputError(
                f"{source}: more than {MAX_PAGE_ELEMENTS:,} elements, over kg's limit for a page"
            )
    return blocks > MAX_FALLBACK_BLOCKS


def _with_headings(tree: Any, paragraphs: list[str], *, limit: int, source: str) -> list[str]:
    """The article's paragraphs with the headings the page puts right before them, where the extractor left
    them out: a debate's speaker headings ("Ann Ode (Corby North) (Con)") say who speaks.

    A heading goes before the paragraph that follows it: the first paragraph (`p`) in its next sibling that has
    text (or that sibling itself, if it holds no `p`), else the first `p` after it in the page. One pass over the
    page finds them all; the text of at most `limit` characters is gathered on the way (the text of elements
    inside one another is gathered for each), past which the page is refused.
    """
    index = {p: i for i, p in reversed(list(enumerate(paragraphs)))}
    root = tree.getroottree().getroot()
    nodes = list(root.iter())  # elements, comments and processing instructions, in the page's order
    position = {node: i for i, node in enumerate(nodes)}
    end = list(range(len(nodes)))  # the position of the last node inside each node
    has_text = [False] * len(nodes)  # text of its own (a comment's or an instruction's is not the page's)
    size = [0] * len(nodes)  # characters of text inside, spaces included
    next_with_text: dict[int, int] = {}  # a node's next sibling that has text
    for i in range(len(nodes) - 1, -1, -1):
        node = nodes[i]
        if not isinstance(node.tag, str):
            continue
        children = list(node)
        if children:
            end[i] = end[position[children[-1]]]
        own = node.text or ""
        has_text[i] = bool(own.strip())
        size[i] = len(own)
        following: int | None = None
        for child in reversed(children):
            j = position[child]
            tail = child.tail or ""
            has_text[i] = has_text[i] or has_text[j] or bool(tail.strip())
            size[i] += size[j] + len(tail)
            if following is not None:
                next_with_text[j] = following
            if has_text[j]:
                following = j
    paragraph_at = [i for i, node in enumerate(nodes) if node.tag == "p"]
    texts: dict[int, str] = {}
    gathered = 0

    def text_of(i: int) -> str:
        nonlocal gathered
        if i not in texts:
            gathered += size[i]
            if gathered > limit:
                raise InputError(f"{source}: headings nested too deeply to read, over kg's limit for a page")
            texts[i] = " ".join(nodes[i].text_content().split())
        return texts[i]

    def first_paragraph(after: int, upto: int) -> int | None:
        k = bisect_right(paragraph_at, after)
        return paragraph_at[k] if k < len(paragraph_at) and paragraph_at[k] <= upto else None

    before: dict[int, list[str]] = {}
    placed: set[tuple[int, str]] = set()
    for heading in tree.iter(*_HEADINGS):
        h = position[heading]
        text = text_of(h)
        if not text or text in index:
            continue
        following = next_with_text.get(h)
        first: int | None
        if following is None:
            first = first_paragraph(end[h], len(nodes))
        elif nodes[following].tag == "p":
            first = following
        else:
            inside = first_paragraph(following, end[following])
            first = following if inside is None else inside
        at = index.get(text_of(first)) if first is not None else None
        if at is not None and (at, text) not in placed:
            placed.add((at, text))
            # in the page's order: a debate's title, then its first speaker
            before.setdefault(at, []).append(text)
    out: list[str] = []
    for i, p in enumerate(paragraphs):
        out += before.get(i, [])
        out.append(p)
    return out


def pdf_text(data: bytes, *, source: str, lex: Lexicon | None = None) -> Extracted:
    """The text layer of a PDF, page by page, without running headers, footers and page numbers (lines the
    patterns of `lex` match; default: the lexicon of the ontology in force)."""
    if len(data) > MAX_PDF_BYTES:
        raise InputError(f"{source}: {len(data):,} bytes, over kg's limit of {MAX_PDF_BYTES:,} bytes a PDF")
    import pypdf  # imported here: reading .txt files never loads it

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    work = _PdfWork(source)
    try:
        # no one stream may inflate past what the whole document may read (and, reading a page, what it may still)
        with warnings.catch_warnings(), pypdf.apply_configuration(work.limits()):
            warnings.simplefilter("ignore")
            try:
                reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            except pypdf.errors.DependencyError:
                # pypdf opens an encrypted PDF with the empty password, and needs a library kg does without for AES
                raise InputError(f"{source}: the PDF is encrypted") from None
            if reader.is_encrypted:
                raise InputError(f"{source}: the PDF is encrypted")
            if len(reader.pages) > MAX_PDF_PAGES:
                raise InputError(
                    f"{source}: {len(reader.pages):,} pages, over kg's limit of {MAX_PDF_PAGES:,} a PDF"
                )
            pages: list[str] = []
            for each in reader.pages:
                with pypdf.apply_configuration(work.limits()):
                    pages.append(work.page_text(each))
            info = reader.metadata
            title = _clean(getattr(info, "title", None)) if info is not None else None
            author = _clean(getattr(info, "author", None)) if info is not None else None
    except (InputError, MemoryError):
        raise
    except _OverBudget:
        raise InputError(
            f"{source}: more than {MAX_PDF_CONTENT_BYTES:,} bytes of page content to read (inflated, summed over "
            "the pages), over kg's limit for a PDF"
        ) from None
    except pypdf.errors.LimitReachedError:
        raise InputError(f"{source}: over the PDF reader's limits (LimitReachedError), not read") from None
    except Exception as error:  # pypdf fails on a damaged file in many ways, its own errors and Python's
        raise InputError(f"{source}: not a readable PDF ({type(error).__name__})") from None
    if not pages or sum(len(p.strip()) for p in pages) < _MIN_PAGE_CHARS * len(pages):
        raise InputError(f"{source}: the PDF has no text layer (a scan?): nothing to read")
    lines = [[line.rstrip() for line in page.splitlines()] for page in pages]
    furniture = _running_lines(lines)
    from kg.ontology.lexicon import load_lexicon  # imported here: reading .txt files never loads the ontology

    page_number = _page_number(lex or load_lexicon())
    texts: list[str] = []
    for page_lines in lines:
        kept = [line for line in page_lines if line.strip() and not (page_number and page_number.match(line))]
        kept = [line for line in kept if line.strip() not in furniture]
        texts.append(_join_lines(kept))
    starts: list[int] = []
    out = ""
    for page in texts:
        starts.append(len(out))
        out += page + "\n\n"
    return Extracted(text=out, title=title, author=author, media_type="application/pdf", pages=starts)


class _OverBudget(BaseException):
    """A PDF asked for more work than `MAX_PDF_CONTENT_BYTES`: a BaseException, so that pypdf, which goes on past
    any Exception in a form it draws, stops."""


class _PdfWork:
    """The bytes of content reading one PDF has asked for so far: each page's content streams and fonts'
    character maps and programs as the page is read, each form's as it is drawn (pypdf parses them anew each
    time)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.spent = 0
        self.forms: dict[str, int] = {}  # on the page being read: a form's name -> what drawing it reads
        self.nested = 0  # what drawing the largest form inside a form reads
        self.walked: dict[int, tuple[dict[str, int], int]] = {}  # resource dictionaries walked, by identity
        self.font_maps: dict[int, int] = {}  # font dictionaries walked: what using their fonts reads
        self.programs: set[int] = set()  # font programs inflated (and counted in full), by identity

    def spend(self, size: int) -> None:
        self.spent += size
        if self.spent > MAX_PDF_CONTENT_BYTES:
            raise _OverBudget

    def limits(self) -> Any:
        """pypdf's configuration with no stream inflating past what the PDF may still read (at least a byte: a
        limit of 0 is none to zlib)."""
        import pypdf

        left = max(MAX_PDF_CONTENT_BYTES - self.spent, 1)
        return pypdf.get_configuration().with_overwrites(**dict.fromkeys(_OUTPUT_LIMITS, left))

    def page_text(self, page: Any) -> str:
        """The page's text (pypdf's extraction), its work counted."""
        from pypdf.generic import ArrayObject, StreamObject

        contents = page.get("/Contents")
        contents = contents.get_object() if contents is not None else None
        streams = list(contents) if isinstance(contents, ArrayObject) else [contents]
        for stream in streams:
            stream = stream.get_object() if stream is not None else None
            if isinstance(stream, StreamObject):
                self.spend(len(stream.get_data()))
        resources = page.get_inherited("/Resources", None)
        self.spend(self._fonts(resources))
        self.forms, self.nested = self._forms(resources, depth=0)
        if not self.forms:  # no form to draw: pypdf's extraction as it is
            return page.extract_text() or ""
        return page.extract_text(visitor_operand_before=self._visit) or ""

    def _visit(self, operator: bytes, operands: Any, cm: Any, tm: Any) -> None:
        # pypdf calls this before every operator, on the page and in the forms it draws; "Do" draws a form
        if operator == b"Do" and operands:
            self.spend(self.forms.get(str(operands[0]), self.nested))

    def _forms(self, resources: Any, *, depth: int) -> tuple[dict[str, int], int]:
        """The forms `resources` names, and what drawing each reads (its content and its fonts' maps); and what
        drawing the largest form inside them reads. Each resource dictionary is walked once a document."""
        from pypdf.generic import DictionaryObject, StreamObject

        resources = resources.get_object() if resources is not None else None
        if not isinstance(resources, DictionaryObject) or depth > _MAX_FORM_DEPTH:
            return {}, 0
        if id(resources) in self.walked:
            return self.walked[id(resources)]
        self.walked[id(resources)] = {}, 0  # a form drawing itself is drawn once (pypdf skips the cycle)
        xobjects = resources.get("/XObject")
        xobjects = xobjects.get_object() if xobjects is not None else None
        forms: dict[str, int] = {}
        nested = 0
        for name, value in xobjects.items() if isinstance(xobjects, DictionaryObject) else ():
            self.spend(_ENTRY_BYTES)
            form = value.get_object() if value is not None else None
            if not isinstance(form, StreamObject) or form.get("/Subtype") != "/Form":
                continue
            inner = form.get("/Resources")
            forms[str(name)] = len(form.get_data()) + self._fonts(inner)
            inside, deeper = self._forms(inner, depth=depth + 1)
            nested = max(nested, deeper, *inside.values())
        self.walked[id(resources)] = forms, nested
        return forms, nested

    def _fonts(self, resources: Any) -> int:
        """What using the fonts `resources` names reads each time (see `_font`)."""
        from pypdf.generic import DictionaryObject

        resources = resources.get_object() if resources is not None else None
        fonts = resources.get("/Font") if isinstance(resources, DictionaryObject) else None
        fonts = fonts.get_object() if fonts is not None else None
        if not isinstance(fonts, DictionaryObject):
            return 0
        if id(fonts) not in self.font_maps:
            size = 0
            for value in fonts.values():
                self.spend(_ENTRY_BYTES)
                size += self._font(value.get_object() if value is not None else None)
            self.font_maps[id(fonts)] = size
        return self.font_maps[id(fonts)]

    def _font(self, font: Any) -> int:
        """What using `font` reads each time: its character maps (/ToUnicode, and /Encoding when it is a stream),
        parsed on every use; and, for a font without /ToUnicode, whose codes only its font programs explain (its
        own, and its descendant fonts'), a share of each program. A program is counted in full the first time it
        is met in the document."""
        from pypdf.generic import ArrayObject, DictionaryObject

        if not isinstance(font, DictionaryObject):
            return 0
        size = sum(len(stream.get_data()) for stream in _streams(font, ("/ToUnicode", "/Encoding")))
        if "/ToUnicode" in font:
            return size
        descendants = font.get("/DescendantFonts")
        descendants = descendants.get_object() if descendants is not None else None
        for each in [font, *(descendants if isinstance(descendants, ArrayObject) else ())]:
            self.spend(_ENTRY_BYTES)
            each = each.get_object() if each is not None else None
            descriptor = each.get("/FontDescriptor") if isinstance(each, DictionaryObject) else None
            descriptor = descriptor.get_object() if descriptor is not None else None
            if not isinstance(descriptor, DictionaryObject):
                continue
            for program in _streams(descriptor, ("/FontFile", "/FontFile2", "/FontFile3")):
                inflated = len(program.get_data())
                if id(program) not in self.programs:
                    self.programs.add(id(program))
                    self.spend(inflated)
                size += inflated // _FONT_PROGRAM_SHARE
        return size


def _streams(dictionary: Any, keys: tuple[str, ...]) -> list[Any]:
    """The streams the entries `keys` of a PDF dictionary are (an entry may be a name, or missing)."""
    from pypdf.generic import StreamObject

    found = []
    for key in keys:
        value = dictionary.get(key)
        value = value.get_object() if value is not None else None
        if isinstance(value, StreamObject):
            found.append(value)
    return found


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


def _is_prose(paragraph: str) -> bool:
    """Whether a paragraph is a sentence: eight words or more, ending as sentences end. (Counted, not matched by a
    regular expression with a repeated group: on a long line with no sentence end that took minutes.)"""
    return paragraph.endswith(_SENTENCE_END) and len(paragraph.split(None, 7)) == 8


def _join_lines(lines: list[str]) -> str:
    """A page's lines as paragraphs: a word split at a line end ("exam-" / "ple") joined, lines of one
    paragraph joined by a space, and a paragraph ended where a line ends a sentence well short of the width.
    Linear in the lines: a paragraph is gathered as a list, and only its last line is looked at."""
    width = max((len(line) for line in lines), default=0)
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        text = line.strip()
        last = current[-1] if current else ""
        if not current:
            current = [text]
        elif re.search(r"[a-z]-$", last) and text[:1].islower():
            current[-1] = last[:-1] + text
        else:
            current.append(text)
        if (re.search(r"[.!?:\"”]$", text) and len(line) < 0.8 * width) or (
            len(current) == 1 and _heading(text, width)
        ):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


def _heading(line: str, width: int) -> bool:
    """Whether a line that opens a paragraph is a heading, a title or a subtitle standing on its own: well short of
    the page's width, no sentence end, a few words nearly all capitalised ('Harwick Attack Report', 'Office for
    Public Protection', '2. Background'). A paragraph's first line, when it wraps, runs to the width."""
    if re.fullmatch(r"\d{1,3}\.?", line):
        return True  # a number alone on its line (a section's, a page's): not the first word of what follows
    words: list[str] = re.findall(r"[^\W\d_][\w'’-]*", line)
    if not words or len(words) > 12 or len(line) >= 0.6 * width or line.endswith((",", ";", "-")):
        return False
    capitalised = sum(w[:1].isupper() for w in words)
    return capitalised >= 0.6 * len(words) and capitalised >= len(words) - 2


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


__all__ = [
    "MAX_FALLBACK_BLOCKS",
    "MAX_INLINE_ELEMENTS",
    "MAX_INLINE_IN_A_BLOCK",
    "MAX_PAGE_BYTES",
    "MAX_PAGE_ELEMENTS",
    "MAX_PDF_BYTES",
    "MAX_PDF_CONTENT_BYTES",
    "MAX_PDF_PAGES",
    "Extracted",
    "html_text",
    "pdf_text",
]

"""Read documents from files and folders into `Document`s: the first stage of the pipeline.

A document is a `.txt` or `.md` file in UTF-8, a web page (`.html`, `.htm`: its article, see
``kg.text.formats``) or a PDF (`.pdf`: its text layer). The text is kept exactly as read (or as extracted from a
page or a PDF), because every later stage points into it by character offset, with two exceptions: a leading
UTF-8 byte order mark is dropped, and Windows line ends ("\\r\\n") become "\\n". Offsets in the graph are
offsets into that text.

Anything that is not a readable, non-empty UTF-8 text document is an `InputError` naming the path.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from kg.errors import InputError
from kg.model import DateValue, Document
from kg.text.fetch import FETCH_TIMEOUT, fetch, is_url
from kg.text.formats import MAX_PAGE_BYTES, MAX_PDF_BYTES, html_text, pdf_text

DOCUMENT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
_WRAPPED = {".html": "html", ".htm": "html", ".pdf": "pdf"}
# Files that describe a folder rather than belong to it (seeds/SOURCES.md holds the seeds' attribution):
# skipped when a folder is walked, read when named explicitly.
FOLDER_NOTES = frozenset({"readme", "sources", "licence", "license", "changelog"})
TITLE_MAX_CHARS = 200
#: Documents larger than this are refused (extraction time grows faster than the text; see README, Guarantees).
MAX_DOCUMENT_BYTES = 2_000_000
_BOM = "\ufeff"


def read_documents(
    paths: Sequence[Path | str],
    *,
    base: Path | None = None,
    on_error: Callable[[InputError], None] | None = None,
    fetcher: Callable[[str], Document] | None = None,
) -> list[Document]:
    """Read every document named by `paths`: files, or folders walked recursively.

    Folders are walked in sorted order; only `.txt` and `.md` files are read, and hidden files and folders
    (names starting with ".") are skipped, as are notes about the folder itself (README, SOURCES, LICENCE,
    LICENSE and CHANGELOG, in any case). A string that is a URL is fetched (``kg.text.fetch``; by `fetcher` when
    given, to set its limits). A file reached twice (named twice, or through a symbolic link) is
    read once. Each document is named by `document_name` relative to `base`, the root (a store's, see
    ``kg.graph.store.store_root``), so its name depends on the file alone, never on the other files read with it
    nor on the folder kg runs in. A file outside `base` is an `InputError` naming it. Without `base`, names are
    relative to the current folder, and a file outside it is named by its absolute path (for a library caller
    that does not care what its graph says: the kg command always names from a root).

    Raises `InputError` for a missing path, a folder with no documents, a file named explicitly that is not
    `.txt` or `.md`, and for any file that is empty, binary, not UTF-8, larger than `MAX_DOCUMENT_BYTES` or
    unreadable. With `on_error`, a bad file is reported to it and skipped, and the others are still read.
    """
    get = read_url if fetcher is None else fetcher
    documents: list[Document] = []
    seen_files: set[Path] = set()
    for path in paths:
        if isinstance(path, str) and is_url(path):
            try:
                documents.append(get(path))
            except InputError as error:
                if on_error is None:
                    raise
                on_error(error)
            continue
        try:
            files = list(_document_files(Path(path)))
        except InputError as error:
            if on_error is None:
                raise
            on_error(error)
            continue
        for file in files:
            resolved = file.resolve()
            if resolved in seen_files:
                continue
            seen_files.add(resolved)
            try:
                name = document_name(file, base) if base is not None else _name_or_absolute(file)
                documents.append(read_document(file, name=name))
            except InputError as error:
                if on_error is None:
                    raise
                on_error(error)
    return documents


def document_name(path: Path, root: Path | None = None) -> str:
    """A document's identity: its path relative to `root` (default: the current folder), "/" as separator, "."
    and ".." taken out (without following links, but for a path that lies in `root` only once the links of the
    folders on the way are followed). A path outside `root` is an `OutsideRoot` error: a name never carries the
    machine's folders above the root.

    It is lossless, so two files never share a name: "Report.txt" and "report.txt" differ. Bytes of the file
    name that are not UTF-8 are written "%XX", and "%" itself "%25", so that the name is always valid text and
    still tells every file apart ("caf%E9.txt" is the Latin-1 name; a file really called that is "caf%25E9.txt").
    """
    absolute = Path(os.path.abspath(path))
    folder = Path(os.path.abspath(root if root is not None else Path.cwd()))
    try:
        name = absolute.relative_to(folder).as_posix()
    except ValueError:
        # the root or the file's folder reached through a symbolic link (a shell's $PWD, /tmp on macOS): the path
        # from the root where both really are, the file's own name kept
        real, real_folder = Path(os.path.realpath(absolute.parent)) / absolute.name, os.path.realpath(folder)
        if not real.is_relative_to(real_folder):
            raise OutsideRoot(
                f"{path}: outside the root {folder}, the folder documents are named from (their path from it):"
                " move the file under it, or give the store a root that holds it (kg build --root DIR)"
            ) from None
        name = real.relative_to(real_folder).as_posix()
    return _escape_name(name)


class OutsideRoot(InputError):
    """A file that does not lie in the folder documents are named from."""


def _name_or_absolute(path: Path) -> str:
    """`document_name` from the current folder, else the file's absolute path (the library's default)."""
    try:
        return document_name(path)
    except OutsideRoot:
        return _escape_name(Path(os.path.abspath(path)).as_posix())


def _escape_name(name: str) -> str:
    """ "%" as "%25", and the bytes a file name holds that are not UTF-8 (Python keeps them as lone surrogates)
    as "%XX"."""
    out = []
    for char in name.replace("%", "%25"):
        if "\udc80" <= char <= "\udcff":
            out.append(f"%{ord(char) - 0xDC00:02X}")
        else:
            out.append(char)
    return "".join(out)


def read_document(path: Path, *, name: str | None = None) -> Document:
    """Read one file into a `Document` named `name` (default: `document_name` of its path from the current
    folder, or its absolute path outside it): a text file as it is, a web page's article or a PDF's text layer
    (``kg.text.formats``) with what the file says about itself."""
    kind = _WRAPPED.get(path.suffix.lower())
    limit = byte_limit(kind)
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(
                f"{path}: {size:,} bytes, over kg's limit of {limit:,} bytes a document: split it"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or folder") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    return document_from_bytes(
        data, path=path, name=_name_or_absolute(path) if name is None else name, kind=kind
    )


def byte_limit(kind: str | None) -> int:
    """The most bytes a document of a kind ("html", "pdf", or None for text) may have, whatever its source: checked
    before it is decoded or read (the text read from a page or a PDF is then held to `MAX_DOCUMENT_BYTES`)."""
    return {"html": MAX_PAGE_BYTES, "pdf": MAX_PDF_BYTES}.get(kind or "", MAX_DOCUMENT_BYTES)


def read_url(url: str, *, timeout: float = FETCH_TIMEOUT) -> Document:
    """Fetch a web page, a PDF or a text file at `url` (within ``kg.text.fetch``'s limits, and each kind's
    `byte_limit`) into a `Document` named by the URL without the credentials it may hold, with where it was
    asked for, where the answer came from after redirects, and when."""
    got = fetch(url, timeout=timeout, limit=byte_limit)
    doc = document_from_bytes(got.data, path=got.path, name=got.url, kind=got.kind, source=got.url)
    return doc.with_source(got.url, got.retrieved, final_url=got.final_url)


def document_from_bytes(
    data: bytes, *, path: Path, name: str, kind: str | None, source: str | None = None
) -> Document:
    """A `Document` from the bytes of a file: `kind` "html", "pdf", or None for text (Markdown by suffix), held to
    the kind's `byte_limit` before it is decoded; errors name `source` (default: the path)."""
    source = str(path) if source is None else source
    limit = byte_limit(kind)
    if len(data) > limit:
        raise InputError(
            f"{source}: {len(data):,} bytes, over kg's limit of {limit:,} bytes a document: split it"
        )
    if kind is None:
        text = decode_text(data, source=source)
        markdown = path.suffix.lower() == ".md"
        return Document(
            path=path,
            name=name,
            text=text,
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            title=_title(text, markdown=markdown),
            media_type="text/markdown" if markdown else "text/plain",
        )
    found = html_text(data, source=source) if kind == "html" else pdf_text(data, source=source)
    text = found.text
    if len(text.encode("utf-8")) > MAX_DOCUMENT_BYTES:
        raise InputError(f"{source}: its text is over kg's limit of {MAX_DOCUMENT_BYTES:,} bytes a document")
    return Document(
        path=path,
        name=name,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        title=found.title or _title(text, markdown=False),
        date=_page_date(found.date),
        author=found.author,
        site=found.site,
        media_type=found.media_type,
        pages=tuple(found.pages),
    )


def _page_date(value: str | None) -> DateValue | None:
    """A page's date (YYYY-MM-DD, as the page's metadata gives it) as a `DateValue`."""
    if value is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    year, month, day = (int(x) for x in value.split("-"))
    return DateValue(year, month, day)


def decode_text(data: bytes, *, source: str) -> str:
    """Decode the bytes of a text document, or raise `InputError` naming `source` and what is wrong."""
    if b"\x00" in data:
        raise InputError(f"{source}: binary file, not a text document")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        # error.start is an offset into `data`, i.e. into the file as stored, BOM included.
        raise InputError(f"{source}: not UTF-8 at byte {error.start}") from None
    text = text.removeprefix(_BOM).replace("\r\n", "\n")
    if not text.strip():
        raise InputError(f"{source}: empty document")
    return text


def _document_files(path: Path) -> Iterator[Path]:
    """The document files a path names: the file itself, or the documents in the folder."""
    if path.is_dir():
        found = False
        for file in _walk(path, visited=set()):
            found = True
            yield file
        if not found:
            raise InputError(f"{path}: no documents (.txt, .md, .html, .htm, .pdf)")
    elif path.is_file():
        if not _is_document_name(path):
            raise InputError(f"{path}: not a document kg reads (.txt, .md, .html, .htm, .pdf)")
        yield path
    elif path.exists() or path.is_symlink():
        # A broken link, a socket, a device: nothing to read as text.
        raise InputError(f"{path}: not a file or folder")
    else:
        raise InputError(f"{path}: no such file or folder")


def _walk(folder: Path, *, visited: set[Path]) -> Iterator[Path]:
    """Document files under `folder`, depth first in sorted order, entering each real folder once.

    `visited` holds resolved folders, so a symbolic link back to an ancestor cannot loop.
    """
    real = folder.resolve()
    if real in visited:
        return
    visited.add(real)
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        raise InputError(f"{folder}: cannot read folder: {error.strerror or error}") from None
    for entry in entries:
        if entry.name.startswith("."):
            continue
        child = folder / entry.name
        try:
            is_dir = entry.is_dir()
            is_file = not is_dir and entry.is_file()
        except OSError:
            # A link that cannot be followed (a loop of links: a.txt -> b.txt -> a.txt) is skipped, as a
            # broken link is.
            continue
        if is_dir:
            yield from _walk(child, visited=visited)
        elif _is_document_name(child) and child.stem.lower() not in FOLDER_NOTES and is_file:
            yield child


def _is_document_name(path: Path) -> bool:
    return path.suffix.lower() in DOCUMENT_SUFFIXES


def _title(text: str, *, markdown: bool) -> str | None:
    """The first non-empty line, stripped (and without heading marks in Markdown), at most 200 characters."""
    for line in text.splitlines():
        title = line.strip()
        if markdown:
            title = title.lstrip("#").strip()
        if title:
            return title[:TITLE_MAX_CHARS].rstrip()
    return None


__all__ = [
    "DOCUMENT_SUFFIXES",
    "OutsideRoot",
    "byte_limit",
    "decode_text",
    "document_from_bytes",
    "document_name",
    "read_document",
    "read_documents",
    "read_url",
]

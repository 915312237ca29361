"""Read documents from files and folders into `Document`s: the first stage of the pipeline.

A document is a `.txt` or `.md` file in UTF-8. Its text is kept exactly as read, because every later stage
points into it by character offset, with two exceptions: a leading UTF-8 byte order mark is dropped, and
Windows line ends ("\\r\\n") become "\\n". Offsets in the graph are offsets into that text.

Anything that is not a readable, non-empty UTF-8 text document is an `InputError` naming the path.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from kg.errors import InputError
from kg.model import Document

DOCUMENT_SUFFIXES = (".txt", ".md")
# Files that describe a folder rather than belong to it (seeds/SOURCES.md holds the seeds' attribution):
# skipped when a folder is walked, read when named explicitly.
FOLDER_NOTES = frozenset({"readme", "sources", "licence", "license", "changelog"})
TITLE_MAX_CHARS = 200
#: Documents larger than this are refused (extraction time grows faster than the text; see README, Guarantees).
MAX_DOCUMENT_BYTES = 2_000_000
_BOM = "\ufeff"


def read_documents(
    paths: Sequence[Path], *, on_error: Callable[[InputError], None] | None = None
) -> list[Document]:
    """Read every document named by `paths`: files, or folders walked recursively.

    Folders are walked in sorted order; only `.txt` and `.md` files are read, and hidden files and folders
    (names starting with ".") are skipped, as are notes about the folder itself (README, SOURCES, LICENCE,
    LICENSE and CHANGELOG, in any case). A file reached twice (named twice, or through a symbolic link) is
    read once. Names are unique within one call: a document whose file name was already taken is named by its
    path relative to the current folder instead (with "/" as separator).

    Raises `InputError` for a missing path, a folder with no documents, a file named explicitly that is not
    `.txt` or `.md`, and for any file that is empty, binary, not UTF-8, larger than `MAX_DOCUMENT_BYTES` or
    unreadable. With `on_error`, a bad file is reported to it and skipped, and the others are still read.
    """
    documents: list[Document] = []
    seen_files: set[Path] = set()
    names: set[str] = set()
    for path in paths:
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
            name = _unique_name(file, resolved, names)
            try:
                documents.append(read_document(file, name=name))
            except InputError as error:
                if on_error is None:
                    raise
                on_error(error)
                continue
            names.add(name)
    return documents


def read_document(path: Path, *, name: str | None = None) -> Document:
    """Read one text file into a `Document` named `name` (default: the file name)."""
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise InputError(
                f"{path}: {size:,} bytes, over kg's limit of {MAX_DOCUMENT_BYTES:,} bytes a document: split it"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or folder") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    text = decode_text(data, source=str(path))
    return Document(
        path=path,
        name=path.name if name is None else name,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        title=_title(text, markdown=path.suffix.lower() == ".md"),
        date=None,
    )


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
            raise InputError(f"{path}: no .txt or .md documents")
    elif path.is_file():
        if not _is_document_name(path):
            raise InputError(f"{path}: not a .txt or .md document")
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


def _unique_name(file: Path, resolved: Path, taken: set[str]) -> str:
    """The file name, or if another document has it already, a path that tells them apart."""
    if file.name not in taken:
        return file.name
    relative = Path(os.path.relpath(file)).as_posix()
    if relative not in taken:
        return relative
    return resolved.as_posix()


def _title(text: str, *, markdown: bool) -> str | None:
    """The first non-empty line, stripped (and without heading marks in Markdown), at most 200 characters."""
    for line in text.splitlines():
        title = line.strip()
        if markdown:
            title = title.lstrip("#").strip()
        if title:
            return title[:TITLE_MAX_CHARS].rstrip()
    return None


__all__ = ["DOCUMENT_SUFFIXES", "decode_text", "read_document", "read_documents"]

"""Documents at a URL: a web page, a PDF or a text file fetched over HTTP(S), within limits of time and size.

Only http and https are fetched, with a time limit for the whole answer, a cap on its size, a limit on redirects,
and no cookies kept between requests. What the answer is, is read from its bytes, not from the Content-Type the
server claims: a PDF starts with "%PDF-", a page has HTML markup near its start, anything else must be UTF-8 text.
The document's name, its identity in the store, is the URL as given, so a page fetched again with other contents is
a new version of the same document.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from kg.errors import InputError
from kg.text.formats import MAX_PDF_BYTES

#: Seconds a whole answer may take, redirects included (``kg add --fetch-timeout``).
FETCH_TIMEOUT = 20.0
#: The largest answer read; past it the connection is closed.
MAX_FETCH_BYTES = MAX_PDF_BYTES
MAX_REDIRECTS = 5
USER_AGENT = "kg (a knowledge-graph builder; fetches only the URLs its user names)"
_HTML_START = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|article|p|div|title|meta)\b", re.I)


def is_url(ref: str) -> bool:
    """Whether a command-line reference names a URL (any scheme://) rather than a file."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", ref) is not None


@dataclass(frozen=True)
class Fetched:
    """The bytes at a URL, what they are ("html", "pdf", or None for text), and when they were fetched."""

    url: str
    data: bytes
    kind: str | None
    path: Path  # stands for the URL where a file's name is asked for (its suffix: .md or .txt)
    retrieved: dt.datetime


def fetch(
    url: str,
    *,
    timeout: float = FETCH_TIMEOUT,
    max_bytes: int = MAX_FETCH_BYTES,
    max_redirects: int = MAX_REDIRECTS,
) -> Fetched:
    """Fetch `url`, or raise `InputError` saying in one line why it cannot be."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InputError(f"{url}: only http:// and https:// URLs are fetched")
    data = _get(url, timeout=timeout, max_bytes=max_bytes, max_redirects=max_redirects)
    retrieved = dt.datetime.now(dt.UTC).replace(microsecond=0)
    kind = "pdf" if data.startswith(b"%PDF-") else "html" if _HTML_START.search(data[:4096]) else None
    suffix = PurePosixPath(parts.path).suffix.lower()
    path = Path("page" + (suffix if kind is None and suffix in (".md", ".txt") else ""))
    return Fetched(url, data, kind, path, retrieved)


def _get(url: str, *, timeout: float, max_bytes: int, max_redirects: int) -> bytes:
    import httpx

    deadline = time.monotonic() + timeout
    try:
        with (
            httpx.Client(
                follow_redirects=True,
                max_redirects=max_redirects,
                timeout=httpx.Timeout(timeout),
                headers={"User-Agent": USER_AGENT},
                trust_env=False,
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise InputError(
                    f"{url}: the server answered {response.status_code} {response.reason_phrase}"
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise InputError(f"{url}: {int(declared):,} bytes, over kg's limit of {max_bytes:,} bytes")
            body = bytearray()
            for chunk in response.iter_raw():
                body += chunk
                if len(body) > max_bytes:
                    raise InputError(f"{url}: the answer is over kg's limit of {max_bytes:,} bytes")
                if time.monotonic() > deadline:
                    raise InputError(f"{url}: no whole answer within {timeout:g} s")
            if response.headers.get("content-encoding", "identity") not in ("identity", ""):
                body = bytearray(_decoded(bytes(body), response.headers["content-encoding"], url, max_bytes))
            return bytes(body)
    except httpx.TooManyRedirects:
        raise InputError(f"{url}: more than {max_redirects} redirects (a redirect loop?)") from None
    except httpx.TimeoutException:
        raise InputError(f"{url}: no answer within {timeout:g} s") from None
    except httpx.InvalidURL as error:
        raise InputError(f"{url}: not a valid URL ({error})") from None
    except httpx.UnsupportedProtocol:
        raise InputError(f"{url}: a redirect to a URL that is not http:// or https://") from None
    except httpx.HTTPError as error:
        raise InputError(f"{url}: cannot fetch: {type(error).__name__}") from None


def _decoded(data: bytes, encoding: str, url: str, max_bytes: int) -> bytes:
    """A compressed answer, decompressed no further than the size cap (a small body may inflate hugely)."""
    import zlib

    if encoding.lower() not in ("gzip", "deflate", "x-gzip"):
        raise InputError(f"{url}: an answer compressed as {encoding!r}, which kg does not read")
    inflate = zlib.decompressobj(wbits=47)  # gzip or zlib, by its header
    try:
        out = inflate.decompress(data, max_bytes + 1)
    except zlib.error:
        raise InputError(f"{url}: a damaged compressed answer") from None
    if len(out) > max_bytes:
        raise InputError(f"{url}: the answer is over kg's limit of {max_bytes:,} bytes once decompressed")
    return out


__all__ = ["FETCH_TIMEOUT", "MAX_FETCH_BYTES", "MAX_REDIRECTS", "Fetched", "fetch", "is_url"]

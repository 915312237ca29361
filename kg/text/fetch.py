"""Documents at a URL: a web page, a PDF or a text file fetched over HTTP(S), within limits of time, size and reach.

Only http and https are fetched. The time limit is one deadline for the whole answer (name look-ups, connections,
redirects, headers and body): a watchdog shuts the connection when it passes, however slowly the server drips. A
name look-up stuck in the system resolver is abandoned at the deadline, but its thread runs on until the resolver
gives up (the standard library's look-ups cannot be cancelled). The body is held to the limit of the kind of
document it is, as it arrives and once decompressed (gzip, with every member, or deflate, zlib-wrapped or raw):
a compressed body is inflated no further than the first bytes that tell its kind, then no further than that
kind's limit. An answer cut short is refused; bytes after the last gzip member that do not start another are
ignored, as browsers do; a chunked answer's Content-Length is ignored (RFC 9112). Redirects are followed by hand,
at most `MAX_REDIRECTS`, and never into a loopback, link-local, private or other non-public address unless the
address kg connected to for the URL given is itself in that kind of range; every address a name resolves to is
checked before kg connects, and kg connects to the address it checked. No cookies are sent, ever. A user and
password in the URL are sent (HTTP basic authentication) to the URL's own scheme, host and port only, and appear
in nothing kg writes or prints; a URL where an @ may end a password holding "/", "?" or "#" is refused, and
named with everything from "//" to its last "@" hidden. What the answer is comes from the Content-Type and the
bytes together: a PDF starts with "%PDF-"; an answer said to be text/plain or text/markdown is text; anything
else is a page when it has HTML markup near its start, text otherwise. The document's name, its identity in the
store, is the URL as given (without credentials), so a page fetched again with other contents is a new version
of the same document.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from kg.errors import InputError

if TYPE_CHECKING:  # http.client and ssl are imported when a URL is fetched: reading files never loads them
    import http.client
    import ssl

#: Seconds a whole answer may take, redirects included (``kg add --fetch-timeout``).
FETCH_TIMEOUT = 20.0
MAX_REDIRECTS = 5
USER_AGENT = "kg (a knowledge-graph builder; fetches only the URLs its user names)"
#: The kinds of document an answer can be: a page, a PDF, or text (None).
KINDS: tuple[str | None, ...] = (None, "html", "pdf")
_HTML_START = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|article|p|div|title|meta)\b", re.I)
_SNIFF_BYTES = 4096
_CHUNK = 1 << 16
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_TEXT_TYPES = {
    "text/plain": "text/plain",
    "text/markdown": "text/markdown",
    "text/x-markdown": "text/markdown",
}
_WHAT = {None: "a text document", "html": "a page", "pdf": "a PDF"}
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, RFC 6598
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # IPv4 addresses reached through NAT64, RFC 6052
_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


def is_url(ref: str) -> bool:
    """Whether a command-line reference names a URL (any scheme://) rather than a file."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", ref) is not None


#: Why a URL whose password may hold "/", "?" or "#" is refused.
UNENCODED_PASSWORD = (
    "a user and password in a URL are read up to the first / ? or #: write those in the password as %2F %3F %23"
    " (and an @ after the host as %40)"
)
_HOST_AFTER_AT = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[^\s/?#@:\[\]]+)(?::\d*)?(?:[/?#]|$)")


def hidden_credentials(url: str) -> str | None:
    """The URL with everything from "//" to its last "@" hidden (``http://***@host/``) when that "@" may end a
    user and password holding "/", "?" or "#" (``http://alice:12/secret@host/``, which the standard reads as host
    "alice", port 12): the part before the first of those has a ":" and no "@", the "@" does not follow a "/" (as
    in a profile's ``/@name``) and a host follows it, and it is not an "@" in the query or fragment of a URL whose
    port is a number (an e-mail address). None for any other URL."""
    scheme, slashes, rest = url.partition("://")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if not slashes or "@" in authority or ":" not in authority or authority.startswith("["):
        return None
    before, at, after = rest.rpartition("@")
    if not at or before.endswith("/") or not _HOST_AFTER_AT.match(after):
        return None
    query = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    if authority.partition(":")[2].isdigit() and len(before) > query:
        return (
            None  # a host, a port and an address in the query ("http://host:8080/find?mail=ann@example.org")
        )
    return f"{scheme}://***@{after}"


def without_credentials(url: str) -> tuple[str, str | None, str | None]:
    """The URL without the user and password it may hold (``http://USER:PASSWORD@host/``), and those two
    (percent-decoded; None where absent). What kg names, stores and prints is the URL without them; a URL where
    they cannot be told from the host and path (`hidden_credentials`) is given with all of them hidden."""
    hidden = hidden_credentials(url)
    if hidden is not None:
        return hidden, None, None
    try:
        parts = urlsplit(url)
    except ValueError:
        # not a URL that can be taken apart ("http://[::1/"): cut what could be a user and password
        return re.sub(r"(?<=//)[^/?#]*@", "", url, count=1), None, None
    if "@" not in parts.netloc:
        return url, None, None
    host = parts.netloc.rpartition("@")[2]
    user = None if parts.username is None else unquote(parts.username)
    password = None if parts.password is None else unquote(parts.password)
    return urlunsplit(parts._replace(netloc=host)), user, password


@dataclass(frozen=True)
class Fetched:
    """The bytes at a URL, what they are ("html", "pdf", or None for text) and when they were fetched."""

    url: str  # as asked, without credentials
    final_url: str  # where the answer came from, after any redirects (without credentials)
    data: bytes
    kind: str | None
    media_type: str  # text/plain, text/markdown, text/html or application/pdf
    retrieved: dt.datetime

    @property
    def path(self) -> Path:
        """Stands for the URL where a file's name is asked for: its suffix says Markdown."""
        return Path("page.md" if self.media_type == "text/markdown" else "page")


def address_kind(address: str) -> str:
    """ "public", or the kind of non-public range an IP address lies in: "unspecified", "loopback",
    "link-local", "multicast", "shared" (carrier-grade NAT, 100.64.0.0/10), "private" (10/8, 172.16/12,
    192.168/16, IPv6 unique local fc00::/7), "reserved" or "non-public" (documentation, benchmarking, IPv6
    site-local and the other ranges that are not globally reachable). An IPv6 address that stands for an IPv4 one,
    IPv4-mapped (::ffff:0:0/96) or NAT64 (64:ff9b::/96), is of the kind of the IPv4 address it holds."""
    ip = ipaddress.ip_address(
        address.split("%", 1)[0]
    )  # an IPv6 zone ("fe80::1%eth0") says nothing of the range
    if isinstance(ip, ipaddress.IPv6Address) and (ip.ipv4_mapped is not None or ip in _NAT64):
        return address_kind(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
    for kind, inside in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("shared", ip in _SHARED),
        ("private", any(ip in net for net in _PRIVATE)),
        ("non-public", isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local),
        ("reserved", ip.is_reserved),
        ("non-public", not ip.is_global),
    ):
        if inside:
            return kind
    return "public"


def redirect_refusal(asked: Iterable[str], target: Iterable[str]) -> str | None:
    """Why a redirect to a host at the `target` addresses is not followed from a URL whose host is at the `asked`
    addresses (kg gives the one it connected to), or None when it may be: every target address must be public, or
    of the kind of range every asked address is in (a URL on 127.0.0.1 may redirect within loopback, not to
    169.254.169.254 or 10.0.0.1; a name at a public and a link-local address opens no range)."""
    kinds = {address_kind(a) for a in asked}
    allowed = {"public"} | (kinds if len(kinds) == 1 else set())
    for address in target:
        kind = address_kind(address)
        if kind not in allowed:
            article = "an" if kind[0] in "aeiouAEIOU" else "a"
            return f"{address} is {article} {kind} address, and the URL given is not in that kind of range"
    return None


def fetch(
    url: str,
    *,
    limit: Callable[[str | None], int],
    timeout: float = FETCH_TIMEOUT,
    max_redirects: int = MAX_REDIRECTS,
) -> Fetched:
    """Fetch `url`, or raise `InputError` saying in one line why it cannot be; `limit` gives the most bytes a
    document of each kind (`KINDS`) may have, checked as the body arrives and before it is decoded or read."""
    shown, user, password = without_credentials(url)
    if hidden_credentials(url) is not None:
        raise InputError(f"{shown}: {UNENCODED_PASSWORD}")
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is not a number raises ValueError
    except ValueError as error:
        raise InputError(f"{shown}: not a valid URL ({error})") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(f"{shown}: only http:// and https:// URLs are fetched")
    auth = None
    if user is not None:
        auth = (
            _origin(shown),
            "Basic " + base64.b64encode(f"{user}:{password or ''}".encode()).decode("ascii"),
        )
    fetcher = _Fetcher(shown, timeout=timeout, limit=limit, max_redirects=max_redirects, auth=auth)
    final, data, kind, media_type = fetcher.run()
    retrieved = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return Fetched(shown, final, data, kind, media_type, retrieved)


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or (443 if scheme == "https" else 80)


class _Expired(Exception):
    """The deadline passed."""


class _Fetcher:
    """One fetch: its deadline, the hops it has made and the address its first URL was fetched from."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        limit: Callable[[str | None], int],
        max_redirects: int,
        auth: tuple[tuple[str, str, int], str] | None,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.limit = limit
        self.max_redirects = max_redirects
        self.auth = auth
        self.asked: list[str] = []  # the address kg connected to for the URL given
        self.expired = threading.Event()

    def fail(self, why: str) -> InputError:
        return InputError(f"{self.url}: {why}")

    def left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0 or self.expired.is_set():
            raise _Expired
        return left

    def run(self) -> tuple[str, bytes, str | None, str]:
        try:
            current = self.url
            for hop in range(self.max_redirects + 1):
                with self._answer(current, first=hop == 0) as (response, location):
                    if location is None:
                        data, kind, media_type = self._body(response, current)
                        return current, data, kind, media_type
                current = location
            raise self.fail(f"more than {self.max_redirects} redirects (a redirect loop?)")
        except _Expired:
            raise self.fail(f"no answer within {self.timeout:g} s") from None

    @contextmanager
    def _answer(self, url: str, *, first: bool) -> Iterator[tuple[http.client.HTTPResponse, str | None]]:
        """The response at `url` (a redirect's next URL beside it, or None), on a connection to an address that
        was checked, which a watchdog shuts at the deadline."""
        import http.client

        parts = urlsplit(url)
        scheme, host, port = _origin(url)
        addresses = self._resolve(host, port)
        if not first:
            refusal = redirect_refusal(self.asked, addresses)
            if refusal is not None:
                raise self.fail(f"refused a redirect to {url}: {refusal}")
        sock, connected = self._connect(addresses, port)
        if first:
            self.asked = [connected]
        watch: socket.socket | None = None
        timer: threading.Timer | None = None
        connection: http.client.HTTPConnection | None = None
        response: http.client.HTTPResponse | None = None
        try:
            watch = sock.dup()  # shut at the deadline, waking whatever read is waiting on the connection
            timer = threading.Timer(max(0.0, self.deadline - time.monotonic()), self._shut, (watch,))
            timer.daemon = True
            timer.start()
            if scheme == "https":
                context = _tls_context()
                connection = http.client.HTTPSConnection(host, port, context=context)
                connection.sock = context.wrap_socket(sock, server_hostname=host)
            else:
                connection = http.client.HTTPConnection(host, port)
                connection.sock = sock
            headers = {
                "User-Agent": USER_AGENT,
                "Accept": "text/html, application/xhtml+xml, application/pdf, text/plain, text/markdown, */*;q=0.5",
                "Accept-Encoding": "gzip, deflate",
                "Connection": "close",
            }
            if self.auth is not None and _origin(url) == self.auth[0]:
                headers["Authorization"] = self.auth[1]
            target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
            connection.request("GET", quote(target, safe="!#$%&'()*+,/:;=?@[]~"), headers=headers)
            response = connection.getresponse()
            self.left()  # headers cut short by the watchdog look whole to http.client
            location = response.getheader("Location")
            if response.status in _REDIRECT_STATUSES and location:
                yield response, self._next(url, location)
                return
            if response.status >= 300:
                reason = response.reason.strip()
                raise self.fail(f"the server answered {response.status}{' ' + reason if reason else ''}")
            yield response, None
        except (OSError, http.client.HTTPException) as error:
            self.left()
            raise self.fail(_why(error)) from None
        finally:
            if timer is not None:
                timer.cancel()
                timer.join()
            if watch is not None:
                watch.close()
            if response is not None:
                response.close()  # it holds the connection once the server said it closes it
            if connection is not None:
                connection.close()
            sock.close()

    def _next(self, url: str, location: str) -> str:
        """The URL a redirect leads to, without credentials (they are never sent to where a server points)."""
        target = urljoin(url, location.strip())
        parts = urlsplit(target)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise self.fail("a redirect to a URL that is not http:// or https://")
        try:
            _ = parts.port
        except ValueError:
            raise self.fail("a redirect to a URL that is not valid") from None
        return without_credentials(urlunsplit(parts._replace(fragment="")))[0]

    def _resolve(self, host: str, port: int) -> list[str]:
        """Every address `host` resolves to, within the deadline."""
        try:
            return [str(ipaddress.ip_address(host.strip("[]")))]
        except ValueError:
            pass
        found: list[list[str]] = []
        failed: list[OSError] = []

        def look_up() -> None:
            try:
                infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
                found.append(list(dict.fromkeys(str(info[4][0]) for info in infos)))
            except OSError as error:
                failed.append(error)

        thread = threading.Thread(target=look_up, daemon=True)
        thread.start()
        thread.join(self.left())
        if failed or not found or not found[0]:
            self.left()
            raise self.fail(f"cannot find the host {host}")
        return found[0]

    def _connect(self, addresses: list[str], port: int) -> tuple[socket.socket, str]:
        """A connection to the first of `addresses` (all of them checked) that answers, and its address."""
        error: OSError | None = None
        for address in addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(self.left())
                sock.connect((address, port))
                sock.settimeout(self.left())  # a backstop: the watchdog cuts any wait at the deadline
                return sock, address
            except OSError as e:
                sock.close()
                error = e
            except _Expired:
                sock.close()
                raise
        self.left()
        raise self.fail(_why(error) if error is not None else "cannot connect")

    def _shut(self, watch: socket.socket) -> None:
        self.expired.set()
        with suppress(OSError):
            watch.shutdown(socket.SHUT_RDWR)

    def _body(self, response: http.client.HTTPResponse, url: str) -> tuple[bytes, str | None, str]:
        """The whole body, decompressed, and what it is; refused as soon as it passes its kind's limit, or
        when it ends before its Content-Length or its compressed stream does. Until its kind is known a compressed
        body is inflated only as far as needed to tell it."""
        declared_text = (response.getheader("Content-Length") or "").strip()
        declared = int(declared_text) if declared_text.isdigit() and not response.chunked else None
        ceiling = max(self.limit(kind) for kind in KINDS)
        if declared is not None and declared > ceiling:
            raise self.fail(f"{declared:,} bytes, over kg's limit of {ceiling:,} bytes for any document")
        encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
        inflate = None if encoding in ("identity", "") else _Inflater(encoding, self.fail)
        content_type = (response.getheader("Content-Type") or "").split(";", 1)[0].strip().lower()
        received = 0
        body = bytearray()
        kind: str | None = None
        media_type = ""
        limit = ceiling
        while True:
            chunk = response.read1(_CHUNK)
            self.left()
            received += len(chunk)
            if received > limit:
                raise self.fail(f"the answer is over kg's limit of {limit:,} bytes for {_WHAT[kind]}")
            if inflate is None:
                body += chunk
            else:
                body += inflate.feed(chunk, room=(limit + 1 if media_type else _SNIFF_BYTES) - len(body))
            if not media_type and (len(body) >= _SNIFF_BYTES or not chunk):
                kind, media_type = _kind(bytes(body[:_SNIFF_BYTES]), content_type, url)
                limit = self.limit(kind)
                if inflate is not None:  # what was held back while the kind was not known
                    body += inflate.feed(b"", room=limit + 1 - len(body))
                if declared is not None and inflate is None and declared > limit:
                    raise self.fail(
                        f"{declared:,} bytes, over kg's limit of {limit:,} bytes for {_WHAT[kind]}"
                    )
            if len(body) > limit:
                once = "" if inflate is None else " once decompressed"
                raise self.fail(f"the answer is over kg's limit of {limit:,} bytes for {_WHAT[kind]}{once}")
            if not chunk:
                break
        if declared is not None and received < declared:
            raise self.fail(f"the answer was cut short: {received:,} of its {declared:,} bytes")
        if inflate is not None and not inflate.finished:
            raise self.fail("the compressed answer was cut short")
        return bytes(body), kind, media_type


def _kind(head: bytes, content_type: str, url: str) -> tuple[str | None, str]:
    """What an answer is, from the first bytes of its body and the Content-Type the server gave."""
    if head.startswith(b"%PDF-"):
        return "pdf", "application/pdf"
    if content_type in _TEXT_TYPES:
        return None, _TEXT_TYPES[content_type]
    if _HTML_START.search(head):
        return "html", "text/html"
    markdown = PurePosixPath(urlsplit(url).path).suffix.lower() == ".md"
    return None, "text/markdown" if markdown else "text/plain"


class _Inflater:
    """A gzip (every member) or deflate (zlib-wrapped or raw) body decompressed as it arrives, never past the room
    it is given: a small body may inflate hugely. What the room leaves is kept for the next feed (which may bring
    no data, to take what was held back). Bytes after a gzip member that do not start another are ignored."""

    def __init__(self, encoding: str, fail: Callable[[str], InputError]) -> None:
        if encoding not in ("gzip", "x-gzip", "deflate"):
            raise fail(f"an answer compressed as {encoding!r}, which kg does not read")
        self.gzip = encoding != "deflate"
        self.fail = fail
        self.stream: zlib._Decompress | None = None
        self.pending = b""  # compressed bytes not yet inflated, for want of room or to tell what they start
        self.held = False  # the room ran out: the stream may hold output for its input already taken
        self.trailing = False  # past the last gzip member: what comes is ignored

    @property
    def finished(self) -> bool:
        """Whether the compressed stream ended (what follows a gzip member, too short to start one, is ignored)."""
        if self.trailing:
            return True
        ended = self.stream is not None and self.stream.eof
        return ended and (not self.pending or (self.gzip and len(self.pending) < 2))

    def feed(self, data: bytes, *, room: int) -> bytes:
        data = self.pending + data
        out = bytearray()
        while (data or self.held) and len(out) < room and not self.trailing:
            if self.stream is not None and self.stream.eof:
                if not self.gzip:
                    raise self.fail("a damaged compressed answer (data after its end)")
                if not b"\x1f\x8b".startswith(data[:2]):
                    self.trailing, data = True, b""  # not another gzip member: ignored, as browsers do
                    break
                if len(data) < 2:
                    break  # what it starts is told by the next byte
                self.stream = None  # another gzip member
            if self.stream is None:
                if not self.gzip and len(data) < 2:
                    break  # two bytes tell zlib from raw deflate
                self.stream = zlib.decompressobj(31 if self.gzip else 15 if _zlib_header(data) else -15)
            try:
                out += self.stream.decompress(data, room - len(out))
            except zlib.error:
                raise self.fail("a damaged compressed answer") from None
            data = self.stream.unconsumed_tail or self.stream.unused_data
            self.held = len(out) >= room and not self.stream.eof
        self.pending = data
        return bytes(out)


def _zlib_header(data: bytes) -> bool:
    """Whether a deflate body starts with a zlib header (RFC 1950), as the standard says it must; some servers
    send raw deflate (RFC 1951) instead."""
    return data[0] & 0x0F == 8 and data[0] >> 4 <= 7 and (data[0] << 8 | data[1]) % 31 == 0


def _tls_context() -> ssl.SSLContext:
    import ssl

    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def _why(error: BaseException) -> str:
    """One line for what went wrong on the connection."""
    import http.client
    import ssl

    if isinstance(error, http.client.IncompleteRead):
        return "the answer was cut short"
    if isinstance(error, http.client.RemoteDisconnected):
        return "the server closed the connection without an answer"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"the server's certificate is not valid ({getattr(error, 'verify_message', None) or error})"
    if isinstance(error, http.client.HTTPException):
        return f"not a valid HTTP answer ({type(error).__name__})"
    if isinstance(error, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(error, TimeoutError):
        return "no answer in time"
    return (
        f"cannot fetch: {error.strerror or type(error).__name__}"
        if isinstance(error, OSError)
        else str(error)
    )


__all__ = [
    "FETCH_TIMEOUT",
    "KINDS",
    "MAX_REDIRECTS",
    "Fetched",
    "address_kind",
    "fetch",
    "is_url",
    "redirect_refusal",
    "without_credentials",
]

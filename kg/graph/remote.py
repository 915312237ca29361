"""Stores that live on a SPARQL server: pushing a store there, and working against it directly.

- ``push`` sends every named graph of a store (one per document, and the entity registry) to a SPARQL 1.1 Graph
  Store Protocol endpoint with HTTP PUT, so a re-push replaces each graph and never duplicates it. The endpoint
  is the server's graph-store URL: Oxigraph ``/store``, Fuseki ``/DATASET/data``, Virtuoso
  ``/sparql-graph-crud-auth`` (HTTP basic and digest authentication both work).
- ``RemoteDB`` speaks the SPARQL 1.1 Protocol to a server laid out as Oxigraph's (``/query``, ``/update``,
  ``/store``) and looks enough like a local Oxigraph store for :class:`kg.graph.store.Store`, the query commands and
  the viewer to use it: ``--store http://host:port``. Each ``kg add`` is then one SPARQL update per document,
  which the server applies as one transaction.
"""

from __future__ import annotations

import http.client
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pyoxigraph as ox

from kg.errors import KgError
from kg.text.fetch import hidden_credentials, without_credentials

TIMEOUT = 60.0


class RemoteError(KgError):
    """The server could not be reached, refused the credentials, or answered with an error."""


def is_remote(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def mask(url: str) -> str:
    """A URL as it may be shown: a password in it replaced by ``***`` (everything from "//" to the last "@" where
    a password holding "/", "?" or "#" cannot be told from the host, `hidden_credentials`)."""
    hidden = hidden_credentials(url)
    if hidden is not None:
        return hidden
    try:
        parts = urllib.parse.urlsplit(url)
        if parts.password is None:
            return url
        user, _, host = parts.netloc.rpartition("@")
        return urllib.parse.urlunsplit(parts._replace(netloc=f"{user.split(':', 1)[0]}:***@{host}"))
    except ValueError:
        return re.sub(r"//([^/@:]*):[^/@]*@", r"//\1:***@", url)


def _check_url(url: str) -> None:
    """Refuse, as one error line, what urllib fails on with a traceback: not http(s), no host, a bad port."""
    try:
        parts = urllib.parse.urlsplit(url)
        _ = parts.port  # a port that is not a number raises ValueError
    except ValueError as e:
        raise RemoteError(f"{mask(url)}: not a valid URL: {e}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteError(f"{mask(url)}: not an http:// or https:// URL")


def credentials(url: str, user: str | None, password: str | None) -> tuple[str, str | None, str | None]:
    """The URL without the user and password it may hold (``http://USER:PASSWORD@host/``), and the credentials to
    use: those given, else the URL's. urllib cannot connect to a URL that holds them, and messages show the URL."""
    _check_url(url)
    clean, url_user, url_password = without_credentials(url)
    return clean, url_user if user is None else user, url_password if password is None else password


def _opener(url: str, user: str | None, password: str | None) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = []
    if user is not None:
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, url, user, password or "")
        handlers += [
            urllib.request.HTTPBasicAuthHandler(manager),
            urllib.request.HTTPDigestAuthHandler(manager),
        ]
    return urllib.request.build_opener(*handlers)


def _call(
    opener: urllib.request.OpenerDirector, request: urllib.request.Request, *, missing_ok: bool = False
) -> bytes:
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            data: bytes = response.read()
            return data
    except urllib.error.HTTPError as e:
        if missing_ok and e.code == 404:
            return b""
        body = e.read().decode("utf-8", errors="replace").strip().splitlines()
        detail = body[0][:200] if body else e.reason
        raise RemoteError(f"{request.full_url}: HTTP {e.code}: {detail}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as e:  # HTTPException: not HTTP
        reason = getattr(e, "reason", e)
        raise RemoteError(f"{request.full_url}: cannot reach the server: {reason}") from None


def push(
    quads: Iterator[ox.Quad], endpoint: str, *, user: str | None = None, password: str | None = None
) -> list[str]:
    """PUT every named graph of `quads` to a Graph Store Protocol endpoint; returns the graph IRIs sent."""
    graphs: dict[str, list[ox.Triple]] = {}
    for q in quads:
        if isinstance(q.graph_name, ox.NamedNode):
            graphs.setdefault(q.graph_name.value, []).append(q.triple)
    endpoint, user, password = credentials(endpoint, user, password)
    opener = _opener(endpoint, user, password)

    def url(iri: str) -> str:
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urllib.parse.urlencode({'graph': iri})}"

    def put(iri: str, triples: list[ox.Triple]) -> None:
        request = urllib.request.Request(
            url(iri), data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", method="PUT"
        )
        request.add_header("Content-Type", "application/n-triples")
        _call(opener, request)

    # what the last push sent, so that the graphs of documents removed since can be taken off the server
    before = _manifest(opener, url(MANIFEST))
    for iri in sorted(graphs):
        put(iri, graphs[iri])
    for iri in sorted(before - set(graphs)):
        _call(opener, urllib.request.Request(url(iri), method="DELETE"), missing_ok=True)
    manifest = ox.NamedNode(MANIFEST)
    put(MANIFEST, [ox.Triple(manifest, ox.NamedNode(RDFS_MEMBER), ox.NamedNode(g)) for g in sorted(graphs)])
    return sorted(graphs)


#: The graph in which ``push`` lists the graphs it sent (rdfs:member), on the server only.
MANIFEST = "https://w3id.org/kg/id/graph/pushed"
RDFS_MEMBER = "http://www.w3.org/2000/01/rdf-schema#member"


def _manifest(opener: urllib.request.OpenerDirector, url: str) -> set[str]:
    request = urllib.request.Request(url, method="GET")
    request.add_header("Accept", "application/n-triples")
    data = _call(opener, request, missing_ok=True)
    if not data:
        return set()
    try:
        triples = ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        return {t.object.value for t in triples if t.predicate.value == RDFS_MEMBER}
    except SyntaxError:
        return set()


class RemoteDB:
    """The parts of a pyoxigraph Store that kg uses, over HTTP to a server laid out as Oxigraph's."""

    def __init__(self, base: str, *, user: str | None = None, password: str | None = None) -> None:
        self.base = base.rstrip("/")
        for suffix in ("/store", "/query", "/update", "/sparql"):
            if self.base.endswith(suffix):
                self.base = self.base[: -len(suffix)]
        self.base, user, password = credentials(self.base, user, password)
        self._opener = _opener(self.base, user, password)

    def _prefixed(self, text: str, prefixes: dict[str, str] | None) -> str:
        head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in (prefixes or {}).items())
        return head + text

    def query(
        self, text: str, *, prefixes: dict[str, str] | None = None, use_default_graph_as_union: bool = False
    ) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
        params = {"query": self._prefixed(text, prefixes)}
        url = f"{self.base}/query" + ("?union-default-graph" if use_default_graph_as_union else "")
        request = urllib.request.Request(
            url, data=urllib.parse.urlencode(params).encode("utf-8"), method="POST"
        )
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        request.add_header("Accept", "application/sparql-results+json, application/n-triples;q=0.9")
        try:
            with self._opener.open(request, timeout=TIMEOUT) as response:
                ctype = response.headers.get("Content-Type", "")
                data = response.read()
        except urllib.error.HTTPError as e:
            detail = e.read().decode("utf-8", errors="replace").strip()[:300]
            if e.code == 400:
                raise SyntaxError(detail) from None
            raise RemoteError(f"{self.base}/query: HTTP {e.code}: {detail}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
            raise RemoteError(f"{self.base}: cannot reach the server: {getattr(e, 'reason', e)}") from None
        if "n-triples" in ctype:
            return [t.triple for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
        return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)

    def update(self, text: str, *, prefixes: dict[str, str] | None = None) -> None:
        request = urllib.request.Request(
            f"{self.base}/update",
            data=urllib.parse.urlencode({"update": self._prefixed(text, prefixes)}).encode("utf-8"),
            method="POST",
        )
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        _call(self._opener, request)

    def quads_for_pattern(self, *_: object) -> Iterator[ox.Quad]:
        """Every quad of the server (the pattern is not used: kg asks only for all of them)."""
        request = urllib.request.Request(f"{self.base}/store", method="GET")
        request.add_header("Accept", "application/n-quads")
        return iter(list(ox.parse(_call(self._opener, request), format=ox.RdfFormat.N_QUADS)))

    def __iter__(self) -> Iterator[ox.Quad]:
        return self.quads_for_pattern()

    def flush(self) -> None:
        """Nothing to flush: the server applied each update when it answered."""

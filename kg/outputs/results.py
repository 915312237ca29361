"""Query results as people and programs read them: tables, Markdown, the SPARQL 1.1 result formats, Turtle.

The SPARQL 1.1 formats are JSON, XML, CSV and TSV; graphs (CONSTRUCT, DESCRIBE) are written as Turtle, as
``kg export`` writes it (sorted, full IRIs where a prefixed name would need escapes). They are
for programs and hold every value exactly, but that XML writes a character XML 1.0 cannot hold as U+FFFD
(`xml_text`); CSV is not made safe for spreadsheets (``kg.outputs.tables`` is)."""

from __future__ import annotations

import csv
import enum
import io
import json
import re

import pyoxigraph as ox

from kg.errors import printable
from kg.graph.sparql import PREFIXES, Result

CELL_WIDTH = 60  # table cells longer than this are cut

#: Characters XML 1.0 cannot hold, even escaped (C0 controls but tab and line ends, U+FFFE, U+FFFF, surrogates).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text as XML can carry it: a character XML cannot hold (a form feed from a PDF's page break, an escape
    character) becomes U+FFFD, so that the file stays well-formed. SPARQL XML results and GraphML both use it."""
    return _NOT_XML.sub("\ufffd", text)


class Format(enum.Enum):
    TABLE = "table"
    CSV = "csv"
    TSV = "tsv"
    JSON = "json"
    MD = "md"
    XML = "xml"


def shorten(term: object) -> str:
    """A term as a person reads it: IRIs with their prefix, literals as their text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, ns in PREFIXES.items():
            if term.value.startswith(ns):
                return f"{prefix}:{term.value[len(ns) :]}"
        return term.value
    if isinstance(term, ox.Literal):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


def format_result(result: Result, fmt: Format) -> str:
    if result.kind == "boolean":
        if fmt == Format.JSON:
            return json.dumps({"head": {}, "boolean": result.boolean}) + "\n"
        if fmt == Format.XML:
            return (
                '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head/>\n'
                f"<boolean>{'true' if result.boolean else 'false'}</boolean>\n</sparql>\n"
            )
        return ("true" if result.boolean else "false") + "\n"
    if result.kind == "graph":
        from kg.graph.files import serialize_triples  # rdflib: not for `kg --help`, which reads Format

        return serialize_triples(result.triples or []).decode("utf-8")
    if fmt in (Format.JSON, Format.XML, Format.CSV, Format.TSV):
        return _standard(result, fmt)
    header = result.variables
    rows = [[shorten(r.get(v)) for v in header] for r in result.rows]
    if fmt == Format.MD:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += [
            "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in row) + " |" for row in rows
        ]
        return "\n".join(lines) + "\n"
    cut = [[_cut(c) for c in row] for row in rows]
    widths = [max([len(h), *(len(row[i]) for row in cut)]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cut]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _cut(cell: str) -> str:
    """A cell as the terminal table shows it: on one line, control characters escaped, at most CELL_WIDTH."""
    cell = printable(" ".join(cell.split()))
    return cell if len(cell) <= CELL_WIDTH else cell[: CELL_WIDTH - 1] + "…"


def _standard(result: Result, fmt: Format) -> str:
    """SPARQL 1.1 Query Results JSON, XML, CSV or TSV."""
    if fmt == Format.JSON:
        bindings = []
        for r in result.rows:
            b = {}
            for v in result.variables:
                term = r.get(v)
                if term is not None:
                    b[v] = _json_term(term)
            bindings.append(b)
        return (
            json.dumps(
                {"head": {"vars": result.variables}, "results": {"bindings": bindings}}, ensure_ascii=False
            )
            + "\n"
        )
    if fmt == Format.CSV:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(result.variables)
        for r in result.rows:
            w.writerow(["" if r.get(v) is None else _plain(r.get(v)) for v in result.variables])
        return buf.getvalue()
    if fmt == Format.TSV:
        lines = ["\t".join("?" + v for v in result.variables)]
        lines += [
            "\t".join("" if r.get(v) is None else str(r.get(v)) for v in result.variables)
            for r in result.rows
        ]
        return "\n".join(lines) + "\n"
    return _xml(result)


def _plain(term: object) -> str:
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


def _json_term(term: object) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    assert isinstance(term, ox.Literal)
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def _xml(result: Result) -> str:
    from xml.sax.saxutils import escape as escape_xml
    from xml.sax.saxutils import quoteattr

    def escape(text: str) -> str:
        # a carriage return as a reference, or the parser would read it as a line feed
        return escape_xml(xml_text(text), {"\r": "&#13;"})

    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
    out += [f"<variable name={quoteattr(v)}/>" for v in result.variables]
    out += ["</head>", "<results>"]
    for r in result.rows:
        out.append("<result>")
        for v in result.variables:
            term = r.get(v)
            if term is None:
                continue
            j = _json_term(term)
            if j["type"] == "uri":
                inner = f"<uri>{escape(j['value'])}</uri>"
            elif j["type"] == "bnode":
                inner = f"<bnode>{escape(j['value'])}</bnode>"
            else:
                attrs = f" xml:lang={quoteattr(j['xml:lang'])}" if "xml:lang" in j else ""
                attrs += f" datatype={quoteattr(j['datatype'])}" if "datatype" in j else ""
                inner = f"<literal{attrs}>{escape(j['value'])}</literal>"
            out.append(f"<binding name={quoteattr(v)}>{inner}</binding>")
        out.append("</result>")
    out += ["</results>", "</sparql>"]
    return "\n".join(out) + "\n"

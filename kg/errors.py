"""The one error tree of kg, and the exit codes the CLI maps it to.

```
Exception
 └── KgError                 anything kg reports to the user as one line: "kg: error: <message>"
      ├── InputError         bad input: a missing path, an empty, binary or non-UTF-8 file, a folder with no
      │                      documents, an unreadable or unparseable graph file, an unknown output format;
      │                      the message names the path (and the byte offset where decoding failed)
      ├── ExtractionError    a document could not be turned into entities and relations; the message names
      │                      the document and the character offset
      ├── ValidationFailed   a graph was checked and does not hold what it must
      └── ClusterError       the Dask cluster could not do its part (kg.cluster): no scheduler at the address,
                             the scheduler went away, no workers, a document that killed every worker it was
                             given, or workers that run another kg
```

Exit codes of the `kg` command:

| code | meaning |
|---|---|
| 0 | ok |
| 1 | checked and failed (`ValidationFailed`, e.g. the graph does not conform to the SHACL shapes) |
| 2 | bad input or usage (`InputError`, `ExtractionError`, any other `KgError`, argparse usage errors) |
| 3 | the cluster kg was pointed at failed it (`ClusterError`) |
| 130 | interrupted (Ctrl-C, SIGINT) |
| 143 | terminated (SIGTERM) |

An exception outside this tree is a bug in kg, and is allowed to show its traceback.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


def printable(text: str, *, keep: str = "") -> str:
    """Text made safe for a terminal: control characters (C0, DEL, C1), bidirectional overrides and isolates, and
    the undecodable bytes of a file name are written as escapes (``\\x1b``, ``\\u202e``), so that a name or a
    server's answer cannot move the cursor, change the title, hide or reorder what is printed. The characters in
    `keep` (tab and line feed, for text of many lines) are written as they are."""
    out = []
    for char in text:
        code = ord(char)
        if char in keep:
            out.append(char)
        elif code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        elif 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069 or code in (0x200E, 0x200F, 0x061C):
            out.append(f"\\u{code:04x}")
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, kept by Python as a lone surrogate
            out.append(f"\\x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """A count with its noun, singular for one: "1 document", "2 documents", "0 documents"; `nouns` where adding
    "s" is wrong ("1 entity", "3 entities")."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {nouns if nouns is not None else noun + 's'}"


def printable_lines(text: str) -> str:
    """Text of many lines (a report, a table, a result in CSV or XML) made safe for a terminal as `printable`
    makes one line: tabs, line feeds and the carriage return of a "\\r\\n" line end are kept, every other control
    character and bidirectional mark is escaped (a lone "\\r" too: it would let a line be written over)."""
    return "\r\n".join(printable(part, keep="\t\n") for part in text.split("\r\n"))


class KgError(Exception):
    """Base of every error kg reports to the user; its message is one line."""

    exit_code: int = EXIT_USAGE


class InputError(KgError):
    """Bad input: the message names the path, and the byte offset where that helps."""


class ExtractionError(KgError):
    """A document could not be processed: the message names the document and the character offset.

    Either pass a full message, or pass ``doc`` and ``offset`` and let the message be prefixed with them:
    ``ExtractionError("unbalanced quote", doc="a.txt", offset=120)`` reads "a.txt: at character 120: ...".
    """

    def __init__(self, message: str, *, doc: str | None = None, offset: int | None = None) -> None:
        prefix = "" if doc is None else f"{doc}: " if offset is None else f"{doc}: at character {offset}: "
        super().__init__(prefix + message)
        self.doc = doc
        self.offset = offset


class ValidationFailed(KgError):
    """A graph was checked and does not conform."""

    exit_code = EXIT_FAILED


class ClusterError(KgError):
    """The Dask cluster could not do its part; what was written before it failed is whole."""

    exit_code = EXIT_UNAVAILABLE


__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TERMINATED",
    "EXIT_UNAVAILABLE",
    "EXIT_USAGE",
    "ClusterError",
    "ExtractionError",
    "InputError",
    "KgError",
    "ValidationFailed",
    "printable",
    "printable_lines",
]

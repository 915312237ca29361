"""PDFs mangled on purpose: whatever the bytes, reading a PDF gives its text or one `InputError`, in bounded time and
memory.

The cases are valid PDFs (written by hand, as `make_pdf` writes them) with seeded, bounded mutations: bytes
flipped, the file cut short, tokens spliced in (an unknown `/Filter`, `/Encrypt`, references where none belong,
huge numbers, deep nesting), chunks copied elsewhere. They run in a child Python under an address-space limit,
each case under a time bound of its own, so a regression fails the test instead of taking the machine down.
"""

from __future__ import annotations

import json
import random
import resource
import signal
import subprocess
import sys
import zlib
from pathlib import Path

from helpers import ROOT, kg_env, make_pdf, pdf_from_objects
from test_formats import pdf_pages, pdf_stream

SEED = 26
CASES = 400
CASE_SECONDS = 10  # a case takes milliseconds; this only stops one that hangs
CHILD_MEMORY = 1_500_000_000  # bytes of address space for the child running the cases

#: What a mutation splices in: the constructs a hostile PDF is made of.
TOKENS = [
    b"/Filter /Foo",
    b"/Filter /FlateDecode",
    b"/Filter [/FlateDecode /LZWDecode /ASCII85Decode /RunLengthDecode]",
    b"/DecodeParms << /Predictor 15 /Columns 999999999 >>",
    b"/Encrypt 4 0 R",
    b"/Encrypt << /Filter /Standard /V 5 /R 6 /Length 256 >>",
    b" 3 0 R",
    b" 99 0 R",
    b" 1 0 R Tj",
    b"/Contents [5 0 R 5 0 R 5 0 R]",
    b"/Kids [2 0 R]",
    b"/Parent 4 0 R",
    b"/Resources 4 0 R",
    b"/XObject << /X1 5 0 R >> /X1 Do",
    b"/ToUnicode 5 0 R",
    b"/FontDescriptor << /FontFile 5 0 R /FontFile2 5 0 R /FontFile3 5 0 R >>",
    b"/FontDescriptor 3 0 R",
    b"/FontFile 5 0 R",
    b"/Subtype /Type0 /DescendantFonts [3 0 R 3 0 R]",
    b"/Encoding 5 0 R",
    b"/Length 99999999999",
    b"/Count 999999999",
    b"99999999999999999999999999",
    b"-2147483649",
    b"1e308",
    b"[" * 3000,
    b"<<" * 3000,
    b"(" * 3000,
    b"BT /F1 11 Tf (x) Tj ET",
    b"stream\n",
    b"endstream",
    b"endobj",
    b"xref\n0 1\n",
    b"trailer << /Root 99 0 R >>",
    b"startxref\n0\n",
    b"%%EOF",
    b"\\",
    b"\x00\xff\xfe",
]


def base_pdfs() -> list[bytes]:
    """Valid PDFs with a text layer: plain, over two pages, compressed, and drawing text from a form."""
    text = b"BT /F1 11 Tf 14 TL 56 790 Td (The harbour review was published on Friday by the council.) Tj ET"
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources %s /Contents 5 0 R >>"
    compressed = pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            font,
            page % b"<< /Font << /F1 3 0 R >> >>",
            pdf_stream(zlib.compress(text), b"/Filter /FlateDecode"),
        ]
    )
    form = pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            font,
            page % b"<< /XObject << /X1 6 0 R >> >>",
            pdf_stream(b"q /X1 Do Q"),
            pdf_stream(
                text,
                b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>",
            ),
        ]
    )
    return [make_pdf(pdf_pages()[:1]), make_pdf(pdf_pages()), compressed, form]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """`data` with one to three mutations; never more than a few kilobytes longer."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(5)
        at = rng.randrange(len(out) + 1)
        if kind == 0:  # flip bytes
            for _ in range(rng.randint(1, 8)):
                if out:
                    out[rng.randrange(len(out))] ^= rng.randrange(1, 256)
        elif kind == 1:  # cut short
            del out[at:]
        elif kind == 2:  # splice a token in
            out[at:at] = rng.choice(TOKENS)
        elif kind == 3:  # replace a number with a huge or negative one
            digits = [i for i, b in enumerate(out) if 0x30 <= b <= 0x39]
            if digits:
                i = rng.choice(digits)
                out[i : i + 1] = rng.choice([b"99999999999", b"-1", b"4294967296", b"0"])
        else:  # copy a chunk elsewhere
            start = rng.randrange(len(out) + 1)
            chunk = out[start : start + rng.randint(1, 200)]
            out[at:at] = chunk
    return bytes(out)


def cases(seed: int = SEED, n: int = CASES) -> list[bytes]:
    rng = random.Random(seed)
    bases = base_pdfs()
    return [mutate(rng.choice(bases), rng) for _ in range(n)]


class _Hung(BaseException):
    """A case ran past its time bound (a BaseException, so no `except Exception` in kg can swallow it)."""


def _alarm(signum: int, frame: object) -> None:
    raise _Hung


def run_cases(seed: int, n: int) -> list[str]:
    """Every case read in this process: "ok", "InputError", or what else happened (a failure of the test)."""
    from kg.errors import InputError
    from kg.text.formats import pdf_text

    signal.signal(signal.SIGALRM, _alarm)
    outcomes = []
    for i, data in enumerate(cases(seed, n)):
        signal.alarm(CASE_SECONDS)
        try:
            pdf_text(data, source=f"case-{i}.pdf")
            outcome = "ok"
        except InputError as error:
            outcome = "InputError" if "\n" not in str(error) else f"case {i}: a message of many lines"
        except _Hung:
            outcome = f"case {i}: over {CASE_SECONDS} s"
        except BaseException as error:  # what the test looks for
            outcome = f"case {i}: {type(error).__name__}: {error}"[:300]
        finally:
            signal.alarm(0)
        outcomes.append(outcome)
    return outcomes


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))


def test_a_mangled_pdf_is_its_text_or_one_input_error() -> None:
    child = subprocess.run(
        [sys.executable, str(Path(__file__)), str(SEED), str(CASES)],
        cwd=ROOT,
        env=kg_env(),
        capture_output=True,
        text=True,
        timeout=CASES * 2 + 120,
        preexec_fn=_limit_memory,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    outcomes = json.loads(child.stdout)
    assert len(outcomes) == CASES
    failures = [o for o in outcomes if o not in ("ok", "InputError")]
    assert not failures, failures[:20]
    # the mutations reach past the parser's first line of defence, and leave some files readable
    assert outcomes.count("ok") >= CASES // 10 and outcomes.count("InputError") >= CASES // 10, outcomes


if __name__ == "__main__":
    print(json.dumps(run_cases(int(sys.argv[1]), int(sys.argv[2]))))

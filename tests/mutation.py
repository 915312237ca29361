"""Mutation testing of the functions where a silent bug does the most harm: runs mutmut, prints the score per module.

    pip install -e '.[dev,mutation]'
    python tests/mutation.py            # every area below; mutmut keeps its results in mutants/
    python tests/mutation.py iris       # one area
    python tests/mutation.py --score    # only the scores of the last run

Not run in CI (it takes tens of minutes). The mutants are killed by the in-process tests named in pyproject.toml's
[tool.mutmut]; docs/testing.md holds the last scores and the mutants that survive because they change nothing.
"""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parent.parent

#: area -> mutmut name globs of the functions mutated (module.x_function*, module.xǁClassǁmethod*).
AREAS: dict[str, list[str]] = {
    # IRI minting and document names; evidence; the readers' limits
    "iris": [
        "kg.graph.rdfmap.x_slug__mutmut_*",
        "kg.graph.rdfmap.x_entity_iri__mutmut_*",
        "kg.graph.rdfmap.x_document_iri__mutmut_*",
        "kg.graph.rdfmap.x_evidence_iri__mutmut_*",
        "kg.text.read.x_document_name__mutmut_*",
        "kg.text.read.x__escape_name__mutmut_*",
        "kg.text.read.x__name_or_absolute__mutmut_*",
        "kg.text.read.x_byte_limit__mutmut_*",
        "kg.text.read.x_read_document__mutmut_*",
        "kg.text.read.x_document_from_bytes__mutmut_*",
        "kg.text.read.x_decode_text__mutmut_*",
        "kg.text.read.x__document_files__mutmut_*",
        "kg.text.read.x__title__mutmut_*",
        "kg.text.formats.x__many_blocks__mutmut_*",
        "kg.text.formats.x\u01c1_PdfWork\u01c1spend__mutmut_*",
        "kg.text.formats.x\u01c1_PdfWork\u01c1limits__mutmut_*",
        "kg.extract.analysis.x_evidence__mutmut_*",
    ],
    # the evaluation's counting; identity across documents
    "counting": [
        *(
            f"kg.evaluate.{f}__mutmut_*"
            for f in (
                "x_fold",
                "x_measure_of",
                "x_produced_entities",
                "x_score",
                "x__object_matches",
                "x_missed_entirely",
                "x__summed",
                "xǁCountsǁadd",
                "xǁCountsǁscores",
                "xǁCountsǁf1",
                "xǁEvaluationǁbelow",
                "xǁEvaluationǁbelow_baseline",
            )
        ),
        *(
            f"kg.graph.identity.{f}__mutmut_*"
            for f in (
                "x_is_unnamed",
                "x_choose_label",
                "x__unnamed",
                "x__dates_meet",
                "x__compatible",
                "x__signatures",
                "xǁIdentityIndexǁresolve",
                "xǁIdentityIndexǁ_fresh",
                "xǁIdentityIndexǁ_match",
                "xǁIdentityIndexǁ_match_signed",
            )
        ),
    ],
    # the endpoint's refusals; the viewer's escaping
    "refusals": [
        # what the endpoint refuses, and with which status: updates, SERVICE and deep queries, busy, the caps on
        # rows and bytes, bodies and their lengths, requests that do not name it or come from another site
        "kg.outputs.server.x\u01c1Endpoint\u01c1answer__mutmut_*",
        "kg.outputs.server.x_respond__mutmut_*",
        "kg.outputs.server.x__holds__mutmut_*",
        "kg.outputs.server.x__text_size__mutmut_*",
        "kg.outputs.server.x__text__mutmut_*",
        "kg.outputs.server.x_allowed_hosts__mutmut_*",
        "kg.outputs.server.x__host_port__mutmut_*",
        "kg.outputs.server.x__origin__mutmut_*",
        "kg.outputs.server.x\u01c1Handler\u01c1_allowed__mutmut_*",
        "kg.outputs.server.x\u01c1Handler\u01c1do_POST__mutmut_*",
        "kg.outputs.server.x\u01c1Handler\u01c1_dispatch__mutmut_*",
        "kg.outputs.server.x\u01c1Server\u01c1names__mutmut_*",
        # what the SPARQL layer refuses before Oxigraph sees a query: updates, SERVICE, nesting, operator chains
        "kg.graph.sparql.x_is_update__mutmut_*",
        "kg.graph.sparql.x__tokens__mutmut_*",
        "kg.graph.sparql.x_shape__mutmut_*",
        "kg.graph.sparql.x_check__mutmut_*",
        # the viewer: document text reaches the page as JSON data that cannot end its <script>, the title as
        # escaped HTML text, no link scheme anywhere; labels shown on one line and cut
        "kg.outputs.viz.x_shown_label__mutmut_*",
        "kg.outputs.viz.x__script_json__mutmut_*",
        "kg.outputs.viz.x__html_text__mutmut_*",
        "kg.outputs.viz.x__escape_schemes__mutmut_*",
    ],
}

#: mutmut's verdicts (mutmut.stats.status_by_exit_code) that count as a killed mutant: a test failed, the run
#: hit its time limit (a mutant that loops for ever) or crashed.
KILLED = {"killed", "timeout", "segfault", "caught by type check"}
NOT_RUN = {"not checked", "skipped", "check was interrupted by user"}


def results() -> dict[str, int | None]:
    """Every mutant mutmut made, with the exit code of its test run (None: not run)."""
    out: dict[str, int | None] = {}
    for meta in sorted((ROOT / "mutants").rglob("*.meta")):
        out.update(json.loads(meta.read_text())["exit_code_by_key"])
    return out


def selected(names: list[str], globs: list[str]) -> list[str]:
    return [n for n in names if any(fnmatch.fnmatchcase(n, g) for g in globs)]


def score(areas: list[str]) -> int:
    """Print killed/total per module of the areas; 1 when a mutant was not run or a function named in AREAS has
    no mutant (renamed or gone: it would drop out of the score unseen), 2 when there are no results."""
    codes = results()
    if not codes:
        print("mutation.py: error: no results in mutants/: run without --score first", file=sys.stderr)
        return 2
    unmatched = [g for a in areas for g in AREAS[a] if not selected(list(codes), [g])]
    for glob in unmatched:
        print(f"mutation.py: error: no mutant is named {glob} (a function renamed or gone?)", file=sys.stderr)
    by_module: dict[str, Counter[str]] = {}
    for area in areas:
        for name in selected(sorted(codes), AREAS[area]):
            module = name.split(".x_")[0].split(".x\u01c1")[0]
            status = status_by_exit_code[codes[name]]
            what = "killed" if status in KILLED else "not run" if status in NOT_RUN else "survived"
            by_module.setdefault(module, Counter())[what] += 1
            if what == "survived":
                print(f"  {status}: {name}")
    width = max((len(m) for m in by_module), default=6)
    print(f"{'module':<{width}}  killed  survived  not run  score")
    for module, c in sorted(by_module.items()):
        total = c["killed"] + c["survived"]
        print(
            f"{module:<{width}}  {c['killed']:>6}  {c['survived']:>8}  {c['not run']:>7}  "
            f"{c['killed'] / total if total else 0:.0%}"
        )
    return 1 if unmatched or any(c["not run"] for c in by_module.values()) else 0


def main(argv: list[str]) -> int:
    only_score = "--score" in argv
    areas = [a for a in argv if a != "--score"] or list(AREAS)
    unknown = [a for a in areas if a not in AREAS]
    if unknown:
        print(f"mutation.py: error: no area {unknown[0]!r} (areas: {', '.join(AREAS)})", file=sys.stderr)
        return 2
    if not only_score:
        globs = [g for a in areas for g in AREAS[a]]
        mutmut = Path(sys.executable).parent / "mutmut"
        run = subprocess.run([str(mutmut), "run", "--max-children", "2", *globs], cwd=ROOT, check=False)
        if run.returncode != 0:
            print(
                f"mutation.py: error: mutmut ended with status {run.returncode}: no scores", file=sys.stderr
            )
            return 2
    return score(areas)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

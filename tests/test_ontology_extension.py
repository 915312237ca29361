"""What kg extracts is driven by the ontology files: adding a class, a trigger, a gazetteer name or a relation
pattern to a copy of ontology/ (and nothing else) makes kg extract it."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import kg_env
from rdflib import RDF, RDFS, Graph, Literal, URIRef

from kg.graph.files import union_graph
from kg.model import Document
from kg.ontology.vocab import KG, ONTOLOGY_ENV, default_ontology_dir
from kg.pipeline import build_graph

PREFIXES = """
@prefix lex:  <https://w3id.org/kg/lexicon#> .
@prefix gaz:  <https://w3id.org/kg/lexicon/gazetteer#> .
@prefix kg:   <https://w3id.org/kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
"""

CASES = {
    "class": (
        """kg:Weapon a owl:Class ; rdfs:label "weapon"@en ; rdfs:comment "A named weapon."@en ;
            lex:nameHead "Rifle" .""",
        "Officers recovered a Kalashnikov Rifle from the flat in Leeds.",
        ("Weapon", "Kalashnikov Rifle"),
    ),
    "trigger": (
        """lex:riot a lex:Trigger ; lex:class kg:Incident ; lex:lemma "riot", "riots" .""",
        "The Bristol riots left twelve officers injured.",
        ("Incident", "Bristol riots"),
    ),
    "gazetteer": (
        """gaz:Pursue a lex:Name ; lex:class kg:Programme ; rdfs:label "Pursue" ; lex:variant "Pursue strand" .""",
        "Ministers said the Pursue strand would receive more money this year.",
        ("Programme", "Pursue"),
    ),
}


def _build(text: str) -> Graph:
    doc = Document(Path("t.txt"), "t.txt", text, hashlib.sha256(text.encode()).hexdigest(), text[:40])
    return union_graph(build_graph([doc]))


def _has(g: Graph, cls: str, label: str) -> bool:
    return (None, RDFS.label, Literal(label)) in g and any(
        (s, RDF.type, URIRef(str(KG) + cls)) in g for s in g.subjects(RDFS.label, Literal(label))
    )


@pytest.fixture
def ontology_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "ontology"
    shutil.copytree(default_ontology_dir(), folder)
    monkeypatch.setenv(ONTOLOGY_ENV, str(folder))
    return folder


@pytest.mark.parametrize("case", sorted(CASES))
def test_adding_to_the_ontology_makes_kg_extract_it(case: str, ontology_copy: Path) -> None:
    addition, text, (cls, label) = CASES[case]
    assert not _has(_build(text), cls, label), "already extracted before the ontology was extended"
    (ontology_copy / "extension.ttl").write_text(PREFIXES + addition, encoding="utf-8")
    assert _has(_build(text), cls, label)


def test_adding_a_relation_pattern_makes_kg_extract_the_relation(ontology_copy: Path) -> None:
    text = "Margaret Holloway is a trustee of the Runnymede Foundation, the charity said."

    def member(g: Graph) -> bool:
        return any(
            str(g.value(o, RDFS.label)) == "Runnymede Foundation" for o in g.objects(None, KG.memberOf)
        )

    assert not member(_build(text))
    (ontology_copy / "extension.ttl").write_text(
        PREFIXES
        + r"""lex:memberOf-trustee a lex:RelationPattern ; lex:property kg:memberOf ;
            lex:pattern "{s:Person} (?:is|was) a trustee of (?:the )?{o:Organization}" .""",
        encoding="utf-8",
    )
    assert member(_build(text))


def test_build_takes_the_ontology_folder_on_the_command_line(tmp_path: Path) -> None:
    folder = tmp_path / "onto"
    shutil.copytree(default_ontology_dir(), folder)
    addition, text, (cls, label) = CASES["class"]
    (folder / "extension.ttl").write_text(PREFIXES + addition, encoding="utf-8")
    doc = tmp_path / "doc.txt"
    doc.write_text(text, encoding="utf-8")
    out = tmp_path / "out.ttl"
    cmd = [sys.executable, "-m", "kg.cli", "build", str(doc), "-o", str(out), "--ontology", str(folder)]
    subprocess.run(
        cmd, check=True, capture_output=True, cwd=tmp_path, env=kg_env()
    )  # the store in tmp_path, its root
    assert _has(Graph().parse(out), cls, label)


def test_build_refuses_a_missing_ontology_folder(tmp_path: Path) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text("Some text.", encoding="utf-8")
    cmd = [
        sys.executable,
        "-m",
        "kg.cli",
        "build",
        str(doc),
        "-o",
        str(tmp_path / "o.ttl"),
        "--ontology",
        "nope",
    ]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=kg_env())
    assert p.returncode == 2
    assert p.stderr.startswith("kg: error:") and "Traceback" not in p.stderr

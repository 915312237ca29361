"""Synthetic corpora for the benchmark: the development documents' sentences, recombined, with invented names.

Each generated document is a title and 15–30 sentences drawn (seeded) from the seed and development documents,
in paragraphs of two to five sentences. The people those documents name (the ``Person`` entries of their gold
annotations, every surface form of each) are renamed per generated document to people drawn from an invented
population whose size grows with the corpus, so that entity counts grow with N and some people recur across
documents, as in a real collection. The same (n, seed) always gives the same texts.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The development set, inside the repository: the seed and the annotated development documents.
SOURCE_FOLDERS = (ROOT / "seeds", ROOT / "tests" / "corpus")

FIRST = (  # noqa: SIM905 (a list of words reads best as words)
    "Aled Bronwen Cerys Dafydd Eleri Ffion Gareth Hefin Iestyn Llinos Marged Nerys Owain Rhodri Siân Tegan "
    "Alistair Beatrice Callum Delia Edmund Fenella Gideon Harriet Imogen Jasper Kendra Lachlan Maisie Norris "
    "Orla Percival Quentin Rosalind Stellan Tamsin Ulric Verity Wilfred Xanthe Yorick Zara Anselm Briony "
    "Cosmo Dulcie Evander Flora Godfrey Honor Isidore Juno Kit Leopold Mirren Nye Ottilie Piers Rowan Saffron"
).split()
LAST = (  # noqa: SIM905 (a list of words reads best as words)
    "Ashdown Blackwood Carrow Dunmore Ellery Fairbairn Gresley Hollins Ingleby Jessop Kettering Lockhart "
    "Marchbank Netherby Oakhurst Pennick Quarrie Rushworth Stainforth Thackeray Underhill Varley Whitlock "
    "Yardley Abernethy Brackley Colquhoun Denholm Eskdale Fenwick Gillespie Haverford Inchbald Kilbride "
    "Lomond Mallaby Northcote Ormsby Pettigrew Radcliffe Sandiford Tolland Upshaw Vickery Wetherall Ainsworth "
    "Bellingham Chadwick Dewhurst Entwistle Farrington Greenhalgh Holroyd Illingworth Kershaw Longbottom "
    "Micklethwaite Nuttall Ormerod Pilkington Ramsbottom Sutcliffe Tattersall Whitworth Yeadon"
).split()

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-Z“\"‘(])")


@dataclass(frozen=True)
class Sentence:
    source: str  # file name of the document it comes from
    text: str


@dataclass(frozen=True)
class Person:
    first: str
    middle: str
    last: str


def source_files() -> list[Path]:
    return sorted(p for folder in SOURCE_FOLDERS for p in folder.glob("*.txt"))


def sentences(files: list[Path]) -> list[Sentence]:
    """The sentences of the documents: each line split at sentence ends; headings and short lines left out."""
    out = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line or line[-1] not in '.!?”"’)':
                continue
            for s in _SENTENCE_END.split(line):
                if 30 <= len(s) <= 400:
                    out.append(Sentence(path.name, s))
    return out


def name_templates(files: list[Path]) -> dict[str, tuple[str, str]]:
    """Surface form of a person in the gold annotations → (person key, template with {F} {M} {L})."""
    import yaml

    out: dict[str, tuple[str, str]] = {}
    for path in files:
        gold = path.with_name(path.stem + ".gold.yaml")
        if not gold.is_file():
            continue
        data = yaml.safe_load(gold.read_text(encoding="utf-8"))
        for entity in data.get("entities", []):
            if entity.get("type") != "Person":
                continue
            names = entity["names"]
            words = names[0].split()
            first, last, middle = words[0], words[-1], set(words[1:-1])
            for name in names:
                if name.isupper():  # an acronym or a name in capitals: left as it is
                    continue
                template = []
                for w in name.split():
                    base = w.split("-")[0]
                    template.append(
                        "{L}" if w == last else "{F}" if w == first else "{M}" if base in middle else w
                    )
                if any(t.startswith("{") for t in template):
                    out.setdefault(name, (f"{path.name}#{entity['id']}", " ".join(template)))
    return out


class Generator:
    """Documents made of the development set's sentences, with their people renamed."""

    def __init__(self, seed: int = 0) -> None:
        files = source_files()
        self.seed = seed
        self.sentences = sentences(files)
        self.templates = name_templates(files)
        forms = sorted(self.templates, key=len, reverse=True)  # the longest form wins: "Sir David Amess"
        self.names = re.compile(r"\b(?:" + "|".join(re.escape(f) for f in forms) + r")\b")

    def population(self, n: int) -> list[Person]:
        """Invented people, two per document (at least 60), each with a unique first and last name pair."""
        rng = random.Random(f"{self.seed}-population")
        size = min(max(60, 2 * n), len(FIRST) * len(LAST))
        pairs = rng.sample([(f, last) for f in FIRST for last in LAST], size)
        return [Person(f, rng.choice(FIRST), last) for f, last in pairs]

    def document(self, i: int, people: list[Person]) -> str:
        rng = random.Random(f"{self.seed}-{i}")
        cast: dict[str, Person] = {}

        def rename(m: re.Match[str]) -> str:
            key, template = self.templates[m.group(0)]
            p = cast.setdefault(key, rng.choice(people))
            return template.replace("{F}", p.first).replace("{M}", p.middle).replace("{L}", p.last)

        chosen = rng.sample(self.sentences, rng.randint(15, 30))
        paragraphs, k = [], 0
        while k < len(chosen):
            size = rng.randint(2, 5)
            paragraphs.append(" ".join(self.names.sub(rename, s.text) for s in chosen[k : k + size]))
            k += size
        return f"Synthetic briefing number {i}\n\n" + "\n\n".join(paragraphs) + "\n"

    def texts(self, n: int, *, start: int = 0) -> list[str]:
        """Documents start … start+n-1 of a corpus of n documents."""
        people = self.population(n)
        return [self.document(i, people) for i in range(start, start + n)]


def write_corpus(folder: Path, texts: list[str], *, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, text in enumerate(texts, start):
        path = folder / f"synthetic-{i:05d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    gen = Generator()
    print(f"{len(gen.sentences)} sentences, {len(gen.templates)} name forms")
    print(gen.texts(2)[1])

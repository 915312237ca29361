"""The names the ontology's lexicon marks, found in a spaCy Doc before the statistical NER.

Two kinds of names:

- gazetteer names (public bodies, programmes, posts, parties), matched as token sequences, lower-cased unless
  the name is case-sensitive or one word;
- proper names marked by a head word of a class ("Wessex Police", "Northby Learning Review", "Minister for
  Security"): capitalised words around a head, in the shapes listed below.

The shapes were first written as spaCy Matcher patterns with regular-expression predicates and open-ended
operators; that Matcher tried every pattern at every token and cost about a quarter of spaCy's own time. Here
the head words are looked up once per token and each shape is read outward from a head, which yields the same
candidate spans. Candidates are then chosen as spaCy's EntityRuler chooses them: longest first, then leftmost,
none overlapping one already taken, and they replace the entities already on the Doc.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token

from kg.ontology.lexicon import Lexicon

# A capitalised word that may stand inside a proper name (not a determiner or a pronoun at sentence start).
_CAPITALISED = re.compile(r"^[A-Z0-9][\w'’.&-]*$")
_CAPITALISED_OR_HYPHEN = re.compile(r"^([A-Z0-9][\w'’.&-]*|-)$")

_YEAR = re.compile(r"^(1[6-9]|20)\d\d$")

Candidate = tuple[int, int, str, int]  # start, end, label, rank (lower wins a tie)

#: The statistical NER's labels for a name that a sentence's first word may open ("Friends of" + a name).
_NER_NAMES = frozenset({"ORG", "FAC", "GPE"})


def token_words(text: str) -> list[str]:
    """How spaCy's tokenizer splits a name, closely enough for names: hyphens and apostrophes apart."""
    return text.replace("-", " - ").replace("’", "'").replace("'", " '").split()


@dataclass(frozen=True)
class _Head:
    cls: str
    words: tuple[str, ...]
    post: bool  # a post's head: read in lower case, with the post shapes
    complement: bool  # a post's head that needs "of X" / "for X" ("Secretary")


class NameFinder:
    """A spaCy pipeline component: the lexicon's names as entities, replacing what is already on the Doc."""

    def __init__(self, vocab: object, lex: Lexicon) -> None:
        self.lex = lex
        self.exact = PhraseMatcher(vocab, attr="ORTH")  # type: ignore[arg-type]
        self.lower = PhraseMatcher(vocab, attr="LOWER")  # type: ignore[arg-type]
        self.gazetteer_labels: dict[str, str] = {}
        for g in lex.gazetteer:
            for form in (g.label, *g.variants):
                words = token_words(form)
                exact = g.case_sensitive or len(form.split()) == 1
                key = f"{g.cls}|{'exact' if exact else 'lower'}"
                pattern = Doc(vocab, words=words if exact else [w.lower() for w in words])  # type: ignore[arg-type]
                (self.exact if exact else self.lower).add(key, [pattern])
                self.gazetteer_labels[key] = g.cls
            for abbr in g.abbreviations:
                key = f"{g.cls}|exact"
                self.exact.add(key, [Doc(vocab, words=[abbr])])  # type: ignore[arg-type]
                self.gazetteer_labels[key] = g.cls
        self.connectors = frozenset(lex.connectors)
        self.opening_connectors = frozenset(lex.opening_connectors)  # "of" in "City of Northby Police"
        self.post_complements = frozenset(lex.post_complements)  # "of", "for" in "Minister for Security"
        self.joiners = frozenset(lex.place_name_joiners)
        self.not_name = frozenset(lex.not_in_name)
        post_heads = lex.name_heads.get("Post", ())
        self.post_words = frozenset(w for h in post_heads for w in h.split())
        # heads by their first word, as written (other classes) or lower-cased (posts)
        self.heads: dict[str, list[_Head]] = defaultdict(list)
        self.post_heads: dict[str, list[_Head]] = defaultdict(list)
        for cls, heads in lex.name_heads.items():
            if cls == "Post":
                continue
            for head in heads:
                seq = tuple(head.split())
                self.heads[seq[0]].append(_Head(cls, seq, post=False, complement=False))
        complement = set(lex.complement_heads.get("Post", ()))
        for head in post_heads:
            seq = tuple(head.split())
            h = _Head("Post", seq, post=True, complement=head in complement)
            self.post_heads[seq[0].lower()].append(h)

    # ------------------------------------------------------------------ token classes
    def _caph(self, text: str) -> bool:
        return text not in self.not_name and _CAPITALISED_OR_HYPHEN.match(text) is not None

    def _cap(self, text: str) -> bool:
        return text not in self.not_name and _CAPITALISED.match(text) is not None

    @staticmethod
    def _sentence_first(tok: Token) -> bool:
        """The first word of a sentence, after an opening quote or bracket if there is one."""
        if tok.is_sent_start:
            return True
        before = tok.doc[tok.i - 1] if tok.i > 0 else None
        return before is not None and bool(before.is_sent_start) and (before.is_left_punct or before.is_quote)

    def _capitalised_by_place(self, tok: Token) -> bool:
        """A sentence's first word, capitalised for standing there, that the tagger reads as no proper noun:
        "Officers of Northby Police arrested ...", "Footage of Northby Police ..." (without a tagger, as
        written)."""
        return tok.pos_ not in ("", "PROPN") and self._sentence_first(tok)

    def join_openers(self, doc: Doc, classes: set[str]) -> None:
        """After the NER: where `_named` left a sentence's first word out of a name ("Friends of Northby
        Hospital") and the NER took it in, stopping at an opening connector ("of") before the name kg found, the two are one name
        of kg's class. `classes`: the labels kg gave its names."""
        ents = list(doc.ents)
        joined: list[Span] = []
        i = 0
        while i < len(ents):
            e, nxt = ents[i], ents[i + 1] if i + 1 < len(ents) else None
            if (
                nxt is not None
                and nxt.start == e.end
                and nxt.label_ in classes
                and nxt.label_ != "Post"
                and e.label_ in _NER_NAMES
                and len(e) == 2
                and e[1].lower_ in self.opening_connectors
                and e[0].text not in self.post_words
                and self._capitalised_by_place(e[0])
            ):
                joined.append(Span(doc, e.start, nxt.end, label=nxt.label_))
                i += 2
            else:
                joined.append(e)
                i += 1
        if len(joined) < len(ents):
            doc.ents = joined

    def _inside_a_longer_name(self, doc: Doc, start: int, end: int) -> bool:
        """Whether a capitalised word stands right before or after doc[start:end], or a capitalised word and
        "of" before it, continuing the name."""
        before = start > 0 and not doc[start].is_sent_start and self._cap(doc[start - 1].text)
        if start > 1 and doc[start - 1].lower_ in self.connectors and self._cap(doc[start - 2].text):
            before = True  # "Straits of Northland"
        after = end < len(doc) and self._cap(doc[end].text) and not doc[end].is_sent_start
        return bool(before or after)

    def __call__(self, doc: Doc) -> Doc:
        self.set_entities(doc, self.candidates(doc))
        return doc

    # ------------------------------------------------------------------ candidates
    def candidates(self, doc: Doc) -> list[Candidate]:
        """Every span a name shape or a gazetteer name covers, with its label."""
        out: set[Candidate] = set()
        texts = [t.text for t in doc]
        for matcher in (self.exact, self.lower):
            for match_id, start, end in matcher(doc):
                label = self.gazetteer_labels[doc.vocab.strings[match_id]]
                if label == "Place" and self._inside_a_longer_name(doc, start, end):
                    continue  # "New Jersey", "Latin America", "US Army": another name, left to the model
                out.add((start, end, label, 0))
        lowers = [t.lower() for t in texts]
        n = len(texts)
        # a hyphen joins a name only written tight ("Lowmoor-on-Sea"), not spaced ("FILE - Police attend")
        caph = [
            self._caph(t.text)
            and not (t.text == "-" and (t.whitespace_ or (t.i and doc[t.i - 1].whitespace_)))
            for t in doc
        ]
        cap = [self._cap(t) for t in texts]
        for i in range(1, n - 2):
            # "Lowmoor-on-Sea", "Stratford-upon-Avon": a joiner between hyphens inside a capitalised name
            if (
                lowers[i] in self.joiners
                and texts[i - 1] == texts[i + 1] == "-"
                and caph[i + 2]
                and caph[i - 2]
            ):
                caph[i] = True
        for i in range(n):
            for head in self.heads.get(texts[i], ()):
                end = i + len(head.words)
                if tuple(texts[i:end]) == head.words:
                    named = self._named(
                        doc, i, end, texts, lowers, caph, cap, dated=head.cls == "Legislation"
                    )
                    out.update((s, e, head.cls, 1) for s, e in named)
            for head in self.post_heads.get(lowers[i], ()):
                end = i + len(head.words)
                if tuple(lowers[i:end]) == tuple(w.lower() for w in head.words):
                    out.update(
                        (s, e, "Post", 1) for s, e in self._post(head, i, end, texts, lowers, caph, cap)
                    )
        # a hyphen neither starts nor ends a name ("Member of Parliament for Lowmoor-" is not one)
        return sorted(c for c in out if texts[c[0]] != "-" and texts[c[1] - 1] != "-")

    @staticmethod
    def _run_left(flags: list[bool], before: int) -> int:
        """The first index of the run of True flags that ends just before `before`."""
        i = before
        while i > 0 and flags[i - 1]:
            i -= 1
        return i

    @staticmethod
    def _run_right(flags: list[bool], start: int) -> int:
        """The end (exclusive) of the run of True flags that starts at `start`."""
        i = start
        while i < len(flags) and flags[i]:
            i += 1
        return i

    def _complements(self, after: int, lowers: list[str], caph: list[bool]) -> Iterator[tuple[int, int]]:
        """(start, end) of the capitalised words after a connector at `after`, "the" optional; ends enumerated."""
        starts = [after]
        if after < len(lowers) and lowers[after] == "the":
            starts.append(after + 1)
        for s in starts:
            for e in range(s + 1, self._run_right(caph, s) + 1):
                yield s, e

    def _named(
        self,
        doc: Doc,
        h: int,
        end: int,
        texts: list[str],
        lowers: list[str],
        caph: list[bool],
        cap: list[bool],
        dated: bool = False,
    ) -> Iterator[tuple[int, int]]:
        left = self._run_left(caph, h)
        # "Coastal Policing", "Wessex Police", "Northby Learning Review": capitalised words, then the head (and
        # for a law, the year that follows it: "Harbours Act 1999")
        year = dated and end < len(texts) and _YEAR.match(texts[end]) is not None
        for s in range(left, h):
            yield s, end
            if year:
                yield s, end + 1
        # "City of Northby Police": a capitalised word that is no post's word, an opening connector, capitalised
        # words, head; a sentence's first word only where the tagger reads it as a proper noun (else
        # `join_openers`); not the last word of a longer name ("Sarah Okafor of Calder Vale Constabulary")
        for j in range(max(left, 2), h):
            if (
                lowers[j - 1] in self.opening_connectors
                and cap[j - 2]
                and not (j > 2 and cap[j - 3])
                and texts[j - 2] not in self.post_words
                and not self._capitalised_by_place(doc[j - 2])
            ):
                yield j - 2, end
        # "Independent Office for Police Conduct", "House of Commons": [capitalised words] head connector [the] names
        # (and one more capitalised word after "and" that is no head: "Centre for Disease Prevention and Control")
        if end < len(texts) and lowers[end] in self.connectors:
            for _, e in self._complements(end + 1, lowers, caph):
                ends = [e]
                one_more = e + 1 < len(texts) and lowers[e] == "and" and self._run_right(cap, e + 1) == e + 2
                if one_more and texts[e + 1] not in self.heads:
                    ends.append(e + 2)
                for s in range(left, h + 1):
                    for e2 in ends:
                        yield s, e2

    def _post(
        self,
        head: _Head,
        h: int,
        end: int,
        texts: list[str],
        lowers: list[str],
        caph: list[bool],
        cap: list[bool],
    ) -> Iterator[tuple[int, int]]:
        n = len(texts)
        # "Minister for Security", "head of Coastal Policing", "MP for Northby East and Lowmoor"
        if end < n and lowers[end] in self.post_complements:
            left = self._run_left(caph, h)
            ends: set[int] = set()
            for _, r in self._complements(end + 1, lowers, caph):
                ends.update(range(r, self._run_right(cap, r) + 1))
                if r < n and lowers[r] == "and":
                    ends.update(range(r + 1, self._run_right(cap, r + 1) + 1))
                if r < n and lowers[r] in self.connectors and texts[r - 1] in self.heads:
                    # "Director of the Office for Public Protection": a body's head word and its own complement;
                    # not a place the gazetteer knows ("Leader of the Northby Party of Ruritania": the party)
                    ends.update(
                        e
                        for s2, e in self._complements(r + 1, lowers, caph)
                        if (self.lex.lookup(" ".join(texts[s2:e])) or ("",))[0] != "Place"
                    )
            for s in range(left, h + 1):
                for e in ends:
                    yield s, e
        # "Interim Independent Harbour Commissioner", "Chief Constable": capitalised words and the head as written
        if not head.complement and tuple(texts[h:end]) == head.words:
            left = self._run_left(cap, h)
            for s in range(left, h + (1 if len(head.words) > 1 else 0)):
                yield s, end

    # ------------------------------------------------------------------ choice
    @staticmethod
    def set_entities(doc: Doc, candidates: Iterable[Candidate]) -> None:
        """Longest first, then leftmost, then gazetteer before shape; a span overlapping one taken is dropped;
        the chosen spans replace the entities they overlap."""
        taken: list[Span] = []
        seen: set[int] = set()
        for start, end, label, _ in sorted(candidates, key=lambda c: (c[0] - c[1], c[0], c[3], c[2])):
            if seen.intersection(range(start, end)):
                continue
            taken.append(Span(doc, start, end, label=label))
            seen.update(range(start, end))
        kept = [e for e in doc.ents if not seen.intersection(range(e.start, e.end))]
        doc.ents = kept + taken

"""Aliases: a name's other names within the document (a bracketed short form, the name written again).

'… Harbour Conduct (IOHC)': the short form wherever it recurs; a name found once wherever it is written again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kg.extract.analysis import Component, DocumentAnalysis, Mention, Sentence
from kg.ontology.lexicon import normalise_name


class Aliases(Component):
    """Acronyms and short forms, and names written again, wherever the document writes them."""

    name = "aliases"

    def document(self, an: DocumentAnalysis) -> None:
        self._acronyms(an)
        self._repeated_names(an)

    def _name_by_initials(self, an: DocumentAnalysis, end: int, acronym: str) -> Mention | None:
        """'the Northby Friends of Harwick (NFH)': capitalised words whose initials spell the bracketed
        acronym are a name, even where the model saw none; an organisation unless its head word says more."""
        text, sentences = an.doc.text, an.sentences
        words = list(re.finditer(r"[\w'’-]+", text[max(0, end - 200) : end]))
        offset = max(0, end - 200)
        picked: list[re.Match[str]] = []
        letters = ""
        for w in reversed(words):
            token = w.group(0)
            if token[:1].isupper():
                picked.insert(0, w)
                letters = token[0] + letters
                if letters == acronym:
                    break
                if not acronym.endswith(letters):
                    return None
            elif (
                token in self.cues.lex.connectors or token in self.cues.determiners or token == "and"
            ) and picked:
                picked.insert(0, w)
            else:
                return None
        if letters != acronym or not picked:
            return None
        a, b = offset + picked[0].start(), end
        if any(m.start < b and a < m.end and not (a <= m.start and m.end <= b) for m in an.mentions.values()):
            return None
        sent = next((s.index for s in sentences if s.start <= a < s.end), None)
        if sent is None:
            return None
        for m in [m for m in an.mentions.values() if a <= m.start and m.end <= b]:
            del an.mentions[m.id]
        name = text[a:b]
        gaz = self.cues.gazetteer(name)
        cls = gaz[0] if gaz else self.cues.class_by_head(name) or "Organization"
        return an.new(
            cls=cls,
            start=a,
            end=b,
            text=normalise_name(name),
            sent=sent,
            canonical=gaz[1] if gaz else None,
            strong=True,
        )

    def _acronyms(self, an: DocumentAnalysis) -> None:
        """'Independent Office for Harbour Conduct (IOHC)', 'Edward Ashdown (EDA)': the bracketed short form is another
        name of the entity before it, wherever it recurs in the document."""
        text, sentences = an.doc.text, an.sentences
        by_end = {m.end: m for m in an.mentions.values() if m.kind == "name"}
        found: dict[str, Mention] = {}
        for mt in re.finditer(r"\s\(([A-Z][A-Za-z0-9]{1,7})\)", text):
            prev = by_end.get(mt.start())
            if prev is None and mt.group(1).isupper():
                prev = self._name_by_initials(an, mt.start(), mt.group(1))
            if prev is not None and mt.group(1).isupper():
                prev.acronym = mt.group(1)
                found[mt.group(1)] = prev
        for acr, target in found.items():
            for mt in re.finditer(rf"\b{re.escape(acr)}\b", text):
                a, b = mt.start(), mt.end()
                covering = [m for m in an.mentions.values() if m.start <= a and b <= m.end]
                if covering:
                    # a span the model found that is exactly the acronym names the same entity
                    for m in covering:
                        if m.start == a and m.end == b and m.id != target.id:
                            m.cls, m.canonical, m.alias_of = target.cls, None, target.id
                    continue
                sent = next((s.index for s in sentences if s.start <= a < s.end), None)
                if sent is None:
                    continue
                an.new(cls=target.cls, start=a, end=b, text=acr, sent=sent, alias_of=target.id)

    def _repeated_names(self, an: DocumentAnalysis) -> None:
        """A name found once is that name wherever the document writes it again the same way, where the model
        saw nothing ('the Northby Front said ...' with the model finding it in one sentence of three). Only names
        of two words or more, or letters ('NLF'): one word alone may be an ordinary word elsewhere."""
        text = an.doc.text
        names: dict[str, Mention] = {}
        for m in sorted(an.mentions.values(), key=lambda m: (not m.strong, m.start)):
            if m.kind != "name" or m.cls in ("Date", "Post", "Incident", "Inquiry", "NORP"):
                continue
            written = text[m.start : m.end]
            several = " " in written and written[:1].isupper()
            if several or (written.isupper() and len(written) > 1 and written.isalpha()):
                names.setdefault(written, m)
        spans = sorted((m.start, m.end) for m in an.mentions.values())
        self._surnames(an, names, spans)
        for written, first in names.items():
            if text.count(written) < 2:
                continue  # written once: where the name was found
            for a, b, s, span in _unclaimed(an, written, spans):
                an.new(
                    cls=first.cls,
                    start=a,
                    end=b,
                    text=first.text,
                    sent=s.index,
                    canonical=first.canonical,
                    token=span.root,
                )
                spans.append((a, b))

    def _surnames(
        self, an: DocumentAnalysis, names: dict[str, Mention], spans: list[tuple[int, int]]
    ) -> None:
        """'Desmond Harlow ... Harlow was convicted': the last word of a person's full name, written again alone
        where the parse reads a proper noun and the model saw nothing, is that person (one word alone, so only
        where the parse calls it a name)."""
        surnames: dict[str, Mention] = {}
        for written, m in names.items():
            last = written.split()[-1]
            if m.cls == "Person" and len(written.split()) > 1 and len(last) > 2 and last[:1].isupper():
                surnames.setdefault(last, m)
        for last in surnames:
            for a, b, s, span in _unclaimed(an, last, spans):
                if len(span) != 1 or span.root.pos_ != "PROPN":
                    continue
                an.new(cls="Person", start=a, end=b, text=last, sent=s.index, token=span.root)
                spans.append((a, b))


def _unclaimed(
    an: DocumentAnalysis, written: str, spans: list[tuple[int, int]]
) -> Iterator[tuple[int, int, Sentence, Any]]:
    """Each place the document writes these words as a whole that no mention claims (as `spans` stands when it is
    reached): its offsets, its sentence, and the words as spaCy read them."""
    text = an.doc.text
    for mt in re.finditer(rf"(?<![\w'’-]){re.escape(written)}(?![\w-])", text):
        a, b = mt.start(), mt.end()
        if any(x < b and a < y for x, y in spans):
            continue
        s = next((s for s in an.sentences if s.start <= a and b <= s.end), None)
        if s is None:
            continue
        offset = s.start - s.span.start_char
        span = s.span.doc.char_span(a - offset, b - offset)
        if span is not None:
            yield a, b, s, span

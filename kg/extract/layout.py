"""Layout: what the shape of the page says (the title block, a 'topic: inquiry' title, speaker headers).

A parliamentary record's speaker header names the person, the seat they hold and their party.
"""

from __future__ import annotations

import re

from kg.extract.analysis import Component, DocumentAnalysis, Found
from kg.ontology.lexicon import normalise_name
from kg.text.annotate import Block


class Layout(Component):
    """The title block, a 'topic: inquiry' title, and speaker headers ('Tom Ashdown (Northby) (Con)')."""

    name = "layout"

    def document(self, an: DocumentAnalysis) -> None:
        an.header_sentences = self._header(an)
        if an.blocks:
            self._topic_title(an, an.blocks[0])
        an.found = self._speaker_headers(an) + an.found

    def _topic_title(self, an: DocumentAnalysis, title: Block) -> None:
        """'Northby: Learning Review': a title of the form 'topic: inquiry' names the inquiry with its topic, and
        the inquiry concerns what the topic names."""
        if ": " not in title.text:
            return
        end = title.start + len(title.text)
        inquiry = next(
            (m for m in an.mentions.values() if m.cls == "Inquiry" and m.kind == "name" and m.end == end),
            None,
        )
        colon = title.start + title.text.index(": ")
        if inquiry is None or inquiry.start != colon + 2:
            return
        inquiry.start = title.start
        inquiry.text = inquiry.canonical = normalise_name(title.text)
        for m in an.mentions.values():
            if m.start >= title.start and m.end <= colon and m.kind == "name":
                inquiry.inner.append(("concerns", m.id))

    def _speaker_headers(self, an: DocumentAnalysis) -> list[Found]:
        """'Tom Ashdown (Corby North) (Con)': a speaker header names a person, the seat they hold and their
        party. Its parts replace whatever the model made of the line."""
        text, sentences = an.doc.text, an.sentences
        found: list[Found] = []
        for block in an.blocks:
            for header in self.cues.lex.speaker_headers:
                mt = re.match(header.pattern, block.text)
                if mt is None:
                    continue
                groups = {
                    g: (block.start + mt.start(g), block.start + mt.end(g))
                    for g in mt.groupdict()
                    if mt.group(g)
                }
                party = self.cues.gazetteer(mt.group("party")) if "party" in groups else None
                if "person" not in groups or (party is not None and party[0] != "PoliticalParty"):
                    continue
                sent = next((s.index for s in sentences if s.start <= block.start < s.end), None)
                if sent is None:
                    continue
                a, b = block.start, block.start + len(block.text)
                for m in [m for m in an.mentions.values() if a <= m.start and m.end <= b]:
                    del an.mentions[m.id]
                pa, pb = groups["person"]
                person = an.new(cls="Person", start=pa, end=pb, text=text[pa:pb], sent=sent, strong=True)
                if party is not None:
                    qa, qb = groups["party"]
                    pm = an.new(
                        cls="PoliticalParty",
                        start=qa,
                        end=qb,
                        text=text[qa:qb],
                        sent=sent,
                        canonical=party[1],
                        strong=True,
                    )
                    found.append(Found(person.id, "memberOf", pm.id, sent))
                if "place" in groups:
                    la, lb = groups["place"]
                    place = an.new(cls="Place", start=la, end=lb, text=text[la:lb], sent=sent, strong=True)
                    if header.post_template:
                        post_name = header.post_template.format(place=place.text)
                        post = an.new(
                            cls="Post",
                            start=la,
                            end=lb,
                            text=post_name,
                            sent=sent,
                            canonical=post_name,
                            strong=True,
                        )
                        post.inner.append(("place", place.id))
                        found.append(Found(person.id, "holdsPost", post.id, sent))
                break
        return found

    def _header(self, an: DocumentAnalysis) -> list[tuple[int, int]]:
        """The title block: the run of short lines at the top of the document (Hansard, GOV.UK headers)."""
        text = an.doc.text
        run: list[int] = []
        for s in an.sentences:
            line_start = s.start == 0 or text[s.start - 1] == "\n"
            line_end = s.end >= len(text.rstrip()) or text[s.end : s.end + 1] == "\n"
            if len(s.span) <= 12 and line_start and line_end:
                run.append(s.index)
            else:
                break
        return [(run[0], run[-1])] if len(run) >= 2 else []

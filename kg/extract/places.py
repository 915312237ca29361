"""Place names by their shape where the model missed them: hyphenated towns, proper names after 'in' or 'at'."""

from __future__ import annotations

from kg.extract.analysis import Component, SentenceWork
from kg.ontology.lexicon import normalise_name


class Places(Component):
    """Places by shape: 'Lowmoor-on-Sea', 'in Harwick', 'at Mill Space'."""

    name = "places"

    def sentence(self, work: SentenceWork) -> None:
        """Places the statistical model misses: hyphenated town names ('Lowmoor-on-Sea') and proper names after a
        preposition of place ('in Harwick', 'at Mill Space') that nothing else claimed."""
        s, base, taken = work.s, work.base, work.taken
        text = s.span.text
        offset = base + s.span.start_char
        place_heads = self.cues.heads.get("Place", set())
        for m in self.cues.hyphenated_place.finditer(text):
            name = m.group(0)
            if " " in name and name.rsplit(" ", 1)[1] not in place_heads:
                name = name.rsplit(" ", 1)[0]  # "Northby-on-Sea Borough" takes a head word, nothing else
            a, b = offset + m.start(), offset + m.start() + len(name)
            # what kg.text.names or the model made of a piece of the name gives way to the whole
            clash = [x for x in work.mentions() if x.start < b and a < x.end]
            if any(x.start < a or x.end > b for x in clash):
                continue
            for x in clash:
                work.drop(x)
            work.new(cls="Place", start=a, end=b, text=name)
            taken.append((a, b))
        doc = s.span.doc
        for t in s.tokens:
            if t.lower_ not in self.cues.place_prepositions or t.i + 1 >= s.span.end:
                continue
            k = t.i + 1
            if doc[k].lower_ == "the":
                k += 1
            e = k
            while e < s.span.end and doc[e].pos_ == "PROPN" and doc[e].text[:1].isupper():
                e += 1
            if e == k:
                continue
            a, b = base + doc[k].idx, base + doc[e - 1].idx + len(doc[e - 1].text)
            name = doc[k:e].text
            if any(x < b and a < y for x, y in taken) or doc[k].text in self.cues.not_in_name:
                continue
            if self.cues.gazetteer(name) or (self.cues.class_by_head(name) or "Place") != "Place":
                continue
            if name.lower() in self.lex.months or name.lower() in self.lex.weekdays:
                continue  # "in July", with no year to make it a date, is no place either
            if e < s.span.end and doc[e].lemma_.lower() in self.cues.trigger_lemmas:
                continue  # 'in the Harwick inquiry': the name belongs to the noun after it
            work.new(cls="Place", start=a, end=b, text=normalise_name(name))
            taken.append((a, b))

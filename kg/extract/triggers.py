"""Incidents and inquiries by their nouns and verbs, with the names inside a named one (their first arguments).

'the murder', 'stabbed', 'the Harwick inquiry', '2020 Northby bombing': the date, the place, who did it or what
it concerns, where the name holds them.
"""

from __future__ import annotations

import re
from typing import Any

from kg.extract.analysis import Component, Mention, SentenceWork
from kg.extract.cues import Cues
from kg.model import DateValue
from kg.ontology.lexicon import normalise_name


class Triggers(Component):
    """Nouns and verbs the lexicon lists as triggers of these classes, each a mention of its incident or
    inquiry; a word claimed here is no reference."""

    def __init__(
        self, cues: Cues, classes: frozenset[str] | None, *, excluding: frozenset[str] = frozenset()
    ) -> None:
        super().__init__(cues)
        self.classes = classes  # None: every class but those excluded
        self.excluding = excluding

    def _mine(self, cls: str) -> bool:
        return cls not in self.excluding and (self.classes is None or cls in self.classes)

    def token(self, work: SentenceWork, tok: Any) -> bool:
        pos, low, lemma = tok.pos_, tok.lower_, tok.lemma_.lower()
        lemmas, verbs = self.cues.trigger_lemmas, self.cues.trigger_verbs
        if pos in ("NOUN", "PROPN") and (lemma in lemmas or low in lemmas):
            trig = lemmas.get(lemma) or lemmas[low]
            if not self._mine(trig.cls):
                return False
            self._trigger_mention(tok, trig.cls, work)
            return True
        if pos == "VERB" and lemma in verbs and self._mine(verbs[lemma].cls):
            start = work.base + tok.idx
            end = start + len(tok.text)
            work.new(cls=verbs[lemma].cls, kind="verb", start=start, end=end, text=tok.text, token=tok)
            return True
        return False

    def _trigger_mention(self, tok: Any, cls: str, work: SentenceWork) -> Mention | None:
        """An incident or inquiry noun with the names, years and trigger nouns before it: '2020 Corby murders',
        'Harwick inquiry', 'killing spree', 'the attack'. Names the model found there become parts of it."""
        base, taken = work.base, work.taken
        doc = tok.doc
        i = tok.i
        while i > 0:
            t = doc[i - 1]
            capital = (
                t.text[:1].isupper()
                and t.lower_ not in self.cues.determiners
                and (t.pos_ == "PROPN" or bool(t.ent_type_) or not t.is_sent_start)
            )
            year = bool(re.fullmatch(r"(1[89]|20)\d\d", t.text))
            trigger_word = (
                t.lemma_.lower() in self.cues.trigger_lemmas or t.lower_ in self.cues.trigger_lemmas
            )
            if not (capital or year or trigger_word or (t.text in ("-", "'", "’") and i - 1 > 0)):
                break
            if t.ent_type_ == "PERSON" or (t.text in ("'", "’") and doc[i - 2].ent_type_ == "PERSON"):
                break
            i -= 1
        while i < tok.i and doc[i].text in ("-", "'", "’"):
            i += 1
        start = base + doc[i].idx
        end = base + tok.idx + len(tok.text)
        head_start = base + tok.idx
        if any(x < end and head_start < y for x, y in taken):
            return None  # the noun is part of a name already found ("Northby Learning Review")
        # names inside the modifiers are absorbed; a name crossing the left edge cuts the modifiers short
        for x, y in sorted(taken):
            if x < start < y:
                start = y
        while i < tok.i and base + doc[i].idx < start:
            i += 1
        start = base + doc[i].idx
        for m in [m for m in work.mentions() if start <= m.start and m.end <= end]:
            work.drop(m)
        named = any(
            doc[k].text[:1].isupper() and not re.fullmatch(r"\d+", doc[k].text) for k in range(i, tok.i)
        )
        kind = "trigger"
        if (
            not named
            and self.cues.definite(tok)
            and not any(c.dep_ == "prep" and c.lower_ in ("of", "on", "into", "by") for c in tok.rights)
        ):
            kind = "definite" if not self.cues.self_reference(tok) else "self"
        text = normalise_name(doc[i : tok.i + 1].text)
        m = work.new(
            cls=cls,
            start=start,
            end=end,
            text=text,
            kind="name" if named else kind,
            token=tok,
        )
        if named:
            m.canonical = text
        self._inner_names(m, doc, i, tok.i, work)
        taken.append((m.start, m.end))
        return m

    def _inner_names(self, m: Mention, doc: Any, i: int, j: int, work: SentenceWork) -> None:
        """Years and names inside an incident or inquiry name: its date, its place, or what it concerns."""
        base = work.base
        k = i
        while k < j:
            t = doc[k]
            if re.fullmatch(r"(1[89]|20)\d\d", t.text):
                dm = work.new(
                    cls="Date",
                    start=base + t.idx,
                    end=base + t.idx + len(t.text),
                    text=t.text,
                    kind="inner",
                    date=DateValue(int(t.text)),
                )
                m.inner.append(("date", dm.id))
                k += 1
                continue
            if t.text[:1].isupper():
                e = k
                while e < j and (
                    doc[e].text[:1].isupper() or doc[e].text == "-" or doc[e].lower_ in ("on", "upon")
                ):
                    e += 1
                while e > k and not doc[e - 1].text[:1].isupper():
                    e -= 1
                text = doc[k:e].text
                gaz = self.cues.gazetteer(text)
                by_head = self.cues.class_by_head(text)
                # "Northby Front attack", "NFL bombing": an organisation the model names, or letters no place is
                # known by, is who attacked; any other name is where
                group = not gaz and by_head is None and (doc[k].ent_type_ == "ORG" or text.isupper())
                cls = gaz[0] if gaz else by_head or ("Organization" if group else "Place")
                if not gaz and (
                    text.lower() in self.lex.weekdays
                    or text.lower() in self.lex.months
                    or (doc[k].ent_type_ == "NORP" and not text.isupper())
                ):
                    k = max(e, k + 1)  # "Friday attacks", "Chechen bombing": a day, a people, not a place
                    continue
                role = "place" if cls == "Place" else "concerns"
                if group and m.cls == "Incident":
                    role = "perpetrator"
                if cls in ("Place", "Programme", "Agency", "Organization", "PoliticalParty"):
                    im = work.new(
                        cls=cls,
                        start=base + t.idx,
                        end=base + doc[e - 1].idx + len(doc[e - 1].text),
                        text=normalise_name(text),
                        canonical=gaz[1] if gaz else None,
                    )
                    m.inner.append((role, im.id))
                k = max(e, k + 1)
                continue
            k += 1


class Incidents(Triggers):
    """Incidents by their nouns and verbs ('the murder', 'was stabbed'), with the names inside a named one."""

    name = "incidents"

    def __init__(self, cues: Cues) -> None:
        super().__init__(cues, None, excluding=frozenset({"Inquiry"}))


class Inquiries(Triggers):
    """Inquiries by their nouns ('the review', 'the Harwick inquiry'), with the names inside a named one."""

    name = "inquiries"

    def __init__(self, cues: Cues) -> None:
        super().__init__(cues, frozenset({"Inquiry"}))

"""Focus: the entity a pronoun, 'the review', 'the attack' or 'this report' refers to where it stands."""

from __future__ import annotations

from kg.extract.analysis import DocumentAnalysis, Mention
from kg.extract.resolve import add_entity, attach, is_subject
from kg.ontology.lexicon import Lexicon
from kg.text.fold import fold


class Focus:
    """Joins each reference of a document to the entity in focus where it stands."""

    def __init__(self, lex: Lexicon) -> None:
        self.lex = lex

    def resolve(self, an: DocumentAnalysis) -> None:
        """Pronouns, 'the review', 'the attack', 'this report': the entity in focus."""
        ordered = sorted(an.mentions.values(), key=lambda m: m.start)
        for m in ordered:
            if m.kind == "pronoun":
                target = self._focus_person(an, m, ordered)
                if target is not None:
                    m.entity = target
            elif m.kind == "definite":
                target = self._focus(m.cls, m, ordered)
                if target is not None:
                    m.entity = target
            elif m.kind == "self":
                title = (an.doc.title or an.doc.name).strip()
                e = add_entity(an, self.lex, f"{m.cls}:{fold(title)}", m.cls, title)
                attach(an, m, e, None)

    def _focus(self, cls: str, m: Mention, ordered: list[Mention]) -> str | None:
        """What 'the review', 'the attack' refers to: of the inquiries or incidents the text named before it,
        those called by its noun, else the incident a verb of its trigger described ('was stabbed ... the
        stabbing'), else any named before, else the incident the text last described by a verb ('A man was
        stabbed ... the attack'); else the first one named after it."""
        earlier = [x for x in ordered if x.start < m.start and x.cls == cls and x.entity]
        before = [x for x in earlier if x.kind in ("name", "trigger", "definite")]
        verbs = [x for x in earlier if x.kind == "verb" and x.token is not None]
        noun = m.token.lemma_.lower() if m.token is not None else ""
        trig = self.lex.trigger_for(noun) if noun else None
        same_noun = [x for x in before if noun and noun in x.text.lower()]
        same_verb = [
            x
            for x in verbs
            if trig is not None and self.lex.triggers_by_verb.get(x.token.lemma_.lower()) is trig
        ]
        before = same_noun or same_verb[-1:] or before or verbs[-1:]
        if before:
            # the inquiry (or incident) the text has talked about most so far; of equals, the latest
            counts: dict[str, int] = {}
            for x in before:
                counts[x.entity or ""] = counts.get(x.entity or "", 0) + 1
            best = max(counts.values())
            return next(x.entity for x in reversed(before) if counts[x.entity or ""] == best)
        after = [x for x in ordered if x.start > m.start and x.cls == cls and x.entity and x.kind == "name"]
        return after[0].entity if after else None

    def _in_quotation(self, an: DocumentAnalysis, m: Mention) -> bool:
        """Whether a mention stands inside quoted speech on its line, where 'he' is seldom the speaker."""
        text = an.doc.text
        line_start = text.rfind("\n", 0, m.start) + 1
        before = text[line_start : m.start]
        return before.count("\u201c") > before.count("\u201d") or before.count('"') % 2 == 1

    def _focus_person(self, an: DocumentAnalysis, m: Mention, ordered: list[Mention]) -> str | None:
        if self._in_quotation(an, m):
            return None
        window = [
            x
            for x in ordered
            if x.start < m.start
            and x.cls == "Person"
            and x.entity
            and x.kind in ("name", "pronoun")
            and m.sent - x.sent <= 2
            and x.id != m.id
        ]
        if not window:
            return None
        subjects = [x for x in window if is_subject(x)]
        same_sentence = [x for x in window if x.sent == m.sent]
        if same_sentence and m.token is not None and m.token.dep_ in ("poss",):
            return same_sentence[-1].entity
        return (subjects or window)[-1].entity

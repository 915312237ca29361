"""The lexicon's cues as the rule components look them up: sets of words, built once per ontology."""

from __future__ import annotations

import re
from typing import Any

from kg.ontology.lexicon import Lexicon


class Cues:
    """The word sets and look-ups of the lexicon the rule components share (one instance per ontology)."""

    def __init__(self, lex: Lexicon) -> None:
        self.lex = lex
        self.honorifics = sorted(lex.honorifics, key=lambda h: -len(h))
        self.honorific_words = {w for h in lex.honorifics for w in h.split()}
        self.post_nominals = set(lex.post_nominals)
        self.titles = set(lex.titles)
        self.longest_title = max((len(title.split()) for title in lex.titles), default=0)
        self.qualifiers = set(lex.qualifiers)
        self.pronouns = set(lex.pronouns)
        self.agent_nouns = set(lex.agent_nouns)
        self.trigger_lemmas = lex.triggers_by_lemma
        self.trigger_verbs = lex.triggers_by_verb
        self.common_nouns = {n: cls for cls, nouns in lex.common_nouns.items() for n in nouns}
        self.heads = {cls: set(h) for cls, h in lex.name_heads.items()}
        self.place_prepositions = set(lex.place_prepositions)
        self.facility_nouns = frozenset(lex.facility_nouns)
        self.determiners = set(lex.determiners)
        joiners = "|".join(re.escape(w) for w in lex.place_name_joiners)
        self.hyphenated_place = re.compile(
            rf"\b[A-Z][a-z]+(?:-(?:{joiners})-[A-Z][a-z]+)+(?: [A-Z][a-z]+)?\b"
        )
        self.not_in_name = set(lex.not_in_name)
        self.not_names = set(lex.not_names)
        self.classes = set(lex.entity_classes)  # kg.text.names labels its spans with these

    def gazetteer(self, text: str) -> tuple[str, str] | None:
        return self.lex.lookup(text)

    def class_by_head(self, text: str) -> str | None:
        return self.lex.class_by_head(text)

    def definite(self, tok: Any) -> bool:
        """Whether a noun has a definite determiner or a possessive ('the review', 'his murder')."""
        dets = [c for c in tok.children if c.dep_ in ("det", "poss")]
        return any(d.lower_ in self.determiners and d.lower_ not in ("a", "an") for d in dets)

    def self_reference(self, tok: Any) -> bool:
        """Whether a noun and the word before it are the document naming itself ('this report')."""
        phrase = " ".join(t.lower_ for t in tok.doc[max(0, tok.i - 1) : tok.i + 1])
        return phrase in self.lex.self_references

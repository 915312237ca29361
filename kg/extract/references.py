"""References: pronouns, agent nouns ('the attacker') and definite nouns ('the review'), found word by word.

The ``entities`` component joins each to the entity in focus (``kg.extract.focus``).
"""

from __future__ import annotations

from typing import Any

from kg.extract.analysis import Component, SentenceWork


class References(Component):
    """Pronouns, agent nouns and definite references, found word by word."""

    name = "references"

    def token(self, work: SentenceWork, tok: Any) -> bool:
        pos, low = tok.pos_, tok.lower_
        start = work.base + tok.idx
        one_token = {"start": start, "end": start + len(tok.text), "text": tok.text, "token": tok}
        if low in self.cues.pronouns and pos == "PRON":
            work.new(cls="Person", kind="pronoun", **one_token)
        elif pos == "NOUN" and low in self.cues.agent_nouns:
            work.new(cls="Person", kind="agent", **one_token)
        elif pos == "NOUN" and low in self.cues.common_nouns and self.cues.definite(tok):
            cls = self.cues.common_nouns[low]
            if cls in ("Inquiry", "Programme"):
                kind = "self" if self.cues.self_reference(tok) else "definite"
                work.new(cls=cls, kind=kind, **one_token)
        else:
            return False
        return True

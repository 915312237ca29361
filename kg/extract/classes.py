"""Entity classes: one class for a name throughout the document, where the lexicon settled it once."""

from __future__ import annotations

from kg.extract.analysis import Component, DocumentAnalysis


class Classes(Component):
    """One class per name: the lexicon's, where it typed the name once, wherever the model guessed otherwise.

    'Learning Onward, a programme' makes every 'Learning Onward' of the document a programme.
    """

    name = "classes"

    def document(self, an: DocumentAnalysis) -> None:
        """A name the lexicon typed once ('Learning Onward, a programme') has that class wherever the model
        guessed otherwise in the same document."""
        strong = {m.text.lower(): m.cls for m in an.mentions.values() if m.kind == "name" and m.strong}
        for m in an.mentions.values():
            if m.kind == "name" and not m.strong and m.text.lower() in strong:
                m.cls = strong[m.text.lower()]

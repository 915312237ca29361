"""Entity classes learned from annotated text: each entity's class (or no entity) from all its mentions' context.

The rules give a name its first class from the gazetteer, a head word, the words around it or the model's label
(``names``, ``classes``). This component reads every entity the rules typed Person, an organisation or Place,
where no mention's class came from the lexicon, and asks a linear model (``models/entity_class.json``, trained
by ``kg train`` from GUM, re3d and kg-format gold: ``kg.learn.types``) which class its mentions and their context
give it. Where the model is sure enough (thresholds measured on held-out documents, in the model's ``meta``) it
retypes the entity, or drops it as no entity; an entity the statistical NER found is dropped only past a higher
threshold. Without the model file the rules' classes stand.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kg.extract.analysis import Component, DocumentAnalysis, Mention
from kg.extract.cues import Cues
from kg.extract.linear import LinearModel, load_model
from kg.extract.names import Names
from kg.text.annotate import NER_CLASSES
from kg.text.fold import fold

#: The model's file name (``models/entity_class.json``).
MODEL = "entity_class"
#: What the model says of a name that names no entity.
NONE = "none"
#: The classes the component reads and may change (by family): those the statistical NER gives.
READ = ("Person", "Organization", "Place")
#: Thresholds used where the model's meta gives none: so high that nothing changes.
_NEVER = 1.01


def _shape(word: str) -> str:
    """'Okafor' Xx, 'IOPC' X, 'M25' Xd, 'al-' x: the kinds of characters of a word, runs collapsed."""
    out: list[str] = []
    for ch in word:
        k = "X" if ch.isupper() else "x" if ch.islower() else "d" if ch.isdigit() else ch
        if not out or out[-1] != k:
            out.append(k)
    return "".join(out)[:4]


def _tokens(an: DocumentAnalysis, m: Mention) -> Any:
    """The spaCy span of a mention (None where its characters are no tokens)."""
    s = an.sentences[m.sent]
    base = an.blocks[s.block].start
    return s.span.doc.char_span(m.start - base, m.end - base, alignment_mode="expand")


def mention_features(an: DocumentAnalysis, cues: Cues, names: Names, m: Mention) -> set[str]:
    """What one name mention and the words around it say of its class (no word of the name itself but its
    small words and the end of its last word: a model of shapes and contexts, not of names)."""
    f = {f"rule={cues.lex.family(m.cls)}"}
    span = _tokens(an, m)
    words = m.text.split()
    f.add(f"nw={min(len(words), 4)}")
    f.add("shape=" + "_".join(_shape(w) for w in words[:4]))
    if m.text.isupper() and m.text.replace(".", "").isalpha():
        f.add("acronym")
    for w in words[1:-1]:
        if w.islower():
            f.add(f"inner={w}")
    if words:
        f.add(f"suffix={words[-1].lower()[-3:]}")
    head_cls = cues.class_by_head(m.text)
    if head_cls is not None:
        f.add(f"head_class={head_cls}")
    if m.honorific:
        f.add("honorific")
    if span is None:
        return f
    doc = span.doc
    i, j = span.start, span.end
    root = span.root
    f.add(f"ner={root.ent_type_ or '-'}")
    f.add(f"ner_class={NER_CLASSES.get(root.ent_type_, root.ent_type_ or '-')}")
    ctx = names._context_class(doc, i, j)
    if ctx is not None:
        f.add(f"context={ctx}")
    f.add(f"dep={root.dep_}")
    head = root.head
    if head.i != root.i and not (i <= head.i < j):
        if head.pos_ in ("VERB", "AUX"):
            f.add(f"verb={head.lemma_.lower()}")
            f.add(f"verb_dep={root.dep_}_{head.lemma_.lower()}")
        elif head.pos_ == "ADP":
            f.add(f"prep={head.lower_}")
            if head.head.pos_ in ("VERB", "NOUN"):
                f.add(f"prep_head={head.head.lemma_.lower()}_{head.lower_}")
        elif head.pos_ in ("NOUN", "PROPN"):
            f.add(f"noun_head={head.lemma_.lower()}")
            cls = cues.common_nouns.get(head.lower_) or cues.common_nouns.get(head.lemma_.lower())
            if cls is not None:
                f.add(f"noun_head_class={cls}_{root.dep_}")
    if i > 0:
        prev = doc[i - 1]
        if not prev.is_punct:
            f.add(f"prev={prev.lower_}")
        f.add(f"prev_pos={prev.pos_}")
        if prev.text in cues.titles or prev.text in cues.honorific_words:
            f.add("title")
    else:
        f.add("first")
    if j < len(doc):
        nxt = doc[j]
        f.add(f"next={nxt.lemma_.lower()}")
        f.add(f"next_pos={nxt.pos_}")
        if nxt.lower_ in ("'s", "’s"):
            f.add("possessive")
        cls = cues.common_nouns.get(nxt.lower_) or cues.common_nouns.get(nxt.lemma_.lower())
        if cls is not None and nxt.pos_ == "NOUN":
            f.add(f"next_class={cls}")
    return f


def entity_features(an: DocumentAnalysis, cues: Cues, names: Names, key: str) -> list[str]:
    """The features of one entity: its class by the rules, and the union of what its mentions say (names and
    the references that joined it: 'he', 'it', 'they')."""
    e = an.entities[key]
    ms = [m for m in an.mentions.values() if m.entity == key]
    f = {f"entity_rule={cues.lex.family(e.cls)}"}
    named = [m for m in ms if m.kind == "name"]
    f.add(f"mentions={min(len(named), 3)}")
    for m in named:
        f |= mention_features(an, cues, names, m)
    for m in ms:
        if m.kind != "name":
            f.add(f"ref={m.kind}_{m.text.lower()}")
    if len({fold(m.text) for m in named}) > 1:
        f.add("several_forms")
    return sorted(f)


def candidates(an: DocumentAnalysis, cues: Cues) -> Iterable[str]:
    """The entities the model reads: named, of a class the statistical NER gives, none typed by the lexicon."""
    families = {cues.lex.family(c) for c in READ}
    strong: set[str] = set()
    named: set[str] = set()
    for m in an.mentions.values():
        if m.entity is None or m.kind != "name":
            continue
        named.add(m.entity)
        if m.strong:
            strong.add(m.entity)
    for key, e in an.entities.items():
        if key in named and key not in strong and cues.lex.family(e.cls) in families:
            yield key


def found_by_ner(an: DocumentAnalysis, key: str) -> bool:
    """Whether the statistical NER labelled one of the entity's names (a PERSON, an ORG, a GPE ...)."""
    for m in an.mentions.values():
        if m.entity == key and m.kind == "name":
            span = _tokens(an, m)
            if span is not None and span.root.ent_type_ in NER_CLASSES:
                return True
    return False


class Types(Component):
    """Entity classes learned from annotated text: an entity's class, or no entity, from all its mentions.

    'He was referred to the Safeguard Pathway programme' makes 'Safeguard Pathway' a programme, where the model
    guessed a person; never where the lexicon typed a name, and an entity the NER found is dropped only when the
    model is very sure.
    """

    name = "types"

    def __init__(self, cues: Cues, model: LinearModel | None = None) -> None:
        super().__init__(cues)
        self.names = Names(cues)
        self._model = model

    @property
    def model(self) -> LinearModel | None:
        return self._model if self._model is not None else load_model(MODEL)

    def document(self, an: DocumentAnalysis) -> None:
        model = self.model
        if model is None:
            return
        limits = model.meta.get("thresholds", {})
        retype_at = float(limits.get("retype", _NEVER))
        drop_at = float(limits.get("drop", _NEVER))
        drop_ner_at = float(limits.get("drop_ner", _NEVER))
        for key in list(candidates(an, self.cues)):
            if key not in an.entities:
                continue
            e = an.entities[key]
            cls, p = model.best(entity_features(an, self.cues, self.names, key))
            if cls == self.lex.family(e.cls):
                continue
            if cls == NONE:
                if p >= (drop_ner_at if found_by_ner(an, key) else drop_at):
                    drop(an, key)
            elif p >= retype_at:
                retype(an, self.cues, key, cls)


def drop(an: DocumentAnalysis, key: str) -> None:
    """No entity: its mentions name nothing."""
    del an.entities[key]
    for m in an.mentions.values():
        if m.entity == key:
            m.entity = None


def retype(an: DocumentAnalysis, cues: Cues, key: str, family: str) -> None:
    """The entity becomes one of `family` (an organisation's kind by its head word where that is one), keyed
    anew; joined to the entity of that key where there is one already."""
    lex = cues.lex
    e = an.entities.pop(key)
    by_head = cues.class_by_head(e.label)
    cls = by_head if by_head is not None and lex.family(by_head) == family else family
    new_key = f"{family}:{fold(e.label)}"
    target = an.entities.get(new_key)
    if target is None:
        e.key, e.cls = new_key, cls
        an.entities[new_key] = e
        target = e
    else:
        target.mentions += e.mentions
        target.alt_labels |= {e.label, *e.alt_labels} - {target.label}
    for m in an.mentions.values():
        if m.entity == key:
            m.entity = new_key
            if m.kind == "name":
                m.cls = target.cls

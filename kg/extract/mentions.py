"""The typed mentions of one document, with their offsets, found in spaCy's parse.

From the parse and the entities of the names component (``kg.text.names``) this finds names, posts, dates,
incident and inquiry triggers, pronouns and definite references, each with its class and character offsets, and
the relations the layout states (speaker headers); ``evidence`` gives the sentence a relation was read from.
``kg.extract.resolve`` makes entities of the mentions, ``kg.extract.relate`` reads the relations between them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from kg.model import DateValue, Document, Evidence
from kg.ontology.lexicon import Lexicon, load_lexicon, normalise_name
from kg.ontology.vocab import ontology_state
from kg.text.annotate import NER_CLASSES, Block, blocks, load_nlp, model_name
from kg.text.dates import document_date, find_dates

#: The parts of speech a pronoun, an agent noun, a trigger or a reference can be: other tokens are skipped.
_WORD_CLASSES = frozenset({"PRON", "NOUN", "PROPN", "VERB"})
#: What ends a sentence, and so tells a line of text from a headline, a caption or a row of buttons.
_SENTENCE_ENDS = (".", "!", "?", '"', "”", "'", "’", ":", ";", ")")


@dataclass
class Sentence:
    index: int
    start: int  # offsets in the document text
    end: int
    span: Any  # the spaCy Span
    block: int
    tokens: list[Any]  # the span's tokens, made once (iterating a span makes every token anew)
    ents: list[Any]  # the span's entities (Span.ents makes every entity of the whole block anew)


@dataclass
class Mention:
    """A typed span of the document. `kind` says how it names its entity:

    name: a proper name; trigger: a common noun or verb for an incident/inquiry ("the murder", "stabbed");
    pronoun / definite / agent: a reference to an entity named elsewhere; self: the document naming itself;
    date: a date expression (`date` holds its value).
    """

    id: int
    cls: str
    start: int
    end: int
    text: str
    sent: int
    kind: str = "name"
    canonical: str | None = None  # the canonical name where the lexicon or the shape of the text gives it
    date: DateValue | None = None
    token: Any = None  # the head token, for triggers
    inner: list[tuple[str, int]] = field(default_factory=list)  # (role, mention id) of mentions inside it
    entity: str | None = None  # resolved entity key
    role_hint: str | None = None  # for agent nouns: whose perpetrator ("victim:<mention id>")
    honorific: str | None = None
    acronym: str | None = None
    # a short form standing for the mention with this id ("EDA" for "Edward Ashdown")
    alias_of: int | None = None
    strong: bool = False  # the class comes from the lexicon (gazetteer, head word, apposition), not the model


@dataclass
class Found:
    """A relation read from text, between mentions (before they are resolved to entities)."""

    subject: int
    prop: str
    object: int
    sent: int


@dataclass
class DocumentAnalysis:
    doc: Document
    sentences: list[Sentence]
    mentions: dict[int, Mention]
    header_sentences: list[tuple[int, int]]  # (first sentence index, last) of the title block
    found: list[Found] = field(default_factory=list)  # relations the layout states (speaker headers)


def _within(ents: list[Any], start: int, end: int) -> list[Any]:
    """The entities of a block in its tokens start..end, as spaCy's ``Span.ents`` gives them: from the first
    that starts there, up to one that runs past the end."""
    out = []
    for ent in ents:
        if ent.start >= start:
            if ent.end > end:
                break
            out.append(ent)
    return out


class Extractor:
    """Finds mentions in one document. One instance per model; documents are independent."""

    def __init__(self, lex: Lexicon, nlp: Any) -> None:
        self.lex = lex
        self.nlp = nlp
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
        self.parties = {g.label: g for g in lex.gazetteer if g.cls == "PoliticalParty"}
        self.heads = {cls: set(h) for cls, h in lex.name_heads.items()}
        self.place_prepositions = set(lex.place_prepositions)
        self.determiners = set(lex.determiners)
        joiners = "|".join(re.escape(w) for w in lex.place_name_joiners)
        self.hyphenated_place = re.compile(
            rf"\b[A-Z][a-z]+(?:-(?:{joiners})-[A-Z][a-z]+)+(?: [A-Z][a-z]+)?\b"
        )
        self.not_in_name = set(lex.not_in_name)
        self.not_names = set(lex.not_names)
        self.classes = set(lex.entity_classes)  # kg.text.names labels its spans with these
        self._parsed: dict[str, list[Any]] = {}  # a text -> its blocks as spaCy read them (reading_ahead)

    def gazetteer(self, text: str) -> tuple[str, str] | None:
        return self.lex.lookup(text)

    def class_by_head(self, text: str) -> str | None:
        return self.lex.class_by_head(text)

    # ------------------------------------------------------------------ analysis
    @contextmanager
    def reading_ahead(self, texts: Sequence[str]) -> Iterator[None]:
        """While open, `analyse` takes the blocks of these texts as spaCy read them in one batch: spaCy reads many
        short blocks at once faster than a few at a time (about a tenth). If spaCy cannot read the batch, each
        text is read when it is analysed, so that an error is its own document's. Forgotten on closing."""
        try:
            split = [[b.text for b in blocks(text)] for text in texts]
            parsed = iter(self.nlp.pipe([b for bs in split for b in bs]))
            self._parsed = {text: [next(parsed) for _ in bs] for text, bs in zip(texts, split, strict=True)}
        except Exception:  # raised again by the document that caused it, when it is read alone
            self._parsed = {}
        try:
            yield
        finally:
            self._parsed = {}

    def analyse(self, doc: Document) -> DocumentAnalysis:
        text = doc.text
        sentences: list[Sentence] = []
        mentions: dict[int, Mention] = {}
        blist = list(blocks(text))
        anchor = doc.date or document_date(text, lex=self.lex)
        parsed = self._parsed.pop(text, None) or self.nlp.pipe(b.text for b in blist)
        for bi, (block, sdoc) in enumerate(zip(blist, parsed, strict=True)):
            ents = list(sdoc.ents)
            for sent in sdoc.sents:
                s = Sentence(
                    len(sentences),
                    block.start + sent.start_char,
                    block.start + sent.end_char,
                    sent,
                    bi,
                    list(sent),
                    _within(ents, sent.start, sent.end),
                )
                sentences.append(s)
                self._mentions_in(s, block, mentions, anchor, doc)
        header = self._header(sentences, text)
        if blist:
            self._topic_title(blist[0], mentions)
        found = self._speaker_headers(text, blist, sentences, mentions)
        self._acronyms(text, sentences, mentions)
        self._repeated_names(text, sentences, mentions)
        self._propagate_classes(mentions)
        return DocumentAnalysis(doc, sentences, mentions, header, found)

    def _topic_title(self, title: Block, mentions: dict[int, Mention]) -> None:
        """'Northby: Learning Review': a title of the form 'topic: inquiry' names the inquiry with its topic, and
        the inquiry concerns what the topic names."""
        if ": " not in title.text:
            return
        end = title.start + len(title.text)
        inquiry = next(
            (m for m in mentions.values() if m.cls == "Inquiry" and m.kind == "name" and m.end == end), None
        )
        colon = title.start + title.text.index(": ")
        if inquiry is None or inquiry.start != colon + 2:
            return
        inquiry.start = title.start
        inquiry.text = inquiry.canonical = normalise_name(title.text)
        for m in mentions.values():
            if m.start >= title.start and m.end <= colon and m.kind == "name":
                inquiry.inner.append(("concerns", m.id))

    def _speaker_headers(
        self, text: str, blist: list[Block], sentences: list[Sentence], mentions: dict[int, Mention]
    ) -> list[Found]:
        """'Tom Ashdown (Corby North) (Con)': a speaker header names a person, the seat they hold and their
        party. Its parts replace whatever the model made of the line."""
        found: list[Found] = []
        for block in blist:
            for header in self.lex.speaker_headers:
                mt = re.match(header.pattern, block.text)
                if mt is None:
                    continue
                groups = {
                    g: (block.start + mt.start(g), block.start + mt.end(g))
                    for g in mt.groupdict()
                    if mt.group(g)
                }
                party = self.gazetteer(mt.group("party")) if "party" in groups else None
                if "person" not in groups or (party is not None and party[0] != "PoliticalParty"):
                    continue
                sent = next((s.index for s in sentences if s.start <= block.start < s.end), None)
                if sent is None:
                    continue
                a, b = block.start, block.start + len(block.text)
                for m in [m for m in mentions.values() if a <= m.start and m.end <= b]:
                    del mentions[m.id]
                pa, pb = groups["person"]
                person = self._new(
                    mentions, cls="Person", start=pa, end=pb, text=text[pa:pb], sent=sent, strong=True
                )
                if party is not None:
                    qa, qb = groups["party"]
                    pm = self._new(
                        mentions,
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
                    place = self._new(
                        mentions, cls="Place", start=la, end=lb, text=text[la:lb], sent=sent, strong=True
                    )
                    if header.post_template:
                        post_name = header.post_template.format(place=place.text)
                        post = self._new(
                            mentions,
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

    def _propagate_classes(self, mentions: dict[int, Mention]) -> None:
        """A name the lexicon typed once ('Learning Onward, a programme') has that class wherever the model
        guessed otherwise in the same document."""
        strong = {m.text.lower(): m.cls for m in mentions.values() if m.kind == "name" and m.strong}
        for m in mentions.values():
            if m.kind == "name" and not m.strong and m.text.lower() in strong:
                m.cls = strong[m.text.lower()]

    def _header(self, sentences: list[Sentence], text: str) -> list[tuple[int, int]]:
        """The title block: the run of short lines at the top of the document (Hansard, GOV.UK headers)."""
        run: list[int] = []
        for s in sentences:
            line_start = s.start == 0 or text[s.start - 1] == "\n"
            line_end = s.end >= len(text.rstrip()) or text[s.end : s.end + 1] == "\n"
            if len(s.span) <= 12 and line_start and line_end:
                run.append(s.index)
            else:
                break
        return [(run[0], run[-1])] if len(run) >= 2 else []

    def _new(self, mentions: dict[int, Mention], **kw: Any) -> Mention:
        m = Mention(id=max(mentions, default=-1) + 1, **kw)
        mentions[m.id] = m
        return m

    def _mentions_in(
        self, s: Sentence, block: Block, mentions: dict[int, Mention], anchor: DateValue | None, doc: Document
    ) -> None:
        span = s.span
        base = block.start
        taken: list[tuple[int, int]] = []

        def free(a: int, b: int) -> bool:
            return not any(x < b and a < y for x, y in taken)

        # Dates: our own reader (normalised, relative dates against the document's date).
        sent_text = block.text[span.start_char : span.end_char]  # as span.text, without joining its tokens
        for a, b, value in find_dates(sent_text, anchor, self.lex):
            start = base + span.start_char + a
            self._new(
                mentions,
                cls="Date",
                start=start,
                end=start + (b - a),
                text=sent_text[a:b],
                sent=s.index,
                kind="date",
                date=value,
            )
            taken.append((start, start + b - a))

        heading = len(span) == 1 and s.start == block.start and s.end == block.start + len(block.text)
        # a line that is no sentence: a headline, a caption, a byline, a row of sharing buttons
        unsentenced = not block.text.rstrip().endswith(_SENTENCE_ENDS)
        for ent in s.ents:
            if heading and not self.gazetteer(ent.text):
                continue  # a one-word heading ('Background', 'FOREWORD') is not a name
            if ent.text in self.post_nominals:
                continue
            label = ent.label_
            cls = NER_CLASSES.get(
                label, label if label in self.classes else None
            )  # kg_names labels are classes
            if cls is None or cls == "Date":
                continue
            m = self._entity_mention(ent, cls, s, base, mentions, free)
            if m is not None and not m.strong and self._page_furniture(m, ent, unsentenced, doc.text):
                del mentions[m.id]
                continue
            if m is not None:
                taken.append((m.start, m.end))

        self._titles_before_names(s, base, mentions, taken)
        self._post_by_letters(s, base, mentions, taken)
        self._places_by_shape(s, base, mentions, taken)

        # Triggers, pronouns, definite references and agent nouns: token by token.
        for tok in s.tokens:
            pos = tok.pos_
            if pos not in _WORD_CLASSES:
                continue
            start = base + tok.idx
            end = start + len(tok.text)
            if not free(start, end):
                continue
            low = tok.lower_
            lemma = tok.lemma_.lower()
            one_token = {"start": start, "end": end, "text": tok.text, "sent": s.index, "token": tok}
            if low in self.pronouns and pos == "PRON":
                self._new(mentions, cls="Person", kind="pronoun", **one_token)
            elif pos == "NOUN" and low in self.agent_nouns:
                self._new(mentions, cls="Person", kind="agent", **one_token)
            elif pos in ("NOUN", "PROPN") and (lemma in self.trigger_lemmas or low in self.trigger_lemmas):
                trig = self.trigger_lemmas.get(lemma) or self.trigger_lemmas[low]
                self._trigger_mention(tok, trig.cls, s, base, mentions, taken)
            elif pos == "VERB" and lemma in self.trigger_verbs:
                self._new(mentions, cls=self.trigger_verbs[lemma].cls, kind="verb", **one_token)
            elif pos == "NOUN" and low in self.common_nouns and self._definite(tok):
                cls = self.common_nouns[low]
                if cls in ("Inquiry", "Programme"):
                    kind = "self" if self._self_reference(tok) else "definite"
                    self._new(mentions, cls=cls, kind=kind, **one_token)

    def _titles_before_names(
        self, s: Sentence, base: int, mentions: dict[int, Mention], taken: list[tuple[int, int]]
    ) -> None:
        """'President Varga', 'Commissioner Smith': a post word written just before a person's name is the
        post that person holds."""
        post_heads = self.heads.get("Post", set()) - set(self.lex.complement_heads.get("Post", ()))
        for m in [
            m for m in mentions.values() if m.sent == s.index and m.cls == "Person" and m.kind == "name"
        ]:
            prev = [t for t in s.tokens if base + t.idx + len(t.text) <= m.start]
            if not prev or prev[-1].text not in post_heads:
                continue
            t = prev[-1]
            a, b = base + t.idx, base + t.idx + len(t.text)
            if b + 1 != m.start or any(x < b and a < y for x, y in taken):
                continue
            title = self.gazetteer(t.text)
            self._new(
                mentions,
                cls="Post",
                start=a,
                end=b,
                text=t.text,
                sent=s.index,
                canonical=title[1] if title else t.text,
                strong=True,
            )
            taken.append((a, b))

    def _post_by_letters(
        self, s: Sentence, base: int, mentions: dict[int, Mention], taken: list[tuple[int, int]]
    ) -> None:
        """'fellow Wessex MP', 'Northby East Conservative MP': a post written as capitalised names before a post
        abbreviation of the lexicon (MP). The names are its place and the holder's party; after a person's name
        the letters are post-nominal and say nothing here."""
        abbreviations = {h for h in self.heads.get("Post", set()) if h.isupper()}
        for t in s.tokens:
            if t.text not in abbreviations:
                continue
            at = base + t.idx
            if any(x <= at < y for x, y in taken):
                continue
            k = t.i
            while k > s.span.start:
                p = t.doc[k - 1]
                if not p.text[:1].isupper() or p.text in self.not_in_name or p.ent_type_ == "PERSON":
                    break
                k -= 1
            if k == t.i or (k > 0 and t.doc[k - 1].ent_type_ == "PERSON"):
                continue
            start = base + t.doc[k].idx
            end = at + len(t.text)
            if any(x < end and start < y and not (start <= x and y <= end) for x, y in taken):
                continue
            for m in [
                m for m in mentions.values() if m.sent == s.index and start <= m.start and m.end <= end
            ]:
                del mentions[m.id]
                if (m.start, m.end) in taken:
                    taken.remove((m.start, m.end))
            post = self._new(
                mentions,
                cls="Post",
                start=start,
                end=end,
                text=normalise_name(t.doc[k : t.i + 1].text),
                sent=s.index,
            )
            self._post_parts(post, t.doc[k : t.i + 1], s, base, mentions)
            taken.append((start, end))

    def _places_by_shape(
        self, s: Sentence, base: int, mentions: dict[int, Mention], taken: list[tuple[int, int]]
    ) -> None:
        """Places the statistical model misses: hyphenated town names ('Lowmoor-on-Sea') and proper names after a
        preposition of place ('in Harwick', 'at Mill Space') that nothing else claimed."""
        text = s.span.text
        offset = base + s.span.start_char
        place_heads = self.heads.get("Place", set())
        for m in self.hyphenated_place.finditer(text):
            name = m.group(0)
            if " " in name and name.rsplit(" ", 1)[1] not in place_heads:
                name = name.rsplit(" ", 1)[0]  # "Northby-on-Sea Borough" takes a head word, nothing else
            a, b = offset + m.start(), offset + m.start() + len(name)
            # what kg.text.names or the model made of a piece of the name gives way to the whole
            clash = [x for x in mentions.values() if x.sent == s.index and x.start < b and a < x.end]
            if any(x.start < a or x.end > b for x in clash):
                continue
            for x in clash:
                del mentions[x.id]
                if (x.start, x.end) in taken:
                    taken.remove((x.start, x.end))
            self._new(mentions, cls="Place", start=a, end=b, text=name, sent=s.index)
            taken.append((a, b))
        doc = s.span.doc
        for t in s.tokens:
            if t.lower_ not in self.place_prepositions or t.i + 1 >= s.span.end:
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
            if any(x < b and a < y for x, y in taken) or doc[k].text in self.not_in_name:
                continue
            if self.gazetteer(name) or (self.class_by_head(name) or "Place") != "Place":
                continue
            if name.lower() in self.lex.months or name.lower() in self.lex.weekdays:
                continue  # "in July", with no year to make it a date, is no place either
            if e < s.span.end and doc[e].lemma_.lower() in self.trigger_lemmas:
                continue  # 'in the Harwick inquiry': the name belongs to the noun after it
            self._new(mentions, cls="Place", start=a, end=b, text=normalise_name(name), sent=s.index)
            taken.append((a, b))

    def _definite(self, tok: Any) -> bool:
        dets = [c for c in tok.children if c.dep_ in ("det", "poss")]
        return any(d.lower_ in self.determiners and d.lower_ not in ("a", "an") for d in dets)

    def _self_reference(self, tok: Any) -> bool:
        phrase = " ".join(t.lower_ for t in tok.doc[max(0, tok.i - 1) : tok.i + 1])
        return phrase in self.lex.self_references

    def _entity_mention(
        self, ent: Any, cls: str, s: Sentence, base: int, mentions: dict[int, Mention], free: Any
    ) -> Mention | None:
        doc = ent.doc
        i, j = ent.start, ent.end
        # a bracket ends a name: "Kettering Community Safety Partnership (KCSP", "Ann Ode [12"
        cut = next((k for k in range(i + 1, j) if doc[k].text in ("(", "[")), None)
        if cut is not None:
            j = cut
        # a spaced dash ends a caption's or a dateline's first words: "FILE - Police attend", "CORBY — Police"
        dash = [
            k for k in range(i + 1, j - 1) if doc[k].text in ("-", "–", "—", "--") and doc[k - 1].whitespace_
        ]
        if dash:
            i = dash[-1] + 1
        # trim determiners, possessives and punctuation at the edges
        while i < j and (doc[i].lower_ in self.determiners or doc[i].is_punct):
            i += 1
        while j > i and (doc[j - 1].lower_ in ("'s", "’s", "'", "’") or doc[j - 1].is_punct):
            j -= 1
        if i >= j:
            return None
        # "Drapers' Hall": the model stops at the apostrophe before a name's head word
        while (
            j + 1 < len(doc)
            and doc[j].text in ("'", "’")
            and doc[j + 1].text[:1].isupper()
            and self.class_by_head(doc[i : j + 2].text) is not None
        ):
            j += 2
        text = doc[i:j].text
        if text.endswith(("’s", "'s")):
            text = text[:-2]
            end_char = doc[j - 1].idx + len(doc[j - 1].text) - 2
        else:
            end_char = doc[j - 1].idx + len(doc[j - 1].text)
        start_char = doc[i].idx
        honorific = None
        gaz = self.gazetteer(text)
        inside = self.gazetteer(doc[i + 1 : j].text) if gaz is None and j - i > 1 else None
        if inside is not None and inside[0] != "Place" and doc[i].ent_type_ == "NORP":
            # "British Conservative Party": a people's adjective before a name the gazetteer knows (a place so
            # preceded is another place: "Northern Ireland", "Latin America")
            i += 1
            start_char = doc[i].idx
            text = doc[i:j].text[:-2] if doc[i:j].text.endswith(("’s", "'s")) else doc[i:j].text
            gaz = self.gazetteer(text)
        if gaz is not None:
            cls = gaz[0]
        if cls == "NORP":
            return None
        if gaz is None and j - i == 1 and any(doc[i].text in heads for heads in self.heads.values()):
            return None  # "Police attend ...": a head word alone, the gazetteer knowing no body by it, is no name
        if gaz is None and (text in self.not_names or text in self.titles):
            return None  # "CCTV footage", "Magistrate" alone: the lexicon says these name nothing
        strong = gaz is not None or ent.label_ in self.classes
        if cls == "Organization" and not strong and i > 0 and doc[i - 1].text in self.honorific_words:
            cls, strong = "Person", True  # "Lady Maren"
        apposed = self._context_class(doc, i, j)
        if apposed is not None and gaz is None:
            cls, strong = apposed, True
        if cls == "Person":
            # "Ivo Marek Tennant" where the model saw only "Marek Tennant"
            while (
                i > 0
                and doc[i - 1].pos_ == "PROPN"
                and doc[i - 1].text[:1].isupper()
                and not doc[i - 1].ent_type_
                and doc[i - 1].text not in self.honorific_words
                and doc[i - 1].text not in self.not_in_name
            ):
                i -= 1
                start_char = doc[i].idx
                full = doc[i:j].text
                text = full[:-2] if full.endswith(("’s", "'s")) else full
            # "Councillor Daniel Nelson": a post written before the name is the post, not the name
            post_heads = self.heads.get("Post", set())
            if j - i >= 2 and doc[i].text in post_heads and doc[i].text not in self.honorific_words:
                title = self.gazetteer(doc[i].text)
                self._new(
                    mentions,
                    cls="Post",
                    start=base + doc[i].idx,
                    end=base + doc[i].idx + len(doc[i].text),
                    text=doc[i].text,
                    sent=s.index,
                    canonical=title[1] if title else doc[i].text,
                    strong=True,
                )
                i += 1
                start_char = doc[i].idx
                text = doc[i:j].text[:-2] if doc[i:j].text.endswith(("’s", "'s")) else doc[i:j].text
            # "District Judge Ann Ode", "Gov. Tom Bay": a rank or title the model took into the name is not part
            # of it
            cut = self._title_end(doc, i, j)
            title = doc[i:cut].text if cut > i else None
            if cut > i:
                i = cut
                start_char = doc[i].idx
                text = doc[i:j].text[:-2] if doc[i:j].text.endswith(("’s", "'s")) else doc[i:j].text
            # "Sir Ada", "Mr Justice Heron": take the honorific in, keep it out of the name
            k = i
            while k > 0 and doc[k - 1].text in self.honorific_words:
                k -= 1
            if k < i:
                honorific = doc[k:i].text
                start_char = doc[k].idx
            honorific = honorific or title  # "Imam Ode": known by the title as by an honorific
            # "Sir Ada Quill MP": post-nominal letters are not part of the name
            while j < len(doc) and doc[j].text in self.post_nominals:
                j += 1
            if any(t.text in self.post_nominals for t in doc[i:j]):
                words = [t.text for t in doc[i:j] if t.text not in self.post_nominals]
                text = " ".join(words)
            by_head = self.class_by_head(text)
            if doc[j - 1].lemma_.lower() in self.trigger_lemmas:
                return None  # "Harwick Attack": an incident's name, found as such below
            if by_head is not None and by_head != "Person" and len(text.split()) > 1:
                cls, strong = by_head, True
            elif self._common_word(doc[i:j]):
                return None
        elif cls == "Organization":
            by_head = self.class_by_head(text)
            if by_head is not None:
                cls, strong = by_head, True
        start = base + start_char
        end = base + end_char
        if not free(start, end):
            return None
        m = self._new(
            mentions,
            cls=cls,
            start=start,
            end=end,
            text=normalise_name(text),
            sent=s.index,
            canonical=gaz[1] if gaz else None,
            honorific=honorific,
            token=doc[i:j].root,
            strong=strong,
        )
        if cls == "Person" and text.isupper():
            m.text = text.title()
        if cls == "Post":
            self._post_parts(m, doc[i:j], s, base, mentions)
        return m

    def _page_furniture(self, m: Mention, words: Any, unsentenced: bool, text: str) -> bool:
        """Whether a name the model alone found is page furniture or no name at all:
        - written without a capital ('the supreme court', 'tandem'), or a weekday or a month read as a place or
          an organisation ('Friday');
        - slashes of a photo credit ('Northby Police/Handout/Agency'), a wiki's markup ('==Victims==');
        - a name of three words or more found only in a line that is no sentence (a headline in title case,
          'Share on ...') and written nowhere else in the document; a person's name, only in a headline."""
        if unsentenced and len(m.text.split()) >= 3 and text.count(text[m.start : m.end]) == 1:
            # a caption or a list of the dead names people that way: a person's name goes only in a headline in
            # title case, where even the small words are capitalised ("Gunman Jailed For Life")
            line = words.sent.doc
            title_case = any(tok.text in self.not_in_name for tok in line[1:] if not tok.is_sent_start)
            if m.cls != "Person" or title_case:
                return True
        if m.cls == "Person":
            return False
        if not any(c.isupper() or c.isdigit() for c in m.text) or "/" in m.text or "=" in m.text:
            return True
        return m.text.lower() in self.lex.weekdays or (m.text.lower() in self.lex.months and m.cls == "Place")

    def _title_end(self, doc: Any, i: int, j: int) -> int:
        """Where the ranks and titles that open doc[i:j] end ("Staff Sergeant", "Lt. Col."), the longest first;
        `i` when there are none, or when nothing capitalised would be left of the name."""
        while True:
            n = next(
                (
                    n
                    for n in range(min(self.longest_title, j - i - 1), 0, -1)
                    if " ".join(t.text for t in doc[i : i + n]) in self.titles
                ),
                0,
            )
            if n == 0 or not doc[i + n].text[:1].isupper():
                return i
            i += n

    def _noun_class(self, tok: Any) -> str | None:
        """The class a common noun names things of: 'city' a place, 'preacher' or 'director' a person."""
        if tok.pos_ != "NOUN" or not tok.text.islower():
            return None
        cls = self.common_nouns.get(tok.lower_) or self.common_nouns.get(tok.lemma_.lower())
        if tok.lower_ in self.agent_nouns:
            cls = "Person"
        return "Person" if cls == "Post" else cls

    def _apposition_class(self, doc: Any, j: int) -> str | None:
        """'Learning Onward, a programme run by ...', 'Ann Ode, an opposition leader', 'Ann Ode, wife of ...',
        'Northby, the third-largest city': a name followed by a comma and a noun phrase whose first noun of a
        class's common nouns (before any preposition or verb) gives the name that class (without a determiner,
        the noun must come first); 'Ann Ode, 23,' (an age) makes a person."""
        if j + 1 >= len(doc) or doc[j].text != ",":
            return None
        if doc[j + 1].like_num and j + 2 < len(doc) and doc[j + 2].text == "," and doc[j + 1].text.isdigit():
            return "Person" if int(doc[j + 1].text) < 120 else None
        if doc[j + 1].lower_ not in self.determiners:
            return self._noun_class(doc[j + 1])  # "Ann Ode, wife of ..."
        for t in doc[j + 2 : j + 8]:
            proper = t.pos_ == "PROPN" and t.ent_type_ != "NORP"  # "the largest Czech city" reads on
            if proper or t.pos_ in ("ADP", "VERB", "AUX", "PRON", "CCONJ") or (t.is_punct and t.text != "-"):
                return None
            cls = self._noun_class(t)
            if cls is not None:
                return cls
        return None

    def _context_class(self, doc: Any, i: int, j: int) -> str | None:
        """The class the words around the name doc[i:j] give it: an apposition after it (above) or the noun it
        stands in apposition to ('the head of the clinic, Ann Ode, said'); a noun of a class just before it ('the
        preacher Ann Ode', 'his wife Ann Ode', 'the militant group Northby Front'); 'the city of Northby'; a place
        noun it qualifies ('Northby province', 'Northby district')."""
        apposed = self._apposition_class(doc, j)
        if apposed is not None:
            return apposed
        root = doc[i:j].root
        if root.dep_ == "appos" and root.head.i < i:
            cls = self._noun_class(root.head)
            if cls is not None and cls not in ("Inquiry", "Programme"):
                return cls
        if i > 0 and (doc[i - 1].dep_ in ("compound", "appos", "nmod") or doc[i - 1].head.i in range(i, j)):
            cls = self._noun_class(doc[i - 1])
            if cls is not None and cls not in ("Inquiry", "Programme"):
                return cls
        if i > 1 and doc[i - 1].lower_ == "of" and self._noun_class(doc[i - 2]) == "Place":
            return "Place"
        noun_after = j < len(doc) and doc[j].dep_ != "compound" and root.head.i == j
        if noun_after and self._noun_class(doc[j]) == "Place":
            return "Place"
        return None

    def _common_word(self, toks: Any) -> bool:
        """A one-word 'person' that is an ordinary English word at the start of a line (a heading)."""
        return len(toks) == 1 and toks[0].i == 0 and toks[0].is_sent_start and toks[0].doc[-1].i == toks[0].i

    def _post_parts(
        self, m: Mention, toks: Any, s: Sentence, base: int, mentions: dict[int, Mention]
    ) -> None:
        """Split a post into its canonical name and what it holds: 'Conservative MP for Northby East' is the
        post 'MP for Northby East' held by a member of the Conservative Party, in the place Northby East."""
        words = [t for t in toks if t.lower_ not in self.qualifiers]
        party_toks: list[tuple[Any, str]] = []
        rest: list[Any] = []
        for t in words:
            gz = self.gazetteer(t.text)
            if gz is not None and gz[0] == "PoliticalParty":
                party_toks.append((t, gz[1]))
            else:
                rest.append(t)
        if party_toks:
            pt, party_name = party_toks[0]
            party = self._new(
                mentions,
                cls="PoliticalParty",
                start=base + pt.idx,
                end=base + pt.idx + len(pt.text),
                text=pt.text,
                sent=s.index,
                canonical=party_name,
            )
            m.inner.append(("party", party.id))
        names = " ".join(t.text for t in rest)
        gaz = self.gazetteer(names)
        if gaz is not None and gaz[0] == "Post":
            m.canonical = gaz[1]
            return
        # "Wessex Police Service Assistant Commissioner": the body whose post it is comes first
        for cut in range(len(rest) - 1, 0, -1):
            prefix = " ".join(t.text for t in rest[:cut])
            body = self.gazetteer(prefix)
            body_cls = body[0] if body else self.class_by_head(prefix)
            if body_cls in ("Agency", "Organization") and rest[cut].text[:1].isupper():
                a, b = rest[0].idx, rest[cut - 1].idx + len(rest[cut - 1].text)
                om = self._new(
                    mentions,
                    cls=body_cls,
                    start=base + a,
                    end=base + b,
                    text=normalise_name(prefix),
                    sent=s.index,
                    canonical=body[1] if body else None,
                    strong=True,
                )
                m.inner.append(("org", om.id))
                rest = rest[cut:]
                names = " ".join(t.text for t in rest)
                break
        lowers = [t.lower_ for t in rest]
        if "of" in lowers or "for" in lowers:
            k = lowers.index("for") if "for" in lowers else lowers.index("of")
            inner = [t for t in rest[k + 1 :] if t.lower_ != "the" or t is not rest[k + 1]]
            if inner:
                a = inner[0].idx
                b = inner[-1].idx + len(inner[-1].text)
                inner_text = s.span.doc.text[a:b]
                gaz_inner = self.gazetteer(inner_text)
                head_cls = self.class_by_head(inner_text)
                cls = gaz_inner[0] if gaz_inner else head_cls if head_cls not in (None, "Post") else None
                if cls is None and rest[k - 1].text in self.lex.seat_heads:
                    cls = "Place"
                if cls is not None:
                    im = self._new(
                        mentions,
                        cls=cls,
                        start=base + a,
                        end=base + b,
                        text=normalise_name(inner_text),
                        sent=s.index,
                        canonical=gaz_inner[1] if gaz_inner else None,
                    )
                    m.inner.append(("place" if cls == "Place" else "org", im.id))
            head = self.lex.short_form(" ".join(t.text for t in rest[:k]))
            # as written: "for Lowmoor-on-Sea", not the tokens joined ("for Lowmoor - on - Sea")
            tail = s.span.doc.text[rest[k].idx : rest[-1].idx + len(rest[-1].text)]
            m.canonical = normalise_name(f"{head[:1].upper()}{head[1:]} {tail}")
        elif rest and rest[-1].text in ("MP", "MSP") and len(rest) > 1:
            # "Northby East Conservative MP" → "MP for Northby East"
            place = rest[:-1]
            a = place[0].idx
            b = place[-1].idx + len(place[-1].text)
            pm = self._new(
                mentions,
                cls="Place",
                start=base + a,
                end=base + b,
                text=normalise_name(s.span.doc.text[a:b]),
                sent=s.index,
            )
            m.inner.append(("place", pm.id))
            m.canonical = f"{rest[-1].text} for {pm.text}"
        else:
            m.canonical = normalise_name(names) if names else None

    def _trigger_mention(
        self,
        tok: Any,
        cls: str,
        s: Sentence,
        base: int,
        mentions: dict[int, Mention],
        taken: list[tuple[int, int]],
    ) -> Mention | None:
        """An incident or inquiry noun with the names, years and trigger nouns before it: '2020 Corby murders',
        'Harwick inquiry', 'killing spree', 'the attack'. Names the model found there become parts of it."""
        doc = tok.doc
        i = tok.i
        while i > 0:
            t = doc[i - 1]
            capital = (
                t.text[:1].isupper()
                and t.lower_ not in self.determiners
                and (t.pos_ == "PROPN" or bool(t.ent_type_) or not t.is_sent_start)
            )
            year = bool(re.fullmatch(r"(1[89]|20)\d\d", t.text))
            trigger_word = t.lemma_.lower() in self.trigger_lemmas or t.lower_ in self.trigger_lemmas
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
        inside = [
            m for m in list(mentions.values()) if m.sent == s.index and start <= m.start and m.end <= end
        ]
        for m in inside:
            del mentions[m.id]
            if (m.start, m.end) in taken:
                taken.remove((m.start, m.end))
        named = any(
            doc[k].text[:1].isupper() and not re.fullmatch(r"\d+", doc[k].text) for k in range(i, tok.i)
        )
        kind = "trigger"
        if (
            not named
            and self._definite(tok)
            and not any(c.dep_ == "prep" and c.lower_ in ("of", "on", "into", "by") for c in tok.rights)
        ):
            kind = "definite" if not self._self_reference(tok) else "self"
        text = normalise_name(doc[i : tok.i + 1].text)
        m = self._new(
            mentions,
            cls=cls,
            start=start,
            end=end,
            text=text,
            sent=s.index,
            kind="name" if named else kind,
            token=tok,
        )
        if named:
            m.canonical = text
        self._inner_names(m, doc, i, tok.i, s, base, mentions)
        taken.append((m.start, m.end))
        return m

    def _inner_names(
        self, m: Mention, doc: Any, i: int, j: int, s: Sentence, base: int, mentions: dict[int, Mention]
    ) -> None:
        """Years and names inside an incident or inquiry name: its date, its place, or what it concerns."""
        k = i
        while k < j:
            t = doc[k]
            if re.fullmatch(r"(1[89]|20)\d\d", t.text):
                dm = self._new(
                    mentions,
                    cls="Date",
                    start=base + t.idx,
                    end=base + t.idx + len(t.text),
                    text=t.text,
                    sent=s.index,
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
                gaz = self.gazetteer(text)
                by_head = self.class_by_head(text)
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
                    im = self._new(
                        mentions,
                        cls=cls,
                        start=base + t.idx,
                        end=base + doc[e - 1].idx + len(doc[e - 1].text),
                        text=normalise_name(text),
                        sent=s.index,
                        canonical=gaz[1] if gaz else None,
                    )
                    m.inner.append((role, im.id))
                k = max(e, k + 1)
                continue
            k += 1

    def _name_by_initials(
        self, text: str, end: int, acronym: str, sentences: list[Sentence], mentions: dict[int, Mention]
    ) -> Mention | None:
        """'the Conservative Friends of Israel (CFI)': capitalised words whose initials spell the bracketed
        acronym are a name, even where the model saw none; an organisation unless its head word says more."""
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
            elif (token in self.lex.connectors or token in self.determiners or token == "and") and picked:
                picked.insert(0, w)
            else:
                return None
        if letters != acronym or not picked:
            return None
        a, b = offset + picked[0].start(), end
        if any(m.start < b and a < m.end and not (a <= m.start and m.end <= b) for m in mentions.values()):
            return None
        sent = next((s.index for s in sentences if s.start <= a < s.end), None)
        if sent is None:
            return None
        for m in [m for m in mentions.values() if a <= m.start and m.end <= b]:
            del mentions[m.id]
        name = text[a:b]
        gaz = self.gazetteer(name)
        cls = gaz[0] if gaz else self.class_by_head(name) or "Organization"
        return self._new(
            mentions,
            cls=cls,
            start=a,
            end=b,
            text=normalise_name(name),
            sent=sent,
            canonical=gaz[1] if gaz else None,
            strong=True,
        )

    def _acronyms(self, text: str, sentences: list[Sentence], mentions: dict[int, Mention]) -> None:
        """'Independent Office for Harbour Conduct (IOHC)', 'Edward Ashdown (EDA)': the bracketed short form is another
        name of the entity before it, wherever it recurs in the document."""
        by_end = {m.end: m for m in mentions.values() if m.kind == "name"}
        found: dict[str, Mention] = {}
        for mt in re.finditer(r"\s\(([A-Z][A-Za-z0-9]{1,7})\)", text):
            prev = by_end.get(mt.start())
            if prev is None and mt.group(1).isupper():
                prev = self._name_by_initials(text, mt.start(), mt.group(1), sentences, mentions)
            if prev is not None and mt.group(1).isupper():
                prev.acronym = mt.group(1)
                found[mt.group(1)] = prev
        for acr, target in found.items():
            for mt in re.finditer(rf"\b{re.escape(acr)}\b", text):
                a, b = mt.start(), mt.end()
                covering = [m for m in mentions.values() if m.start <= a and b <= m.end]
                if covering:
                    # a span the model found that is exactly the acronym names the same entity
                    for m in covering:
                        if m.start == a and m.end == b and m.id != target.id:
                            m.cls, m.canonical, m.alias_of = target.cls, None, target.id
                    continue
                sent = next((s.index for s in sentences if s.start <= a < s.end), None)
                if sent is None:
                    continue
                self._new(mentions, cls=target.cls, start=a, end=b, text=acr, sent=sent, alias_of=target.id)

    def _repeated_names(self, text: str, sentences: list[Sentence], mentions: dict[int, Mention]) -> None:
        """A name found once is that name wherever the document writes it again the same way, where the model
        saw nothing ('the Northby Front said ...' with the model finding it in one sentence of three). Only names
        of two words or more, or letters ('NLF'): one word alone may be an ordinary word elsewhere."""
        names: dict[str, Mention] = {}
        for m in sorted(mentions.values(), key=lambda m: (not m.strong, m.start)):
            if m.kind != "name" or m.cls in ("Date", "Post", "Incident", "Inquiry", "NORP"):
                continue
            written = text[m.start : m.end]
            several = " " in written and written[:1].isupper()
            if several or (written.isupper() and len(written) > 1 and written.isalpha()):
                names.setdefault(written, m)
        spans = sorted((m.start, m.end) for m in mentions.values())
        for written, first in names.items():
            if text.count(written) < 2:
                continue  # written once: where the name was found
            for mt in re.finditer(rf"(?<![\w'’-]){re.escape(written)}(?![\w-])", text):
                a, b = mt.start(), mt.end()
                if any(x < b and a < y for x, y in spans):
                    continue
                s = next((s for s in sentences if s.start <= a and b <= s.end), None)
                if s is None:
                    continue
                offset = s.start - s.span.start_char
                span = s.span.doc.char_span(a - offset, b - offset)
                if span is None:
                    continue
                self._new(
                    mentions,
                    cls=first.cls,
                    start=a,
                    end=b,
                    text=first.text,
                    sent=s.index,
                    canonical=first.canonical,
                    token=span.root,
                )
                spans.append((a, b))


def antecedent(tok: Any) -> Any:
    """'Ann Ode, who died in 2013': the subject 'who' of a relative clause stands for the name the clause
    follows; any other token stands for itself."""
    verb = tok.head
    if tok.tag_ in ("WP", "WDT") and tok.dep_ in ("nsubj", "nsubjpass") and verb.dep_ == "relcl":
        return verb.head
    return tok


def extractor(model: str | None = None) -> Extractor:
    """The extractor for a spaCy model and the ontology in force; built once per process for each."""
    return _extractor(model_name(model), ontology_state())


@lru_cache(maxsize=2)
def _extractor(model: str, state: tuple[Path, tuple[tuple[str, int, int], ...]]) -> Extractor:
    return Extractor(load_lexicon(state[0]), load_nlp(model))


def evidence(analysis: DocumentAnalysis, sent: int) -> Evidence:
    s = analysis.sentences[sent]
    return Evidence(analysis.doc.name, s.start, s.end, analysis.doc.text[s.start : s.end])


def sentence_mentions(analysis: DocumentAnalysis, sent: int) -> list[Mention]:
    return sorted((m for m in analysis.mentions.values() if m.sent == sent), key=lambda m: (m.start, -m.end))


def outermost(ms: Iterable[Mention]) -> list[Mention]:
    out: list[Mention] = []
    for m in sorted(ms, key=lambda m: (m.start, -m.end)):
        if out and m.start < out[-1].end:
            continue
        out.append(m)
    return out

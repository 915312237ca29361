"""Names: the spans the model and the ontology's names component found, trimmed to the name and first typed.

The first class comes from the gazetteer, a head word, the words around the name, or the model's label.
"""

from __future__ import annotations

from typing import Any

from kg.extract.analysis import Component, Mention, SentenceWork
from kg.extract.posts import post_parts
from kg.ontology.lexicon import normalise_name
from kg.text.annotate import NER_CLASSES

#: What ends a sentence, and so tells a line of text from a headline, a caption or a row of buttons.
_SENTENCE_ENDS = (".", "!", "?", '"', "”", "'", "’", ":", ";", ")")


class Names(Component):
    """Names the model found in a sentence, trimmed (determiners, titles out) and given a first class."""

    name = "names"

    def sentence(self, work: SentenceWork) -> None:
        s, block = work.s, work.block
        heading = len(s.span) == 1 and s.start == block.start and s.end == block.start + len(block.text)
        # a line that is no sentence: a headline, a caption, a byline, a row of sharing buttons
        unsentenced = not block.text.rstrip().endswith(_SENTENCE_ENDS)
        for ent in s.ents:
            if heading and not self.cues.gazetteer(ent.text):
                continue  # a one-word heading ('Background', 'FOREWORD') is not a name
            if ent.text in self.cues.post_nominals:
                continue
            label = ent.label_
            cls = NER_CLASSES.get(
                label, label if label in self.cues.classes else None
            )  # kg_names labels are classes
            if cls is None or cls == "Date":
                continue
            m = self._entity_mention(ent, cls, work)
            if m is not None and not m.strong and self._page_furniture(m, ent, unsentenced, work.an.doc.text):
                del work.an.mentions[m.id]
                continue
            if m is not None:
                work.taken.append((m.start, m.end))
        self._after_honorifics(work)

    def _after_honorifics(self, work: SentenceWork) -> None:
        """'chaired by Dame Eleanor Voss' where the model found no name: an honorific and the capitalised proper
        nouns after it are a person, unless those words are a post's, a body's or the gazetteer's."""
        toks = work.s.tokens
        for k, tok in enumerate(toks):
            if tok.text not in self.cues.honorific_words or tok.ent_type_ or (k and toks[k - 1].ent_type_):
                continue
            j = k + 1
            while j < len(toks) and toks[j].text in self.cues.honorific_words:
                j += 1
            e = j
            while (
                e < len(toks)
                and e - j < 3
                and toks[e].pos_ == "PROPN"
                and toks[e].text[:1].isupper()
                and not toks[e].ent_type_
                and toks[e].text not in self.cues.not_in_name
                and toks[e].text not in self.cues.honorific_words
            ):
                e += 1
            if e == j:
                continue
            name = " ".join(t.text for t in toks[j:e])
            if (
                self.cues.gazetteer(name)
                or self.cues.class_by_head(name)
                or any(t.text in heads for t in toks[j:e] for heads in self.cues.heads.values())
            ):
                continue  # "Lord Chancellor", "Mr Speaker"
            start, end = work.base + toks[k].idx, work.base + toks[e - 1].idx + len(toks[e - 1].text)
            if not work.free(start, end):
                continue
            work.new(
                cls="Person",
                start=start,
                end=end,
                text=normalise_name(name),
                honorific=" ".join(t.text for t in toks[k:j]),
                token=toks[e - 1],
                strong=True,
            )
            work.taken.append((start, end))

    def _entity_mention(self, ent: Any, cls: str, work: SentenceWork) -> Mention | None:
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
        while i < j and (doc[i].lower_ in self.cues.determiners or doc[i].is_punct):
            i += 1
        while j > i and (doc[j - 1].lower_ in ("'s", "’s", "'", "’") or doc[j - 1].is_punct):
            j -= 1
        if i >= j:
            return None
        # "Drapers' Hall", "Northby Women's Hospital": the model stops at the apostrophe before a name's head word
        while (
            j + 1 < len(doc)
            and doc[j].text in ("'", "’", "'s", "’s")
            and doc[j + 1].text[:1].isupper()
            and self.cues.class_by_head(doc[i : j + 2].text) not in (None, "Post")
            and not (
                doc[j].text in ("'s", "’s") and (ent.label_ == "GPE" or self.cues.gazetteer(doc[i:j].text))
            )
        ):  # not a place's or a body's own: "Northby's Health Ministry", "Venezuela's President"
            j += 2
        facility = cls != "Person" and self._facility_end(doc, i, j)
        if facility:
            j = facility
        text = doc[i:j].text
        if text.endswith(("’s", "'s")):
            text = text[:-2]
            end_char = doc[j - 1].idx + len(doc[j - 1].text) - 2
        else:
            end_char = doc[j - 1].idx + len(doc[j - 1].text)
        start_char = doc[i].idx
        honorific = None
        gaz = self.cues.gazetteer(text)
        inside = self.cues.gazetteer(doc[i + 1 : j].text) if gaz is None and j - i > 1 else None
        if inside is not None and inside[0] != "Place" and doc[i].ent_type_ == "NORP":
            # "British Conservative Party": a people's adjective before a name the gazetteer knows (a place so
            # preceded is another place: "Northern Ireland", "Latin America")
            i += 1
            start_char = doc[i].idx
            text = doc[i:j].text[:-2] if doc[i:j].text.endswith(("’s", "'s")) else doc[i:j].text
            gaz = self.cues.gazetteer(text)
        if gaz is not None:
            cls = gaz[0]
        if cls == "NORP":
            return None
        if gaz is None and j - i == 1 and any(doc[i].text in heads for heads in self.cues.heads.values()):
            return None  # "Police attend ...": a head word alone, the gazetteer knowing no body by it, is no name
        if gaz is None and (text in self.cues.not_names or text in self.cues.titles):
            return None  # "CCTV footage", "Magistrate" alone: the lexicon says these name nothing
        strong = gaz is not None or ent.label_ in self.cues.classes
        if cls == "Organization" and not strong and i > 0 and doc[i - 1].text in self.cues.honorific_words:
            cls, strong = "Person", True  # "Lady Maren"
        apposed = self._context_class(doc, i, j)
        after_in = i > 0 and doc[i - 1].lower_ in self.cues.place_prepositions
        if apposed == "Person" and cls == "Place" and after_in:
            apposed = None  # "born in Harwick, the daughter of ...": the apposition is the subject's
        if apposed is not None and gaz is None:
            cls, strong = apposed, True
        if facility:
            cls, strong = "Place", True
        if cls == "Person":
            # "Ivo Marek Tennant" where the model saw only "Marek Tennant"
            while (
                i > 0
                and doc[i - 1].pos_ == "PROPN"
                and doc[i - 1].text[:1].isupper()
                and not doc[i - 1].ent_type_
                and doc[i - 1].text not in self.cues.honorific_words
                and doc[i - 1].text not in self.cues.not_in_name
            ):
                i -= 1
                start_char = doc[i].idx
                full = doc[i:j].text
                text = full[:-2] if full.endswith(("’s", "'s")) else full
            # "Councillor Daniel Nelson": a post written before the name is the post, not the name
            post_heads = self.cues.heads.get("Post", set())
            if j - i >= 2 and doc[i].text in post_heads and doc[i].text not in self.cues.honorific_words:
                title = self.cues.gazetteer(doc[i].text)
                work.new(
                    cls="Post",
                    start=work.base + doc[i].idx,
                    end=work.base + doc[i].idx + len(doc[i].text),
                    text=doc[i].text,
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
            while k > 0 and doc[k - 1].text in self.cues.honorific_words:
                k -= 1
            if k < i:
                honorific = doc[k:i].text
                start_char = doc[k].idx
            honorific = honorific or title  # "Imam Ode": known by the title as by an honorific
            # "Sir Ada Quill MP": post-nominal letters are not part of the name
            while j < len(doc) and doc[j].text in self.cues.post_nominals:
                j += 1
            if any(t.text in self.cues.post_nominals for t in doc[i:j]):
                words = [t.text for t in doc[i:j] if t.text not in self.cues.post_nominals]
                text = " ".join(words)
            by_head = self.cues.class_by_head(text)
            if doc[j - 1].lemma_.lower() in self.cues.trigger_lemmas:
                return None  # "Harwick Attack": an incident's name, found as such below
            if by_head is not None and by_head != "Person" and len(text.split()) > 1:
                cls, strong = by_head, True
            elif self._common_word(doc[i:j]):
                return None
        elif cls == "Organization":
            by_head = self.cues.class_by_head(text)
            if by_head is not None:
                cls, strong = by_head, True
        start = work.base + start_char
        end = work.base + end_char
        if not work.free(start, end):
            return None
        m = work.new(
            cls=cls,
            start=start,
            end=end,
            text=normalise_name(text),
            canonical=gaz[1] if gaz else None,
            honorific=honorific,
            token=doc[i:j].root,
            strong=strong,
        )
        if cls == "Person" and text.isupper():
            m.text = text.title()
        if cls == "Post":
            post_parts(self.cues, work, m, doc[i:j])
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
            title_case = any(tok.text in self.cues.not_in_name for tok in line[1:] if not tok.is_sent_start)
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
                    for n in range(min(self.cues.longest_title, j - i - 1), 0, -1)
                    if " ".join(t.text for t in doc[i : i + n]) in self.cues.titles
                ),
                0,
            )
            if n == 0 or not doc[i + n].text[:1].isupper():
                return i
            i += n

    def _facility_end(self, doc: Any, i: int, j: int) -> int:
        """Where a place named by the name doc[i:j] and a facility noun it qualifies ends ('Kidbrooke railway
        station', 'the Priestley memorial': the noun, at most two words on, heads the name and the words
        between), or 0."""
        for k in range(j, min(j + 2, len(doc))):
            tok = doc[k]
            if tok.pos_ != "NOUN" or not tok.text.islower():
                return 0
            if tok.lower_ in self.cues.facility_nouns:
                heads = {t.head.i for t in doc[j:k]} | {doc[i:j].root.head.i}
                return k + 1 if heads == {k} and tok.tag_ == "NN" else 0
        return 0

    def _noun_class(self, tok: Any) -> str | None:
        """The class a common noun names things of: 'city' a place, 'preacher' or 'director' a person."""
        if tok.pos_ != "NOUN" or not tok.text.islower():
            return None
        cls = self.cues.common_nouns.get(tok.lower_) or self.cues.common_nouns.get(tok.lemma_.lower())
        if tok.lower_ in self.cues.agent_nouns:
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
        if doc[j + 1].lower_ not in self.cues.determiners:
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
        or programme noun it qualifies ('Northby province', 'the Safeguard Pathway programme')."""
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
        if noun_after and self._noun_class(doc[j]) in ("Place", "Programme"):
            return self._noun_class(doc[j])  # "Northby district", "the Safeguard Pathway programme"
        return None

    def _common_word(self, toks: Any) -> bool:
        """A one-word 'person' that is an ordinary English word at the start of a line (a heading)."""
        return len(toks) == 1 and toks[0].i == 0 and toks[0].is_sent_start and toks[0].doc[-1].i == toks[0].i

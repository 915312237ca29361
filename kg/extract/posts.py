"""Posts: 'the Home Secretary', 'MP for Northby East', 'Councillor' before a name, each split into what it holds.

A post's canonical name, and the place, the body and the holder's party it names, are mentions of their own.
"""

from __future__ import annotations

from typing import Any

from kg.extract.analysis import Component, Mention, SentenceWork
from kg.extract.cues import Cues
from kg.ontology.lexicon import normalise_name


class Posts(Component):
    """Posts written before a name ('President Varga') or as names before letters ('Northby East MP')."""

    name = "posts"

    def sentence(self, work: SentenceWork) -> None:
        self.titles_before_names(work)
        self.post_by_letters(work)

    def titles_before_names(self, work: SentenceWork) -> None:
        """'President Varga', 'Commissioner Smith': a post word written just before a person's name is the
        post that person holds."""
        s, base, taken = work.s, work.base, work.taken
        post_heads = self.cues.heads.get("Post", set()) - set(self.cues.lex.complement_heads.get("Post", ()))
        for m in [m for m in work.mentions() if m.cls == "Person" and m.kind == "name"]:
            prev = [t for t in s.tokens if base + t.idx + len(t.text) <= m.start]
            if not prev or prev[-1].text not in post_heads:
                continue
            t = prev[-1]
            a, b = base + t.idx, base + t.idx + len(t.text)
            if b + 1 != m.start or any(x < b and a < y for x, y in taken):
                continue
            title = self.cues.gazetteer(t.text)
            work.new(
                cls="Post",
                start=a,
                end=b,
                text=t.text,
                canonical=title[1] if title else t.text,
                strong=True,
            )
            taken.append((a, b))

    def post_by_letters(self, work: SentenceWork) -> None:
        """'fellow Wessex MP', 'Northby East Conservative MP': a post written as capitalised names before a post
        abbreviation of the lexicon (MP). The names are its place and the holder's party; after a person's name
        the letters are post-nominal and say nothing here."""
        s, base, taken = work.s, work.base, work.taken
        abbreviations = {h for h in self.cues.heads.get("Post", set()) if h.isupper()}
        for t in s.tokens:
            if t.text not in abbreviations:
                continue
            at = base + t.idx
            if any(x <= at < y for x, y in taken):
                continue
            k = t.i
            while k > s.span.start:
                p = t.doc[k - 1]
                if not p.text[:1].isupper() or p.text in self.cues.not_in_name or p.ent_type_ == "PERSON":
                    break
                k -= 1
            if k == t.i or (k > 0 and t.doc[k - 1].ent_type_ == "PERSON"):
                continue
            start = base + t.doc[k].idx
            end = at + len(t.text)
            if any(x < end and start < y and not (start <= x and y <= end) for x, y in taken):
                continue
            for m in [m for m in work.mentions() if start <= m.start and m.end <= end]:
                work.drop(m)
            post = work.new(
                cls="Post",
                start=start,
                end=end,
                text=normalise_name(t.doc[k : t.i + 1].text),
            )
            post_parts(self.cues, work, post, t.doc[k : t.i + 1])
            taken.append((start, end))


def post_parts(cues: Cues, work: SentenceWork, m: Mention, toks: Any) -> None:
    """Split a post into its canonical name and what it holds: 'Conservative MP for Northby East' is the
    post 'MP for Northby East' held by a member of the Conservative Party, in the place Northby East."""
    s, base = work.s, work.base
    words = [t for t in toks if t.lower_ not in cues.qualifiers]
    party_toks: list[tuple[Any, str]] = []
    rest: list[Any] = []
    for t in words:
        gz = cues.gazetteer(t.text)
        if gz is not None and gz[0] == "PoliticalParty":
            party_toks.append((t, gz[1]))
        else:
            rest.append(t)
    if party_toks:
        pt, party_name = party_toks[0]
        party = work.new(
            cls="PoliticalParty",
            start=base + pt.idx,
            end=base + pt.idx + len(pt.text),
            text=pt.text,
            canonical=party_name,
        )
        m.inner.append(("party", party.id))
    names = " ".join(t.text for t in rest)
    gaz = cues.gazetteer(names)
    if gaz is not None and gaz[0] == "Post":
        m.canonical = gaz[1]
        return
    # "Wessex Police Service Assistant Commissioner": the body whose post it is comes first
    for cut in range(len(rest) - 1, 0, -1):
        prefix = " ".join(t.text for t in rest[:cut])
        body = cues.gazetteer(prefix)
        body_cls = body[0] if body else cues.class_by_head(prefix)
        if body_cls in ("Agency", "Organization") and rest[cut].text[:1].isupper():
            a, b = rest[0].idx, rest[cut - 1].idx + len(rest[cut - 1].text)
            om = work.new(
                cls=body_cls,
                start=base + a,
                end=base + b,
                text=normalise_name(prefix),
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
        first = min(i for i, w in enumerate(lowers) if w in ("of", "for"))
        # "Director of the Office for Public Protection": the body after the first connector, where its head
        # word makes it one (not "Member of Parliament for X", a post before its place)
        post = cues.gazetteer(" ".join(t.text for t in rest[:k]))
        of_body = first < k and (post is None or post[0] != "Post")
        opening = first if of_body and cues.class_by_head(" ".join(t.text for t in rest[first + 1 :])) else k
        inner = [t for t in rest[opening + 1 :] if t.lower_ != "the" or t is not rest[opening + 1]]
        if inner:
            a = inner[0].idx
            b = inner[-1].idx + len(inner[-1].text)
            inner_text = s.span.doc.text[a:b]
            gaz_inner = cues.gazetteer(inner_text)
            head_cls = cues.class_by_head(inner_text)
            cls = gaz_inner[0] if gaz_inner else head_cls if head_cls not in (None, "Post") else None
            if cls is None and rest[k - 1].text in cues.lex.seat_heads:
                cls = "Place"
            if cls is not None:
                im = work.new(
                    cls=cls,
                    start=base + a,
                    end=base + b,
                    text=normalise_name(inner_text),
                    canonical=gaz_inner[1] if gaz_inner else None,
                )
                m.inner.append(("place" if cls == "Place" else "org", im.id))
        head = cues.lex.short_form(" ".join(t.text for t in rest[:k]))
        # as written: "for Lowmoor-on-Sea", not the tokens joined ("for Lowmoor - on - Sea")
        tail = s.span.doc.text[rest[k].idx : rest[-1].idx + len(rest[-1].text)]
        m.canonical = normalise_name(f"{head[:1].upper()}{head[1:]} {tail}")
    elif rest and rest[-1].text in ("MP", "MSP") and len(rest) > 1:
        # "Northby East Conservative MP" → "MP for Northby East"
        place = rest[:-1]
        a = place[0].idx
        b = place[-1].idx + len(place[-1].text)
        pm = work.new(
            cls="Place",
            start=base + a,
            end=base + b,
            text=normalise_name(s.span.doc.text[a:b]),
        )
        m.inner.append(("place", pm.id))
        m.canonical = f"{rest[-1].text} for {pm.text}"
    else:
        m.canonical = normalise_name(names) if names else None

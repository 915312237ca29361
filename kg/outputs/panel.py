"""What the viewer's side panel, document view, search list and time list read: the page's data about each entity.

``panel_data`` gives, as JSON-ready lists, each entity's names, class, documents and dates, every fact (edge)
with its quotes, the documents' texts, and the dated entities in time order. Each document's text goes in once,
however many quotes it holds. Each quote comes with where it is in that text, as offsets in UTF-16 code units
(what JavaScript's strings count): its ``kg:start``/``kg:end`` when the graph gives them and they hold the quote,
else the quote's first occurrence in the text.

When the texts of the documents drawn are longer than ``TEXT_LIMIT`` characters in all (a very large graph), the
page keeps only ``WINDOW`` characters either side of each quote (overlapping windows of one document merged); a
document whose text the graph does not keep (a graph file without ``kg:text``) is shown as its quotes alone.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from kg.outputs.network import Document, Edge, Node, Quote

#: Past this many characters of text in all, the page keeps windows around the quotes instead of whole texts.
TEXT_LIMIT = 2_000_000
#: Characters kept either side of a quote when the page keeps windows.
WINDOW = 300

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def panel_data(
    nodes: dict[str, Node], edges: list[Edge], ids: dict[str, str], labels: dict[str, str]
) -> dict[str, Any]:
    """The panel's data: `ids` are the page's node ids by IRI, the edges' ids are ``e0``, ``e1``... in the order
    of `edges` (as ``viz.render`` gives them), `labels` the properties' labels.

    - ``docs``: the documents' titles; ``texts``: [document, first character in it, text, whole (1) or a window (0)]
    - ``ents``: by node id, [label, class, other names, documents, dates]
    - ``facts``: [edge id, from, to, property label, [[document, quote, text, start, end]...]], text -1 when the
      page has no text of the quote's document, start and end -1 when the quote is not found in it
    - ``time``: [date, node id] of every dated entity, in time order (a date another of the entity's dates
      makes more precise, 2021 beside 2021-10-15, left out)
    """
    docs: dict[str, Document] = {}
    for iri in sorted(nodes):
        for d in nodes[iri].sources:
            docs.setdefault(d.iri, d)
    for e in edges:
        for q in e.quotes:
            docs.setdefault(q.document.iri, q.document)
    order = sorted(docs, key=lambda i: (docs[i].title, i))
    index = {iri: k for k, iri in enumerate(order)}
    spans: dict[str, dict[Quote, tuple[int, int]]] = defaultdict(dict)
    for e in edges:
        for q in e.quotes:
            at = _locate(q)
            if at is not None:
                spans[q.document.iri][q] = at
    whole = sum(len(docs[i].text or "") for i in order) <= TEXT_LIMIT
    texts: list[list[Any]] = []
    place: dict[Quote, tuple[int, int, int]] = {}
    own: dict[str, int] = {}  # whole texts: the text of each document
    for iri in order:
        text = docs[iri].text
        if not text:
            continue
        units = _utf16(text)
        windows = [(0, len(text))] if whole else _windows(sorted(set(spans[iri].values())), len(text))
        for lo, hi in windows:
            own[iri] = len(texts)
            texts.append([index[iri], units(lo), text[lo:hi], int(whole)])
            for q, (a, b) in spans[iri].items():
                if lo <= a and b <= hi:
                    place[q] = (len(texts) - 1, units(a) - units(lo), units(b) - units(lo))
    facts = []
    for i, e in enumerate(edges):
        quotes = []
        for q in sorted(e.quotes, key=lambda q: (q.document.title, q.document.iri, q.start or 0, q.quote)):
            # a quote not found in a whole text still opens that text
            k, a, b = place.get(q, (own.get(q.document.iri, -1) if whole else -1, -1, -1))
            quotes.append([index[q.document.iri], q.quote, k, a, b])
        facts.append([f"e{i}", ids[e.source], ids[e.target], labels.get(e.prop, e.prop), quotes])
    ents = {
        ids[iri]: [
            n.label,
            n.cls,
            sorted(n.aliases - {n.label}),
            sorted(index[d.iri] for d in n.sources),
            sorted(n.dates),
        ]
        for iri, n in sorted(nodes.items())
    }
    time = sorted(
        ((d, ids[iri]) for iri, n in nodes.items() for d in _most_precise(n.dates)),
        key=lambda t: (t[0], ents[t[1]][0]),
    )
    return {
        "docs": [docs[i].title for i in order],
        "texts": texts,
        "ents": ents,
        "facts": facts,
        "time": [list(t) for t in time],
        "window": WINDOW,
    }


def _most_precise(dates: set[str]) -> list[str]:
    """The dates no other date of the set makes more precise (2021-10 and 2021 give way to 2021-10-15)."""
    return [d for d in dates if not any(o != d and o.startswith(d + "-") for o in dates)]


def _locate(q: Quote) -> tuple[int, int] | None:
    """Where the quote is in its document's text, in characters: its offsets if they hold it, else its first
    occurrence."""
    text = q.document.text
    if not text or not q.quote:
        return None
    if q.start is not None and q.end is not None and text[q.start : q.end] == q.quote and q.start >= 0:
        return q.start, q.end
    at = text.find(q.quote)
    return (at, at + len(q.quote)) if at >= 0 else None


def _windows(spans: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """`WINDOW` characters either side of each span, overlapping windows merged."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        lo, hi = max(0, a - WINDOW), min(length, b + WINDOW)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _utf16(text: str) -> Callable[[int], int]:
    """The offset in UTF-16 code units of each character of `text`: a character past the Basic Multilingual
    Plane takes two."""
    astral = [m.start() for m in _ASTRAL.finditer(text)]
    return lambda i: i + bisect.bisect_left(astral, i)

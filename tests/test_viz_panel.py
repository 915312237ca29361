"""The viewer's panel, search, class filter and time list, in a real browser: pages written by real `kg viz`
processes from the seed graph, the development set's graph and hostile graphs, opened in headless Chromium at
1400x900 (tests/test_viz.py's `Viewer` and fixtures), clicked and typed into as a person would, and what the page
shows compared with the graph as pyoxigraph and networkx read it from the store, independently of kg/outputs/."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox
import pytest
import test_viz
from helpers import ROOT, kg, ok
from test_viz import (
    HOSTILE_IMG,
    HOSTILE_SCRIPT,
    HOSTILE_TEXT,
    HREF_BEACON,
    HREF_IMG,
    HREF_LINK,
    HREF_SVG,
    ID,
    KG,
    Facts,
    Viewer,
    assert_offline,
    property_labels,
    read_facts,
    select,
    viz,
)

# test_viz's Chromium (one per module) and its pages, each watched for requests, errors and dialogs
browser = test_viz.browser
open_viewer = test_viz.open_viewer

# ---------------------------------------------------------------------------------------------------------------
# the graphs, read independently: entities and relations (test_viz.Facts), documents' texts and where quotes are


@dataclass
class Graph:
    facts: Facts
    texts: dict[str, str] = field(default_factory=dict)  # document title -> kg:text
    # (subject, property, object) -> [(document title, quote, start, end)], offsets in characters
    spans: dict[tuple[str, str, str], list[tuple[str, str, int, int]]] = field(default_factory=dict)

    def label(self, iri: str) -> str:
        return self.facts.labels[iri]

    def relations_of(self, iri: str) -> set[tuple[str, str, str]]:
        return {r for r in self.facts.relations if iri in (r[0], r[2])}


def read_graph(store: ox.Store) -> Graph:
    graph = Graph(read_facts(store))
    for r in select(store, "SELECT ?t ?x WHERE { ?d a kg:Document ; dcterms:title ?t ; kg:text ?x }"):
        graph.texts[r["t"]] = r["x"]
    rows = select(
        store,
        """SELECT DISTINCT ?s ?p ?o ?t ?q ?a ?b WHERE { ?ev a kg:Evidence ; rdf:subject ?s ; rdf:predicate ?p ;
             rdf:object ?o ; kg:quote ?q ; kg:source/dcterms:title ?t ; kg:start ?a ; kg:end ?b }""",
    )
    for r in rows:
        key = (r["s"], r["p"][len(KG) :], r["o"])
        if key in graph.facts.relations:
            graph.spans.setdefault(key, []).append((r["t"], r["q"], int(r["a"]), int(r["b"])))
    return graph


def store_graph(store_dir: Path) -> Graph:
    return read_graph(ox.Store.read_only(str(store_dir / "oxigraph")))


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Graph]:
    folder = tmp_path_factory.mktemp("seed")
    ok(kg("add", str(ROOT / "seeds"), "--store", "store", "--root", str(ROOT), cwd=folder))
    return viz(folder, folder / "graph.html", "--store", "store"), store_graph(folder / "store")


@pytest.fixture(scope="module")
def development(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Graph]:
    folder = tmp_path_factory.mktemp("development")
    corpus = [str(ROOT / "seeds"), str(ROOT / "tests" / "corpus")]
    ok(kg("add", *corpus, "--store", "store", "--root", str(ROOT), cwd=folder))
    return viz(folder, folder / "graph.html", "--store", "store"), store_graph(folder / "store")


@pytest.fixture(params=["seed", "development"])
def graph(request: pytest.FixtureRequest) -> tuple[Path, Graph]:
    page, g = request.getfixturevalue(request.param)
    assert len(g.facts.labels) > (20 if request.param == "seed" else 100)
    return page, g


# ---------------------------------------------------------------------------------------------------------------
# what the page shows

STATE = """() => {
  const box = (e) => { const b = e.getBoundingClientRect();
                       return {left: b.left, right: b.right, top: b.top, bottom: b.bottom}; };
  const panel = document.getElementById('kg-panel');
  const open = getComputedStyle(panel).display !== 'none';
  return {
    open, panel: box(panel), network: box(document.getElementById('mynetwork')),
    controls: box(document.getElementById('kg-controls')),
    name: open ? document.getElementById('kg-name')?.textContent ?? null : null,
    entityText: open ? document.getElementById('kg-entity').innerText : '',
    selected: network.getSelectedNodes(),
  };
}"""

#: What the canvas shows: the pixel at the centre of each node drawn in the window (but boxes and ellipses, which
#: hold their label, and nodes under another's box), with its colour; the darkest pixel near a point of each edge
#: that no node, no other edge and no other edge's label comes near, with the colour it is drawn in.
PIXELS = """() => {
  const canvas = document.querySelector('#mynetwork canvas'), ctx = canvas.getContext('2d');
  const ratio = canvas.width / canvas.clientWidth, w = canvas.clientWidth, h = canvas.clientHeight;
  const darkest = (p, r) => {
    const d = ctx.getImageData(Math.round(p.x * ratio) - r, Math.round(p.y * ratio) - r, 2 * r + 1, 2 * r + 1).data;
    let best = [255, 255, 255];
    for (let i = 0; i < d.length; i += 4) {  // as seen on the page's white: the canvas is transparent
      const a = d[i + 3] / 255, seen = [0, 1, 2].map(k => Math.round(d[i + k] * a + 255 * (1 - a)));
      if (Math.min(...seen) < Math.min(...best)) best = seen;
    }
    return best;
  };
  const sized = ({left, top, width, height}) => ({left, top, right: left + width, bottom: top + height});
  const boxes = {}, covers = [];  // each node's box, and the boxes of the nodes and their labels
  for (const n of nodes.get()) {
    if (n.hidden) continue;
    boxes[n.id] = network.getBoundingBox(n.id);
    covers.push([n.id, boxes[n.id]], [n.id, sized(network.body.nodes[n.id].labelModule.size)]);
  }
  const inside = (c, b, m) => b.left - m <= c.x && c.x <= b.right + m && b.top - m <= c.y && c.y <= b.bottom + m;
  const shown = (d) => d.x > 6 && d.y > 6 && d.x < w - 6 && d.y < h - 6;
  const out = {nodes: {}, edges: {}}, margin = 4 / network.getScale();
  for (const n of nodes.get()) {
    if (n.hidden || n.shape === 'box' || n.shape === 'ellipse') continue;
    const c = network.getPositions([n.id])[n.id], d = network.canvasToDOM(c);
    if (!shown(d) || covers.some(([k, b]) => k !== n.id && inside(c, b, 0))) continue;
    out.nodes[n.id] = {pixel: darkest(d, 0), colour: n.color};
  }
  const all = edges.get().filter(e => boxes[e.from] && boxes[e.to]);
  const trace = Object.fromEntries(all.map(e => [e.id, Array.from({length: 51},
    (_, i) => network.body.edges[e.id].edgeType.getPoint(i / 50))]));
  for (const e of all) {
    for (let t = 0.1; t <= 0.9; t += 0.02) {
      const c = network.body.edges[e.id].edgeType.getPoint(t), d = network.canvasToDOM(c);
      if (!shown(d) || network.getEdgeAt(d) !== e.id) continue;
      if (covers.some(([, b]) => inside(c, b, margin))) continue;
      const near = all.some(o => o.id !== e.id && (trace[o.id].some(q => Math.hypot(q.x - c.x, q.y - c.y) < margin) ||
        (network.body.edges[o.id].labelModule.size.width > 0 &&
         inside(c, sized(network.body.edges[o.id].labelModule.size), margin))));
      if (near) continue;
      out.edges[e.id] = {pixel: darkest(d, 2), colour: network.body.nodes[e.from].options.color.border,
                         ends: [e.from, e.to], at: d};
      break;
    }
  }
  return {...out, scale: network.getScale()};
}"""

#: A point of the canvas (DOM coordinates of the page) where vis-network finds the node `id`: its centre, else
#: the first point of a grid over its box that no other node covers.
NODE_POINT = """(id) => {
  const box = document.getElementById('mynetwork').getBoundingClientRect();
  const b = network.getBoundingBox(id), points = [];
  for (let i = 0; i <= 8; i++) for (let j = 0; j <= 8; j++)
    points.push({x: b.left + (b.right - b.left) * i / 8, y: b.top + (b.bottom - b.top) * j / 8});
  const c = network.getPositions([id])[id];
  const others = nodes.getIds().filter(n => n !== id && !nodes.get(n).hidden).map(n => network.getBoundingBox(n));
  for (const p of [c, ...points]) {
    const d = network.canvasToDOM(p);
    if (d.x < 2 || d.y < 2 || d.x > box.width - 2 || d.y > box.height - 2) continue;
    if (others.some(o => o.left <= p.x && p.x <= o.right && o.top <= p.y && p.y <= o.bottom)) continue;
    if (network.getNodeAt(d) === id) return {x: box.left + d.x, y: box.top + d.y};
  }
  return null;
}"""

#: A point of the network's background: no node and no edge there.
BACKGROUND_POINT = """() => {
  const box = document.getElementById('mynetwork').getBoundingClientRect();
  for (let y = 10; y < box.height - 10; y += 17) for (let x = 10; x < box.width - 10; x += 17) {
    if (network.getNodeAt({x, y}) === undefined && network.getEdgeAt({x, y}) === undefined)
      return {x: box.left + x, y: box.top + y};
  }
  return null;
}"""

#: Where each node is drawn (DOM coordinates of the page), by id, for the nodes shown.
DRAWN_AT = """() => {
  const box = document.getElementById('mynetwork').getBoundingClientRect(), out = {};
  for (const n of nodes.get()) {
    if (n.hidden) continue;
    const b = network.getBoundingBox(n.id);
    const a = network.canvasToDOM({x: b.left, y: b.top}), z = network.canvasToDOM({x: b.right, y: b.bottom});
    out[n.id] = {left: box.left + a.x, top: box.top + a.y, right: box.left + z.x, bottom: box.top + z.y};
  }
  return {nodes: out, network: {left: box.left, top: box.top, right: box.right, bottom: box.bottom},
          scale: network.getScale()};
}"""


def ids_by_label(viewer: Viewer) -> dict[str, str]:
    pairs = viewer.js(
        "() => nodes.get().map(n => [JSON.parse(document.getElementById('kg-meta').textContent)"
        ".ents[n.id][0], n.id])"
    )
    out: dict[str, str] = {}
    for label, node_id in pairs:
        out.setdefault(label, node_id)
    return out


def state(viewer: Viewer) -> dict[str, Any]:
    return viewer.js(STATE)


def click_node(viewer: Viewer, node_id: str) -> None:
    point = viewer.js(NODE_POINT, node_id)
    assert point is not None, f"no point of the window shows {node_id} uncovered"
    viewer.page.mouse.click(point["x"], point["y"])
    viewer.page.wait_for_function(
        "() => getComputedStyle(document.getElementById('kg-panel')).display !== 'none'"
    )


def rgb(colour: str) -> tuple[int, int, int]:
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", colour), colour
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def washed(channel: float) -> float:
    """A channel seen through the white wash of a dimmed node or edge, give or take."""
    return 0.8 * 255 + 0.2 * channel


def drawn_as(viewer: Viewer) -> tuple[dict[str, bool], dict[str, bool]]:
    """Which nodes and edges the canvas shows in full (True) and which dimmed (False), from their pixels."""
    seen = viewer.js(PIXELS)
    nodes: dict[str, bool] = {}
    for node_id, v in seen["nodes"].items():
        pixel, colour = v["pixel"], rgb(v["colour"])
        full = all(abs(p - c) <= 40 for p, c in zip(pixel, colour, strict=True))
        dim = all(p >= washed(c) - 10 for p, c in zip(pixel, colour, strict=True))
        assert full != dim, (node_id, pixel, colour)
        nodes[node_id] = full
    edges: dict[str, bool] = {}
    cover = min(1.0, seen["scale"])  # of a pixel, by a line 1 unit wide, at least (antialiased)
    for edge_id, v in seen["edges"].items():
        drawn = cover * min(rgb(v["colour"])) + (1 - cover) * 255
        # nearer the line as drawn than the line washed out
        edges[edge_id] = min(v["pixel"]) <= (drawn + washed(drawn)) / 2
    return nodes, edges


def assert_full_view(viewer: Viewer, width: float) -> None:
    """No panel, nothing dimmed, nothing selected, the network as wide as at opening."""
    s = state(viewer)
    assert not s["open"]
    nodes, edges = drawn_as(viewer)
    assert len(nodes) >= 5 and all(nodes.values()), nodes
    assert len(edges) >= 3 and all(edges.values()), edges
    assert s["selected"] == []
    assert s["network"]["right"] - s["network"]["left"] == width


def assert_focused(viewer: Viewer, g: Graph, iri: str, node_of: dict[str, str]) -> dict[str, Any]:
    """The node of `iri` and its neighbours are shown in full, the rest dimmed; the side panel, beside the network
    and under the controls, names it and lists every fact about it with its quotes."""
    s = state(viewer)
    node_id = node_of[g.label(iri)]
    assert s["open"] and s["selected"] == [node_id]
    # the panel is beside the network, below the controls, in the window
    assert s["panel"]["left"] >= s["network"]["right"] - 0.5, (s["panel"], s["network"])
    assert s["panel"]["top"] >= s["controls"]["bottom"] - 0.5 and s["panel"]["right"] <= 1400
    assert s["panel"]["bottom"] <= 900 and s["panel"]["right"] - s["panel"]["left"] > 300
    # drawn in full: the node and its neighbours (networkx, from the store), and their edges; dimmed: the rest
    neighbours = set(nx.ego_graph(g.facts.graph(), iri, radius=1))
    kept = {node_of[g.label(e)] for e in neighbours}
    drawn_nodes, drawn_edges = drawn_as(viewer)
    assert {k for k, full in drawn_nodes.items() if full} <= kept
    assert {k for k, full in drawn_nodes.items() if not full}.isdisjoint(kept)
    assert sum(drawn_nodes.values()) >= 1 and not all(drawn_nodes.values()), drawn_nodes
    ends = {e["id"]: {e["from"], e["to"]} for e in viewer.js("() => edges.get()")}
    for edge_id, full in drawn_edges.items():
        assert full == (node_id in ends[edge_id]), (edge_id, full)
    # the panel: name, class, other names, dates, documents, and each fact with the other entity and the quotes
    text = s["entityText"]
    assert s["name"] == g.label(iri)
    assert g.facts.cls(iri) in text
    for name in g.facts.aliases.get(iri, set()) - {g.label(iri)}:
        assert name in text, name
    for date in g.facts.dates.get(iri, ()):
        assert date in text, date
    docs = viewer.js("() => [...document.querySelectorAll('#kg-docs li')].map(li => li.textContent)")
    assert sorted(docs) == sorted(g.facts.documents[iri])
    shown = viewer.js(
        """() => [...document.querySelectorAll('#kg-facts .kg-fact')].map(li => ({
             line: li.querySelector('.kg-triple').textContent,
             quotes: [...li.querySelectorAll('.kg-quote')].map(q => q.firstChild.textContent),
             from: [...li.querySelectorAll('.kg-quote .kg-from')].map(q => q.textContent)}))"""
    )
    names = property_labels()
    expected = sorted(
        (
            f"{g.label(s_)} {names[p]} → {g.label(o)}",
            sorted(f"“{q}”" for q in g.facts.quotes.get((s_, p, o), ())),
        )
        for s_, p, o in g.relations_of(iri)
    )
    assert sorted((f["line"], sorted(f["quotes"])) for f in shown) == expected
    for f in shown:
        assert set(f["from"]) <= set(g.facts.documents[iri]) | {
            t for ts in g.facts.documents.values() for t in ts
        }
    # the node and its neighbours are in the network's part of the window
    drawn = viewer.js(DRAWN_AT)
    for k in kept:
        b = drawn["nodes"][k]
        assert drawn["network"]["left"] <= (b["left"] + b["right"]) / 2 <= drawn["network"]["right"]
        assert drawn["network"]["top"] <= (b["top"] + b["bottom"]) / 2 <= drawn["network"]["bottom"]
    return s


def hub(g: Graph) -> str:
    """The best-connected entity."""
    degree = g.facts.graph().degree()
    return max(g.facts.labels, key=lambda e: (degree[e], g.label(e)))


# ---------------------------------------------------------------------------------------------------------------
# click to focus, the panel, the document view, and back


def test_click_focuses_a_node_and_its_neighbours_and_opens_the_panel(
    graph: tuple[Path, Graph], open_viewer: Any
) -> None:
    page, g = graph
    viewer = open_viewer(page)
    node_of = ids_by_label(viewer)
    width = state(viewer)["network"]["right"] - state(viewer)["network"]["left"]
    assert_full_view(viewer, width)
    assert width > 1300

    centre = hub(g)
    click_node(viewer, node_of[g.label(centre)])
    assert_focused(viewer, g, centre, node_of)

    # a fact's other entity: clicking it focuses that entity
    other = next(o if s == centre else s for s, _, o in sorted(g.relations_of(centre)))
    viewer.page.click(f"#kg-facts .kg-ent >> text={json.dumps(g.label(other))}")
    viewer.page.wait_for_function(
        "(name) => document.getElementById('kg-name').textContent === name", arg=g.label(other)
    )
    assert_focused(viewer, g, other, node_of)

    # Escape: the whole graph again, as wide as before, nothing dimmed
    viewer.page.keyboard.press("Escape")
    assert_full_view(viewer, width)

    # a click on the background does the same
    click_node(viewer, node_of[g.label(centre)])
    point = viewer.js(BACKGROUND_POINT)
    assert point is not None
    viewer.page.mouse.click(point["x"], point["y"])
    viewer.page.wait_for_timeout(200)
    assert_full_view(viewer, width)
    assert viewer.errors == [] and viewer.dialogs == []


def test_a_quote_opens_its_document_text_with_the_quote_marked_and_in_view(
    graph: tuple[Path, Graph], open_viewer: Any
) -> None:
    page, g = graph
    viewer = open_viewer(page)
    node_of = ids_by_label(viewer)
    # a quote far into its document, so that the text has to scroll to it
    (s, _, _), (title, quote, start, _) = max(
        ((key, span) for key, spans in g.spans.items() for span in spans),
        key=lambda item: (item[1][2] / len(g.texts[item[1][0]]), item[1][1]),
    )
    assert start > len(g.texts[title]) / 2
    click_node(viewer, node_of[g.label(s)])
    quotes = viewer.page.locator("#kg-facts .kg-quote")
    index = viewer.js(
        "(q) => [...document.querySelectorAll('#kg-facts .kg-quote')].findIndex(b => b.firstChild.textContent === q)",
        f"“{quote}”",
    )
    assert index >= 0, (state(viewer)["name"], g.label(s))
    quotes.nth(index).click()
    shown = viewer.js(
        """() => { const text = document.getElementById('kg-doc-text'), mark = text.querySelector('mark');
                   const r = (e) => { const b = e.getBoundingClientRect(); return {top: b.top, bottom: b.bottom}; };
                   let before = '';
                   for (const n of text.childNodes) { if (n === mark) break; before += n.textContent; }
                   return {visible: getComputedStyle(document.getElementById('kg-doc')).display !== 'none',
                           title: document.getElementById('kg-doc-title').textContent, text: text.textContent,
                           marks: text.querySelectorAll('mark').length, mark: mark.textContent, before,
                           markBox: r(mark), textBox: r(text), scrolled: text.scrollTop,
                           elements: text.querySelectorAll('*').length}; }"""
    )
    assert shown["visible"] and shown["title"] == title
    assert shown["text"] == g.texts[title]  # the text the store keeps, whole
    assert shown["marks"] == 1 and shown["elements"] == 1 and shown["mark"] == quote
    assert shown["before"] == g.texts[title][:start]  # marked at its kg:start, not just anywhere
    assert shown["scrolled"] > 0
    assert (
        shown["textBox"]["top"] <= shown["markBox"]["top"]
        and shown["markBox"]["bottom"] <= shown["textBox"]["bottom"]
    )
    assert shown["markBox"]["top"] >= 0 and shown["markBox"]["bottom"] <= 900
    # back to the entity, then Escape closes all
    viewer.page.click("#kg-back")
    assert state(viewer)["name"] == g.label(s)
    viewer.page.keyboard.press("Escape")
    assert not state(viewer)["open"]
    assert viewer.errors == []


def test_each_document_text_is_in_the_page_once(seed: tuple[Path, Graph]) -> None:
    page, g = seed
    html = page.read_text(encoding="utf-8")
    meta = json.loads(html.split('id="kg-meta">', 1)[1].split("</script>", 1)[0])
    assert sorted(t[2] for t in meta["texts"]) == sorted(g.texts.values())
    quotes = sum(len(q) for q in g.facts.quotes.values())
    assert quotes > len(g.texts)  # several quotes per document, one text each
    passage = json.dumps(next(iter(g.texts.values()))[:200])[1:-1]
    passage = passage.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    assert html.count(passage) == 1


# ---------------------------------------------------------------------------------------------------------------
# search


def hits(viewer: Viewer) -> list[dict[str, str]]:
    return viewer.js(
        """() => { const list = document.getElementById('kg-hits');
                   if (getComputedStyle(list).display === 'none') return null;
                   return [...list.querySelectorAll('li')].map(li => ({
                     name: li.querySelector('.kg-hit')?.textContent ?? null,
                     cls: li.querySelector('.kg-cls')?.textContent ?? null, text: li.textContent})); }"""
    )


def test_search_by_another_name_ignoring_case_and_accents(seed: tuple[Path, Graph], open_viewer: Any) -> None:
    page, g = seed
    viewer = open_viewer(page)
    amess = next(e for e, label in g.facts.labels.items() if label == "David Amess")
    assert "Sir David" in g.facts.aliases[amess]
    # another name, in lower case, with accents the name does not have: the entity, with its class
    viewer.page.fill("#kg-search", "sír dávid")
    found = hits(viewer)
    assert found is not None and found[0]["name"] == "David Amess" and found[0]["cls"] == "Person"
    assert "Sir David" in found[0]["text"]
    viewer.page.press("#kg-search", "Enter")
    viewer.page.wait_for_function("() => document.getElementById('kg-name')?.textContent === 'David Amess'")
    assert hits(viewer) is None
    assert state(viewer)["selected"] == [ids_by_label(viewer)["David Amess"]]

    # the whole name first, then the names that hold it; each listed once, with its class
    viewer.page.keyboard.press("Escape")
    viewer.page.fill("#kg-search", "DAVID AMESS")
    found = hits(viewer)
    holding = sorted(
        e
        for e in g.facts.labels
        if any("david amess" in n.casefold() for n in {g.label(e), *g.facts.aliases.get(e, ())})
    )
    assert len(found) == len(holding) >= 2
    assert found[0]["name"] == "David Amess"
    assert sorted(h["name"] for h in found) == sorted(g.label(e) for e in holding)
    assert all(h["cls"] == g.facts.cls(e) for h in found for e in holding if g.label(e) == h["name"])
    # choosing one with the mouse focuses it
    chosen = found[1]["name"]
    viewer.page.click("#kg-hits li >> nth=1")
    viewer.page.wait_for_function("(n) => document.getElementById('kg-name')?.textContent === n", arg=chosen)
    assert_focused(viewer, g, next(e for e in holding if g.label(e) == chosen), ids_by_label(viewer))

    # nothing matches: said so, and Enter focuses nothing
    viewer.page.keyboard.press("Escape")
    viewer.page.fill("#kg-search", "Nobody Atall")
    assert [h["text"] for h in hits(viewer)] == ["no entity matches “Nobody Atall”"]
    assert viewer.js("() => getComputedStyle(document.getElementById('kg-hits')).display") != "none"
    viewer.page.press("#kg-search", "Enter")
    assert not state(viewer)["open"]
    assert viewer.errors == []


def test_search_folds_accents_in_names(tmp_path: Path, open_viewer: Any) -> None:
    """Names with accents found by their plain letters, in any case."""
    doc = f"<{ID}document/accents>"
    people = {"sian": ("Siân Bérengère", "Öztürk Siân"), "zoe": ("Zoë Ñúñez", "Z. Ñ.")}
    lines = [
        f"@prefix kg: <{KG}> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        f'{doc} a kg:Document ; dcterms:title "Accents" .',
    ]
    for key, (label, alias) in people.items():
        lines.append(f"<{ID}person/{key}> a kg:Person ; rdfs:label {json.dumps(label)} ;")
        lines.append(f"    skos:altLabel {json.dumps(alias)} ; kg:mentionedIn {doc} .")
    graph = tmp_path / "accents.ttl"
    graph.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page = viz(tmp_path, tmp_path / "accents.html", "--graph", str(graph))
    viewer = open_viewer(page)
    for query, name in [
        ("sian berengere", "Siân Bérengère"),
        ("OZTURK", "Siân Bérengère"),
        ("zoe nunez", "Zoë Ñúñez"),
    ]:
        viewer.page.fill("#kg-search", query)
        assert [h["name"] for h in hits(viewer)] == [name], query
    # a name typed decomposed (NFD) finds the composed one
    viewer.page.fill("#kg-search", unicodedata.normalize("NFD", "Zoë"))
    assert [h["name"] for h in hits(viewer)] == ["Zoë Ñúñez"]


# ---------------------------------------------------------------------------------------------------------------
# the class filter


def fill(drawn: dict[str, Any]) -> float:
    """How much of the network's width or height (the fuller) the nodes shown take."""
    boxes = drawn["nodes"].values()
    width = max(b["right"] for b in boxes) - min(b["left"] for b in boxes)
    height = max(b["bottom"] for b in boxes) - min(b["top"] for b in boxes)
    net = drawn["network"]
    return max(width / (net["right"] - net["left"]), height / (net["bottom"] - net["top"]))


def assert_fitted(drawn: dict[str, Any]) -> None:
    """Every node shown is in the network's part of the window, and they fill it (or are drawn at full size)."""
    net = drawn["network"]
    for b in drawn["nodes"].values():
        assert net["left"] - 1 <= b["left"] and b["right"] <= net["right"] + 1, (b, net)
        assert net["top"] - 1 <= b["top"] and b["bottom"] <= net["bottom"] + 1, (b, net)
    assert fill(drawn) >= 0.8 or drawn["scale"] >= 0.999, (fill(drawn), drawn["scale"])


def test_class_filter_zooms_to_what_stays_visible(graph: tuple[Path, Graph], open_viewer: Any) -> None:
    page, g = graph
    viewer = open_viewer(page)
    classes = sorted({g.facts.cls(e) for e in g.facts.labels})
    for cls in classes:
        viewer.page.select_option("#kg-class", cls)
        drawn = viewer.js(DRAWN_AT)
        assert len(drawn["nodes"]) == sum(1 for e in g.facts.labels if g.facts.cls(e) == cls)
        assert_fitted(drawn)
    viewer.page.select_option("#kg-class", "")
    drawn = viewer.js(DRAWN_AT)
    assert len(drawn["nodes"]) == len(g.facts.labels)
    assert_fitted(drawn)
    assert viewer.errors == []


# ---------------------------------------------------------------------------------------------------------------
# time


def test_time_list_orders_dated_entities_and_focuses_the_one_chosen(
    graph: tuple[Path, Graph], open_viewer: Any
) -> None:
    page, g = graph
    viewer = open_viewer(page)
    dated = {e: ds for e, ds in g.facts.dates.items() if ds}
    assert any(g.facts.cls(e) == "Incident" for e in dated)
    expected = sorted(
        (d, g.label(e), g.facts.cls(e))
        for e, ds in dated.items()
        for d in ds
        if not any(o.startswith(d + "-") for o in ds)  # 2021 beside 2021-10-15 says nothing more
    )
    assert viewer.js("() => getComputedStyle(document.getElementById('kg-time')).display") == "none"
    viewer.page.click("#kg-time-button")
    rows = viewer.js(
        """() => [...document.querySelectorAll('#kg-time li')].map(li =>
             [li.querySelector('.kg-date').textContent, li.querySelector('.kg-hit').textContent,
              li.querySelector('.kg-cls').textContent])"""
    )
    assert [tuple(r) for r in rows] == expected
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    assert str(len(expected)) in viewer.page.text_content("#kg-time-button")
    # the rows are on screen, one under the other
    boxes = viewer.js(
        "() => [...document.querySelectorAll('#kg-time li')].slice(0, 5).map(li => li.getBoundingClientRect().top)"
    )
    assert boxes == sorted(boxes) and len(set(boxes)) == len(boxes)
    # choosing one focuses it
    _, label, _ = expected[-1]
    viewer.page.locator("#kg-time li").nth(len(expected) - 1).click()
    viewer.page.wait_for_function("(n) => document.getElementById('kg-name')?.textContent === n", arg=label)
    assert_focused(viewer, g, next(e for e in dated if g.label(e) == label), ids_by_label(viewer))
    assert viewer.js("() => getComputedStyle(document.getElementById('kg-time')).display") == "none"
    assert viewer.errors == []


# ---------------------------------------------------------------------------------------------------------------
# a bounded window of text around each quote (a very large graph)


def test_a_very_large_graph_keeps_a_window_of_text_around_each_quote(
    seed: tuple[Path, Graph], open_viewer: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kg.outputs import panel
    from kg.outputs.network import read_graph as kg_read_graph
    from kg.outputs.viz import render, write

    page, g = seed
    monkeypatch.setattr(panel, "TEXT_LIMIT", 1000)  # the seed's text is longer: windows
    monkeypatch.setattr(panel, "WINDOW", 40)  # narrow enough that they leave parts of the text out
    store = ox.Store.read_only(str(page.parent / "store" / "oxigraph"))
    nodes, edges = kg_read_graph(store, texts=True)
    small = tmp_path / "windows.html"
    write(small, render(nodes, edges))
    assert_offline(small)
    html = small.read_text(encoding="utf-8")
    assert len(html) < len(page.read_text(encoding="utf-8"))
    viewer = open_viewer(small)
    node_of = ids_by_label(viewer)
    (s, _, _), (title, quote, start, end) = max(
        ((key, span) for key, spans in g.spans.items() for span in spans),
        key=lambda item: (item[1][2], item[1][1]),
    )
    click_node(viewer, node_of[g.label(s)])
    viewer.js(
        "(q) => [...document.querySelectorAll('#kg-facts .kg-quote')].find(b => b.firstChild.textContent === q).click()",
        f"“{quote}”",
    )
    shown = viewer.js(
        """() => { const text = document.getElementById('kg-doc-text'), mark = text.querySelector('mark');
                   let before = '';
                   for (const n of text.childNodes) { if (n === mark) break; before += n.textContent; }
                   return {text: text.textContent, mark: mark.textContent, before,
                           note: document.querySelector('#kg-doc .kg-note').textContent}; }"""
    )
    whole = g.texts[title]
    assert shown["mark"] == quote
    window = panel.WINDOW
    # a slice of the text (windows that overlap are merged), at least `window` characters either side
    a = start - len(shown["before"])
    b = a + len(shown["text"])
    assert whole[a:start] == shown["before"] and whole[a:b] == shown["text"]
    assert a <= max(0, start - window) and b >= min(len(whole), end + window)
    assert 0 < len(shown["text"]) < len(whole)
    assert f"characters {a + 1}–{b} " in shown["note"] and f"{window} characters either side" in shown["note"]
    assert viewer.errors == []


# ---------------------------------------------------------------------------------------------------------------
# hostile documents: text stays text in the panel, the quotes, the document view, the search list and the time list


def turtle(text: str) -> str:
    """A Turtle string literal holding `text` as it is (characters outside the BMP too)."""
    return json.dumps(text, ensure_ascii=False)


JS_TEXT = "javascript:window.kgRan=6;alert(6)"
MARKUP = [HOSTILE_SCRIPT, HOSTILE_IMG, HREF_IMG, HREF_SVG, HREF_LINK, HREF_BEACON, JS_TEXT]
CHECK_PAGE = """() => ({
  ran: [window.pwned, window.kgRan],
  made: [...document.querySelectorAll('img, svg, a, iframe, object, embed, math, video, audio, form, base, link')]
          .map(e => e.outerHTML),
  scripts: document.querySelectorAll('script').length,
  handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes].filter(a => /^on/i.test(a.name))
              .map(a => e.tagName + ' ' + a.name)),
})"""


def exercise(viewer: Viewer, g: Graph, page: Path, queries: list[str]) -> str:
    """Click every node, open every quote of each, type each query in the search box and open the time list;
    nothing runs, nothing is made from markup, nothing is fetched. Returns all the text the panel, the document
    view and the lists showed."""
    at_load = viewer.js(CHECK_PAGE)
    assert at_load["made"] == [] and at_load["handlers"] == []
    seen: list[str] = []
    node_of = ids_by_label(viewer)
    for iri in sorted(g.facts.labels):
        click_node(viewer, node_of[g.label(iri)])
        assert state(viewer)["name"] == g.label(iri)
        seen.append(viewer.page.text_content("#kg-entity") or "")
        for i in range(viewer.page.locator("#kg-facts .kg-quote").count()):
            viewer.page.locator("#kg-facts .kg-quote").nth(i).click()
            shown = viewer.js(
                """() => ({text: document.getElementById('kg-doc').textContent,
                           mark: document.querySelector('#kg-doc-text mark')?.textContent ?? null,
                           made: document.querySelectorAll('#kg-doc-text *:not(mark)').length})"""
            )
            assert shown["made"] == 0
            seen.append(shown["text"])
            seen.append(f"MARK:{shown['mark']}")
            viewer.page.click("#kg-back")
        viewer.page.keyboard.press("Escape")
    for query in queries:
        viewer.page.fill("#kg-search", query)
        seen.append(viewer.page.text_content("#kg-hits") or "")
        assert viewer.js("() => document.querySelectorAll('#kg-hits li *:not(span)').length") == 0
    viewer.page.keyboard.press("Escape")
    if viewer.js("() => getComputedStyle(document.getElementById('kg-when')).display") != "none":
        viewer.page.click("#kg-time-button")
        seen.append(viewer.page.text_content("#kg-time") or "")
    viewer.page.mouse.move(1, 1)
    viewer.page.wait_for_timeout(500)  # an image that fails to load calls its onerror a little later
    after = viewer.js(CHECK_PAGE)
    assert after["ran"] == [None, None] and viewer.dialogs == []
    assert after["made"] == [] and after["handlers"] == [] and after["scripts"] == at_load["scripts"]
    assert viewer.requests == [page.as_uri()]  # <img src=x> would ask for file:///…/x, the beacon for https:
    assert viewer.errors == []
    return "\n".join(seen)


def test_hostile_document_shows_as_text_in_panel_document_view_and_search(
    tmp_path: Path, open_viewer: Any
) -> None:
    text = HOSTILE_TEXT + f"Clara Venn said {JS_TEXT} href {HREF_SVG} and was quoted.\n"
    (tmp_path / "hostile.txt").write_text(text, encoding="utf-8")
    ok(kg("add", "hostile.txt", "--store", "store", cwd=tmp_path))
    g = store_graph(tmp_path / "store")
    assert any(HOSTILE_SCRIPT in q for qs in g.facts.quotes.values() for q in qs)
    page = viz(tmp_path, tmp_path / "hostile.html", "--store", "store")
    assert_offline(page)
    assert HOSTILE_SCRIPT not in page.read_text(encoding="utf-8")
    viewer = open_viewer(page)
    seen = exercise(viewer, g, page, ["<script", "onerror", "href", "javascript:", HOSTILE_IMG])
    (title,) = g.texts
    assert title in seen and g.texts[title].strip() in seen  # the document's text, markup and all, as text
    for quote in {q for qs in g.facts.quotes.values() for q in qs}:
        assert f"MARK:{quote}" in seen
    assert f"no entity matches “{HOSTILE_IMG}”" in seen


def test_hostile_names_quotes_and_texts_of_a_graph_file_show_as_text(
    tmp_path: Path, open_viewer: Any
) -> None:
    """Every field of a graph file holding markup, "href" and javascript: text: names, other names, dates, titles,
    texts and quotes (with offsets past characters outside the BMP, and without offsets), and a document whose
    text the file does not hold."""
    doc, bare = f"<{ID}document/filed>", f"<{ID}document/bare>"
    incident, person, place = (f"<{ID}{k}>" for k in ("incident/attack", "person/nadia", "place/northby"))
    title = f"Filed href {HREF_LINK} {HOSTILE_SCRIPT}"
    quote = f"Nadia {HREF_IMG} href attacked Northby {JS_TEXT}."
    second = f"It happened in Northby {HREF_SVG}."
    # the quote twice: its offsets give the second; the other quote, without offsets, is marked where it first is
    text = f"𝔗𝔥𝔢 😀 report {HOSTILE_SCRIPT}: {quote}\n{second}\n{quote}\nLater: {second}\n"
    start = text.rindex(quote)
    names = {
        "incident": f"attack {HREF_BEACON} href",
        "person": f"Nadia {HOSTILE_IMG} href",
        "place": f"Northby {JS_TEXT}",
    }
    lines = [
        f"@prefix kg: <{KG}> .",
        "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        f"{doc} a kg:Document ; dcterms:title {turtle(title)} ; kg:text {turtle(text)} .",
        f"{bare} a kg:Document ; dcterms:title {turtle('Bare ' + HREF_IMG)} .",
        f"{incident} a kg:Incident ; rdfs:label {turtle(names['incident'])} ;",
        f"    skos:altLabel {turtle(HREF_SVG + ' href')} ; kg:date {turtle(HREF_LINK + ' href')} ;",
        f'    kg:date "2021-10-15" ; kg:mentionedIn {doc}, {bare} ; kg:perpetrator {person} ; kg:place {place} .',
        f"{person} a kg:Person ; rdfs:label {turtle(names['person'])} ; kg:mentionedIn {doc} .",
        f"{place} a kg:Place ; rdfs:label {turtle(names['place'])} ; kg:mentionedIn {doc}, {bare} .",
        f"<{ID}evidence/e1> a kg:Evidence ; rdf:subject {incident} ; rdf:predicate kg:perpetrator ;",
        f"    rdf:object {person} ; kg:quote {turtle(quote)} ; kg:source {doc} ;",
        f"    kg:start {start} ; kg:end {start + len(quote)} .",
        f"<{ID}evidence/e2> a kg:Evidence ; rdf:subject {incident} ; rdf:predicate kg:place ;",
        f"    rdf:object {place} ; kg:quote {turtle(second)} ; kg:source {doc} .",
        f"<{ID}evidence/e3> a kg:Evidence ; rdf:subject {incident} ; rdf:predicate kg:place ;",
        f"    rdf:object {place} ; kg:quote {turtle('Northby ' + HREF_LINK)} ; kg:source {bare} .",
    ]
    graph = tmp_path / "filed.ttl"
    graph.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = ox.Store()
    store.load(path=str(graph), format=ox.RdfFormat.TURTLE)
    g = read_graph(store)
    assert set(g.facts.labels.values()) == set(names.values()) and len(g.facts.relations) == 2
    page = viz(tmp_path, tmp_path / "filed.html", "--graph", str(graph))
    assert_offline(page)
    viewer = open_viewer(page)
    seen = exercise(viewer, g, page, ["href", "javascript", "<svg", "2021"])
    for shown in [
        *names.values(),
        title,
        text.strip(),
        HREF_SVG + " href",
        HREF_LINK + " href",
        "Bare " + HREF_IMG,
    ]:
        assert shown in seen, shown
    assert f"MARK:{quote}" in seen and f"MARK:{second}" in seen and f"MARK:Northby {HREF_LINK}" in seen
    assert "The graph keeps no text of this document: the quote alone." in seen

    # where the marks are: the quote at its offsets, past characters outside the BMP; the other where it first is
    node_of = ids_by_label(viewer)
    click_node(viewer, node_of[names["incident"]])
    placed = {}
    for i in range(viewer.page.locator("#kg-facts .kg-quote").count()):
        viewer.page.locator("#kg-facts .kg-quote").nth(i).click()
        placed[viewer.page.text_content("#kg-doc-text mark")] = viewer.js(
            """() => { const t = document.getElementById('kg-doc-text'), m = t.querySelector('mark'); let b = '';
                       for (const n of t.childNodes) { if (n === m) break; b += n.textContent; } return b; }"""
        )
        viewer.page.click("#kg-back")
    assert placed[quote] == text[:start]
    assert placed[second] == text[: text.index(second)]
    assert placed[f"Northby {HREF_LINK}"] == ""
    # the time list: the incident by its one full date and by the text the file gives as a date
    viewer.page.click("#kg-time-button")
    rows = viewer.js("() => [...document.querySelectorAll('#kg-time li .kg-date')].map(d => d.textContent)")
    assert sorted(rows) == sorted(["2021-10-15", HREF_LINK + " href"])

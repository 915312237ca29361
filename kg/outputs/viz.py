"""`kg viz`: the graph as one self-contained, interactive HTML network (pyvis over vis-network).

One node per entity (coloured and shaped by class, sized by degree, labelled by ``rdfs:label``), one directed
edge per contract relation between entities (labelled by the property's label). Hovering a node shows its class,
other names, dates and documents; hovering an edge shows the sentences it was read from. Clicking a node dims all
but it and its neighbours and opens a panel beside the network with its names, class, dates, documents and every
fact about it with its quotes; a quote opens its document's text, the quote marked (``kg.outputs.panel``); Escape
or a click on the background goes back. Above the network: a search box (labels and other names, case and
accents ignored) listing its hits, a filter by class that zooms to what stays visible, the dated entities in time
order, and a legend. The positions are computed before the page is written
(``kg.outputs.layout``), so the page runs no physics and shows the graph as soon as it is drawn; nodes can still
be dragged.

The file works offline: vis-network is inlined, pyvis's Bootstrap links are removed, and no ``http:`` or
``https:`` text is left anywhere in it (the few in vis-network's code are written as escapes that mean the same
to JavaScript). Everything that comes from documents reaches the page as JSON data and is shown as text, never
as HTML, so a document holding ``<script>`` or ``<img onerror=...>`` runs nothing. That includes the tooltips:
pyvis would show every one through ``innerHTML`` as soon as one title held the text "href", so no title goes
through pyvis. The titles travel in the page's JSON data block, and the page's script makes each one an element
whose ``textContent`` is the title, which vis-network shows as it is.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox

from kg.graph.sparql import PREFIXES
from kg.ontology.lexicon import entity_relations
from kg.outputs.layout import Box, node_box, positions
from kg.outputs.network import Edge, Node
from kg.outputs.panel import panel_data
from kg.outputs.results import shorten

#: Colour and vis-network shape per class; the legend shows them.
STYLE = {
    "Person": ("#4e79a7", "dot"),
    "Organization": ("#f28e2b", "box"),
    "Agency": ("#e15759", "box"),
    "PoliticalParty": ("#b07aa1", "box"),
    "Programme": ("#59a14f", "diamond"),
    "Inquiry": ("#edc948", "star"),
    "Incident": ("#d62728", "triangle"),
    "Place": ("#76b7b2", "square"),
    "Post": ("#9c755f", "ellipse"),
    "Event": ("#bab0ac", "triangleDown"),
    "Legislation": ("#8cd17d", "hexagon"),
}
KG = PREFIXES["kg"]
RDFS_LABEL = PREFIXES["rdfs"] + "label"
SKOS_ALT = PREFIXES["skos"] + "altLabel"
RDF_TYPE = PREFIXES["rdf"] + "type"
DCTERMS_TITLE = PREFIXES["dcterms"] + "title"


def property_labels() -> dict[str, str]:
    """The ontology's label of each relation ('perpetrator', 'holds post', ...)."""
    from rdflib import RDFS, Literal, URIRef

    from kg.ontology.vocab import load_ontology

    g = load_ontology()
    out = {}
    for p in entity_relations():
        label = g.value(URIRef(KG + p), RDFS.label)
        out[p] = str(label) if isinstance(label, Literal) else p
    return out


def constructed(store: ox.Store, query: str, *, federate: bool = False) -> ox.Store:
    """The graph a CONSTRUCT (or DESCRIBE) query builds, with the labels, classes, other names, documents and
    dates of every entity it names, so that it can be drawn; its SERVICE calls are followed only if `federate`."""
    from kg.errors import InputError
    from kg.graph.sparql import run_query

    result = run_query(store, query, federate=federate)
    if result.kind != "graph":
        raise InputError("--query takes a CONSTRUCT or DESCRIBE query")
    triples = result.triples or []
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
    named = {t.subject for t in triples if isinstance(t.subject, ox.NamedNode)}
    named |= {t.object for t in triples if isinstance(t.object, ox.NamedNode)}
    keep = {RDFS_LABEL, SKOS_ALT, RDF_TYPE, KG + "mentionedIn", KG + "date"}
    for node in named:
        for q in store.quads_for_pattern(node, None, None, None):
            if q.predicate.value in keep:
                quads.append(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()))
    for q in store.quads_for_pattern(None, ox.NamedNode(DCTERMS_TITLE), None, None):
        quads.append(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()))
    out = ox.Store()
    out.extend(quads)
    return out


def subgraph(
    nodes: dict[str, Node], edges: list[Edge], focus: str, hops: int
) -> tuple[dict[str, Node], list[Edge]]:
    """The entities within `hops` relations of the one whose name is `focus` (label or other name)."""
    wanted = focus.casefold()
    start = [
        n.iri
        for n in nodes.values()
        if n.label.casefold() == wanted or wanted in {a.casefold() for a in n.aliases}
    ]
    if not start:
        from kg.errors import InputError

        raise InputError(f"{focus}: no entity of that name in the graph")
    g = nx.Graph()
    g.add_nodes_from(nodes)
    g.add_edges_from((e.source, e.target) for e in edges)
    keep: set[str] = set()
    for s in start:
        keep |= set(nx.single_source_shortest_path_length(g, s, cutoff=hops))
    return {k: v for k, v in nodes.items() if k in keep}, [
        e for e in edges if e.source in keep and e.target in keep
    ]


def render(nodes: dict[str, Node], edges: list[Edge], *, title: str = "kg graph") -> str:
    """The HTML page of a graph."""
    from pyvis.network import Network

    ids = {iri: f"n{i}" for i, iri in enumerate(sorted(nodes))}
    drawn = _drawing(nodes, edges)
    where = positions(
        {iri: d.box for iri, d in drawn.items()},
        [(e.source, e.target) for e in edges],
        {iri: n.cls for iri, n in nodes.items()},
    )
    labels = property_labels()
    net = Network(directed=True, cdn_resources="in_line", height="100%", width="100%", heading="")
    for iri in sorted(nodes):
        n, d = nodes[iri], drawn[iri]
        colour, shape = STYLE.get(n.cls, ("#999999", "dot"))
        net.add_node(
            ids[iri],
            label=shown_label(n.label),
            color=colour,
            shape=shape,
            size=d.size,
            font={"size": d.font, **({"strokeWidth": 0} if shape in ("box", "ellipse") else {})},
            widthConstraint={"maximum": d.wrap},
            kgclass=n.cls,
            x=where[iri][0],
            y=where[iri][1],
        )
    # the tooltips' text, by node and edge id: shown by the page's script as text (see the module's docstring)
    tips = {ids[iri]: _node_text(nodes[iri]) for iri in sorted(nodes)}
    for i, e in enumerate(edges):
        net.add_edge(ids[e.source], ids[e.target], id=f"e{i}", label=labels.get(e.prop, e.prop))
        tips[f"e{i}"] = _edge_text(e, labels)
    options = dict(OPTIONS)
    if len(edges) > LARGE:
        options["edges"] = {**OPTIONS["edges"], "smooth": False}  # straight edges draw several times faster
    net.set_options(json.dumps(options))
    page = net.generate_html(notebook=False)
    return _finish(page, nodes, title, tips, panel_data(nodes, edges, ids, labels))


def _node_text(n: Node) -> str:
    lines = [n.label, f"class: {n.cls}", f"IRI: {shorten(ox.NamedNode(n.iri))}"]
    if n.aliases:
        lines.append("also: " + "; ".join(sorted(n.aliases)))
    if n.dates:
        lines.append("date: " + ", ".join(sorted(n.dates)))
    if n.documents:
        lines.append("documents: " + "; ".join(sorted(n.documents)))
    return "\n".join(lines)


def _edge_text(e: Edge, labels: dict[str, str]) -> str:
    lines = [labels.get(e.prop, e.prop)]
    for doc, quote in sorted(e.evidence):
        lines.append(f"“{quote}” ({doc})")
    return "\n".join(lines)


@dataclass(frozen=True)
class _Drawn:
    """How a node is drawn: its shape's size, its label's font size, the width its label wraps at, its box."""

    size: float
    font: float
    wrap: float
    box: Box


#: The font size, in pixels, of the labels of the best-connected nodes (at the opening view, where the drawing is
#: about its own size), and what each relation adds to it, up to ``FONT_RELATIONS`` relations.
FONT = 15.0
FONT_STEP = 1.0
FONT_RELATIONS = 6
#: The font size of the other labels: hidden at the opening view (under ``DRAW_THRESHOLD``), shown when zoomed in.
SMALL = 8.0
#: Labels drawn at less than this many pixels (less one) are not drawn.
DRAW_THRESHOLD = 10
#: The nodes whose labels are drawn at ``FONT`` or more: at least this many (the best connected) ...
LABELLED = 30
#: ... and more while their boxes take up to this many square pixels (a quarter of a 1400×900 window).
LABEL_ROOM = 300_000.0
#: Labels wrap at this many font sizes (about twenty letters).
WRAP = 11.0


#: A node's label is drawn with at most this many characters (the whole name is in its tooltip and the panel).
LONGEST_LABEL = 100


def shown_label(label: str) -> str:
    """A label as its node shows it: on one line (vis-network would break it at each line break) and cut at
    ``LONGEST_LABEL`` characters, so that no name, however long, makes a node as large as the drawing."""
    one_line = " ".join(label.split())
    return one_line if len(one_line) <= LONGEST_LABEL else one_line[: LONGEST_LABEL - 1].rstrip() + "\u2026"


def _drawing(nodes: dict[str, Node], edges: list[Edge]) -> dict[str, _Drawn]:
    """Each node's size, font and box: the best-connected nodes' labels large enough to read at the opening view,
    as many as fit in ``LABEL_ROOM``, the others small until zoomed in; shapes sized by relations."""
    g = nx.Graph()
    g.add_nodes_from(nodes)
    g.add_edges_from((e.source, e.target) for e in edges if e.source != e.target)

    def drawn(iri: str, font: float) -> _Drawn:
        shape = STYLE.get(nodes[iri].cls, ("", "dot"))[1]
        size = 8.0 + 2.5 * min(g.degree(iri), 8)
        box = node_box(shown_label(nodes[iri].label), shape=shape, size=size, font=font, wrap=WRAP * font)
        return _Drawn(size, font, WRAP * font, box)

    out: dict[str, _Drawn] = {}
    room = 0.0
    for rank, iri in enumerate(sorted(nodes, key=lambda n: (-g.degree(n), nodes[n].label, n))):
        if room <= LABEL_ROOM or rank < LABELLED:
            big = drawn(iri, FONT + FONT_STEP * min(g.degree(iri), FONT_RELATIONS))
            room += big.box.width * (big.box.up + big.box.down)
            if room <= LABEL_ROOM or rank < LABELLED:
                out[iri] = big
                continue
        out[iri] = drawn(iri, SMALL)
    return out


#: Past this many edges, edges are drawn straight.
LARGE = 1000

# The nodes come with their positions (kg.outputs.layout): the page runs no physics and draws at once.
OPTIONS: dict[str, Any] = {
    "physics": {"enabled": False},
    "layout": {"improvedLayout": False},
    "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False},
    "edges": {"font": {"size": 10, "align": "middle"}, "smooth": {"type": "continuous"}},
    # labels keep their size when hovered or selected (a bold label is wider: it would overlap its neighbours), and
    # a white outline keeps a label under its shape legible where an edge passes under it
    "nodes": {
        "font": {"size": 14, "strokeWidth": 3, "strokeColor": "#ffffff"},
        "labelHighlightBold": False,
        "scaling": {"label": {"drawThreshold": DRAW_THRESHOLD}},
    },
}

_CONTROLS = """
<div id="kg-controls" style="font-family:system-ui,sans-serif;padding:.5em">
  <strong id="kg-title"></strong>
  <span id="kg-find" class="kg-drop">
    <input id="kg-search" type="search" placeholder="find an entity" aria-label="find an entity" autocomplete="off"
      role="combobox" aria-autocomplete="list" aria-controls="kg-hits" aria-expanded="false">
    <ul id="kg-hits" class="kg-list" role="listbox" aria-label="entities found" hidden></ul>
  </span>
  <select id="kg-class" aria-label="show one class"><option value="">all classes</option></select>
  <span id="kg-when" class="kg-drop" hidden>
    <button id="kg-time-button" type="button" aria-expanded="false" aria-controls="kg-time"></button>
    <ol id="kg-time" class="kg-list" aria-label="dated entities in time order" hidden></ol>
  </span>
  <span id="kg-legend"></span>
</div>
<aside id="kg-panel" aria-label="the entity chosen" hidden>
  <button id="kg-close" type="button" title="back to the whole graph (Escape)" aria-label="close">&#215;</button>
  <section id="kg-entity"></section>
  <section id="kg-doc" hidden></section>
</aside>
<style>
[hidden] { display: none !important; }
.vis-tooltip { white-space: pre-wrap !important; max-width: 40em; font-family: system-ui, sans-serif; }
#kg-legend span { display:inline-block; margin-left:.8em; }
#kg-legend i, #kg-panel i.kg-dot { display:inline-block; width:.9em; height:.9em; margin-right:.3em;
  vertical-align:middle; }
.kg-drop { position: relative; display: inline-block; }
.kg-list { position: absolute; left: 0; top: 100%; z-index: 20; margin: 2px 0 0; padding: 0; list-style: none;
  background: #fff; border: 1px solid #bbb; box-shadow: 0 2px 8px rgba(0,0,0,.2); max-height: 60vh;
  overflow: auto; min-width: 26em; font-size: 14px; }
.kg-list li { padding: .3em .6em; cursor: pointer; }
.kg-list li.kg-none { cursor: default; color: #555; font-style: italic; }
.kg-list li[aria-selected=true], .kg-list li:not(.kg-none):hover { background: #e3ecfa; }
.kg-cls { color: #666; font-size: .85em; margin-left: .6em; }
.kg-also { color: #444; font-size: .9em; margin-left: .5em; }
#kg-time { min-width: 34em; }
#kg-time li { display: grid; grid-template-columns: 7em 1fr auto; gap: .4em; align-items: baseline; }
.kg-date { font-variant-numeric: tabular-nums; color: #333; }
body.kg-open .card { width: calc(100% - 27rem) !important; }
#kg-panel { position: fixed; right: 0; width: 27rem; box-sizing: border-box; display: flex;
  flex-direction: column; background: #fff; border: 1px solid lightgray; font: 14px/1.4 system-ui, sans-serif;
  z-index: 10; }
#kg-close { position: absolute; top: .2em; right: .3em; border: 0; background: none; font-size: 1.4em;
  cursor: pointer; }
#kg-entity, #kg-doc { flex: 1; min-height: 0; overflow: auto; padding: .5em .9em; }
#kg-doc { display: flex; flex-direction: column; }
#kg-panel h2 { font-size: 1.25em; margin: .2em 1.5em .2em 0; }
#kg-panel h3 { font-size: 1em; margin: .9em 0 .3em; }
#kg-panel ul { margin: 0; padding-left: 1.1em; }
#kg-panel p { margin: .2em 0; }
.kg-fact { margin-bottom: .6em; }
.kg-ent, .kg-quote, .kg-back { font: inherit; text-align: left; cursor: pointer; }
.kg-ent { border: 0; background: none; padding: 0; color: #1a55b3; text-decoration: underline; }
.kg-quote { display: block; width: 100%; margin: .2em 0; padding: .2em .5em; border: 0;
  border-left: 3px solid #c9d6ea; background: #f5f7fb; }
.kg-quote:hover { background: #e3ecfa; }
.kg-quote .kg-from { display: block; color: #555; font-size: .85em; }
.kg-note { color: #555; font-size: .9em; }
.kg-text { flex: 1; min-height: 0; overflow: auto; white-space: pre-wrap; border-top: 1px solid #ddd;
  padding-top: .4em; }
.kg-text mark { background: #ffe066; }
</style>
"""

# The page's script: legend and class filter (re-zooms to what stays visible), search with its list of hits,
# the time list, and focus: a click on a node dims all but it and its neighbours and opens the side panel with
# its facts and quotes; a quote opens its document's text, the quote marked. Everything from the graph is put on
# the page as text (textContent, createTextNode), never as HTML.
_SCRIPT = """
<script>
(function () {
  var meta = JSON.parse(document.getElementById('kg-meta').textContent);
  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }
  function dot(cls) { var i = el('i', null, 'kg-dot'); i.style.background = colours[cls] || '#999999'; return i; }
  $('kg-title').textContent = meta.title;
  var legend = $('kg-legend'), select = $('kg-class'), colours = {};
  meta.classes.forEach(function (c) {
    var span = document.createElement('span'), swatch = document.createElement('i');
    colours[c.name] = c.colour;
    swatch.style.background = c.colour; span.appendChild(swatch); span.appendChild(document.createTextNode(c.name));
    legend.appendChild(span);
    var opt = document.createElement('option'); opt.value = c.name; opt.textContent = c.name; select.appendChild(opt);
  });
  var ents = meta.ents, facts = meta.facts, links = {};
  facts.forEach(function (f) {
    (links[f[1]] = links[f[1]] || []).push(f);
    if (f[2] !== f[1]) (links[f[2]] = links[f[2]] || []).push(f);
  });

  // ---- the view
  function shown() { return nodes.getIds({ filter: function (n) { return !n.hidden; } }); }
  function fitTo(ids) { if (ids.length) network.fit({ nodes: ids, animation: false }); }
  // Focus dims all but the entity, its neighbours and their edges: after each drawing, a white wash over the
  // canvas, and those drawn again on top (vis-network's own node and edge drawing). Nothing in the data sets
  // changes, so it costs one drawing however large the graph.
  var WASH = 'rgba(255,255,255,0.82)', kept = null;
  function drawable(e) { return e && e.connected && !e.options.hidden && !e.from.options.hidden && !e.to.options.hidden; }
  network.on('afterDrawing', function (ctx) {
    if (!kept) return;
    var body = network.body, labels = [];
    ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.fillStyle = WASH;
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height); ctx.restore();
    kept.edges.forEach(function (id) { if (drawable(body.edges[id])) body.edges[id].draw(ctx); });
    kept.nodes.forEach(function (id) {
      var n = body.nodes[id];
      if (!n || n.options.hidden) return;
      var drawn = n.draw(ctx);
      if (drawn && drawn.drawExternalLabel) labels.push(drawn.drawExternalLabel);
    });
    kept.edges.forEach(function (id) { if (drawable(body.edges[id])) body.edges[id].drawArrows(ctx); });
    labels.forEach(function (draw) { draw(); });
  });
  function shade(keepNodes, keepEdges) {
    kept = keepNodes ? { nodes: Object.keys(keepNodes), edges: Object.keys(keepEdges) } : null;
    network.redraw();
  }

  // ---- the side panel, beside the network
  var panel = $('kg-panel'), entity = $('kg-entity'), doc = $('kg-doc'), focused = null, before = null;
  function place() {  // the panel's top and height: the network's
    var box = $('mynetwork').getBoundingClientRect();
    panel.style.top = Math.max(0, box.top) + 'px';
    panel.style.height = box.height + 'px';
  }
  function openPanel() {
    document.body.classList.add('kg-open');
    place();
    panel.hidden = false;
    network.setSize(); network.redraw();
  }
  window.addEventListener('resize', function () { if (!panel.hidden) place(); });
  function closePanel() {
    document.body.classList.remove('kg-open');
    panel.hidden = true;
    network.setSize(); network.redraw();
  }
  function focus(id) {
    if (!Object.prototype.hasOwnProperty.call(ents, id)) return;
    closeLists();
    if (nodes.get(id).hidden) { select.value = ''; filter(false); }
    if (focused === null) before = { position: network.getViewPosition(), scale: network.getScale() };
    focused = id;
    var keepNodes = {}, keepEdges = {};
    keepNodes[id] = true;
    (links[id] || []).forEach(function (f) { keepEdges[f[0]] = true; keepNodes[f[1]] = true; keepNodes[f[2]] = true; });
    shade(keepNodes, keepEdges);
    showEntity(id);
    openPanel();
    network.selectNodes([id]);
    fitTo(Object.keys(keepNodes).filter(function (n) { return !nodes.get(n).hidden; }));
  }
  function reset() {
    if (focused === null && panel.hidden) return;
    focused = null;
    shade(null, null);
    closePanel();
    network.unselectAll();
    if (before) network.moveTo({ position: before.position, scale: before.scale });
    before = null;
  }
  function showEntity(id) {
    var e = ents[id];
    clear(entity); doc.hidden = true; entity.hidden = false; entity.scrollTop = 0;
    var name = el('h2', e[0]); name.id = 'kg-name'; entity.appendChild(name);
    var cls = el('p', null, 'kg-class-of'); cls.appendChild(dot(e[1])); cls.appendChild(document.createTextNode(e[1]));
    entity.appendChild(cls);
    if (e[2].length) entity.appendChild(el('p', 'also: ' + e[2].join('; '), 'kg-aliases'));
    if (e[4].length) entity.appendChild(el('p', 'date: ' + e[4].join(', '), 'kg-dates'));
    var mine = links[id] || [];
    entity.appendChild(el('h3', 'facts (' + mine.length + ')'));
    var list = el('ul'); list.id = 'kg-facts'; entity.appendChild(list);
    if (!mine.length) list.appendChild(el('li', 'no relation to another entity', 'kg-note'));
    mine.forEach(function (f) {
      var li = el('li', null, 'kg-fact'), line = el('p', null, 'kg-triple');
      [f[1], ' ' + f[3] + ' \\u2192 ', f[2]].forEach(function (part, i) {
        if (i === 1) { line.appendChild(el('span', part, 'kg-prop')); return; }
        if (part === id) { line.appendChild(el('strong', ents[part][0])); return; }
        var other = el('button', ents[part][0], 'kg-ent'); other.type = 'button';
        other.title = ents[part][1];
        other.addEventListener('click', function () { focus(part); });
        line.appendChild(other);
      });
      li.appendChild(line);
      if (!f[4].length) li.appendChild(el('p', 'no quote kept', 'kg-note'));
      f[4].forEach(function (q) {
        var b = el('button', '\\u201c' + q[1] + '\\u201d', 'kg-quote'); b.type = 'button';
        b.appendChild(el('span', meta.docs[q[0]], 'kg-from'));
        b.addEventListener('click', function () { showDocument(q, id); });
        li.appendChild(b);
      });
      list.appendChild(li);
    });
    entity.appendChild(el('h3', 'documents (' + e[3].length + ')'));
    var docs = el('ul'); docs.id = 'kg-docs'; entity.appendChild(docs);
    e[3].forEach(function (d) { docs.appendChild(el('li', meta.docs[d])); });
  }
  function showDocument(q, from) {
    clear(doc); entity.hidden = true; doc.hidden = false;
    var back = el('button', '\\u2190 ' + ents[from][0], 'kg-back'); back.type = 'button'; back.id = 'kg-back';
    back.addEventListener('click', function () { showEntity(from); });
    doc.appendChild(back);
    var title = el('h3', meta.docs[q[0]]); title.id = 'kg-doc-title'; doc.appendChild(title);
    var t = q[2] >= 0 ? meta.texts[q[2]] : null, found = t && q[3] >= 0, note;
    if (!t) note = 'The graph keeps no text of this document: the quote alone.';
    else if (!found) note = 'The quote is not in the text kept of this document.';
    else if (t[3]) note = 'The document\\u2019s text, the quote marked.';
    else note = 'The text around the quote: characters ' + (t[1] + 1) + '\\u2013' + (t[1] + t[2].length) +
      ' of the document (for a graph this large the page keeps ' + meta.window +
      ' characters either side of each quote).';
    doc.appendChild(el('p', note, 'kg-note'));
    var body = el('div', null, 'kg-text'), mark = null;
    body.id = 'kg-doc-text';
    if (!t) { mark = el('mark', q[1]); body.appendChild(mark); }
    else if (!found) body.textContent = t[2];
    else {
      body.appendChild(document.createTextNode(t[2].slice(0, q[3])));
      mark = el('mark', t[2].slice(q[3], q[4])); body.appendChild(mark);
      body.appendChild(document.createTextNode(t[2].slice(q[4])));
    }
    doc.appendChild(body);
    if (mark) mark.scrollIntoView({ block: 'center' });
  }
  $('kg-close').addEventListener('click', reset);
  network.on('click', function (p) {
    if (p.nodes.length) focus(p.nodes[0]);
    else if (!p.edges.length) reset();
    else if (focused !== null) network.selectNodes([focused]);
  });
  document.addEventListener('keydown', function (ev) { if (ev.key === 'Escape') { closeLists(); reset(); } });

  // ---- the class filter: re-zooms to what stays visible
  function filter(zoom) {
    var wanted = select.value;
    focused = null; before = null; shade(null, null);
    if (!panel.hidden) { closePanel(); network.unselectAll(); }
    nodes.update(nodes.get().map(function (n) { return { id: n.id, hidden: wanted !== '' && n.kgclass !== wanted }; }));
    if (zoom) fitTo(shown());
  }
  select.addEventListener('change', function () { filter(true); });

  // ---- search: labels and other names, ignoring case and accents
  var search = $('kg-search'), hits = $('kg-hits'), found = [], active = 0, names = null, SHOWN = 50;
  function fold(s) { return String(s).normalize('NFD').replace(/\\p{M}+/gu, '').toLowerCase(); }
  function find(q) {
    var want = fold(q).trim(), best = {};
    if (!want) return [];
    if (!names) {
      names = [];
      Object.keys(ents).forEach(function (id) {
        names.push([id, fold(ents[id][0]), null]);
        ents[id][2].forEach(function (a) { names.push([id, fold(a), a]); });
      });
    }
    names.forEach(function (n) {
      var at = n[1].indexOf(want);
      if (at < 0) return;
      var how = n[1] === want ? 0 : at === 0 ? 1 : /[\\p{L}\\p{N}]/u.test(n[1].charAt(at - 1)) ? 3 : 2;
      var rank = 2 * how + (n[2] === null ? 0 : 1), b = best[n[0]];
      if (!b || rank < b.rank) best[n[0]] = { id: n[0], rank: rank, alias: n[2] };
    });
    return Object.keys(best).map(function (k) { return best[k]; }).sort(function (a, b) {
      return a.rank - b.rank || ents[a.id][0].localeCompare(ents[b.id][0]);
    });
  }
  function pick(i) {
    active = i;
    [].forEach.call(hits.querySelectorAll('li[role=option]'), function (li, j) {
      li.setAttribute('aria-selected', j === i ? 'true' : 'false');
      if (j === i) { li.scrollIntoView({ block: 'nearest' }); search.setAttribute('aria-activedescendant', li.id); }
    });
  }
  function list() {
    var q = search.value.trim();
    clear(hits); found = find(q); active = 0;
    if (!q) { closeLists(); return; }
    if (!found.length) hits.appendChild(el('li', 'no entity matches \\u201c' + q + '\\u201d', 'kg-none'));
    found.slice(0, SHOWN).forEach(function (h, i) {
      var li = el('li'); li.id = 'kg-hit-' + i; li.setAttribute('role', 'option');
      li.appendChild(el('span', ents[h.id][0], 'kg-hit'));
      if (h.alias !== null) li.appendChild(el('span', '(also \\u201c' + h.alias + '\\u201d)', 'kg-also'));
      li.appendChild(el('span', ents[h.id][1], 'kg-cls'));
      li.addEventListener('mousedown', function (ev) { ev.preventDefault(); });
      li.addEventListener('click', function () { choose(i); });
      hits.appendChild(li);
    });
    if (found.length > SHOWN) hits.appendChild(el('li', (found.length - SHOWN) + ' more: type more of the name', 'kg-none'));
    hits.hidden = false; search.setAttribute('aria-expanded', 'true');
    if (found.length) pick(0);
  }
  function choose(i) { var h = found[i]; if (h) focus(h.id); }
  search.addEventListener('input', list);
  search.addEventListener('focus', function () { if (search.value.trim()) list(); });
  search.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter') { ev.preventDefault(); if (hits.hidden) list(); choose(active); }
    else if (ev.key === 'ArrowDown' && found.length) { ev.preventDefault(); pick(Math.min(active + 1, Math.min(found.length, SHOWN) - 1)); }
    else if (ev.key === 'ArrowUp' && found.length) { ev.preventDefault(); pick(Math.max(active - 1, 0)); }
  });

  // ---- time: the dated entities in order
  var when = $('kg-when'), timeButton = $('kg-time-button'), times = $('kg-time');
  if (meta.time.length) {
    when.hidden = false;
    timeButton.textContent = 'in time (' + meta.time.length + ') \\u25be';
    meta.time.forEach(function (t) {
      var li = el('li');
      li.appendChild(el('span', t[0], 'kg-date'));
      li.appendChild(el('span', ents[t[1]][0], 'kg-hit'));
      li.appendChild(el('span', ents[t[1]][1], 'kg-cls'));
      li.addEventListener('click', function () { focus(t[1]); });
      times.appendChild(li);
    });
  }
  timeButton.addEventListener('click', function () {
    var open = times.hidden; closeLists(); times.hidden = !open;
    timeButton.setAttribute('aria-expanded', open ? 'true' : 'false');
  });
  function closeLists() {
    hits.hidden = true; times.hidden = true;
    search.setAttribute('aria-expanded', 'false'); timeButton.setAttribute('aria-expanded', 'false');
  }
  document.addEventListener('mousedown', function (ev) {
    if (!$('kg-find').contains(ev.target) && !when.contains(ev.target)) closeLists();
  });
})();
</script>
"""


# Before the network is made, every node's and edge's title becomes an element that holds it as text, and
# vis-network shows that element as it is.
_TIPS = """
              (function () {
                var tips = JSON.parse(document.getElementById('kg-meta').textContent).tips;
                function tip(id) {
                  var box = document.createElement('div');
                  box.textContent = tips[id];
                  return box;
                }
                nodes.update(nodes.getIds().map(function (id) { return { id: id, title: tip(id) }; }));
                edges.update(edges.getIds().map(function (id) { return { id: id, title: tip(id) }; }));
              })();
"""

# The opening view: the drawing fitted to the network's area (zoomed in up to twice its size). The controls above
# may grow a line once their script has run, after the network is made: then the canvas takes its new size and
# the drawing is fitted again before the page says it is drawn (window.kgStable).
_SETTLE = """
              network.fit(FIT);
              network.once('afterDrawing', function () {
                var canvas = network.canvas.frame.canvas, ratio = network.canvas.pixelRatio;
                if (canvas.height === Math.round(canvas.clientHeight * ratio)
                    && canvas.width === Math.round(canvas.clientWidth * ratio)) { window.kgStable = true; return; }
                network.setSize(); network.fit(FIT);
                network.once('afterDrawing', function () { window.kgStable = true; });
              });""".replace("FIT", json.dumps({"maxZoomLevel": 2, "animation": False}))

# The network takes the window below the controls.
_FILL = """<style>
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; }
body > .card { flex: 1 1 0; min-height: 0; }
#mynetwork { height: 100%; float: none; box-sizing: border-box; }
</style>
"""


def _finish(
    page: str, nodes: dict[str, Node], title: str, tips: dict[str, str], panel: dict[str, Any]
) -> str:
    """Strip pyvis's network links, add the controls, the tooltips and the panel's data (``panel_data``), and
    leave no http(s): text in the page."""
    # pyvis's link template sets tooltips as HTML; it is chosen by a title's text, and pyvis gets no titles
    assert "popup.innerHTML" not in page, "pyvis chose its link template: tooltips would run as HTML"
    page = re.sub(r"<link[^>]*bootstrap[^>]*/>", "", page, flags=re.S)
    page = re.sub(r"<script[^>]*bootstrap[^>]*>\s*</script>", "", page, flags=re.S)
    page = re.sub(r"<!--.*?-->", "", page, flags=re.S)
    page = page.replace("<center>\n<h1></h1>\n</center>", "").replace(
        "<center>\n          <h1></h1>\n        </center>", ""
    )
    used = sorted({n.cls for n in nodes.values()})
    meta = {
        "title": title,
        "classes": [{"name": c, "colour": STYLE.get(c, ("#999999", ""))[0]} for c in used],
        "tips": tips,
        **panel,
    }
    meta_json = _script_json(meta)
    page = page.replace(
        "<body>",
        "<body>" + _CONTROLS + f'<script type="application/json" id="kg-meta">{meta_json}</script>',
        1,
    )
    page = page.replace("</body>", _SCRIPT + "</body>", 1)
    # Say when the network is first drawn (window.kgStable): the handler goes right after the network is made,
    # before anything can draw it.
    created = "network = new vis.Network(container, data, options);"
    assert page.count(created) == 1, "pyvis's template changed: no place to watch the first drawing from"
    page = page.replace(created, _TIPS + created + _SETTLE, 1)
    # the title is text from the command line (--focus, --query): no scheme of a link in it either
    page = page.replace("<head>", f"<head>\n<title>{_html_text(title)}</title>", 1)
    page = page.replace("</head>", _FILL + "</head>", 1)
    # no network references, even in code comments: inside scripts the same strings, written as JavaScript escapes
    return re.sub(r"(<script[^>]*>)(.*?)(</script>)", _escape_schemes, page, flags=re.S)


def _script_json(data: Any) -> str:
    """`data` as JSON to put in a ``<script>`` element: no ``<``, ``>`` or ``&`` (nothing in it can end the
    element or open a comment), and no ``http:``/``https:`` text; JSON.parse reads back the same data."""
    text = json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return re.sub(r"([hH])([tT][tT][pP][sS]?:)", lambda m: f"\\u{ord(m.group(1)):04x}{m.group(2)}", text)


def _html_text(text: str) -> str:
    """`text` as HTML text (an element's content or a quoted attribute's value), with no ``http:``/``https:``
    text: the h of a scheme is a character reference."""
    return re.sub(
        r"([hH])([tT][tT][pP][sS]?:)", lambda m: f"&#{ord(m.group(1))};{m.group(2)}", html.escape(text)
    )


def _escape_schemes(m: re.Match[str]) -> str:
    body = re.sub(
        r"([hH])([tT][tT][pP][sS]?:)", lambda s: f"\\x{ord(s.group(1)):02x}{s.group(2)}", m.group(2)
    )
    return m.group(1) + body + m.group(3)


def write(path: Path, page: str) -> None:
    from kg.graph.files import write_bytes_atomically

    write_bytes_atomically(path, page.encode("utf-8"))

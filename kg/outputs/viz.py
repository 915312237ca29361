"""`kg viz`: the graph as one self-contained, interactive HTML network (pyvis over vis-network).

One node per entity (coloured and shaped by class, sized by degree, labelled by ``rdfs:label``), one directed
edge per contract relation between entities (labelled by the property's label). Hovering a node shows its class,
other names, dates and documents; hovering an edge shows the sentences it was read from. A search box, a filter
by class and a legend sit above the network. The positions are computed before the page is written
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
            label=n.label,
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
    return _finish(page, nodes, title, tips)


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


def _drawing(nodes: dict[str, Node], edges: list[Edge]) -> dict[str, _Drawn]:
    """Each node's size, font and box: the best-connected nodes' labels large enough to read at the opening view,
    as many as fit in ``LABEL_ROOM``, the others small until zoomed in; shapes sized by relations."""
    g = nx.Graph()
    g.add_nodes_from(nodes)
    g.add_edges_from((e.source, e.target) for e in edges if e.source != e.target)

    def drawn(iri: str, font: float) -> _Drawn:
        shape = STYLE.get(nodes[iri].cls, ("", "dot"))[1]
        size = 8.0 + 2.5 * min(g.degree(iri), 8)
        box = node_box(nodes[iri].label, shape=shape, size=size, font=font, wrap=WRAP * font)
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
  <input id="kg-search" type="search" placeholder="find an entity" aria-label="find an entity">
  <select id="kg-class" aria-label="show one class"><option value="">all classes</option></select>
  <span id="kg-legend"></span>
</div>
<style>
.vis-tooltip { white-space: pre-wrap !important; max-width: 40em; font-family: system-ui, sans-serif; }
#kg-legend span { display:inline-block; margin-left:.8em; }
#kg-legend i { display:inline-block; width:.9em; height:.9em; margin-right:.3em; vertical-align:middle; }
</style>
"""

_SCRIPT = """
<script>
(function () {
  var meta = JSON.parse(document.getElementById('kg-meta').textContent);
  document.getElementById('kg-title').textContent = meta.title;
  var legend = document.getElementById('kg-legend'), select = document.getElementById('kg-class');
  meta.classes.forEach(function (c) {
    var span = document.createElement('span'), dot = document.createElement('i');
    dot.style.background = c.colour; span.appendChild(dot); span.appendChild(document.createTextNode(c.name));
    legend.appendChild(span);
    var opt = document.createElement('option'); opt.value = c.name; opt.textContent = c.name; select.appendChild(opt);
  });
  select.addEventListener('change', function () {
    var wanted = select.value;
    nodes.update(nodes.get().map(function (n) { return { id: n.id, hidden: wanted !== '' && n.kgclass !== wanted }; }));
  });
  document.getElementById('kg-search').addEventListener('change', function (e) {
    var q = e.target.value.toLowerCase();
    var hit = nodes.get().filter(function (n) { return String(n.label).toLowerCase().indexOf(q) >= 0; });
    if (hit.length) { network.selectNodes([hit[0].id]); network.focus(hit[0].id, { scale: 1.2, animation: true }); }
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


def _finish(page: str, nodes: dict[str, Node], title: str, tips: dict[str, str]) -> str:
    """Strip pyvis's network links, add the controls and the tooltips, and leave no http(s): text in the page."""
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
    }
    meta_json = json.dumps(meta).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    meta_json = re.sub(
        r"([hH])([tT][tT][pP][sS]?:)", lambda m: f"\\u{ord(m.group(1)):04x}{m.group(2)}", meta_json
    )
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
    page = page.replace("<head>", f"<head>\n<title>{html.escape(title)}</title>", 1)
    page = page.replace("</head>", _FILL + "</head>", 1)
    # no network references, even in code comments: inside scripts the same strings, written as JavaScript escapes
    return re.sub(r"(<script[^>]*>)(.*?)(</script>)", _escape_schemes, page, flags=re.S)


def _escape_schemes(m: re.Match[str]) -> str:
    body = re.sub(
        r"([hH])([tT][tT][pP][sS]?:)", lambda s: f"\\x{ord(s.group(1)):02x}{s.group(2)}", m.group(2)
    )
    return m.group(1) + body + m.group(3)


def write(path: Path, page: str) -> None:
    from kg.graph.files import write_bytes_atomically

    write_bytes_atomically(path, page.encode("utf-8"))

"""`kg viz` end to end, in a real browser: a store built from seeds/ with `kg add`, the page written by real `kg viz`
processes, opened as a file:// URL in headless Chromium (Debian's, driven by Playwright; never a downloaded
browser), and what vis-network holds there compared with the graph as pyoxigraph and networkx read it from the
store, independently of kg/viz.py."""

from __future__ import annotations

import contextlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox
import pytest
from helpers import ROOT, kg, ok, one_error_line
from playwright.sync_api import BrowserContext, Page, Route, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STABLE_LIMIT_MS = 120_000  # only stops a wait for ever: how fast the viewer is, is bench/run.py's viewer_N_s

KG = "https://w3id.org/kg/ontology#"
ID = "https://w3id.org/kg/id/"
CLASSES = (
    "Person",
    "Organization",
    "Agency",
    "PoliticalParty",
    "Programme",
    "Inquiry",
    "Incident",
    "Place",
    "Post",
    "Event",
    "Legislation",
)
SUBCLASSES_OF_ORGANIZATION = {"Agency", "PoliticalParty"}
RELATIONS = (
    "perpetrator",
    "victim",
    "place",
    "commissionedBy",
    "concerns",
    "ledBy",
    "holdsPost",
    "memberOf",
    "referredTo",
    "involves",
)
SPARQL_PREFIXES = """
PREFIX kg: <https://w3id.org/kg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""

HOSTILE_SCRIPT = "<script>window.pwned=1</script>"
HOSTILE_IMG = '<img src=x onerror="window.pwned=2;alert(2)">'
HOSTILE_TITLE = f"{HOSTILE_SCRIPT} Harrow \"Review\" \\ report {HOSTILE_IMG} 'single'"
HOSTILE_TEXT = (
    f"{HOSTILE_TITLE}\n\n"
    f"Clara Venn, a member of the Kettering Trust, said {HOSTILE_SCRIPT} and {HOSTILE_IMG} were "
    '"quoted" with a back\\slash and \\u003c, see https://example.org/report?a=1&b=2.\n'
    "Tom Edward Ashdown, a member of the Kettering Trust, was appointed Home Secretary.\n"
)

# Markup that runs when a tooltip is set through innerHTML: each sets window.kgRan and raises a dialog, BEACON
# also asks the network for an image. pyvis sets every node's tooltip through innerHTML as soon as one title
# holds the text "href", so each string below comes with that word.
HREF_IMG = "<img src=x onerror=window.kgRan=1;alert(1)>"
HREF_SVG = "<svg onload=window.kgRan=2;alert(2)>"
HREF_LINK = '<a href="javascript:window.kgRan=3;alert(3)">go</a>'
HREF_BEACON = "<img src=https://kg-viewer.invalid/leak onerror=window.kgRan=4;alert(4)>"
HREF_TITLE = f"Northby href {HREF_IMG} {HREF_SVG} {HREF_LINK}: Learning Review"
HREF_QUOTE = (
    f"Clara Venn, a member of the Castell Trust, said {HREF_LINK}, {HREF_IMG}, {HREF_BEACON} and {HREF_SVG} "
    "were quoted."
)
HREF_TEXT = (
    f"{HREF_TITLE}\n\n{HREF_QUOTE}\n"
    "Tom Edward Ashdown, a member of the Href Trust, was appointed Home Secretary.\n"
    "The Northby href Learning Review was commissioned by the Castell Trust.\n"
)

#: A node's or an edge's title as the text its tooltip shows (vis-network takes a string or a DOM element).
TITLE_TEXT = "(t => t instanceof Element ? t.textContent : t)"


# ---------------------------------------------------------------------------------------------------------------
# running kg


def viz(cwd: Path, out: Path, *args: str) -> Path:
    result = ok(kg("viz", "-o", str(out), *args, cwd=cwd))
    assert out.is_file()
    assert re.fullmatch(r"kg: \d+ entit(y|ies), \d+ relations? -> .*\n", result.stderr), result.stderr
    return out


# ---------------------------------------------------------------------------------------------------------------
# the graph, read independently with pyoxigraph


@dataclass
class Facts:
    labels: dict[str, str] = field(default_factory=dict)  # entity IRI -> rdfs:label
    classes: dict[str, set[str]] = field(default_factory=dict)  # entity IRI -> kg: classes
    aliases: dict[str, set[str]] = field(default_factory=dict)
    documents: dict[str, set[str]] = field(default_factory=dict)  # entity IRI -> titles of its documents
    dates: dict[str, set[str]] = field(default_factory=dict)
    relations: set[tuple[str, str, str]] = field(default_factory=set)  # (s, property local name, o)
    quotes: dict[tuple[str, str, str], set[str]] = field(default_factory=dict)

    def cls(self, iri: str) -> str:
        """The most specific class: an Agency or a PoliticalParty is also an Organization."""
        own = self.classes[iri]
        return sorted(own - {"Organization"} if own & SUBCLASSES_OF_ORGANIZATION else own)[0]

    def graph(self) -> nx.Graph:
        g = nx.Graph()
        g.add_nodes_from(self.labels)
        g.add_edges_from((s, o) for s, _, o in self.relations)
        return g

    def restricted(self, keep: set[str]) -> Facts:
        return Facts(
            {e: v for e, v in self.labels.items() if e in keep},
            {e: v for e, v in self.classes.items() if e in keep},
            relations={r for r in self.relations if r[0] in keep and r[2] in keep},
        )


def select(store: ox.Store, query: str) -> list[dict[str, str]]:
    result = store.query(SPARQL_PREFIXES + query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def read_facts(store: ox.Store) -> Facts:
    facts = Facts()
    classes = " ".join(f"kg:{c}" for c in CLASSES)
    for r in select(
        store, f"SELECT DISTINCT ?e ?l ?c WHERE {{ VALUES ?c {{ {classes} }} ?e a ?c ; rdfs:label ?l }}"
    ):
        assert facts.labels.setdefault(r["e"], r["l"]) == r["l"], f"{r['e']} has two labels"
        facts.classes.setdefault(r["e"], set()).add(r["c"][len(KG) :])
    for var, target, pattern in (
        ("a", facts.aliases, "?e skos:altLabel ?a"),
        ("a", facts.documents, "?e kg:mentionedIn/dcterms:title ?a"),
        ("a", facts.dates, "?e kg:date ?a"),
    ):
        for r in select(store, f"SELECT DISTINCT ?e ?a WHERE {{ {pattern} }}"):
            if r["e"] in facts.labels:
                target.setdefault(r["e"], set()).add(r[var])
    props = " ".join(f"kg:{p}" for p in RELATIONS)
    for r in select(store, f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?p {{ {props} }} ?s ?p ?o }}"):
        if r["s"] in facts.labels and r["o"] in facts.labels:
            facts.relations.add((r["s"], r["p"][len(KG) :], r["o"]))
    evidence = """SELECT DISTINCT ?s ?p ?o ?q WHERE {
        ?ev a kg:Evidence ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kg:quote ?q }"""
    for r in select(store, evidence):
        key = (r["s"], r["p"][len(KG) :], r["o"])
        if key in facts.relations:
            facts.quotes.setdefault(key, set()).add(r["q"])
    return facts


def store_facts(store_dir: Path) -> Facts:
    return read_facts(ox.Store.read_only(str(store_dir / "oxigraph")))


def file_facts(path: Path) -> Facts:
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return read_facts(store)


def property_labels() -> dict[str, str]:
    ontology = ox.Store()
    ontology.load(path=str(ROOT / "ontology" / "kg.ttl"), format=ox.RdfFormat.TURTLE)
    props = " ".join(f"kg:{p}" for p in RELATIONS)
    rows = select(ontology, f"SELECT ?p ?l WHERE {{ VALUES ?p {{ {props} }} ?p rdfs:label ?l }}")
    labels = {r["p"][len(KG) :]: r["l"] for r in rows}
    assert set(labels) == set(RELATIONS)
    return labels


# ---------------------------------------------------------------------------------------------------------------
# the browser


@dataclass
class Viewer:
    """One page of the viewer in Chromium, and what it asked for, raised and opened."""

    page: Page
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def drawn(self) -> dict[str, Any]:
        """Everything vis-network holds: its data sets, and the nodes and edges the network itself indexes."""
        return self.js(
            """() => ({
              nodeCount: nodes.length, edgeCount: edges.length,
              networkNodes: network.body.data.nodes.length, networkEdges: network.body.data.edges.length,
              nodes: nodes.get().map(n => ({id: n.id, label: n.label, title: TITLE_TEXT(n.title),
                                            kgclass: n.kgclass, hidden: !!n.hidden})),
              edges: edges.get().map(e => ({id: e.id, from: e.from, to: e.to, label: e.label,
                                            title: TITLE_TEXT(e.title)})),
            })""".replace("TITLE_TEXT", TITLE_TEXT)
        )

    def tooltip(self, expected: str) -> str:
        """vis-network's tooltip as a person reads it, once it shows `expected` (or after a while, whatever it shows)."""
        shows = """(expected) => { const t = document.querySelector('div.vis-tooltip');
                                    return !!t && t.style.visibility !== 'hidden' && t.innerText === expected; }"""
        with contextlib.suppress(PlaywrightTimeoutError):
            self.page.wait_for_function(shows, arg=expected, timeout=5_000)
        return str(self.js("() => document.querySelector('div.vis-tooltip')?.innerText ?? ''"))

    def shown_tooltip(self) -> dict[str, Any]:
        """What the page shows as a tooltip: every element that displays one (vis-network's, or any other that is
        visible, such as pyvis's link popup), its text, and the elements that markup would have made in it."""
        return self.js(
            """() => {
              const shown = (el) => { const s = getComputedStyle(el);
                                      return s.display !== 'none' && s.visibility !== 'hidden'; };
              const tips = [...document.querySelectorAll('div.vis-tooltip, div.popup')].filter(shown);
              const made = 'img, svg, a, script, iframe, object, embed, math, video, audio, form, input';
              return {count: tips.length, text: tips.map(t => t.textContent).join('\\n'),
                      made: tips.flatMap(t => [...t.querySelectorAll(made)].map(e => e.outerHTML)),
                      anywhere: [...document.querySelectorAll('img, svg, a, iframe, object, embed')]
                                  .map(e => e.outerHTML)};
            }"""
        )

    def hover(self, point: dict[str, float], expected: str) -> str:
        self.page.mouse.move(point["x"], point["y"])
        return self.tooltip(expected)

    def hover_node(self, node_id: str) -> str:
        """Point at a node; the tooltip's text."""
        point = self.js(
            """(id) => {
              const c = network.canvasToDOM(network.getPositions([id])[id]);
              const box = document.getElementById('mynetwork').getBoundingClientRect();
              let last = null;  // the centre, or a point near it that no other node covers
              for (const [dx, dy] of [[0, 0], [3, 0], [-3, 0], [0, 3], [0, -3], [5, 5], [-5, -5], [5, -5], [-5, 5]]) {
                const p = {x: c.x + dx, y: c.y + dy};
                last = {x: box.left + p.x, y: box.top + p.y, at: network.getNodeAt(p)};
                if (last.at === id) return last;
              }
              return last;
            }""",
            node_id,
        )
        assert point["at"] == node_id, f"{node_id} is hidden under {point['at']}"
        return self.hover(point, self.js(f"(id) => {TITLE_TEXT}(nodes.get(id).title)", node_id))

    def hover_edge(self, edge_id: str) -> str:
        """Point at the middle of an edge; the tooltip's text."""
        # the layout is random: take the first point along the edge that no node covers and no other edge comes
        # near (vis-network shows the tooltip of any edge within its reach of the pointer, and keeps one shown
        # while the pointer stays in that edge's reach)
        point = self.js(
            """(id) => {
              const edge = network.body.edges[id];
              const box = document.getElementById('mynetwork').getBoundingClientRect();
              const near = (c) => network.body.edgeIndices.filter(
                other => network.body.edges[other].isOverlappingWith({left: c.x, right: c.x, top: c.y, bottom: c.y}));
              // a node's label shows its tooltip too, and reaches past the node's shape: keep clear of both
              const labelled = (c) => network.body.nodeIndices.find(n => {
                const b = network.getBoundingBox(n);
                return c.x >= b.left - 4 && c.x <= b.right + 4 && c.y >= b.top - 4 && c.y <= b.bottom + 4; }) ?? null;
              let last = null;
              // clear of labels if the edge has such a point (a short edge between long labels may have none)
              for (const clear of [labelled, () => null]) {
                for (let i = 0; i <= 64; i++) {  // from the middle outwards: 0.5, 0.5125, 0.4875, ... 0.1, 0.9
                  const t = 0.5 + (i % 2 ? 1 : -1) * Math.ceil(i / 2) * 0.0125;
                  const c = edge.edgeType.getPoint(t), p = network.canvasToDOM(c);
                  last = {x: box.left + p.x, y: box.top + p.y, node: network.getNodeAt(p) ?? clear(c),
                          at: network.getEdgeAt(p), near: near(c)};
                  if (last.node === null && last.at === id && last.near.length === 1) return last;
                }
              }
              return last;
            }""",
            edge_id,
        )
        assert point["node"] is None and point["at"] == edge_id and point["near"] == [edge_id], point
        return self.hover(point, self.js(f"(id) => {TITLE_TEXT}(edges.get(id).title)", edge_id))


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: .ci/run installs Debian's chromium"
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900},
        )

        def offline(route: Route) -> None:  # nothing but file: URLs ever leaves the page
            route.abort()

        context.route(re.compile(r"^(?!file:)"), offline)
        yield context
        context.close()


@pytest.fixture
def open_viewer(browser: BrowserContext) -> Iterator[Any]:
    pages: list[Page] = []

    def open_(path: Path) -> Viewer:
        page = browser.new_page()
        pages.append(page)
        viewer = Viewer(page)
        page.on("request", lambda r: viewer.requests.append(r.url))
        page.on("pageerror", lambda e: viewer.errors.append(str(e)))

        def dialog(d: Any) -> None:
            viewer.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)
        page.goto(path.as_uri())
        page.wait_for_function("() => window.kgStable === true", timeout=STABLE_LIMIT_MS, polling=100)
        # pyvis's progress bar fades out after stabilisation; it lies over the network until then
        page.wait_for_function(
            """() => { const bar = document.getElementById('loadingBar');
                       return !bar || getComputedStyle(bar).display === 'none'; }""",
            timeout=10_000,
        )
        assert viewer.js("() => network.physics.options.enabled") is False
        assert viewer.requests == [path.as_uri()], viewer.requests
        return viewer

    yield open_
    for page in pages:
        page.close()


# ---------------------------------------------------------------------------------------------------------------
# the seed graph


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("seed")
    ok(kg("add", str(ROOT / "seeds"), "--store", "store", "--root", str(ROOT), cwd=folder))
    return folder / "store"


@pytest.fixture(scope="module")
def seed_facts(seed_store: Path) -> Facts:
    facts = store_facts(seed_store)
    assert len(facts.labels) > 20 and len(facts.relations) > 15  # the seed is not trivially small
    return facts


@pytest.fixture(scope="module")
def seed_page(seed_store: Path) -> Path:
    return viz(seed_store.parent, seed_store.parent / "graph.html", "--store", str(seed_store))


def assert_offline(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert re.search(r"https?:", text, re.I) is None, re.search(r".{60}https?:.{60}", text, re.I | re.S)
    assert re.search(r"<link\b", text, re.I) is None
    assert re.search(r"<(script|img|iframe|embed|object|source)\b[^>]*\b(src|data)\s*=", text, re.I) is None
    assert re.search(r"@import|url\(\s*['\"]?//", text, re.I) is None
    assert "vis.Network" in text  # vis-network itself is in the page


def as_drawn(label: str) -> str:
    """A label as a node shows it: on one line, cut at 100 characters (the tooltip and the panel hold it whole)."""
    one_line = " ".join(label.split())
    return one_line if len(one_line) <= 100 else one_line[:99].rstrip() + "\u2026"


def assert_draws(viewer: Viewer, facts: Facts) -> dict[str, Any]:
    """The page holds one node per entity, labelled by its rdfs:label, and one edge per relation."""
    drawn = viewer.drawn()
    labels = {e: as_drawn(label) for e, label in facts.labels.items()}
    assert drawn["nodeCount"] == drawn["networkNodes"] == len(drawn["nodes"]) == len(facts.labels)
    assert drawn["edgeCount"] == drawn["networkEdges"] == len(drawn["edges"]) == len(facts.relations)
    assert Counter(n["label"] for n in drawn["nodes"]) == Counter(labels.values())
    assert Counter(n["kgclass"] for n in drawn["nodes"]) == Counter(facts.cls(e) for e in facts.labels)
    label_of = {n["id"]: n["label"] for n in drawn["nodes"]}
    names = property_labels()
    assert Counter((label_of[e["from"]], e["label"], label_of[e["to"]]) for e in drawn["edges"]) == Counter(
        (labels[s], names[p], labels[o]) for s, p, o in facts.relations
    )
    return drawn


def test_seed_page_needs_no_network(seed_page: Path) -> None:
    assert_offline(seed_page)


def test_seed_graph_in_chromium(seed_page: Path, seed_facts: Facts, open_viewer: Any) -> None:
    viewer = open_viewer(seed_page)
    assert_draws(viewer, seed_facts)
    # the legend and the class filter list exactly the classes present
    legend = viewer.js("() => [...document.querySelectorAll('#kg-legend span')].map(s => s.textContent)")
    present = sorted({seed_facts.cls(e) for e in seed_facts.labels})
    assert sorted(legend) == present
    options = viewer.js("() => [...document.querySelectorAll('#kg-class option')].map(o => o.value)")
    assert sorted(options) == ["", *present]
    # physics has stopped: nothing moves any more
    before = viewer.js("() => network.getPositions()")
    viewer.page.wait_for_timeout(600)
    assert viewer.js("() => network.getPositions()") == before
    assert viewer.errors == [] and viewer.dialogs == []


def test_titles_tell_class_aliases_documents_dates_and_evidence(
    seed_page: Path, seed_facts: Facts, open_viewer: Any
) -> None:
    viewer = open_viewer(seed_page)
    drawn = viewer.drawn()
    by_label = {seed_facts.labels[e]: e for e in seed_facts.labels}
    dated = 0
    for node in drawn["nodes"]:
        iri = by_label[node["label"]]
        title = node["title"]
        assert seed_facts.cls(iri) in title
        for alias in seed_facts.aliases.get(iri, ()):
            assert alias in title, (alias, title)
        assert seed_facts.documents[iri], iri
        for document in seed_facts.documents[iri]:
            assert document in title, (document, title)
        if seed_facts.cls(iri) in {"Incident", "Inquiry"}:
            for date in seed_facts.dates.get(iri, ()):
                assert date in title, (date, title)
                dated += 1
    assert dated > 0  # the murder of David Amess has its date
    label_of = {n["id"]: n["label"] for n in drawn["nodes"]}
    names = property_labels()
    quoted = 0
    for edge in drawn["edges"]:
        candidates = [
            r
            for r in seed_facts.relations
            if (seed_facts.labels[r[0]], names[r[1]], seed_facts.labels[r[2]])
            == (label_of[edge["from"]], edge["label"], label_of[edge["to"]])
        ]
        assert len(candidates) == 1
        quotes = seed_facts.quotes.get(candidates[0], set())
        if quotes:
            assert any(q in edge["title"] for q in quotes), (quotes, edge["title"])
            quoted += 1
    assert quoted >= len(drawn["edges"]) // 2

    # what a person sees on hover: the tooltip shows the node's and the edge's title as text
    amess = next(n for n in drawn["nodes"] if n["label"] == "David Amess")
    assert viewer.hover_node(amess["id"]) == amess["title"]
    assert "Person" in amess["title"] and "Sir David" in amess["title"]
    victim = next(e for e in drawn["edges"] if e["to"] == amess["id"] and e["label"] == names["victim"])
    text = viewer.hover_edge(victim["id"])
    assert text == victim["title"]
    assert "fatally stabbed" in text


def test_class_filter_and_search(seed_page: Path, seed_facts: Facts, open_viewer: Any) -> None:
    viewer = open_viewer(seed_page)
    viewer.page.select_option("#kg-class", "Person")
    drawn = viewer.drawn()
    shown = sorted(n["label"] for n in drawn["nodes"] if not n["hidden"])
    assert shown == sorted(seed_facts.labels[e] for e in seed_facts.labels if seed_facts.cls(e) == "Person")
    viewer.page.select_option("#kg-class", "")
    assert not any(n["hidden"] for n in viewer.drawn()["nodes"])
    viewer.page.fill("#kg-search", "leigh-on-sea")
    viewer.page.press("#kg-search", "Enter")
    selected = viewer.js("() => network.getSelectedNodes().map(id => nodes.get(id).label)")
    assert selected == ["Leigh-on-Sea"]


# ---------------------------------------------------------------------------------------------------------------
# a hostile document


def test_hostile_document_runs_nothing(tmp_path: Path, open_viewer: Any) -> None:
    (tmp_path / "hostile.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    ok(kg("add", "hostile.txt", "--store", "store", cwd=tmp_path))
    facts = store_facts(tmp_path / "store")
    assert HOSTILE_TITLE in {t for ts in facts.documents.values() for t in ts}
    hostile_quotes = {q for qs in facts.quotes.values() for q in qs if HOSTILE_SCRIPT in q}
    assert hostile_quotes, facts.quotes  # the sentence holding the markup is evidence for a relation
    page = viz(tmp_path, tmp_path / "hostile.html", "--store", "store")
    assert_offline(page)
    assert HOSTILE_SCRIPT not in page.read_text(encoding="utf-8")

    viewer = open_viewer(page)
    drawn = assert_draws(viewer, facts)
    ids = [n["id"] for n in drawn["nodes"]]
    viewer.js("(ids) => network.selectNodes(ids)", ids)
    for node in drawn["nodes"]:
        text = viewer.hover_node(node["id"])
        assert text == node["title"]
        assert HOSTILE_TITLE in text  # shown as text: markup, quotes and backslashes as written
    quoting = 0
    for edge in drawn["edges"]:
        text = viewer.hover_edge(edge["id"])
        assert text == edge["title"]
        assert HOSTILE_TITLE in text  # the document each quote comes from
        if any(q in text for q in hostile_quotes):
            quoting += 1
            # the page spells URLs with escapes (no http: in the file); the viewer shows them as written
            assert "https://example.org/report?a=1&b=2" in text
    assert quoting > 0
    viewer.js("() => network.unselectAll()")
    viewer.page.wait_for_timeout(300)
    assert viewer.js("() => typeof window.pwned") == "undefined"
    assert viewer.js("() => document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert viewer.js("() => document.querySelectorAll('script').length") == viewer.js(
        "() => document.querySelectorAll('script:not([src])').length"
    )
    assert viewer.dialogs == []
    assert viewer.errors == []
    assert viewer.requests == [page.as_uri()]  # <img src=x> would have asked for file:///…/x


def hover_everything_as_text(page: Path, viewer: Viewer, facts: Facts, everywhere: list[str]) -> set[str]:
    """Hover every node and every edge of the page: each tooltip is shown, holds its title as text (the strings
    of `everywhere` among it) and no element made from markup; nothing runs and nothing is fetched. Returns the
    texts of all the tooltips."""
    drawn = assert_draws(viewer, facts)
    seen: set[str] = set()
    problems: list[tuple[str, Any]] = []
    items = [("node", n) for n in drawn["nodes"]] + [("edge", e) for e in drawn["edges"]]
    for kind, item in items:
        viewer.hover_node(item["id"]) if kind == "node" else viewer.hover_edge(item["id"])
        shown = viewer.shown_tooltip()
        seen.add(shown["text"])
        if shown["count"] != 1 or shown["text"] != item["title"] or shown["made"] or shown["anywhere"]:
            problems.append((f"{kind} {item['label']!r}", shown))
        missing = [s for s in everywhere if s not in shown["text"]]
        if missing:
            problems.append((f"{kind} {item['label']!r}: tooltip lacks", missing))
    viewer.page.mouse.move(1, 1)
    viewer.page.wait_for_timeout(500)  # an image that fails to load calls its onerror a little later
    # nothing ran (no flag, no dialog) and nothing was fetched: <img src=x> asks for file:///…/x, the beacon for https:
    ran = viewer.js("() => window.kgRan")
    assert (ran, viewer.dialogs, viewer.requests) == (None, [], [page.as_uri()]), "markup in a tooltip ran"
    assert viewer.errors == []
    assert problems == []
    return seen


def test_href_in_a_document_is_still_shown_as_text(tmp_path: Path, open_viewer: Any) -> None:
    (tmp_path / "href.txt").write_text(HREF_TEXT, encoding="utf-8")
    ok(kg("add", "href.txt", "--store", "store", cwd=tmp_path))
    facts = store_facts(tmp_path / "store")
    # the markup and the word "href" reach a name, the document's title and an evidence quote
    assert HREF_TITLE in facts.labels.values()
    assert "Href Trust" in facts.labels.values()
    assert {HREF_TITLE} == {t for ts in facts.documents.values() for t in ts}
    assert HREF_QUOTE in {q for qs in facts.quotes.values() for q in qs}, facts.quotes
    page = viz(tmp_path, tmp_path / "href.html", "--store", "store")
    assert_offline(page)

    seen = hover_everything_as_text(page, open_viewer(page), facts, [HREF_TITLE])
    assert any(HREF_QUOTE in text for text in seen)  # an edge's tooltip quotes the sentence as written
    assert any(text.startswith(HREF_TITLE + "\nclass: Inquiry") for text in seen)  # the inquiry it names


def test_href_in_every_field_of_a_graph_file_is_still_shown_as_text(tmp_path: Path, open_viewer: Any) -> None:
    """Names, other names, dates, document titles and quotes, each holding markup and "href"."""
    doc, person, trust = f"<{ID}document/filed>", f"<{ID}person/nadia-oakes>", f"<{ID}organization/okafor>"
    name, alias, other = f"Nadia href {HREF_IMG}", f"{HREF_SVG} href", f"href {HREF_BEACON}"
    date, title, quote = f"{HREF_LINK} href", f"Filed href {HREF_LINK}", f"said {HREF_BEACON} href {HREF_IMG}"
    graph = tmp_path / "filed.ttl"
    graph.write_text(
        "\n".join(
            [
                f"@prefix kg: <{KG}> .",
                "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .",
                "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
                "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
                "@prefix dcterms: <http://purl.org/dc/terms/> .",
                f"{doc} a kg:Document ; dcterms:title {json.dumps(title)} .",
                f"{person} a kg:Person ; rdfs:label {json.dumps(name)} ; skos:altLabel {json.dumps(alias)} ;",
                f"    kg:date {json.dumps(date)} ; kg:mentionedIn {doc} ; kg:memberOf {trust} .",
                f'{trust} a kg:Organization ; rdfs:label "Okafor Trust" ; skos:altLabel {json.dumps(other)} ;',
                f"    kg:mentionedIn {doc} .",
                f"<{ID}evidence/filed-1> a kg:Evidence ; rdf:subject {person} ; rdf:predicate kg:memberOf ;",
                f"    rdf:object {trust} ; kg:quote {json.dumps(quote)} ; kg:source {doc} .",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    facts = file_facts(graph)
    nadia, okafor = person.strip("<>"), trust.strip("<>")
    assert facts.labels[nadia] == name and facts.aliases == {nadia: {alias}, okafor: {other}}
    assert facts.dates == {nadia: {date}} and facts.documents == {nadia: {title}, okafor: {title}}
    assert facts.quotes == {(nadia, "memberOf", okafor): {quote}}
    page = viz(tmp_path, tmp_path / "filed.html", "--graph", str(graph))
    assert_offline(page)

    seen = hover_everything_as_text(page, open_viewer(page), facts, [title])
    for text in (name, alias, date, other, quote):
        assert any(text in shown for shown in seen), text


# ---------------------------------------------------------------------------------------------------------------
# parts of the graph


@pytest.mark.parametrize(("name", "hops"), [("David Amess", 1), ("Sir David", 2)])
def test_focus_draws_the_neighbourhood(
    seed_store: Path, seed_facts: Facts, open_viewer: Any, tmp_path: Path, name: str, hops: int
) -> None:
    start = {
        e
        for e, label in seed_facts.labels.items()
        if name.casefold() in {label.casefold(), *(a.casefold() for a in seed_facts.aliases.get(e, ()))}
    }
    assert start
    g = seed_facts.graph()
    keep = set().union(*(nx.ego_graph(g, s, radius=hops) for s in start))
    expected = seed_facts.restricted(keep)
    assert 1 < len(expected.labels) < len(seed_facts.labels)
    page = viz(
        tmp_path, tmp_path / "focus.html", "--store", str(seed_store), "--focus", name, "--hops", str(hops)
    )
    assert_offline(page)
    assert_draws(open_viewer(page), expected)


def test_focus_on_an_unknown_name_is_a_usage_error(seed_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "nobody.html"
    result = kg("viz", "--store", str(seed_store), "--focus", "Nobody Atall", "-o", str(out), cwd=tmp_path)
    assert "Nobody Atall" in one_error_line(result)
    assert not out.exists()


def test_query_draws_the_constructed_subgraph(
    seed_store: Path, seed_facts: Facts, open_viewer: Any, tmp_path: Path
) -> None:
    (tmp_path / "members.rq").write_text(
        "PREFIX kg: <https://w3id.org/kg/ontology#>\n"
        "CONSTRUCT { ?p kg:memberOf ?o . ?p kg:holdsPost ?post }\n"
        "WHERE { ?p kg:memberOf ?o . OPTIONAL { ?p kg:holdsPost ?post } }\n",
        encoding="utf-8",
    )
    wanted = {r for r in seed_facts.relations if r[1] in {"memberOf", "holdsPost"}}
    wanted = {r for r in wanted if any(m[0] == r[0] and m[1] == "memberOf" for m in wanted)}
    expected = seed_facts.restricted({e for s, _, o in wanted for e in (s, o)})
    expected.relations = wanted
    assert wanted and len(expected.labels) < len(seed_facts.labels)
    page = viz(tmp_path, tmp_path / "part.html", "--store", str(seed_store), "--query", "members.rq")
    assert_offline(page)
    assert_draws(open_viewer(page), expected)


def test_query_that_is_not_construct_is_a_usage_error(seed_store: Path, tmp_path: Path) -> None:
    (tmp_path / "select.rq").write_text("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1\n", encoding="utf-8")
    out = tmp_path / "select.html"
    one_error_line(
        kg("viz", "--store", str(seed_store), "--query", "select.rq", "-o", str(out), cwd=tmp_path)
    )
    assert not out.exists()


# ---------------------------------------------------------------------------------------------------------------
# a large graph


def synthetic_graph(path: Path, people: int = 2000, organisations: int = 100) -> int:
    """People and organisations mentioned in one document, valid per the contract; returns the memberships."""
    doc = f"<{ID}document/synthetic-roll-txt>"
    lines = [
        f"@prefix kg: <{KG}> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        f'{doc} a kg:Document ; dcterms:title "Synthetic roll" .',
    ]
    for j in range(organisations):
        lines.append(f'<{ID}organization/org-{j}> a kg:Organization ; rdfs:label "Organisation {j}" ;')
        lines.append(f"    kg:mentionedIn {doc} .")
    memberships = 0
    for i in range(people):
        orgs = {i % organisations} | ({(i * 7 + 3) % organisations} if i < people // 2 else set())
        memberships += len(orgs)
        objects = ", ".join(f"<{ID}organization/org-{j}>" for j in sorted(orgs))
        lines.append(f"<{ID}person/p-{i}> a kg:Person ; rdfs:label {json.dumps(f'Person {i}')} ;")
        lines.append(f"    kg:mentionedIn {doc} ; kg:memberOf {objects} .")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return memberships


def test_two_thousand_nodes_stabilise(tmp_path: Path, open_viewer: Any) -> None:
    graph = tmp_path / "big.ttl"
    memberships = synthetic_graph(graph)
    facts = file_facts(graph)
    assert len(facts.labels) == 2100 and len(facts.relations) == memberships > 2900
    page = viz(tmp_path, tmp_path / "big.html", "--graph", str(graph))
    assert_offline(page)
    viewer = open_viewer(page)  # it waits STABLE_LIMIT_MS at most for the network to be still, then fails
    drawn = viewer.drawn()
    assert drawn["nodeCount"] == drawn["networkNodes"] == 2100
    assert drawn["edgeCount"] == drawn["networkEdges"] == memberships
    assert viewer.errors == []

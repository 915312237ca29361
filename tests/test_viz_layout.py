"""The viewer at a glance, in headless Chromium at 1400×900: the network fills the window below the controls and
the opening view is fitted to the drawing; labels are large enough to read (every one on the seed graph, the
best-connected thirty on the development set's graph, the rest once zoomed in or hovered); no node's box (shape
and label, as vis-network reports it) overlaps another's; the entities with no relation sit in a block of columns
beside the drawing, class by class. Measured from what the page reports, for the seed graph and for the
development set's graph (seeds/ and tests/corpus/)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT, kg, ok
from test_viz import browser, open_viewer, seed_page, seed_store, viz  # noqa: F401  (fixtures, and kg viz)

#: The least height, in pixels on screen, of a label one can read at a glance.
LEGIBLE = 11.0

#: What the page shows, per node: its label, class, font size, relations, and the box vis-network gives its shape
#: and label, in the network's coordinates; and the view's scale and the network's area on the page.
SHOWN = """() => {
  const count = {};
  edges.get().forEach(e => { if (e.from !== e.to) { count[e.from] = (count[e.from] || 0) + 1;
                                                     count[e.to] = (count[e.to] || 0) + 1; } });
  const area = document.getElementById('mynetwork').getBoundingClientRect();
  const controls = document.getElementById('kg-controls').getBoundingClientRect();
  return {
    scale: network.getScale(),
    area: {left: area.left, top: area.top, width: area.width, height: area.height},
    controlsBottom: controls.bottom,
    window: {width: window.innerWidth, height: window.innerHeight},
    nodes: nodes.getIds().map(id => {
      const n = network.body.nodes[id], box = network.getBoundingBox(id);
      const corner = network.canvasToDOM({x: box.left, y: box.top});
      const far = network.canvasToDOM({x: box.right, y: box.bottom});
      return {id, label: n.options.label, kgclass: nodes.get(id).kgclass, font: n.options.font.size,
              degree: count[id] || 0, shown: n.labelModule.visible(), box,
              screen: {left: corner.x, top: corner.y, right: far.x, bottom: far.y}};
    }),
  };
}"""


@pytest.fixture(scope="module")
def dev_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The development set's graph: seeds/ and tests/corpus/ built into one store, drawn by `kg viz`."""
    folder = tmp_path_factory.mktemp("dev")
    ok(
        kg(
            "build",
            str(ROOT / "seeds"),
            str(ROOT / "tests" / "corpus"),
            "--store",
            "store",
            "-o",
            "dev.ttl",
            "--root",
            str(ROOT),
            cwd=folder,
        )
    )
    return viz(folder, folder / "dev.html", "--store", str(folder / "store"))


@pytest.fixture(params=["seed", "dev"])
def shown(request: pytest.FixtureRequest, open_viewer: Any) -> tuple[str, Any, dict[str, Any]]:  # noqa: F811
    page = request.getfixturevalue("seed_page" if request.param == "seed" else "dev_page")
    viewer = open_viewer(page)
    return request.param, viewer, viewer.js(SHOWN)


def overlapping(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


def test_the_drawing_fills_the_window(shown: tuple[str, Any, dict[str, Any]]) -> None:
    name, viewer, page = shown
    area, nodes = page["area"], page["nodes"]
    assert page["window"] == {"width": 1400, "height": 900}
    # the network takes the page below the controls, from edge to edge
    assert abs(area["top"] - page["controlsBottom"]) <= 2, (area, page["controlsBottom"])
    assert area["left"] <= 2 and area["width"] >= 1400 - 4 and area["top"] + area["height"] >= 900 - 2, area
    # the opening view is fitted to the drawing: all of it is in view, and it spans most of the area one way
    left = min(n["screen"]["left"] for n in nodes)
    right = max(n["screen"]["right"] for n in nodes)
    top = min(n["screen"]["top"] for n in nodes)
    bottom = max(n["screen"]["bottom"] for n in nodes)
    assert left >= 0 and top >= 0 and right <= area["width"] and bottom <= area["height"], (
        left,
        top,
        right,
        bottom,
    )
    spans = ((right - left) / area["width"], (bottom - top) / area["height"])
    print(f"{name}: the drawing spans {spans[0]:.0%} of the width and {spans[1]:.0%} of the height")
    assert max(spans) >= 0.8, spans
    assert viewer.errors == []


def test_labels_are_legible_at_opening_and_the_rest_when_zoomed_in(
    shown: tuple[str, Any, dict[str, Any]],
) -> None:
    name, viewer, page = shown
    scale, nodes = page["scale"], page["nodes"]
    px = {n["id"]: n["font"] * scale for n in nodes}
    if name == "seed":
        small = sorted((round(px[n["id"]], 1), n["label"]) for n in nodes if px[n["id"]] < LEGIBLE)
        assert small == [], small  # every label of the seed graph
        assert all(n["shown"] for n in nodes)
    else:
        # the thirty best-connected (and every node as well connected as the thirtieth, if they all are)
        ranked = sorted(nodes, key=lambda n: -n["degree"])
        thirtieth = ranked[29]["degree"]
        better = [n for n in nodes if n["degree"] > thirtieth]
        assert all(px[n["id"]] >= LEGIBLE and n["shown"] for n in better), [
            (n["label"], px[n["id"]]) for n in better if px[n["id"]] < LEGIBLE
        ]
        legible = [n for n in nodes if n["degree"] >= thirtieth and px[n["id"]] >= LEGIBLE and n["shown"]]
        assert len(legible) >= 30, len(legible)
    print(
        f"{name}: labels {min(px.values()):.1f} to {max(px.values()):.1f} px at the opening scale {scale:.2f}"
    )
    hidden = [n for n in nodes if not n["shown"]]
    if name == "dev":
        assert hidden  # the small labels wait for the zoom
    # a label is either legible or not drawn at all: nothing in between clutters the opening view
    assert all(px[n["id"]] >= LEGIBLE for n in nodes if n["shown"]), [
        (n["label"], px[n["id"]]) for n in nodes if n["shown"] and px[n["id"]] < LEGIBLE
    ]
    if hidden:
        # zoomed in far enough for the smallest label to be legible, every label is drawn
        smallest = min(n["font"] for n in hidden)
        viewer.js("(s) => network.moveTo({scale: s})", LEGIBLE / smallest * 1.01)
        viewer.page.wait_for_timeout(200)
        drawn = viewer.js("() => nodes.getIds().filter(id => network.body.nodes[id].labelModule.visible())")
        assert sorted(drawn) == sorted(n["id"] for n in nodes)
        # and a small label is told on hover, at the opening view
        viewer.js("() => network.fit({maxZoomLevel: 2, animation: false})")
        node = next(n for n in hidden if n["degree"] > 0) if any(n["degree"] for n in hidden) else hidden[0]
        assert viewer.hover_node(node["id"]).startswith(node["label"] + "\n")
    assert viewer.errors == []


def test_no_node_overlaps_another_or_a_label(shown: tuple[str, Any, dict[str, Any]]) -> None:
    name, _, page = shown
    nodes = page["nodes"]
    pairs = [
        (a["label"], b["label"])
        for i, a in enumerate(nodes)
        for b in nodes[i + 1 :]
        if overlapping(a["box"], b["box"])
    ]
    print(f"{name}: {len(nodes)} nodes, {len(pairs)} overlapping pairs")
    assert pairs == []


def test_entities_with_no_relation_are_grouped_beside_the_drawing(
    shown: tuple[str, Any, dict[str, Any]],
) -> None:
    _, viewer, page = shown
    nodes = page["nodes"]
    alone = [n for n in nodes if n["degree"] == 0]
    linked = [n for n in nodes if n["degree"] > 0]
    assert alone and linked
    # all of them to the right of the drawing, not in rows under it
    assert min(n["box"]["left"] for n in alone) > max(n["box"]["right"] for n in linked)
    # compact: their block is at most three times the room their boxes take (small shapes, wide labels)
    block = (max(n["box"]["right"] for n in alone) - min(n["box"]["left"] for n in alone)) * (
        max(n["box"]["bottom"] for n in alone) - min(n["box"]["top"] for n in alone)
    )
    room = sum((n["box"]["right"] - n["box"]["left"]) * (n["box"]["bottom"] - n["box"]["top"]) for n in alone)
    assert block <= 3 * room, (block, room)
    # in columns, read top to bottom and left to right, class by class
    reading = sorted(
        alone, key=lambda n: (round((n["box"]["left"] + n["box"]["right"]) / 2), n["box"]["top"])
    )
    classes = [n["kgclass"] for n in reading]
    assert classes == sorted(classes), classes
    assert viewer.errors == []


def test_the_same_graph_gives_the_same_page(dev_page: Path, tmp_path: Path) -> None:
    again = viz(dev_page.parent, tmp_path / "again.html", "--store", str(dev_page.parent / "store"))
    assert again.read_bytes() == dev_page.read_bytes()


def test_copies_of_a_document_under_one_title_give_the_same_page(tmp_path: Path) -> None:
    """Quotes are ordered by document title, then by document: copies of an article under one title (an invented
    one here) come in the same order in every run, so the page's bytes are the same."""
    kg_ns, id_ = "https://w3id.org/kg/ontology#", "https://w3id.org/kg/id/"
    lines = [
        f'<{id_}person/a> a <{kg_ns}Person> ; <http://www.w3.org/2000/01/rdf-schema#label> "Ann Vell" .',
        f'<{id_}organization/b> a <{kg_ns}Organization> ; <http://www.w3.org/2000/01/rdf-schema#label> "Bee Ltd" .',
        f"<{id_}person/a> <{kg_ns}memberOf> <{id_}organization/b> .",
    ]
    for i in range(6):
        doc, ev = f"<{id_}document/copy{i}.txt>", f"<{id_}evidence/{i}>"
        lines += [
            f'{doc} a <{kg_ns}Document> ; <http://purl.org/dc/terms/title> "Same title" ;'
            f' <{kg_ns}text> "Intro. Ann Vell is a member of Bee Ltd. Tail {i}" .',
            f"{ev} a <{kg_ns}Evidence> ; <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> <{id_}person/a> ;"
            f" <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> <{kg_ns}memberOf> ;"
            f" <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> <{id_}organization/b> ;"
            f' <{kg_ns}quote> "Ann Vell is a member of Bee Ltd." ; <{kg_ns}source> {doc} ;'
            f" <{kg_ns}start> 7 ; <{kg_ns}end> 39 .",
        ]
    graph = tmp_path / "copies.ttl"
    graph.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pages = {viz(tmp_path, tmp_path / f"page{i}.html", "--graph", str(graph)).read_bytes() for i in range(3)}
    assert len(pages) == 1


def test_a_long_or_broken_name_is_drawn_on_one_line_and_cut() -> None:
    """A name of thousands of characters, or one with line breaks (a graph file may hold either), is drawn on one
    line of at most LONGEST_LABEL characters, so it neither makes its node as large as the drawing nor costs
    seconds to measure; the whole name stays in the tooltip."""
    from kg.outputs.network import Node
    from kg.outputs.viz import LONGEST_LABEL, render, shown_label

    long_name = "Northby " * 1000
    broken = "Ann\nVell\r\nof  Northby"
    assert shown_label(broken) == "Ann Vell of Northby"
    assert len(shown_label(long_name)) == LONGEST_LABEL and shown_label(long_name).endswith("\u2026")
    nodes = {
        "https://w3id.org/kg/id/place/a": Node("https://w3id.org/kg/id/place/a", long_name, "Place"),
        "https://w3id.org/kg/id/person/b": Node("https://w3id.org/kg/id/person/b", broken, "Person"),
    }
    page = render(nodes, [], title="Seen at http://example.invalid and HTTPS://example.invalid")
    drawn = json.loads(re.search(r"nodes = new vis\.DataSet\((\[.*?\])\);", page, re.S).group(1))  # type: ignore[union-attr]
    assert sorted(n["label"] for n in drawn) == sorted(shown_label(n.label) for n in nodes.values())
    meta = json.loads(re.search(r'id="kg-meta">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    assert any(
        tip.startswith(long_name.strip()) for tip in meta["tips"].values()
    )  # the tooltip keeps it whole
    assert not re.search(r"https?:", page, re.I)  # the title came from the command line: no link text either

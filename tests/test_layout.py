"""Positions computed before the viewer opens (kg.outputs.layout): every node placed, the same every time,
neighbours drawn nearer than strangers, trees hung by the node they hang from, parts kept apart."""

from __future__ import annotations

import math
import random
import statistics

import networkx as nx
import pytest

from kg.outputs.layout import EDGE, NETWORKX_LIMIT, Box, positions


def laid(g: nx.Graph) -> dict[str, tuple[int, int]]:
    return positions({str(n): Box(60.0, 10.0, 24.0) for n in g}, [(str(a), str(b)) for a, b in g.edges()])


def far(p: tuple[int, int], q: tuple[int, int]) -> float:
    return math.dist(p, q)


@pytest.mark.parametrize("size", [60, NETWORKX_LIMIT * 3])
def test_neighbours_are_drawn_nearer_than_strangers(size: int) -> None:
    g = nx.connected_watts_strogatz_graph(size, 4, 0.1, seed=3)  # one part, all of it core
    pos = laid(g)
    assert len(pos) == size and len(set(pos.values())) == size
    edge = statistics.median(far(pos[str(a)], pos[str(b)]) for a, b in g.edges())
    rng = random.Random(1)
    names = sorted(pos)
    stranger = statistics.median(far(pos[rng.choice(names)], pos[rng.choice(names)]) for _ in range(2000))
    assert edge < stranger / 3, (edge, stranger)


def test_the_same_graph_gives_the_same_positions() -> None:
    g = nx.gnm_random_graph(700, 900, seed=5)
    assert laid(g) == laid(g)
    shuffled = nx.Graph()
    shuffled.add_nodes_from(sorted(g, key=lambda n: -n))
    shuffled.add_edges_from(reversed(list(g.edges())))
    assert laid(shuffled) == laid(g)  # not the order they come in


def test_a_tree_hangs_around_its_hub_and_parts_do_not_overlap() -> None:
    g = nx.Graph()
    g.add_edges_from(("hub", f"leaf{i}") for i in range(30))  # a star
    g.add_edges_from([("a", "b"), ("b", "c"), ("c", "a")])  # a triangle, apart from it
    g.add_node("alone")
    pos = laid(g)
    ring = {round(far(pos["hub"], pos[f"leaf{i}"])) for i in range(30)}
    # one ring, wide enough (the leaves nudged off it where their labels would overlap)
    assert max(ring) <= 1.05 * min(ring) and min(ring) >= EDGE
    star = [pos["hub"], *(pos[f"leaf{i}"] for i in range(30))]
    for other in ("a", "b", "c", "alone"):
        nearest = min(far(pos[other], p) for p in star)
        assert nearest > 60, (other, nearest)


def test_a_graph_of_ten_thousand_hubs_and_leaves_is_all_placed() -> None:
    rng = random.Random(2)
    g = nx.Graph()
    g.add_edges_from((f"p{i}", f"o{rng.randrange(500)}") for i in range(9500))
    pos = laid(g)
    assert len(pos) == 10_000 and len(set(pos.values())) == 10_000


def test_no_nodes_and_one_node() -> None:
    assert positions({}, []) == {}
    # a loop is no edge to draw apart
    assert list(positions({"a": Box(10.0, 5.0, 5.0)}, [("a", "a")])) == ["a"]


def overlapping(pos: dict[str, tuple[int, int]], box: Box) -> int:
    """Pairs of nodes whose boxes (all `box`) intersect."""
    xs = sorted(pos.items(), key=lambda kv: kv[1][0])
    count = 0
    for k, (_, (x, y)) in enumerate(xs):
        for _, (x2, y2) in xs[k + 1 :]:
            if x2 - x >= box.width:
                break
            if abs(y2 - y) < box.up + box.down:
                count += 1
    return count


@pytest.mark.parametrize("leaves", [300, 2000])
def test_a_hub_of_many_leaves_is_a_disc_without_overlaps(leaves: int) -> None:
    g = nx.Graph()
    g.add_edges_from(("hub", f"leaf{i}") for i in range(leaves))
    box = Box(60.0, 10.0, 24.0)
    pos = positions({str(n): box for n in g}, [(str(a), str(b)) for a, b in g.edges()])
    assert overlapping(pos, box) == 0
    # rings of rings: about as wide as the leaves' boxes laid edge to edge in a square, not one ring of them all
    width = max(p[0] for p in pos.values()) - min(p[0] for p in pos.values())
    assert width < 4 * math.sqrt(leaves * (box.width + 8) * (box.up + box.down + 8)), width

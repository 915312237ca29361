"""Where the viewer draws each node: positions computed before the page opens, so it shows the graph at once.

The trees that hang off a graph (a person known only as a member of one organisation, a chain of places) are
peeled off first, down to the graph's core; each connected part of the core is spread by a force layout
(Fruchterman-Reingold: networkx's ``spring_layout`` for a part under 500 nodes, past which networkx needs scipy
and takes seconds per thousand nodes; larger parts with the grid variant of the same forces, in numpy); the trees are
hung back around the node they hang from, in rings; and the parts are packed in rows, tallest first. The
positions are whole pixels and depend only on the graph, so the same graph gives the same page.

Cost: linear in the trees; for a part of the core under 500 nodes the square of its size per step, past that
the pairs of nodes in neighbouring cells: a second for a core of 1,300 nodes, about 13 s for a tangle of 6,000
(a random graph; graphs of documents are mostly hubs and trees, which cost next to nothing).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping

import networkx as nx
import numpy as np

__all__ = ["EDGE", "positions"]

#: The length, in pixels, an edge of the core settles at; the rings of a tree are about as far from their centre.
EDGE = 130.0
#: Room, in pixels, for each node on a ring.
ROOM = 50.0
#: Space between packed parts.
GAP = 90.0
STEPS = 50
SEED = 7
#: Parts of the core at least this large are spread by ``_forces`` rather than networkx (see the docstring).
NETWORKX_LIMIT = 500


def positions(widths: Mapping[str, float], edges: Iterable[tuple[str, str]]) -> dict[str, tuple[int, int]]:
    """An (x, y) in pixels for each node (the keys of `widths`, each with the width its label takes), y growing
    downwards as on the page."""
    g = nx.Graph()
    g.add_nodes_from(sorted(widths))
    g.add_edges_from((s, t) for s, t in edges if s != t and s in g and t in g)
    parent = _peel(g)
    children: dict[str, list[str]] = {}
    for child, p in sorted(parent.items()):
        children.setdefault(p, []).append(child)
    core = g.subgraph(n for n in g if n not in parent)
    hanging = _tree_sizes(parent, children)
    parts = []
    for part in sorted(nx.connected_components(core), key=lambda c: (-len(c), min(c))):
        weight = sum(hanging.get(n, 1) for n in part)
        spread = _spread(core.subgraph(part), radius=EDGE * 0.8 * math.sqrt(weight))
        parts.append(_hang(spread, parent, children, widths))
    return _pack(parts, widths)


def _peel(g: nx.Graph) -> dict[str, str]:
    """The node each tree node hangs from: leaves are taken off one at a time until none is left, so that what
    remains is the core (cycles and the paths between them) and, of a graph that is a tree, one node."""
    degree = {n: g.degree(n) for n in g}
    removed: set[str] = set()
    parent: dict[str, str] = {}
    leaves = deque(n for n in g if degree[n] == 1)
    while leaves:
        n = leaves.popleft()
        if degree[n] != 1:
            continue
        (p,) = (m for m in g[n] if m not in removed)
        parent[n] = p
        removed.add(n)
        degree[n] = 0
        degree[p] -= 1
        if degree[p] == 1:
            leaves.append(p)
    return parent


def _tree_sizes(parent: dict[str, str], children: dict[str, list[str]]) -> dict[str, int]:
    """For each node, itself and every node that hangs from it."""
    size: dict[str, int] = {}
    order = _depth_first(children, [n for n in children if n not in parent])
    for n in reversed(order):
        size[n] = 1 + sum(size[c] for c in children.get(n, ()))
    return size


def _depth_first(children: dict[str, list[str]], roots: list[str]) -> list[str]:
    out, stack = [], sorted(roots, reverse=True)
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(children.get(n, [])))
    return out


def _spread(part: nx.Graph, *, radius: float) -> dict[str, np.ndarray]:
    """One connected part of the core, spread by the forces between its nodes and scaled to `radius`."""
    names = sorted(part)
    if len(names) == 1:
        return {names[0]: np.zeros(2)}
    if len(names) < NETWORKX_LIMIT:
        ordered = nx.Graph()
        ordered.add_nodes_from(names)
        ordered.add_edges_from(sorted(tuple(sorted(e)) for e in part.edges()))
        laid = nx.spring_layout(ordered, seed=SEED, iterations=STEPS)
        xy = np.array([laid[n] for n in names], dtype=float)
    else:
        index = {n: i for i, n in enumerate(names)}
        pairs = np.array(sorted((index[s], index[t]) for s, t in part.edges()), dtype=np.int64).reshape(-1, 2)
        xy = _forces(len(names), pairs)
    xy -= xy.mean(axis=0)
    reach = float(np.abs(xy).max()) or 1.0
    xy *= max(radius, EDGE / 2) / reach
    return dict(zip(names, xy, strict=True))


def _forces(n: int, pairs: np.ndarray) -> np.ndarray:
    """Fruchterman-Reingold with the grid and the frame of its authors' paper: attraction d²/k along each edge,
    repulsion k²/d between nodes less than ``2k`` apart (found through a grid of cells of that size, so that a
    step costs the pairs of nearby nodes, not the square of their number), the unit square as the frame (the
    drawing is scaled back into it after each step), and a temperature that falls each step."""
    rng = np.random.default_rng(SEED)
    xy = rng.random((n, 2))
    k = math.sqrt(1.0 / n)
    reach = 2 * k
    t = 0.1
    cool = t / (STEPS + 1)
    for _ in range(STEPS):
        i, j = _near(xy, reach)
        delta = xy[i] - xy[j]
        dist2 = np.maximum((delta**2).sum(axis=1), 1e-9)
        push = delta * (k * k / dist2)[:, None] * (dist2 < reach * reach)[:, None]
        if len(pairs):
            along = xy[pairs[:, 0]] - xy[pairs[:, 1]]
            pull = along * (np.sqrt((along**2).sum(axis=1)) / k)[:, None]
            i = np.concatenate([i, pairs[:, 0], pairs[:, 1]])
            push = np.concatenate([push, -pull, pull])
        move = np.stack([np.bincount(i, weights=push[:, d], minlength=n) for d in (0, 1)], axis=1)
        length = np.maximum(np.sqrt((move**2).sum(axis=1)), 1e-9)
        xy += move * (np.minimum(length, t) / length)[:, None]
        xy = (xy - xy.min(axis=0)) / max(
            float(np.ptp(xy, axis=0).max()), 1e-9
        )  # the frame stays the unit square
        t -= cool
    return xy


def _near(xy: np.ndarray, reach: float) -> tuple[np.ndarray, np.ndarray]:
    """Every ordered pair of different nodes in the same or neighbouring cells of a grid of side `reach`."""
    cells = np.floor(xy / reach).astype(np.int64)
    cells -= cells.min(axis=0)
    side = int(cells.max()) + 3
    key = (cells[:, 0] + 1) * side + cells[:, 1] + 1
    order = np.argsort(key, kind="stable")
    keys, first, count = np.unique(key[order], return_index=True, return_counts=True)
    found_i, found_j = [], []
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            there = keys + dx * side + dy
            at = np.searchsorted(keys, there)
            hit = (at < len(keys)) & (keys[np.minimum(at, len(keys) - 1)] == there)
            a_first, a_count = first[hit], count[hit]
            b_first, b_count = first[at[hit]], count[at[hit]]
            sizes = a_count * b_count
            block = np.repeat(np.arange(len(sizes)), sizes)
            local = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
            found_i.append(order[a_first[block] + local // b_count[block]])
            found_j.append(order[b_first[block] + local % b_count[block]])
    i, j = np.concatenate(found_i), np.concatenate(found_j)
    keep = i != j
    return i[keep], j[keep]


def _hang(
    spread: dict[str, np.ndarray],
    parent: dict[str, str],
    children: dict[str, list[str]],
    widths: Mapping[str, float],
) -> dict[str, np.ndarray]:
    """The trees hung back: a core node's children in a ring around it, a tree node's children in an arc that
    faces away from the node it hangs from; a ring or an arc is long enough for the labels on it."""
    out = dict(spread)
    for n in _depth_first(children, list(spread)):
        kids = children.get(n, [])
        if not kids:
            continue
        room = sum(max(widths[k], ROOM) for k in kids)
        if n in spread:
            r = max(EDGE * 1.2, room / (2 * math.pi))
            steps = [-math.pi / 2 + 2 * math.pi * i / len(kids) for i in range(len(kids))]
        else:
            r = max(EDGE * 0.9, room / math.pi)
            away = out[n] - out[parent[n]]
            facing = math.atan2(away[1], away[0])
            arc = min(math.pi, room / r)
            steps = [facing + arc * ((i + 0.5) / len(kids) - 0.5) for i in range(len(kids))]
        for kid, angle in zip(kids, steps, strict=True):
            out[kid] = out[n] + r * np.array([math.cos(angle), math.sin(angle)])
    return out


def _pack(parts: list[dict[str, np.ndarray]], widths: Mapping[str, float]) -> dict[str, tuple[int, int]]:
    """The parts in rows, tallest first, in a square-ish page; a part's box holds its nodes' labels."""
    if not parts:
        return {}
    boxes = []
    for part in parts:
        xy = np.array(list(part.values()))
        half = np.array([[widths[n] / 2, 0.0] for n in part])
        low, high = (xy - half).min(axis=0) - GAP / 2, (xy + half).max(axis=0) + GAP / 2
        boxes.append((part, low, high - low))
    width = max(
        max(float(size[0]) for _, _, size in boxes), math.sqrt(sum(float(s[0] * s[1]) for _, _, s in boxes))
    )
    out: dict[str, tuple[int, int]] = {}
    x = y = row = 0.0
    for part, low, size in sorted(boxes, key=lambda b: -float(b[2][1])):
        if x > 0 and x + size[0] > width:
            x, y, row = 0.0, y + row, 0.0
        shift = np.array([x, y]) - low
        for n, p in part.items():
            q = p + shift
            out[n] = (round(float(q[0])), round(float(q[1])))
        x += float(size[0])
        row = max(row, float(size[1]))
    return out

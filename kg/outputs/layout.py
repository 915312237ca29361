"""Where the viewer draws each node: positions computed before the page opens, so it shows the graph at once.

Each node takes a box on the page, its shape and its label as vis-network draws them (``node_box``: the label
wrapped at a width and measured in Arial's advance widths, which Chromium's Liberation Sans shares). The trees that
hang off a graph (a person known only as a member of one organisation, a chain of places) are peeled off first,
down to the graph's core; each connected part of the core is spread by a force layout (Fruchterman-Reingold:
networkx's ``spring_layout`` for a part under 500 nodes, past which networkx needs scipy, which kg does not
install, and takes seconds per thousand nodes; larger parts with the grid variant of the same forces, in numpy);
the trees are hung back around the node they hang from, in rings. Then the boxes are pushed apart until none
overlaps another (``_separate``: pairs found through a grid, in numpy), the parts are packed in rows, tallest
first, into a page of the window's shape, and the nodes with no relation at all are set in a block of columns
beside the drawing, class by class. The positions are whole pixels and depend only on the graph, so the same
graph gives the same page.

Cost: linear in the trees; for a part of the core under 500 nodes the square of its size per step, past that
the pairs of nodes in neighbouring cells: a second for a core of 1,300 nodes, about 13 s for a tangle of 6,000
(a random graph; graphs of documents are mostly hubs and trees, which cost next to nothing). Pushing boxes apart
costs the pairs of nearby boxes per round, a few dozen rounds.
"""

from __future__ import annotations

import functools
import math
import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np

__all__ = ["EDGE", "Box", "node_box", "positions", "text_width"]

#: The length, in pixels, an edge of the core settles at; the rings of a tree are about as far from their centre.
EDGE = 50.0
#: Room, in pixels, for each node on a ring.
ROOM = 50.0
#: Space between packed parts, and between the drawing and the block of nodes with no relation.
GAP = 60.0
#: Space kept between any two boxes.
PAD = 8.0
#: Width over height of the page the drawing is made for (a window less the controls above the network).
ASPECT = 1.6
STEPS = 50
SEED = 7
#: Parts of the core at least this large are spread by ``_forces`` rather than networkx (see the docstring).
NETWORKX_LIMIT = 500
#: Rounds of pushing overlapping boxes apart, at most.
ROUNDS = 300
#: A node with more children than this hangs them in rings around it (``_rings``), not in one.
ONE_RING = 40


@dataclass(frozen=True)
class Box:
    """The room a node takes around its position, in pixels: as wide as `width` (centred), `up` above the
    position and `down` below it."""

    width: float
    up: float
    down: float


# Arial's advance widths, in thousandths of the font size, for the characters of printable ASCII (space to "~");
# Liberation Sans, which Chromium uses for "arial" on Linux, has the same. Others count as an "m"-less average.
_ADVANCE = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  # space ! " # $ % & ' ( ) * + , - . /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,  # 0-9 : ; < = > ?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,  # @ A-O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,  # P-Z [ \ ] ^ _
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,  # ` a-o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,  # p-z { | } ~
]  # fmt: skip
_OTHER = 600


def text_width(text: str, font: float) -> float:
    """How wide `text` is at `font` pixels in Arial."""
    return _units(text) * font / 1000


@functools.lru_cache(maxsize=65536)
def _units(text: str) -> int:
    return sum(
        _ADVANCE[o - 32] if 32 <= (o := ord(c)) < 127 else (1000 if o >= 0x2E80 else _OTHER) for c in text
    )


def _wrapped(text: str, font: float, wrap: float) -> list[float]:
    """The widths of the lines vis-network 9.1 breaks `text` into at a width of `wrap`, done its way: the text
    split into words and runs of spaces, a line as many of them as fit when joined by a further space each (so a
    space counts three times over), a space at a break dropped; a word that fits on no line cut where it passes
    the width."""
    tokens = re.sub(r"([^\r][^ ]*)( +)", "\\1\r\\2\r", re.sub(r"^( +)", "\\1\r", text)).split("\r")
    room = wrap * 1000 / font  # in thousandths of the font size, as _ADVANCE
    space = _ADVANCE[0]
    lines: list[float] = []
    while tokens:
        fit, joined = 0, 0
        while fit < len(tokens):
            longer = joined + (space if fit else 0) + _units(tokens[fit])
            if longer > room:
                break
            joined, fit = longer, fit + 1
        if fit == 0:
            word = tokens[0]
            cut = 0
            while cut < len(word) and _units(word[:cut]) <= room:
                cut += 1
            lines.append(text_width(word[:cut], font))
            tokens[0] = word[cut:]
            if not tokens[0]:
                tokens.pop(0)
            continue
        end = fit
        if tokens[fit - 1] == " ":
            fit -= 1
        elif end < len(tokens) and tokens[end] == " ":
            end += 1
        lines.append(text_width("".join(tokens[:fit]), font))
        tokens = tokens[end:]
    return lines or [0.0]


def node_box(label: str, *, shape: str, size: float, font: float, wrap: float) -> Box:
    """The box vis-network draws a node in: a "box" or an "ellipse" holds its label (the box with margins of 5 and
    rounded corners of 6 around it); every other shape has `size` as its radius and its label below it."""
    # a line that only just fits may break in the browser, or not, as its font's hinting rounds the widths: the
    # larger of the two boxes
    tight, loose = _wrapped(label, font * 0.99, wrap), _wrapped(label, font * 1.01, wrap)
    width, height = max(*tight, *loose) * 1.01, font * max(len(tight), len(loose))
    if shape == "box":
        return Box(width + 22, height / 2 + 11, height / 2 + 11)
    if shape == "ellipse":
        return Box(width + height, height, height)
    return Box(max(2 * size, width), size, size + height)


def positions(
    boxes: Mapping[str, Box],
    edges: Iterable[tuple[str, str]],
    groups: Mapping[str, str] | None = None,
    *,
    aspect: float = ASPECT,
) -> dict[str, tuple[int, int]]:
    """An (x, y) in pixels for each node (the keys of `boxes`), y growing downwards as on the page; no two boxes
    overlap. The nodes with no edge are set beside the drawing, in columns ordered by their group (`groups`, a
    node's class) and then by name."""
    g = nx.Graph()
    g.add_nodes_from(sorted(boxes))
    g.add_edges_from((s, t) for s, t in edges if s != t and s in g and t in g)
    alone = [n for n in g if g.degree(n) == 0]
    g.remove_nodes_from(alone)
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
        parts.append(_hang(spread, parent, children, boxes))
    group = groups or {}
    return _pack(_separate(parts, boxes), sorted(alone, key=lambda n: (group.get(n, ""), n)), boxes, aspect)


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
    boxes: Mapping[str, Box],
) -> dict[str, np.ndarray]:
    """The trees hung back: a core node's children in a ring around it, a tree node's children in an arc that
    faces away from the node it hangs from; a ring or an arc is long enough for the labels on it."""
    out = dict(spread)
    for n in _depth_first(children, list(spread)):
        kids = children.get(n, [])
        if not kids:
            continue
        room = sum(max(boxes[k].width + PAD, ROOM) for k in kids)
        if n in spread and len(kids) > ONE_RING:
            for kid, at in _rings(kids, boxes, EDGE * 1.2).items():
                out[kid] = out[n] + at
            continue
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


def _rings(kids: list[str], boxes: Mapping[str, Box], first: float) -> dict[str, np.ndarray]:
    """Many children of one node in rings around it, the first of radius `first`, each ring as full as its
    circumference allows for the widest of them, the next one the widest box further out: a disc, not one ring
    as long as all their labels (a hub of 5,000 leaves would be a ring 80,000 px across)."""
    slot = max(max(boxes[k].width for k in kids) + PAD, ROOM)
    out: dict[str, np.ndarray] = {}
    r, i = first, 0
    while i < len(kids):
        ring = kids[i : i + max(1, int(2 * math.pi * r / slot))]
        for k, kid in enumerate(ring):
            angle = -math.pi / 2 + 2 * math.pi * k / len(ring)
            out[kid] = r * np.array([math.cos(angle), math.sin(angle)])
        i += len(ring)
        r += slot
    return out


def _extent(part: Mapping[str, np.ndarray], boxes: Mapping[str, Box]) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and the highest corner of the boxes of a part's nodes."""
    xy = np.array(list(part.values()), dtype=float).reshape(-1, 2)
    size = np.array([(boxes[n].width / 2, boxes[n].up, boxes[n].down) for n in part]).reshape(-1, 3)
    low = np.stack([xy[:, 0] - size[:, 0], xy[:, 1] - size[:, 1]], axis=1).min(axis=0)
    high = np.stack([xy[:, 0] + size[:, 0], xy[:, 1] + size[:, 2]], axis=1).max(axis=0)
    return low, high


def _separate(parts: list[dict[str, np.ndarray]], boxes: Mapping[str, Box]) -> list[dict[str, np.ndarray]]:
    """The parts with their nodes pushed apart until no two boxes (with ``PAD`` around each) overlap, for at most
    ``ROUNDS`` rounds (a dense tangle may keep a few overlaps; trees and hubs, the shapes of documents, do not): each round,
    each overlapping pair moves apart along the axis they overlap less on, each by half the overlap. All parts
    are handled at once, set side by side far enough apart that they do not meet."""
    names = [n for part in parts for n in part]
    if len(names) < 2:
        return parts
    xy = np.zeros((len(names), 2))
    shift = np.zeros((len(names), 2))
    at = 0
    x = 0.0
    for part in parts:
        low, high = _extent(part, boxes)
        width = float(high[0] - low[0])
        offset = np.array([x - low[0], -low[1]])
        xy[at : at + len(part)] = np.array(list(part.values()), dtype=float).reshape(-1, 2) + offset
        shift[at : at + len(part)] = offset
        at += len(part)
        x += 3 * width + 3 * GAP  # room for the part to grow into
    half = np.array([(boxes[n].width + PAD) / 2 for n in names])
    tall = np.array([(boxes[n].up + boxes[n].down + PAD) / 2 for n in names])
    below = np.array([(boxes[n].down - boxes[n].up) / 2 for n in names])  # a box's centre below its node
    reach = 2 * max(float(half.max()), float(tall.max()))
    for _ in range(ROUNDS):
        centre = xy + np.stack([np.zeros(len(names)), below], axis=1)
        i, j = _near(centre, reach)
        keep = i < j
        i, j = i[keep], j[keep]
        d = centre[j] - centre[i]
        over_x = half[i] + half[j] - np.abs(d[:, 0])
        over_y = tall[i] + tall[j] - np.abs(d[:, 1])
        hit = (over_x > 0) & (over_y > 0)
        if not hit.any():
            break
        i, j, d, over_x, over_y = i[hit], j[hit], d[hit], over_x[hit], over_y[hit]
        across = over_x < over_y
        # which way j goes from i: the way it already lies, or right and down when they coincide
        sign = np.where(d >= 0, 1.0, -1.0)
        apart = np.stack([np.where(across, over_x, 0.0), np.where(across, 0.0, over_y)], axis=1)
        push = np.where(apart > 0, apart / 2 + 0.5, 0.0) * sign
        move = np.stack(
            [np.bincount(j, push[:, k], len(names)) - np.bincount(i, push[:, k], len(names)) for k in (0, 1)],
            axis=1,
        )
        xy += move
    out: list[dict[str, np.ndarray]] = []
    at = 0
    for part in parts:
        out.append(dict(zip(part, xy[at : at + len(part)] - shift[at : at + len(part)], strict=True)))
        at += len(part)
    return out


def _columns(heights: list[float], height: float, first_alone: int) -> list[list[int]]:
    """Items of these heights in columns no higher than `height` (unless an item is), in order; the item
    `first_alone` starts a new column."""
    columns: list[list[int]] = []
    used = height
    for k, tall in enumerate(heights):
        if used + tall > height or k == first_alone:
            columns.append([])
            used = 0.0
        columns[-1].append(k)
        used += tall
    return columns


def _pack(
    parts: list[dict[str, np.ndarray]], alone: list[str], boxes: Mapping[str, Box], aspect: float
) -> dict[str, tuple[int, int]]:
    """The parts in columns, tallest first, each column filled top to bottom; then, from a new column on, the
    nodes of `alone` one under another. The columns are as high as the tallest part, or higher, so that the whole
    is about `aspect` times as wide as it is high."""
    items: list[tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]] = []
    for part in parts:
        low, high = _extent(part, boxes)
        items.append((part, low - GAP / 2, high - low + GAP))
    items.sort(key=lambda item: -float(item[2][1]))
    first_alone = len(items)
    for n in alone:
        b = boxes[n]
        items.append(
            (
                {n: np.zeros(2)},
                np.array([-b.width / 2, -b.up]) - PAD / 2,
                np.array([b.width, b.up + b.down]) + PAD,
            )
        )
    if not items:
        return {}
    # the height of the columns: of those tried, the one whose whole fits the window's shape at the largest scale
    heights = [float(size[1]) for _, _, size in items]
    tallest = max(heights)
    widths = [float(size[0]) for _, _, size in items]
    least, columns = math.inf, []
    for height in np.geomspace(tallest, max(sum(heights), tallest), 24).tolist():
        tried = _columns(heights, height, first_alone)
        wide = math.fsum(max(widths[k] for k in column) for column in tried)
        deep = max(math.fsum(heights[k] for k in column) for column in tried)
        if max(wide / aspect, deep) < least:
            least, columns = max(wide / aspect, deep), tried
    out: dict[str, tuple[int, int]] = {}
    x = 0.0
    for column in columns:
        width = max(float(items[k][2][0]) for k in column)
        y = 0.0
        for k in column:
            part, low, size = items[k]
            shift = np.array([x + (width - float(size[0])) / 2, y]) - low
            for n, p in part.items():
                q = p + shift
                out[n] = (round(float(q[0])), round(float(q[1])))
            y += float(size[1])
        x += width
    return out

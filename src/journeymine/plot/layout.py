"""Where the boxes, arrows and edge labels of a journey graph go: pure geometry, no matplotlib.

The layout is layered (Sugiyama style): every node gets a column (its stage,
or its layer in a longest-path layering of the graph once the edges that
close a cycle are turned round); edges that span several columns get one
*dummy* slot in each column they pass, so they run between boxes, never
through them; the order inside each column comes from barycenter sweeps
that keep the ordering with the fewest crossings; vertical places are the
least-squares fit to the neighbours' places under minimum gaps (a pool
adjacent violators pass per column). Edge labels are then placed greedily,
heaviest edge first, at the first candidate spot along the edge's route
that touches no box, no header and no label already placed; an edge whose
label fits nowhere keeps its arrow and loses the label.

Every length is in inches, y grows upwards; a route is a list of vertices
with matplotlib path codes (1 move, 2 line, 4 cubic Bézier) kept as plain
ints, so that this module needs neither matplotlib nor a display.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["GraphLayout", "Route", "layout_graph", "text_size"]

MOVETO, LINETO, CURVE4 = 1, 2, 4

BOX_W, BOX_H = 1.55, 0.5  # node box
GAP_X = 1.25  # between the boxes of two neighbouring columns
PAD_NODE, PAD_DUMMY = 0.34, 0.14  # vertical gaps: box to box, around a passing edge
LOOP_H = 0.2  # height of a self-loop above its box
HEADER_H = 0.42  # stage names above the columns


def text_size(text: str, fontsize: float) -> tuple[float, float]:
    """A generous (width, height) in inches of one-line text at ``fontsize`` points.

    DejaVu Sans, matplotlib's default, is at most about 0.64 em wide for
    digits and common letters; the label's white halo adds a little.
    """
    lines = text.split("\n")
    chars = max((len(s) for s in lines), default=0)
    return (chars * 0.64 + 0.7) * fontsize / 72.0, (len(lines) * 1.25 + 0.35) * fontsize / 72.0


@dataclass
class Route:
    """The drawn path of one edge."""

    source: Hashable
    target: Hashable
    weight: float
    kind: str  # "forward", "backward", "within" or "self"
    vertices: list[tuple[float, float]]
    codes: list[int]
    candidates: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class GraphLayout:
    """Boxes, routes and label places of a graph, in inches."""

    pos: dict[Hashable, tuple[float, float]]
    box: tuple[float, float]
    routes: list[Route]
    labels: dict[int, tuple[float, float, float, float]]  # route index -> x, y, w, h
    headers: list[tuple[float, float, str]]
    column_x: list[float]
    extent: tuple[float, float, float, float]  # x0, x1, y0, y1
    dropped_labels: int = 0
    #: (left, right) of each header's band: a tall stage split into sub-columns spans them all
    header_span: list[tuple[float, float]] = field(default_factory=list)


def _break_cycles(
    names: Sequence[Hashable], edges: Sequence[tuple[Hashable, Hashable]], first: Sequence[Hashable]
) -> set[tuple[Hashable, Hashable]]:
    """Edges that close a cycle in a depth-first search started at ``first`` nodes."""
    succ: dict[Hashable, list[Hashable]] = {n: [] for n in names}
    for s, t in edges:
        if s != t:
            succ[s].append(t)
    state: dict[Hashable, int] = {}  # 1 on the stack, 2 done
    back: set[tuple[Hashable, Hashable]] = set()
    for root in [*first, *names]:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(succ[nxt])))
    return back


def _layers(
    names: Sequence[Hashable],
    edges: Sequence[tuple[Hashable, Hashable]],
    first: Sequence[Hashable],
) -> dict[Hashable, int]:
    """Longest-path layers of the graph once the cycle-closing edges are turned round."""
    import networkx as nx  # here, not at import: `import journeymine` stays light

    back = _break_cycles(names, edges, first)
    dag = nx.DiGraph()
    dag.add_nodes_from(names)
    for s, t in edges:
        if s == t:
            continue
        dag.add_edge(*((t, s) if (s, t) in back else (s, t)))
    layer = {}
    for i, generation in enumerate(nx.topological_generations(dag)):
        for n in generation:
            layer[n] = i
    # pull sources towards their successors: a late entry point sits next to where it leads
    for n in sorted(names, key=lambda n: -layer[n]):
        if dag.in_degree(n) == 0 and dag.out_degree(n) > 0:
            layer[n] = min(layer[t] for t in dag.successors(n)) - 1
    low = min(layer.values(), default=0)
    layer = {n: v - low for n, v in layer.items()}
    # nodes without edges go to the emptiest columns instead of piling up in the first
    lonely = [n for n in names if dag.degree(n) == 0]
    if lonely and len(lonely) < len(names):
        size = np.bincount([layer[n] for n in names if dag.degree(n)], minlength=1)
        for n in lonely:
            c = int(np.argmin(size))
            layer[n] = c
            size[c] += 1
    return layer


def _crossings(order: dict[Any, int], pairs: list[tuple[Any, Any]]) -> int:
    if len(pairs) < 2:
        return 0
    a = np.array([order[u] for u, _ in pairs])
    b = np.array([order[v] for _, v in pairs])
    da = a[:, None] - a[None, :]
    db = b[:, None] - b[None, :]
    return int(np.count_nonzero(da * db < 0) // 2)


def _pava(target: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Least-squares non-decreasing fit (pool adjacent violators)."""
    values: list[float] = []
    weights: list[float] = []
    sizes: list[int] = []
    for v, w in zip(target.tolist(), weight.tolist(), strict=True):
        values.append(v)
        weights.append(w)
        sizes.append(1)
        while len(values) > 1 and values[-2] > values[-1]:
            w2 = weights[-2] + weights[-1]
            v2 = (values[-2] * weights[-2] + values[-1] * weights[-1]) / w2
            n2 = sizes[-2] + sizes[-1]
            del values[-1], weights[-1], sizes[-1]
            values[-1], weights[-1], sizes[-1] = v2, w2, n2
    return np.repeat(values, sizes)


def layout_graph(
    names: Sequence[Hashable],
    weights: Sequence[float],
    edges: Sequence[tuple[Hashable, Hashable, float]],
    *,
    column: dict[Hashable, int] | None = None,
    headers: Sequence[str] = (),
    first: Sequence[Hashable] = (),
    label_texts: dict[int, str] | None = None,
    fontsize: float = 8.0,
    obstacles: Sequence[tuple[float, float, float, float]] = (),
    engine: str = "builtin",
) -> GraphLayout:
    """Lay out a directed graph in columns; see the module docstring.

    Parameters
    ----------
    names, weights
        The nodes and their sizes (heavier nodes start higher in a column).
    edges
        ``(source, target, weight)``; self-loops allowed.
    column
        A column per node (stages); by default layers are computed.
    headers
        A title per column (drawn above it).
    first
        Nodes to start the cycle-breaking search from (where cases start).
    label_texts
        Text per edge index to place as a label.
    fontsize
        Label size in points, for their extents.
    obstacles
        Extra rectangles (x0, y0, x1, y1) that labels must avoid, in the
        coordinates before placement (rarely needed).
    engine
        ``"builtin"`` (this module) or ``"dot"`` (Graphviz through pydot,
        see :func:`dot_available`); labels are placed here either way.
    """
    names = list(names)
    hw, hh = BOX_W / 2, BOX_H / 2
    if engine == "dot":  # dot orders and routes; the columns (left-to-right flow) are ours
        if column is None:
            column = _layers(names, [(s, t) for s, t, _ in edges], first)
        pos, routes, x_of, loops = _dot_geometry(names, edges, column)
        groups = [[c] for c in range(len(headers))]
    else:
        groups = []
        if column is not None:  # a stage too tall for the picture becomes sub-columns
            column, groups = _split_tall(names, weights, column)
        pos, routes, x_of, loops = _builtin_geometry(names, weights, edges, column, first)
        if any(len(g) > 1 for g in groups):  # moves between sub-columns stay in their stage
            stage_of = {c: k for k, g in enumerate(groups) for c in g}
            assert column is not None
            for rt in routes:
                if rt.kind in ("forward", "backward") and (
                    stage_of[column[rt.source]] == stage_of[column[rt.target]]
                ):
                    rt.kind = "within"
        if not headers:  # a long chain is folded into bands, read like lines of text
            pos, routes = _fold(pos, routes, x_of, loops)
    span_of = [
        (min(x_of[c] for c in g) - hw - GAP_X / 2, max(x_of[c] for c in g) + hw + GAP_X / 2)
        for g in groups[: len(headers)]
    ]

    # -- headers, extent ----------------------------------------------------------------
    y_top = max((p[1] + hh + (LOOP_H if n in loops else 0.0) for n, p in pos.items()), default=hh)
    for rt in routes:
        y_top = max(y_top, max(v[1] for v in rt.vertices))
    head = [
        ((a + b) / 2, y_top + HEADER_H / 2 + 0.08, str(h))
        for (a, b), h in zip(span_of, headers, strict=False)
    ]
    if head:
        y_top += HEADER_H + 0.1

    # -- labels: greedy, heaviest first ---------------------------------------------------
    rects: list[tuple[float, float, float, float]] = [
        (p[0] - hw - 0.1, p[1] - hh - 0.02, p[0] + hw + 0.1, p[1] + hh + 0.02) for p in pos.values()
    ]
    for hx, hy, text in head:
        w_h, h_h = text_size(text, fontsize * 1.15)
        rects.append((hx - w_h / 2, hy - h_h / 2, hx + w_h / 2, hy + h_h / 2))
    rects += list(obstacles)
    placed: dict[int, tuple[float, float, float, float]] = {}
    dropped = 0
    texts = label_texts or {}
    for i in sorted(texts, key=lambda i: -float(edges[i][2])):
        lw_, lh_ = text_size(texts[i], fontsize)
        rt = routes[i]
        spots = []
        for cx, cy in rt.candidates:
            # centred on the edge itself: beside it, a label of bundled edges reads as its
            # neighbour's
            spots.append((cx, cy))
            if rt.kind == "self":
                spots += [(cx, cy + lh_ / 2 + 0.02), (cx + hw + lw_ / 2, cy - LOOP_H)]
            if rt.kind == "within":
                spots += [(cx + np.sign(cx - pos[rt.source][0]) * lw_ / 2, cy)]
        arr = np.array(rects) if rects else np.zeros((0, 4))
        for cx, cy in spots:
            box = (cx - lw_ / 2, cy - lh_ / 2, cx + lw_ / 2, cy + lh_ / 2)
            if box[3] > y_top + 0.001 and head:
                continue
            if len(arr) and np.any(
                (arr[:, 0] < box[2])
                & (arr[:, 2] > box[0])
                & (arr[:, 1] < box[3])
                & (arr[:, 3] > box[1])
            ):
                continue
            placed[i] = (cx, cy, lw_, lh_)
            rects.append((box[0] - 0.03, box[1] - 0.02, box[2] + 0.03, box[3] + 0.02))
            break
        else:
            dropped += 1

    xs_all = [x for p in pos.values() for x in (p[0] - hw, p[0] + hw)]
    ys_all = [y for p in pos.values() for y in (p[1] - hh, p[1] + hh)]
    for rt in routes:
        xs_all += [v[0] for v in rt.vertices]
        ys_all += [v[1] for v in rt.vertices]
    for cx, cy, lw_, lh_ in placed.values():
        xs_all += [cx - lw_ / 2, cx + lw_ / 2]
        ys_all += [cy - lh_ / 2, cy + lh_ / 2]
    for hx, _, text in head:
        w_h = text_size(text, fontsize * 1.15)[0]
        xs_all += [hx - w_h / 2, hx + w_h / 2]
    ys_all.append(y_top)
    extent = (min(xs_all) - 0.2, max(xs_all) + 0.2, min(ys_all) - 0.12, max(ys_all) + 0.08)
    return GraphLayout(
        pos=pos,
        box=(BOX_W, BOX_H),
        routes=routes,
        labels=placed,
        headers=head,
        column_x=x_of,
        extent=extent,
        dropped_labels=dropped,
        header_span=span_of,
    )


#: the widest ratio (width to height) a layout is left at before it is folded into bands,
#: and the ratio of height to width the tallest column may reach before it is split
MAX_RATIO, TALL_RATIO = 2.6, 1.5
#: the shape a folded layout aims at (a little wider than tall, like a screen)
FOLD_RATIO = 1.6


def _split_tall(
    names: Sequence[Hashable], weights: Sequence[float], column: dict[Hashable, int]
) -> tuple[dict[Hashable, int], list[list[int]]]:
    """Split the columns (stages) too tall for the picture into sub-columns.

    Returns the new column of each node and, per original column, its new
    columns. A column is split while the tallest one is more than
    ``TALL_RATIO`` times as tall as the picture is wide; the heaviest nodes
    take the first row of every sub-column.
    """
    n_old = max(column.values(), default=-1) + 1
    count = np.bincount([column[n] for n in names], minlength=n_old)
    parts = np.ones(n_old, dtype=np.int64)

    def tallest() -> tuple[int, float]:
        rows = np.ceil(count / parts)
        c = int(np.argmax(rows))
        return c, float(rows[c]) * (BOX_H + PAD_NODE)

    while n_old:
        c, height = tallest()
        width = float(parts.sum()) * (BOX_W + GAP_X)
        if height <= TALL_RATIO * width or count[c] / (parts[c] + 1) < 3:
            break
        parts[c] += 1
    if (parts == 1).all():
        return column, [[c] for c in range(n_old)]
    first = np.r_[0, np.cumsum(parts)[:-1]]
    weight = dict(zip(names, (float(w) for w in weights), strict=True))
    out: dict[Hashable, int] = {}
    for c in range(n_old):
        members = sorted((n for n in names if column[n] == c), key=lambda n: (-weight[n], str(n)))
        for k, n in enumerate(members):
            out[n] = int(first[c] + k % parts[c])
    return out, [list(range(int(first[c]), int(first[c] + parts[c]))) for c in range(n_old)]


def _fold(
    pos: dict[Hashable, tuple[float, float]],
    routes: list[Route],
    x_of: list[float],
    loops: set[Hashable],
) -> tuple[dict[Hashable, tuple[float, float]], list[Route]]:
    """Fold a layout much wider than tall into bands of columns, one under the other.

    Edges within a band keep their routes; an edge from one band to another
    leaves its box, runs in the gap between the bands and enters its target
    from the column gap beside it, so it crosses no box.
    """
    n_cols = len(x_of)
    if n_cols < 4 or not pos:
        return pos, routes
    hh = BOX_H / 2
    ys = [v[1] for rt in routes for v in rt.vertices] + [p[1] for p in pos.values()]
    top = max(max(ys), max(p[1] + hh + (LOOP_H if n in loops else 0) for n, p in pos.items()))
    bottom = min(min(ys), min(p[1] - hh for p in pos.values()))
    col_w = BOX_W + GAP_X
    width, height, gap = n_cols * col_w, top - bottom + 0.3, 1.0
    if width <= MAX_RATIO * height:
        return pos, routes
    best, bands = abs(math.log(width / height / FOLD_RATIO)), 1
    for b in range(2, n_cols // 2 + 1):
        k = math.ceil(n_cols / b)
        ratio = k * col_w / (b * height + (b - 1) * gap)
        if abs(math.log(ratio / FOLD_RATIO)) < best:
            best, bands = abs(math.log(ratio / FOLD_RATIO)), b
    if bands == 1:
        return pos, routes
    per = math.ceil(n_cols / bands)
    band_h = height + gap

    def col_of(x: float) -> int:
        return int(min(n_cols - 1, max(0, round(x / col_w))))

    def shift(band: int) -> tuple[float, float]:
        return -band * per * col_w, -band * band_h

    def moved(p: tuple[float, float], band: int) -> tuple[float, float]:
        dx, dy = shift(band)
        return p[0] + dx, p[1] + dy

    new_pos = {n: moved(p, col_of(p[0]) // per) for n, p in pos.items()}
    out: list[Route] = []
    lane = 0
    for rt in routes:
        bs, bt = col_of(pos[rt.source][0]) // per, col_of(pos[rt.target][0]) // per
        if bs == bt:
            out.append(
                Route(
                    rt.source,
                    rt.target,
                    rt.weight,
                    rt.kind,
                    [moved(v, bs) for v in rt.vertices],
                    list(rt.codes),
                    [moved(v, bs) for v in rt.candidates],
                )
            )
            continue
        lane += 1
        off = 0.07 * (lane % 6)
        pa, pb = moved(rt.vertices[0], bs), moved(rt.vertices[-1], bt)
        if bt > bs:  # forward: along the gap under the source's band, down beside the target
            gy = bottom + shift(bs)[1] - gap / 2 - 0.1 + off
            side_a, side_b = pa[0] + 0.3 + off, pb[0] - 0.3 - off
        else:  # backward: along the gap above the source's band, up beside the target
            gy = top + shift(bs)[1] + gap / 2 - off
            side_a, side_b = pa[0] - 0.3 - off, pb[0] + 0.3 + off
        verts = [pa, (side_a, pa[1]), (side_a, gy), (side_b, gy), (side_b, pb[1]), pb]
        cands = [
            ((side_a + side_b) / 2, gy),
            (side_b, (gy + pb[1]) / 2),
            (side_a, (pa[1] + gy) / 2),
        ]
        out.append(
            Route(rt.source, rt.target, rt.weight, rt.kind, verts, [MOVETO] + [LINETO] * 5, cands)
        )
    return new_pos, out


def _builtin_geometry(
    names: list[Hashable],
    weights: Sequence[float],
    edges: Sequence[tuple[Hashable, Hashable, float]],
    column: dict[Hashable, int] | None,
    first: Sequence[Hashable],
) -> tuple[dict[Hashable, tuple[float, float]], list[Route], list[float], set[Hashable]]:
    """Node places and edge routes of the built-in layered layout."""
    names = list(names)
    node_w = dict(zip(names, (float(w) for w in weights), strict=True))
    pairs = [(s, t) for s, t, _ in edges]
    if column is None:
        column = _layers(names, pairs, first)
    n_cols = max(column.values(), default=0) + 1
    hw, hh = BOX_W / 2, BOX_H / 2
    loops = {s for s, t, _ in edges if s == t}

    # -- items per column: nodes, then one dummy per edge per column passed ------------
    items: list[list[Any]] = [[] for _ in range(n_cols)]
    for n in sorted(names, key=lambda n: (-node_w[n], str(n))):
        items[column[n]].append(n)
    chains: list[list[Any]] = []  # per edge: its items from source to target
    links: list[set[tuple[Any, Any]]] = [set() for _ in range(max(n_cols - 1, 0))]
    for i, (s, t, _) in enumerate(edges):
        cs, ct = column[s], column[t]
        if s == t or cs == ct:
            chains.append([s, t])
            continue
        step = 1 if ct > cs else -1
        chain: list[Any] = [s]
        for c in range(cs + step, ct, step):
            d = ("__dummy__", i, c)
            items[c].append(d)
            chain.append(d)
        chain.append(t)
        chains.append(chain)
        for u, v in zip(chain[:-1], chain[1:], strict=True):
            cu, cv = _col(u, column), _col(v, column)
            links[min(cu, cv)].add((u, v) if cu < cv else (v, u))

    # -- order inside columns: barycenter sweeps, keep the best ----------------------
    left: dict[Any, list[Any]] = {}
    right: dict[Any, list[Any]] = {}
    for link in links:
        for u, v in link:
            right.setdefault(u, []).append(v)
            left.setdefault(v, []).append(u)
    order = {x: k for col in items for k, x in enumerate(col)}

    def total() -> int:
        return sum(_crossings(order, sorted(link, key=str)) for link in links)

    best, best_items = total(), [list(col) for col in items]
    for sweep in range(8):
        cols = range(1, n_cols) if sweep % 2 == 0 else range(n_cols - 2, -1, -1)
        towards = left if sweep % 2 == 0 else right
        for c in cols:
            keyed = []
            for k, x in enumerate(items[c]):
                nb = towards.get(x)
                bary = float(np.mean([order[u] for u in nb])) if nb else float(k)
                keyed.append((bary, k, x))
            keyed.sort(key=lambda e: (e[0], e[1]))
            items[c] = [x for *_, x in keyed]
            for k, x in enumerate(items[c]):
                order[x] = k
        now = total()
        if now < best:
            best, best_items = now, [list(col) for col in items]
        if best == 0:
            break
    items = best_items
    order = {x: k for col in items for k, x in enumerate(col)}

    # -- vertical places: r grows downwards ------------------------------------------
    def height(x: Any) -> tuple[float, float]:  # (above centre, below centre)
        if isinstance(x, tuple) and len(x) == 3 and x[0] == "__dummy__":
            return 0.0, 0.0
        return hh + (LOOP_H if x in loops else 0.0), hh

    def gap(a: Any, b: Any) -> float:
        da, db = height(a), height(b)
        pad = PAD_NODE if da[1] > 0 and db[0] > 0 else PAD_DUMMY
        if da[1] == 0 and db[0] == 0:
            pad = PAD_DUMMY * 0.8
        return da[1] + db[0] + pad

    r: dict[Any, float] = {}
    for col in items:
        acc = 0.0
        for k, x in enumerate(col):
            if k:
                acc += gap(col[k - 1], x)
            r[x] = acc
    for _ in range(6):
        for c in list(range(n_cols)) + list(range(n_cols - 1, -1, -1)):
            col = items[c]
            if not col:
                continue
            offs = np.zeros(len(col))
            for k in range(1, len(col)):
                offs[k] = offs[k - 1] + gap(col[k - 1], col[k])
            want = np.empty(len(col))
            wts = np.empty(len(col))
            for k, x in enumerate(col):
                nb = left.get(x, []) + right.get(x, [])
                want[k] = float(np.mean([r[u] for u in nb])) if nb else r[x]
                wts[k] = 1.0 if nb else 0.3
            fit = _pava(want - offs, wts) + offs
            for k, x in enumerate(col):
                r[x] = float(fit[k])
    top = min((r[x] - height(x)[0] for x in r), default=0.0)
    y = {x: -(v - top) - hh for x, v in r.items()}  # top box edge at y = 0 (loops above)
    x_of = [c * (BOX_W + GAP_X) for c in range(n_cols)]
    pos = {n: (x_of[column[n]], y[n]) for n in names}

    # -- ports: edges leave and enter box sides spread by the height of their next point
    ends: dict[tuple[Any, str], list[tuple[float, int, str]]] = {}
    kinds: list[str] = []
    for i, (s, t, _) in enumerate(edges):
        chain = chains[i]
        cs, ct = column[s], column[t]
        if s == t:
            kind = "self"
        elif cs == ct:
            kind = "within"
        else:
            kind = "forward" if ct > cs else "backward"
        kinds.append(kind)
        if kind in ("forward", "backward"):
            out_side = "R" if kind == "forward" else "L"
            in_side = "L" if kind == "forward" else "R"
            ends.setdefault((s, out_side), []).append((y[chain[1]], i, "out"))
            ends.setdefault((t, in_side), []).append((y[chain[-2]], i, "in"))
        elif kind == "within":
            side = "R" if y[t] < y[s] else "L"
            ends.setdefault((s, side), []).append((y[t], i, "out"))
            ends.setdefault((t, side), []).append((y[s], i, "in"))
    port: dict[tuple[int, str], tuple[float, float]] = {}
    for (n, side), lst in ends.items():
        lst.sort(key=lambda e: -e[0])  # highest first
        k = len(lst)
        span = 0.7 * BOX_H
        x0, y0 = pos[n]
        px = x0 + hw if side == "R" else x0 - hw
        for j, (_, i, what) in enumerate(lst):
            off = span * (0.5 - (j + 0.5) / k) if k > 1 else 0.0
            port[(i, what)] = (px, y0 + off)

    routes: list[Route] = []
    for i, (s, t, w) in enumerate(edges):
        kind = kinds[i]
        xs, ys = pos[s]
        if kind == "self":
            a, b = (xs - 0.22 * BOX_W, ys + hh), (xs + 0.22 * BOX_W, ys + hh)
            up = LOOP_H / 0.75
            verts = [a, (a[0], a[1] + up), (b[0], b[1] + up), b]
            codes = [MOVETO, CURVE4, CURVE4, CURVE4]
            apex = (xs, ys + hh + LOOP_H)
            routes.append(Route(s, t, w, kind, verts, codes, [apex]))
            continue
        a, b = port[(i, "out")], port[(i, "in")]
        if kind == "within":
            sign = 1.0 if a[0] > xs else -1.0
            bulge = sign * min(0.55 * GAP_X, 0.25 + 0.12 * abs(a[1] - b[1]))
            verts = [a, (a[0] + bulge, a[1]), (b[0] + bulge, b[1]), b]
            codes = [MOVETO, CURVE4, CURVE4, CURVE4]
            apex = (a[0] + 0.75 * bulge, (a[1] + b[1]) / 2)
            routes.append(Route(s, t, w, kind, verts, codes, [apex]))
            continue
        pts = [a]
        step = 1 if kind == "forward" else -1
        for d in chains[i][1:-1]:
            xd, yd = x_of[d[2]], y[d]
            pts += [(xd - step * hw, yd), (xd + step * hw, yd)]
        pts.append(b)
        verts, codes = [pts[0]], [MOVETO]
        cands: list[tuple[float, float]] = []
        for k in range(0, len(pts) - 1, 2):  # gap curve, then a straight run past a column
            p, q = pts[k], pts[k + 1]
            mx = (p[0] + q[0]) / 2
            c1, c2 = (mx, p[1]), (mx, q[1])
            verts += [c1, c2, q]
            codes += [CURVE4, CURVE4, CURVE4]
            for tt in (0.5, 0.32, 0.68, 0.18, 0.82, 0.41, 0.59, 0.25, 0.75, 0.1, 0.9):
                cands.append(_cubic(p, c1, c2, q, tt))
            if k + 2 < len(pts):
                verts.append(pts[k + 2])
                codes.append(LINETO)
        routes.append(Route(s, t, w, kind, verts, codes, cands))

    return pos, routes, x_of, loops


def _col(x: Any, column: dict[Hashable, int]) -> int:
    if isinstance(x, tuple) and len(x) == 3 and x[0] == "__dummy__":
        return int(x[2])
    return column[x]


def _cubic(
    p: tuple[float, float],
    c1: tuple[float, float],
    c2: tuple[float, float],
    q: tuple[float, float],
    t: float,
) -> tuple[float, float]:
    u = 1 - t
    x = u**3 * p[0] + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0] + t**3 * q[0]
    y = u**3 * p[1] + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1] + t**3 * q[1]
    return (x, y)


def dot_available() -> bool:
    """True when Graphviz ``dot`` and its Python binding pydot are both installed."""
    import importlib.util
    import shutil

    return importlib.util.find_spec("pydot") is not None and shutil.which("dot") is not None


def _dot_geometry(
    names: list[Hashable],
    edges: Sequence[tuple[Hashable, Hashable, float]],
    column: dict[Hashable, int] | None,
) -> tuple[dict[Hashable, tuple[float, float]], list[Route], list[float], set[Hashable]]:
    """Node places and edge splines from Graphviz ``dot`` (left to right, fixed box sizes)."""
    import json

    import pydot

    ids = {n: f"n{i}" for i, n in enumerate(names)}
    g = pydot.Dot(
        graph_type="digraph",
        rankdir="LR",
        splines="true",
        nodesep=f"{PAD_DUMMY + 0.06:.2f}",
        ranksep=f"{GAP_X:.2f}",
        newrank="true",
    )
    box: dict[str, Any] = {
        "shape": "box",
        "width": f"{BOX_W}",
        "height": f"{BOX_H}",
        "fixedsize": "true",
    }
    if column is not None:  # stage columns: one rank per column, in order
        n_cols = max(column.values(), default=0) + 1
        for c in range(n_cols):
            sub = pydot.Subgraph(f"col{c}", rank="same")
            sub.add_node(pydot.Node(f"col{c}", shape="point", width="0.01", style="invis"))
            for n in names:
                if column[n] == c:
                    sub.add_node(pydot.Node(ids[n], label="", **box))
            g.add_subgraph(sub)
        for c in range(n_cols - 1):
            g.add_edge(pydot.Edge(f"col{c}", f"col{c + 1}", style="invis", weight="100"))
    else:
        for n in names:
            g.add_node(pydot.Node(ids[n], label="", **box))
    for i, (s, t, w) in enumerate(edges):
        g.add_edge(pydot.Edge(ids[s], ids[t], id=f"e{i}", weight=f"{max(1, round(math.log1p(w)))}"))
    data = json.loads(g.create(prog="dot", format="json0"))
    by_name = {o["name"]: o for o in data.get("objects", [])}

    def point(text: str) -> tuple[float, float]:
        x, y = text.split(",")[:2]
        return float(x) / 72.0, float(y) / 72.0

    pos = {n: point(by_name[ids[n]]["pos"]) for n in names}
    if column is not None:
        x_of = [point(by_name[f"col{c}"]["pos"])[0] for c in range(n_cols)]
    else:
        x_of = sorted({round(p[0], 3) for p in pos.values()})
    loops = {s for s, t, _ in edges if s == t}
    routes: list[Route] = []
    spl = {e["id"]: e["pos"] for e in data.get("edges", []) if "id" in e and "pos" in e}
    for i, (s, t, w) in enumerate(edges):
        tokens = spl[f"e{i}"].split()
        tip = None
        pts = []
        for tok in tokens:
            if tok.startswith("e,"):
                tip = point(tok[2:])
            elif not tok.startswith("s,"):
                pts.append(point(tok))
        verts = pts + ([tip] if tip is not None else [])
        codes = [MOVETO] + [CURVE4] * (len(pts) - 1) + ([LINETO] if tip is not None else [])
        cands = []
        for k in range(0, len(pts) - 3, 3):
            for tt in (0.5, 0.32, 0.68):
                cands.append(_cubic(pts[k], pts[k + 1], pts[k + 2], pts[k + 3], tt))
        xs, xt = pos[s][0], pos[t][0]
        if s == t:
            kind = "self"
        elif column is not None:
            kind = (
                ("forward" if column[t] > column[s] else "backward")
                if column[t] != column[s]
                else "within"
            )
        else:
            kind = (
                "forward" if xt > xs + 1e-6 else ("within" if abs(xt - xs) <= 1e-6 else "backward")
            )
        routes.append(Route(s, t, w, kind, verts, codes, cands))
    return pos, routes, x_of, loops

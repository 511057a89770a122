"""Tests of journeymine.plot: what each function draws, on tiny inline logs."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

import journeymine as jm  # noqa: E402
from journeymine.errors import (  # noqa: E402
    JourneymineWarning,
    MissingDependencyError,
    ParameterError,
)
from journeymine.model import JourneyModel  # noqa: E402
from journeymine.plot import (  # noqa: E402
    detached_figures,
    plot_conformance,
    plot_funnel,
    plot_graph,
    plot_model,
    plot_stage_durations,
    plot_svg,
    plot_variants,
    to_svg,
)
from journeymine.plot.layout import dot_available  # noqa: E402

from strategies import examples, logs_for, models  # noqa: E402

MODEL = JourneyModel(
    stages=["Awareness", "Consideration", "Purchase", "Retention"],
    activities={"ad": "Awareness", "view": "Consideration", "buy": "Purchase", "mail": "Retention"},
    loops=[("Retention", "Consideration")],
    purchase=["buy"],
)


def _log(stage: bool = False, names: dict[str, str] | None = None) -> jm.JourneyLog:
    rows = [
        ("a", "ad"),
        ("a", "view"),
        ("a", "view"),
        ("a", "buy"),
        ("a", "mail"),
        ("a", "view"),
        ("b", "ad"),
        ("b", "view"),
        ("b", "buy"),
        ("c", "ad"),
        ("c", "buy"),
        ("d", "view"),
        ("d", "chat"),
    ]
    df = pd.DataFrame(rows, columns=["customer", "touchpoint"])
    df["ts"] = pd.date_range("2025-01-01", periods=len(df), freq="h")
    if names:
        df["touchpoint"] = df["touchpoint"].replace(names)
    if stage:
        df["stage"] = df["touchpoint"].map(MODEL.activities)
    return jm.from_pandas(
        df, case="customer", activity="touchpoint", timestamp="ts", stage="stage" if stage else None
    )


def _boxes(ax):
    return [p for p in ax.patches if isinstance(p, FancyBboxPatch) and p.get_gid() == "node-box"]


def _arrows(ax):
    return [p for p in ax.patches if isinstance(p, FancyArrowPatch)]


def _texts(ax, gid):
    return [t for t in ax.texts if t.get_gid() == gid]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize("layout", ["stages", "layered"])
@pytest.mark.parametrize("stage", [False, True])
def test_plot_graph_draws_one_box_and_label_per_node_and_one_arrow_per_edge(layout, stage):
    g = jm.discover(_log(stage=stage))
    ax = plot_graph(g, layout=layout)
    assert len(_boxes(ax)) == len(g.nodes) == 5
    assert len(_texts(ax, "node-label")) == len(g.nodes)
    assert len(_arrows(ax)) == len(g.edges)
    labels = {t.get_text().split("\n")[0] for t in _texts(ax, "node-label")}
    assert labels == set(g.nodes["node"])


def test_plot_graph_puts_stages_in_model_order_and_backward_edges_dashed():
    g = jm.discover(_log())
    ax = plot_graph(g, model=MODEL)
    heads = [t.get_text() for t in _texts(ax, "stage-label")]
    assert heads == ["Awareness", "Consideration", "Purchase", "Retention", "not in model"]
    x = {t.get_text().split("\n")[0]: t.get_position()[0] for t in _texts(ax, "node-label")}
    assert x["ad"] < x["view"] < x["buy"] < x["mail"] < x["chat"]
    # mail -> view goes back a stage: the only dashed edge; 'chat' is unknown: a dashed box
    dashed = [a for a in _arrows(ax) if a.get_linestyle() not in ("-", "solid")]
    assert len(dashed) == 1
    dashed_boxes = [b for b in _boxes(ax) if b.get_linestyle() not in ("-", "solid")]
    assert len(dashed_boxes) == 1


def test_plot_graph_stage_order_from_the_log_stage_column_and_stages_argument():
    g = jm.discover(_log(stage=True))
    ax = plot_graph(g, stages=["Retention", "Purchase", "Consideration", "Awareness"])
    heads = [t.get_text() for t in _texts(ax, "stage-label")]
    assert heads[:4] == ["Retention", "Purchase", "Consideration", "Awareness"]
    ax = plot_graph(g)  # the classic template order is recognised
    heads = [t.get_text() for t in _texts(ax, "stage-label")]
    assert heads[:4] == ["Awareness", "Consideration", "Purchase", "Retention"]


def test_plot_graph_prunes_large_graphs_and_says_so():
    names = [f"t{i:02d}" for i in range(30)]
    df = pd.DataFrame(
        {
            "c": np.repeat(np.arange(40), 5),
            "a": [names[(i * 7 + j) % 30] for i in range(40) for j in range(5)],
        }
    )
    df["t"] = pd.date_range("2025-01-01", periods=len(df), freq="min")
    g = jm.discover(jm.from_pandas(df, case="c", activity="a", timestamp="t"))
    ax = plot_graph(g, max_nodes=10, max_edges=None)
    assert len(_boxes(ax)) == 10
    assert "showing 10 of 30 touchpoints" in ax.get_title()
    assert "% of events" in ax.get_title()
    ax = plot_graph(g, max_edges=20)
    assert len(_arrows(ax)) <= 30 and "most frequent" in ax.get_title()


def test_plot_graph_labels_counts_or_medians():
    g = jm.discover(_log())
    ax = plot_graph(g, label="count", weight="events")
    texts = {t.get_text() for t in _texts(ax, "edge-label")}
    assert str(int(g.edges["events"].max())) in texts
    ax = plot_graph(g, label="median")
    assert {t.get_text() for t in _texts(ax, "edge-label")} == {"1 h"}
    ax = plot_graph(g, label="none")
    assert not _texts(ax, "edge-label")


def test_plot_graph_uses_the_given_axes_and_no_pyplot_when_detached():
    import matplotlib.pyplot as plt

    g = jm.discover(_log())
    fig = Figure(figsize=(14, 8))
    ax = fig.add_subplot()
    assert plot_graph(g, ax=ax) is ax
    n = len(plt.get_fignums())
    with detached_figures():
        ax2 = plot_graph(g)
    assert len(plt.get_fignums()) == n
    assert ax2.figure is not None


def test_journey_graph_plot_delegates():
    ax = jm.discover(_log()).plot(layout="layered")
    assert len(_boxes(ax)) == 5


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"layout": "circle"}, "'layout' parameter of plot_graph"),
        ({"engine": "neato"}, "'engine' parameter of plot_graph"),
        ({"weight": "x"}, "'weight' parameter"),
        ({"label": "mean"}, "'label' parameter"),
        ({"max_nodes": 0}, "'max_nodes' parameter of plot_graph"),
        ({"model": "m.yaml"}, "'model' parameter of plot_graph"),
        ({"ax": "axes"}, "'ax' parameter of plot_graph"),
    ],
)
def test_plot_graph_bad_arguments(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        plot_graph(jm.discover(_log()), **kwargs)


def test_plot_graph_rejects_non_graphs():
    with pytest.raises(ParameterError, match="expects a JourneyGraph"):
        plot_graph(pd.DataFrame())


def _compare():
    return pd.DataFrame(
        {
            "level": ["stage", "stage", "stage", "stage", "activity"],
            "source": ["Awareness", "Consideration", "Awareness", "Retention", "ad"],
            "target": ["Consideration", "Purchase", "Purchase", "Consideration", "view"],
            "status": ["both", "designed_only", "observed_only", "observed_only", "both"],
            "events": [5, 0, 2, 1, 5],
            "cases": [4, 0, 2, 1, 4],
        }
    )


def test_plot_conformance_overlays_three_styles_with_a_legend():
    report = SimpleNamespace(compare=_compare(), model=MODEL, conformance_rate=0.75)
    ax = plot_conformance(report)
    legend = [t.get_text().split(":")[0] for t in ax.get_legend().get_texts()]
    assert legend == ["both", "designed_only", "observed_only"]
    assert len(_arrows(ax)) == 4  # the stage-level rows only
    assert len(_boxes(ax)) == 4  # the model's stages
    assert [t.get_text() for t in _texts(ax, "node-label")] == list(MODEL.stages)
    colours = {matplotlib.colors.to_hex(a.get_edgecolor()) for a in _arrows(ax)}
    assert len(colours) == 3
    assert "75.0% of cases conform" in ax.get_title()


def test_plot_conformance_without_model_takes_stages_from_compare():
    ax = plot_conformance(SimpleNamespace(compare=_compare()))
    assert len(_boxes(ax)) == 4


def test_plot_conformance_on_a_real_report():
    check = pytest.importorskip("journeymine.conformance").check
    report = check(_log(), MODEL)
    ax = plot_conformance(report)
    assert len(ax.get_legend().get_texts()) == 3


def test_plot_conformance_rejects_other_objects():
    with pytest.raises(ParameterError, match="expects a ConformanceReport"):
        plot_conformance(SimpleNamespace(compare=None))


def test_plot_model_draws_stages_and_designed_moves():
    ax = plot_model(MODEL)
    assert len(_boxes(ax)) == 4
    assert len(_arrows(ax)) == 3 + 1  # next-stage moves and one loop
    with pytest.raises(
        ParameterError, match=r"'model' parameter of plot_model\(\) must be a JourneyModel"
    ):
        plot_model("model")


def test_plot_funnel_one_bar_per_stage_from_table_or_log():
    f = pd.DataFrame(
        {
            "stage": ["A", "B", "C"],
            "reached": [10, 6, 3],
            "share": [1.0, 0.6, 0.3],
            "conversion": [1.0, 0.6, 0.5],
        }
    )
    ax = plot_funnel(f)
    assert len(ax.containers[0]) == 3
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B", "C"]
    assert [b.get_width() for b in ax.containers[0]] == [10, 6, 3]
    ax = plot_funnel(_log(), MODEL)  # (log, model) works too
    assert len(ax.containers[0]) == len(MODEL.stages)
    with pytest.raises(ParameterError, match="needs the designed journey"):
        plot_funnel(_log())
    with pytest.raises(ParameterError, match="expects the table of jm.funnel"):
        plot_funnel(pd.DataFrame({"x": [1]}))


@pytest.mark.parametrize("top", [1, 2, 3])
def test_plot_variants_draws_top_k_rows(top):
    log = _log()
    ax = plot_variants(log, top=top)
    assert len(ax.get_yticks()) == top
    assert len(_texts(ax, "variant-count")) == top
    v = jm.variants(log).head(top)
    blocks = [p for p in ax.patches if p.get_gid() == "variant-block"]
    assert len(blocks) == int(v["length"].sum())
    legend = {t.get_text() for t in ax.get_legend().get_texts()}
    assert legend == {a for seq in v["variant"] for a in seq}


def test_plot_variants_accepts_the_variants_table_and_cuts_long_ones():
    v = pd.DataFrame({"variant": [("a",) * 40, ("b", "c")], "cases": [3, 1], "share": [0.75, 0.25]})
    ax = plot_variants(v, max_length=10)
    blocks = [p for p in ax.patches if p.get_gid() == "variant-block"]
    assert len(blocks) == 12
    assert any(t.get_text() == "… +30" for t in ax.texts)
    with pytest.raises(ParameterError, match="'top' parameter of plot_variants"):
        plot_variants(v, top=0)
    with pytest.raises(ParameterError, match="expects a JourneyLog or the table"):
        plot_variants([1, 2])


def test_plot_stage_durations_one_box_per_stage():
    d = pd.DataFrame(
        {
            "case": [1, 1, 2, 2, 3],
            "stage": pd.Categorical(["B", "A", "A", "B", "A"], categories=["A", "B", "C"]),
            "duration": pd.to_timedelta(["3D", "1D", "2D", pd.NaT, "4D"]),
        }
    )
    ax = plot_stage_durations(d)
    boxes = [p for p in ax.patches if p.get_gid() == "duration-box"]
    assert len(boxes) == 2
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["A\nn=3", "B\nn=1"]
    assert "days" in ax.get_ylabel()
    ax = plot_stage_durations(_log(), MODEL, log_scale=True)
    assert ax.get_yscale() == "log"
    with pytest.raises(ParameterError, match="needs the designed journey"):
        plot_stage_durations(_log())


def test_to_svg_and_plot_svg_escape_hostile_names():
    log = _log(names={"view": "<script>alert(1)</script>", "buy": "pay $5 & go"})
    svg = plot_svg(jm.discover(log))
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    assert plot_svg(MODEL).startswith("<svg")
    assert plot_svg(SimpleNamespace(compare=_compare())).startswith("<svg")
    with pytest.raises(ParameterError, match="plot_svg"):
        plot_svg(42)
    with pytest.raises(ParameterError, match="to_svg"):
        to_svg("figure")


def test_import_journeymine_plot_does_not_import_pyplot():
    import subprocess
    import sys

    code = (
        "import sys, journeymine.plot, journeymine.report, journeymine.cli; "
        "print('matplotlib.pyplot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- readability: nothing collides, nothing is too small ---------------------------------
def _layered_log() -> jm.JourneyLog:
    """A log without stages: a forward web journey with branches, skips and loops back."""
    rng = np.random.default_rng(3)
    pages = [
        "home",
        "search",
        "category",
        "product page",
        "size guide",
        "reviews",
        "wishlist",
        "basket",
        "login",
        "register",
        "delivery options",
        "payment",
        "order confirmation",
        "order tracking",
        "help centre",
    ]
    rows = []
    for case in range(400):
        k = 0
        t = 0
        while True:
            rows.append((case, pages[k], t))
            t += 1
            if k == len(pages) - 1 or rng.random() < 0.08:
                break
            step = rng.choice([1, 1, 1, 2, 3, -1, -2], p=[0.35, 0.2, 0.1, 0.15, 0.05, 0.1, 0.05])
            k = int(min(max(k + step, 0), len(pages) - 1))
    df = pd.DataFrame(rows, columns=["c", "a", "t"])
    df["t"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(df["t"], unit="min")
    return jm.from_pandas(df, case="c", activity="a", timestamp="t")


def _many_activities_log(n_activities: int = 5000, n_cases: int = 3000) -> jm.JourneyLog:
    rng = np.random.default_rng(7)
    sizes = rng.integers(2, 9, n_cases)
    case = np.repeat(np.arange(n_cases), sizes)
    ranks = np.minimum(rng.zipf(1.3, len(case)), n_activities) - 1
    names = np.array([f"product {i:04d}" for i in range(n_activities)])
    # every activity occurs at least once
    ranks[:n_activities] = np.arange(n_activities) if len(ranks) >= n_activities else ranks[:0]
    df = pd.DataFrame({"c": case, "a": names[ranks]})
    df["t"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(np.arange(len(df)), unit="s")
    return jm.from_pandas(df, case="c", activity="a", timestamp="t")


def _distance(point, box) -> float:
    """Pixels from a point to a box (0 inside)."""
    dx = max(box.x0 - point[0], 0.0, point[0] - box.x1)
    dy = max(box.y0 - point[1], 0.0, point[1] - box.y1)
    return float(np.hypot(dx, dy))


def _assert_readable(ax) -> None:
    fig = ax.figure
    if not hasattr(fig.canvas, "get_renderer"):  # a figure pyplot never saw
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [p.get_window_extent(renderer) for p in _boxes(ax)]
    legend = ax.get_legend()
    texts = [t for t in ax.texts if t.get_text().strip()]
    texts += [t for t in (legend.get_texts() if legend else []) if t.get_text().strip()]
    if ax.get_title():
        texts.append(ax.title)
    extents = [t.get_window_extent(renderer) for t in texts]
    for t in texts:
        assert t.get_fontsize() >= 8, (t.get_text(), t.get_fontsize())
    shrink = 0.5  # pixels: touching is not overlapping

    def overlap(a, b, tol=shrink):
        return a.x0 + tol < b.x1 and b.x0 + tol < a.x1 and a.y0 + tol < b.y1 and b.y0 + tol < a.y1

    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            assert not overlap(extents[i], extents[j]), (texts[i].get_text(), texts[j].get_text())
    for t, e in zip(texts, extents, strict=True):
        cx, cy = (e.x0 + e.x1) / 2, (e.y0 + e.y1) / 2
        for b in boxes:
            own = t.get_gid() == "node-label" and b.contains(cx, cy)
            if own:
                assert b.x0 <= e.x0 and e.x1 <= b.x1, t.get_text()  # the label fits its box
            else:
                assert not overlap(e, b), (t.get_text(), t.get_gid())
    for arrow in [p for p in _arrows(ax) if p.get_gid() == "edge"]:
        path = arrow.get_transform().transform_path(arrow.get_path())
        polys = path.to_polygons(closed_only=False)
        line = polys[0]
        pts = np.concatenate(
            [line[:-1] + (line[1:] - line[:-1]) * f for f in np.linspace(0, 1, 6)[:-1]]
            + [polys[-1]]
        )
        first, last = line[0], line[-1]
        for b in boxes:
            if _distance(first, b) < 4 or _distance(last, b) < 4:
                continue  # an end box
            inside = (
                (pts[:, 0] > b.x0 + 1.5)
                & (pts[:, 0] < b.x1 - 1.5)
                & (pts[:, 1] > b.y0 + 1.5)
                & (pts[:, 1] < b.y1 - 1.5)
            )
            assert not inside.any(), "an edge runs through a box"


ENGINES = [
    "builtin",
    pytest.param(
        "dot",
        marks=pytest.mark.skipif(
            not dot_available(), reason="Graphviz dot or pydot not installed: built-in layout only"
        ),
    ),
]


@pytest.mark.parametrize("engine", ENGINES)
def test_shop_graph_is_readable(engine):
    g = jm.discover(jm.datasets.load_shop())
    ax = plot_graph(g, model=jm.datasets.shop_model(), engine=engine)
    _assert_readable(ax)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "not in the design" in legend and "backward (loop, regression)" in legend
    w, h = ax.figure.get_size_inches()
    assert w * 110 > 1200  # grows with the graph (the old picture was 858 px wide)


@pytest.mark.parametrize("engine", ENGINES)
def test_layered_graph_without_stages_is_readable(engine):
    g = jm.discover(_layered_log())
    assert "stage" not in g.nodes.columns
    ax = plot_graph(g, engine=engine)
    _assert_readable(ax)
    xs = {round(p.get_x(), 3) for p in _boxes(ax)}
    assert len(xs) >= 5  # layers, not one column


@pytest.mark.parametrize("engine", ENGINES)
def test_graph_of_5000_activities_shows_the_frequent_part_and_says_what_it_hid(engine):
    log = _many_activities_log()
    g = jm.discover(log)
    assert len(g.nodes) == 5000
    ax = plot_graph(g, engine=engine)
    _assert_readable(ax)
    assert len(_boxes(ax)) <= 40
    title = ax.get_title()
    assert "of 5,000 touchpoints" in title and "% of events" in title and "prune()" in title


def test_small_axes_given_by_the_user_keep_everything_inside():
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    with pytest.warns(JourneymineWarning, match=r"too small.* pt .*Give the axes about") as seen:
        plot_graph(jm.discover(_log()), ax=ax)
    assert seen[0].filename == __file__  # attributed to the caller's line
    fig.canvas.draw()
    assert len(_boxes(ax)) == 5
    big = Figure(figsize=(14, 8)).add_subplot()
    plot_graph(jm.discover(_log()), ax=big)  # large enough: no warning (warnings are errors)


# -- stage flow ------------------------------------------------------------------------
def _reference_stage_flow(log, model):
    """Visits, starts, ends and moves by a plain loop over cases."""
    df = log.to_pandas()
    stage_of = model.activities
    visits, starts, ends, moves = {}, {}, {}, {}
    for _, events in df.groupby(log.case, sort=False):
        runs = []
        for a in events[log.activity]:
            s = stage_of.get(a)
            if s is not None and (not runs or runs[-1] != s):
                runs.append(s)
        for s in runs:
            visits[s] = visits.get(s, 0) + 1
        if runs:
            starts[runs[0]] = starts.get(runs[0], 0) + 1
            ends[runs[-1]] = ends.get(runs[-1], 0) + 1
        for a, b in zip(runs[:-1], runs[1:], strict=True):
            moves[(a, b)] = moves.get((a, b), 0) + 1
    return visits, starts, ends, moves


@pytest.mark.parametrize("stage", [False, True])
def test_stage_flow_table_matches_a_plain_loop(stage):
    from journeymine.visits import stage_flow_table

    for log, model in ((_log(stage), MODEL), (jm.datasets.load_shop(), jm.datasets.shop_model())):
        table, flows = stage_flow_table(log, model)
        visits, starts, ends, moves = _reference_stage_flow(log, model)
        assert table["stage"].tolist() == list(model.stages)
        for r in table.itertuples(index=False):
            assert (r.visits, r.starts, r.ends) == (
                visits.get(r.stage, 0),
                starts.get(r.stage, 0),
                ends.get(r.stage, 0),
            )
        assert (
            dict(
                zip(zip(flows["source"], flows["target"], strict=True), flows["moves"], strict=True)
            )
            == moves
        )


def test_plot_stage_flow_draws_bars_bands_and_readable_labels():
    log, model = jm.datasets.load_shop(), jm.datasets.shop_model()
    ax = jm.plot_stage_flow(log, model)
    assert len([p for p in ax.patches if p.get_gid() == "stage-bar"]) == len(model.stages)
    assert [p for p in ax.patches if p.get_gid() == "flow"]
    assert [p for p in ax.patches if p.get_gid() == "flow-back"]
    _assert_readable(ax)
    assert "3,293" in {t.get_text() for t in _texts(ax, "flow-label")}  # Awareness -> Consideration


def test_plot_stage_flow_bad_arguments():
    with pytest.raises(ParameterError, match="expects a JourneyLog"):
        jm.plot_stage_flow(pd.DataFrame(), MODEL)
    with pytest.raises(ParameterError, match="'model' parameter of plot_stage_flow"):
        jm.plot_stage_flow(_log(), "model.yaml")
    with pytest.raises(ParameterError, match="'ax' parameter of plot_stage_flow"):
        jm.plot_stage_flow(_log(), MODEL, ax="axes")


def test_interactive_map_data_has_one_layout_per_slider_step_and_escapes_names():
    from journeymine.plot.interactive import graph_map_html, map_data

    g = jm.discover(_log(names={"ad": "</script><b>ad</b>"}))
    data = map_data(g)
    sizes = [len(level["nodes"]) for level in data["levels"]]
    assert sizes[0] == len(g.nodes) and sizes == sorted(sizes, reverse=True)
    assert data["total_edges"] == len(g.edges)
    fragment = graph_map_html(g, static="<p>static</p>")
    assert "</script><b>" not in fragment and "<p>static</p>" in fragment


@settings(max_examples=examples(10), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@pytest.mark.parametrize("engine", ENGINES)
@given(data=st.data(), staged=st.booleans(), long_names=st.booleans())
def test_random_graphs_are_readable(engine, data, staged, long_names):
    model = data.draw(models())
    df = data.draw(logs_for(model, max_cases=12, max_events=10))
    if long_names:
        long = {a: f"{a} — a touchpoint with a rather long name" for a in df["activity"].unique()}
        df["activity"] = df["activity"].map(long)
        model = JourneyModel(
            stages=list(model.stages),
            activities={long.get(a, a): s for a, s in model.activities.items()},
        )
    log = jm.from_pandas(df, case="case", activity="activity", timestamp="timestamp")
    with detached_figures():
        ax = plot_graph(jm.discover(log), model=model if staged else None, engine=engine)
    _assert_readable(ax)


def test_engine_dot_without_graphviz_says_how_to_install_it(monkeypatch):
    import journeymine.plot.layout as layout

    monkeypatch.setattr(layout, "dot_available", lambda: False)
    g = jm.discover(_log())
    with pytest.raises(MissingDependencyError, match=r"journeymine\[graphviz\]"):
        plot_graph(g, engine="dot")
    assert _boxes(plot_graph(g, engine="auto"))  # falls back to the built-in layout


def _chain_log(n: int = 24) -> jm.JourneyLog:
    rows = [
        (c, f"Step {i:02d}", pd.Timestamp("2025-01-01") + pd.Timedelta(minutes=100 * c + i))
        for c in range(5)
        for i in range(n)
    ]
    return jm.from_pandas(
        pd.DataFrame(rows, columns=["c", "a", "t"]), case="c", activity="a", timestamp="t"
    )


def _tall_stage() -> tuple[jm.JourneyLog, jm.JourneyModel]:
    offers = [f"Offer {i:02d}" for i in range(25)]
    model = jm.JourneyModel(
        stages=["Start", "Browse", "Buy"],
        activities={"Visit": "Start", **dict.fromkeys(offers, "Browse"), "Pay": "Buy"},
    )
    rows = []
    for c in range(100):
        seq = ["Visit", offers[c % 25], offers[(7 * c + 3) % 25], "Pay"]
        rows += [
            (c, a, pd.Timestamp("2025-01-01") + pd.Timedelta(minutes=100 * c + i))
            for i, a in enumerate(seq)
        ]
    log = jm.from_pandas(
        pd.DataFrame(rows, columns=["c", "a", "t"]), case="c", activity="a", timestamp="t"
    )
    return log, model


@pytest.mark.parametrize("shape", ["chain", "tall"])
def test_extreme_shapes_stay_between_1_to_3_and_3_to_1(shape):
    from journeymine.plot.interactive import map_data

    if shape == "chain":
        g, model = jm.discover(_chain_log()), None
    else:
        log, model = _tall_stage()
        g = jm.discover(log)
    ax = plot_graph(g, model=model, max_edges=None)
    w, h = ax.figure.get_size_inches()
    assert 1 / 3 <= w / h <= 3, (w, h)
    view = map_data(g, model=model)["levels"][0]["view"]
    assert 1 / 3 <= view[2] / view[3] <= 3, view
    _assert_readable(ax)
    if shape == "tall":  # one stage in sub-columns: a move between them stays "within" it
        assert len({round(p.get_x(), 3) for p in _boxes(ax)}) >= 4
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert not any(t.startswith("backward") for t in legend)


def test_edge_labels_sit_on_their_own_edge():
    from journeymine.plot.layout import layout_graph

    g = jm.discover(jm.datasets.load_shop())
    names = g.nodes["node"].tolist()
    edges = list(zip(g.edges["source"], g.edges["target"], g.edges["cases"], strict=True))
    texts = {i: str(int(w)) for i, (_, _, w) in enumerate(edges)}
    lay = layout_graph(names, g.nodes["cases"].tolist(), edges, label_texts=texts)
    assert len(lay.labels) > 20
    for i, (cx, cy, _, _) in lay.labels.items():
        rt = lay.routes[i]
        if rt.kind in ("forward", "backward"):  # centred on a point of its own route
            assert min(abs(cx - x) + abs(cy - y) for x, y in rt.candidates) < 1e-9

"""Time drawing journey graphs: the shop graph and a graph of 5,000 activities.

Run ``python benchmarks/bench_plot.py`` (``--repeat 3`` by default;
``--engine dot`` times the Graphviz layout instead of the built-in one). Each row
is the best wall time of: ``plot_graph`` (pruning, layout, artists), then
rendering the figure (``fig.canvas.draw()``, what saving or showing costs),
and the data of the interactive map (one layout per slider step), wall time
with the CPU time in brackets. Targets:
the shop graph under 1 s, the 5,000-activity graph under 5 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import journeymine as jm  # noqa: E402
from journeymine.plot import detached_figures, plot_graph  # noqa: E402
from journeymine.plot.interactive import map_data  # noqa: E402


def product_views(n_products: int = 5000, sessions: int = 20_000, seed: int = 0) -> jm.JourneyLog:
    """Web-shop sessions over ``n_products`` product pages with Zipf-like popularity."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 12, sessions)
    case = np.repeat(np.arange(sessions), sizes)
    popular = np.minimum(rng.zipf(1.25, len(case)), n_products) - 1
    popular[:n_products] = rng.permutation(n_products)  # every product is seen
    df = pd.DataFrame({"session": case, "page": np.char.add("product ", popular.astype(str))})
    df["ts"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(np.arange(len(df)) * 7, unit="s")
    return jm.from_pandas(df, case="session", activity="page", timestamp="ts")


def best(fn, repeat: int) -> tuple[float, float]:
    """Best wall time and best CPU time (the CPU time shows the cost on a busy machine)."""
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engine", choices=["auto", "builtin", "dot"], default="builtin")
    args = parser.parse_args()
    shop = jm.datasets.load_shop()
    cases = [
        ("shop (with model)", jm.discover(shop), jm.datasets.shop_model()),
        ("5,000 activities", jm.discover(product_views()), None),
    ]
    print(
        f"{'graph':<18} {'nodes':>6} {'edges':>6}   plot_graph (CPU)    plot+render (CPU)"
        "    map data (CPU)"
    )
    for name, graph, model in cases:

        def draw(graph=graph, model=model) -> None:
            with detached_figures():
                ax = plot_graph(graph, model=model, engine=args.engine)
            FigureCanvasAgg(ax.figure).draw()

        def only_plot(graph=graph, model=model) -> None:
            with detached_figures():
                plot_graph(graph, model=model, engine=args.engine)

        t_plot = best(only_plot, args.repeat)
        t_draw = best(draw, args.repeat)
        t_map = best(
            lambda graph=graph, model=model: map_data(graph, model=model, engine=args.engine),
            args.repeat,
        )
        cells = "".join(f"   {w:6.2f}s ({c:5.2f}s)  " for w, c in (t_plot, t_draw, t_map))
        print(f"{name:<18} {len(graph.nodes):>6,} {len(graph.edges):>6,}{cells}")


if __name__ == "__main__":
    main()

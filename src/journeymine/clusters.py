"""Journey types: personas found by clustering the cases on what they did."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine._tables import concat_by_case
from journeymine.engine import Kernel, LogMeta, run
from journeymine.errors import MissingDependencyError, ParameterError
from journeymine.features import ARROW
from journeymine.patterns import encode_variants, merge_variants, variant_partial

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.engine import LogLike
    from journeymine.graph import JourneyGraph
    from journeymine.log import JourneyLog
    from journeymine.model import JourneyModel

__all__ = ["JourneyClusters", "cluster_journeys"]

Features = Literal["transitions", "activities", "ngrams"]
_K_RANGE = range(2, 11)  # k tried when k=None
_SILHOUETTE_SAMPLE = 5000  # cases the silhouette is measured on, at most
_THREADED = 50_000  # distinct journeys from which k-means uses several threads
_TOP_LIFT = 3  # distinguishing transitions per cluster
_MIN_IN_CLUSTER = 0.2  # ... among those at least this share of the cluster's cases took
START, END = "(start)", "(end)"  # the ends of a journey, in transition tokens
_ML_HINT = 'Install it with: pip install "journeymine[ml]".'


@dataclass(frozen=True, eq=False, repr=False)
class JourneyClusters:
    """The result of :func:`cluster_journeys`: which cluster each case is in, and what each is.

    Attributes
    ----------
    cases : pandas.DataFrame
        One row per case, in log order: ``case``, ``cluster`` (int64, 0 is
        the largest cluster).
    profiles : pandas.DataFrame
        One row per cluster, largest first: ``cluster``, ``cases``,
        ``share``, ``outcome`` (the share of its cases that reached one of
        ``model.purchase``; NaN without a model), ``median_duration``
        (Timedelta), ``median_events``, ``top_variant`` (its most common
        activity sequence, a tuple), ``variant_share`` (that variant's share
        of the cluster) and ``transitions`` (a tuple of ``("a -> b", lift)``
        pairs: the transitions that most set the cluster apart; the lift is
        the share of the cluster's cases that took the transition divided by
        that share over all cases, among transitions at least 20 % of the
        cluster took).
    k : int
        The number of clusters.
    silhouette : pandas.DataFrame or None
        With ``k=None``, the mean silhouette of each ``k`` tried (columns
        ``k``, ``silhouette``); the chosen ``k`` has the highest. None when
        ``k`` was given.
    features : str
        What the cases were described by.
    graphs : dict of int to JourneyGraph
        Each cluster's journey graph (its cases' directly-follows graph).

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> paths = ["ab"] * 4 + ["xy"] * 3 + ["xyy"]
    >>> rows = [(f"c{i}", a, j) for i, p in enumerate(paths) for j, a in enumerate(p)]
    >>> df = pd.DataFrame(rows, columns=["case", "activity", "step"])
    >>> df["ts"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(df["step"], unit="h")
    >>> log = jm.from_pandas(df, case="case", activity="activity", timestamp="ts")
    >>> clusters = jm.cluster_journeys(log, k=2)
    >>> clusters
    JourneyClusters(k=2 (given), cases=8, features='transitions')
    >>> clusters.profiles["top_variant"].tolist()
    [('a', 'b'), ('x', 'y')]
    """

    cases: pd.DataFrame
    profiles: pd.DataFrame
    k: int
    silhouette: pd.DataFrame | None
    features: str
    graphs: dict[int, JourneyGraph] = field(default_factory=dict)

    def plot(self, **kwargs: Any) -> Any:
        """Draw each cluster's journey graph, small-multiple style: see :func:`plot_clusters`."""
        from journeymine.plot.clusters import plot_clusters

        return plot_clusters(self, **kwargs)

    def __repr__(self) -> str:
        how = "chosen by silhouette" if self.silhouette is not None else "given"
        return (
            f"JourneyClusters(k={self.k} ({how}), cases={len(self.cases)}, "
            f"features={self.features!r})"
        )


@v.validate_params(
    {
        "k": [v.Interval(int, 2, None), None],
        "features": [v.StrOptions(("transitions", "activities", "ngrams"))],
        "seed": v.SEED,
        "model": [v.Model(), None],
    }
)
def cluster_journeys(
    log: LogLike,
    k: int | None = None,
    *,
    features: Features = "transitions",
    seed: int | np.random.Generator | None = 0,
    model: JourneyModel | None = None,
) -> JourneyClusters:
    """Group the cases into journey types (personas) by what they did.

    Each case becomes a vector of counts (its transitions, its activities or
    its activity n-grams), weighted by TF-IDF so that what every case does
    counts little and what sets cases apart counts much; k-means then
    groups the vectors (scikit-learn, the optional extra ``ml``).

    Parameters
    ----------
    log : JourneyLog (in memory or on Dask)
        The event log.
    k : int, optional
        The number of clusters (at least 2). By default it is chosen among
        2 to 10 by the mean silhouette (cosine distance) of the distinct
        journeys, each counted once (at most 5,000 of them, drawn with
        ``seed``); the result's ``k`` and ``silhouette`` say which and why.
    features : {"transitions", "activities", "ngrams"}, default="transitions"
        What describes a case: how often each activity directly follows
        another, how often each activity occurs, or how often each run of 1,
        2 and 3 consecutive activities occurs.
    seed : int, numpy.random.Generator or None, default=0
        Seeds k-means and the silhouette's sample; the same seed gives the
        same clusters.
    model : JourneyModel, optional
        The designed journey: its ``purchase`` activities give each cluster's
        ``outcome`` (conversion rate).

    Returns
    -------
    JourneyClusters
        ``.cases`` (``case, cluster``), ``.profiles`` (one row per
        cluster), ``.k``, ``.silhouette`` and ``.graphs``; ``.plot()`` draws
        the clusters (:func:`plot_clusters`).

    Raises
    ------
    MissingDependencyError
        If scikit-learn is not installed.
    ParameterError
        If ``k`` is not an int >= 2 or exceeds the distinct journeys,
        ``features`` is unknown, or ``seed`` or ``model`` is of the wrong type.

    See Also
    --------
    representatives : the few journeys that stand for most cases.
    journey_features : the per-case numbers, for one's own models.

    Notes
    -----
    Cases with the same activity sequence have the same features, so the
    clustering runs on the distinct journeys (variants), each weighted by
    its cases: k-means with ``sample_weight`` minimises the same sum over
    cases. TF-IDF counts a token's document frequency over cases, and rows
    are L2-normalised (k-means then groups by cosine similarity). The
    silhouette is measured over distinct journeys, each once: over cases, it
    would reward splitting off the most frequent journeys one by one.
    Partitions of a Dask log send their variants and one row per case, so
    the clusters are the same on every engine. Each cluster's graph is
    discovered from its cases afterwards (one more pass over a Dask log per
    cluster).

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> paths = ["abc"] * 6 + ["abd"] * 2 + ["xyz"] * 5 + ["xyy"] * 3
    >>> rows = [(f"c{i:02d}", a, j) for i, p in enumerate(paths) for j, a in enumerate(p)]
    >>> df = pd.DataFrame(rows, columns=["case", "activity", "step"])
    >>> df["ts"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(df["step"], unit="h")
    >>> log = jm.from_pandas(df, case="case", activity="activity", timestamp="ts")
    >>> result = jm.cluster_journeys(log, k=2)
    >>> result.profiles[["cluster", "cases", "share", "top_variant"]]
       cluster  cases  share top_variant
    0        0      8    0.5   (a, b, c)
    1        1      8    0.5   (x, y, z)
    >>> result.cases["cluster"].tolist() == [0] * 8 + [1] * 8
    True
    """
    func = "cluster_journeys"
    _import_sklearn(func)
    kernel = _Clusters(None if k is None else int(k), features, seed, model)
    result: JourneyClusters = run(kernel, log)
    return replace(result, graphs=_graphs(log, result.cases))


def _import_sklearn(func: str) -> Any:
    try:
        import sklearn
    except ImportError as exc:
        raise MissingDependencyError(f"{func}() needs scikit-learn. {_ML_HINT}") from exc
    return sklearn


def _graphs(log: Any, cases: pd.DataFrame) -> dict[int, JourneyGraph]:
    """Each cluster's directly-follows graph, discovered from its cases."""
    from journeymine.discovery import discover
    from journeymine.filters import _apply

    graphs = {}
    for c in sorted(cases["cluster"].unique()):  # one pass per cluster, not per case
        ids = cases["case"][cases["cluster"] == c]
        sub = _apply(log, _in_cases, "cluster_journeys", pd.Index(ids))
        graphs[int(c)] = discover(sub)
    return graphs


def _in_cases(log: JourneyLog, ids: pd.Index) -> np.ndarray:
    """Event mask of the cases whose id is in ``ids``."""
    return ids.get_indexer(log.case_labels)[log.case_codes] >= 0


def variant_tokens(
    codes: np.ndarray, offsets: np.ndarray, labels: pd.Index, features: str
) -> tuple[Any, list[str]]:
    """A sparse (variants x tokens) count matrix of what describes each distinct journey.

    ``codes`` and ``offsets`` are the variants' activities, flat (see
    :func:`journeymine.patterns.encode_variants`). Tokens are activities,
    transitions (with the journey's start and end, as in a journey graph)
    or the n-grams of 1 to 3 consecutive activities; they come out sorted
    by their text.
    """
    from scipy import sparse

    n_var = len(offsets) - 1
    n_act = len(labels)
    names = [str(a) for a in labels] + [START, END]
    var = np.repeat(np.arange(n_var, dtype=np.int64), np.diff(offsets))
    pos = np.arange(codes.size, dtype=np.int64) - offsets[var]
    base = n_act + 2
    keys, rows = [], []
    if features == "activities":
        keys.append(codes)
        rows.append(var)
    elif features == "transitions":
        # each journey padded with a start before and an end after its activities
        padded = np.full(codes.size + 2 * n_var, n_act + 1, dtype=np.int64)
        slot = np.arange(codes.size) + 2 * var + 1
        padded[slot] = codes
        padded[offsets[:-1] + 2 * np.arange(n_var)] = n_act  # the start marks
        pvar = np.repeat(np.arange(n_var, dtype=np.int64), np.diff(offsets) + 2)
        same = pvar[1:] == pvar[:-1]
        keys.append((padded[:-1] * base + padded[1:])[same])
        rows.append(pvar[1:][same])
    else:
        for n in (1, 2, 3):
            end = np.flatnonzero(pos >= n - 1)
            key = np.zeros(end.size, dtype=np.int64)
            for j in range(n - 1, -1, -1):  # a loop over the window, not the events
                key = key * base + codes[end - j] + 1
            keys.append(key)  # codes + 1 are never 0: n-grams of different lengths differ
            rows.append(var[end])
    key = np.concatenate(keys) if keys else np.empty(0, dtype=np.int64)
    row = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    uniq, col = np.unique(key, return_inverse=True)
    text = [_token_text(int(k), names, base, features) for k in uniq]  # once per token
    order = np.argsort(np.array(text, dtype=object), kind="stable")
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    matrix = sparse.csr_matrix(
        (np.ones(key.size), (row, rank[col])), shape=(n_var, len(uniq))
    )  # duplicates add up: counts
    return matrix, [text[i] for i in order]


def _token_text(key: int, names: list[str], base: int, features: str) -> str:
    if features == "activities":
        return names[key]
    if features == "transitions":
        return names[key // base] + ARROW + names[key % base]
    parts = []
    while key:
        parts.append(names[key % base - 1])
        key //= base
    return " > ".join(reversed(parts))


# per case (case, variant, events, duration, outcome), variants (sequence, cases)
_Partial = tuple[pd.DataFrame, pd.DataFrame]


@dataclass(frozen=True)
class _Clusters(Kernel[_Partial, JourneyClusters]):
    k: int | None
    features: str
    seed: Any
    model: Any
    name: str = "cluster_journeys"

    def part(self, log: JourneyLog) -> _Partial:
        off = log.case_offsets
        n = log.n_cases
        duration = (log.time[off[1:] - 1] - log.time[off[:-1]]) if n else np.empty(0, np.int64)
        outcome = np.full(n, np.nan)
        if self.model is not None and self.model.purchase:
            bought = self.model.activity_mask(log, self.model.purchase)
            outcome = (np.bincount(log.case_codes[bought], minlength=n) > 0).astype(np.float64)
        variants, case_var = variant_partial(log, off[1:].copy())
        cases = pd.DataFrame(
            {
                "case": log.case_labels,
                "variant": case_var,
                "events": log.case_sizes.astype(np.int64),
                "duration": duration.astype(np.int64),
                "outcome": outcome,
            }
        )
        return cases, variants

    def merge(self, a: _Partial, b: _Partial) -> _Partial:
        variants, cases = merge_variants((a[1], a[0]), (b[1], b[0]))
        return cases, variants

    def finish(self, merged: _Partial, meta: LogMeta) -> JourneyClusters:
        cases, variants = merged
        cases = concat_by_case([cases])
        # a canonical variant order (by the sequence's text): the same on every engine
        text = np.array([str(s) for s in variants["sequence"]], dtype=object)
        order = np.argsort(text, kind="stable")
        rank = np.empty(order.size, dtype=np.int64)
        rank[order] = np.arange(order.size)
        variants = variants.iloc[order].reset_index(drop=True)
        case_var = rank[cases["variant"].to_numpy(np.int64)]
        codes, offsets, labels = encode_variants(variants)
        weight = variants["cases"].to_numpy(np.float64)
        matrix, _ = variant_tokens(codes, offsets, labels, self.features)
        var_cluster, k, scores = _kmeans(matrix, weight, self.k, self.seed)
        labels_case = var_cluster[case_var]
        trans, trans_names = variant_tokens(codes, offsets, labels, "transitions")
        profiles = _profiles(var_cluster, labels_case, k, cases, variants, trans, trans_names)
        table = pd.DataFrame({"case": cases["case"], "cluster": labels_case})
        return JourneyClusters(table, profiles, k, scores, self.features)


def _kmeans(
    matrix: Any, weight: np.ndarray, k: int | None, seed: Any
) -> tuple[np.ndarray, int, pd.DataFrame | None]:
    """The cluster of each distinct journey (0 = most cases), k, and the silhouettes tried.

    k-means runs on the distinct journeys weighted by their cases (the same
    objective as on the cases); the silhouette is measured on distinct
    journeys, each once, since over cases it would reward splitting off the
    most frequent journeys one by one.
    """
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.metrics import silhouette_score

    n = matrix.shape[0]
    if k is not None and k > n:
        raise ParameterError(
            f"The 'k' parameter of cluster_journeys() is {k}, but the log has only {n} "
            f"distinct journeys. Pass k={n} or fewer, or k=None to choose it."
        )
    # idf over cases: a token's document frequency counts every case that has it
    present = matrix.copy()
    present.data[:] = 1.0
    df = np.asarray(present.T @ weight).ravel()
    idf = np.log((1.0 + weight.sum()) / (1.0 + df)) + 1.0
    x = TfidfTransformer(use_idf=False).fit_transform(matrix @ _diag(idf))
    rng = np.random.default_rng(seed)
    state = int(rng.integers(2**31 - 1))

    def fit(n_clusters: int) -> np.ndarray:
        from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

        km = KMeans(n_clusters=n_clusters, n_init=4, random_state=state)
        # OpenMP threads cost far more than they gain on a few thousand journeys
        with threadpool_limits(1 if n < _THREADED else None):
            return np.asarray(km.fit_predict(x, sample_weight=weight), dtype=np.int64)

    scores = None
    if k is None:
        tried = [c for c in _K_RANGE if c < n]
        if not tried:
            raise ParameterError(
                "cluster_journeys() needs at least 3 distinct journeys to choose k; the log "
                f"has {n}. Pass k= instead."
            )
        sample = np.sort(rng.choice(n, size=min(n, _SILHOUETTE_SAMPLE), replace=False))
        found = {}
        values = []
        for c in tried:  # at most 9 fits
            found[c] = fit(c)
            lab = found[c][sample]
            ok = 1 < len(np.unique(lab)) < lab.size
            values.append(float(silhouette_score(x[sample], lab, metric="cosine")) if ok else -1.0)
        k = tried[int(np.argmax(values))]
        labels = found[k]
        scores = pd.DataFrame({"k": np.asarray(tried, dtype=np.int64), "silhouette": values})
    else:
        labels = fit(k)
    # number the clusters by cases, most first (ties: the one with the earlier journey)
    size = np.bincount(labels, weights=weight, minlength=k)
    first = np.full(k, n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n))
    order = np.lexsort((first, -size))
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    return rank[labels], k, scores


def _diag(values: np.ndarray) -> Any:
    from scipy import sparse

    return sparse.diags(values)


def _profiles(
    var_cluster: np.ndarray,
    labels: np.ndarray,
    k: int,
    cases: pd.DataFrame,
    variants: pd.DataFrame,
    trans: Any,
    trans_names: list[str],
) -> pd.DataFrame:
    n = len(cases)
    size = np.bincount(labels, minlength=k).astype(np.int64)
    frame = pd.DataFrame(
        {
            "cluster": labels,
            "events": cases["events"].to_numpy(np.float64),
            "duration": cases["duration"].to_numpy(np.float64),
            "outcome": cases["outcome"].to_numpy(np.float64),
        }
    )
    grouped = frame.groupby("cluster")
    median_events = grouped["events"].median().reindex(range(k))
    median_duration = grouped["duration"].median().reindex(range(k))
    outcome = grouped["outcome"].mean().reindex(range(k))
    # most common journey per cluster (ties: the first in text order)
    weight = variants["cases"].to_numpy(np.int64)
    order = np.lexsort((np.arange(len(weight)), -weight, var_cluster))
    head = np.ones(order.size, dtype=bool)
    head[1:] = var_cluster[order][1:] != var_cluster[order][:-1]
    top = np.full(k, -1, dtype=np.int64)
    top[var_cluster[order][head]] = order[head]
    seqs = variants["sequence"].to_numpy(dtype=object)
    top_variant = np.empty(k, dtype=object)
    top_variant[:] = [seqs[t] if t >= 0 else () for t in top]
    variant_share = np.where(top >= 0, weight[np.maximum(top, 0)], 0) / np.maximum(size, 1)
    # transitions that set each cluster apart: share of the cluster's cases / share of all
    keep = [i for i, t in enumerate(trans_names) if START not in t and END not in t]
    present = trans[:, keep].tocsr()
    present.data[:] = 1.0
    member = np.zeros((k, len(weight)))
    member[var_cluster, np.arange(len(weight))] = weight
    per = np.asarray((present.T @ member.T).T)  # clusters x transitions: cases
    overall = per.sum(axis=0) / max(n, 1)
    within = per / np.maximum(size, 1)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = np.where(overall > 0, within / overall, np.nan)
    distinguishing = np.empty(k, dtype=object)
    rows = []
    for c in range(k):  # one short list per cluster
        ok = np.flatnonzero(within[c] >= _MIN_IN_CLUSTER)
        best = ok[np.lexsort((ok, -lift[c, ok]))][:_TOP_LIFT]
        rows.append(tuple((trans_names[keep[t]], float(lift[c, t])) for t in best))
    distinguishing[:] = rows
    return pd.DataFrame(
        {
            "cluster": np.arange(k, dtype=np.int64),
            "cases": size,
            "share": size / n if n else np.zeros(k),
            "outcome": outcome.to_numpy(np.float64),
            "median_duration": pd.to_timedelta(median_duration.to_numpy(), unit="ns").astype(
                "timedelta64[ns]"
            ),
            "median_events": median_events.to_numpy(np.float64),
            "top_variant": top_variant,
            "variant_share": variant_share.astype(np.float64),
            "transitions": distinguishing,
        }
    )

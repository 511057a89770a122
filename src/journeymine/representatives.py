"""Representative journeys: the few activity sequences that stand for most cases."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine._tables import concat_by_case
from journeymine.engine import Kernel, LogMeta, run
from journeymine.errors import JourneymineWarning, ParameterError, user_stacklevel

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.log import JourneyLog

__all__ = ["representatives"]

_BLOCK = 1024  # variants per block of the distance matrix
_EPS = 1e-6  # float32 distances against the tolerance
_NEARLY_ALL = 0.25  # warn when the representatives are this share of the variants or more
_FEW = 20  # ... and at least this many


@v.validate_params(
    {
        "k": [v.Interval(int, 1, None), None],
        "coverage": [v.Interval(float, 0, 1, closed="right")],
        "tolerance": [v.Interval(float, 0, 1)],
        "assign": ["boolean"],
    }
)
def representatives(
    log: Any,
    *,
    k: int | None = None,
    coverage: float = 0.8,
    tolerance: float = 0.3,
    seed: int | np.random.Generator | None = 0,
    assign: bool = False,
    activity_map: Mapping[Any, Any] | Callable[[Any], Any] | None = None,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """The few journeys that represent most cases.

    A case is represented by a journey (an activity sequence) when their
    edit distance, divided by the longer of the two lengths, is at most
    ``tolerance``. Journeys are chosen among the log's variants, greedily,
    each time the one that represents the most cases not yet represented.

    Parameters
    ----------
    log : JourneyLog or LogLike
        The event log.
    k : int, optional
        Choose exactly ``k`` journeys. By default, the fewest journeys that
        represent at least ``coverage`` of the cases (or all that can be
        represented).
    coverage : float, default=0.8
        Share of cases to represent, in (0, 1]; ignored with ``k``.
    tolerance : float, default=0.3
        Largest normalised edit distance, in [0, 1], at which a journey
        represents a case (0: only identical sequences).
    seed : int, numpy.random.Generator or None, default=0
        Breaks ties between journeys that would gain as many cases and are
        as frequent; the same seed gives the same choice.
    assign : bool, default=False
        Also return which journey represents each case.
    activity_map : dict or callable, optional
        Group activities before comparing journeys: a dict from activity to
        its group (activities it does not list keep their name), or a
        function of the activity. Sequences in the result are then of groups
        (e.g. ``{"View shoe": "View product", "View hat": "View product"}``).

    Returns
    -------
    pandas.DataFrame
        One row per chosen journey, most cases first:

        ``rep``
            0-based number of the journey (its row).
        ``sequence``
            The activity sequence (tuple).
        ``cases``
            Cases it represents, each case counted once, at its nearest
            chosen journey (ties: the one chosen first) (int64).
        ``share``, ``cumulative_share``
            ``cases`` over all cases, and the running total.
        ``mean_distance``
            Mean normalised edit distance of its cases to it.
        ``median_duration``
            Median duration (first to last event) of its cases.
    pandas.DataFrame
        Only with ``assign=True``: one row per case in log order, ``case``,
        ``rep`` (nullable Int64, NA when no chosen journey represents the
        case) and ``distance`` (NaN then).

    Raises
    ------
    ParameterError
        If ``k`` is not a positive int or exceeds the number of variants,
        ``coverage`` is outside (0, 1], ``tolerance`` outside [0, 1],
        ``assign`` is not a bool, or ``activity_map`` is neither a dict nor
        a callable.

    Warns
    -----
    JourneymineWarning
        When the journeys hardly repeat: more than a quarter of the distinct
        journeys (and at least 20) are needed as representatives. Then cut
        long journeys into sessions first (:func:`sessionize`), group
        activities with ``activity_map=``, or raise ``tolerance``.

    Notes
    -----
    The distance is Levenshtein's (insertions, deletions, substitutions
    each cost 1) over activity sequences, computed by
    ``rapidfuzz.process.cdist`` between all pairs of variants, in
    blocks, keeping only the pairs within ``tolerance``. Time and memory
    grow with the square of the number of variants, not with the number of
    cases: about 3 s on two cores for 10,000 variants.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> rows = [(c, a, i) for c, path in enumerate(
    ...     ["abcd", "abcd", "abce", "abd", "xy", "xyz"]) for i, a in enumerate(path)]
    >>> df = pd.DataFrame(rows, columns=["case", "activity", "step"])
    >>> df["ts"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(df["step"], unit="D")
    >>> log = jm.from_pandas(df, case="case", activity="activity", timestamp="ts")
    >>> reps = jm.representatives(log, coverage=0.6)
    >>> reps[["rep", "sequence", "cases", "share", "cumulative_share"]]
       rep      sequence  cases     share  cumulative_share
    0    0  (a, b, c, d)      4  0.666667          0.666667
    >>> jm.representatives(log, k=2, tolerance=0.4)[["sequence", "cases", "mean_distance"]]
           sequence  cases  mean_distance
    0  (a, b, c, d)      4       0.125000
    1     (x, y, z)      2       0.166667
    """
    func = "representatives"
    v.seed_arg(seed, func)
    if activity_map is not None and not (
        isinstance(activity_map, Mapping) or callable(activity_map)
    ):
        raise ParameterError(
            f"The 'activity_map' parameter of {func}() must be a dict from activity to group, "
            f"a function of the activity, or None. Got {type(activity_map).__name__} instead, "
            "e.g. activity_map={'View shoe': 'View product', 'View hat': 'View product'}."
        )
    kernel = _Representatives(
        None if k is None else int(k), float(coverage), float(tolerance), seed, activity_map
    )
    table, assignment = run(kernel, log)
    return (table, assignment) if assign else table


_Partial = tuple[
    pd.DataFrame, pd.DataFrame
]  # variants (sequence, cases), cases (case, variant, duration)


@dataclass(frozen=True)
class _Representatives(Kernel[_Partial, tuple[pd.DataFrame, pd.DataFrame]]):
    name = "representatives"

    k: int | None
    coverage: float
    tolerance: float
    seed: Any
    activity_map: Any = None

    def part(self, log: JourneyLog) -> _Partial:
        from journeymine.discovery import variant_ids

        vid, rep = variant_ids(log)
        labels = np.asarray(log.activity_labels, dtype=object)
        if self.activity_map is not None:  # once per activity
            group = self.activity_map
            get = group.get if isinstance(group, Mapping) else None
            labels[:] = [get(a, a) if get else group(a) for a in labels]
        off, codes = log.case_offsets, log.activity_codes
        seqs = np.empty(rep.size, dtype=object)
        seqs[:] = [tuple(labels[codes[off[r] : off[r + 1]]]) for r in rep]  # once per variant
        counts = np.bincount(vid, minlength=rep.size).astype(np.int64)
        if self.activity_map is not None:  # variants that became equal become one
            same, uniq = pd.factorize(pd.Series(seqs, dtype=object))
            seqs = np.empty(len(uniq), dtype=object)
            seqs[:] = list(uniq)
            counts = np.bincount(same, weights=counts, minlength=len(uniq)).astype(np.int64)
            vid = np.asarray(same, dtype=np.int64)[vid]
        variants = pd.DataFrame({"sequence": seqs, "cases": counts})
        n = log.n_cases
        duration = log.time[off[1:] - 1] - log.time[off[:-1]] if n else np.empty(0, dtype=np.int64)
        cases = pd.DataFrame({"case": log.case_labels, "variant": vid, "duration": duration})
        return variants, cases

    def merge(self, a: _Partial, b: _Partial) -> _Partial:
        seqs = pd.concat([a[0]["sequence"], b[0]["sequence"]], ignore_index=True)
        codes, uniques = pd.factorize(seqs)
        counts = np.bincount(
            codes, weights=np.r_[a[0]["cases"], b[0]["cases"]], minlength=len(uniques)
        )
        seq_arr = np.empty(len(uniques), dtype=object)
        seq_arr[:] = list(uniques)
        variants = pd.DataFrame({"sequence": seq_arr, "cases": counts.astype(np.int64)})
        moved = b[1].copy()
        moved["variant"] = codes[len(a[0]) :][moved["variant"].to_numpy()]
        return variants, pd.concat([a[1], moved], ignore_index=True)

    def finish(self, merged: _Partial, meta: LogMeta) -> tuple[pd.DataFrame, pd.DataFrame]:
        variants, cases = merged
        cases = concat_by_case([cases])
        n_var = len(variants)
        if self.k is not None and self.k > n_var:
            raise ParameterError(
                f"The 'k' parameter of representatives() is {self.k}, but the log has only "
                f"{n_var} variants (distinct journeys). Pass k={n_var} or fewer, or leave k=None "
                "to choose by coverage."
            )
        # a canonical variant order, whatever the engine: most cases first, then the sequence
        seq_keys = [str(s) for s in variants["sequence"]]
        order = np.lexsort((np.array(seq_keys, dtype=object), -variants["cases"].to_numpy()))
        seqs = variants["sequence"].to_numpy()[order]
        weight = variants["cases"].to_numpy(np.int64)[order]
        rank = np.empty(n_var, dtype=np.int64)
        rank[order] = np.arange(n_var)
        case_var = rank[cases["variant"].to_numpy(np.int64)] if len(cases) else np.empty(0, int)
        chosen, dist = _choose(seqs, weight, self.k, self.coverage, self.tolerance, self.seed)
        if self.k is None and len(chosen) >= max(_FEW, _NEARLY_ALL * n_var):
            warnings.warn(
                f"representatives() needed {len(chosen):,} journeys to represent "
                f"{self.coverage:.0%} of the cases, {len(chosen) / n_var:.0%} of the {n_var:,} "
                "distinct journeys: the journeys hardly repeat, so few stand for many. Cut long "
                "journeys into sessions first (jm.sessionize(log, gap='30min')), group similar "
                "activities with activity_map={...}, or raise tolerance.",
                JourneymineWarning,
                stacklevel=user_stacklevel(),
            )
        return _tables(seqs, weight, chosen, dist, case_var, cases, meta)


def _encode(seqs: np.ndarray) -> list[list[int]]:
    """Each sequence as a list of small ints (one code per distinct activity)."""
    codes: dict[Any, int] = {}
    return [[codes.setdefault(a, len(codes)) for a in s] for s in seqs]


def _within(seqs: np.ndarray, tolerance: float) -> Any:
    """Sparse matrix (variants x variants) of normalised distances <= tolerance, + 1.

    Stored as distance + 1 so that identical sequences (distance 0) stay in
    the sparse structure.
    """
    from rapidfuzz.distance import Levenshtein
    from rapidfuzz.process import cdist
    from scipy import sparse

    encoded = _encode(seqs)
    n = len(encoded)
    rows, cols, vals = [], [], []
    for start in range(0, n, _BLOCK):  # blocks of the matrix, not cases
        block = cdist(
            encoded[start : start + _BLOCK],
            encoded,
            scorer=Levenshtein.normalized_distance,
            dtype=np.float32,
            workers=2,
            score_cutoff=tolerance + _EPS,  # lets rapidfuzz stop early on far pairs
        )
        r, c = np.nonzero(block <= tolerance + _EPS)
        rows.append(r + start)
        cols.append(c)
        vals.append(block[r, c].astype(np.float64) + 1.0)
    if not rows:
        return sparse.csr_matrix((0, 0))
    return sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )


def _choose(
    seqs: np.ndarray,
    weight: np.ndarray,
    k: int | None,
    coverage: float,
    tolerance: float,
    seed: Any,
) -> tuple[list[int], Any]:
    """Greedy choice of representatives by cases gained; ``(chosen variants, distances)``."""
    n = len(seqs)
    within = _within(seqs, tolerance)
    if n == 0:
        return [], within
    covers = within.copy()
    covers.data[:] = 1.0
    rng = np.random.default_rng(seed)
    # ties in gain: the more frequent variant, then a seeded random order
    tiebreak = weight.astype(np.float64) * n + rng.permutation(n) / n
    uncovered = np.ones(n, dtype=bool)
    target = weight.sum() * coverage
    chosen: list[int] = []
    covered = 0
    # gains are kept up to date: covering variants U takes their weight off every
    # candidate within tolerance of them (the relation is symmetric), so the total
    # update work is the number of pairs within tolerance, not iterations x pairs
    gain = np.asarray(covers @ weight.astype(np.float64), dtype=np.float64)
    taken = np.zeros(n, dtype=bool)
    while True:
        if k is not None and len(chosen) >= k:
            break
        if k is None and (covered >= target - 1e-9 or not uncovered.any()):
            break
        open_gain = np.where(taken, -1.0, gain)
        top = open_gain.max()
        if k is None and top <= 0:
            break
        best = np.flatnonzero(open_gain == top)
        j = int(best[np.argmax(tiebreak[best])])
        chosen.append(j)
        taken[j] = True
        newly = covers[j].indices
        newly = newly[uncovered[newly]]
        if newly.size:
            covered += int(weight[newly].sum())
            uncovered[newly] = False
            gain -= np.asarray(covers[newly].T @ weight[newly].astype(np.float64)).ravel()
    return chosen, within


def _tables(
    seqs: np.ndarray,
    weight: np.ndarray,
    chosen: list[int],
    within: Any,
    case_var: np.ndarray,
    cases: pd.DataFrame,
    meta: LogMeta,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = len(seqs)
    # nearest chosen representative of every variant (ties: chosen first), on the sparse
    # pairs within tolerance: sort them by (variant, distance, choice order), keep the first
    nearest = np.full(n, -1, dtype=np.int64)
    near_d = np.full(n, np.inf)
    if chosen:
        pairs = within[chosen].tocoo()
        order = np.lexsort((pairs.row, pairs.data, pairs.col))
        col = pairs.col[order]
        head = np.ones(col.size, dtype=bool)
        head[1:] = col[1:] != col[:-1]
        nearest[col[head]] = pairs.row[order][head]
        near_d[col[head]] = pairs.data[order][head] - 1.0
    per_case = nearest[case_var] if case_var.size else np.empty(0, dtype=np.int64)
    dist_case = near_d[case_var] if case_var.size else np.empty(0)
    counts = np.bincount(per_case[per_case >= 0], minlength=len(chosen)).astype(np.int64)
    # rows: most cases first (ties: chosen first)
    order = np.lexsort((np.arange(len(chosen)), -counts))
    new_id = np.empty(len(chosen), dtype=np.int64)
    new_id[order] = np.arange(len(chosen))
    n_cases = len(cases)
    ok = per_case >= 0
    frame = pd.DataFrame(
        {
            "rep": new_id[per_case[ok]],
            "distance": dist_case[ok],
            "duration": cases["duration"].to_numpy(np.int64)[ok],
        }
    )
    grouped = frame.groupby("rep")
    mean_d = grouped["distance"].mean().reindex(range(len(chosen)))
    med = grouped["duration"].median().reindex(range(len(chosen)))
    share = counts[order] / n_cases if n_cases else np.zeros(len(chosen))
    seq_col = np.empty(len(chosen), dtype=object)
    seq_col[:] = [seqs[chosen[i]] for i in order]
    table = pd.DataFrame(
        {
            "rep": np.arange(len(chosen), dtype=np.int64),
            "sequence": seq_col,
            "cases": counts[order],
            "share": share.astype(np.float64),
            "cumulative_share": np.cumsum(share).astype(np.float64),
            "mean_distance": mean_d.to_numpy(np.float64),
            "median_duration": pd.to_timedelta(med.to_numpy(np.float64), unit="ns").astype(
                "timedelta64[ns]"
            ),
        }
    )
    rep_case = pd.array(np.where(ok, new_id[np.maximum(per_case, 0)], 0), dtype="Int64")
    rep_case[~ok] = pd.NA
    assignment = pd.DataFrame(
        {
            "case": cases["case"].to_numpy(),
            "rep": rep_case,
            "distance": np.where(ok, dist_case, np.nan),
        }
    )
    return table, assignment

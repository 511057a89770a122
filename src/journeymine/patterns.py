"""Sequential patterns: ordered subsequences of activities many journeys share, and what they predict."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine._tables import concat_by_case
from journeymine.engine import Kernel, LogMeta, run
from journeymine.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.engine import LogLike
    from journeymine.log import JourneyLog
    from journeymine.model import JourneyModel

__all__ = ["sequence_patterns"]

# variants (sequence tuple, cases), and per case: case id, variant (-1: no event), outcome
_Partial = tuple[pd.DataFrame, pd.DataFrame]


@v.validate_params(
    {
        "min_support": [v.Interval(float, 0, 1, closed="right")],
        "max_length": [v.Interval(int, 1, None)],
        "outcome": [v.InstanceOf(pd.Series, "a pandas Series"), v.Activities(), None],
        "model": [v.Model(), None],
        "top": [v.Interval(int, 1, None), None],
    }
)
def sequence_patterns(
    log: LogLike,
    *,
    min_support: float = 0.05,
    max_length: int = 4,
    outcome: Any = None,
    model: JourneyModel | None = None,
    top: int | None = None,
) -> pd.DataFrame:
    """The frequent sequential patterns of the journeys, and how they relate to an outcome.

    A pattern is an ordered sequence of activities; a case contains it when
    the activities occur in the case in that order, other events allowed in
    between (a subsequence, gaps allowed). A pattern is frequent when at
    least ``min_support`` of the cases contain it.

    Parameters
    ----------
    log : JourneyLog (in memory or on Dask)
        The event log.
    min_support : float, default=0.05
        Smallest share of the cases, in (0, 1], that must contain a pattern.
    max_length : int, default=4
        Longest pattern, in activities.
    outcome : str, list of str or pandas.Series, optional
        What the patterns may predict. An activity, or a list of activities
        (any of them counts, e.g. ``model.purchase``): the outcome of a case
        is 1 when it reaches one of them, else 0, and the patterns are
        mined on each case's events *before* its first outcome event (so a
        pattern never contains the outcome itself, and only what happened
        before it counts). Or a numeric Series indexed by case id (e.g.
        revenue, or 0/1 churn): patterns are mined on whole cases, and cases
        missing from the Series are left out of the outcome columns.
    model : JourneyModel, optional
        Without ``outcome``, the model's ``purchase`` activities are the
        outcome (if it lists any).
    top : int, optional
        Return only the first ``top`` rows of the ranking.

    Returns
    -------
    pandas.DataFrame
        One row per frequent pattern:

        ``pattern``
            The activities in order (tuple).
        ``length``
            Number of activities (int64).
        ``cases``, ``support``
            Cases containing the pattern, and their share of all cases.

        With an outcome, also:

        ``outcome_with``, ``outcome_without``
            Mean outcome (the conversion rate for a 0/1 outcome) of the
            cases that contain the pattern and of those that do not.
        ``lift``
            ``outcome_with`` divided by the mean outcome over all cases.
        ``p_value``
            Fisher's exact test (two-sided) of the 2 x 2 table contains x
            outcome for a 0/1 outcome, else the two-sided Mann-Whitney U test
            of the outcome between cases with and without the pattern (NaN
            when one of the groups is empty).
        ``p_adjusted``
            Benjamini-Hochberg adjusted p-value over all frequent patterns
            (before ``top`` is applied).

        Without an outcome, rows are ranked by ``cases`` (most first), then
        shorter patterns, then the activities' order. With an outcome, the
        patterns with ``p_adjusted < 0.05`` come first, by ``lift`` (highest
        first), then the others by ``lift``; ties as without an outcome.

    Raises
    ------
    ParameterError
        For a ``min_support`` outside (0, 1], a ``max_length`` or ``top``
        that is not a positive int, an outcome that is neither activities
        nor a numeric Series with one value per case id, or a bad ``model``.

    See Also
    --------
    paths : the steps right before or after an activity.
    deviation_impact : how deviations from a designed journey relate to the outcome.

    Notes
    -----
    Mined PrefixSpan-style over the distinct journeys (variants), weighted
    by their cases: a prefix keeps, for every variant containing it, the
    earliest position where it can end; extending it by an activity is one
    vectorised search, over all those variants at once, for that activity's
    next occurrence after the position. Partitions of a Dask log send their
    variants and one row per case, so the result is the same on every engine.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> journeys = {"c1": "vcvb", "c2": "vxcb", "c3": "vv", "c4": "xv", "c5": "vcxb"}
    >>> rows = [(c, a, i) for c, path in journeys.items() for i, a in enumerate(path)]
    >>> df = pd.DataFrame(rows, columns=["case", "activity", "step"])
    >>> df["ts"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(df["step"], unit="h")
    >>> log = jm.from_pandas(df, case="case", activity="activity", timestamp="ts")
    >>> jm.sequence_patterns(log, min_support=0.6)
         pattern  length  cases  support
    0       (v,)       1      5      1.0
    1       (b,)       1      3      0.6
    2       (c,)       1      3      0.6
    3       (x,)       1      3      0.6
    4     (c, b)       2      3      0.6
    5     (v, b)       2      3      0.6
    6     (v, c)       2      3      0.6
    7  (v, c, b)       3      3      0.6

    With an outcome, the journeys are cut at their first ``b``:

    >>> table = jm.sequence_patterns(log, min_support=0.4, outcome="b")
    >>> table[["pattern", "cases", "outcome_with", "lift", "p_value"]].head(3)
      pattern  cases  outcome_with      lift  p_value
    0    (c,)      3           1.0  1.666667      0.1
    1  (v, c)      3           1.0  1.666667      0.1
    2  (v, x)      2           1.0  1.666667      0.4
    """
    func = "sequence_patterns"
    kind, target = outcome_arg(outcome, model, func)
    kernel = _Patterns(float(min_support), int(max_length), kind, target, top)
    return run(kernel, log)


def outcome_arg(outcome: Any, model: Any, func: str) -> tuple[str | None, Any]:
    """``(kind, target)``: ``(None, None)``, ``("activities", tuple)`` or ``("series", Series)``."""
    if outcome is None:
        if model is not None and model.purchase:
            return "activities", tuple(model.purchase)
        return None, None
    if isinstance(outcome, pd.Series):
        if not outcome.index.is_unique:
            dupes = outcome.index[outcome.index.duplicated()].unique()[:3].tolist()
            raise ParameterError(
                f"The 'outcome' Series of {func}() must have one value per case id, but its "
                f"index repeats {dupes}. Build it with one row per case."
            )
        values = outcome
        if pd.api.types.is_bool_dtype(values.dtype):
            values = values.astype("float64")
        if not pd.api.types.is_numeric_dtype(values.dtype):
            raise ParameterError(
                f"The 'outcome' Series of {func}() must hold numbers (or True/False) per case "
                f"id. Got dtype {outcome.dtype} instead; map it to numbers, e.g. "
                "(series == 'churned').astype(int)."
            )
        return "series", values.astype("float64")
    acts = v.activity_list(outcome, "outcome", func)
    if not acts:
        raise ParameterError(
            f"The 'outcome' parameter of {func}() must name at least one activity, or be a "
            "Series of numbers indexed by case id. Got an empty list."
        )
    return "activities", acts


def case_outcome(log: JourneyLog, kind: str | None, target: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per case: the outcome (float, NaN unknown) and the end of the events that count.

    For activities, the events before the case's first outcome event count;
    otherwise all of them. The end is an index into the log's events.
    """
    n = log.n_cases
    ends = log.case_offsets[1:].copy()
    if kind is None:
        return np.full(n, np.nan), ends
    if kind == "series":
        return target.reindex(log.case_labels).to_numpy(dtype=np.float64), ends
    hit = np.isin(np.asarray(log.activity_labels, dtype=object), list(target))
    mask = hit[log.activity_codes]
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    where = np.flatnonzero(mask)
    np.minimum.at(first, log.case_codes[where], where)
    reached = first < np.iinfo(np.int64).max
    ends[reached] = first[reached]
    return reached.astype(np.float64), ends


def variant_partial(log: JourneyLog, ends: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct sequences of each case's events before ``ends``, and each case's variant.

    Returns a table ``sequence`` (tuple of activities), ``cases`` and the
    variant of each case (-1 for a case with no event before its end).
    """
    from journeymine.discovery import variant_ids

    keep = np.arange(log.n_events) < ends[log.case_codes]
    sub = log.filter(lambda piece: keep) if log.n_events else log
    case_var = np.full(log.n_cases, -1, dtype=np.int64)
    seqs = np.empty(0, dtype=object)
    counts = np.empty(0, dtype=np.int64)
    if sub.n_events:
        vid, rep = variant_ids(sub)
        labels = np.asarray(sub.activity_labels, dtype=object)
        off, codes = sub.case_offsets, sub.activity_codes
        seqs = np.empty(rep.size, dtype=object)
        seqs[:] = [tuple(labels[codes[off[r] : off[r + 1]]]) for r in rep]  # once per variant
        counts = np.bincount(vid, minlength=rep.size).astype(np.int64)
        case_var[log.case_labels.get_indexer(sub.case_labels)] = vid
    return pd.DataFrame({"sequence": seqs, "cases": counts}), case_var


def merge_variants(a: _Partial, b: _Partial) -> _Partial:
    """Merge two (variants, cases) partials: one variant table, case variants renumbered."""
    seqs = pd.concat([a[0]["sequence"], b[0]["sequence"]], ignore_index=True)
    codes, uniques = pd.factorize(seqs)
    counts = np.bincount(codes, weights=np.r_[a[0]["cases"], b[0]["cases"]], minlength=len(uniques))
    seq_arr = np.empty(len(uniques), dtype=object)
    seq_arr[:] = list(uniques)
    variants = pd.DataFrame({"sequence": seq_arr, "cases": counts.astype(np.int64)})
    moved = b[1].copy()
    old = moved["variant"].to_numpy(np.int64)
    table = np.append(codes[len(a[0]) :], -1)  # variant -1 (no event) stays -1
    moved["variant"] = table[old]
    return variants, pd.concat([a[1], moved], ignore_index=True)


def encode_variants(
    variants: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Variants as flat activity codes (over sorted labels) and their offsets."""
    from journeymine._codes import factorize

    seqs = variants["sequence"].tolist()
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.empty(int(offsets[-1]), dtype=object)
    flat[:] = list(itertools.chain.from_iterable(seqs))
    if flat.size == 0:
        return np.empty(0, dtype=np.int64), offsets, pd.Index([], dtype=object)
    codes, labels = factorize(flat)
    return np.asarray(codes, dtype=np.int64), offsets, labels


def mine(
    codes: np.ndarray,
    offsets: np.ndarray,
    weight: np.ndarray,
    n_activities: int,
    min_count: float,
    max_length: int,
) -> list[tuple[tuple[int, ...], np.ndarray]]:
    """Every pattern of up to ``max_length`` codes whose containing variants weigh ``min_count``+.

    Returns ``(pattern, variants that contain it)`` pairs. PrefixSpan-style:
    a prefix holds, for each variant containing it, the earliest index (into
    ``codes``) where it can end; its extension by activity ``a`` ends at the
    next occurrence of ``a`` after that index, found for all variants at
    once by a binary search in ``a``'s sorted occurrences. The loops run
    over patterns and activities, never over variants or cases.
    """
    order = np.argsort(codes, kind="stable")  # occurrences of each activity, ascending
    bounds = np.searchsorted(codes[order], np.arange(n_activities + 1))
    where = [order[bounds[a] : bounds[a + 1]] for a in range(n_activities)]
    found: list[tuple[tuple[int, ...], np.ndarray]] = []
    n_var = len(offsets) - 1
    start = (np.arange(n_var, dtype=np.int64), offsets[:-1] - 1)
    stack: list[tuple[tuple[int, ...], np.ndarray, np.ndarray]] = [((), *start)]
    alive = list(range(n_activities))  # activities that can still extend a pattern
    while stack:
        prefix, var, end = stack.pop()
        if len(prefix) >= max_length:
            continue
        grown = []
        for a in alive:
            occ = where[a]
            if occ.size == 0:
                continue
            i = np.searchsorted(occ, end, side="right")
            nxt = occ[np.minimum(i, occ.size - 1)]
            ok = (i < occ.size) & (nxt < offsets[var + 1])
            if not ok.any():
                continue
            keep = var[ok]
            if weight[keep].sum() >= min_count:
                found.append(((*prefix, a), keep))
                grown.append(((*prefix, a), keep, nxt[ok]))
        if not prefix:  # an infrequent activity extends no frequent pattern
            alive = [p[-1] for p, _, _ in grown]
        stack.extend(reversed(grown))
    return found


@dataclass(frozen=True)
class _Patterns(Kernel[_Partial, pd.DataFrame]):
    min_support: float
    max_length: int
    kind: str | None
    target: Any
    top: int | None
    name: str = "sequence_patterns"

    def part(self, log: JourneyLog) -> _Partial:
        value, ends = case_outcome(log, self.kind, self.target)
        variants, case_var = variant_partial(log, ends)
        cases = pd.DataFrame({"case": log.case_labels, "variant": case_var, "outcome": value})
        return variants, cases

    def merge(self, a: _Partial, b: _Partial) -> _Partial:
        return merge_variants(a, b)

    def finish(self, merged: _Partial, meta: LogMeta) -> pd.DataFrame:
        variants, cases = merged
        cases = concat_by_case([cases])
        n = len(cases)
        codes, offsets, labels = encode_variants(variants)
        weight = variants["cases"].to_numpy(np.int64)
        min_count = max(self.min_support * n - 1e-9, 1e-9)
        found = mine(codes, offsets, weight, len(labels), min_count, self.max_length)
        names = np.asarray(labels, dtype=object)
        pattern = np.empty(len(found), dtype=object)
        pattern[:] = [tuple(names[list(p)]) for p, _ in found]
        length = np.fromiter((len(p) for p, _ in found), dtype=np.int64, count=len(found))
        count = np.fromiter((weight[w].sum() for _, w in found), dtype=np.int64, count=len(found))
        table = pd.DataFrame(
            {
                "pattern": pattern,
                "length": length,
                "cases": count,
                "support": count / n if n else np.zeros(len(found)),
            }
        )
        # a key that orders patterns by their activities' codes (shorter first on a tie)
        width = self.max_length
        padded = np.full((len(found), width), -1, dtype=np.int64)
        for i, (p, _) in enumerate(found):  # one row per pattern
            padded[i, : len(p)] = p
        ties = [padded[:, j] for j in range(width - 1, -1, -1)] + [length]
        if self.kind is None:
            order = np.lexsort((*ties, -count))
        else:
            _outcome_columns(table, found, cases, len(variants))
            sig = ~(table["p_adjusted"].to_numpy() < 0.05)
            lift = table["lift"].to_numpy(np.float64)
            lift_key = np.where(np.isnan(lift), np.inf, -lift)
            order = np.lexsort((*ties, -count, lift_key, sig))
        table = table.iloc[order].reset_index(drop=True)
        return table if self.top is None else table.head(self.top)


def _outcome_columns(
    table: pd.DataFrame,
    found: list[tuple[tuple[int, ...], np.ndarray]],
    cases: pd.DataFrame,
    n_var: int,
) -> None:
    """Add outcome_with, outcome_without, lift, p_value and p_adjusted to ``table``."""
    from scipy import stats

    value = cases["outcome"].to_numpy(np.float64)
    var = cases["variant"].to_numpy(np.int64)
    known = ~np.isnan(value)
    value_k, var_k = value[known], var[known]
    binary = bool(np.isin(value_k, (0.0, 1.0)).all())
    on_var = var_k >= 0
    n_obs = np.bincount(var_k[on_var], minlength=n_var).astype(np.float64)
    total = np.bincount(var_k[on_var], weights=value_k[on_var], minlength=n_var)
    all_n, all_sum = float(value_k.size), float(value_k.sum())
    mean_all = all_sum / all_n if all_n else np.nan
    k = len(found)
    with_mean, without_mean, p = np.full(k, np.nan), np.full(k, np.nan), np.full(k, np.nan)
    for i, (_, variants) in enumerate(found):  # one test per pattern
        w_n, w_sum = n_obs[variants].sum(), total[variants].sum()
        o_n, o_sum = all_n - w_n, all_sum - w_sum
        if w_n:
            with_mean[i] = w_sum / w_n
        if o_n:
            without_mean[i] = o_sum / o_n
        if not (w_n and o_n):
            continue
        if binary:
            w_pos, o_pos = round(w_sum), round(o_sum)
            table_2x2 = [[w_pos, round(w_n) - w_pos], [o_pos, round(o_n) - o_pos]]
            p[i] = stats.fisher_exact(table_2x2).pvalue
        else:
            inside = np.zeros(n_var + 1, dtype=bool)
            inside[variants] = True
            mask = inside[var_k]  # variant -1 reads the last slot: False
            p[i] = stats.mannwhitneyu(value_k[mask], value_k[~mask]).pvalue
    adjusted = np.full(k, np.nan)
    tested = ~np.isnan(p)
    if tested.any():
        adjusted[tested] = stats.false_discovery_control(p[tested], method="bh")
    table["outcome_with"] = with_mean
    table["outcome_without"] = without_mean
    with np.errstate(divide="ignore", invalid="ignore"):
        table["lift"] = with_mean / mean_all if mean_all else np.full(k, np.nan)
    table["p_value"] = p
    table["p_adjusted"] = adjusted

"""Representative journeys: the few activity sequences that stand for most cases."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
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

_CELLS = 1 << 22  # cells of one dense block of distances (16 MiB of float32)
_MAX_CANDIDATES = 2_000  # candidates per round of the greedy choice
_MIN_CANDIDATES = 100  # fewest first candidates (each of the frequent and the sampled)
_MAX_PAIRS = 1_000_000_000  # candidate-variant pairs compared at most
_EXACT_PAIRS = 100_000_000  # every variant a candidate when that compares at most this many
_EPS = 1e-6  # float32 distances against the tolerance
_NEARLY_ALL = 0.25  # warn when the representatives are this share of the variants or more
_FEW = 20  # ... and at least this many


@v.validate_params(
    {
        "k": [v.Interval(int, 1, None), None],
        "coverage": [v.Interval(float, 0, 1, closed="right")],
        "tolerance": [v.Interval(float, 0, 1)],
        "seed": v.SEED,
        "assign": ["boolean"],
        "activity_map": [
            v.InstanceOf(Mapping, "a dict from activity to group"),
            "callable",
            None,
        ],
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
        a callable; or if even 100 frequent and 100 sampled first
        candidates would compare more pairs of journeys than the limit (see
        Notes).

    Warns
    -----
    JourneymineWarning
        When the journeys hardly repeat: more than a quarter of the distinct
        journeys (and at least 20) are needed as representatives. Then cut
        long journeys into sessions first (:func:`sessionize`), group
        activities with ``activity_map=``, or raise ``tolerance``. Also when
        the log has too many variants for every one to be a candidate, so
        that the journeys were chosen among candidates (see Notes), and when
        the search stopped at its limit before reaching ``coverage``.

    Notes
    -----
    The distance is Levenshtein's (insertions, deletions, substitutions
    each cost 1) over activity sequences, computed by
    ``rapidfuzz.process.cdist`` between candidates and variants. Two
    sequences whose lengths differ by more than ``tolerance`` times the
    longer one are never compared (their distance is at least the
    difference), and no pair of variants is compared unless one of them is
    a candidate. The work grows with the number of candidates times the
    variants of a similar length, never with the number of cases.

    *Candidates.* When comparing every variant with every variant of a
    similar length takes at most 100,000,000 pairs (a few seconds; e.g. up
    to about 10,000 variants), every variant is a candidate and the choice is
    the plain greedy one described above. Otherwise the greedy choice is made
    in rounds: the first round's candidates are the
    2,000 (or ``k``, if larger) most frequent variants and a seeded random
    sample of as many others;
    when no candidate gains a case before ``coverage`` (or ``k``) is reached,
    the next round takes a seeded sample of 2,000 variants not yet
    represented, and so on. Guarantee: each journey chosen is the one that
    gains the most cases among the candidates seen so far (ties as above);
    the number of cases each represents, the distances and ``assign=True``
    are exact against every chosen journey. What is not guaranteed is that a
    variant that was never a candidate would not have gained more, so on
    such logs the result can need more journeys than the plain greedy
    choice; a :class:`JourneymineWarning` says so, and ``table.attrs``
    records ``variants``, ``candidates`` (over all rounds), ``rounds``,
    ``pairs`` (pairs compared), ``sampled`` (True when not every variant was
    a candidate from the start) and ``complete`` (False when the limit below
    stopped the search).

    *Limit.* At most 1,000,000,000 candidate-variant pairs are compared
    (1 M customers of the synthetic benchmark log, 350,000 variants, need
    about 640 M: 20 to 60 s on two busy cores). When the first round would
    pass the limit, it takes fewer candidates (as many frequent as sampled,
    down to 100 of each; below that, :class:`ParameterError`), so the work
    stays bounded on very large logs; a later round that would pass it is not
    started, ``complete`` is False, and the warning says the coverage was
    not reached. Reduce the number of distinct journeys first: cut long
    journeys into sessions (:func:`sessionize`), group activities with
    ``activity_map=``, or filter the cases (:func:`filter_cases`).

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
        ends = np.cumsum(off[rep + 1] - off[rep])
        starts = ends - (off[rep + 1] - off[rep])
        first = np.repeat(off[rep] - starts, off[rep + 1] - off[rep]) + np.arange(
            ends[-1] if ends.size else 0
        )
        flat = labels[codes[first]].tolist()
        with _gc_paused():  # once per variant
            seqs[:] = [
                tuple(flat[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
            ]
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
        with _gc_paused():
            seq_keys = [str(s) for s in variants["sequence"]]
        order = np.lexsort((np.array(seq_keys, dtype=object), -variants["cases"].to_numpy()))
        seqs = variants["sequence"].to_numpy()[order]
        weight = variants["cases"].to_numpy(np.int64)[order]
        rank = np.empty(n_var, dtype=np.int64)
        rank[order] = np.arange(n_var)
        case_var = rank[cases["variant"].to_numpy(np.int64)] if len(cases) else np.empty(0, int)
        chosen, dist, notes = _choose(
            seqs, weight, self.k, self.coverage, self.tolerance, self.seed
        )
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
        _warn_partial(notes, self.k, self.coverage)
        table, assignment = _tables(seqs, weight, chosen, dist, case_var, cases, meta)
        table.attrs.update(notes)
        return table, assignment


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cycle collector while building many small tuples (none forms a cycle).

    Allocating hundreds of thousands of tuples triggers a full collection again
    and again, which walks every object the process holds.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _encode(seqs: np.ndarray) -> list[str]:
    """Each sequence as a string, one character per distinct activity.

    rapidfuzz compares strings natively; slices of one string are cheap and are
    not tracked by the cycle collector.
    """
    from itertools import chain

    if not len(seqs):
        return []
    flat = np.empty(sum(map(len, seqs)), dtype=object)
    flat[:] = list(chain.from_iterable(seqs))
    codes = pd.factorize(flat)[0]
    codes[codes >= 0xD800] += 0x800  # skip the surrogates, which are not characters
    text = "".join(map(chr, codes.tolist()))
    ends = np.cumsum([len(s) for s in seqs]).tolist()
    return [text[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]


class _Variants:
    """The variants as rapidfuzz compares them: strings, lengths, and an index by length."""

    def __init__(self, seqs: np.ndarray) -> None:
        self.encoded = _encode(seqs)
        self.lengths = np.fromiter(map(len, self.encoded), dtype=np.int64, count=len(seqs))
        self.by_len = np.argsort(self.lengths, kind="stable")
        self.sorted_len = self.lengths[self.by_len]


def _within(
    variants: _Variants, cand: np.ndarray, tolerance: float, among: np.ndarray | None = None
) -> tuple[Any, int]:
    """Sparse matrix (candidates x variants) of normalised distances <= tolerance, + 1.

    Only the variants where the boolean mask ``among`` is set are compared (all
    by default). Returns the matrix and the number of pairs compared.

    Row ``i`` is variant ``cand[i]``. Stored as distance + 1 so that identical
    sequences (distance 0) stay in the sparse structure. Only pairs whose
    lengths allow a distance within tolerance are compared (the edit distance
    is at least the difference of the lengths), in dense blocks of at most
    ``_CELLS`` cells: the work is :func:`_pairs`, never all pairs of variants.
    """
    from rapidfuzz.distance import Levenshtein
    from rapidfuzz.process import cdist
    from scipy import sparse

    encoded, n = variants.encoded, len(variants.encoded)
    cand_len = variants.lengths[cand]
    rows, cols, vals = [np.empty(0, np.int64)], [np.empty(0, np.int64)], [np.empty(0)]
    compared = 0
    for length, lo, hi in _windows(cand_len, variants.sorted_len, tolerance):
        at = np.flatnonzero(cand_len == length)
        partners = variants.by_len[lo:hi]
        if among is not None:
            partners = partners[among[partners]]
        if not partners.size:
            continue
        compared += at.size * partners.size
        choices = [encoded[i] for i in partners]
        step = max(1, _CELLS // max(len(choices), 1))
        for start in range(0, at.size, step):  # blocks of candidates, not cases
            block_rows = at[start : start + step]
            block = cdist(
                [encoded[i] for i in cand[block_rows]],
                choices,
                scorer=Levenshtein.normalized_distance,
                dtype=np.float32,
                workers=2,
                # lets rapidfuzz stop early on far pairs (it refuses a cutoff above 1)
                score_cutoff=min(tolerance + _EPS, 1.0),
            )
            r, c = np.nonzero(block <= tolerance + _EPS)
            rows.append(block_rows[r])
            cols.append(partners[c])
            vals.append(block[r, c].astype(np.float64) + 1.0)
    within = sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(cand.size, n),
    )
    return within, compared


def _windows(
    cand_len: np.ndarray, sorted_len: np.ndarray, tolerance: float
) -> list[tuple[int, int, int]]:
    """``(length, lo, hi)`` per candidate length: its partners are ``sorted_len[lo:hi]``.

    A pair of lengths ``a <= b`` has an edit distance of at least ``b - a``, so a
    normalised distance within tolerance needs ``b - a <= tolerance * b``. The
    window is loosened by a few float32 roundings, never tightened.
    """
    slack = tolerance + 4 * _EPS
    out = []
    for length in np.unique(cand_len).tolist():
        shortest = int(np.ceil(length * (1.0 - slack)))
        longest = int(sorted_len[-1]) if slack >= 1 else int(np.floor(length / (1.0 - slack)))
        lo = int(np.searchsorted(sorted_len, shortest, side="left"))
        hi = int(np.searchsorted(sorted_len, longest, side="right"))
        out.append((length, lo, hi))
    return out


def _pairs(variants: _Variants, cand: np.ndarray, tolerance: float) -> int:
    """How many candidate-variant pairs :func:`_within` compares, from the lengths alone."""
    cand_len = variants.lengths[cand]
    return sum(
        int(np.count_nonzero(cand_len == length)) * (hi - lo)
        for length, lo, hi in _windows(cand_len, variants.sorted_len, tolerance)
    )


def _choose(
    seqs: np.ndarray,
    weight: np.ndarray,
    k: int | None,
    coverage: float,
    tolerance: float,
    seed: Any,
) -> tuple[list[int], Any, dict[str, Any]]:
    """Greedy choice of representatives by cases gained.

    Returns ``(chosen variants, distances, notes)``; ``distances`` is a sparse
    variants x variants matrix whose rows are filled for the candidates only.
    Variants are in canonical order (most cases first). When comparing every
    variant with every variant of a similar length takes at most
    ``_EXACT_PAIRS`` pairs, all variants are candidates: the plain greedy.
    Otherwise the candidates come in rounds of ``_MAX_CANDIDATES`` (or ``k``
    if larger): the most frequent variants and a seeded sample of the others,
    then, whenever no candidate gains a case, a seeded sample of the variants
    not yet represented. Each choice gains the most among the candidates seen
    so far (gains count every variant). A round is started only while the
    pairs compared stay within ``_MAX_PAIRS``.
    """
    from scipy import sparse

    n = len(seqs)
    variants = _Variants(seqs)
    if _pairs(variants, np.arange(n), tolerance) <= _EXACT_PAIRS:
        m = n  # every variant a candidate: the plain greedy choice
    else:
        m = min(n, max(_MAX_CANDIDATES, k or 0))
    notes: dict[str, Any] = {
        "variants": n,
        "candidates": 0,
        "rounds": 0,
        "pairs": 0,
        "sampled": n > m,
        "complete": True,
    }
    rng = np.random.default_rng(seed)
    # ties in gain: the more frequent variant, then a seeded random order
    tiebreak = weight.astype(np.float64) * n + rng.permutation(n) / n
    uncovered = np.ones(n, dtype=bool)
    target = weight.sum() * coverage
    chosen: list[int] = []
    covered = 0
    blocks: list[Any] = []
    pool = np.arange(m)
    if n > m:  # rarer variants too: a seeded sample of as many
        pool = np.r_[pool, np.sort(rng.choice(np.arange(m, n), min(n - m, m), replace=False))]
    seen = np.zeros(n, dtype=bool)
    first = _pairs(variants, pool, tolerance)
    while first > _MAX_PAIRS:
        # a very large log: fewer first candidates (frequent and sampled alike), so that the
        # first round fits within the limit; the warning and attrs say the search was sampled
        keep = int(pool.size * 0.9 * _MAX_PAIRS / first) // 2
        if keep < _MIN_CANDIDATES:
            raise ParameterError(_too_many(n, m, first))
        frequent, sample = pool[pool < m], pool[pool >= m]
        sample = np.sort(rng.choice(sample, min(keep, sample.size), replace=False))
        pool = np.r_[frequent[:keep], sample]
        first = _pairs(variants, pool, tolerance)
    while pool.size:
        pairs = _pairs(variants, pool, tolerance)
        if blocks and notes["pairs"] + pairs > _MAX_PAIRS:
            notes["complete"] = False
            break
        notes["candidates"] += pool.size
        notes["rounds"] += 1
        seen[pool] = True
        # gains only count the variants not yet represented: compare the candidates with
        # those, then the journeys chosen among them with the others (for the assignment)
        open_before = uncovered.copy()
        partial = not open_before.all()
        within, compared = _within(variants, pool, tolerance, open_before if partial else None)
        notes["pairs"] += compared
        blocks.append((pool, within))
        start = len(chosen)
        covered += _greedy_round(
            pool, within, weight, tiebreak, uncovered, chosen, k, target - covered
        )
        picked = np.asarray(chosen[start:], dtype=np.int64)
        if partial and picked.size:
            rest_within, compared = _within(variants, picked, tolerance, ~open_before)
            notes["pairs"] += compared
            blocks.append((picked, rest_within))
        if k is not None and len(chosen) >= k:
            break
        if k is None and covered >= target - 1e-9:
            break
        # no candidate gains a case: the next round, among the variants not yet represented
        # (with k and every variant represented: among those not yet candidates)
        rest = np.flatnonzero(uncovered & ~seen)
        if k is not None and not rest.size:
            rest = np.flatnonzero(~seen)
        size = max(_MAX_CANDIDATES, (k or 0) - len(chosen))
        pool = np.sort(rng.choice(rest, size, replace=False)) if rest.size > size else rest
    none = [np.empty(0, dtype=np.int64)]
    rows = np.concatenate([np.repeat(p, np.diff(w.indptr)) for p, w in blocks] or none)
    within = sparse.csr_matrix(
        (
            np.concatenate([w.data for _, w in blocks] or [np.empty(0)]),
            (rows, np.concatenate([w.indices for _, w in blocks] or none)),
        ),
        shape=(n, n),
    )
    return chosen, within, notes


def _greedy_round(
    pool: np.ndarray,
    within: Any,
    weight: np.ndarray,
    tiebreak: np.ndarray,
    uncovered: np.ndarray,
    chosen: list[int],
    k: int | None,
    to_cover: float,
) -> int:
    """Greedy choices among the candidates ``pool``; appends to ``chosen``, returns cases gained.

    Stops at ``k`` journeys in all, or (``k`` None) once ``to_cover`` cases are
    gained or no candidate gains a case. ``uncovered`` is updated in place.
    With ``k``, candidates that gain nothing are still taken (the more frequent
    first) when nothing is left to gain.
    """
    m = pool.size
    by_variant = within.tocsc()
    tie = tiebreak[pool]
    # gains are kept up to date: covering variants U takes their weight off every
    # candidate within tolerance of them, so the total update work is the number of
    # candidate-variant pairs within tolerance, not iterations x pairs
    open_weight = np.where(uncovered, weight, 0).astype(np.float64)
    gain = np.bincount(
        np.repeat(np.arange(m), np.diff(within.indptr)),
        weights=open_weight[within.indices],
        minlength=m,
    )
    taken = np.zeros(m, dtype=bool)
    covered = 0
    while not taken.all():
        if k is not None and len(chosen) >= k:
            break
        if k is None and (covered >= to_cover - 1e-9 or not uncovered.any()):
            break
        open_gain = np.where(taken, -1.0, gain)
        top = open_gain.max()
        if top <= 0 and (k is None or uncovered.any()):
            break  # nothing to gain among these candidates (with k: another round may gain)
        best = np.flatnonzero(open_gain == top)
        j = int(best[np.argmax(tie[best])])
        chosen.append(int(pool[j]))
        taken[j] = True
        newly = within.indices[within.indptr[j] : within.indptr[j + 1]]
        newly = newly[uncovered[newly]]
        if newly.size:
            covered += int(weight[newly].sum())
            uncovered[newly] = False
            # the candidates within tolerance of the newly covered variants lose their weight
            first, last = by_variant.indptr[newly], by_variant.indptr[newly + 1]
            sizes = last - first
            at = np.repeat(first - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
            lose = np.repeat(weight[newly].astype(np.float64), sizes)
            gain -= np.bincount(by_variant.indices[at], weights=lose, minlength=m)
    return covered


def _warn_partial(notes: dict[str, Any], k: int | None, coverage: float) -> None:
    """Say when not every variant was a candidate, and when the limit stopped the search."""
    if not notes["sampled"]:
        return
    goal = f"k={k} journeys" if k is not None else f"coverage={coverage}"
    short = (
        ""
        if notes["complete"]
        else f" The search stopped at its limit of {_MAX_PAIRS:,} compared pairs before {goal}."
    )
    warnings.warn(
        f"representatives(): the log has {notes['variants']:,} variants, so the journeys were "
        f"chosen among {notes['candidates']:,} candidates in {notes['rounds']} round(s) (the "
        "most frequent variants and seeded samples of the others), not among all variants. "
        "Each journey gains the most cases among the candidates seen so far and every case is "
        "measured against every chosen journey, but a variant that was never a candidate "
        f"might have represented more cases.{short} For the plain greedy choice, reduce the "
        "number of distinct journeys (to about 10,000 or fewer): cut long journeys into "
        "sessions (jm.sessionize(log, gap='30min')), group similar activities with "
        "activity_map={...}, or filter the cases (jm.filter_cases).",
        JourneymineWarning,
        stacklevel=user_stacklevel(),
    )


def _too_many(n: int, m: int, pairs: int) -> str:
    return (
        f"representatives() would compare {pairs:,} pairs of journeys ({m:,} candidates "
        f"among the log's {n:,} variants), more than its limit of {_MAX_PAIRS:,}. Reduce "
        "the number of distinct journeys first: cut long journeys into sessions "
        "(jm.sessionize(log, gap='30min')), group similar activities with activity_map={...}, "
        "or filter the cases (jm.filter_cases)."
    )


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

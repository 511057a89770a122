"""Which touchpoints earn the conversion: attribution models and conversion paths.

One definition of a conversion's path serves every model and
:func:`conversion_paths`:

* a **conversion** is an event whose activity is a conversion activity;
* a **touch** is an event with a touch value (its channel, activity or
  another column) that is not itself a conversion;
* the **path of a conversion** is the list of the case's touches strictly
  before the conversion in the case's event order, after the case's previous
  conversion, at or after ``conversion time - lookback``; repeated touches
  are kept;
* a **non-converting path** is, for a case without a conversion, its touches
  within ``lookback`` of its last event; for a converting case, its touches
  after its last conversion (if there are any).

Each touch event belongs to at most one path, so a path is a contiguous run
of the touch events in log order and every model is a few vectorised numpy
passes over integer codes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine._tables import NAT, timedeltas
from journeymine.engine import Kernel, LogMeta, Segmented, run
from journeymine.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.log import JourneyLog
    from journeymine.model import JourneyModel

__all__ = ["attribution", "conversion_paths"]

#: every model, in the order of the table
MODELS = ("first", "last", "linear", "time_decay", "position", "shapley", "markov")
#: the models whose credit is a sum of per-conversion credits
RULES = MODELS[:6]
#: bootstrap resamples behind every interval
_RESAMPLES = 999
#: the most resample x case draws held at once (memory bound of the bootstrap)
_CHUNK_CELLS = 4_000_000
#: the states of the Markov chain that are not touches
START, CONV, NULL = -1, -2, -3


# -- the paths of one in-memory log ------------------------------------------------------
@dataclass(frozen=True)
class _Paths:
    """The converting and non-converting paths of an in-memory log (events in log order)."""

    labels: pd.Index  # touch labels (codes index them)
    touch: np.ndarray  # touch code of each event, -1 when the event is no touch
    conv_event: np.ndarray  # event index of each conversion
    conv_touches: np.ndarray  # event indices of the touches on converting paths
    conv_of: np.ndarray  # the conversion (index into conv_event) of each of them
    null_touches: np.ndarray  # event indices of the touches on non-converting paths
    no_touch: int  # conversions whose path is empty


def _touch_codes(log: JourneyLog, touch: str) -> tuple[np.ndarray, pd.Index]:
    if touch == "channel":
        assert log.channel is not None
        return log.codes(log.channel)
    if touch == "activity":
        return log.activity_codes, log.activity_labels
    return log.codes(touch)


def _conversion_mask(log: JourneyLog, conversion: tuple[Any, ...]) -> np.ndarray:
    wanted = set(conversion)
    table = np.array([a in wanted for a in log.activity_labels], dtype=bool)
    return table[log.activity_codes] if table.size else np.zeros(0, dtype=bool)


def _paths(
    log: JourneyLog, touch: str, conversion: tuple[Any, ...], lookback: int | None
) -> _Paths:
    """Split the touch events of ``log`` into converting and non-converting paths."""
    codes, labels = _touch_codes(log, touch)
    is_conv = _conversion_mask(log, conversion)
    codes = np.where(is_conv, -1, np.asarray(codes, dtype=np.int64))
    case, time = log.case_codes, log.time
    conv_event = np.flatnonzero(is_conv)
    n_conv = conv_event.size
    # the conversions before each event (in log order): the next one is the event's conversion
    before = np.cumsum(is_conv) - is_conv
    tidx = np.flatnonzero(codes >= 0)
    k = before[tidx]
    has_next = k < n_conv
    k_safe = np.minimum(k, max(n_conv - 1, 0))
    if n_conv:
        has_next &= case[conv_event[k_safe]] == case[tidx]
    converting = tidx[has_next]
    conv_of = k[has_next]
    if lookback is not None and converting.size:
        inside = time[converting] >= time[conv_event[conv_of]] - lookback
        converting, conv_of = converting[inside], conv_of[inside]
    # touches with no later conversion in their case
    rest = tidx[~has_next]
    converted_case = np.zeros(log.n_cases, dtype=bool)
    converted_case[case[conv_event]] = True
    if lookback is not None and rest.size:
        last_time = time[log.case_offsets[1:] - 1]
        keep = converted_case[case[rest]] | (time[rest] >= last_time[case[rest]] - lookback)
        rest = rest[keep]
    with_touch = int(np.count_nonzero(_heads(conv_of)))  # conv_of is non-decreasing
    return _Paths(labels, codes, conv_event, converting, conv_of, rest, int(n_conv - with_touch))


def _heads(ids: np.ndarray) -> np.ndarray:
    """Where a run of equal values starts in a non-decreasing array."""
    head = np.ones(ids.size, dtype=bool)
    head[1:] = ids[1:] != ids[:-1]
    return head


def _runs(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For a non-decreasing id per element: (rank within its run, run length, is run start)."""
    n = ids.size
    start = np.ones(n, dtype=bool)
    start[1:] = ids[1:] != ids[:-1]
    first = np.flatnonzero(start)
    run = np.cumsum(start) - 1
    length = np.diff(np.append(first, n))
    rank = np.arange(n) - first[run]
    return rank, length[run], start


def _credits(paths: _Paths, log: JourneyLog, half_life: int) -> np.ndarray:
    """Credit of each touch on a converting path under each rule-based model (touches x 6)."""
    ev, g = paths.conv_touches, paths.conv_of
    out = np.zeros((ev.size, len(RULES)), dtype=np.float64)
    if not ev.size:
        return out
    rank, n, _ = _runs(g)
    out[:, 0] = rank == 0
    out[:, 1] = rank == n - 1
    out[:, 2] = 1.0 / n
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    lasts = np.append(starts[1:], ev.size) - 1
    # ages counted from the path's last touch: the same weights once normalised, and the
    # newest touch weighs 1, so a path far older than half_life cannot underflow to 0 / 0
    newest = np.repeat(log.time[ev[lasts]], np.diff(np.append(starts, ev.size)))
    w = np.exp2(-(newest - log.time[ev]).astype(np.float64) / half_life)
    total = np.add.reduceat(w, starts)
    out[:, 3] = w / np.repeat(total, np.diff(np.append(starts, ev.size)))
    middle = 0.2 / np.maximum(n - 2, 1)
    ends = (rank == 0) | (rank == n - 1)
    out[:, 4] = np.where(n == 1, 1.0, np.where(n == 2, 0.5, np.where(ends, 0.4, middle)))
    # shapley: 1 / |distinct touches| to the first occurrence of each distinct touch
    t = paths.touch[ev]
    width = np.int64(max(len(paths.labels), 1))
    key = g * width + t
    _, first = np.unique(key, return_index=True)
    distinct = np.bincount(g[first], minlength=int(g.max()) + 1)
    out[first, 5] = 1.0 / distinct[g[first]]
    return out


def _transitions(paths: _Paths, log: JourneyLog) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(case, from state, to state) of every step of every non-empty path.

    States are touch codes, :data:`START`, :data:`CONV` and :data:`NULL`.
    """
    cases, froms, tos = [], [], []
    for ev, ids, end in (
        (paths.conv_touches, paths.conv_of, CONV),
        (paths.null_touches, log.case_codes[paths.null_touches], NULL),
    ):
        if not ev.size:
            continue
        t = paths.touch[ev]
        c = log.case_codes[ev]
        _, _, head = _runs(ids)
        tail = np.r_[head[1:], True]
        # start -> first touch, each touch -> the next one, last touch -> end
        cases += [c[head], c]
        froms += [np.full(int(head.sum()), START), t]
        tos += [t[head], np.where(tail, end, np.r_[t[1:], 0])]
    if not cases:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return (
        np.concatenate(cases).astype(np.int64),
        np.concatenate(froms).astype(np.int64),
        np.concatenate(tos).astype(np.int64),
    )


# -- the Markov chain, solved exactly --------------------------------------------------------
def _removal_effects(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Conversion probability from start and removal effect of each touch, for stacked chains.

    ``counts`` is ``(B, K + 3, K + 3)`` transition counts between the states
    ``[start, touch 0 .. touch K-1, conversion, null]``. With ``Q`` the
    transient part (start and touches) of the row-normalised matrix and
    ``r`` the one-step conversion probabilities, ``x = (I - Q)^-1 r`` are
    the conversion probabilities and ``N = (I - Q)^-1`` the expected visits,
    both from one ``numpy.linalg.solve``. Removing touch ``k`` (transitions
    into it go to null) leaves the conversions that never reach ``k``:
    ``x_start - h_k x_k`` with ``h_k = N[start, k] / N[k, k]`` the chance to
    ever reach ``k``, so the removal effect is ``h_k x_k / x_start``.
    """
    b, s, _ = counts.shape
    m = s - 2
    rows = counts.sum(axis=2, keepdims=True)
    p = np.divide(counts, rows, out=np.zeros(counts.shape), where=rows > 0)
    a = np.eye(m)[None] - p[:, :m, :m]
    rhs = np.concatenate([p[:, :m, m : m + 1], np.broadcast_to(np.eye(m), (b, m, m))], axis=2)
    sol = np.linalg.solve(a, rhs)
    x, visits = sol[:, :, 0], sol[:, :, 1:]
    reach = visits[:, 0, 1:] / np.diagonal(visits, axis1=1, axis2=2)[:, 1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        effect = reach * x[:, 1:] / x[:, :1]
    return x[:, 0], effect


def _markov_credit(counts: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Markov conversions of each touch for stacked chains: total x effect / sum of effects."""
    _, effect = _removal_effects(counts)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = effect / effect.sum(axis=1, keepdims=True)
    return np.where(np.isfinite(share), share, 0.0) * total[:, None]


# -- the attribution kernel ---------------------------------------------------------------------
@dataclass(frozen=True)
class _Part:
    """Credits and transitions of whole cases, by row (a case, or one row of sums).

    Touch codes index ``labels``; ``keys`` holds the case id of each row
    (one None row when only sums are kept).
    """

    labels: tuple[Any, ...]
    keys: np.ndarray  # object: case id per row
    credit_row: np.ndarray  # row of each credit entry
    credit_touch: np.ndarray  # touch of each credit entry
    credit: np.ndarray  # (entries, 6) credit under each rule-based model
    step_row: np.ndarray  # row of each transition entry
    step_from: np.ndarray
    step_to: np.ndarray
    step_count: np.ndarray  # int64
    conversions: np.ndarray  # credited conversions per row
    n_cases: int
    no_touch: int


def _remap(codes: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Touch codes through ``table``; the negative special states stay."""
    return np.where(codes >= 0, table[np.maximum(codes, 0)] if table.size else codes, codes)


def _collapse(p: _Part) -> _Part:
    """One row of sums: what a run without intervals keeps."""
    k = len(p.labels)
    s = k + 3
    ct = np.arange(k, dtype=np.int64)
    credit = np.zeros((k, len(RULES)))
    for j in range(len(RULES)):
        credit[:, j] = np.bincount(p.credit_touch, weights=p.credit[:, j], minlength=k)
    pair = (p.step_from + 3) * s + (p.step_to + 3)
    counts = np.bincount(pair, weights=p.step_count, minlength=s * s).astype(np.int64)
    nz = np.flatnonzero(counts)
    return _Part(
        p.labels,
        np.array([None], dtype=object),
        np.zeros(k, dtype=np.int64),
        ct,
        credit,
        np.zeros(nz.size, dtype=np.int64),
        nz // s - 3,
        nz % s - 3,
        counts[nz],
        np.array([p.conversions.sum()], dtype=np.int64),
        p.n_cases,
        p.no_touch,
    )


def _aggregate(rows: np.ndarray, keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, ...]:
    """Sum ``values`` over equal ``(row, key)`` pairs: (rows, keys, sums)."""
    if not rows.size:
        return rows, keys, values
    width = np.int64(keys.max() + 4)
    pair = rows * width + (keys + 3)
    uniq, inverse = np.unique(pair, return_inverse=True)
    sums = np.zeros((uniq.size,) + values.shape[1:], dtype=values.dtype)
    np.add.at(sums, inverse, values)
    return uniq // width, uniq % width - 3, sums


@dataclass(frozen=True)
class _Attribution(Kernel[_Part, pd.DataFrame]):
    name = "attribution"
    conversion: tuple[Any, ...] | None = None
    model: Any = None
    touch: str = "channel"
    models: tuple[str, ...] = MODELS
    lookback: int | None = None
    half_life: int = 7 * 86_400 * 10**9
    ci: float | None = 0.95
    seed: Any = 0
    resamples: int = _RESAMPLES

    def check(self, meta: LogMeta) -> _Attribution:
        return dataclasses.replace(self, conversion=_conversions(self, meta, self.name))

    def part(self, log: JourneyLog) -> _Part:
        assert self.conversion is not None
        paths = _paths(log, self.touch, self.conversion, self.lookback)
        credit = _credits(paths, log, self.half_life)
        touches = paths.touch[paths.conv_touches]
        sc, sf, st = _transitions(paths, log)
        k = len(paths.labels)
        s = np.int64(k + 3)
        pair = (sf + 3) * s + (st + 3)
        conv_with_touch = paths.conv_of[_heads(paths.conv_of)]
        if self.ci is None:  # one row of sums
            sums = np.zeros((k, len(RULES)))
            for j in range(len(RULES)):
                sums[:, j] = np.bincount(touches, weights=credit[:, j], minlength=k)
            counts = np.bincount(pair, minlength=int(s * s)).astype(np.int64)
            nz = np.flatnonzero(counts)
            return _Part(
                tuple(paths.labels),
                np.array([None], dtype=object),
                np.zeros(k, dtype=np.int64),
                np.arange(k, dtype=np.int64),
                sums,
                np.zeros(nz.size, dtype=np.int64),
                nz // s - 3,
                nz % s - 3,
                counts[nz],
                np.array([conv_with_touch.size], dtype=np.int64),
                log.n_cases,
                paths.no_touch,
            )
        # one row per case with a path, in log order
        cc = log.case_codes[paths.conv_touches]
        has_path = np.zeros(log.n_cases, dtype=bool)
        has_path[cc] = True
        has_path[sc] = True
        active = np.flatnonzero(has_path)
        row_of = np.full(log.n_cases, -1, dtype=np.int64)
        row_of[active] = np.arange(active.size)
        crow, ctouch, csum = _aggregate(row_of[cc], touches, credit)
        srow, spair, scount = _aggregate(row_of[sc], pair, np.ones(sc.size, dtype=np.int64))
        conv_cases = log.case_codes[paths.conv_event[conv_with_touch]]
        conversions = np.bincount(row_of[conv_cases], minlength=active.size).astype(np.int64)
        return _Part(
            tuple(paths.labels),
            np.asarray(log.case_labels, dtype=object)[active],
            crow,
            ctouch,
            csum,
            srow,
            spair // s - 3,
            spair % s - 3,
            scount,
            conversions,
            log.n_cases,
            paths.no_touch,
        )

    def merge(self, a: _Part, b: _Part) -> _Part:
        index = {label: i for i, label in enumerate(a.labels)}
        labels = list(a.labels)
        for label in b.labels:
            if label not in index:
                index[label] = len(labels)
                labels.append(label)
        table = np.array([index[label] for label in b.labels], dtype=np.int64)
        off = a.keys.size
        out = _Part(
            tuple(labels),
            np.concatenate([a.keys, b.keys]),
            np.concatenate([a.credit_row, b.credit_row + off]),
            np.concatenate([a.credit_touch, _remap(b.credit_touch, table)]),
            np.concatenate([a.credit, b.credit]),
            np.concatenate([a.step_row, b.step_row + off]),
            np.concatenate([a.step_from, _remap(b.step_from, table)]),
            np.concatenate([a.step_to, _remap(b.step_to, table)]),
            np.concatenate([a.step_count, b.step_count]),
            np.concatenate([a.conversions, b.conversions]),
            a.n_cases + b.n_cases,
            a.no_touch + b.no_touch,
        )
        return out if self.ci is not None else _collapse(out)

    def finish(self, merged: _Part, meta: LogMeta) -> pd.DataFrame:
        p = merged if self.ci is not None else _collapse(merged)
        # touches in sorted order (labels differ in order between partitions)
        order = _sorted_order(p.labels)
        k = len(order)
        new_code = np.empty(k, dtype=np.int64)
        new_code[order] = np.arange(k)
        touches = [p.labels[i] for i in order]
        # rows in case order, so the bootstrap does not depend on the partitions
        row_order = _sorted_order(tuple(p.keys)) if self.ci is not None else np.arange(p.keys.size)
        new_row = np.empty(row_order.size, dtype=np.int64)
        new_row[row_order] = np.arange(row_order.size)
        crow, ctouch = new_row[p.credit_row], _remap(p.credit_touch, new_code)
        srow = new_row[p.step_row]
        s = k + 3
        spair = (_remap(p.step_from, new_code) + 3) * s + (_remap(p.step_to, new_code) + 3)
        m = p.keys.size
        credit_sums = _weigher(m, crow, ctouch, p.credit, k)
        if "markov" in self.models:
            step_sums = _weigher(m, srow, spair, p.step_count[:, None], s * s)
        else:
            step_sums = _weigher(m, srow[:0], spair[:0], p.step_count[:0, None], s * s)
        ones = np.ones((m, 1))
        point = self._models(
            credit_sums(ones), step_sums(ones), np.array([p.conversions.sum()], np.float64), k
        )[0]
        total = float(p.conversions.sum())
        lo = np.full(point.shape, np.nan)
        hi = np.full(point.shape, np.nan)
        if self.ci is not None and p.n_cases and total:
            rng = np.random.default_rng(self.seed)
            conv = p.conversions[row_order].astype(np.float64)
            shares = []
            n = p.n_cases
            chunk = max(1, _CHUNK_CELLS // n)
            for start in range(0, self.resamples, chunk):
                size = min(chunk, self.resamples - start)
                # each resample draws n cases with replacement; the cases without a path
                # (codes m .. n-1) only take their place in the draw
                draw = rng.integers(0, n, size=(size, n))
                key = (draw * size + np.arange(size)[:, None])[draw < m]
                wt = np.bincount(key, minlength=m * size).reshape(m, size).astype(np.float64)
                tot = conv @ wt
                credit = self._models(credit_sums(wt), step_sums(wt), tot, k)
                with np.errstate(invalid="ignore", divide="ignore"):
                    shares.append(credit / tot[:, None, None])
            rep = np.concatenate(shares)
            alpha = (1.0 - self.ci) / 2.0
            lo, hi = np.nanquantile(rep, [alpha, 1.0 - alpha], axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = point / total if total else np.full(point.shape, np.nan)
        wanted = [MODELS.index(name) for name in self.models]
        rows = [(t, j) for t in range(k) for j in wanted]
        ti = np.array([r[0] for r in rows], dtype=np.int64)
        mi = np.array([r[1] for r in rows], dtype=np.int64)
        out = pd.DataFrame(
            {
                "touch": pd.Series([touches[t] for t in ti], dtype=object),
                "model": pd.Series([MODELS[j] for j in mi], dtype=object),
                "conversions": point[mi, ti] if rows else np.zeros(0),
                "share": share[mi, ti] if rows else np.zeros(0),
                "lo": lo[mi, ti] if rows else np.zeros(0),
                "hi": hi[mi, ti] if rows else np.zeros(0),
            }
        )
        out.attrs["no_touch"] = int(p.no_touch)
        return out

    def _models(
        self, credit: np.ndarray, counts: np.ndarray, total: np.ndarray, k: int
    ) -> np.ndarray:
        """(B, 7, K) conversions per model and touch from weighted sums."""
        b = credit.shape[0]
        out = np.zeros((b, len(MODELS), k))
        out[:, : len(RULES), :] = credit.transpose(0, 2, 1)
        if "markov" in self.models and k:
            chain = counts[:, :, 0].reshape(b, k + 3, k + 3)
            # state order [start, touches, conversion, null]: codes -1, 0..K-1, -2, -3
            idx = np.r_[2, np.arange(3, k + 3), 1, 0]
            out[:, -1, :] = _markov_credit(chain[:, idx][:, :, idx], total)
        return out


def _weigher(
    m: int, rows: np.ndarray, cols: np.ndarray, values: np.ndarray, width: int
) -> Callable[[np.ndarray], np.ndarray]:
    """A function of case weights ``wt`` (m x B, one column per resample) giving
    ``(B, width, values.shape[1])``: the sums of ``values`` by column, each entry weighted by
    its row's weight.

    The entries go, once, into a sparse (width x values) x m matrix; each call is one
    sparse-dense product whose cost is the number of entries times B.
    """
    from scipy import sparse

    nv = values.shape[1]
    flat_cols = (cols[:, None] * nv + np.arange(nv)).ravel()
    flat_rows = np.repeat(rows, nv)
    flat_values = values.astype(np.float64).ravel()
    mat = sparse.csr_matrix((flat_values, (flat_cols, flat_rows)), shape=(width * nv, m))
    return lambda wt: np.asarray(mat @ wt).T.reshape(wt.shape[1], width, nv)


def _sorted_order(labels: Sequence[Any]) -> np.ndarray:
    """Indices that sort ``labels`` (by their text when they cannot be compared)."""
    items = list(labels)
    try:
        return np.array(sorted(range(len(items)), key=items.__getitem__), dtype=np.int64)
    except TypeError:
        return np.array(sorted(range(len(items)), key=lambda i: str(items[i])), dtype=np.int64)


# -- arguments ------------------------------------------------------------------------------
def _conversions(kernel: Any, meta: LogMeta, func: str) -> tuple[Any, ...]:
    """Check the touch column against ``meta`` and return the conversion activities."""
    if kernel.touch == "channel":
        if meta.channel is None:
            raise ParameterError(
                f"{func}(touch='channel') needs a channel column, but the log has none. Build "
                "the log with channel='<column>' (columns: "
                f"{list(meta.columns)}), or pass touch='activity' or touch='<column>'."
            )
    elif kernel.touch != "activity":
        if not isinstance(kernel.touch, str) or kernel.touch not in meta.columns:
            raise ParameterError(
                f"The 'touch' parameter of {func}() must be 'channel', 'activity' or a column "
                f"of the log. Got {kernel.touch!r} instead; columns: {list(meta.columns)}."
            )
        if kernel.touch in (meta.case, meta.timestamp):
            raise ParameterError(
                f"The 'touch' parameter of {func}() cannot be the case or timestamp column "
                f"({kernel.touch!r}). Pass a column that names touchpoints, e.g. a channel."
            )
    conversion = kernel.conversion
    if conversion is None and kernel.model is not None:
        conversion = tuple(kernel.model.purchase)
    if not conversion:
        raise ParameterError(
            f"{func}() needs the conversion activities: pass conversion='Place order' (or a "
            "list), or model= a JourneyModel that declares purchase=[...]."
        )
    return tuple(conversion)


def _common(
    func: str, model: Any, conversion: Any, touch: Any, lookback: Any
) -> tuple[Any, tuple[Any, ...] | None, int | None]:
    conv = v.activity_list(conversion, "conversion", func)
    return model, conv, v.optional_duration_ns(lookback, "lookback", func)


class _SegmentTable(Segmented):
    """:class:`Segmented` whose leading column is named ``segment`` and which sums attrs."""

    column: ClassVar[str] = "segment"

    def combine_attrs(self, attrs: list[dict[str, Any]]) -> dict[str, Any] | None:
        return _sum_attrs(attrs)


def _sum_attrs(attrs: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts in ``attrs`` added over segments (dicts of counts key by key)."""
    out: dict[str, Any] = {}
    for one in attrs:
        for name, value in one.items():
            if isinstance(value, dict):
                into = out.setdefault(name, {})
                for k, x in value.items():
                    into[k] = into.get(k, 0) + x
            else:
                out[name] = out.get(name, 0) + value
    return {k: dict(sorted(x.items())) if isinstance(x, dict) else x for k, x in out.items()}


@v.validate_params(
    {
        "conversion": [v.Activities(), None],
        "model": [v.Model(), None],
        "touch": [v.InstanceOf(str)],
        "lookback": [v.Duration(), None],
        "half_life": [v.Duration(positive=True)],
        "ci": [*v.LEVEL, None],
        "seed": v.SEED,
    }
)
def attribution(
    log: Any,
    *,
    conversion: str | Sequence[Any] | None = None,
    model: JourneyModel | None = None,
    touch: str = "channel",
    models: Sequence[str] = MODELS,
    lookback: Any = "30D",
    half_life: Any = "7D",
    ci: float | None = 0.95,
    seed: int | np.random.Generator | None = 0,
    segment: Any = None,
) -> pd.DataFrame:
    """Credit each conversion to the touchpoints before it, under several models side by side.

    Parameters
    ----------
    log : JourneyLog (in memory or on Dask)
        The event log.
    conversion : str or sequence, optional
        The conversion activities; each event with one of them is one
        conversion. Default: ``model.purchase``.
    model : JourneyModel, optional
        Gives the conversion activities when ``conversion`` is not given.
    touch : str, default="channel"
        What a touchpoint is: ``"channel"`` (the log's channel column),
        ``"activity"``, or the name of another event column. Events with a
        missing value, and conversion events, are not touches.
    models : sequence of str, default=all
        Among ``"first"``, ``"last"``, ``"linear"``, ``"time_decay"``,
        ``"position"``, ``"shapley"`` and ``"markov"``.
    lookback : str or Timedelta or None, default="30D"
        Only touches at or after ``conversion time - lookback`` are on a
        conversion's path; None for no limit.
    half_life : str or Timedelta, default="7D"
        Half-life of ``time_decay``: a touch this long before the conversion
        weighs half as much as one at the conversion.
    ci : float or None, default=0.95
        Level of the case-bootstrap intervals ``lo``, ``hi`` of ``share``;
        None skips the bootstrap (``lo`` and ``hi`` are NaN).
    seed : int, numpy.random.Generator or None, default=0
        Randomness of the bootstrap; the same seed gives the same intervals
        on every engine.
    segment : str or pandas.Series, optional
        A column (a case's value on its first event) or a Series indexed by
        case id: one block of rows per group, with a leading ``segment`` column.

    Returns
    -------
    pandas.DataFrame
        One row per touch and model, touches sorted, models in the order of
        ``models``:

        ``touch``
            The touchpoint.
        ``model``
            The attribution model.
        ``conversions``
            Conversions credited to the touch (float: credit is split).
        ``share``
            ``conversions`` over all credited conversions (conversions with
            a non-empty path).
        ``lo``, ``hi``
            Percentile interval of ``share`` over 999 bootstrap resamples of
            whole cases (each recomputes the model).

        ``df.attrs["no_touch"]`` counts the conversions whose path is empty:
        they credit nobody.

    Raises
    ------
    ParameterError
        If no conversion activity is given, the touch column is missing, or
        an argument has the wrong type or value.

    See Also
    --------
    conversion_paths : the paths themselves, most frequent first.
    journeymine.plot_attribution : the models side by side per touch.

    Notes
    -----
    **The path of a conversion** is the list of the case's touches strictly
    before the conversion event (in the case's event order), after the
    case's previous conversion, with time at or after ``conversion time -
    lookback``; repeated touches are kept. **Non-converting paths** (used
    by ``markov``): for a case with no conversion, its touches within
    ``lookback`` of its last event; for a converting case, its touches
    after its last conversion, if any. Empty paths take part in no model.

    The models, for a path of ``n`` touches:

    * ``first`` / ``last``: all credit to the first / last touch;
    * ``linear``: ``1/n`` to each touch;
    * ``time_decay``: weight ``2 ** (-(t_conversion - t_touch) / half_life)``,
      normalised per conversion;
    * ``position``: 40 % to the first touch, 40 % to the last, 20 % shared
      by the middle ones (``n = 1``: 100 %; ``n = 2``: 50/50);
    * ``shapley``: the Shapley value of the game ``v(S)`` = number of
      conversions whose set of distinct touches is contained in ``S``. It
      has a closed form, used here: each conversion gives
      ``1 / |distinct touches|`` to each distinct touch of its path (the
      game is a sum of unanimity games);
    * ``markov``: a first-order Markov chain over touches with a start
      state and absorbing conversion and null states, estimated from all
      non-empty converting and non-converting paths. The removal effect of a
      touch is the relative drop of the conversion probability from start
      when transitions into it go to null; credit = total conversions x
      removal effect / sum of removal effects. It is computed exactly, by
      absorbing-chain linear algebra (one ``numpy.linalg.solve`` of the
      transient matrix), not by simulation.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_shop()
    >>> table = jm.attribution(log, model=jm.datasets.shop_model(), ci=None)
    >>> table[table.model == "last"][["touch", "conversions", "share"]].round(3)
              touch  conversions  share
    1           app        822.0  0.371
    8   call_center          0.0  0.000
    15        email         27.0  0.012
    22  marketplace        248.0  0.112
    29       social          0.0  0.000
    36        store        187.0  0.084
    43          web        932.0  0.421
    >>> table.attrs["no_touch"]  # orders with no touch within 30 days before them
    46
    """
    func = "attribution"
    model, conv, lookback_ns = _common(func, model, conversion, touch, lookback)
    if isinstance(models, str) or not isinstance(models, Sequence) or not models:
        raise ParameterError(
            f"The 'models' parameter of {func}() must be a non-empty list of models among "
            f"{list(MODELS)}. Got {models!r} instead."
        )
    for name in models:
        v.check_option("models", name, MODELS, func)
    if len(set(models)) != len(models):
        raise ParameterError(f"The 'models' parameter of {func}() lists a model twice: {models!r}.")
    half = v.duration_ns(half_life, "half_life", func)
    level = None if ci is None else float(ci)
    kernel: Kernel[Any, pd.DataFrame] = _Attribution(
        conv, model, touch, tuple(models), lookback_ns, half, level, seed
    )
    if segment is not None:
        kernel = _SegmentTable(kernel, segment)
    return run(kernel, log)


# -- conversion paths ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _ConversionPaths(Kernel[pd.DataFrame, pd.DataFrame]):
    name = "conversion_paths"
    conversion: tuple[Any, ...] | None = None
    model: Any = None
    touch: str = "channel"
    lookback: int | None = None
    top: int | None = 20

    def check(self, meta: LogMeta) -> _ConversionPaths:
        return dataclasses.replace(self, conversion=_conversions(self, meta, self.name))

    def part(self, log: JourneyLog) -> pd.DataFrame:
        assert self.conversion is not None
        p = _paths(log, self.touch, self.conversion, self.lookback)
        ev = np.concatenate([p.conv_touches, p.null_touches])
        conv_ids = p.conv_of
        # one id per path: conversions first, then the non-converting path of each case
        ids = np.concatenate([conv_ids, p.conv_event.size + log.case_codes[p.null_touches]])
        converted_path = np.concatenate(
            [np.ones(p.conv_touches.size, bool), np.zeros(p.null_touches.size, bool)]
        )
        if not ev.size:
            return _empty_paths()
        rank, length, head = _runs(ids)
        starts = np.flatnonzero(head)
        n_paths = starts.size
        width = int(length.max())
        matrix = np.full((n_paths, width), -1, dtype=np.int64)
        matrix[np.cumsum(head) - 1, rank] = p.touch[ev]
        inverse, firsts = _row_codes(matrix, len(p.labels) + 1)
        label_arr = np.asarray(p.labels, dtype=object)
        tuples = np.empty(firsts.size, dtype=object)
        for i, row in enumerate(matrix[firsts]):  # a loop over distinct paths, not cases
            tuples[i] = tuple(label_arr[row[row >= 0]])
        converted = converted_path[starts]
        first_time = log.time[ev[starts]]
        lag = np.full(n_paths, NAT, dtype=np.int64)
        lag[converted] = log.time[p.conv_event[ids[starts][converted]]] - first_time[converted]
        frame = pd.DataFrame(
            {
                "path": tuples[np.asarray(inverse).reshape(-1)],
                "converted": converted,
                "lag": lag,
                "count": np.ones(n_paths, dtype=np.int64),
            }
        )
        return frame.groupby(["path", "converted", "lag"], sort=False, as_index=False)[
            "count"
        ].sum()

    def merge(self, a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([a, b], ignore_index=True)

    def finish(self, merged: pd.DataFrame, meta: LogMeta) -> pd.DataFrame:
        grouped = merged.groupby(["path", "converted", "lag"], sort=False, as_index=False)[
            "count"
        ].sum()
        code, uniq = pd.factorize(grouped["path"])
        code = np.asarray(code, dtype=np.int64)
        paths = np.empty(len(uniq), dtype=object)
        for i, path in enumerate(uniq):  # one per distinct path
            paths[i] = path
        n = paths.size
        count = grouped["count"].to_numpy(np.int64)
        lag = grouped["lag"].to_numpy(np.int64)
        is_conv = grouped["converted"].to_numpy(bool)
        conversions = np.bincount(code[is_conv], weights=count[is_conv], minlength=n)
        non_conversions = np.bincount(code[~is_conv], weights=count[~is_conv], minlength=n)
        median = _grouped_median(code[is_conv], lag[is_conv], count[is_conv], n)
        length = np.fromiter((len(p) for p in paths), dtype=np.int64, count=n)
        text = np.array([" > ".join(map(str, p)) for p in paths], dtype=object)
        order = np.lexsort((text, -non_conversions, -conversions)) if n else np.zeros(0, np.int64)
        if self.top is not None:
            order = order[: self.top]
        conv_o, non_o = conversions[order], non_conversions[order]
        result = pd.DataFrame(
            {
                "path": pd.Series(list(paths[order]), dtype=object),
                "conversions": conv_o.astype(np.int64),
                "non_conversions": non_o.astype(np.int64),
                "conversion_rate": conv_o / (conv_o + non_o),
                "median_lag": timedeltas(median[order]),
                "length": length[order],
            }
        )
        # the distributions over all conversions
        by_length = np.bincount(length[code[is_conv]], weights=count[is_conv])
        days = lag[is_conv] // (86_400 * 10**9)
        by_day = pd.Series(count[is_conv], index=days).groupby(level=0).sum()
        result.attrs["length"] = {int(k): int(x) for k, x in enumerate(by_length) if x}
        result.attrs["lag"] = {int(k): int(x) for k, x in by_day.sort_index().items()}
        return result


def _row_codes(matrix: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray]:
    """A code per distinct row of ``matrix`` (values -1 .. base - 2), and each code's first row.

    Column by column, the code of the row so far and the next value are folded
    into one int64 and factorised again, so codes stay below the number of
    rows and never overflow (``numpy.unique(axis=0)`` sorts rows as bytes, far slower).
    """
    code = np.zeros(matrix.shape[0], dtype=np.int64)
    for j in range(matrix.shape[1]):
        code, _ = pd.factorize(code * base + (matrix[:, j] + 1))
        code = np.asarray(code, dtype=np.int64)
    _, firsts = np.unique(code, return_index=True)
    return code, firsts


def _grouped_median(
    group: np.ndarray, values: np.ndarray, counts: np.ndarray, n: int
) -> np.ndarray:
    """Per group, the median of ``values`` repeated ``counts`` times (the mean of the two middle
    values, rounded down, for an even total); :data:`NAT` for an empty group."""
    out = np.full(n, NAT, dtype=np.int64)
    if not group.size:
        return out
    order = np.lexsort((values, group))
    g, v, c = group[order], values[order], counts[order]
    cum = np.cumsum(c)
    total = np.bincount(g, weights=c, minlength=n).astype(np.int64)
    present = np.flatnonzero(total)
    before = np.concatenate([[0], np.cumsum(total)])[:-1]  # groups are contiguous, sorted
    lo = v[np.searchsorted(cum, before[present] + (total[present] - 1) // 2, side="right")]
    hi = v[np.searchsorted(cum, before[present] + total[present] // 2, side="right")]
    out[present] = lo + (hi - lo) // 2
    return out


def _empty_paths() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "path": pd.Series([], dtype=object),
            "converted": np.zeros(0, bool),
            "lag": np.zeros(0, np.int64),
            "count": np.zeros(0, np.int64),
        }
    )


@v.validate_params(
    {
        "conversion": [v.Activities(), None],
        "model": [v.Model(), None],
        "touch": [v.InstanceOf(str)],
        "lookback": [v.Duration(), None],
        "top": [v.Interval(int, 1, None), None],
    }
)
def conversion_paths(
    log: Any,
    *,
    conversion: str | Sequence[Any] | None = None,
    model: JourneyModel | None = None,
    touch: str = "channel",
    lookback: Any = "30D",
    top: int | None = 20,
    segment: Any = None,
) -> pd.DataFrame:
    """The most frequent paths to conversion, with their conversion rate and time lag.

    Parameters
    ----------
    log : JourneyLog (in memory or on Dask)
        The event log.
    conversion : str or sequence, optional
        The conversion activities. Default: ``model.purchase``.
    model : JourneyModel, optional
        Gives the conversion activities when ``conversion`` is not given.
    touch : str, default="channel"
        ``"channel"``, ``"activity"`` or another event column (see
        :func:`attribution`).
    lookback : str or Timedelta or None, default="30D"
        How far before a conversion (or before a non-converting case's last
        event) touches count; None for no limit.
    top : int or None, default=20
        How many paths to return; None for all.
    segment : str or pandas.Series, optional
        One block per group of cases, with a leading ``segment`` column.

    Returns
    -------
    pandas.DataFrame
        One row per distinct path, most conversions first (then most
        non-conversions, then the path's text):

        ``path``
            Tuple of touches, in order (repeats kept).
        ``conversions``
            Conversions whose path is this one.
        ``non_conversions``
            Non-converting paths equal to it.
        ``conversion_rate``
            ``conversions / (conversions + non_conversions)``.
        ``median_lag``
            Median time from the path's first touch to the conversion
            (NaT without conversions).
        ``length``
            Touches on the path.

        ``df.attrs["length"]`` maps each path length to its conversions and
        ``df.attrs["lag"]`` each whole number of days from first touch to
        conversion to its conversions, over all paths (not only the top
        ones): the "path length" and "time lag" distributions.

    Raises
    ------
    ParameterError
        If no conversion activity is given, the touch column is missing, or
        an argument has the wrong type or value.

    See Also
    --------
    attribution : the same paths, credited under several models.
    journeymine.plot_conversion_paths : the top paths and the distributions.

    Notes
    -----
    Paths are defined as in :func:`attribution`; conversions with an empty
    path and empty non-converting paths are left out.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_shop()
    >>> top = jm.conversion_paths(log, model=jm.datasets.shop_model(), top=3)
    >>> top[["conversions", "non_conversions", "conversion_rate", "length"]].round(2)
       conversions  non_conversions  conversion_rate  length
    0           65               39             0.62       7
    1           44               23             0.66       8
    2           42               58             0.42       6
    >>> top["path"][0]
    ('web', 'web', 'web', 'web', 'web', 'web', 'web')
    >>> top.attrs["length"][1]  # conversions after a single touch
    26
    """
    func = "conversion_paths"
    model, conv, lookback_ns = _common(func, model, conversion, touch, lookback)
    kernel: Kernel[Any, pd.DataFrame] = _ConversionPaths(
        conv, model, touch, lookback_ns, None if top is None else int(top)
    )
    if segment is not None:
        kernel = _SegmentTable(kernel, segment)
    return run(kernel, log)

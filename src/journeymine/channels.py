"""Channel switching: which channels each customer uses, how often they switch, ROPO."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine._tables import concat_by_case, names
from journeymine.engine import Kernel, LogMeta, run
from journeymine.errors import ParameterError
from journeymine.model import JourneyModel

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.log import JourneyLog

__all__ = ["channel_switches"]


@v.validate_params(
    {
        "online": [v.Activities(), None],
        "summary": ["boolean"],
        "model": [v.Model(), None],
        "purchase": [v.Activities(), None],
    }
)
def channel_switches(
    log: Any,
    *,
    online: Sequence[Any] | None = None,
    summary: bool = False,
    model: JourneyModel | None = None,
    purchase: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """How customers move between channels: per case, or channel to channel.

    Parameters
    ----------
    log : JourneyLog or LogLike
        An event log built with ``channel=`` (a channel column).
    online : sequence, optional
        The channels that are online (e.g. ``["web", "app", "email"]``). With
        it, each case gets ``ropo`` (research online, purchase offline).
        Needs purchases (``model=`` or ``purchase=``).
    summary : bool, default=False
        Return one row per (from channel, to channel) pair instead of one
        row per case.
    model : JourneyModel, optional
        Gives the purchase activities (``model.purchase``).
    purchase : str or sequence of str, optional
        The purchase activities; replaces the model's list.

    Returns
    -------
    pandas.DataFrame
        By default one row per case, in log order:

        ``case``
            The case id.
        ``channels``
            Tuple of the channels the case used, in order of first use.
        ``n_channels``
            Number of distinct channels (int64).
        ``switches``
            Consecutive event pairs whose channels differ (int64).
        ``first_channel``, ``last_channel``
            Channel of the case's first and last event with a channel.
        ``purchase_channel``
            Only with a model or ``purchase=``: the channel of the case's
            first purchase event (None without a purchase).
        ``ropo``
            Only with ``online=``: the case made a purchase on a channel not
            in ``online`` after an event on an online channel.

        With ``summary=True``, one row per channel pair that occurs as a
        switch, most switches first: ``from_channel``, ``to_channel``,
        ``switches`` (event pairs) and ``cases`` (cases with at least one
        such switch).

    Raises
    ------
    ParameterError
        If the log has no channel column, ``online=`` is given without
        purchases, or an argument has the wrong type.

    Notes
    -----
    Events with a missing channel are skipped: switches are counted between
    consecutive events of a case that have a channel. A case without any
    channel has an empty ``channels`` tuple and None as first and last
    channel.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> df = pd.DataFrame({
    ...     "customer": ["a", "a", "a", "b", "b"],
    ...     "touchpoint": ["ad", "view", "buy", "view", "buy"],
    ...     "ts": ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-01", "2025-01-02"],
    ...     "channel": ["social", "web", "store", "app", "app"],
    ... })
    >>> log = jm.from_pandas(df, case="customer", activity="touchpoint", timestamp="ts",
    ...                      channel="channel")
    >>> per_case = jm.channel_switches(log, purchase="buy", online=["social", "web", "app"])
    >>> per_case[["case", "channels", "switches", "purchase_channel", "ropo"]]
      case              channels  switches purchase_channel   ropo
    0    a  (social, web, store)         2            store   True
    1    b                (app,)         0              app  False
    >>> jm.channel_switches(log, summary=True)
      from_channel to_channel  switches  cases
    0       social        web         1      1
    1          web      store         1      1
    """
    func = "channel_switches"
    buy = v.activity_list(purchase, "purchase", func)
    if buy is None and model is not None:
        buy = model.purchase
    on = v.activity_list(online, "online", func)
    if on is not None and not buy:
        raise ParameterError(
            "channel_switches(online=...) flags purchases made offline after online research, "
            "so it needs the purchase activities: pass model= (with purchase=[...]) or "
            "purchase=['Place order']."
        )
    kernel: Kernel[Any, pd.DataFrame]
    if summary:
        kernel = _SwitchPairs()
    else:
        kernel = _CaseChannels(buy, on)
    return run(kernel, log)


def _need_channel(meta: LogMeta) -> None:
    if meta.channel is None:
        raise ParameterError(
            "channel_switches() needs a channel column, but the log has none. Build the log "
            f"with channel='<column>' (columns: {list(meta.columns)}), e.g. "
            "jm.from_pandas(df, ..., channel='channel')."
        )


def _known_channel_events(log: JourneyLog) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Indices of the events with a channel, their channel codes and the channel labels."""
    assert log.channel is not None
    codes, labels = log.codes(log.channel)
    idx = np.flatnonzero(codes >= 0)
    return idx, codes[idx], labels


def _switch_pairs(log: JourneyLog) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Index]:
    """Case, from and to channel codes of each switch (consecutive differing channels)."""
    idx, ch, labels = _known_channel_events(log)
    case = log.case_codes[idx]
    sw = np.flatnonzero((case[1:] == case[:-1]) & (ch[1:] != ch[:-1]))
    return case[sw + 1], ch[sw], ch[sw + 1], labels


@dataclass(frozen=True)
class _CaseChannels(Kernel[pd.DataFrame, pd.DataFrame]):
    name = "channel_switches"

    purchase: tuple[Any, ...] | None
    online: tuple[Any, ...] | None

    def check(self, meta: LogMeta) -> _CaseChannels:
        _need_channel(meta)
        return self

    def part(self, log: JourneyLog) -> pd.DataFrame:
        n_cases = log.n_cases
        idx, ch, labels = _known_channel_events(log)
        case = log.case_codes[idx]
        # first use of each (case, channel), ordered by case then time of first use
        n_ch = max(len(labels), 1)
        key = case * np.int64(n_ch) + ch
        _, first = np.unique(key, return_index=True)
        first.sort()
        fc, fch = case[first], ch[first]
        n_channels = np.bincount(fc, minlength=n_cases).astype(np.int64)
        rank = np.arange(first.size, dtype=np.int64) - (np.cumsum(n_channels) - n_channels)[fc]
        width = int(n_channels.max()) if n_cases and first.size else 0
        matrix = np.full((n_cases, width), -1, dtype=np.int64)
        matrix[fc, rank] = fch
        # distinct channel sequences are few: build each tuple once
        base = len(labels) + 1
        if width and width * np.log2(base) < 62:  # each row as one int64 (digits = channels)
            code = (matrix + 1) @ (base ** np.arange(width, dtype=np.int64))
            _, first_row, inverse = np.unique(code, return_index=True, return_inverse=True)
            uniq = matrix[first_row]
        else:
            uniq, inverse = np.unique(matrix, axis=0, return_inverse=True)
        label_arr = np.asarray(labels, dtype=object)
        seqs = np.empty(len(uniq), dtype=object)
        seqs[:] = [tuple(label_arr[row[row >= 0]]) for row in uniq]
        channels = seqs[np.asarray(inverse).reshape(-1)] if n_cases else seqs[:0]
        same = case[1:] == case[:-1]
        switches = np.bincount(case[1:][same & (ch[1:] != ch[:-1])], minlength=n_cases).astype(
            np.int64
        )
        first_ev = np.full(n_cases, -1, dtype=np.int64)
        last_ev = np.full(n_cases, -1, dtype=np.int64)
        if idx.size:
            head = np.ones(idx.size, dtype=bool)
            head[1:] = ~same
            tail = np.ones(idx.size, dtype=bool)
            tail[:-1] = ~same
            first_ev[case[head]] = ch[head]
            last_ev[case[tail]] = ch[tail]
        out = pd.DataFrame(
            {
                "case": log.case_labels,
                "channels": channels,
                "n_channels": n_channels,
                "switches": switches,
                "first_channel": pd.Series(names(labels, first_ev), dtype=object),
                "last_channel": pd.Series(names(labels, last_ev), dtype=object),
            }
        )
        if self.purchase is not None:
            buy_known = _mask(log, self.purchase)[idx]
            pch = np.full(n_cases, -1, dtype=np.int64)
            bi = _firsts(case, buy_known)
            pch[case[bi]] = ch[bi]
            out["purchase_channel"] = pd.Series(names(labels, pch), dtype=object)
            if self.online is not None:
                is_on = np.isin(label_arr, np.asarray(self.online, dtype=object))[ch]
                first_on = np.full(n_cases, idx.size, dtype=np.int64)
                oi = _firsts(case, is_on)
                first_on[case[oi]] = oi
                hit = buy_known & ~is_on & (np.arange(idx.size) > first_on[case])
                ropo = np.zeros(n_cases, dtype=bool)
                ropo[case[hit]] = True
                out["ropo"] = ropo
        return out

    def merge(self, a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([a, b], ignore_index=True)

    def finish(self, merged: pd.DataFrame, meta: LogMeta) -> pd.DataFrame:
        return concat_by_case([merged])


def _mask(log: JourneyLog, activities: tuple[Any, ...]) -> np.ndarray:
    """Boolean mask of the events whose activity is listed."""
    wanted = set(activities)
    table = np.array([a in wanted for a in log.activity_labels], dtype=bool)
    return table[log.activity_codes] if table.size else np.zeros(0, dtype=bool)


def _firsts(case: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Index of the first ``mask`` element of each case that has one (``case`` sorted)."""
    sel = np.flatnonzero(mask)
    head = np.ones(sel.size, dtype=bool)
    head[1:] = case[sel][1:] != case[sel][:-1]
    return sel[head]


@dataclass(frozen=True)
class _SwitchPairs(Kernel[pd.DataFrame, pd.DataFrame]):
    name = "channel_switches"

    def check(self, meta: LogMeta) -> _SwitchPairs:
        _need_channel(meta)
        return self

    def part(self, log: JourneyLog) -> pd.DataFrame:
        case, src, dst, labels = _switch_pairs(log)
        n_ch = np.int64(max(len(labels), 1))
        pair = src * n_ch + dst
        all_switches = np.bincount(pair, minlength=int(n_ch * n_ch))
        keys = np.flatnonzero(all_switches)
        switches = all_switches[keys]
        # cases with at least one such switch: distinct (case, pair); cases are sorted,
        # so a pair seen earlier in the same case is found by a stable sort of the pairs
        order = np.argsort(pair, kind="stable")
        key = pair[order]
        new = np.ones(order.size, dtype=bool)
        new[1:] = (key[1:] != key[:-1]) | (case[order][1:] != case[order][:-1])
        cases = np.bincount(key[new], minlength=int(n_ch * n_ch))[keys].astype(np.int64)
        return pd.DataFrame(
            {
                "from_channel": pd.Series(names(labels, keys // n_ch), dtype=object),
                "to_channel": pd.Series(names(labels, keys % n_ch), dtype=object),
                "switches": switches.astype(np.int64),
                "cases": cases,
            }
        )

    def merge(self, a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        both = pd.concat([a, b], ignore_index=True)
        return both.groupby(["from_channel", "to_channel"], sort=False, as_index=False).sum()

    def finish(self, merged: pd.DataFrame, meta: LogMeta) -> pd.DataFrame:
        out = merged.groupby(["from_channel", "to_channel"], sort=False, as_index=False).sum()
        key = pd.DataFrame(
            {
                "s": -out["switches"],
                "f": out["from_channel"].astype(str),
                "t": out["to_channel"].astype(str),
            }
        )
        order = key.sort_values(["s", "f", "t"], kind="stable").index
        out = out.loc[order].reset_index(drop=True)
        out["switches"] = out["switches"].astype(np.int64)
        out["cases"] = out["cases"].astype(np.int64)
        return out

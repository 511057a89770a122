"""Hypothesis strategies for property-testing pipelines built on journeymine.

journeymine's own test suite draws its random logs and models from here, so
the edge cases it survives (ties in time, self-loops, activities a model does
not know, cases of one event, shuffled rows) are the ones your pipeline gets.
Use them with hypothesis's ``@given``::

    from hypothesis import given
    import journeymine as jm
    from journeymine.testing import logs

    @given(logs())
    def test_every_case_is_in_the_case_table(log):
        assert len(jm.case_table(log)) == log.n_cases

hypothesis is an optional dependency (``pip install "journeymine[testing]"``);
this module imports it when a strategy is first built, and raises
:class:`~journeymine.MissingDependencyError` with that hint when it is absent.

=====================================  ==================================================
strategy                               draws
=====================================  ==================================================
:func:`event_frames`                   event tables ``case, activity, timestamp, channel``
:func:`logs`                           :class:`~journeymine.JourneyLog` objects of those
:func:`models`                         small :class:`~journeymine.JourneyModel` objects
:func:`logs_from_model`                logs (or tables) of a model's activities and a few
                                       it does not know
=====================================  ==================================================
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from journeymine.errors import MissingDependencyError

if TYPE_CHECKING:  # pragma: no cover
    from hypothesis.strategies import SearchStrategy

    from journeymine.log import JourneyLog
    from journeymine.model import JourneyModel

__all__ = [
    "ACTIVITY_POOL",
    "CHANNELS",
    "JOURNEY_ACTIVITIES",
    "UNKNOWN_ACTIVITIES",
    "event_frames",
    "logs",
    "logs_from_model",
    "models",
    "spread_duplicates",
]

#: activities of :func:`models` (a model uses a subset)
ACTIVITY_POOL = ("a", "b", "c", "d", "e", "f")
#: activities :func:`logs_from_model` adds that no model of :func:`models` knows
UNKNOWN_ACTIVITIES = ("x", "y")
#: activities of :func:`event_frames`
JOURNEY_ACTIVITIES = ("ad", "view", "cart", "buy", "return")
#: channels of :func:`event_frames`
CHANNELS = ("web", "app", "store")

_HINT = 'journeymine.testing needs hypothesis. Install it with: pip install "journeymine[testing]".'


def _st() -> Any:
    """``hypothesis.strategies``, or MissingDependencyError with the install hint."""
    try:
        from hypothesis import strategies
    except ImportError as exc:
        raise MissingDependencyError(_HINT) from exc
    return strategies


def spread_duplicates(df: pd.DataFrame, case: str, activity: str, timestamp: str) -> pd.DataFrame:
    """Move exact duplicate events (same case, activity and time) apart by whole seconds.

    journeymine warns about exact duplicates (they usually come from loading
    data twice); the k-th copy of an event moves k seconds later, so ties
    between different activities and runs of one activity (self-loops) stay.

    Parameters
    ----------
    df : pandas.DataFrame
        An event table.
    case, activity, timestamp : str
        Its case, activity and timestamp columns.

    Returns
    -------
    pandas.DataFrame
        ``df`` itself when it has no exact duplicates, else a changed copy.

    Examples
    --------
    >>> import pandas as pd
    >>> from journeymine.testing import spread_duplicates
    >>> df = pd.DataFrame({"c": [1, 1], "a": ["x", "x"],
    ...                    "t": pd.to_datetime(["2025-01-01", "2025-01-01"])})
    >>> spread_duplicates(df, "c", "a", "t")["t"].dt.second.tolist()
    [0, 1]
    """
    k = df.groupby([case, activity, timestamp], sort=False).cumcount().to_numpy()
    if not k.any():
        return df
    out = df.copy()
    out[timestamp] = out[timestamp] + pd.to_timedelta(k, unit="s")
    return out


def event_frames(
    *,
    max_cases: int = 8,
    max_events: int = 7,
    activities: Sequence[str] = JOURNEY_ACTIVITIES,
    channels: Sequence[str] = CHANNELS,
) -> SearchStrategy[pd.DataFrame]:
    """Event tables with the columns ``case, activity, timestamp, channel``.

    Few activities, ties in time (hours over a few weeks), exact duplicate
    events now and then, a channel that sometimes changes within a case, and
    the rows shuffled.

    Parameters
    ----------
    max_cases : int, default=8
        At most this many cases (at least one).
    max_events : int, default=7
        At most this many events per case (at least one).
    activities, channels : sequence of str
        The activity and channel values drawn from.

    Returns
    -------
    hypothesis.strategies.SearchStrategy
        Of :class:`pandas.DataFrame`.

    Raises
    ------
    MissingDependencyError
        If hypothesis is not installed.

    Examples
    --------
    >>> from journeymine.testing import event_frames
    >>> df = event_frames(max_cases=3).example()  # doctest: +SKIP
    >>> list(df.columns)  # doctest: +SKIP
    ['case', 'activity', 'timestamp', 'channel']
    """
    st = _st()
    acts, chans = tuple(activities), tuple(channels)

    @st.composite
    def _frames(draw: Any) -> pd.DataFrame:
        n_cases = draw(st.integers(1, max_cases))
        rows: list[tuple[str, str, pd.Timestamp, str]] = []
        for c in range(n_cases):
            size = draw(st.integers(1, max_events))
            day = draw(st.integers(0, 20))
            for _ in range(size):
                rows.append(
                    (
                        f"c{c}",
                        draw(st.sampled_from(acts)),
                        pd.Timestamp("2025-01-01")
                        + pd.Timedelta(days=day)
                        + pd.Timedelta(hours=draw(st.integers(0, 60))),
                        draw(st.sampled_from(chans)),
                    )
                )
        perm = draw(st.permutations(range(len(rows))))
        return pd.DataFrame(
            [rows[i] for i in perm], columns=["case", "activity", "timestamp", "channel"]
        )

    return _frames()


def _to_log(df: pd.DataFrame, **kwargs: Any) -> JourneyLog:
    from journeymine import JourneymineWarning
    from journeymine.log import from_pandas

    df = spread_duplicates(df, "case", "activity", "timestamp")
    with warnings.catch_warnings():  # ties and self-loops are wanted; so is a quiet build
        warnings.simplefilter("ignore", JourneymineWarning)
        return from_pandas(df, case="case", activity="activity", timestamp="timestamp", **kwargs)


def logs(*, max_cases: int = 8, max_events: int = 7) -> SearchStrategy[JourneyLog]:
    """:class:`~journeymine.JourneyLog` objects of :func:`event_frames` (channel column set).

    Exact duplicate events are spread apart by seconds (see
    :func:`spread_duplicates`), so building the log does not warn. Building
    a log is part of drawing one: on a busy machine pass
    ``suppress_health_check=[HealthCheck.too_slow]`` to hypothesis's
    ``settings``.

    Parameters
    ----------
    max_cases, max_events : int
        As in :func:`event_frames`.

    Returns
    -------
    hypothesis.strategies.SearchStrategy
        Of :class:`~journeymine.JourneyLog`.

    Raises
    ------
    MissingDependencyError
        If hypothesis is not installed.

    Examples
    --------
    >>> from hypothesis import HealthCheck, given, settings
    >>> import journeymine as jm
    >>> from journeymine.testing import logs
    >>> @settings(max_examples=5, suppress_health_check=[HealthCheck.too_slow])
    ... @given(logs())
    ... def test_filters_keep_whole_cases(log):
    ...     kept = jm.filter_cases(log, min_events=1)
    ...     assert kept.n_events == log.n_events
    >>> test_filters_keep_whole_cases()
    """
    return event_frames(max_cases=max_cases, max_events=max_events).map(
        lambda df: _to_log(df, channel="channel")
    )


def models(max_stages: int = 5) -> SearchStrategy[JourneyModel]:
    """Small random :class:`~journeymine.JourneyModel` objects: stages ``S0..``, activities
    from ``a..f``.

    Each has a random subset of required stages (maybe none), start stages
    or None, allowed loops among the backward stage pairs, and allowed
    transitions or None.

    Parameters
    ----------
    max_stages : int, default=5
        At most this many stages (at least one).

    Returns
    -------
    hypothesis.strategies.SearchStrategy
        Of :class:`~journeymine.JourneyModel`.

    Raises
    ------
    MissingDependencyError
        If hypothesis is not installed.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from journeymine.testing import models
    >>> @settings(max_examples=5)
    ... @given(models(max_stages=3))
    ... def test_stages(model):
    ...     assert 1 <= len(model.stages) <= 3
    >>> test_stages()
    """
    st = _st()
    from journeymine.model import JourneyModel

    @st.composite
    def _models(draw: Any) -> JourneyModel:
        n = draw(st.integers(1, max_stages))
        stages = [f"S{i}" for i in range(n)]
        acts = draw(
            st.lists(st.sampled_from(ACTIVITY_POOL), unique=True, max_size=len(ACTIVITY_POOL))
        )
        activities = {a: draw(st.sampled_from(stages)) for a in acts}
        required = draw(st.lists(st.sampled_from(stages), unique=True))
        start = draw(st.none() | st.lists(st.sampled_from(stages), unique=True, min_size=1))
        backward = [(stages[i], stages[j]) for i in range(n) for j in range(i)]
        loops = draw(st.lists(st.sampled_from(backward), unique=True)) if backward else []
        transitions = None
        if acts and draw(st.booleans()):
            pairs = [(a, b) for a in acts for b in acts]
            transitions = draw(st.lists(st.sampled_from(pairs), unique=True))
        return JourneyModel(
            stages=stages,  # type: ignore[arg-type]  # the model takes any sequence
            activities=activities,
            required=required,
            start=start,
            loops=loops,  # type: ignore[arg-type]
            transitions=transitions,
        )

    return _models()


def logs_from_model(
    model: JourneyModel, *, max_cases: int = 4, max_events: int = 8, as_frame: bool = False
) -> SearchStrategy[Any]:
    """Small logs for ``model``: its activities and a few it does not know (``x``, ``y``).

    Timestamps are whole minutes with many ties (exact duplicates spread by
    seconds, see :func:`spread_duplicates`), and the rows are shuffled.

    Parameters
    ----------
    model : JourneyModel
        The model whose activities the events use.
    max_cases : int, default=4
        At most this many cases (at least one).
    max_events : int, default=8
        At most this many events per case (at least one).
    as_frame : bool, default=False
        Draw the event tables (columns ``case``, ``activity``,
        ``timestamp``) instead of logs.

    Returns
    -------
    hypothesis.strategies.SearchStrategy
        Of :class:`~journeymine.JourneyLog` (or :class:`pandas.DataFrame`).

    Raises
    ------
    MissingDependencyError
        If hypothesis is not installed.

    Examples
    --------
    >>> from hypothesis import HealthCheck, given, settings
    >>> import journeymine as jm
    >>> from journeymine.testing import logs_from_model
    >>> model = jm.datasets.shop_model()
    >>> @settings(max_examples=5, suppress_health_check=[HealthCheck.too_slow])
    ... @given(logs_from_model(model))
    ... def test_funnel_never_exceeds_the_cases(log):
    ...     assert (jm.funnel(log, model)["reached"] <= log.n_cases).all()
    >>> import warnings
    >>> with warnings.catch_warnings():  # a drawn log may miss the model entirely
    ...     warnings.simplefilter("ignore")
    ...     test_funnel_never_exceeds_the_cases()
    """
    st = _st()
    pool = sorted(model.activities) + list(UNKNOWN_ACTIVITIES)

    @st.composite
    def _frames(draw: Any) -> pd.DataFrame:
        n_cases = draw(st.integers(1, max_cases))
        cases: list[str] = []
        acts: list[str] = []
        minutes: list[int] = []
        for c in range(n_cases):
            size = draw(st.integers(1, max_events))
            cases += [f"c{c}"] * size
            acts += draw(st.lists(st.sampled_from(pool), min_size=size, max_size=size))
            minutes += draw(st.lists(st.integers(0, 5), min_size=size, max_size=size))
        perm = draw(st.permutations(range(len(cases))))
        df = pd.DataFrame(
            {
                "case": [cases[i] for i in perm],
                "activity": [acts[i] for i in perm],
                "timestamp": pd.Timestamp("2025-01-01")
                + pd.to_timedelta([minutes[i] for i in perm], unit="min"),
            }
        )
        return spread_duplicates(df, "case", "activity", "timestamp")

    frames = _frames()
    return frames if as_frame else frames.map(_to_log)

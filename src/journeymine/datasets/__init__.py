"""Demo data: an omnichannel shop's customer journeys and its designed journey, and a real log.

The event log (:func:`load_shop`) has one row per touchpoint of 6,000
customers; the designed journey (:func:`shop_model`) says which stage each
touchpoint belongs to, which stages are required and which moves back are
allowed. The log follows the design mostly and deviates from it on purpose,
so every analysis of journeymine has something to find.

:func:`load_sepsis` is real, recorded data: 300 patients' journeys through a
Dutch hospital, cut from the public Sepsis Cases log (CC BY 4.0).
"""

from __future__ import annotations

import warnings
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import pandas as pd
import yaml

from journeymine import _validation as v
from journeymine._quality import DUPLICATES_WARNING as _DUPLICATES_WARNING
from journeymine.errors import JourneymineWarning

if TYPE_CHECKING:
    from journeymine.log import JourneyLog
    from journeymine.model import JourneyModel

__all__ = ["load_sepsis", "load_shop", "shop_model", "shop_model_dict", "shop_model_path"]

_LOG_FILE = "shop.csv.gz"
_SEPSIS_FILE = "sepsis_sample.csv.gz"
_MODEL_FILE = "shop_model.yaml"


@overload
def load_shop(*, as_frame: Literal[False] = ...) -> JourneyLog: ...
@overload
def load_shop(*, as_frame: Literal[True]) -> pd.DataFrame: ...
@overload
def load_shop(*, as_frame: bool) -> JourneyLog | pd.DataFrame: ...
@v.validate_params({"as_frame": ["boolean"]})
def load_shop(*, as_frame: bool = False) -> JourneyLog | pd.DataFrame:
    """Load the demo event log of an omnichannel shop.

    6,000 customers of a retailer that sells online (web, app, marketplace)
    and in physical stores, with every touchpoint tracked from 2025-01-01 to
    2025-12-31: about 44,000 events, sorted by customer, then time.

    Parameters
    ----------
    as_frame : bool, default=False
        Return the raw table as a :class:`pandas.DataFrame` instead of a
        :class:`~journeymine.JourneyLog`.

    Returns
    -------
    JourneyLog or pandas.DataFrame
        By default a log with ``customer_id`` as case, ``touchpoint`` as
        activity, and the ``stage`` and ``channel`` columns attached. With
        ``as_frame=True``, the five columns as text, exactly as stored:

        ``customer_id``
            ``"C00001"`` to ``"C06000"``.
        ``touchpoint``
            One of 23 touchpoints, e.g. ``"View product"``, ``"Place order"``.
        ``timestamp``
            ISO 8601 in UTC, to the second, e.g. ``"2025-03-26T22:05:46Z"``;
            parse it with :func:`pandas.to_datetime`.
        ``channel``
            ``web``, ``app``, ``marketplace``, ``store``, ``email``,
            ``social`` or ``call_center``.
        ``stage``
            The stage the tracking team tagged the touchpoint with: one of
            Awareness, Consideration, Decision, Purchase, Retention, Advocacy.

    Raises
    ------
    ParameterError
        If ``as_frame`` is not a bool.

    See Also
    --------
    shop_model : The designed journey these customers were meant to follow.

    Notes
    -----
    The data is synthetic, drawn by ``scripts/make_shop_data.py`` (seeded, so
    reproducible byte for byte). It is built to show, against
    :func:`shop_model`:

    - a funnel in which about a third of the customers drop out at each of
      the first three stages, and about 28 % buy;
    - direct buyers who go from Awareness straight to Decision (a skipped
      stage) and walk-ins who start in Consideration (a wrong start);
    - second thoughts from Decision back to Consideration (an allowed loop),
      and customers who keep browsing right after paying (a stage
      regression: Purchase back to Consideration is not allowed);
    - returns and refunds after about 10 % of the purchasing customers'
      orders, a few returns before any purchase (gift returns), and repeat
      purchases weeks apart by about a quarter of the buyers;
    - runs of ``View product`` (self-loops), products viewed again after
      reading reviews (rework), support contacts, newsletters, reviews;
    - two touchpoints the design does not know (``Chatbot session`` and
      ``Price drop alert``), and a few events of one customer logged in the
      same second (an order and its payment), among them 40 double-clicked
      ``Add to cart`` events: exact duplicates, kept on purpose (they show as
      self-loops; ``jm.filter_events(log, dedupe=True)`` drops them), so
      this loader does not warn about them as :func:`~journeymine.from_pandas`
      would.

    Examples
    --------
    >>> from journeymine.datasets import load_shop
    >>> df = load_shop(as_frame=True)
    >>> list(df.columns)
    ['customer_id', 'touchpoint', 'timestamp', 'channel', 'stage']
    >>> df["customer_id"].nunique()
    6000
    >>> df.iloc[0].tolist()
    ['C00001', 'See social ad', '2025-01-14T16:01:38Z', 'social', 'Awareness']

    As a :class:`~journeymine.JourneyLog`:

    >>> log = load_shop()
    >>> log.n_cases
    6000
    >>> log.n_events == len(df)
    True
    """
    df = _read_table(_LOG_FILE, as_frame, "load_shop")
    if as_frame:
        return df
    from journeymine.log import from_pandas

    with warnings.catch_warnings():
        # the double-clicked "Add to cart" events are part of the demo (self-loops)
        warnings.filterwarnings("ignore", _DUPLICATES_WARNING, JourneymineWarning)
        return from_pandas(
            df,
            case="customer_id",
            activity="touchpoint",
            timestamp="timestamp",
            stage="stage",
            channel="channel",
        )


@overload
def load_sepsis(*, as_frame: Literal[False] = ...) -> JourneyLog: ...
@overload
def load_sepsis(*, as_frame: Literal[True]) -> pd.DataFrame: ...
@overload
def load_sepsis(*, as_frame: bool) -> JourneyLog | pd.DataFrame: ...
@v.validate_params({"as_frame": ["boolean"]})
def load_sepsis(*, as_frame: bool = False) -> JourneyLog | pd.DataFrame:
    """Load a small real event log: 300 sepsis patients' journeys through a hospital.

    Real, recorded data, so the gallery and the docs work on it anywhere: the
    first 300 patients (4,178 events, 16 activities, from October 2014) of
    the public Sepsis Cases log of a Dutch hospital's ERP system. Each case
    is a patient, from registration at the emergency room through triage,
    lab tests (``Leucocytes``, ``CRP``, ``LacticAcid``), antibiotics and
    admission to a ward or intensive care, to release and, for some, a
    return to the emergency room. Many events of a patient share a
    timestamp (lab results entered at once): they keep their file order,
    as pm4py does.

    Columns: ``patient`` (the case id, anonymised letters), ``activity``,
    ``timestamp`` (UTC), ``department`` (the anonymised ``org:group``) and
    ``age`` (in five-year steps, on the patient's first event only).

    Parameters
    ----------
    as_frame : bool, default=False
        Return the raw table (as text, the way it is stored) instead of a
        :class:`~journeymine.JourneyLog`.

    Returns
    -------
    JourneyLog or pandas.DataFrame

    See Also
    --------
    load_shop : Synthetic customer journeys with a designed journey to check.

    Notes
    -----
    Source: F. Mannhardt, *Sepsis Cases - Event Log*, Eindhoven University of
    Technology, 4TU.ResearchData, 2016,
    https://doi.org/10.4121/uuid:915d2bfb-7e84-49ad-a286-dc35f063a460,
    licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/).
    Changes: only the first 300 cases, five of the columns, renamed; built
    by ``scripts/make_sepsis_sample.py``. The whole log and other real logs
    are read from ``../shared/data/`` by the agreement tests (see README).

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_sepsis()
    >>> log.n_cases, log.n_events, len(log.activities)
    (300, 4178, 16)
    >>> jm.variants(log).iloc[0]["variant"][:3]
    ('ER Registration', 'ER Triage', 'ER Sepsis Triage')
    """
    df = _read_table(_SEPSIS_FILE, as_frame, "load_sepsis")
    if as_frame:
        return df
    from journeymine.log import from_pandas

    df["age"] = pd.to_numeric(df["age"], errors="coerce").astype("Int64")
    df["department"] = df["department"].replace("", None)
    return from_pandas(df, case="patient", activity="activity", timestamp="timestamp")


def _read_table(name: str, as_frame: Any, func: str) -> pd.DataFrame:
    """A bundled gzip CSV as text (no value turned into NaN), after checking ``as_frame``."""
    with files(__name__).joinpath(name).open("rb") as f:
        return pd.read_csv(f, compression="gzip", dtype=str, keep_default_na=False)


def shop_model_path() -> Path:
    """Path of the YAML file with the shop's designed journey.

    Returns
    -------
    pathlib.Path
        ``shop_model.yaml`` inside the installed package.

    See Also
    --------
    shop_model, shop_model_dict

    Examples
    --------
    >>> from journeymine.datasets import shop_model_path
    >>> path = shop_model_path()
    >>> path.name
    'shop_model.yaml'
    >>> path.is_file()
    True
    """
    return Path(str(files(__name__).joinpath(_MODEL_FILE)))


def shop_model_dict() -> dict[str, Any]:
    """The shop's designed journey as a plain dict, as written in its YAML file.

    Returns
    -------
    dict
        The keys ``name``, ``stages``, ``activities`` (touchpoint to stage),
        ``required``, ``start``, ``loops`` (allowed ``[from, to]`` moves
        back), ``purchase``, ``returns`` and ``transitions`` (None: any
        touchpoint may follow any other). A new dict on each call.

    See Also
    --------
    shop_model : The same, as a :class:`~journeymine.JourneyModel`.

    Examples
    --------
    >>> from journeymine.datasets import shop_model_dict
    >>> design = shop_model_dict()
    >>> design["stages"]
    ['Awareness', 'Consideration', 'Decision', 'Purchase', 'Retention', 'Advocacy']
    >>> design["activities"]["Add to cart"]
    'Decision'
    >>> ["Purchase", "Consideration"] in design["loops"]
    False
    """
    with files(__name__).joinpath(_MODEL_FILE).open("r", encoding="utf-8") as f:
        data: dict[str, Any] = yaml.safe_load(f)
    return data


def shop_model() -> JourneyModel:
    """The shop's designed ("to-be") journey, to check :func:`load_shop` against.

    Six stages (Awareness, Consideration, Decision, Purchase, Retention,
    Advocacy), 21 touchpoints, the first four stages required, journeys
    meant to start in Awareness, and eight allowed moves back: from Decision
    to Consideration, and from Retention or Advocacy to any of Consideration,
    Decision and Purchase (a repeat purchase) or, from Advocacy, to Retention.

    Returns
    -------
    JourneyModel
        The designed journey, built from :func:`shop_model_path` with
        ``JourneyModel.from_dict``.

    See Also
    --------
    shop_model_dict, shop_model_path, load_shop

    Examples
    --------
    >>> from journeymine.datasets import shop_model
    >>> model = shop_model()
    >>> model.required
    ('Awareness', 'Consideration', 'Decision', 'Purchase')
    >>> model.stage_of("Return item")
    'Retention'
    >>> model.stage_of("Chatbot session") is None
    True
    """
    from journeymine.model import JourneyModel

    return JourneyModel.from_dict(shop_model_dict())

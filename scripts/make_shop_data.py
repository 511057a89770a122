"""Generate the demo event log ``journeymine/datasets/shop.csv.gz``.

The log is a synthetic but realistic export of an omnichannel retailer's
customer touchpoints over 2025: 6,000 customers, one row per touchpoint, with
the columns ``customer_id, touchpoint, timestamp, channel, stage``. Rows are
sorted by customer, then time (ties keep the order in which they happened).

The journeys follow the designed journey in ``shop_model.yaml`` most of the
time and deviate from it on purpose, so that every analysis of journeymine has
something to find:

* a funnel: about a third of the customers drop out at each early stage;
* direct buyers who go from Awareness straight to Decision (a skipped,
  required Consideration stage) and walk-ins whose first touchpoint is in
  Consideration (a wrong start);
* second thoughts from Decision back to Consideration (an allowed loop) and,
  right after paying, back to Consideration (a stage regression);
* returns and refunds after a purchase, a few returns before any purchase
  (gift returns: a data-quality oddity), repeat purchases weeks apart,
  support contacts, newsletters, loyalty sign-ups, reviews and referrals;
* runs of "View product" (self-loops) and products viewed again after
  reading reviews or comparing (rework);
* touchpoints the designed journey does not know ("Chatbot session",
  "Price drop alert");
* events of one customer with identical timestamps (an order and its
  payment logged in the same second, a double-clicked "Add to cart");
* realistic times: minutes within a session, days between stages, weeks
  between purchases, shops closed on Sundays, quiet nights, Black Friday.

The output is deterministic: running the script again rewrites the file byte
for byte (numpy ``default_rng(20261123)``, gzip with ``mtime=0``).

Usage::

    python scripts/make_shop_data.py [--out PATH] [--customers N]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import time
from collections import Counter
from pathlib import Path

import numpy as np
import yaml

SEED = 20261123
N_CUSTOMERS = 6000

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "src" / "journeymine" / "datasets"
DEFAULT_OUT = DATASETS / "shop.csv.gz"
MODEL = DATASETS / "shop_model.yaml"

COLUMNS = ["customer_id", "touchpoint", "timestamp", "channel", "stage"]

DAY = 86_400
YEAR_START = 1_735_689_600  # 2025-01-01T00:00:00Z
YEAR_END = 1_767_225_600  # 2026-01-01T00:00:00Z, the export's cut-off

# Touchpoints the tracking team logs but the designed journey does not know,
# with the stage the tracking team tagged them with.
UNKNOWN_STAGES = {"Chatbot session": "Consideration", "Price drop alert": "Consideration"}


def _utc_weights(local: str) -> np.ndarray:
    """Hour-of-day weights given in local time (UTC+1) as UTC probabilities."""
    w = np.roll(np.array(local.split(), dtype=float), -1)
    return w / w.sum()


# Activity by hour of day, local time 00..23.
HOURS = {
    "online": _utc_weights(
        "2 1 .5 .3 .3 .5 1 2 3 4 4.5 5 5.5 5.5 4.5 4.5 4.5 5 5.5 6 6.5 6.5 5 3.5"
    ),
    "email": _utc_weights("1 .5 .3 .2 .2 .5 2 5 6 5 4 3.5 3.5 4 3.5 3 3 3.5 4 4.5 5 4.5 3 2"),
    "store": _utc_weights("0 0 0 0 0 0 0 0 0 0 3 4 5 5 4 3 3 4 6 7 6 3 0 0"),
    "call": _utc_weights("0 0 0 0 0 0 0 0 0 5 6 6 5 4 3 4 5 5 4 3 2 0 0 0"),
}
KIND_OF_CHANNEL = {
    "web": "online",
    "app": "online",
    "marketplace": "online",
    "social": "online",
    "email": "email",
    "store": "store",
    "call_center": "call",
}


def _start_day_weights() -> np.ndarray:
    """Weights of the 365 days of 2025 for a customer's first touchpoint."""
    w = np.ones(365)
    w[1:31] = 1.3  # January sales
    w[181:212] = 1.2  # summer sales (July)
    w[212:243] = 0.8  # August: holidays
    w[323:335] = 2.2  # Black Friday week to Cyber Monday (Nov 20 - Dec 1)
    w[335:355] = 1.5  # Christmas shopping
    w[355:] = 0.4  # Christmas and New Year's Eve
    return w / w.sum()


class Journey:
    """One customer's touchpoints, generated forward in time.

    Parameters
    ----------
    rng : numpy.random.Generator
        The one random stream of the whole data set.
    start : int
        Midnight (UTC) of the day of the first touchpoint, in seconds since
        the epoch.
    """

    def __init__(self, rng: np.random.Generator, start: int) -> None:
        self.rng = rng
        self.t = start
        self.events: list[tuple[int, str, str]] = []
        r = rng.random()
        # Preferred device for digital sessions, and whether the customer
        # likes to shop in a physical store.
        self.device = "web" if r < 0.5 else "app" if r < 0.88 else "marketplace"
        self.store_shopper = bool(rng.random() < 0.15)
        self.loyal = False
        self.subscribed = False
        self.orders = 0

    # -- time -------------------------------------------------------------

    def step(self) -> None:
        """Advance by the time between two clicks of one session."""
        self.t += 3 + int(self.rng.lognormal(np.log(70), 0.8))

    def session(self, days: float, channel: str) -> None:
        """Jump to a new session about ``days`` later, at a plausible hour."""
        rng = self.rng
        kind = KIND_OF_CHANNEL[channel]
        day = (self.t + int(days * DAY)) // DAY
        clock = int(rng.choice(24, p=HOURS[kind])) * 3600 + int(rng.integers(3600))
        new = day * DAY + clock
        while new <= self.t + 600 or (kind == "store" and (new // DAY + 3) % 7 == 6):
            new += DAY  # too soon, or a Sunday: the shops are closed
        self.t = new

    def later(self, mean_days: float, channel: str, minimum: float = 0.0) -> None:
        """A new session after an exponentially distributed number of days."""
        self.session(minimum + self.rng.exponential(mean_days), channel)

    # -- events -----------------------------------------------------------

    def emit(self, touchpoint: str, channel: str) -> None:
        self.events.append((self.t, touchpoint, channel))

    def click(self, touchpoint: str, channel: str) -> None:
        """Emit a touchpoint a little after the previous one."""
        self.step()
        self.emit(touchpoint, channel)

    def pick(self, options: dict[str, float]) -> str:
        keys = list(options)
        p = np.asarray(list(options.values()), dtype=float)
        return keys[int(self.rng.choice(len(keys), p=p / p.sum()))]

    def shop_channel(self) -> str:
        """Channel of a shopping session (browsing, cart, order)."""
        r = self.rng.random()
        if self.store_shopper and r < 0.6:
            return "store"
        if r > 0.85 and self.device != "marketplace":
            return "app" if self.device == "web" else "web"  # the other device
        return self.device

    # -- stages -----------------------------------------------------------

    def awareness(self) -> None:
        n = min(int(self.rng.geometric(0.65)), 4)
        for i in range(n):
            touchpoint = self.pick(
                {"See social ad": 0.45, "Search engine visit": 0.35, "Read blog post": 0.20}
            )
            if touchpoint == "See social ad":
                channel = "social"
            elif touchpoint == "Read blog post":
                channel = self.pick({"web": 0.8, "email": 0.2})
            else:
                channel = "web"
            if i:
                self.later(2.0, channel)
            else:
                self.session(0.0, channel)
            self.emit(touchpoint, channel)

    def consideration(self, *, first: bool) -> str:
        """One to three browsing sessions; returns the last session's channel."""
        rng = self.rng
        n = 1 + int(rng.random() < 0.25) + int(rng.random() < 0.06)
        channel = self.device
        for s in range(n):
            channel = self.shop_channel()
            same_session = (
                s == 0
                and first
                and self.events
                and self.events[-1][1] == "Search engine visit"
                and channel == "web"
            )
            if same_session:
                self.step()  # clicked through from the search results
            elif self.events:
                self.later(2.5 if s == 0 else 1.5, channel)
            else:
                self.session(0.0, channel)  # a walk-in: the journey starts here
            if rng.random() < (0.7 if s == 0 else 0.35):
                self.emit("Browse catalogue", channel)
                self.step()
            self.emit("View product", channel)
            for _ in range(int(rng.geometric(0.66)) - 1):  # a run of product views
                self.click("View product", channel)
            if channel in ("web", "app") and rng.random() < 0.025:
                self.click("Chatbot session", channel)
            if rng.random() < 0.3:
                self.click("Compare products", channel)
                if rng.random() < 0.5:
                    self.click("View product", channel)  # rework
            if rng.random() < 0.4:
                self.click("Read reviews", channel)
                if rng.random() < 0.45:
                    self.click("View product", channel)  # rework
        return channel

    def decision(self, channel: str, *, new_session: bool, drop: float) -> str | None:
        """Cart and checkout; returns the order channel, or None on drop-out."""
        rng = self.rng
        if rng.random() < 0.015:
            self.later(1.0, "app")
            self.emit("Price drop alert", self.pick({"app": 0.7, "email": 0.3}))
            new_session = True
        if new_session:
            channel = self.shop_channel()
            self.later(1.5, channel)
            self.emit("Add to cart", channel)
        else:
            self.click("Add to cart", channel)
        if rng.random() < 0.01:
            self.emit("Add to cart", channel)  # double click, same second
        if rng.random() < 0.15:
            self.click("Add to cart", channel)
        if channel != "marketplace" and rng.random() < 0.25:
            self.click("Apply coupon", channel)
        if rng.random() < 0.2:  # second thoughts: back to Consideration
            self.click(
                self.pick({"View product": 0.6, "Compare products": 0.25, "Read reviews": 0.15}),
                channel,
            )
            if rng.random() < 0.4:
                self.click("View product", channel)
            self.click("Add to cart", channel)
        if rng.random() < drop:  # abandoned cart
            if rng.random() < 0.35:
                self.click("Start checkout", channel)
            return None
        if rng.random() < 0.12:  # comes back later to finish
            self.later(1.0, channel)
        if channel != "store" or rng.random() < 0.3:
            self.click("Start checkout", channel)
        return channel

    def purchase(self, channel: str) -> None:
        rng = self.rng
        self.click("Place order", channel)
        if rng.random() < 0.06:
            self.emit("Pay", channel)  # logged in the same second
        else:
            self.t += 10 + int(rng.integers(170))
            self.emit("Pay", channel)
        self.orders += 1
        if channel != "store" and rng.random() < 0.06:
            # Keeps browsing right after paying: a stage regression.
            for _ in range(1 + int(rng.random() < 0.4)):
                self.click("View product", channel)

    def after_purchase(self, channel: str, *, last: bool) -> None:
        """Delivery, support, returns, loyalty and advocacy of one order."""
        rng = self.rng
        got_item = True
        if channel == "store":
            if not self.loyal and rng.random() < 0.35:
                self.click("Join loyalty program", "store")  # at the till
                self.loyal = self.subscribed = True
        else:
            if rng.random() < 0.06:  # "where is my order?"
                self.later(1.0, "call_center", minimum=0.5)
                self.emit(
                    "Contact support",
                    self.pick({"call_center": 0.6, "email": 0.25, "social": 0.15}),
                )
            if rng.random() < 0.97:
                pickup = "store" if rng.random() < 0.2 else channel
                self.later(1.5, pickup, minimum=1.0)
                self.emit("Receive delivery", pickup)
            else:
                got_item = False  # lost parcel
                self.later(2.0, "call_center", minimum=4.0)
                self.emit("Contact support", "call_center")
                if rng.random() < 0.4:
                    self.click("Contact support", "call_center")  # called back
        if got_item and rng.random() < 0.07:
            self.later(4.0, "call_center", minimum=0.2)
            self.emit(
                "Contact support",
                self.pick({"call_center": 0.55, "email": 0.25, "web": 0.1, "social": 0.1}),
            )
        if got_item and rng.random() < 0.095:
            where = "store" if channel == "store" or rng.random() < 0.4 else channel
            self.later(6.0, where, minimum=1.0)
            self.emit("Return item", where)
            if rng.random() < 0.92:
                if where == "store":
                    self.click("Refund issued", "store")
                else:
                    self.later(3.0, "email", minimum=2.0)
                    self.emit("Refund issued", "email")
            if rng.random() < 0.2:
                self.later(2.0, "call_center")
                self.emit("Contact support", "call_center")
        if not self.loyal and rng.random() < (0.12 if last else 0.3):
            self.later(5.0, "app")
            self.emit("Join loyalty program", self.pick({"app": 0.6, "web": 0.4}))
            self.loyal = self.subscribed = True
        if got_item and rng.random() < 0.16:
            review = "web" if channel == "store" else channel
            self.later(6.0, review, minimum=2.0)
            self.emit("Write review", review)
        if rng.random() < (0.1 if self.loyal else 0.03):
            self.later(10.0, "app")
            self.emit("Refer a friend", self.pick({"app": 0.65, "web": 0.35}))
        if got_item and rng.random() < 0.05:
            self.later(3.0, "social")
            self.emit("Share on social", "social")

    def newsletters(self, days: float) -> None:
        """Newsletter opens of a subscriber over the next ``days`` days."""
        until = self.t + int(days * DAY)
        while self.subscribed:
            self.later(25.0, "email", minimum=3.0)
            if self.t >= until:
                break
            self.emit("Open newsletter", "email")
        self.t = max(self.t, until)


def simulate(rng: np.random.Generator, start: int) -> list[tuple[int, str, str]]:
    """Draw the touchpoints of one customer whose journey starts on day ``start``."""
    j = Journey(rng, start)
    direct_start = rng.random() < 0.03  # walks in, no marketing touchpoint
    if not direct_start:
        j.awareness()
        if rng.random() < 0.006:  # returns a gift bought elsewhere
            j.later(3.0, "store")
            j.emit("Return item", "store")
        if rng.random() < 0.35:
            return j.events
    if not direct_start and rng.random() < 0.12:  # direct buyer
        channel = j.shop_channel()
        order_channel = j.decision(channel, new_session=True, drop=0.3)
    else:
        channel = j.consideration(first=True)
        if rng.random() < 0.4:
            return j.events
        order_channel = j.decision(channel, new_session=rng.random() < 0.5, drop=0.35)
    if order_channel is None:
        return j.events

    r = rng.random()
    orders = 1 if r < 0.64 else 2 if r < 0.82 else 3 if r < 0.93 else 4
    j.subscribed = rng.random() < 0.45
    for k in range(orders):
        if k:
            # Back for another purchase, weeks later.
            j.newsletters(10.0 + rng.exponential(28.0))
            way = j.pick({"consider": 0.5, "cart": 0.35, "reorder": 0.15})
            if way == "consider":
                channel = j.consideration(first=False)
                order_channel = j.decision(channel, new_session=rng.random() < 0.3, drop=0.15)
            elif way == "cart":
                order_channel = j.decision(j.device, new_session=True, drop=0.15)
            else:
                order_channel = j.shop_channel()
                j.later(2.0, order_channel)
                j.step()
            if order_channel is None:
                break
        j.purchase(order_channel)
        j.after_purchase(order_channel, last=k == orders - 1)
    j.newsletters(90.0)
    return j.events


def generate(n_customers: int = N_CUSTOMERS, seed: int = SEED) -> list[list[str]]:
    """Return the rows of the log, sorted by customer, then time."""
    with MODEL.open(encoding="utf-8") as f:
        stage_of = dict(yaml.safe_load(f)["activities"]) | UNKNOWN_STAGES
    rng = np.random.default_rng(seed)
    days = rng.choice(365, size=n_customers, p=_start_day_weights())
    rows: list[list[str]] = []
    for i, day in enumerate(days, start=1):
        events = simulate(rng, YEAR_START + int(day) * DAY)
        events.sort(key=lambda e: e[0])  # stable: ties keep their order
        customer = f"C{i:05d}"
        for t, touchpoint, channel in events:
            if t >= YEAR_END:
                break  # after the export's cut-off
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
            rows.append([customer, touchpoint, stamp, channel, stage_of[touchpoint]])
    return rows


def write(rows: list[list[str]], out: Path) -> int:
    """Write the rows as a reproducible gzip-compressed CSV; return its size."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    data = gzip.compress(buffer.getvalue().encode("utf-8"), compresslevel=9, mtime=0)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return len(data)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output file (.csv.gz)")
    parser.add_argument("--customers", type=int, default=N_CUSTOMERS, help="number of customers")
    parser.add_argument("--quiet", action="store_true", help="print nothing")
    args = parser.parse_args(argv)
    rows = generate(args.customers)
    size = write(rows, args.out)
    if not args.quiet:
        touchpoints = Counter(row[1] for row in rows)
        customers = len({row[0] for row in rows})
        print(
            f"wrote {args.out}: {len(rows):,} events, {customers:,} customers, "
            f"{len(touchpoints)} touchpoints, {size / 1024:.0f} KiB"
        )


if __name__ == "__main__":
    main()

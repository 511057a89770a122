"""Ready-made customer journey stage lists (frameworks practitioners use).

Each template is a tuple of stage names in journey order. Use one with
:meth:`journeymine.JourneyModel.from_template`, or look it up by name with
:func:`template`.

Examples
--------
>>> from journeymine import stages
>>> stages.CLASSIC
('Awareness', 'Consideration', 'Decision', 'Purchase', 'Retention', 'Advocacy')
>>> stages.template("lifecycle")
('Acquisition', 'Onboarding', 'Engagement', 'Retention')
"""

from __future__ import annotations

from types import MappingProxyType

from journeymine.errors import ParameterError

__all__ = [
    "BUYING_CYCLE",
    "CLASSIC",
    "LIFECYCLE",
    "TEMPLATES",
    "THREE_PHASE",
    "THREE_PHASE_GROUPS",
    "template",
]

#: The classic six stages, from first contact to loyalty.
CLASSIC: tuple[str, ...] = (
    "Awareness",
    "Consideration",
    "Decision",
    "Purchase",
    "Retention",
    "Advocacy",
)

#: The five-phase buying cycle.
BUYING_CYCLE: tuple[str, ...] = (
    "Discovery",
    "Evaluation",
    "Purchase",
    "Post-sale service",
    "Loyalty",
)

#: The CRM customer lifecycle.
LIFECYCLE: tuple[str, ...] = ("Acquisition", "Onboarding", "Engagement", "Retention")

#: Three broad phases around the purchase.
THREE_PHASE: tuple[str, ...] = ("Before the purchase", "Purchase", "After the purchase")

#: The finer stages each of the three phases groups: every stage of
#: :data:`CLASSIC` (Decision comes before the purchase), plus "Service", the
#: assistance stage that the six-stage variant of the framework puts in the
#: purchase phase.
THREE_PHASE_GROUPS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "Before the purchase": ("Awareness", "Consideration", "Decision"),
        "Purchase": ("Purchase", "Service"),
        "After the purchase": ("Retention", "Advocacy"),
    }
)

#: Every template by its name, as accepted by :func:`template`.
TEMPLATES: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "classic": CLASSIC,
        "buying_cycle": BUYING_CYCLE,
        "lifecycle": LIFECYCLE,
        "three_phase": THREE_PHASE,
    }
)


def template(name: str) -> tuple[str, ...]:
    """The stage names of a ready-made journey framework, in order.

    Parameters
    ----------
    name : {"classic", "buying_cycle", "lifecycle", "three_phase"}
        The template's name. Case, spaces and hyphens are forgiven
        (``"Buying cycle"`` is ``"buying_cycle"``).

    Returns
    -------
    tuple of str
        The stages, in journey order.

    Raises
    ------
    ParameterError
        If ``name`` is not a template name.

    See Also
    --------
    journeymine.JourneyModel.from_template : a model built on a template.

    Examples
    --------
    >>> from journeymine.stages import template
    >>> template("three_phase")
    ('Before the purchase', 'Purchase', 'After the purchase')
    >>> template("Buying cycle")[-1]
    'Loyalty'
    """
    key = (
        name.strip().lower().replace(" ", "_").replace("-", "_") if isinstance(name, str) else None
    )
    if key not in TEMPLATES:
        raise ParameterError(
            f"The 'name' parameter of template() must be one of "
            f"{', '.join(repr(k) for k in TEMPLATES)}. Got {name!r} instead."
        )
    return TEMPLATES[key]

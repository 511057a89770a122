"""Declared parameter checks: every declared constraint refuses a bad value, naming the parameter.

Public functions declare their constraints once (``_validation.validate_params``,
scikit-learn's model); the messages are generated. This test walks
``journeymine.__all__`` and, for every declared parameter, feeds a value that
none of its constraints takes.
"""

from __future__ import annotations

import builtins
import inspect
import pathlib
import re
import types
import typing
from typing import Any

import numpy as np
import pytest

import journeymine as jm
import journeymine.plot as jmplot
from journeymine import _validation as v


def _public() -> dict[str, Any]:
    """The public functions of ``jm``, ``journeymine.plot`` and ``jm.datasets`` (no classes)."""
    names = {name: getattr(jm, name) for name in jm.__all__}
    names.update({name: getattr(jmplot, name) for name in jmplot.__all__})
    names.update({name: getattr(jm.datasets, name) for name in jm.datasets.__all__})
    return {n: f for n, f in names.items() if inspect.isfunction(inspect.unwrap(f))}


PUBLIC = _public()


def _declared() -> list[tuple[str, str, Any]]:
    out = []
    for name, fn in PUBLIC.items():
        for param, allowed in getattr(fn, "__jm_constraints__", {}).items():
            for c in allowed:
                bad = v._constraint(c).bad_value()
                if not any(v._constraint(a).is_satisfied_by(bad) for a in allowed):
                    out.append((name, param, bad))
    return out


DECLARED = _declared()


def _good(constraint: Any) -> Any:
    """A value ``constraint`` takes (for required arguments beside the one under test)."""
    if isinstance(constraint, v.InstanceOf):
        return {str: "placeholder", pathlib.Path: pathlib.Path("placeholder")}[constraint.cls]
    if isinstance(constraint, v.StrOptions):
        return constraint.options[0]
    if isinstance(constraint, v.Interval):
        return constraint.kind(1 if constraint.left is None else constraint.left + 1)
    if isinstance(constraint, v.Duration):
        return "1D"
    if isinstance(constraint, v.Model):
        return jm.datasets.shop_model()
    if isinstance(constraint, v.Activities):
        return "an activity"
    if constraint == "callable":
        return len
    return True if constraint == "boolean" else None


def test_some_public_functions_declare_their_checks() -> None:
    assert {"paths", "step_matrix", "variants", "representatives", "from_dask"} <= {
        name for name, _, _ in DECLARED
    }


def _id(x: object) -> str:
    """A test id that is the same in every process (no object addresses)."""
    return type(x).__name__ if type(x) is object else str(x)


@pytest.mark.parametrize(("func", "param", "bad"), DECLARED, ids=_id)
def test_a_bad_value_raises_a_parameter_error_naming_the_parameter(
    func: str, param: str, bad: Any
) -> None:
    fn = PUBLIC[func]
    sig = inspect.signature(fn)
    declared = fn.__jm_constraints__
    required = {
        p.name: _good(declared[p.name][0]) if p.name in declared else None
        for p in sig.parameters.values()
        if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }
    # checks run before anything else: placeholders for the other required arguments do
    with pytest.raises(jm.ParameterError, match=rf"The '{param}' parameter of {func}\(\) must be"):
        fn(**{**required, param: bad})


@pytest.mark.parametrize(
    ("constraints", "value", "message"),
    [
        ([v.Interval(int, 1, None)], 0, "must be an int in the range [1, inf). Got 0 instead."),
        (
            [v.Interval(int, 1, None), None],
            True,
            "must be an int in the range [1, inf) or None. Got True instead.",
        ),
        (
            [v.Interval(float, 0, 1, closed="right")],
            0.0,
            "must be a float in the range (0, 1]. Got 0.0 instead.",
        ),
        (
            [v.Interval(float, 0, 1)],
            float("nan"),
            "must be a float in the range [0, 1]. Got nan instead.",
        ),
        (
            [v.StrOptions(("after", "before"))],
            "later",
            "must be a str among {'after', 'before'}. Got 'later' instead.",
        ),
        (["boolean"], 1, "must be True or False. Got 1 instead."),
        (["callable", None], 1, "must be a function or None. Got 1 instead."),
        ([v.Activities()], 1.5, "must be an activity or a list of activities. Got 1.5 instead."),
    ],
)
def test_messages_are_generated_in_scikit_learn_words(
    constraints: list[Any], value: Any, message: str
) -> None:
    with pytest.raises(jm.ParameterError, match=re.escape(f"The 'x' parameter of f() {message}")):
        v.check_params("f", {"x": constraints}, {"x": value})


@pytest.mark.parametrize(
    ("constraint", "good"),
    [
        (v.Interval(int, 1, None), [1, np.int64(7), 10**12]),
        (v.Interval(float, 0, 1), [0, 1, 0.5, np.float32(0.25)]),
        (v.StrOptions(("a", "b")), ["a", "b"]),
        ("boolean", [True, False, np.bool_(True)]),
        ("callable", [len, lambda x: x]),
        (v.Activities(), ["buy", 3, ["a", "b"], ("a",), {"a"}]),
        (v.Model(), [jm.datasets.shop_model()]),
    ],
)
def test_good_values_pass(constraint: Any, good: list[Any]) -> None:
    for value in good:
        v.check_params("f", {"x": [constraint]}, {"x": value})


# -- every simply typed parameter is declared ---------------------------------------------------
class _Unknown(type):
    """Stands for a name only imported for type checkers (``Axes``, ``LogLike``...)."""

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return cls

    def __getitem__(cls, item: Any) -> Any:
        return cls


class _Names(dict):  # type: ignore[type-arg]
    """The names an annotation is read with: the module's, the builtins, else ``_Unknown``."""

    def __init__(self, module: dict[str, Any]) -> None:
        super().__init__()
        self.module = module

    def __missing__(self, key: str) -> Any:
        if key in self.module:
            return self.module[key]
        return getattr(builtins, key, _Unknown("Unknown", (), {}))


def _simple_parameters(fn: Any) -> list[str]:
    """Parameters annotated ``bool``, ``int``, ``float`` or ``Literal[...]`` (alone or in a union)."""
    inner = inspect.unwrap(fn)
    hints = typing.get_type_hints(inner, inner.__globals__, _Names(inner.__globals__))
    out = []
    for param in inspect.signature(inner).parameters:
        hint = hints.get(param)
        union = typing.get_origin(hint) in (typing.Union, types.UnionType)
        kinds = typing.get_args(hint) if union else (hint,)
        if any(k in (bool, int, float) or typing.get_origin(k) is typing.Literal for k in kinds):
            out.append(param)
    return out


#: (function, parameter) pairs that cannot be declared, each with the reason
EXEMPT: dict[tuple[str, str], str] = {
    # private hooks of the readers, never passed by users
    ("from_pandas", "_line_offset"): "private: the CSV reader's line numbers",
    ("from_pandas", "_quality"): "private: the readers switch the data-quality pass",
}


def test_every_simply_typed_parameter_is_declared() -> None:
    missing = [
        f"{name}({param})"
        for name, fn in PUBLIC.items()
        for param in _simple_parameters(fn)
        if param not in getattr(fn, "__jm_constraints__", {}) and (name, param) not in EXEMPT
    ]
    assert not missing, f"declare these with @validate_params: {', '.join(missing)}"


def test_the_annotation_reader_sees_simple_parameters() -> None:
    assert "top" in _simple_parameters(jm.variants)
    assert {"x", "sort", "max_cases"} <= set(_simple_parameters(jmplot.plot_dotted_chart))
    assert "as_frame" in _simple_parameters(jm.datasets.load_shop)


def test_long_values_are_named_by_their_type() -> None:
    frame = np.zeros((50, 50))
    with pytest.raises(jm.ParameterError, match=r"Got a ndarray instead\.$"):
        v.check_params("f", {"x": ["boolean"]}, {"x": frame})


def test_durations() -> None:
    for good in ["30D", "0s", v.pd.Timedelta(hours=1)]:
        v.check_params("f", {"x": [v.Duration()]}, {"x": good})
    for bad in [3, True, "-1D", "soon", None]:
        with pytest.raises(jm.ParameterError, match="must be a non-negative duration"):
            v.check_params("f", {"x": [v.Duration()]}, {"x": bad})
    v.check_params("f", {"x": [v.Duration(positive=True)]}, {"x": "1s"})
    with pytest.raises(jm.ParameterError, match="must be a positive duration"):
        v.check_params("f", {"x": [v.Duration(positive=True)]}, {"x": "0D"})

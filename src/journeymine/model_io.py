"""Reading and writing designed journeys as plain dicts and YAML (safe loading only).

:class:`~journeymine.JourneyModel`'s ``from_dict``, ``to_dict``, ``from_yaml``
and ``to_yaml`` call these functions; the model module keeps the model and
its lookups.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journeymine.errors import ModelError, ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.model import JourneyModel

__all__ = ["MODEL_KEYS", "YAML_MAX_NODES", "model_args", "model_dict", "read_yaml", "write_yaml"]

#: The keys of a model dict / YAML document, in the order :meth:`JourneyModel.to_dict` writes them.
MODEL_KEYS: tuple[str, ...] = (
    "name",
    "stages",
    "activities",
    "required",
    "start",
    "loops",
    "purchase",
    "returns",
    "transitions",
)

#: A YAML model may expand to at most this many nodes (aliases counted each
#: time they are used), so that an "alias bomb" fails fast.
YAML_MAX_NODES = 200_000


def model_args(d: Mapping[str, Any]) -> dict[str, Any]:
    """The :class:`~journeymine.JourneyModel` arguments of a model dict (see ``from_dict``)."""
    if not isinstance(d, Mapping):
        raise ModelError(
            f"A model dict must be a mapping with keys {list(MODEL_KEYS)}; got {type(d).__name__}."
        )
    unknown = [k for k in d if k not in MODEL_KEYS]
    if unknown:
        raise ModelError(
            f"Unknown key{'s' if len(unknown) > 1 else ''} {unknown} in the model. "
            f"Valid keys: {list(MODEL_KEYS)}."
        )
    if d.get("stages") is None:
        raise ModelError(
            "The model has no 'stages': list the stages in order, e.g. "
            "stages: [Awareness, Consideration, Purchase]."
        )
    stages, pairs = _parse_stages(d["stages"])
    acts = d.get("activities")
    if acts is not None:
        if not isinstance(acts, Mapping):
            raise ModelError(
                f"'activities' must map each activity to its stage ({{activity: stage}}); "
                f"got {type(acts).__name__}. To list activities per stage, put them under "
                "'stages' as {name: stage, activities: [...]} items."
            )
        pairs.extend(acts.items())
    transitions: Any = d.get("transitions")
    if isinstance(transitions, Mapping):
        transitions = [(a, b) for a, nexts in transitions.items() for b in _as_list(nexts)]
    return dict(
        stages=tuple(stages),
        activities=unique_mapping(pairs),
        required=d.get("required"),
        start=d.get("start"),
        loops=d.get("loops") or (),
        transitions=transitions,
        purchase=d.get("purchase") or (),
        returns=d.get("returns") or (),
        name=d.get("name"),
    )


def model_dict(model: JourneyModel) -> dict[str, Any]:
    """A model as a plain dict of lists and strings (see ``to_dict``)."""
    return {
        "name": model.name,
        "stages": list(model.stages),
        "activities": dict(model.activities),
        "required": list(model.required or ()),
        "start": None if model.start is None else list(model.start),
        "loops": [list(p) for p in model.loops],
        "purchase": list(model.purchase),
        "returns": list(model.returns),
        "transitions": (
            None
            if model.transitions is None
            else [list(p) for p in sorted(model.transitions, key=sort_key)]
        ),
    }


def read_yaml(source: str | Path | Any) -> tuple[Mapping[str, Any], str | None]:
    """The model dict in a YAML file, file object or text, and the file name if any."""
    text, where = _read_source(source)
    data = _safe_load(text, where)
    if data is None:
        raise ModelError(f"The YAML model{_in(where)} is empty. It needs at least 'stages'.")
    if not isinstance(data, Mapping):
        hint = (
            f" If {text.strip()!r} is a file name, the file does not exist."
            if isinstance(data, str)
            else ""
        )
        raise ModelError(
            f"The YAML model{_in(where)} must be a mapping with keys {list(MODEL_KEYS)}; "
            f"got a {type(data).__name__}.{hint}"
        )
    return data, where


def write_yaml(model: JourneyModel, path: str | Path | None = None) -> str | None:
    """The model as YAML text, or written to ``path`` (see ``to_yaml``)."""
    import yaml

    data = model_dict(model)
    for key in ("loops", "transitions"):
        if data[key] is not None:
            data[key] = [_FlowList(p) for p in data[key]]
    text = yaml.dump(
        data,
        Dumper=_dumper_class(),
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=10**9,
    )
    if path is None:
        return text
    Path(path).write_text(text, encoding="utf-8")
    return None


# -- helpers ------------------------------------------------------------------------
def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Iterable) or isinstance(value, Mapping):
        return [value]
    return list(value)


def unique_mapping(pairs: Iterable[tuple[Any, Any]]) -> dict[Any, Any]:
    """``{activity: stage}`` from pairs, refusing an activity listed twice."""
    out: dict[Any, Any] = {}
    for act, stage in pairs:
        try:
            there = act in out
        except TypeError:
            raise ModelError(
                f"Activity names must be strings (or numbers); got {act!r} in the stage {stage!r}."
            ) from None
        if isinstance(act, bool):
            raise ModelError(
                f"Activity {act!r} (in stage {stage!r}) is a boolean: YAML reads unquoted "
                "yes/no/on/off/true/false as booleans. Quote the name."
            )
        if there:
            where = (
                f"to stages {out[act]!r} and {stage!r}"
                if out[act] != stage
                else f"twice to stage {stage!r}"
            )
            raise ModelError(
                f"Activity {act!r} is mapped {where}. An activity belongs to exactly one stage; "
                "list it once."
            )
        out[act] = stage
    return out


def _parse_stages(value: Any) -> tuple[list[Any], list[tuple[Any, Any]]]:
    """Stage names and (activity, stage) pairs from the ``stages`` entry of a model dict."""
    pairs: list[tuple[Any, Any]] = []
    if isinstance(value, Mapping):
        names = list(value)
        for stage, members in value.items():
            if isinstance(members, Mapping):
                raise ModelError(
                    f"Stage {stage!r} must list its activities as a list; got a mapping."
                )
            pairs.extend((a, stage) for a in _as_list(members))
        return names, pairs
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ModelError(
            f"'stages' must be a list of stage names (or of {{name:, activities:}} items), "
            f"got {value!r}."
        )
    names = []
    for item in value:
        if isinstance(item, Mapping):
            extra = [k for k in item if k not in ("name", "activities")]
            if extra or "name" not in item:
                raise ModelError(
                    f"A stage item must have the keys 'name' and optionally 'activities'; got "
                    f"keys {list(item)} in {dict(item)!r}."
                )
            stage = item["name"]
            names.append(stage)
            members = item.get("activities")
            if isinstance(members, Mapping):
                raise ModelError(
                    f"Stage {stage!r} must list its activities as a list; got a mapping."
                )
            pairs.extend((a, stage) for a in _as_list(members))
        else:
            names.append(item)
    return names, pairs


def sort_key(value: Any) -> tuple[str, str]:
    return (type(value).__name__, repr(value))


def _in(where: str | None) -> str:
    return f" in {where}" if where else ""


def _read_source(source: Any) -> tuple[str, str | None]:
    """The YAML text and, for files, their name."""
    if hasattr(source, "read"):
        text = source.read()
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return text, getattr(source, "name", None)
    if isinstance(source, Path) or (
        isinstance(source, str)
        and source.strip()
        and "\n" not in source
        and (":" not in source or Path(source).suffix.lower() in (".yaml", ".yml"))
    ):
        p = Path(source)
        if not p.is_file():
            raise ModelError(
                f"Model file {str(p)!r} not found. Check the path, or pass the YAML text itself."
            )
        try:
            return p.read_text(encoding="utf-8"), str(p)
        except UnicodeDecodeError as exc:
            raise ModelError(f"Model file {str(p)!r} is not UTF-8 text: {exc}.") from None
    if isinstance(source, str):
        return source, None
    raise ParameterError(
        "The 'source' parameter of from_yaml() must be a path, a file object or YAML text. "
        f"Got {type(source).__name__} instead."
    )


def _safe_load(text: str, where: str | None) -> Any:
    import yaml

    try:
        return yaml.load(io.StringIO(text), Loader=_loader_class())  # noqa: S506 (safe loader)
    except ModelError as exc:
        raise ModelError(
            str(exc).replace("The YAML model", f"The YAML model{_in(where)}", 1) + "."
        ) from None
    except RecursionError:
        raise ModelError(
            f"The YAML model{_in(where)} is nested too deeply to be a model."
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        if "python/" in str(exc):
            raise ModelError(
                f"The YAML model{_in(where)} uses a Python tag{line} ({problem}). journeymine "
                "reads models with yaml.safe_load rules, which never build Python objects or "
                "run code: remove the tag."
            ) from None
        raise ModelError(
            f"The YAML model{_in(where)} is not valid YAML{line}: {problem}. Fix the syntax."
        ) from None


@functools.lru_cache(maxsize=1)
def _loader_class() -> type:
    """A SafeLoader that bounds alias expansion and refuses duplicate keys."""
    import yaml

    class ModelLoader(yaml.SafeLoader):
        def __init__(self, stream: Any) -> None:
            super().__init__(stream)
            self._sizes: dict[int, int] = {}

        def compose_node(self, parent: Any, index: Any) -> Any:
            node = super().compose_node(parent, index)
            if node is None or id(node) in self._sizes:
                return node
            if isinstance(node, yaml.SequenceNode):
                size = 1 + sum(self._sizes.get(id(c), 1) for c in node.value)
            elif isinstance(node, yaml.MappingNode):
                size = 1 + sum(
                    self._sizes.get(id(k), 1) + self._sizes.get(id(v), 1) for k, v in node.value
                )
            else:
                size = 1
            if size > YAML_MAX_NODES:
                raise ModelError(
                    f"The YAML model expands to more than {YAML_MAX_NODES:,} nodes through its "
                    f"aliases (at line {node.start_mark.line + 1}): refused as an alias bomb. "
                    "Write the model out without nested aliases"
                )
            self._sizes[id(node)] = size
            return node

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, yaml.MappingNode):
                seen: dict[Any, int] = {}
                for key_node, _ in node.value:
                    if (
                        isinstance(key_node, yaml.ScalarNode)
                        and key_node.tag != "tag:yaml.org,2002:merge"
                    ):
                        key = (key_node.tag, key_node.value)
                        if key in seen:
                            raise ModelError(
                                f"The YAML model repeats the key {key_node.value!r} (lines "
                                f"{seen[key] + 1} and {key_node.start_mark.line + 1}); YAML "
                                "would silently keep only the last one. List it once"
                            )
                        seen[key] = key_node.start_mark.line
            return super().construct_mapping(node, deep=deep)

    return ModelLoader


class _FlowList(list):
    """A list written in YAML flow style (``[a, b]``)."""


@functools.lru_cache(maxsize=1)
def _dumper_class() -> type:
    """A SafeDumper that writes :class:`_FlowList` in flow style."""
    import yaml

    class ModelDumper(yaml.SafeDumper):
        pass

    def flow(dumper: Any, data: Any) -> Any:
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)

    ModelDumper.add_representer(_FlowList, flow)
    return ModelDumper

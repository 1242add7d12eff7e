"""The component catalog: every component class registers here under its id."""

from __future__ import annotations

from plutarc.errors import TemplateError
from plutarc.strategy.components.base import Component, Kind
from plutarc.validation import closest

_REGISTRY: dict[str, type[Component]] = {}


def register(cls: type[Component]) -> type[Component]:
    """Class decorator adding a component to the catalog."""
    cid = cls.spec.id
    if cid in _REGISTRY and _REGISTRY[cid] is not cls:
        raise RuntimeError(f"component id {cid!r} registered twice")
    _REGISTRY[cid] = cls
    return cls


def _load() -> None:
    # Importing the kind packages registers their components.
    from plutarc.strategy.components import (  # noqa: F401
        exits,
        filters,
        guards,
        signals,
        timing,
    )


def catalog() -> dict[str, type[Component]]:
    """All components by id."""
    _load()
    return dict(sorted(_REGISTRY.items()))


def by_kind(kind: Kind) -> list[type[Component]]:
    return [c for c in catalog().values() if c.spec.kind is kind]


def get(component_id: str) -> type[Component]:
    found = catalog().get(component_id)
    if found is None:
        suggestion = closest(component_id, _REGISTRY)
        hint = f"; did you mean {suggestion!r}?" if suggestion else ""
        raise TemplateError(f"unknown component {component_id!r}{hint}")
    return found

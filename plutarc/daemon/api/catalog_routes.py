"""Read-only catalog routes: components with their parameters, system templates, bundled data.

A client (the TUI, possibly through ssh) builds forms from these answers rather than from
its own copy of the code, so bounds and choices are always the daemon's.
"""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import Field

from plutarc.daemon.api.http import parse_query, respond
from plutarc.daemon.api.schemas import ApiModel, Empty, Envelope

routes = web.RouteTableDef()

ParamType = Literal["int", "float", "bool", "str"]


class ParamView(ApiModel):
    name: str
    type: ParamType
    default: Any
    description: str
    min: float | None = None
    max: float | None = None
    choices: list[str] | None = None
    bounds: str = Field(description="The bounds in words, as validation messages quote them.")


class ComponentView(ApiModel):
    id: str
    kind: str
    name: str
    description: str
    intervals: list[str]
    higher_timeframe: bool
    data: list[str]
    params: list[ParamView]


class ComponentListResponse(Envelope):
    components: list[ComponentView]


class CatalogTemplate(ApiModel):
    name: str
    origin: Literal["system", "user"]
    toml: str


class CatalogTemplateListResponse(Envelope):
    templates: list[CatalogTemplate]


class DataFileView(ApiModel):
    name: str
    path: str = Field(description="Where the daemon reads it: pass as a backtest's data.")
    symbol: str


class DataFileListResponse(Envelope):
    files: list[DataFileView]


def component_views() -> list[ComponentView]:
    from plutarc.strategy.components.registry import catalog

    views = []
    for cls in catalog().values():
        spec = cls.spec
        views.append(ComponentView(
            id=spec.id, kind=spec.kind.value, name=spec.name, description=spec.description,
            intervals=list(spec.intervals), higher_timeframe=spec.higher_timeframe,
            data=list(spec.data),
            params=[ParamView(name=p.name, type=p.type.__name__, default=p.default,
                              description=p.description, min=p.min, max=p.max,
                              choices=list(p.choices) if p.choices else None,
                              bounds=p.describe_bounds()) for p in spec.params]))
    return views


def catalog_templates() -> list[CatalogTemplate]:
    from plutarc.strategy.template_catalog import available

    return [CatalogTemplate(name=name, origin=origin, toml=path.read_text())  # type: ignore[arg-type]
            for name, (path, origin) in sorted(available().items())]


def bundled_data_files() -> list[DataFileView]:
    from plutarc.daemon.paper.replay import DEFAULT_FILES

    return [DataFileView(name=path.name, path=str(path), symbol=symbol)
            for symbol, path in sorted(DEFAULT_FILES.items()) if path.exists()]


@routes.get("/v1/components")
async def list_components(request: web.Request) -> web.Response:
    parse_query(request, Empty)
    return respond(ComponentListResponse(components=component_views()))


@routes.get("/v1/catalog/templates")
async def list_catalog_templates(request: web.Request) -> web.Response:
    parse_query(request, Empty)
    return respond(CatalogTemplateListResponse(templates=catalog_templates()))


@routes.get("/v1/catalog/data")
async def list_data_files(request: web.Request) -> web.Response:
    parse_query(request, Empty)
    return respond(DataFileListResponse(files=bundled_data_files()))

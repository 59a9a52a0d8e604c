"""How a package plugs into the site: its :class:`Manifest`, and the dashboard panel shape.

Each domain (and each foundation package that serves pages or runs jobs) declares one
``Manifest`` in its ``manifest.py``; :mod:`aseancyber.manifests` (the app layer) lists them,
and the app, the job worker, the dashboard, the navigation and the schema loop over that
list. This module is foundation: it imports no domain, so every domain can use it.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor
from aseancyber.jobs.service import Handler, Periodic
from aseancyber.reporting import ProgrammeProvider, ReportSource


@dataclass(frozen=True)
class Panel:
    """A titled dashboard box: ``template`` is rendered with ``context`` available as ``p``."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    more_href: str | None = None
    more_label: str = "More"


PanelProvider = Callable[[Session, Actor], Panel | None]


@dataclass(frozen=True)
class DashboardPanel:
    """A panel provider and where its box sits on the dashboard (lowest first)."""

    provider: PanelProvider
    position: int


@dataclass(frozen=True)
class NavItem:
    """One navigation link: a label, the address of an area's first page, and where the link
    sits in the menu (lowest first)."""

    label: str
    href: str
    position: int = 0


@dataclass(frozen=True)
class Manifest:
    """What one package contributes to the site.

    ``routers`` are included in this order (a static path before a catch-all of the same
    package); ``models`` are the modules whose tables belong to the schema; ``handlers`` and
    ``periodic`` are the package's background jobs; ``report_sections`` are the ministers'
    report sections the package counts (in the order the report shows them).
    """

    name: str
    routers: Sequence[APIRouter] = ()
    models: Sequence[ModuleType] = ()
    handlers: Mapping[str, Handler] = field(default_factory=dict)
    periodic: Sequence[Periodic] = ()
    panels: Sequence[DashboardPanel] = ()
    navigation: Sequence[NavItem] = ()
    report_sections: Sequence[ReportSource] = ()
    survey_programmes: ProgrammeProvider | None = None

"""What a dashboard panel is; a leaf module so every domain can build panels without cycles."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor


@dataclass(frozen=True)
class Panel:
    """A titled dashboard box: ``template`` is rendered with ``context`` available as ``p``."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    more_href: str | None = None
    more_label: str = "More"


PanelProvider = Callable[[Session, Actor], Panel | None]

"""REST request and response shapes for the inbox and notification preferences."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from aseancyber.notify.models import DeliveryMode, Notification, NotificationKind
from aseancyber.shaping import shaped


class NotificationRead(BaseModel):
    id: str
    kind: NotificationKind
    title: str
    body: str
    link: str = Field(description="a path on this platform, or empty")
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, notification: Notification) -> "NotificationRead":
        return shaped(
            cls,
            notification,
        )


class NotificationPage(BaseModel):
    items: list[NotificationRead]
    next_cursor: str | None
    unread_count: int = Field(description="all unread notifications, not only this page's")


class MarkedRead(BaseModel):
    marked: int = Field(description="how many notifications changed from unread to read")


class Preferences(BaseModel):
    """E-mail delivery per notification kind; the inbox always receives the notification."""

    preferences: dict[NotificationKind, DeliveryMode]


class PreferencesUpdate(BaseModel):
    """The kinds to change; kinds left out keep their current delivery."""

    model_config = ConfigDict(extra="forbid")

    preferences: dict[NotificationKind, DeliveryMode] = Field(min_length=1)

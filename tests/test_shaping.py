"""Response shaping: a read schema takes the record's same-named attributes, and the values
given for the fields the record holds differently."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel, ValidationError

from aseancyber.shaping import shaped


@dataclass
class _Record:
    id: str
    title: str
    created_at: datetime
    secret: str = "kept out"


class _Read(BaseModel):
    id: str
    title: str
    created_at: datetime
    owner_name: str


def test_fields_come_from_the_record_and_the_given_values() -> None:
    at = datetime(2026, 1, 2, tzinfo=UTC)
    read = shaped(_Read, _Record("r-1", "Title", at), owner_name="CERT")
    assert read.model_dump() == {
        "id": "r-1",
        "title": "Title",
        "created_at": at,
        "owner_name": "CERT",
    }


def test_a_given_value_wins_over_the_attribute() -> None:
    read = shaped(_Read, _Record("r-1", "Title", datetime.now(UTC)), title="Other", owner_name="x")
    assert read.title == "Other"


def test_a_field_neither_on_the_record_nor_given_is_refused() -> None:
    with pytest.raises(ValidationError, match="owner_name"):
        shaped(_Read, _Record("r-1", "Title", datetime.now(UTC)))

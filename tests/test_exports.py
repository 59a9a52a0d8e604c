"""Exports: JSON as items and count, CSV with a header and spreadsheet-safe cells, and a
clear refusal of any other format."""

import csv
import io

import orjson
import pytest

from aseancyber.errors import Invalid
from aseancyber.exports import spreadsheet_safe, table_export

ITEMS = [
    {"id": "a", "title": "=HYPERLINK(1)", "tags": ["x", "y"]},
    {"id": "b", "title": "plain", "tags": []},
]


def test_json_lists_the_items_and_their_count() -> None:
    exported = table_export(ITEMS, columns=("id", "title"), format="json", name="things")
    assert exported.filename == "things.json"
    assert exported.media_type == "application/json"
    assert orjson.loads(exported.content) == {"items": ITEMS, "count": 2}
    assert exported.count == 2


def test_csv_has_the_columns_and_no_cell_a_spreadsheet_would_evaluate() -> None:
    exported = table_export(
        ITEMS, columns=("id", "title", "tags"), format="csv", name="things", list_separator=";"
    )
    assert exported.filename == "things.csv"
    assert exported.media_type.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows == [["id", "title", "tags"], ["a", "'=HYPERLINK(1)", "x;y"], ["b", "plain", ""]]
    assert exported.count == 2


@pytest.mark.parametrize(
    ("value", "text"), [(None, ""), ("+1", "'+1"), ("-", "'-"), ("@a", "'@a"), (3, "3")]
)
def test_spreadsheet_safe(value: object, text: str) -> None:
    assert spreadsheet_safe(value) == text


def test_another_format_is_refused_naming_the_field() -> None:
    with pytest.raises(Invalid) as refused:
        table_export(ITEMS, columns=("id",), format="xlsx", name="things")
    assert refused.value.problems[0].field == "format"

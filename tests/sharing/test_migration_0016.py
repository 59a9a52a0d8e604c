"""Migration 0016 copies the refs of stored relationships and sightings into their columns."""

import json
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from tests.conftest import ROOT

INSERT = text(
    "INSERT INTO stix_object (id, collection_id, stix_id, type, spec_version, version_at,"
    " date_added, name, search_text, body, owner_organisation_id, tlp,"
    " green_includes_external) VALUES (:id, 'c', :stix_id, :type, '2.1', '2026-01-01',"
    " '2026-01-01', '', '', :body, 'o', 'TLP:GREEN', 0)"
)


def test_upgrade_backfills_refs_and_downgrade_restores_the_index(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'migrate.db'}")
    config = Config(str(ROOT / "alembic.ini"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0015")
    with engine.begin() as connection:
        connection.execute(text("PRAGMA foreign_keys=OFF"))  # rows only, no parents needed
        rows = [
            ("r1", "relationship", {"source_ref": "indicator--a", "target_ref": "malware--b"}),
            ("s1", "sighting", {"sighting_of_ref": "indicator--a"}),
            ("i1", "indicator", {"pattern": "[url:value = 'x']"}),
            ("r2", "relationship", {"source_ref": 7}),  # not a string: left empty
        ]
        for record_id, kind, body in rows:
            connection.execute(
                INSERT,
                {
                    "id": record_id,
                    "stix_id": f"{kind}--{record_id}",
                    "type": kind,
                    "body": json.dumps(body),
                },
            )
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0016")
    with engine.begin() as connection:
        found = connection.execute(
            text("SELECT id, source_ref, target_ref, sighting_of_ref FROM stix_object ORDER BY id")
        ).all()
    assert [tuple(row) for row in found] == [
        ("i1", None, None, None),
        ("r1", "indicator--a", "malware--b", None),
        ("r2", None, None, None),
        ("s1", None, None, "indicator--a"),
    ]
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0015")
    with engine.begin() as connection:
        indexes = {
            row[1]: row[2] for row in connection.execute(text("PRAGMA index_list(stix_object)"))
        }
    assert indexes["ix_stix_object_version"] == 1  # unique again
    assert "ix_stix_object_source_ref" not in indexes
    engine.dispose()

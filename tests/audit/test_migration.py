"""Migration 0018 re-seals a plain SHA-256 chain with the key, and refuses a broken one."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Table, insert, select, update

from aseancyber.audit import chain
from aseancyber.audit.models import AuditEntry
from aseancyber.db import make_engine
from tests.conftest import ROOT

ENTRIES = cast(Table, AuditEntry.__table__)


@pytest.fixture
def own_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'migrate.db'}")
    yield engine
    engine.dispose()


def _migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def _plain_chain(connection: Connection, count: int) -> None:
    prev_hash = chain.GENESIS
    for seq in range(1, count + 1):
        row: dict[str, Any] = {
            "seq": seq,
            "at": datetime(2026, 1, seq, tzinfo=UTC),
            "actor_user_id": None,
            "actor_organisation_id": None,
            "action": f"test.old{seq}",
            "record_kind": "test",
            "record_id": str(seq),
            "record_organisation_id": None,
            "changed_fields": ["a"],
            "before_digest": None,
            "after_digest": None,
            "prev_hash": prev_hash,
        }
        row["hash"] = prev_hash = chain.plain_hash(row)
        connection.execute(insert(ENTRIES).values(row))  # no ``detail`` column before 0018


def _walk(engine: Engine) -> chain.VerifyResult:
    with engine.connect() as connection:
        rows = connection.execute(select(ENTRIES).order_by(ENTRIES.c.seq)).all()
    return chain.walk(cast(list[AuditEntry], rows), chain.audit_key())


def test_an_old_chain_is_resealed_with_the_key_and_the_migration_is_recorded(
    own_engine: Engine,
) -> None:
    _migrate(own_engine, "0017")
    with own_engine.begin() as connection:
        _plain_chain(connection, 3)
    _migrate(own_engine, "0018")
    result = _walk(own_engine)
    assert result.ok, result.problem
    assert result.checked == 4
    with own_engine.connect() as connection:
        last = connection.execute(select(ENTRIES).where(ENTRIES.c.seq == 4)).one()
    assert (last.action, last.detail) == ("audit.chain_keyed", {"resealed": 3})
    assert last.record_id == "migration:0018"

    _migrate(own_engine, "0017", down=True)  # and back: the plain chain checks again
    columns = [ENTRIES.c[name] for name in ("hash", *chain.PLAIN_HASHED_FIELDS)]
    with own_engine.connect() as connection:
        rows = connection.execute(select(*columns).order_by(ENTRIES.c.seq)).all()
    prev_hash = chain.GENESIS
    for row in rows:
        assert row.prev_hash == prev_hash
        assert chain.plain_hash(dict(row._mapping)) == row.hash
        prev_hash = row.hash


def test_a_broken_old_chain_is_refused_and_left_as_it_was(own_engine: Engine) -> None:
    _migrate(own_engine, "0017")
    with own_engine.begin() as connection:
        _plain_chain(connection, 3)
        connection.execute(update(ENTRIES).where(ENTRIES.c.seq == 2).values(record_id="forged"))
    with pytest.raises(RuntimeError, match="broken at entry 2"):
        _migrate(own_engine, "0018")
    with own_engine.connect() as connection:
        assert connection.scalar(select(ENTRIES.c.record_id).where(ENTRIES.c.seq == 2)) == "forged"
        version = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    assert version == "0017"

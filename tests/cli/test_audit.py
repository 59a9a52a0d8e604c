"""audit checkpoint and audit verify: each attack on the keyed chain is named, through the CLI.

The attacker here can write to the database (they may recompute plain SHA-256 at will) but
does not hold the audit key, which lives outside it.
"""

from pathlib import Path
from typing import Any, cast

import orjson
from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, update

from aseancyber.audit import chain
from aseancyber.audit.models import AuditEntry
from tests.cli.conftest import RunCli

ENTRIES = cast(Table, AuditEntry.__table__)


def _rows(connection: Connection, *, from_seq: int = 1) -> list[dict[str, Any]]:
    result = connection.execute(
        select(ENTRIES).where(ENTRIES.c.seq >= from_seq).order_by(ENTRIES.c.seq)
    )
    return [dict(row._mapping) for row in result]


def _head(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.max(AuditEntry.seq))) or 0


def _checkpoint(run: RunCli, path: Path) -> dict[str, Any]:
    result = run("audit", "checkpoint", "--out", str(path))
    assert result.exit_code == 0, result.output
    body: dict[str, Any] = orjson.loads(path.read_bytes())
    return body


def _more_entries(run: RunCli) -> None:
    created = run(
        "user",
        "create",
        "later@example.org",
        "--name",
        "Later",
        "--org",
        "SingCERT",
        "--password",
        "a-long-enough-password",
    )
    assert created.exit_code == 0, created.output


def test_a_checkpoint_is_signed_and_later_entries_still_verify(
    initialised: RunCli, cli_engine: Engine, tmp_path: Path
) -> None:
    printed = initialised("audit", "checkpoint")
    assert printed.exit_code == 0, printed.output
    body = orjson.loads(printed.stdout)
    assert body["seq"] == _head(cli_engine)
    assert {"format", "node", "seq", "hash", "at", "signature"} <= set(body)

    point = tmp_path / "checkpoint.json"
    _checkpoint(initialised, point)
    _more_entries(initialised)
    result = initialised("audit", "verify", "--checkpoint", str(point))
    assert result.exit_code == 0, result.output
    assert "1 checkpoint(s) matched" in result.stdout


def test_removing_the_newest_entries_is_caught_by_a_checkpoint(
    initialised: RunCli, cli_engine: Engine, tmp_path: Path
) -> None:
    _more_entries(initialised)
    point = tmp_path / "checkpoint.json"
    body = _checkpoint(initialised, point)
    with cli_engine.begin() as connection:
        connection.execute(delete(AuditEntry).where(AuditEntry.seq > body["seq"] - 3))

    alone = initialised("audit", "verify")  # a clean cut at the end leaves a valid chain ...
    assert alone.exit_code == 0, alone.output
    caught = initialised("audit", "verify", "--checkpoint", str(point))  # ... but not this
    assert caught.exit_code == 1
    assert f"entry {body['seq']}, named by the checkpoint, is missing" in caught.stderr
    assert f"ends at entry {body['seq'] - 3}" in caught.stderr
    assert "Traceback" not in caught.output


def test_an_edit_with_every_later_hash_recomputed_is_caught(
    initialised: RunCli, cli_engine: Engine, tmp_path: Path
) -> None:
    point = tmp_path / "checkpoint.json"
    body = _checkpoint(initialised, point)
    target = 4
    with cli_engine.begin() as connection:
        rows = _rows(connection, from_seq=target)
        prev_hash = connection.scalar(select(AuditEntry.hash).where(AuditEntry.seq == target - 1))
        rows[0]["record_id"] = "forged"
        for row in rows:  # what an attacker without the key can do: plain SHA-256 throughout
            row["prev_hash"] = prev_hash
            row["hash"] = prev_hash = chain.plain_hash(row)
            connection.execute(update(ENTRIES).where(ENTRIES.c.seq == row["seq"]).values(row))

    result = initialised("audit", "verify", "--checkpoint", str(point))
    assert result.exit_code == 1
    assert f"Audit chain broken at entry {target}" in result.stderr
    assert "altered or fabricated" in result.stderr
    assert f"entry {body['seq']} is not the one the checkpoint signed" in result.stderr


def test_a_fabricated_entry_with_a_plain_hash_is_caught(
    initialised: RunCli, cli_engine: Engine
) -> None:
    with cli_engine.begin() as connection:
        newest = _rows(connection)[-1]
        forged = {
            **newest,
            "seq": newest["seq"] + 1,
            "action": "user.delete",
            "record_id": "nobody",
            "prev_hash": newest["hash"],
            "detail": None,
        }
        forged["hash"] = chain.plain_hash(forged)
        connection.execute(insert(ENTRIES).values(forged))

    result = initialised("audit", "verify")
    assert result.exit_code == 1
    assert f"Audit chain broken at entry {newest['seq'] + 1}" in result.stderr
    assert "fabricated" in result.stderr


def test_reordered_entries_are_caught(initialised: RunCli, cli_engine: Engine) -> None:
    with cli_engine.begin() as connection:
        connection.execute(update(ENTRIES).where(ENTRIES.c.seq == 3).values(seq=-3))
        connection.execute(update(ENTRIES).where(ENTRIES.c.seq == 4).values(seq=3))
        connection.execute(update(ENTRIES).where(ENTRIES.c.seq == -3).values(seq=4))

    result = initialised("audit", "verify")
    assert result.exit_code == 1
    assert "Audit chain broken at entry 3" in result.stderr


def test_a_forged_or_foreign_checkpoint_is_refused(
    initialised: RunCli, cli_engine: Engine, tmp_path: Path
) -> None:
    point = tmp_path / "checkpoint.json"
    body = _checkpoint(initialised, point)
    # Pointing the checkpoint at an older entry (to hide a truncation) breaks its signature.
    forged = tmp_path / "forged.json"
    forged.write_bytes(orjson.dumps({**body, "seq": 1}))
    refused = initialised("audit", "verify", "--checkpoint", str(forged))
    assert refused.exit_code == 1
    assert "not signed with this node's audit key" in refused.stderr

    foreign = tmp_path / "foreign.json"
    foreign.write_bytes(orjson.dumps({**body, "node": "another-node"}))
    assert (
        "made by node 'another-node'"
        in initialised("audit", "verify", "--checkpoint", str(foreign)).stderr
    )

    for name, content in (("junk.json", b"not json"), ("list.json", b"[1]")):
        (tmp_path / name).write_bytes(content)
        bad = initialised("audit", "verify", "--checkpoint", str(tmp_path / name))
        assert bad.exit_code == 1
        assert "checkpoint" in bad.stderr
        assert "Traceback" not in bad.output
    missing = initialised("audit", "verify", "--checkpoint", str(tmp_path / "absent.json"))
    assert missing.exit_code != 0
    assert "Traceback" not in missing.output


def test_no_checkpoint_is_signed_over_a_broken_chain(
    initialised: RunCli, cli_engine: Engine
) -> None:
    with cli_engine.begin() as connection:
        connection.execute(update(ENTRIES).where(ENTRIES.c.seq == 2).values(record_id="forged"))
    result = initialised("audit", "checkpoint")
    assert result.exit_code == 1
    assert "broken at entry 2" in result.stderr
    assert result.stdout == ""

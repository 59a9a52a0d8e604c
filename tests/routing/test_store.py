"""Storing the operator's table: generations, both iptoasn files, and every process's copy."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.audit.models import AuditEntry
from aseancyber.routing import asn_files, table
from aseancyber.routing.models import AsName, AsnRange

V4 = ["1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n", "1.0.4.0\t1.0.7.255\t38803\tAU\tGTELECOM\n"]
V6 = ["2001:d08::\t2001:d08:ffff:ffff:ffff:ffff:ffff:ffff\t4788\tMY\tTMNET-AS-AP\n"]


def test_ipv4_then_ipv6_iptoasn_files(db: Session) -> None:
    first = table.store(db, actor=None, lines=V4, file_format="iptoasn", source="ip2asn-v4.tsv")
    assert (first.generation, first.ipv4_ranges, first.ipv6_ranges) == (1, 2, 0)
    lookup = table.current_table(db)
    assert lookup.asns_v4_text(["1.0.0.1", "1.0.5.5", "1.0.2.1"]) == [13335, 38803, 0]
    second = table.store(
        db, actor=None, lines=V6, file_format="iptoasn", source="ip2asn-v6.tsv", replace=False
    )
    assert (second.generation, second.ipv4_ranges, second.ipv6_ranges) == (2, 2, 1)
    refreshed = table.current_table(db)
    assert refreshed is not lookup  # a new generation: the cached copy was rebuilt
    assert refreshed.asns_v4_text(["1.0.0.1"]) == [13335]
    assert refreshed.asn_of(6, 0x20010D08 << 96 | 1) == 4788
    assert refreshed.names[4788] == ("TMNET-AS-AP", "MY")
    assert table.current_table(db) is refreshed  # same generation: no rebuild
    assert db.scalar(select(func.count()).select_from(AsName)) == 3
    db.commit()  # audit entries join the chain when their transaction commits
    loads = db.scalars(
        select(AuditEntry.action).where(AuditEntry.action == "routing.asn_table_load")
    ).all()
    assert len(loads) == 2


def test_a_full_load_replaces_both_families(db: Session) -> None:
    table.store(db, actor=None, lines=V6, file_format="iptoasn", source="v6")
    table.store(db, actor=None, lines=["9.0.0.0\t8\t3356\n"], file_format="pfx2as", source="rv")
    assert db.scalars(select(AsnRange.family)).all() == [4]
    assert table.current_table(db).asns_v4_text(["9.9.9.9"]) == [3356]


def test_a_bad_file_changes_nothing(db: Session) -> None:
    table.store(db, actor=None, lines=V4, file_format="iptoasn", source="good")
    with pytest.raises(asn_files.AsnFileProblem, match="line 1"), db.begin_nested():
        table.store(db, actor=None, lines=["1.0.0.0\tbad\t1\n"], file_format="pfx2as", source="x")
    assert table.current_table(db).generation == 1
    assert db.scalar(select(func.count()).select_from(AsnRange)) == 2

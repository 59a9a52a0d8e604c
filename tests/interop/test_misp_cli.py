"""``aseancyber misp import FILE``: the same import as REST, one transaction, clear refusals."""

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation, Role, User, UserRole
from aseancyber.access.policy import Tlp
from aseancyber.audit.models import AuditEntry
from aseancyber.sharing.models import Collection, CollectionKind, StixObject
from aseancyber.sharing.service import add_tlp_definitions
from aseancyber.sharing.stix import TLP2_MARKINGS
from tests.cli.conftest import RunCli

EMAIL = "misp-import@example.org"


def _seed(cli_engine: Engine) -> str:
    with Session(cli_engine) as db, db.begin():
        org = db.scalar(select(Organisation).where(Organisation.short_name == "SingCERT"))
        assert org is not None
        user = User(email=EMAIL, display_name="MISP importer", organisation_id=org.id)
        user.roles = [UserRole(role=Role.CONTRIBUTOR)]
        db.add(user)
        collection = Collection(
            title="SingCERT MISP imports",
            kind=CollectionKind.OWN,
            owner_organisation_id=org.id,
            default_tlp=Tlp.AMBER,
        )
        db.add(collection)
        db.flush()
        add_tlp_definitions(db, collection=collection, owner_organisation_id=org.id)
        return collection.id


def _imported(cli_engine: Engine) -> dict[str, Tlp]:
    with Session(cli_engine) as db:
        rows = db.execute(select(StixObject.stix_id, StixObject.tlp)).tuples().all()
    return {stix_id: tlp for stix_id, tlp in rows if stix_id not in TLP2_MARKINGS}


def test_import_a_misp_event_file(
    initialised: RunCli, cli_engine: Engine, tmp_path: Path, circl_event: dict[str, Any]
) -> None:
    collection_id = _seed(cli_engine)
    path = tmp_path / "circl.json"
    path.write_bytes(orjson.dumps(circl_event))
    result = initialised("misp", "import", str(path), "--collection", collection_id, "--as", EMAIL)
    assert result.exit_code == 0, result.output
    assert circl_event["Event"]["uuid"] in result.output
    assert "TLP:GREEN" in result.output
    assert "1 MISP event(s) imported" in result.output
    stored = _imported(cli_engine)
    assert stored[f"report--{circl_event['Event']['uuid']}"] is Tlp.GREEN
    assert "indicator--0c7a4b2e-1d3f-4e5a-8b9c-0d1e2f3a4b5c" in stored
    with Session(cli_engine) as db:
        assert db.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "misp.import")
        )
    # At least AMBER when asked, whatever the event says.
    again = initialised(
        "misp", "import", str(path), "--collection", collection_id, "--as", EMAIL, "--tlp", "amber"
    )
    assert again.exit_code == 0, again.output
    assert "TLP:AMBER" in again.output


def test_refusals_name_the_problem_and_write_nothing(
    initialised: RunCli, cli_engine: Engine, tmp_path: Path, circl_event: dict[str, Any]
) -> None:
    collection_id = _seed(cli_engine)
    bad = tmp_path / "bad.json"
    circl_event["Event"]["distribution"] = "9"
    bad.write_bytes(orjson.dumps(circl_event))
    refused = initialised("misp", "import", str(bad), "--collection", collection_id, "--as", EMAIL)
    assert refused.exit_code == 1
    assert "event has distribution '9', which MISP does not define" in refused.stderr
    not_json = tmp_path / "notes.txt"
    not_json.write_text("ip-dst 192.0.2.1\n")
    refused = initialised(
        "misp", "import", str(not_json), "--collection", collection_id, "--as", EMAIL
    )
    assert refused.exit_code == 1
    assert "is not valid JSON" in refused.stderr
    nobody = initialised(
        "misp", "import", str(bad), "--collection", collection_id, "--as", "nobody@example.org"
    )
    assert nobody.exit_code == 1
    assert "nobody@example.org" in nobody.stderr
    assert _imported(cli_engine) == {}

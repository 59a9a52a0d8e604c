"""A second OS process writes to a collection while taxii2-client pages through it.

Both processes run the real app on one SQLite file (their own engines, real commits; the
usual rolled-back test transaction cannot be shared with another process). The writer is
told when to write between pages, so the interleaving is certain, not left to timing.
"""

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from benchmarks.sharing import seed_database
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from taxii2client.common import _HTTPConnection
from taxii2client.v21 import Collection, as_pages

from aseancyber.app import create_app
from aseancyber.db import make_engine
from aseancyber.settings import Environment, Settings
from tests.conftest import ROOT, TEST_SECRET
from tests.sharing.conftest import TAXII, AppAdapter

TAXII_TYPE = "application/taxii+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
PER_PAGE = 7
FIRST = 40  # objects present before paging starts
EACH = 5  # objects the writer adds between two pages

WRITER = """
import sys, uuid, orjson
from fastapi.testclient import TestClient
from aseancyber.app import create_app
from aseancyber.db import make_engine
from aseancyber.settings import Environment, Settings
from sqlalchemy.orm import sessionmaker

url, token, collection_id = sys.argv[1:4]
settings = Settings(environment=Environment.TEST, secret_key=sys.argv[4], database_url=url,
                    run_jobs_in_process=False, _env_file=None)
factory = sessionmaker(bind=make_engine(url), expire_on_commit=False)
client = TestClient(create_app(settings=settings, session_factory=factory))
headers = {"Authorization": f"Bearer {token}", "Accept": sys.argv[5], "Content-Type": sys.argv[5]}
for line in sys.stdin:
    start, count = map(int, line.split())
    objects = [
        orjson.loads(sys.argv[6].replace("ID", f"indicator--00000000-0000-4000-8000-{n:012d}"))
        for n in range(start, start + count)
    ]
    answer = client.post(f"/taxii2/api/collections/{collection_id}/objects/",
                         content=orjson.dumps({"objects": objects}), headers=headers)
    print(answer.status_code, answer.json().get("success_count"), flush=True)
"""


def indicator(n: int) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(uuid.NAMESPACE_OID, str(n))}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": f"Host {n}",
        "pattern": f"[ipv4-addr:value = '203.0.113.{n % 250}']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        "object_marking_refs": [GREEN],
    }


@pytest.fixture
def own_database(tmp_path: Path) -> Iterator[tuple[str, sessionmaker[Session]]]:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    engine = make_engine(url)
    yield url, sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


def test_a_second_process_writes_while_taxii2_client_pages(
    own_database: tuple[str, sessionmaker[Session]],
) -> None:
    url, factory = own_database
    token, collection_id = seed_database(url)
    settings = Settings(
        environment=Environment.TEST,
        secret_key=TEST_SECRET,
        database_url=url,
        run_jobs_in_process=False,
        _env_file=None,
    )
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            WRITER,
            url,
            token,
            collection_id,
            TEST_SECRET,
            TAXII_TYPE,
            # The writer's ids are counted; the reader's are uuid5 ones (never the same).
            orjson.dumps(indicator(0)).decode().replace(indicator(0)["id"], "ID"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert writer.stdin is not None
    assert writer.stdout is not None
    try:
        client = TestClient(create_app(settings=settings, session_factory=factory))
        conn = _HTTPConnection(user="bench@example.org", password=token, version="2.1")
        conn.session.mount("http://testserver", AppAdapter(client))
        collection = Collection(f"{TAXII}api/collections/{collection_id}/", conn=conn)
        collection.add_objects({"objects": [indicator(n) for n in range(FIRST)]})
        at_start = {indicator(n)["id"] for n in range(FIRST)}
        seen: list[str] = []
        written = 0
        for page in as_pages(collection.get_objects, per_request=PER_PAGE, type="indicator"):
            seen += [obj["id"] for obj in page.get("objects", [])]
            if written < 30:
                # Between two pages the other process commits new objects.
                writer.stdin.write(f"{10 + written} {EACH}\n")
                writer.stdin.flush()
                assert writer.stdout.readline().split() == ["202", str(EACH)]
                written += EACH
        assert len(seen) == len(set(seen)), "an object came twice"
        assert at_start <= set(seen), "an object that existed at the start was skipped"
        # What the writer added later also arrives, after what existed at the start.
        assert len(seen) == FIRST + written
        assert seen[:FIRST] == [indicator(n)["id"] for n in range(FIRST)]
    finally:
        writer.stdin.close()
        writer.wait(60)
        writer.stdout.close()

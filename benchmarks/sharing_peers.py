"""The peer TAXII 2.1 servers of the sharing benchmark, each installed from PyPI into its
own virtual environment under ``.venv-bench`` (their dependencies conflict with ours and
with each other): medallion 3.0.0 (memory backend) and OpenTAXII 0.9.3 (SQLite)."""

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson

import requests
from benchmarks.sharing import (
    ENVELOPE,
    PEERS,
    PEERS_VENV,
    TAXII,
    Target,
    free_port,
    wait_until_up,
)


def setup_peers() -> Path:
    """Create ``.venv-bench`` with the peer servers (their dependencies conflict with ours)."""
    python = PEERS_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)  # noqa: S603
    missing = subprocess.run(  # noqa: S603
        [str(python), "-c", "import medallion"], capture_output=True, check=False
    ).returncode
    if missing:
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEERS], check=True)  # noqa: S603
    return PEERS_VENV


OPENTAXII_VENV = PEERS_VENV / "opentaxii"  # its own venv: its pins conflict with medallion's
OPENTAXII = "opentaxii==0.9.3"
OPENTAXII_CONFIG = """
domain: "127.0.0.1:{port}"
support_basic_auth: yes
return_server_error_details: yes
auth_api:
  class: opentaxii.auth.sqldb.SQLDatabaseAPI
  parameters:
    db_connection: sqlite:///{workdir}/opentaxii-auth.db
    create_tables: yes
    secret: bench-secret-not-for-production
    token_ttl_secs: 36000
taxii1:
taxii2:
  persistence_api:
    class: opentaxii.persistence.sqldb.Taxii2SQLDatabaseAPI
    parameters:
      db_connection: sqlite:///{workdir}/opentaxii-data.db
      create_tables: yes
  max_content_length: 209715200
  title: bench
  public_discovery: yes
logging:
  opentaxii: warning
  root: warning
"""
# OpenTAXII 0.9.3 as released answers every TAXII 2.1 POST with an HTML 500: its JSON
# encoder meets uuid.UUID values (upstream issue 243). The launcher turns them into strings
# and otherwise runs the released code as is (TAXII 2 only, SQLite persistence and auth).
OPENTAXII_LAUNCHER = """
import functools, json, os, sys, types
port, config = sys.argv[1], sys.argv[2]
os.environ["OPENTAXII_CONFIG"] = config
from opentaxii.taxii2 import http
http.json = types.SimpleNamespace(dumps=functools.partial(json.dumps, default=str))
from opentaxii.cli import app
with app.app_context():
    api = app.taxii_server.servers.taxii2.persistence.api
    root = api.add_api_root(title="bench", default=True)
    collection = api.add_collection(
        api_root_id=str(root.id), title="bench", is_public=True, is_public_write=True
    )
    app.taxii_server.auth.api.create_account(
        username="bench", password="bench-password", is_admin=True
    )
    # A bearer token (JWT): Basic auth would run scrypt on every request.
    token = app.taxii_server.auth.authenticate(username="bench", password="bench-password")
print(root.id, collection.id, token, flush=True)
app.run(host="127.0.0.1", port=int(port), threaded=False, debug=False, use_reloader=False)
"""


def setup_opentaxii() -> Path | None:
    """Create ``.venv-bench/opentaxii`` with OpenTAXII 0.9.3; None when it will not install."""
    python = OPENTAXII_VENV / "bin" / "python"
    if not python.exists():
        PEERS_VENV.mkdir(exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(OPENTAXII_VENV)], check=True)  # noqa: S603
    missing = subprocess.run(  # noqa: S603
        [str(python), "-c", "import opentaxii"], capture_output=True, check=False
    ).returncode
    if missing:
        installed = subprocess.run(  # noqa: S603
            [str(python), "-m", "pip", "install", "-q", OPENTAXII], check=False
        ).returncode
        if installed:
            return None
    return OPENTAXII_VENV


@contextmanager
def opentaxii_server(workdir: Path) -> Iterator[Target]:
    """OpenTAXII 0.9.3 (SQLite) with one public, writable collection."""
    venv = setup_opentaxii()
    if venv is None:
        raise RuntimeError(f"{OPENTAXII} did not install")
    port = free_port()
    config = workdir / "opentaxii.yml"
    config.write_text(OPENTAXII_CONFIG.format(port=port, workdir=workdir))
    process = subprocess.Popen(  # noqa: S603
        [str(venv / "bin" / "python"), "-c", OPENTAXII_LAUNCHER, str(port), str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    try:
        root_id, collection_id, token = process.stdout.readline().split()
        session = requests.Session()
        session.headers.update({"Accept": TAXII, "Authorization": f"Bearer {token}"})
        wait_until_up(f"http://127.0.0.1:{port}/taxii2/", session)
        yield Target(
            "OpenTAXII 0.9.3 (SQLite)",
            f"http://127.0.0.1:{port}/taxii2/{root_id}/collections/{collection_id}/objects/",
            session,
        )
    except ValueError:
        raise RuntimeError(f"{OPENTAXII} did not start") from None
    finally:
        process.terminate()
        process.wait(30)
        process.stdout.close()


MEDALLION_COLLECTION = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"


@contextmanager
def medallion_server(workdir: Path) -> Iterator[Target]:
    """medallion 3.0.0 with its memory backend, one empty collection."""
    venv = setup_peers()
    port = free_port()
    root = f"http://127.0.0.1:{port}/api1/"
    data = {
        "/discovery": {"title": "bench", "default": root, "api_roots": [root]},
        "api1": {
            "information": {
                "title": "bench",
                "versions": [TAXII],
                "max_content_length": 200 * 1024 * 1024,
            },
            "status": [],
            "collections": [
                {
                    "id": MEDALLION_COLLECTION,
                    "title": "bench",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }
            ],
        },
    }
    data_file = workdir / "medallion-data.json"
    data_file.write_bytes(orjson.dumps(data))
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(data_file),
        },
        "users": {"bench": "bench-password"},
        "taxii": {"max_page_size": ENVELOPE},
    }
    config_file = workdir / "medallion.json"
    config_file.write_bytes(orjson.dumps(config))
    process = subprocess.Popen(  # noqa: S603
        [
            str(venv / "bin" / "medallion"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "ERROR",
            str(config_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    session = requests.Session()
    session.auth = ("bench", "bench-password")
    session.headers.update({"Accept": TAXII})
    try:
        wait_until_up(f"http://127.0.0.1:{port}/taxii2/", session)
        yield Target(
            "medallion 3.0.0 (memory)",
            f"{root}collections/{MEDALLION_COLLECTION}/objects/",
            session,
        )
    finally:
        process.terminate()
        process.wait(30)

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.routing.helpers import RoutingWorld, build_world


@pytest.fixture
def routing_world(db: Session, tmp_path: Path) -> RoutingWorld:
    return build_world(db, tmp_path)


# The command-line fixtures (a SQLite file of its own per test), shared with tests/cli.
from tests.cli.conftest import cli_path, cli_url, invoke  # noqa: E402, F401

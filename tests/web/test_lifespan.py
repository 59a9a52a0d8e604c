"""The server's start-up: what it built is frozen out of the garbage collector's walks,
unless the settings say not to (a test session starts hundreds of apps); its thread pool is
sized from the requests it admits."""

import gc

import pytest
from anyio import to_thread
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from aseancyber.app import create_app
from aseancyber.settings import THREADS_BESIDE_ADMITTED, Settings
from tests.conftest import NO_DATABASE_URL, make_settings


@pytest.mark.parametrize("freeze", [True, False])
def test_start_up_freezes_the_heap_only_when_the_settings_ask(freeze: bool) -> None:
    settings = make_settings(NO_DATABASE_URL, freeze_heap_on_start=freeze)
    app = create_app(settings=settings, session_factory=sessionmaker())
    before = gc.get_freeze_count()
    with TestClient(app):
        frozen_while_serving = gc.get_freeze_count()
    assert (frozen_while_serving > before) is freeze
    assert gc.get_freeze_count() == before  # unfrozen again when the server stops


def test_a_server_freezes_by_default_and_the_tests_do_not() -> None:
    assert Settings.model_fields["freeze_heap_on_start"].default is True
    assert make_settings(NO_DATABASE_URL).freeze_heap_on_start is False


def test_the_server_runs_requests_in_as_many_threads_as_it_admits() -> None:
    settings = make_settings(NO_DATABASE_URL, request_concurrency=3)
    app = create_app(settings=settings, session_factory=sessionmaker())
    with TestClient(app) as client:
        assert client.portal is not None
        limit = client.portal.call(_thread_limit)
    assert limit == settings.request_threads() == 3 + THREADS_BESIDE_ADMITTED


async def _thread_limit() -> float:
    return to_thread.current_default_thread_limiter().total_tokens

"""Fixtures for sharing: a collection in the reader world, and taxii2-client on the app."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from requests.structures import CaseInsensitiveDict
from sqlalchemy.orm import Session
from taxii2client.common import _HTTPConnection

import requests
from aseancyber.access.models import User
from aseancyber.access.policy import Tlp
from aseancyber.sharing.models import Collection, CollectionKind
from aseancyber.sharing.service import add_tlp_definitions
from tests.readers import TokenFor, World

TAXII = "http://testserver/taxii2/"


def make_collection(
    db: Session, world: World, *, public_read: bool = True, default_tlp: Tlp = Tlp.AMBER
) -> Collection:
    """A collection owned by the author's organisation (no coordinator needed in tests)."""
    collection = Collection(
        title="Test SingCERT feed",
        kind=CollectionKind.OWN,
        owner_organisation_id=world.owner_org.id,
        default_tlp=default_tlp,
        public_read=public_read,
    )
    db.add(collection)
    db.flush()
    add_tlp_definitions(db, collection=collection, owner_organisation_id=world.owner_org.id)
    return collection


@pytest.fixture
def collection(db: Session, world: World) -> Collection:
    return make_collection(db, world, public_read=False)


class AppAdapter(requests.adapters.BaseAdapter):
    """Sends requests' requests to the ASGI app in-process (same test transaction)."""

    def __init__(self, client: TestClient) -> None:
        super().__init__()
        self.client = client

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        answer = self.client.request(
            str(request.method),
            str(request.url),
            headers={
                key: value if isinstance(value, str) else value.decode()
                for key, value in request.headers.items()
            },
            content=request.body,  # type: ignore[arg-type]
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = CaseInsensitiveDict(answer.headers)
        response._content = answer.content
        response.url = str(request.url)
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


TaxiiConnection = Callable[[User], Any]


@pytest.fixture
def taxii_conn(client: TestClient, token_for: TokenFor) -> TaxiiConnection:
    """A taxii2-client connection for a user: HTTP Basic with an API token as the password."""

    def make(user: User) -> Any:
        secret = token_for(user)["Authorization"].removeprefix("Bearer ")
        conn = _HTTPConnection(user=user.email, password=secret, version="2.1")
        conn.session.mount("http://testserver", AppAdapter(client))
        return conn

    return make

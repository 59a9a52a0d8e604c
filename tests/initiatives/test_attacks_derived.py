"""Attacks through derived answers of the initiatives registry: an import's "overlaps
flagged" counts only pairs whose two initiatives the importer may see."""

import json

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.initiatives.conftest import SAME_TRAINING_OTHER_BODY, TRAINING, Register
from tests.readers import BrowserFor, TokenFor, World

API = "/api/v1/initiatives"


def _row(fields: dict[str, object], tlp: str) -> dict[str, object]:
    row = {key: value for key, value in fields.items() if key != "tlp"}
    return {**row, "tlp": tlp}


def test_an_import_counts_only_overlaps_with_initiatives_the_importer_may_see(
    *,
    client: TestClient,
    db: Session,
    world: World,
    token_for: TokenFor,
    browser_for: BrowserFor,
    register: Register,
) -> None:
    # SingCERT's RED initiative, shared with CERT-PH only: MyCERT may not know it exists.
    register(
        **{**TRAINING, "tlp": "TLP:RED", "audience_organisation_ids": [world.recipient_org.id]}
    )
    db.commit()
    content = json.dumps([_row(SAME_TRAINING_OTHER_BODY, "TLP:GREEN")])
    # In the browser: the flash message counts none, and does not send MyCERT to review.
    browser = browser_for(world.other_state)
    files = {"file": ("initiatives.json", content.encode(), "application/json")}
    page = browser.client.post(
        "/initiatives/import",
        data={"csrf_token": browser.csrf, "tlp": "TLP:GREEN"},
        files=files,
        follow_redirects=False,
    )
    assert page.status_code == 303, page.text
    assert page.headers["location"] == "/initiatives"  # not to the overlaps to review
    landing = browser.client.get(page.headers["location"])
    assert "1 initiatives imported; 0 possible overlaps flagged" in landing.text
    other_state = token_for(world.other_state)
    assert client.get(f"{API}/overlaps", headers=other_state).json()["items"] == []
    # Over REST, the Secretariat's import of the same rows overlaps MyCERT's GREEN one
    # (counted) and SingCERT's RED one (not counted: the coordinator may not see it).
    answer = client.post(
        f"{API}/import",
        json={"format": "json", "content": content},
        headers=token_for(world.coordinator),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["imported"] == 1, answer.json()
    assert answer.json()["overlaps_flagged"] == 1
    # The pairs exist: the RED initiative's recipient importing the same rows counts all three.
    as_recipient = client.post(
        f"{API}/import",
        json={"format": "json", "content": content},
        headers=token_for(world.recipient),
    )
    assert as_recipient.json()["overlaps_flagged"] == 3

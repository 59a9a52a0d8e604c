"""The share form: its default label, the audience preview (REST and page) against what
the policy then does, who gets a form at all, the upload result's links and the object
page in words."""

import json
import re
import uuid

from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.sharing import service
from aseancyber.sharing.models import Collection, CollectionKind
from tests.factories import actor
from tests.readers import BrowserFor, ClientsFor, World
from tests.sharing.conftest import make_collection


def _regional(db: Session, world: World) -> Collection:
    return service.create_collection(
        db,
        actor=actor(world.coordinator),
        title="ASEAN regional",
        kind=CollectionKind.REGIONAL,
        default_tlp=Tlp.CLEAR,
    )


def _selected_label(html: str) -> str:
    select = html.split('id="tlp"', 1)[1].split("</select>", 1)[0]
    found = re.search(r'<option value="([^"]+)" selected>', select)
    assert found is not None
    return found.group(1)


def test_the_label_defaults_to_the_collections_never_below_green(
    db: Session, world: World, browser_for: BrowserFor
) -> None:
    regional = _regional(db, world)  # default TLP:CLEAR
    own = make_collection(db, world, default_tlp=Tlp.AMBER_STRICT)
    db.commit()
    page = browser_for(world.author).client
    cleared = page.get("/sharing/share", params={"collection_id": regional.id})
    assert cleared.status_code == 200, cleared.text
    assert _selected_label(cleared.text) == "TLP:GREEN"
    strict = page.get("/sharing/share", params={"collection_id": own.id})
    assert _selected_label(strict.text) == "TLP:AMBER+STRICT"
    # Each collection tells the form's script its proposed label.
    assert f'value="{regional.id}" data-default-tlp="TLP:GREEN"' in strict.text


def _preview(rest: object, **params: object) -> dict[str, object]:
    answer = rest.get("/api/v1/sharing/audience", params=params)  # type: ignore[attr-defined]
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def _names(body: dict[str, object]) -> set[str]:
    return {str(o["name"]) for o in body["organisations"]}  # type: ignore[attr-defined]


def test_the_audience_preview_is_what_the_policy_then_does(
    db: Session, world: World, clients_for: ClientsFor
) -> None:
    public = make_collection(db, world, public_read=True)
    db.commit()
    rest, _ = clients_for(world.author)
    everyone = [
        world.author,
        world.colleague,
        world.other_state,
        world.recipient,
        world.named_user,
        world.named_users_colleague,
        world.external,
        world.coordinator,
    ]
    choices: list[dict[str, object]] = [
        {"tlp": "TLP:GREEN"},
        {"tlp": "TLP:GREEN", "green_includes_external": True},
        {"tlp": "TLP:AMBER", "audience_organisation_ids": [world.recipient_org.id]},
        {"tlp": "TLP:RED", "audience_user_ids": [world.named_user.id]},
        {"tlp": "TLP:CLEAR"},
    ]
    for choice in choices:
        preview = _preview(rest, collection_id=public.id, **choice)
        shared = rest.post(
            "/api/v1/sharing/indicators",
            json={
                "collection_id": public.id,
                "observable_type": "domain-name",
                "value": f"{uuid.uuid4().hex[:12]}.evil-preview.net",
                **choice,
            },
        )
        assert shared.status_code == 201, shared.text
        record = shared.json()["id"]
        organisations = _names(preview)
        people = {p["display_name"] for p in preview["people"]}  # type: ignore[attr-defined]
        for user in everyone:
            reader, _ = clients_for(user)
            sees = reader.get(f"/api/v1/sharing/objects/{record}").status_code == 200
            named = user.organisation.name in organisations or user.display_name in people
            assert sees == named, (choice, user.email, preview["summary"])
        stored = rest.get(f"/api/v1/sharing/objects/{record}/audience").json()
        assert _names(stored) == organisations, choice
    green = _preview(rest, collection_id=public.id, tlp="TLP:GREEN")
    assert world.external_org.name not in _names(green)
    assert "No dialogue partner or other external party" in str(green["summary"])
    with_partners = _preview(
        rest, collection_id=public.id, tlp="TLP:GREEN", green_includes_external=True
    )
    assert world.external_org.name in _names(with_partners)
    assert "external parties: Test Vendor Ltd" in str(with_partners["summary"])
    assert _preview(rest, collection_id=public.id, tlp="TLP:CLEAR")["public"] is True


def test_the_preview_refuses_what_the_sharer_may_not_use(
    db: Session, world: World, clients_for: ClientsFor
) -> None:
    own = make_collection(db, world, public_read=False)
    db.commit()
    outsider, _ = clients_for(world.other_state)
    hidden = outsider.get(
        "/api/v1/sharing/audience", params={"collection_id": own.id, "tlp": "TLP:GREEN"}
    )
    assert hidden.status_code == 404
    rest, _ = clients_for(world.author)
    unknown = rest.get(
        "/api/v1/sharing/audience",
        params={
            "collection_id": own.id,
            "tlp": "TLP:AMBER",
            "audience_organisation_ids": str(uuid.uuid4()),
        },
    )
    assert unknown.status_code == 422
    assert "unknown organisation" in unknown.text
    for bad in ("a\x00b", "x" * 37):
        refused = rest.get(
            "/api/v1/sharing/audience",
            params={"collection_id": own.id, "tlp": "TLP:RED", "audience_user_ids": bad},
        )
        assert refused.status_code == 422, bad
    bad_label = rest.get(
        "/api/v1/sharing/audience", params={"collection_id": own.id, "tlp": "TLP:PINK"}
    )
    assert bad_label.status_code == 422


def test_the_page_shows_the_audience_before_sharing_without_script(
    db: Session, world: World, browser_for: BrowserFor
) -> None:
    own = make_collection(db, world, public_read=True)
    db.commit()
    page = browser_for(world.author).client
    form = page.get(
        "/sharing/share",
        params={
            "collection_id": own.id,
            "tlp": "TLP:AMBER",
            "audience_organisation_ids": world.recipient_org.id,
            "value": "kept.evil-preview.net",
        },
    )
    assert form.status_code == 200
    box = form.text.split('id="audience-preview"', 1)[1].split("</section>", 1)[0]
    assert "Test SingCERT" in box
    assert "Test MyCERT" not in box
    assert "No dialogue partner or other external party" in box
    assert 'value="kept.evil-preview.net"' in form.text  # the input survives the preview
    assert 'formmethod="get"' in form.text  # the no-script "Show who will see it"
    assert "<script>" not in form.text  # CSP: no inline script
    fragment = page.get(
        "/sharing/share/audience",
        params={
            "collection_id": own.id,
            "tlp": "TLP:RED",
            "audience_user_ids": world.named_user.id,
        },
    )
    assert fragment.status_code == 200
    assert fragment.text.startswith('<div id="audience-fragment">')
    assert world.named_user.display_name in fragment.text
    private = make_collection(db, world, public_read=False)
    db.commit()
    unreadable = page.get(
        "/sharing/share/audience",
        params={
            "collection_id": private.id,
            "tlp": "TLP:RED",
            "audience_user_ids": world.named_user.id,
        },
    )
    assert "Named but unable to see it" in unreadable.text
    assert world.named_user.display_name in unreadable.text


def test_who_may_not_share_gets_an_explanation_not_a_dead_end_form(
    db: Session, world: World, browser_for: BrowserFor
) -> None:
    make_collection(db, world, public_read=True)
    db.commit()
    for user, words in ((world.org_admin, "Your role"), (world.external, "external party")):
        page = browser_for(user).client
        for url in ("/sharing/share", "/sharing/upload"):
            answer = page.get(url)
            assert answer.status_code == 200, url
            assert words in answer.text, (user.email, url)
            assert 'method="post" action="/sharing/' not in answer.text, (user.email, url)
        assert 'href="/sharing/share"' not in page.get("/sharing/objects").text
    objects = browser_for(world.author).client.get("/sharing/objects").text
    assert 'href="/sharing/share"' in objects
    assert 'href="/sharing/upload"' in objects


def test_the_upload_result_links_to_the_stored_objects(
    db: Session, world: World, browser_for: BrowserFor
) -> None:
    own = make_collection(db, world, public_read=False)
    db.commit()
    browser = browser_for(world.author)
    indicator = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": "uploaded C2",
        "pattern": "[ipv4-addr:value = '45.77.1.2']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [indicator]}
    answer = browser.client.post(
        "/sharing/upload",
        data={"csrf_token": browser.csrf, "collection_id": own.id},
        files={"file": ("b.json", json.dumps(bundle).encode(), "application/json")},
    )
    assert answer.status_code == 200, answer.text
    link = re.search(r'href="(/sharing/objects/[0-9a-f-]{36})">indicator: uploaded C2', answer.text)
    assert link is not None, answer.text
    assert browser.client.get(link.group(1)).status_code == 200


def test_the_object_page_says_who_sees_it_and_reads_as_words(
    db: Session, world: World, clients_for: ClientsFor
) -> None:
    own = make_collection(db, world, public_read=True)
    db.commit()
    rest, page = clients_for(world.author)
    shared = rest.post(
        "/api/v1/sharing/indicators",
        json={
            "collection_id": own.id,
            "observable_type": "ipv4-addr",
            "value": "45.77.1.3",
            "tlp": "TLP:AMBER",
            "audience_organisation_ids": [world.recipient_org.id],
        },
    )
    assert shared.status_code == 201, shared.text
    html = page.get(f"/sharing/objects/{shared.json()['id']}").text
    shown = html.split("<details>", 1)[0]
    words = shown.split('id="shared-with"', 1)[1].split("</section>", 1)[0]
    assert "Test SingCERT" in words
    assert "Test CERT-PH" in words
    assert "Test MyCERT" not in words
    assert "IPv4 address 45.77.1.3" in shown
    assert "<dd>TLP:AMBER</dd>" in shown  # the marking as a label, not its id
    assert "marking-definition--" not in shown
    assert "<dd>Test SingCERT</dd>" in shown  # created_by_ref as the organisation's name
    raw = html.split("<details>", 1)[1]
    assert "marking-definition--" in raw  # the raw STIX is still there, behind a toggle

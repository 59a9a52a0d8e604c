"""Pasted text is read exactly like an uploaded log file: one extractor, the same results."""

import re

from sqlalchemy.orm import Session

from aseancyber.matching.service import observables_in
from tests.matching.conftest import indicator, store
from tests.readers import BrowserFor, ClientsFor, World
from tests.sharing.conftest import make_collection

LOG = (
    '2026-11-28T04:00:01Z 45.77.1.2 GET "https://cdn.evil-c2.net/a.js" 200 ua="curl"\n'
    "2026-11-28T04:00:02Z 10.9.8.7 DNS query Evil-C2.net A\n"
    "Nov 28 04:00:03 mail postfix: from=<Phish@Bad-Sender.net> relay hxxp://evil-c2[.]net/x\n"
    "nothing here at all\n"
)


def _results(html: str) -> str:
    return html.split('<section aria-labelledby="results">', 1)[1].split("</section>", 1)[0]


def test_pasted_log_lines_match_like_the_same_file(
    db: Session, world: World, browser_for: BrowserFor, clients_for: ClientsFor
) -> None:
    collection = make_collection(db, world)
    store(
        db,
        author=world.author,
        collection=collection,
        objects=[
            indicator("[ipv4-addr:value = '45.77.1.2']", name="C2 server"),
            indicator("[domain-name:value = 'evil-c2.net']", name="C2 domain"),
            indicator("[email-addr:value = 'phish@bad-sender.net']", name="phisher"),
        ],
    )
    db.commit()
    browser = browser_for(world.other_state)
    pasted = browser.client.post("/matching", data={"csrf_token": browser.csrf, "observables": LOG})
    uploaded = browser.client.post(
        "/matching",
        data={"csrf_token": browser.csrf, "observables": ""},
        files={"file": ("access.log", LOG.encode(), "text/plain")},
    )
    assert pasted.status_code == uploaded.status_code == 200
    # The CSRF-free part of the page: the results section, identical both ways.
    assert _results(pasted.text) == _results(uploaded.text)
    status = re.search(r"(\d+) submitted, (\d+) recognised, <strong>(\d+) matched", pasted.text)
    assert status is not None
    submitted, recognised, matched = (int(g) for g in status.groups())
    assert (recognised, matched) == (submitted - 1, 3)  # only "nothing here at all" is not
    for name in ("C2 server", "C2 domain", "phisher"):
        assert name in _results(pasted.text)
    rest, _ = clients_for(world.other_state)
    answer = rest.post("/api/v1/matching", json={"text": LOG}).json()
    assert (answer["submitted"], answer["recognised"], answer["matched"]) == (
        submitted,
        recognised,
        matched,
    )


def test_one_extractor_for_lines_refanged_and_in_order() -> None:
    assert observables_in(LOG.splitlines()) == [
        "45.77.1.2",
        "https://cdn.evil-c2.net/a.js",
        "cdn.evil-c2.net",
        "10.9.8.7",
        "evil-c2.net",
        "phish@bad-sender.net",
        "http://evil-c2.net/x",
        "nothing here at all",
    ]
    # One observable per line, as people paste them, is still each observable.
    assert observables_in(["Evil.Example", "  10.0.0.0/8 ", "hxxps://a[.]example/x"]) == [
        "evil.example",
        "10.0.0.0/8",
        "https://a.example/x",
        "a.example",
    ]

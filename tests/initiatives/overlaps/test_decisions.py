"""Coordinators' decisions on pairs: a pair marked not a duplicate is not proposed again, a
missed pair flagged by hand becomes an overlap detection keeps, decisions teach the detector,
and "merge" merges without showing anything to a reader it was not shared with."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.audit.models import AuditEntry
from aseancyber.initiatives.detection import feedback, live_index
from aseancyber.initiatives.detection.feedback import Verdict, learn_term_weights
from aseancyber.initiatives.detection.index import Profile
from aseancyber.initiatives.overlaps import service as overlaps
from aseancyber.initiatives.overlaps.models import Overlap, OverlapStatus, PairDecision, PairVerdict
from tests.initiatives.conftest import SAME_TRAINING_OTHER_BODY, TRAINING, Register
from tests.readers import BrowserFor, TokenFor, World

API = "/api/v1/initiatives"

FORENSICS = {
    **TRAINING,
    "title": "Digital forensics for investigators",
    "summary": "Evidence acquisition and analysis for police investigators of Malaysia.",
    "activities": "Laboratory sessions in Kuala Lumpur.",
    "target_audience": ["technical"],
}


def _overlap(db: Session, first: str, second: str) -> Overlap | None:
    a, b = sorted((first, second))
    return db.scalar(select(Overlap).where(Overlap.first_id == a, Overlap.second_id == b))


def _status(db: Session, overlap: Overlap) -> OverlapStatus:
    db.refresh(overlap)
    return overlap.status


def test_not_a_duplicate_is_not_proposed_again_until_the_texts_become_alike(
    client: TestClient, db: Session, world: World, token_for: TokenFor, register: Register
) -> None:
    first = register(**TRAINING)
    second = register(by=world.other_state, **SAME_TRAINING_OTHER_BODY)
    db.commit()
    overlap = _overlap(db, first.id, second.id)
    assert overlap is not None
    assert overlap.status is OverlapStatus.OPEN
    coordinator = token_for(world.coordinator)
    body = {"first_id": first.id, "second_id": second.id, "verdict": "not_duplicate"}
    no_reason = client.post(f"{API}/pair-decisions", json=body, headers=coordinator)
    assert no_reason.status_code == 422
    assert "reason" in no_reason.text
    decided = client.post(
        f"{API}/pair-decisions",
        json={**body, "reason": "Two cohorts of one programme, already coordinated"},
        headers=coordinator,
    )
    assert decided.status_code == 201, decided.text
    assert decided.json()["overlap_id"] == overlap.id
    assert _status(db, overlap) is OverlapStatus.DISMISSED
    # Re-running detection over the whole registry does not propose it again ...
    overlaps.detect_all(db)
    db.commit()
    assert _status(db, overlap) is OverlapStatus.DISMISSED
    # ... until one is rewritten into the other's very work.
    edited = client.patch(
        f"{API}/{second.id}",
        json={
            "version": second.version,
            "title": TRAINING["title"],
            "summary": TRAINING["summary"],
            "activities": TRAINING["activities"],
        },
        headers=token_for(world.other_state),
    )
    assert edited.status_code == 200, edited.text
    assert _status(db, overlap) is OverlapStatus.OPEN


def test_a_missed_pair_flagged_by_a_coordinator_becomes_an_overlap_that_stays(
    client: TestClient, db: Session, world: World, token_for: TokenFor, register: Register
) -> None:
    first = register(**TRAINING)
    second = register(by=world.other_state, **FORENSICS)
    db.commit()
    assert _overlap(db, first.id, second.id) is None
    body = {"first_id": first.id, "second_id": second.id, "verdict": "duplicate"}
    refused = client.post(f"{API}/pair-decisions", json=body, headers=token_for(world.author))
    assert refused.status_code == 403
    same = client.post(
        f"{API}/pair-decisions",
        json={**body, "second_id": first.id},
        headers=token_for(world.coordinator),
    )
    assert same.status_code == 422
    flagged = client.post(f"{API}/pair-decisions", json=body, headers=token_for(world.coordinator))
    assert flagged.status_code == 201, flagged.text
    overlap = _overlap(db, first.id, second.id)
    assert overlap is not None
    assert flagged.json()["overlap_id"] == overlap.id
    assert overlap.status is OverlapStatus.OPEN
    # What the decision taught reaches the process's index, rebuilt with the new weights.
    learnt = feedback.term_weights(db)
    assert learnt
    assert all(weight > 1.0 for weight in learnt.values())
    # Detection, which would not flag the pair by itself, keeps it.
    overlaps.detect_all(db)
    overlaps.detect_for(db, initiative_ids=[second.id])
    assert live_index.PROCESS_INDEX.last.rebuilt
    db.commit()
    assert _overlap(db, first.id, second.id) is not None
    listed = client.get(f"{API}/pair-decisions", headers=token_for(world.coordinator)).json()
    assert [d["verdict"] for d in listed] == ["duplicate"]
    assert db.scalar(
        select(AuditEntry).where(AuditEntry.action == "initiative_pair_decision.create")
    )


def test_a_pair_one_cannot_see_is_not_found_and_decisions_on_it_are_not_listed(
    client: TestClient, db: Session, world: World, token_for: TokenFor, register: Register
) -> None:
    hidden = register(**{**TRAINING, "tlp": "TLP:AMBER+STRICT"})
    shown = register(by=world.other_state, **SAME_TRAINING_OTHER_BODY)
    db.commit()
    body = {"first_id": hidden.id, "second_id": shown.id, "verdict": "duplicate"}
    answer = client.post(f"{API}/pair-decisions", json=body, headers=token_for(world.coordinator))
    assert answer.status_code == 404
    assert db.scalar(select(PairDecision)) is None
    db.add(
        PairDecision(
            first_id=min(hidden.id, shown.id),
            second_id=max(hidden.id, shown.id),
            verdict=PairVerdict.DUPLICATE,
        )
    )
    db.commit()
    assert client.get(f"{API}/pair-decisions", headers=token_for(world.coordinator)).json() == []


def test_merge_folds_the_duplicate_into_the_kept_one_which_leaves_lists(
    client: TestClient, db: Session, world: World, token_for: TokenFor, register: Register
) -> None:
    kept = register(**TRAINING)
    duplicate = register(
        **{**SAME_TRAINING_OTHER_BODY, "beneficiary_states": ["MY", "PH", "ID"], "norms": ["h"]}
    )
    db.commit()
    overlap = _overlap(db, kept.id, duplicate.id)
    assert overlap is not None
    coordinator = token_for(world.coordinator)
    review = {"version": overlap.version, "status": "confirmed", "decision": "merge"}
    stranger = client.post(
        f"{API}/overlaps/{overlap.id}/review",
        json={**review, "keep_id": "00000000-0000-4000-8000-000000000000"},
        headers=coordinator,
    )
    assert stranger.status_code == 422
    assert "keep_id" in stranger.text
    merged = client.post(
        f"{API}/overlaps/{overlap.id}/review",
        json={**review, "keep_id": kept.id},
        headers=coordinator,
    )
    assert merged.status_code == 200, merged.text
    shown = client.get(f"{API}/{kept.id}", headers=coordinator).json()
    assert shown["beneficiary_states"] == ["MY", "PH", "ID"]
    assert "h" in shown["norms"]
    assert "Workshop in Manila" in shown["activities"]
    gone = client.get(f"{API}/{duplicate.id}", headers=coordinator).json()
    assert gone["merged"] is True
    assert gone["merged_into_id"] == kept.id
    listed = client.get(API, headers=coordinator).json()["items"]
    assert [item["id"] for item in listed] == [kept.id]
    decision = db.scalar(select(PairDecision))
    assert decision is not None
    assert decision.verdict is PairVerdict.DUPLICATE
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "initiative.update"))
    # The ministers' report counts one initiative and offers no coordination option for it.
    period = {"start": "2026-01-01", "end": "2026-12-31", "format": "html"}
    html = client.get(f"{API}/report", params=period, headers=coordinator).text
    assert '<td>Initiatives active in the period</td><td class="n">1</td>' in html
    assert '<td>Duplicates merged after review (counted once)</td><td class="n">1</td>' in html
    assert "Joint delivery" not in html


def test_merge_is_refused_when_it_would_show_the_duplicate_more_widely(
    client: TestClient, db: Session, world: World, token_for: TokenFor, register: Register
) -> None:
    kept = register(**TRAINING)  # TLP:GREEN: the whole community
    duplicate = register(
        **{
            **SAME_TRAINING_OTHER_BODY,
            "tlp": "TLP:AMBER",
            "audience_organisation_ids": [world.secretariat.id],
        }
    )
    db.commit()
    overlap = _overlap(db, kept.id, duplicate.id)
    assert overlap is not None
    answer = client.post(
        f"{API}/overlaps/{overlap.id}/review",
        json={"version": 1, "status": "confirmed", "decision": "merge", "keep_id": kept.id},
        headers=token_for(world.coordinator),
    )
    assert answer.status_code == 422
    assert "TLP:AMBER" in answer.text
    db.expire_all()
    assert duplicate.merged_into_id is None
    assert overlap.status is OverlapStatus.OPEN
    assert "Workshop in Manila" not in kept.activities


def test_decisions_move_the_weights_of_the_terms_the_pair_shared() -> None:
    def profile(id_: str, title: str) -> Profile:
        return Profile(id=id_, title=title, text="")

    rejected = Verdict(
        profile("a", "Malware training Bangkok"), profile("b", "Cloud training Bangkok"), False
    )
    missed = Verdict(profile("c", "CII protection"), profile("d", "Critical infrastructure"), True)
    weights = learn_term_weights([rejected, rejected, missed])
    assert weights["training"] < 1.0
    assert weights["bangkok"] < 1.0
    assert weights["critical_infrastructure"] > 1.0
    assert "malware" not in weights


def test_deciding_on_pairs_in_the_browser(
    db: Session, world: World, browser_for: BrowserFor, register: Register
) -> None:
    first = register(**TRAINING)
    second = register(by=world.other_state, **FORENSICS)
    db.commit()
    author = browser_for(world.author)
    assert "Record the decision" not in author.client.get("/initiatives/pair-decisions").text
    browser = browser_for(world.coordinator)
    detail = browser.client.get(f"/initiatives/{first.id}")
    assert f"/initiatives/pair-decisions?first={first.id}" in detail.text
    page = browser.client.get(f"/initiatives/pair-decisions?first={first.id}")
    assert page.status_code == 200
    assert f'value="{first.id}"' in page.text
    form = {
        "csrf_token": browser.csrf,
        "first_id": first.id,
        "second_id": second.id,
        "verdict": "not_duplicate",
        "reason": "",
    }
    refused = browser.client.post("/initiatives/pair-decisions", data=form)
    assert refused.status_code == 422
    assert "say why" in refused.text
    form["verdict"] = "duplicate"
    done = browser.client.post("/initiatives/pair-decisions", data=form, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"].startswith("/initiatives/overlaps/")
    listed = browser.client.get("/initiatives/pair-decisions")
    assert "Digital forensics for investigators" in listed.text
    assert "Duplicate" in listed.text


def test_decisions_on_a_whole_registry_of_pairs_are_found_in_one_read(
    db: Session, world: World, register: Register
) -> None:
    """Detection over a whole registry asks about more pairs than a chunk: the decisions
    (and stored overlaps) on them are found all the same, and no others."""
    first = register(**TRAINING)
    second = register(by=world.other_state, **SAME_TRAINING_OTHER_BODY)
    third = register(**FORENSICS)
    decided = feedback.record(
        db,
        first_id=first.id,
        second_id=second.id,
        verdict=PairVerdict.NOT_DUPLICATE,
        text_similarity=0.5,
        reason="Two cohorts of one programme",
        user_id=None,
    )
    db.flush()
    pair = (decided.first_id, decided.second_id)
    asked = [(f"a-{n:04d}", f"b-{n:04d}") for n in range(feedback.CHUNK + 1)] + [pair]
    assert set(feedback.decisions_for(db, asked)) == {pair}
    assert feedback.decisions_for(db, asked[:-1]) == {}
    stored = {(o.first_id, o.second_id) for o in db.scalars(select(Overlap))}
    assert pair in stored  # the first two overlap
    not_stored = (min(first.id, third.id), max(first.id, third.id))
    assert set(overlaps.existing_pairs(db, sorted({*asked, *stored, not_stored}))) == stored

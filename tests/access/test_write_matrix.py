"""The write-permission matrix: every (record kind, action) of the write rules x every actor
kind, each cell a hand-written allow/deny, held against :func:`may`, :func:`require`, the SQL
filter :func:`writable_by` and (for at least one action of every shareable kind) the real
REST route and page: 404 for a record the actor may not see, 403 for one it sees but may not
change, success otherwise.

The expectations are written out from BRIEF.md and the permissions table, not derived from
the rules under test; the cells are generated from the rules table, so a new rule without a
row here, or a shareable model without a rule, fails the first test.
"""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation, OrganisationKind, Role, TokenScope, User
from aseancyber.access.policy import SHAREABLE_MODELS, Actor
from aseancyber.access.rules import RULES, Action, Proposed, Scope, kind_of, may, require
from aseancyber.access.rules import writable_by as writable
from aseancyber.cases import service as cases_service
from aseancyber.cases.models import Case
from aseancyber.contacts.models import Contact, ContactCheck
from aseancyber.errors import Forbidden, NotFound
from aseancyber.initiatives.overlaps.models import Overlap, PairDecision
from aseancyber.norms.models import EvidenceSharing, NormAction, NormAssessment
from aseancyber.positions.models import FollowUpAction
from aseancyber.routing.models import ConstituencyEntry, RoutingInbox
from aseancyber.sharing import service as sharing_service
from aseancyber.sharing.models import Collection, SharingGroup, StixObject
from tests.factories import actor, bearer, make_org
from tests.matrix import LABELS, MATRIX
from tests.norms.matrix import fresh_action
from tests.readers import BrowserFor, World, make_user
from tests.sharing.conftest import make_collection

# --- who acts ----------------------------------------------------------------------------------


@dataclass
class Writers:
    """The reader world's users, plus the writers it lacks."""

    world: World
    peer: User  # contributor in the owner organisation (not the author)
    partner: User  # contributor in a dialogue partner's agency

    def user(self, name: str) -> User:
        found = getattr(self, name) if name in ("peer", "partner") else getattr(self.world, name)
        assert isinstance(found, User)
        return found

    def actor(self, name: str) -> Actor:
        if name == "read_only":  # the author, through a read-only API token
            return dataclasses.replace(actor(self.world.author), token_can_write=False)
        return actor(self.user(name))


@pytest.fixture
def writers(db: Session, world: World) -> Writers:
    partner_org = make_org(db, kind=OrganisationKind.DIALOGUE_PARTNER_AGENCY, name="Test Partner")
    return Writers(
        world=world,
        peer=make_user(db, world.owner_org, Role.CONTRIBUTOR),
        partner=make_user(db, partner_org, Role.CONTRIBUTOR),
    )


ACTORS = (
    "author",  # owner organisation, wrote the record
    "peer",  # same organisation, contributor
    "colleague",  # same organisation, viewer
    "org_admin",  # the owner organisation's administrator
    "recipient",  # a member of the named organisation
    "named_user",  # a person named individually
    "other_state",
    "coordinator",  # Secretariat regional coordinator
    "platform_admin",
    "partner",  # dialogue partner
    "external",  # vendor
    "read_only",  # the author through a read-only API token
)
# Whose reading the read matrix (tests/matrix.py EXPECTED) states for each actor.
READS_AS = {"peer": "colleague", "partner": "external", "read_only": "author"}

# --- the expectations --------------------------------------------------------------------------

OWNER_WRITERS = frozenset({"author", "peer"})
CONTRIBUTORS = OWNER_WRITERS | {
    "recipient",
    "named_user",
    "other_state",
    "coordinator",
    "partner",
    "external",
}
COMMUNITY_CONTRIBUTORS = CONTRIBUTORS - {"partner", "external"}

# Who may act, on a record of the author's organisation that they see (the owner
# organisation is SingCERT, in Singapore; the named organisation is in the Philippines).
ALLOWED: dict[tuple[str, Action], frozenset[str]] = {
    ("document", Action.CREATE): CONTRIBUTORS,
    ("document", Action.EDIT): OWNER_WRITERS,
    ("document", Action.DELETE): OWNER_WRITERS,
    ("document", Action.RELABEL): CONTRIBUTORS,  # raise a label one sees
    ("organisation", Action.EDIT): frozenset({"org_admin", "platform_admin"}),
    ("contact", Action.CREATE): frozenset({"org_admin"}),
    ("contact", Action.EDIT): frozenset({"org_admin"}),
    ("contact", Action.DELETE): frozenset({"org_admin"}),
    ("contact_check", Action.CREATE): frozenset({"coordinator"}),
    ("contact_check", Action.EDIT): frozenset({"coordinator"}),
    ("initiative", Action.CREATE): CONTRIBUTORS,
    ("initiative", Action.EDIT): OWNER_WRITERS,
    ("initiative", Action.DELETE): OWNER_WRITERS,
    ("initiative", Action.RELABEL): CONTRIBUTORS,
    ("initiative_overlap", Action.REVIEW): frozenset({"coordinator"}),
    ("initiative_pair_decision", Action.REVIEW): frozenset({"coordinator"}),
    ("norm_action", Action.CREATE): frozenset({"coordinator"}),
    ("norm_action", Action.EDIT): frozenset({"coordinator"}),
    ("norm_assessment", Action.CREATE): OWNER_WRITERS,  # Singapore's own government bodies
    ("norm_assessment", Action.EDIT): OWNER_WRITERS,
    ("position", Action.CREATE): COMMUNITY_CONTRIBUTORS,
    ("position", Action.EDIT): OWNER_WRITERS,
    ("position", Action.CONTRIBUTE): COMMUNITY_CONTRIBUTORS,
    ("position", Action.COORDINATE): frozenset(),  # no coordinator in the drafting organisation
    ("norm_evidence_sharing", Action.EDIT): frozenset({"org_admin"}),  # Singapore's own admin
    ("engagement", Action.CREATE): CONTRIBUTORS,
    ("engagement", Action.EDIT): OWNER_WRITERS,
    ("engagement", Action.DELETE): OWNER_WRITERS,
    ("engagement_action", Action.EDIT): frozenset({"recipient"}),  # an action the PH org owns
    ("request", Action.CREATE): CONTRIBUTORS,
    ("request", Action.EDIT): OWNER_WRITERS,  # the requesting side
    ("request", Action.CONTRIBUTE): CONTRIBUTORS,
    ("case", Action.CREATE): CONTRIBUTORS,
    ("case", Action.CONTRIBUTE): frozenset({"author", "peer", "recipient", "named_user"}),
    ("sharing_collection", Action.CREATE): frozenset({"coordinator"}),
    ("sharing_group", Action.CREATE): frozenset({"coordinator"}),
    ("sharing_collection", Action.ADD_OBJECTS): OWNER_WRITERS,  # the owner's own collection
    ("stix_object", Action.DELETE): OWNER_WRITERS,
    ("routing_constituency", Action.EDIT): frozenset({"coordinator", "platform_admin"}),
    ("routing_inbox", Action.NOTIFY): frozenset({"coordinator"}),
}

# Shareable kinds written only through another record, with where that is tested.
WRITTEN_THROUGH = {
    "advisory": "drafted, approved and published by its case's coordinators "
    "(cases.service.require_coordinator): tests/cases/test_advisories.py",
}

NOT_SHAREABLE: dict[str, type[object]] = {
    "organisation": Organisation,
    "contact_check": ContactCheck,
    "initiative_overlap": Overlap,
    "initiative_pair_decision": PairDecision,
    "norm_action": NormAction,
    "norm_evidence_sharing": EvidenceSharing,
    "engagement_action": FollowUpAction,
    "sharing_collection": Collection,
    "sharing_group": SharingGroup,
    "routing_constituency": ConstituencyEntry,
    "routing_inbox": RoutingInbox,
}


def test_every_rule_has_expectations_and_every_writable_model_a_rule() -> None:
    assert set(ALLOWED) == set(RULES)
    ruled = {kind for kind, _ in RULES}
    assert ruled | set(WRITTEN_THROUGH) >= set(SHAREABLE_MODELS)
    assert not ruled & set(WRITTEN_THROUGH)
    assert ruled <= set(SHAREABLE_MODELS) | set(NOT_SHAREABLE)
    for kind, model in {**SHAREABLE_MODELS, **NOT_SHAREABLE}.items():
        assert kind_of(model) == kind


# --- the records acted on ----------------------------------------------------------------------


def _shareable(db: Session, world: World, kind: str, label: str) -> object:
    tlp, external = LABELS[label]
    record_id = MATRIX[kind].make(db, world, tlp, external, f"write{label}")
    record = db.get(SHAREABLE_MODELS[kind], record_id)
    assert record is not None
    return record


def _subject(db: Session, world: World, kind: str, action: Action, label: str) -> object:
    """What the action is done to: a record of the author's organisation, or (to create one)
    its model or proposed record."""
    if action is Action.CREATE:
        if kind == "contact":
            return Proposed(Contact, owner_organisation_id=world.owner_org.id)
        if kind == "norm_assessment":
            return Proposed(NormAssessment, member_state_id=world.owner_org.member_state_id)
        return SHAREABLE_MODELS.get(kind) or NOT_SHAREABLE[kind]
    if kind in SHAREABLE_MODELS:
        return _shareable(db, world, kind, label)
    made: dict[str, Callable[[], object]] = {
        "organisation": lambda: world.owner_org,
        "norm_action": lambda: fresh_action(db),
        "engagement_action": lambda: FollowUpAction(owner_organisation_id=world.recipient_org.id),
        "sharing_collection": lambda: make_collection(db, world, public_read=True),
        "norm_evidence_sharing": lambda: EvidenceSharing(
            member_state_id=world.owner_org.member_state_id
        ),
    }
    return made.get(kind, lambda: NOT_SHAREABLE[kind])()


def _decides(db: Session, kind: str, action: Action, subject: object, who: Actor) -> bool:
    """The answer the domain acts on (with the standing only the domain can establish)."""
    if kind == "case" and isinstance(subject, Case):
        return cases_service.seat_of(db, reader=who, case=subject).can_write
    if isinstance(subject, Collection):
        return sharing_service.can_write(db, actor=who, collection=subject)
    return may(who, action, subject)


def _standing(db: Session, subject: object, who: Actor) -> frozenset[Scope]:
    """The domain's facts: a case's participants; the members of an own collection (its
    owner organisation)."""
    if isinstance(subject, Collection) and subject.owner_organisation_id == who.organisation_id:
        return frozenset({Scope.MEMBER})
    if (
        isinstance(subject, Case)
        and cases_service.seat_of(db, reader=who, case=subject).participants
    ):
        return frozenset({Scope.PARTICIPANT})
    return frozenset()


def _sees(kind: str, label: str, name: str) -> bool:
    if kind not in SHAREABLE_MODELS:
        return True
    return label in MATRIX[kind].expected(READS_AS.get(name, name))


@pytest.mark.parametrize("label", ["green", "amber"])
@pytest.mark.parametrize(("kind", "action"), sorted(ALLOWED))
def test_may_require_and_the_sql_filter_agree_with_every_cell(
    *, kind: str, action: Action, label: str, db: Session, world: World, writers: Writers
) -> None:
    subject = _subject(db, world, kind, action, label)
    shareable_record = kind in SHAREABLE_MODELS and action is not Action.CREATE
    rule_scopes = {grant.scope for grant in RULES[kind, action].grants}
    for name in ACTORS:
        who = writers.actor(name)
        sees = _sees(kind, label, name) if shareable_record else True
        allowed = name in ALLOWED[kind, action] and name != "read_only"
        assert _decides(db, kind, action, subject, who) is allowed, (name, "may")
        outcome: type[Exception] | None = None
        try:
            require(who, action, subject, standing=_standing(db, subject, who))
        except (NotFound, Forbidden) as error:
            outcome = type(error)
        expected = None if sees and allowed else (Forbidden if sees else NotFound)
        assert outcome is expected, (name, "require")
        if shareable_record and not rule_scopes & {Scope.PARTICIPANT, Scope.MEMBER}:
            model = SHAREABLE_MODELS[kind]
            found = db.scalar(
                select(func.count())
                .select_from(model)
                .where(model.id == subject.id, writable(who, action, model))  # type: ignore[attr-defined]
            )
            assert bool(found) is (sees and allowed), (name, "writable_by")


def test_a_read_only_token_writes_nothing_whatever_its_roles(
    db: Session, world: World, writers: Writers
) -> None:
    for name in ("coordinator", "platform_admin", "org_admin", "author"):
        who = dataclasses.replace(writers.actor(name), token_can_write=False)
        for kind, action in RULES:
            subject = _subject(db, world, kind, action, "clear")
            assert not _decides(db, kind, action, subject, who), (name, kind, action)
            if kind in SHAREABLE_MODELS and action is not Action.CREATE:
                model = SHAREABLE_MODELS[kind]
                assert not db.scalar(
                    select(func.count()).select_from(model).where(writable(who, action, model))
                )


def test_no_rule_means_no_write(db: Session, world: World, writers: Writers) -> None:
    """Fail closed: an action without a rule for the kind is refused to everyone, anonymous
    readers never write, and something that is no record is an error, not an answer."""
    document = _shareable(db, world, "document", "clear")
    for name in ACTORS:
        assert not may(writers.actor(name), Action.REVIEW, document), name
    assert not may(None, Action.EDIT, document)
    assert not may(None, Action.CREATE, SHAREABLE_MODELS["document"])
    with pytest.raises(NotFound):
        require(None, Action.EDIT, _shareable(db, world, "document", "red"))
    with pytest.raises(TypeError):
        may(writers.actor("author"), Action.EDIT, object())


# --- through the real routes -------------------------------------------------------------------

TAXII_TYPE = "application/taxii+json;version=2.1"


@dataclass(frozen=True)
class Route:
    """One write route of a shareable kind: the action it takes and how to call it."""

    action: Action
    method: str
    url: Callable[[object], str]
    body: Callable[[object], dict[str, object] | None] = lambda record: None
    headers: tuple[tuple[str, str], ...] = ()


def _id(record: object) -> str:
    return str(record.id)  # type: ignore[attr-defined]


def _version(record: object) -> int:
    return int(record.version)  # type: ignore[attr-defined]


def _taxii_object(record: object) -> str:
    assert isinstance(record, StixObject)
    return f"/taxii2/api/collections/{record.collection_id}/objects/{record.stix_id}/"


REST: dict[str, Route] = {
    "document": Route(Action.DELETE, "DELETE", lambda r: f"/api/v1/documents/{_id(r)}"),
    "initiative": Route(Action.DELETE, "DELETE", lambda r: f"/api/v1/initiatives/{_id(r)}"),
    "contact": Route(Action.DELETE, "DELETE", lambda r: f"/api/v1/contacts/{_id(r)}"),
    "engagement": Route(Action.DELETE, "DELETE", lambda r: f"/api/v1/engagements/{_id(r)}"),
    "norm_assessment": Route(
        Action.EDIT,
        "PATCH",
        lambda r: f"/api/v1/norms/assessments/{_id(r)}",
        lambda r: {"version": _version(r), "evidence": "Changed by the matrix"},
    ),
    "position": Route(
        Action.EDIT,
        "PATCH",
        lambda r: f"/api/v1/positions/{_id(r)}",
        lambda r: {"version": _version(r), "title": "Renamed by the matrix"},
    ),
    "request": Route(
        Action.CONTRIBUTE,
        "POST",
        lambda r: f"/api/v1/requests/{_id(r)}/messages",
        lambda r: {"body": "Any news on this?"},
    ),
    "case": Route(
        Action.CONTRIBUTE,
        "POST",
        lambda r: f"/api/v1/cases/{_id(r)}/messages",
        lambda r: {"body": "We reproduced it."},
    ),
    "stix_object": Route(Action.DELETE, "DELETE", _taxii_object, headers=(("Accept", TAXII_TYPE),)),
}

# Edit forms (GET): 404 unseen, 403 seen but not writable, 200 for writers.
PAGES: dict[str, Route] = {
    "document": Route(Action.RELABEL, "GET", lambda r: f"/documents/{_id(r)}/edit"),
    "initiative": Route(Action.RELABEL, "GET", lambda r: f"/initiatives/{_id(r)}/edit"),
    "contact": Route(Action.EDIT, "GET", lambda r: f"/contacts/{_id(r)}/edit"),
    "engagement": Route(Action.EDIT, "GET", lambda r: f"/engagements/{_id(r)}/edit"),
    "norm_assessment": Route(Action.EDIT, "GET", lambda r: f"/norms/assessments/{_id(r)}/edit"),
    "position": Route(Action.EDIT, "GET", lambda r: f"/positions/{_id(r)}/edit"),
    "request": Route(Action.EDIT, "GET", lambda r: f"/requests/{_id(r)}/edit"),
}


def test_every_writable_shareable_kind_has_a_rest_route_in_the_matrix() -> None:
    assert set(REST) == set(SHAREABLE_MODELS) - set(WRITTEN_THROUGH)
    assert set(PAGES) <= set(REST)
    for kind, route in {**REST, **PAGES}.items():
        assert (kind, route.action) in RULES, kind


def _expected_status(kind: str, action: Action, name: str, success: int) -> int:
    if not _sees(kind, "amber", name):
        return 404
    if name in ALLOWED[kind, action] and name != "read_only":
        return success
    return 403


@pytest.mark.parametrize("kind", sorted(REST))
def test_rest_routes_answer_404_unseen_403_unwritable_and_succeed_for_writers(
    kind: str, client: TestClient, db: Session, world: World, writers: Writers
) -> None:
    route = REST[kind]
    for name in ACTORS:
        record = _shareable(db, world, kind, "amber")
        db.commit()
        user = writers.user("author" if name == "read_only" else name)
        scope = TokenScope.READ if name == "read_only" else TokenScope.READ_WRITE
        headers = bearer(db, user, scope) | dict(route.headers)
        answer = client.request(
            route.method, route.url(record), json=route.body(record), headers=headers
        )
        code = answer.status_code
        if route.method == "DELETE" and code < 300:
            db.expunge(record)  # gone: its ids may be given to the next record's rows
        expected = _expected_status(kind, route.action, name, code if code < 300 else 200)
        assert code == expected, (name, answer.text[:300])
        if code == 404:
            assert "write" + "amber" not in answer.text, name  # nothing of the record leaks


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_edit_pages_answer_404_unseen_403_unwritable_and_open_for_writers(
    kind: str, browser_for: BrowserFor, db: Session, world: World, writers: Writers
) -> None:
    route = PAGES[kind]
    record = _shareable(db, world, kind, "amber")
    db.commit()
    for name in ACTORS:
        if name == "read_only":
            continue  # a token is not a browser session
        browser = browser_for(writers.user(name))
        answer = browser.client.get(route.url(record), follow_redirects=False)
        assert answer.status_code == _expected_status(kind, route.action, name, 200), name

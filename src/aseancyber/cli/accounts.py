"""``aseancyber user|org|token ...``: administer accounts, organisations and API tokens.

Changes made here have no signed-in actor, so each one also appends an explicit
``cli.<command>`` audit event next to the automatic row-change entries.
"""

from datetime import timedelta
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from email_validator import EmailNotValidError, validate_email
from pydantic import ValidationError
from rich.table import Table
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access import service as access_service
from aseancyber.access.models import (
    ApiToken,
    DialoguePartner,
    MemberState,
    Organisation,
    OrganisationKind,
    Role,
    TokenScope,
    User,
    UserRole,
)
from aseancyber.cli.common import console, fail, unit_of_work
from aseancyber.community import service as community_service
from aseancyber.community.schemas import OrganisationCreate
from aseancyber.db import utcnow
from aseancyber.errors import Conflict, Invalid, NotFound

users = typer.Typer(help="Create and manage user accounts.", no_args_is_help=True)
organisations = typer.Typer(help="List and create organisations.", no_args_is_help=True)
tokens = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)

EmailArgument = Annotated[str, typer.Argument(metavar="EMAIL", help="The user's e-mail address.")]
RolesOption = Annotated[
    list[Role] | None,
    typer.Option("--role", help="A role; repeat the option for several."),
]


# --- lookups -------------------------------------------------------------------------------


def find_user(db: Session, email: str) -> User:
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"user with the e-mail address {email.strip()}")
    return user


def find_organisation(db: Session, reference: str) -> Organisation:
    """An organisation by id, exact name or short name (case-insensitive)."""
    text = reference.strip()
    found = db.get(Organisation, text)
    if found is not None:
        return found
    matches = list(
        db.scalars(
            select(Organisation).where(
                or_(
                    func.lower(Organisation.name) == text.lower(),
                    func.lower(Organisation.short_name) == text.lower(),
                )
            )
        )
    )
    exact = [o for o in matches if o.name.lower() == text.lower()]
    if len(exact) == 1:
        return exact[0]
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = "; ".join(sorted(o.name for o in matches))
        raise Invalid(f"names several organisations ({names}); use the full name or id", "org")
    raise NotFound(f"organisation {text!r} (see `aseancyber org list`)")


def _email(address: str) -> str:
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise Invalid(str(error), "email") from error


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise Invalid("is not a known IANA time zone such as Asia/Singapore", "time-zone") from (
            error
        )
    return name


def _record(db: Session, action: str, user: User) -> None:
    audit.record(
        db,
        action=f"cli.{action}",
        record_kind="app_user",
        record_id=user.id,
        record_organisation_id=user.organisation_id,
    )


# --- users ---------------------------------------------------------------------------------


@users.command("create")
def create_user(
    *,
    email: EmailArgument,
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    organisation: Annotated[
        str, typer.Option("--org", help="Organisation: id, name or short name.")
    ],
    roles: RolesOption = None,
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, help="Prompted when omitted."
        ),
    ] = "",
    time_zone: Annotated[
        str | None, typer.Option("--time-zone", help="Default: the member state's.")
    ] = None,
) -> None:
    """Create an account that can sign in at once (default role: contributor)."""
    with unit_of_work() as db:
        address = _email(email)
        if db.scalar(select(User.id).where(User.email == address)) is not None:
            raise Conflict(f"a user with the e-mail address {address} already exists")
        org = find_organisation(db, organisation)
        display_name = name.strip()
        if not display_name or len(display_name) > 200:
            raise Invalid("must be 1 to 200 characters", "name")
        state = org.member_state
        user = User(
            email=address,
            display_name=display_name,
            organisation_id=org.id,
            password_hash=access_service.hash_password(password),
            time_zone=_time_zone(time_zone or (state.time_zone if state else "UTC")),
        )
        user.roles = [UserRole(role=role) for role in sorted(set(roles or [Role.CONTRIBUTOR]))]
        db.add(user)
        db.flush()
        _record(db, "user.create", user)
        summary = f"{user.email} in {org.name} ({', '.join(r.role for r in user.roles)})"
    console.print(f"[green]Created[/] {summary}.")


@users.command("list")
def list_users(
    organisation: Annotated[
        str | None, typer.Option("--org", help="Only this organisation's users.")
    ] = None,
    include_inactive: Annotated[
        bool, typer.Option("--all", help="Include deactivated accounts.")
    ] = False,
) -> None:
    """List accounts by e-mail address."""
    with unit_of_work() as db:
        statement = select(User).order_by(User.email)
        if organisation:
            statement = statement.where(
                User.organisation_id == find_organisation(db, organisation).id
            )
        if not include_inactive:
            statement = statement.where(User.is_active.is_(True))
        rows = list(db.scalars(statement))
        table = Table(title=f"Users ({len(rows)})", title_justify="left")
        for column in ("E-mail", "Name", "Organisation", "Roles", "Second factor", "Active"):
            table.add_column(column, no_wrap=column == "E-mail")
        for user in rows:
            table.add_row(
                user.email,
                user.display_name,
                user.organisation.short_name or user.organisation.name,
                ", ".join(r.role for r in user.roles),
                "yes" if user.totp_enabled else "no",
                "[green]yes[/]" if user.is_active else "[red]no[/]",
            )
    console.print(table)


@users.command("set-roles")
def set_roles(
    email: EmailArgument,
    roles: Annotated[list[Role], typer.Option("--role", help="A role; repeat for several.")],
) -> None:
    """Replace a user's roles."""
    with unit_of_work() as db:
        user = find_user(db, email)
        wanted = set(roles)
        user.roles = [r for r in user.roles if r.role in wanted] + [
            UserRole(role=role) for role in sorted(wanted - user.role_set)
        ]
        db.flush()
        _record(db, "user.set_roles", user)
        shown = ", ".join(sorted(role.value for role in wanted))
    console.print(f"[green]Roles of {email.strip().lower()}[/]: {shown}.")


@users.command("deactivate")
def deactivate(email: EmailArgument) -> None:
    """Stop an account from signing in or using its API tokens; ends its sessions."""
    with unit_of_work() as db:
        user = find_user(db, email)
        user.is_active = False
        access_service.end_all_sessions(db, user_id=user.id)
        db.flush()
        _record(db, "user.deactivate", user)
    console.print(f"[green]Deactivated[/] {email.strip().lower()}.")


@users.command("activate")
def activate(email: EmailArgument) -> None:
    """Let a deactivated account sign in again (its old sessions and tokens stay ended)."""
    with unit_of_work() as db:
        user = find_user(db, email)
        if user.is_active:
            fail(f"{email.strip().lower()} is already active")
        user.is_active = True
        db.flush()
        _record(db, "user.activate", user)
    console.print(f"[green]Activated[/] {email.strip().lower()}.")


@users.command("set-password")
def set_password(
    email: EmailArgument,
    password: Annotated[
        str,
        typer.Option(
            prompt="New password", hide_input=True, confirmation_prompt=True, help="Prompted."
        ),
    ] = "",
) -> None:
    """Set a new password; the user is signed out everywhere."""
    with unit_of_work() as db:
        user = find_user(db, email)
        access_service.change_password(db, user=user, new_password=password)
        _record(db, "user.set_password", user)
    console.print(f"[green]Password changed[/] for {email.strip().lower()}.")


# --- organisations -------------------------------------------------------------------------


@organisations.command("list")
def list_organisations(
    kind: Annotated[OrganisationKind | None, typer.Option(help="Only this kind.")] = None,
    state: Annotated[str | None, typer.Option(help="Only this member state (ISO code).")] = None,
) -> None:
    """List organisations by name."""
    with unit_of_work() as db:
        statement = select(Organisation).order_by(Organisation.name)
        if kind is not None:
            statement = statement.where(Organisation.kind == kind)
        if state:
            state_id = db.scalar(
                select(MemberState.id).where(MemberState.iso2 == state.strip().upper())
            )
            if state_id is None:
                raise Invalid("is not the ISO code of a member state", "state")
            statement = statement.where(Organisation.member_state_id == state_id)
        rows = list(db.scalars(statement))
        table = Table(title=f"Organisations ({len(rows)})", title_justify="left")
        for column in ("Name", "Short name", "Kind", "State / partner", "Id"):
            table.add_column(column, overflow="fold")
        for org in rows:
            where = org.member_state.iso2 if org.member_state else ""
            if org.dialogue_partner:
                where = org.dialogue_partner.code
            table.add_row(org.name, org.short_name, org.kind.value, where, org.id)
    console.print(table)


@organisations.command("create")
def create_organisation(
    *,
    name: Annotated[str, typer.Option(help="Full name (unique).")],
    short_name: Annotated[str, typer.Option(help="Short name or acronym.")],
    kind: Annotated[OrganisationKind, typer.Option(help="What kind of organisation it is.")],
    state: Annotated[str | None, typer.Option(help="Member state (ISO code).")] = None,
    partner: Annotated[str | None, typer.Option(help="Dialogue partner (code, e.g. JPN).")] = None,
    email: Annotated[str, typer.Option(help="Contact e-mail address.")] = "",
    website: Annotated[str, typer.Option(help="Web address (https://...).")] = "",
) -> None:
    """Add an organisation to the directory."""
    with unit_of_work() as db:
        state_id = None
        if state:
            state_id = db.scalar(
                select(MemberState.id).where(MemberState.iso2 == state.strip().upper())
            )
            if state_id is None:
                raise Invalid("is not the ISO code of a member state", "state")
        partner_id = None
        if partner:
            partner_id = db.scalar(
                select(DialoguePartner.id).where(DialoguePartner.code == partner.strip().upper())
            )
            if partner_id is None:
                raise Invalid("is not the code of a dialogue partner", "partner")
        try:
            data = OrganisationCreate(
                name=name,
                short_name=short_name,
                kind=kind,
                member_state_id=state_id,
                dialogue_partner_id=partner_id,
                email=email,
                website=website,
            )
        except ValidationError as error:
            fail(_validation_message(error))
        org = community_service.create_organisation(db, data=data)
        audit.record(
            db,
            action="cli.org.create",
            record_kind="organisation",
            record_id=org.id,
            record_organisation_id=org.id,
        )
        created = f"{org.name} ({org.kind.value}), id {org.id}"
    console.print(f"[green]Created[/] {created}.")


def _validation_message(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: "
        + str(e.get("msg", "")).removeprefix("Value error, ")
        for e in error.errors()
    )


# --- API tokens ----------------------------------------------------------------------------


@tokens.command("create")
def create_token(
    email: EmailArgument,
    name: Annotated[str, typer.Option(help="What the token is for.")],
    scope: Annotated[TokenScope, typer.Option(help="read or read_write.")] = TokenScope.READ,
    expires_days: Annotated[
        int | None, typer.Option(min=1, max=3650, help="Days until it expires (default never).")
    ] = None,
) -> None:
    """Create an API token for a user and print its secret (shown only this once)."""
    with unit_of_work() as db:
        user = find_user(db, email)
        if not name.strip() or len(name.strip()) > 100:
            raise Invalid("must be 1 to 100 characters", "name")
        expires_at = utcnow() + timedelta(days=expires_days) if expires_days else None
        new = access_service.create_token(
            db, user=user, name=name, scope=scope, expires_at=expires_at
        )
        audit.record(
            db,
            action="cli.token.create",
            record_kind="api_token",
            record_id=new.token.id,
            record_organisation_id=user.organisation_id,
        )
        token_id = new.token.id
    console.print(f"[green]Created token[/] {token_id} ({scope.value}) for {user.email}.")
    console.print("Secret (shown only now; store it safely):")
    console.print(new.secret, markup=False, soft_wrap=True)


@tokens.command("list")
def list_tokens(email: EmailArgument) -> None:
    """List a user's API tokens (never their secrets)."""
    with unit_of_work() as db:
        rows = access_service.list_tokens(db, user=find_user(db, email))
        table = Table(title=f"API tokens of {email.strip().lower()}", title_justify="left")
        for column in ("Id", "Name", "Prefix", "Scope", "Created", "Expires", "Last used", "State"):
            table.add_column(column, overflow="fold")
        for token in rows:
            table.add_row(
                token.id,
                token.name,
                token.prefix + "...",
                token.scope.value,
                _when(token.created_at),
                _when(token.expires_at),
                _when(token.last_used_at),
                _token_state(token),
            )
    console.print(table)


@tokens.command("revoke")
def revoke_token(
    token_id: Annotated[str, typer.Argument(metavar="TOKEN_ID", help="The token's id.")],
) -> None:
    """Revoke an API token; it stops working at once."""
    with unit_of_work() as db:
        token = db.get(ApiToken, token_id.strip())
        if token is None:
            raise NotFound("API token")
        access_service.revoke_token(db, user=token.user, token_id=token.id)
        audit.record(
            db,
            action="cli.token.revoke",
            record_kind="api_token",
            record_id=token.id,
            record_organisation_id=token.user.organisation_id,
        )
    console.print(f"[green]Revoked[/] token {token_id.strip()}.")


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if hasattr(value, "strftime") else "-"


def _token_state(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return "[red]revoked[/]"
    if token.expires_at is not None and token.expires_at <= utcnow():
        return "[yellow]expired[/]"
    return "[green]active[/]"

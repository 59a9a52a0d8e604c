"""``aseancyber peer ...`` and ``aseancyber sync PEER``: federation from the command line.

Peers are managed as an organisation admin named with ``--as`` (the CLI has no signed-in
user); ``sync`` runs one peer now with a progress bar, committing page by page, so an
interrupted sync resumes where it stopped.
"""

from typing import Annotated

import typer
from rich.progress import TaskID
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor, Tlp
from aseancyber.access.service import actor_for
from aseancyber.cli.accounts import find_organisation, find_user
from aseancyber.cli.common import console, fail, progress_bar, require_migrated, unit_of_work
from aseancyber.db import get_session_factory
from aseancyber.federation import health, service, sync
from aseancyber.federation.client import TaxiiError
from aseancyber.federation.models import Peer, PeerAuth

peers = typer.Typer(help="Register and inspect federation peers (TAXII 2.1).", no_args_is_help=True)

AsOption = Annotated[
    str, typer.Option("--as", metavar="EMAIL", help="The organisation admin acting.")
]
PeerArgument = Annotated[str, typer.Argument(metavar="PEER", help="The peer's name or id.")]


def _admin(db: Session, email: str) -> Actor:
    return actor_for(find_user(db, email))


@peers.command("add")
def add_peer(
    *,
    name: Annotated[str, typer.Argument(help="A short unique name, e.g. my-node.")],
    url: Annotated[str, typer.Option("--url", help="The peer's TAXII 2.1 API root URL.")],
    organisation: Annotated[
        str, typer.Option("--org", help="The organisation here the peer stands for.")
    ],
    acting: AsOption,
    secret: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            envvar="ASEANCYBER_PEER_SECRET",
            help="API token (bearer) or password (basic); prompted when omitted.",
        ),
    ],
    username: Annotated[str, typer.Option(help="User name for HTTP Basic.")] = "",
    interval: Annotated[int, typer.Option(min=1, help="Minutes between scheduled runs.")] = 15,
    alert_after: Annotated[
        int, typer.Option(min=1, help="Minutes of failure before the admins are told.")
    ] = 60,
) -> None:
    """Register a remote TAXII 2.1 API root (credentials stored encrypted)."""
    with unit_of_work() as db:
        actor = _admin(db, acting)
        peer = service.create_peer(
            db,
            actor=actor,
            name=name,
            api_root_url=url,
            auth=PeerAuth.BASIC if username else PeerAuth.BEARER,
            username=username,
            secret=secret,
            organisation_id=find_organisation(db, organisation).id,
            interval_minutes=interval,
            alert_after_minutes=alert_after,
        )
        summary = f"{peer.name} ({peer.api_root_url}), id {peer.id}"
    console.print(f"[green]Registered peer[/] {summary}.")


@peers.command("map")
def map_collection(
    *,
    peer_ref: PeerArgument,
    remote: Annotated[str, typer.Option(help="The remote collection id.")],
    local: Annotated[str, typer.Option(help="The local collection id.")],
    acting: AsOption,
    pull: Annotated[bool, typer.Option("--pull/--no-pull", help="Pull from the remote.")] = True,
    push: Annotated[bool, typer.Option("--push/--no-push", help="Push to the remote.")] = False,
    minimum_label: Annotated[
        Tlp | None, typer.Option(help="Pulled objects get at least this label.")
    ] = None,
) -> None:
    """Pair a remote collection with a local one."""
    with unit_of_work() as db:
        actor = _admin(db, acting)
        peer = service.get_peer_or_404(db, actor=actor, peer_ref=peer_ref)
        mapping = service.add_mapping(
            db,
            actor=actor,
            peer=peer,
            remote_collection_id=remote,
            local_collection_id=local,
            pull=pull,
            push=push,
            minimum_label=minimum_label,
        )
        mapping_id = mapping.id
    console.print(f"[green]Paired[/] {remote} with {local} (mapping {mapping_id}).")


@peers.command("list")
def list_peers() -> None:
    """Every peer with its health."""
    with unit_of_work() as db:
        table = Table(title="Federation peers", title_justify="left")
        for column in ("Name", "Stands for", "State", "Last success", "Queue", "Dead letters"):
            table.add_column(column)
        for peer in db.scalars(select(Peer).order_by(Peer.name)):
            figures = health.peer_health(db, peer=peer, reader=None)
            table.add_row(
                peer.name,
                peer.organisation.name,
                figures.state + (f": {figures.last_error}" if figures.last_error else ""),
                str(figures.last_success_at or "never"),
                str(figures.queue),
                str(figures.open_dead_letters),
            )
    console.print(table)


def sync_command(
    peer_ref: PeerArgument,
) -> None:
    """Sync one peer now (pull, then push each paired collection) with a progress bar."""
    require_migrated()
    factory = get_session_factory()
    with factory() as db:
        peer = db.scalar(select(Peer).where((Peer.id == peer_ref) | (Peer.name == peer_ref)))
        if peer is None:
            fail(f"there is no peer named {peer_ref}")
        peer_id, name = peer.id, peer.name
    with progress_bar() as bar:
        tasks: dict[str, TaskID] = {}

        def progress(what: str, done: int, total: int | None) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done, total=total)

        try:
            report = sync.sync_peer(factory, peer_id=peer_id, progress=progress)
        except TaxiiError as error:
            fail(error.message)
    line = (
        f"pulled {report.pulled}, pushed {report.pushed}, rejected {report.rejected}, "
        f"withheld {report.withheld} (run {report.run_id})"
    )
    if not report.ok:
        fail(f"sync with {name} failed: {report.error}; {line}")
    console.print(f"[green]Synced[/] {name}: {line}.")

"""``aseancyber misp import FILE``: import MISP event JSON into a collection, as a user.

The same path as the REST import (``interop.misp_import``): converted to STIX 2.1 with
misp-stix, stored through the bundle upload path, labels mapped from MISP tags and
distribution failing closed. Every event is checked and converted first, with no
transaction open, so a refused event leaves nothing written; then each event is stored and
committed on its own (issue 14: an 8 MiB file never holds the write lock for its whole
import).
"""

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from aseancyber.access.service import actor_for
from aseancyber.cli.accounts import find_user
from aseancyber.cli.common import console, fail, first_line, unit_of_work
from aseancyber.community.documents_service import parse_tlp
from aseancyber.db import get_session_factory
from aseancyber.errors import ServiceError
from aseancyber.interop import misp_import
from aseancyber.jobs.units import committed_units

app = typer.Typer(help="MISP interop: import MISP event JSON.", no_args_is_help=True)


@app.command("import")
def import_events(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="MISP event JSON: an event, a list of events or a REST search answer.",
        ),
    ],
    collection: Annotated[
        str, typer.Option("--collection", metavar="ID", help="The collection to store into.")
    ],
    as_user: Annotated[
        str,
        typer.Option(
            "--as", metavar="EMAIL", help="Import as this user (their organisation owns it)."
        ),
    ],
    tlp: Annotated[
        str | None, typer.Option("--tlp", help="Make every object at least this label, e.g. amber.")
    ] = None,
) -> None:
    """Import the MISP events in FILE; each event's label comes from its tags and distribution."""
    size = file.stat().st_size
    if size > misp_import.MAX_EVENT_FILE_BYTES:
        fail(
            f"{file} is {size:,} bytes; a MISP event file may be at most "
            f"{misp_import.MAX_EVENT_FILE_BYTES // (1024 * 1024)} MiB"
        )
    content = file.read_bytes()
    with unit_of_work() as db:
        user = find_user(db, as_user)
        if not user.is_active:
            fail(f"the user {as_user} is deactivated")
        actor = actor_for(user)
        minimum = parse_tlp(tlp) if tlp else None
    factory = get_session_factory()
    try:
        imported = misp_import.import_events_in_units(
            factory,
            unit=committed_units(factory),
            actor=actor,
            collection_id=collection.strip(),
            content=content,
            minimum_label=minimum,
        )
    except misp_import.StoppedMidway as stopped:
        done = ", ".join(event.uuid for event in stopped.imported)
        fail(f"{stopped} ({done}); the later events were not stored: {first_line(stopped.cause)}")
    except ServiceError as error:
        fail(error.detail)
    except SQLAlchemyError as error:
        fail(f"the database refused the import, nothing stored: {first_line(error)}")
    table = Table("event", "info", "TLP", "stored", "refused")
    for event in imported:
        table.add_row(
            event.uuid,
            event.info[:60],
            event.label.value,
            str(event.report.successes),
            str(event.report.failures),
        )
    console.print(table)
    for event in imported:
        for failure in event.report.failed[:10]:
            console.print(f"[yellow]refused[/] {failure.object_id}: {failure.message}")
    console.print(f"[green]{len(imported)} MISP event(s) imported into {collection.strip()}.[/]")

"""The wording real registries use for member states, sectoral bodies and beneficiaries
outside ASEAN, resolved to what the platform stores.

Sources and the aliases themselves are data: ``data/registry_names.json`` (its ``about``
names the sources), edited without touching code. On top of that file the node's own
directory counts (member-state names and ISO codes, sectoral-body codes and names,
dialogue partners), and ISO 3166-1 (``pycountry``) names countries outside ASEAN.

A name is matched without regard to case, accents, spaces or punctuation ("Lao People's
Democratic Republic", "lao peoples democratic republic" and "LAO" are one). Nothing is
ever guessed: a value that matches no name is a problem, and a close spelling is only
offered as a suggestion ("did you mean 'Laos'?"). "All ASEAN Member States", "ASEAN",
"AMS" and the like stand for every state that was a member on the initiative's start date
(today's members when it has none), so Timor-Leste counts from 26 October 2025 only.
"""

import difflib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import DialoguePartner, MemberState
from aseancyber.community.models import SectoralBody
from aseancyber.db import utcnow

DATA_FILE = Path(__file__).parent / "data" / "registry_names.json"
SUGGESTION_CUTOFF = 0.75


def name_key(text: str) -> str:
    """A name as matching compares it: no accents, case, punctuation or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    # An apostrophe joins ("People's" is "peoples"); any other punctuation separates words.
    joined = re.sub(r"['\u2018\u2019`\u00b4]", "", plain.casefold())
    return " ".join(re.sub(r"[^0-9a-z]+", " ", joined).split())


@cache
def registry_data() -> dict[str, Any]:
    """The shipped alias file, checked once: an alias may name only one thing."""
    data: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    seen: dict[str, str] = {}
    for part in ("member_states", "sectoral_bodies", "outside_asean"):
        for target, aliases in data[part].items():
            for alias in [target, *aliases]:
                key = name_key(alias)
                if seen.setdefault(key, f"{part}:{target}") != f"{part}:{target}":
                    raise ValueError(f"{alias!r} names both {seen[key]} and {part}:{target}")
    return data


@dataclass(frozen=True)
class Beneficiaries:
    """What one beneficiaries cell names: member states, others, and what matched nothing."""

    states: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (value, message)


@dataclass
class RegistryNames:
    """Every name an import accepts, read once per import from the data file and the node."""

    states: dict[str, str]  # name key -> ISO alpha-2 of a member state on this node
    accession: dict[str, date]  # ISO alpha-2 -> the day the state joined ASEAN
    all_members: frozenset[str]  # name keys meaning "every member state"
    bodies: dict[str, str]  # name key -> sectoral body code on this node
    known_bodies: dict[str, str]  # name key -> body code in the data file (maybe not here)
    outside: dict[str, str]  # name key -> display name of a country or region outside ASEAN
    spelling: dict[str, str] = field(default_factory=dict)  # name key -> a readable spelling
    _suggested: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def members_on(self, day: date) -> list[str]:
        """The member states on ``day``, in accession then code order."""
        joined = [(when, iso2) for iso2, when in self.accession.items() if when <= day]
        return [iso2 for _, iso2 in sorted(joined)]

    def beneficiaries(self, values: Iterable[str], *, on: date | None) -> Beneficiaries:
        """Member states (ISO codes) and outside beneficiaries named by ``values``."""
        result = Beneficiaries()
        for value in values:
            key = name_key(value)
            if key in self.all_members:
                result.states.extend(self.members_on(on or utcnow().date()))
            elif key in self.states:
                result.states.append(self.states[key])
            elif key in self.outside:
                result.outside.append(self.outside[key])
            else:
                message = "is not a member state, nor a country or region outside ASEAN"
                if key and self.known_state_elsewhere(key):
                    message = "is not a member state on this node"
                result.problems.append((value, message + self._hint(key, "beneficiaries")))
        return Beneficiaries(
            list(dict.fromkeys(result.states)),
            list(dict.fromkeys(result.outside)),
            result.problems,
        )

    def known_state_elsewhere(self, key: str) -> bool:
        """Whether the data file names a member state this node's directory lacks."""
        return any(
            key in {name_key(iso2), *(name_key(alias) for alias in aliases)}
            for iso2, aliases in registry_data()["member_states"].items()
            if iso2 not in self.accession
        )

    def body(self, value: str) -> tuple[str | None, str]:
        """The body code a name stands for, or None and why not."""
        key = name_key(value)
        if key in self.bodies:
            return self.bodies[key], ""
        if key in self.known_bodies:
            return None, (
                f"is the sectoral body {self.known_bodies[key]}, which this node's directory "
                "does not have"
            )
        return None, "is not a known sectoral body" + self._hint(key, "bodies")

    def _hint(self, key: str, among: str) -> str:
        cached = (key, among)
        if cached not in self._suggested:
            pool = (
                list(self.bodies)
                if among == "bodies"
                else [*self.states, *self.all_members, *self.outside]
            )
            close = difflib.get_close_matches(key, pool, n=1, cutoff=SUGGESTION_CUTOFF)
            self._suggested[cached] = self.spelling.get(close[0], close[0]) if close else None
        suggestion = self._suggested[cached]
        return f"; did you mean {suggestion!r}?" if suggestion else ""


def _add(table: dict[str, str], spelling: dict[str, str], name: str, value: str) -> None:
    key = name_key(name)
    if key and key not in table:
        table[key] = value
        spelling.setdefault(key, name)


def _bodies(db: Session, spelling: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Names of the bodies on this node, and those the data file knows but the node lacks."""
    bodies: dict[str, str] = {}
    here: dict[str, str] = {}
    for code, name in db.execute(select(SectoralBody.code, SectoralBody.name)):
        here[code.upper()] = code
        _add(bodies, spelling, code, code)
        _add(bodies, spelling, name, code)
    known_bodies: dict[str, str] = {}
    for code, aliases in registry_data()["sectoral_bodies"].items():
        for alias in (code, *aliases):
            if code.upper() in here:
                _add(bodies, spelling, alias, here[code.upper()])
            else:
                _add(known_bodies, spelling, alias, code)
    return bodies, known_bodies


def _outside(db: Session, spelling: dict[str, str], members: set[str]) -> dict[str, str]:
    """Names of countries and regions outside ASEAN: the data file's, the node's dialogue
    partners, then ISO 3166-1 (never a member state, even one this node has not loaded)."""
    outside: dict[str, str] = {}
    for name, aliases in registry_data()["outside_asean"].items():
        for alias in (name, *aliases):
            _add(outside, spelling, alias, name)
    partners = {
        code: name for name, code in db.execute(select(DialoguePartner.name, DialoguePartner.code))
    }
    for code, name in partners.items():
        _add(outside, spelling, name, name)
        _add(outside, spelling, code, name)
    for country in pycountry.countries:
        if country.alpha_2 in members:
            continue
        display = partners.get(country.alpha_3) or getattr(country, "common_name", country.name)
        names = (
            country.name,
            getattr(country, "official_name", ""),
            getattr(country, "common_name", ""),
            country.alpha_2,
            country.alpha_3,
        )
        for name in filter(None, names):
            _add(outside, spelling, name, display)
    return outside


def load(db: Session) -> RegistryNames:
    """The names an import accepts on this node (four small queries)."""
    data = registry_data()
    spelling: dict[str, str] = {}
    states: dict[str, str] = {}
    accession: dict[str, date] = {}
    for state in db.scalars(select(MemberState)):
        accession[state.iso2] = state.accession_date
        aliases = data["member_states"].get(state.iso2, [])
        for name in (state.name, state.iso2, state.iso3, *aliases):
            _add(states, spelling, name, state.iso2)
    all_members = frozenset(name_key(name) for name in data["all_member_states"])
    for name in data["all_member_states"]:
        spelling.setdefault(name_key(name), name)
    bodies, known_bodies = _bodies(db, spelling)
    outside = _outside(db, spelling, set(accession) | set(data["member_states"]))
    for key in [key for key in outside if key in states or key in all_members]:
        del outside[key]
    return RegistryNames(
        states=states,
        accession=accession,
        all_members=all_members,
        bodies=bodies,
        known_bodies=known_bodies,
        outside=outside,
        spelling=spelling,
    )

"""Units of work for long work done in short transactions (issue 14).

A service that works long (an import of 20,000 rows, a detection run over the registry, a
routing table of a million lines) must not hold one write transaction for all of it, yet a
service never commits (the request, command or job that calls it owns its transactions).
Such a service takes a :class:`UnitOfWork`: it hands each short piece of work to it, and
the caller runs the piece in a write transaction and commits it. :func:`committed_units` is
the usual one, for the command line and background jobs.
"""

from collections.abc import Callable
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from aseancyber.db import begin_writing

_Result = TypeVar("_Result")


class UnitOfWork(Protocol):
    """Runs ``work`` in one write transaction of its own and commits it (or, when ``work``
    raises, rolls it back and lets the error through)."""

    def __call__(self, work: Callable[[Session], _Result], /) -> _Result: ...


def committed_units(session_factory: sessionmaker[Session]) -> UnitOfWork:
    """Each unit in a new session from ``session_factory``, opened as a writer (on SQLite
    the write lock is taken before anything is read) and committed at its end."""

    def unit(work: Callable[[Session], _Result], /) -> _Result:
        with session_factory() as db:
            begin_writing(db)
            done = work(db)
            db.commit()
        return done

    return unit


__all__ = ["UnitOfWork", "committed_units"]

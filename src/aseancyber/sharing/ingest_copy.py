"""Rows into a table in one go through the database driver: ``COPY`` on PostgreSQL,
``executemany`` on SQLite, in the session's transaction."""

import sqlite3
from typing import Any

import psycopg
from sqlalchemy import TableClause, insert
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session


def insert_rows(
    db: Session, table: TableClause, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order, values in stored form) in one go.

    Both ways run on the session's connection (same transaction) through the driver itself:
    SQLAlchemy's per-row parameter processing cost more than the database's insert. On
    SQLite the driver's ``executemany``; on PostgreSQL ``COPY ... FROM STDIN``, one stream
    for all rows (an ``executemany`` there is one statement per row). Nothing else changes:
    a row breaking a constraint (two posts of one version racing) fails the whole statement.
    """
    if not rows:
        return
    connection = db.connection()
    names = ", ".join(columns)
    driver = connection.connection.driver_connection
    if isinstance(driver, psycopg.Connection):
        statement = f"COPY {table.name} ({names}) FROM STDIN"
        try:
            with driver.cursor() as copying, copying.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.Error as error:
            raise _as_sqlalchemy_error(statement, error, psycopg.Error) from error
        return
    if isinstance(driver, sqlite3.Connection):
        statement = (
            f"INSERT INTO {table.name} ({names}) "  # noqa: S608 - fixed names
            f"VALUES ({', '.join('?' * len(columns))})"
        )
        cursor = driver.cursor()
        try:
            cursor.executemany(statement, rows)
        except sqlite3.Error as error:
            raise _as_sqlalchemy_error(statement, error, sqlite3.Error) from error
        finally:
            cursor.close()
        return
    connection.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def _as_sqlalchemy_error(statement: str, error: Exception, base: type[Exception]) -> StatementError:
    """A driver's own error as SQLAlchemy's (IntegrityError, OperationalError, ...), so the
    app answers a row racing another post (409) or a busy database (503) as for any other
    statement, never with a 500."""
    return DBAPIError.instance(statement, None, error, base)

"""Telling a database that cannot serve from a statement whose values cannot succeed.

A role that must never drop work (the notifier with its events) waits for the first
kind and tries again, and sets the second kind aside: retrying a statement that fails
on its own values would block whatever waits behind it, for ever.
"""

from __future__ import annotations

from sqlalchemy import exc

# SQLSTATE classes of a refusal of the values themselves: data exceptions (22) and
# integrity constraint violations (23).
_REFUSED_VALUES = ("22", "23")


def unavailable(error: BaseException) -> bool:
    """Whether `error` says the database could not serve just now (a lost or refused
    connection, a timeout, a lock, a shutdown, a missing table after a botched upgrade)
    rather than that the values of the statement are wrong.

    Errors raised before anything reached the database (a value the column type
    refuses, a pydantic model that will not validate) are the values' fault too.
    """
    if isinstance(error, exc.DBAPIError):
        return error.connection_invalidated or not _refused_values(error)
    return isinstance(error, OSError | TimeoutError | exc.DisconnectionError | exc.TimeoutError)


def _refused_values(error: exc.DBAPIError) -> bool:
    if isinstance(error, exc.IntegrityError | exc.DataError):
        return True
    state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return isinstance(state, str) and state[:2] in _REFUSED_VALUES

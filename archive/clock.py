"""Dates as the archive records them."""

import datetime


def today() -> str:
    """Today's date (UTC) in ISO form: the archive records days, not times of day,
    for anything that touches a contributor."""
    return datetime.datetime.now(datetime.UTC).date().isoformat()


def now() -> str:
    """The current UTC time to the second, for staff actions (audit log, sessions)."""
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()

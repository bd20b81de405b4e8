"""Resumption tokens: where the next page of a list begins, signed with the app's
secret key so that a harvester cannot forge or alter one.

A token carries the verb and arguments of the list, the (datestamp, id) of the
last record handed out, how many came before, and the version of the
dissemination table when the list began. It is refused (badResumptionToken)
when it is malformed, forged, older than its lifetime, used with another verb,
or when any record changed since the list began: the harvester then starts the
list again rather than silently missing or repeating records.
"""

import datetime
from dataclasses import asdict, dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from stories.oai.protocol import OAIError

_SALT = "crossings.oai.resumption"


@dataclass
class Position:
    """Where a list stands: its verb and arguments, the last record given, how many
    records came before the next page, and the table version it was started at."""

    verb: str
    args: dict
    after: tuple[str, str]
    cursor: int
    version: int


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def issue(position: Position, secret_key: str) -> str:
    """A signed token for ``position``."""
    return _serializer(secret_key).dumps(asdict(position))


def expiry(lifetime: int) -> str:
    """When a token issued now expires, as OAI-PMH writes a time (UTC, seconds)."""
    at = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=lifetime)
    return at.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def redeem(token: str, verb: str, secret_key: str, lifetime: int, version: int) -> Position:
    """The position a token stands for; raises badResumptionToken when it cannot be used."""
    try:
        data = _serializer(secret_key).loads(token, max_age=lifetime)
    except SignatureExpired:
        raise OAIError(
            "badResumptionToken", "This resumption token has expired; start the list again."
        ) from None
    except BadSignature:
        raise OAIError(
            "badResumptionToken", "This resumption token is not one this repository issued."
        ) from None
    try:
        position = Position(
            verb=str(data["verb"]),
            args=dict(data["args"]),
            after=(str(data["after"][0]), str(data["after"][1])),
            cursor=int(data["cursor"]),
            version=int(data["version"]),
        )
    except (KeyError, TypeError, ValueError, IndexError):
        raise OAIError(
            "badResumptionToken", "This resumption token is not one this repository issued."
        ) from None
    if position.verb != verb:
        raise OAIError("badResumptionToken", f"This resumption token belongs to {position.verb}, not {verb}.")
    if position.version != version:
        raise OAIError(
            "badResumptionToken",
            "The list has changed since this resumption token was issued; start it again.",
        )
    return position

"""OAI-PMH 2.0 requests: which arguments each verb takes, and the checks that turn a
bad request into the error code the specification names.

Plain Python, no Flask: ``parse`` takes the request's arguments as a list of
(key, value) pairs, so that a repeated argument is seen, and returns a
``Request`` or raises ``OAIError``.
"""

import datetime
import re
from dataclasses import dataclass

METADATA_PREFIX = "oai_dc"
GRANULARITY = "YYYY-MM-DD"

# verb -> (required arguments, optional arguments, exclusive argument or None)
VERBS = {
    "Identify": ((), (), None),
    "ListMetadataFormats": ((), ("identifier",), None),
    "ListSets": ((), (), "resumptionToken"),
    "GetRecord": (("identifier", "metadataPrefix"), (), None),
    "ListIdentifiers": (("metadataPrefix",), ("from", "until", "set"), "resumptionToken"),
    "ListRecords": (("metadataPrefix",), ("from", "until", "set"), "resumptionToken"),
}
# The patterns the response schema gives these request attributes.
_PATTERNS = {
    "metadataPrefix": re.compile(r"[A-Za-z0-9\-_.!~*'()]+"),
    "set": re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*"),
}
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


class OAIError(Exception):
    """An OAI-PMH error condition: ``code`` as the specification names it, and a
    sentence for the person reading the response."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def echoes_request(self) -> bool:
        """Whether the response may repeat the request's arguments: not after
        badVerb or badArgument (the specification says to give the base URL only)."""
        return self.code not in ("badVerb", "badArgument")


@dataclass
class Request:
    """A well-formed request: its verb and arguments (each at most once)."""

    verb: str
    args: dict[str, str]

    def get(self, name: str) -> str | None:
        """One argument's value, or None."""
        return self.args.get(name)

    def attributes(self) -> dict[str, str]:
        """The arguments as the response's ``request`` element may carry them:
        only values of the shape the response schema allows."""
        shown = {"verb": self.verb}
        for name, value in self.args.items():
            pattern = _PATTERNS.get(name)
            if pattern is None or pattern.fullmatch(value):
                shown[name] = value
        return shown


def parse(pairs: list[tuple[str, str]]) -> Request:
    """Check a request's arguments against its verb; raises OAIError."""
    verbs = [value for key, value in pairs if key == "verb"]
    if not verbs:
        raise OAIError("badVerb", "The request has no verb.")
    if len(verbs) > 1:
        raise OAIError("badVerb", "The verb is given more than once.")
    verb = verbs[0]
    if verb not in VERBS:
        raise OAIError("badVerb", "That verb is not one of the six OAI-PMH verbs.")
    required, optional, exclusive = VERBS[verb]
    args: dict[str, str] = {}
    for key, value in pairs:
        if key == "verb":
            continue
        if key not in (*required, *optional, exclusive):
            raise OAIError("badArgument", f"{verb} does not take the argument {key!r}.")
        if key in args:
            raise OAIError("badArgument", f"The argument {key!r} is given more than once.")
        if not value:
            raise OAIError("badArgument", f"The argument {key!r} is empty.")
        args[key] = value
    if exclusive and exclusive in args:
        if len(args) > 1:
            raise OAIError("badArgument", f"{exclusive} must be the only argument besides the verb.")
        return Request(verb, args)
    missing = [name for name in required if name not in args]
    if missing:
        raise OAIError("badArgument", f"{verb} needs the argument {missing[0]!r}.")
    days = {name: parse_day(args[name], name) for name in ("from", "until") if name in args}
    if len(days) == 2 and days["from"] > days["until"]:
        raise OAIError("badArgument", "'from' is later than 'until'.")
    return Request(verb, args)


def parse_day(value: str, name: str) -> str:
    """A from/until value as an ISO day; raises badArgument for anything else,
    including a time of day (this repository keeps days only)."""
    if _SECONDS.fullmatch(value):
        raise OAIError(
            "badArgument", f"'{name}' is finer than this repository's granularity ({GRANULARITY})."
        )
    if _DAY.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise OAIError("badArgument", f"'{name}' is not a date of the form {GRANULARITY}.")


def check_prefix(request: Request) -> None:
    """Refuse a metadata format other than oai_dc."""
    prefix = request.get("metadataPrefix")
    if prefix is not None and prefix != METADATA_PREFIX:
        raise OAIError("cannotDisseminateFormat", f"This repository offers only {METADATA_PREFIX}.")

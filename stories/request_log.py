"""Request logs built from the request's parts, never filtered after the fact.

Both servers (Werkzeug's development server behind ``flask run`` and gunicorn
behind ``make serve``) write one line per request made by ``request_line``:
method, path without the query string, status and duration. Nothing else of the
request goes in, so no client address, user agent, referrer or search term can
reach a log, whatever characters the request holds. Errors that happen before a
request is understood (a malformed request line, a broken connection) are
logged as fixed sentences naming at most the kind of error.

A filter over a formatted line cannot promise that: a pattern has to guess where
the query string ends, and a quoted phrase or a CJK full-width space ends it
early. Here the query string is simply never read.
"""

import logging
import sys
import time
from urllib.parse import quote

from werkzeug import serving

# Characters a path may show as they are; anything else (spaces, quotes, control
# characters, non-ASCII) is percent-encoded, so one request is always one line.
_PATH_SAFE = "/-._~!$&'()*+,;=:@%"
_MAX_PATH = 300


def loggable_path(path: str | bytes | None) -> str:
    """The path as it may appear in a log line: ASCII, percent-encoded, at most
    300 characters. A WSGI path is text made of bytes (latin-1); others are UTF-8."""
    if not path:
        return "-"
    if isinstance(path, str):
        try:
            path = path.encode("latin-1")
        except UnicodeEncodeError:
            path = path.encode("utf-8", "surrogatepass")
    text = quote(path, safe=_PATH_SAFE)
    return text if len(text) <= _MAX_PATH else text[:_MAX_PATH] + "…"


def loggable_method(method: str | None) -> str:
    """The request method if it is a plain token, otherwise a dash."""
    if method and len(method) <= 16 and method.isascii() and method.isalpha():
        return method.upper()
    return "-"


def request_line(method: str | None, path, status, seconds: float | None) -> str:
    """One access-log line: ``GET /search 200 12.3ms``. The only format either
    server writes for a request."""
    status = str(status).split(" ", 1)[0] if status is not None else "-"
    if not status.isdigit():
        status = "-"
    duration = f"{seconds * 1000:.1f}ms" if seconds is not None else "-"
    return f"{loggable_method(method)} {loggable_path(path)} {status} {duration}"


def error_line(what: str, exc: BaseException | None = None) -> str:
    """A fixed sentence about a failure, naming the kind of exception only (its
    message may quote the request)."""
    return f"{what} ({exc.__class__.__name__})" if exc is not None else what


# --- Werkzeug's development server ---------------------------------------------------
#
# ``flask run`` builds Werkzeug's own WSGIRequestHandler and gives no way to pass
# another class, so its logging methods are replaced on the class itself (every
# subclass, such as the test servers', gets them too).

_log = logging.getLogger("werkzeug")


def _handle_one_request(self):
    # Each request on a kept-alive connection starts afresh: no environ of the
    # previous request may describe a malformed one.
    self.environ = None
    self._crossings_started = time.monotonic()
    return _original_handle_one_request(self)


def _log_request(self, code="-", size="-"):
    environ = getattr(self, "environ", None) or {}
    started = getattr(self, "_crossings_started", None)
    seconds = time.monotonic() - started if started is not None else None
    if environ:
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        line = request_line(environ.get("REQUEST_METHOD"), path, code, seconds)
    else:  # the request line could not be parsed: nothing of it is trusted
        line = request_line(None, None, code, seconds)
    _log.info("%s", line)


def _log_error(self, format, *args):
    _log.warning("%s", "a request was refused before it was read")


def _log_message(self, format, *args):
    _log.info("%s", "server message left out of the log")


def _server_log(self, type, message, *args):
    # Werkzeug calls this with a formatted traceback of a request it could not serve.
    getattr(_log, type if type in ("info", "warning", "error") else "error")(
        "%s", "a request failed in the server"
    )


def _server_handle_error(self, request, client_address):
    # socketserver would print the client's address and a traceback to stderr.
    if self.passthrough_errors:
        raise
    _log.error("%s", error_line("a connection failed", sys.exc_info()[1]))


_original_handle_one_request = serving.WSGIRequestHandler.handle_one_request


def install_dev_server_log() -> None:
    """Make Werkzeug's development server log only ``request_line`` lines (idempotent)."""
    handler, server = serving.WSGIRequestHandler, serving.BaseWSGIServer
    if getattr(handler, "_crossings_log", False):
        return
    handler.handle_one_request = _handle_one_request
    handler.log_request = _log_request
    handler.log_error = _log_error
    handler.log_message = _log_message
    handler._crossings_log = True
    server.log = _server_log
    server.handle_error = _server_handle_error

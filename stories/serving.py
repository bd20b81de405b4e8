"""What gunicorn needs from us (``gunicorn.conf.py`` names these): an access log
and error handling that never write a client address, user agent, referrer or
query string, and the hook that lets each new worker finish work a dead one left.

The access log line is ``request_line`` (stories/request_log.py), the same as
the development server's. gunicorn's own handler for requests it cannot parse
logs ``Invalid request from ip=<address>: <the request line>``; ours says which
kind of error it was and nothing else.
"""

import time

from gunicorn import glogging, util
from gunicorn.http import errors as http_errors
from gunicorn.workers.sync import SyncWorker

from stories.request_log import error_line, request_line

# Status and reason gunicorn answers for requests it cannot parse (as in
# gunicorn.workers.base.Worker.handle_error); anything else is 400.
_PARSE_STATUS = {
    http_errors.LimitRequestHeaders: (431, "Request Header Fields Too Large"),
    http_errors.UnsupportedTransferCoding: (501, "Not Implemented"),
    http_errors.ExpectationFailed: (417, "Expectation Failed"),
    http_errors.ForbiddenProxyRequest: (403, "Forbidden"),
}


class PrivateLogger(glogging.Logger):
    """gunicorn's logger with an access line made from the request's parts."""

    def access(self, resp, req, environ, request_time):
        """Write ``METHOD /path STATUS DURATION`` and nothing else."""
        if not self.access_log_enabled:
            return
        environ = environ or {}
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "") if environ else None
        if path is None and req is not None:
            path = getattr(req, "path", None)
        method = environ.get("REQUEST_METHOD") or getattr(req, "method", None)
        seconds = request_time.total_seconds() if request_time is not None else None
        status = getattr(resp, "status", None) if resp is not None else None
        self.access_log.info("%s", request_line(method, path, status, seconds))


class PrivateSyncWorker(SyncWorker):
    """gunicorn's sync worker, answering unparseable requests without logging them."""

    def handle_error(self, req, client, addr, exc):
        """Answer a request that failed outside the app; log the kind of failure only."""
        started = time.monotonic()
        if isinstance(exc, http_errors.ParseException) or isinstance(exc, OSError):
            status, reason = next(
                (value for kind, value in _PARSE_STATUS.items() if isinstance(exc, kind)),
                (400, "Bad Request"),
            )
            self.log.warning("%s", error_line("a request could not be read", exc))
        else:
            status, reason = 500, "Internal Server Error"
            self.log.error("%s", error_line("a request failed outside the app", exc))
        if self.log.access_log_enabled:
            method = getattr(req, "method", None) if req is not None else None
            path = getattr(req, "path", None) if req is not None else None
            seconds = time.monotonic() - started
            self.log.access_log.info("%s", request_line(method, path, status, seconds))
        try:
            util.write_error(client, status, reason, "")
        except Exception:
            self.log.debug("Failed to send error message.")

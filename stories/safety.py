"""What every response carries: security headers, privacy-preserving logs, friendly errors."""

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from stories.request_log import install_dev_server_log

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "media-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HSTS = "max-age=31536000; includeSubDomains"

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def no_store(response):
    """Mark ``response`` as something no browser or proxy may keep."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def no_store_when_signed_in(response):
    """Nothing rendered for a signed-in person may be kept by a browser or proxy:
    the next person at a shared computer would find it in the cache."""
    if request.endpoint != "static" and current_user and current_user.is_authenticated:
        no_store(response)
    return response


def add_security_headers(response):
    """Set the security headers on every response; views may tighten them further."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    # Conditional responses (static files, media) carry a Date of their own, and every
    # WSGI server adds one too: leave it to the server so there is exactly one.
    response.headers.remove("Date")
    if current_app.config.get("HTTPS"):
        # Served over HTTPS only: browsers must never try plain HTTP again for a year.
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


_MESSAGES = {
    400: lambda: _("Something in that request did not make sense to us. Please go back and try again."),
    403: lambda: _("You are not allowed to do that."),
    404: lambda: _("We could not find that page. It may never have existed, or it may not be open to you."),
    405: lambda: _("That page cannot be used that way."),
    411: lambda: _("We could not tell how much was being sent. Please go back and try again."),
    413: lambda: _(
        "That was more than we can take in one go. Photos may be up to 20 MB each and "
        "recordings up to 200 MB each. Nothing was saved: please go back and try smaller files."
    ),
    415: lambda: _("This page only accepts what its own form sends. Please go back and use the form."),
    429: lambda: _("Too many attempts. Please wait a little and try again."),
    500: lambda: _(
        "Something went wrong on our side. Nothing you sent has been half-saved; please try again."
    ),
}
_TITLES = {
    400: lambda: _("Bad request"),
    403: lambda: _("Not allowed"),
    404: lambda: _("Page not found"),
    405: lambda: _("Method not allowed"),
    411: lambda: _("Length required"),
    413: lambda: _("Too large"),
    415: lambda: _("Not a form"),
    429: lambda: _("Too many attempts"),
    503: lambda: _("Busy"),
    500: lambda: _("Something went wrong"),
}


def render_error(code: int, message: str | None = None):
    """Our own error page for ``code``: no traceback, no detail from the exception."""
    title = _TITLES.get(code, _TITLES[500])()
    message = message or _MESSAGES.get(code, _MESSAGES[500])()
    try:
        return render_template("error.html", code=code, title=title, message=message), code
    except Exception:  # the page itself failed: answer plainly rather than not at all
        current_app.logger.exception("error page failed")
        return f"{title}\n\n{message}\n", code, {"Content-Type": "text/plain; charset=utf-8"}


def _handle_http(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    if request.path.startswith("/api/"):
        # A URL under /api/ that matched no route never reached the API blueprint's
        # own handlers; it still answers JSON, as every API error does.
        message = _MESSAGES.get(exc.code, _MESSAGES[500])()
        response = jsonify({"error": {"status": exc.code, "message": message}})
        response.status_code = exc.code
        return response
    return render_error(exc.code)


def csrf_message() -> str:
    """What a contributor reads when a form's CSRF check fails (or cannot succeed)."""
    return _(
        "This form had expired or was sent from somewhere else. Please reload the page and send it again."
    )


def _handle_csrf(exc: CSRFError):
    return render_error(400, csrf_message())


def _handle_unexpected(exc: Exception):
    current_app.logger.exception("unhandled error")
    return render_error(500)


def init_app(app):
    """Install headers, request logging and error handlers on ``app``."""
    install_dev_server_log()
    app.after_request(add_security_headers)
    app.after_request(no_store_when_signed_in)
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_unexpected)

    @app.context_processor
    def _safety_context():
        return {"quick_exit_url": app.config["QUICK_EXIT_URL"]}

"""gunicorn settings for `make serve` (and for a real deployment: see README, "Deployment").

`make serve` sets CROSSINGS_BIND (HOST:PORT) and CROSSINGS_WORKERS (WORKERS=);
the data directory is CROSSINGS_DATA_DIR, as for `make run`.
"""

import os

wsgi_app = "app:create_app()"
bind = [os.environ.get("CROSSINGS_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("CROSSINGS_WORKERS", "4"))
proc_name = "crossings"

# The app is built once in the master before the workers are forked: migrations,
# media recovery and a rebuild of a damaged index run once, not in every worker,
# and never count against a worker's timeout. Code changes need a full restart
# (systemctl restart), which is also when migrations run.
preload_app = True

# Sync workers: one request at a time per worker, the setup gunicorn recommends
# behind a buffering proxy (nginx and Caddy buffer uploads before passing them on).
# Our subclass answers unreadable requests without logging them.
worker_class = "stories.serving.PrivateSyncWorker"
# A request may take this long (a three-hour recording is rebuilt while the
# contributor waits); a worker silent for longer is killed and replaced.
timeout = 300
# On SIGTERM or SIGHUP a worker finishes the request it is serving first.
graceful_timeout = 60
keepalive = 5
# Replace each worker after about a thousand requests (jittered, so that they
# do not all restart together) to bound the memory any leak could take.
max_requests = 1000
max_requests_jitter = 200

# The access log holds method, path without query string, status and duration:
# built from the request's parts by stories.serving.PrivateLogger, never filtered.
# No client address, user agent, referrer or query string can reach it.
logger_class = "stories.serving.PrivateLogger"
accesslog = "-"
errorlog = "-"
loglevel = "info"


def post_worker_init(worker):
    """Each worker starts its background thread at once: it finishes work a dead
    worker left and reads the search index before the first request comes."""
    from stories import background

    if hasattr(worker.wsgi, "config"):  # the Flask app (not gunicorn's stand-in after a failed load)
        background.start(worker.wsgi)


# X-Forwarded-Proto is believed only from the proxy on this machine.
forwarded_allow_ips = "127.0.0.1,::1"
# gunicorn's control socket would sit in the home directory, shared by every
# instance on the machine; nothing here uses it.
control_socket_disable = True

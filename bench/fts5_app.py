"""The yardstick served over HTTP: a bare Flask app over SQLite FTS5 that renders
the same kind of /search page as Crossings (see bench.fts5.page).

Served by gunicorn like Crossings, as ``bench.fts5_app:create_app()``, with
BENCH_FTS5_DB (the FTS file) and BENCH_ARCHIVE_DB (the archive's SQLite file) in
the environment. One connection per request, as in the flaskr pattern Crossings
follows."""

import os

from flask import Flask, g, render_template, request
from jinja2 import DictLoader

from bench import fts5

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Search · FTS5</title></head>
<body><main>
<h1>Search the stories</h1>
<form method="get" action="{{ url_for('search') }}"><input name="q" value="{{ q }}">
{% if theme %}<input type="hidden" name="theme" value="{{ theme }}">{% endif %}<button>Search</button></form>
<h2>{{ result.total }} {{ 'story' if result.total == 1 else 'stories' }} found</h2>
<ol start="{{ (page - 1) * 20 + 1 }}">
{% for hit in result.hits %}
<li><h3><a href="/stories/{{ hit.id }}">{{ hit.title }}</a></h3>
<p>Told by {{ hit.attribution or 'Anonymous' }}{% if hit.published %} · published {{ hit.published }}{% endif %}</p>
<ul>{% for t in hit.themes %}<li>{{ t }}</li>{% endfor %}</ul>
<p class="snippet">{{ snippet_html(hit.snippet) }}</p></li>
{% endfor %}
</ol>
{% if page > 1 %}<a href="{{ url_for('search', q=q, theme=theme, page=page - 1) }}">Previous</a>{% endif %}
{% if page * 20 < result.total %}<a href="{{ url_for('search', q=q, theme=theme, page=page + 1) }}">Next</a>{% endif %}
<aside><h2>Theme</h2><ul>
{% for slug, count in result.facets.items() %}
<li><a href="{{ url_for('search', q=q, theme=slug) }}">{{ slug }}</a> ({{ count }})</li>
{% endfor %}
</ul></aside>
</main></body></html>"""


def create_app():
    """The yardstick app (the flaskr application-factory pattern)."""
    app = Flask(__name__)
    # A loader rather than render_template_string, which compiles the template on every request.
    app.jinja_loader = DictLoader({"search.html": PAGE})
    app.config["FTS5_DB"] = os.environ["BENCH_FTS5_DB"]
    app.config["ARCHIVE_DB"] = os.environ["BENCH_ARCHIVE_DB"]

    def get_conn():
        if "conn" not in g:
            g.conn = fts5.connect(app.config["FTS5_DB"], app.config["ARCHIVE_DB"])
        return g.conn

    @app.teardown_appcontext
    def close(exc=None):
        conn = g.pop("conn", None)
        if conn is not None:
            conn.close()

    @app.route("/")
    def index():
        return "FTS5 yardstick"

    @app.route("/search")
    def search():
        q = request.args.get("q", "")
        theme = request.args.get("theme") or None
        page = max(1, min(request.args.get("page", 1, type=int), 250))
        result = fts5.page(get_conn(), q, theme=theme, page=page)
        html = render_template(
            "search.html", q=q, theme=theme, page=page, result=result, snippet_html=fts5.snippet_html
        )
        return html, 200, {"Cache-Control": "no-store"}

    return app

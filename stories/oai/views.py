"""/oai: the archive as an OAI-PMH 2.0 repository of Dublin Core records.

GET and POST (form-encoded) answer alike. Nothing here changes anything, so the
blueprint is exempt from CSRF protection. Only stories the policy opens to the
public are disseminated (archive.dissemination keeps the record of what was,
and of what has left since); every error condition answers with its OAI-PMH
code in a 200 response, as the protocol requires."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, request, url_for

from archive import dissemination, dublin_core, sets
from stories.extensions import exempt_from_csrf
from stories.oai import render, tokens
from stories.oai.protocol import GRANULARITY, OAIError, Request, check_prefix, parse, parse_day
from stories.public import permanent_url
from stories.resources import get_db

bp = Blueprint("oai", __name__)
exempt_from_csrf(bp)

_MAX_ID = 64


@dataclass
class Repository:
    """What the configuration says about this repository, for one request."""

    base_url: str
    name: str
    admin_emails: list[str]
    host: str
    earliest: str | None
    page_size: int
    token_lifetime: int
    secret_key: str

    def identifier(self, story_id: str) -> str:
        """The OAI identifier of a story: ``oai:<host>:<story id>``."""
        return f"oai:{self.host}:{story_id}"

    def story_id(self, identifier: str) -> str:
        """The story id in one of our identifiers; idDoesNotExist for anything else."""
        prefix = f"oai:{self.host}:"
        story_id = identifier[len(prefix) :] if identifier.startswith(prefix) else ""
        if not story_id or len(story_id) > _MAX_ID:
            raise OAIError("idDoesNotExist", "No item of this repository has that identifier.")
        return story_id


def _repository() -> Repository:
    config = current_app.config
    site = config.get("SITE_URL")
    base_url = site.rstrip("/") + url_for("oai.endpoint") if site else url_for("oai.endpoint", _external=True)
    host = config.get("OAI_HOST") or urlsplit(base_url).hostname or "localhost"
    return Repository(
        base_url=base_url,
        name=config["ARCHIVE_NAME"],
        admin_emails=[config.get("ADMIN_EMAIL") or f"webmaster@{host}"],
        host=host,
        earliest=config.get("OAI_EARLIEST_DATESTAMP"),
        page_size=config["OAI_PAGE_SIZE"],
        token_lifetime=config["OAI_TOKEN_LIFETIME"],
        secret_key=config["SECRET_KEY"],
    )


def _described(repo: Repository, record: dissemination.Record) -> dict | None:
    if record.story is None:
        return None
    return dublin_core.mapping(record.story, url=permanent_url(record.story_id), publisher=repo.name)


def identify(db, repo: Repository, req: Request):
    """Identify: who this repository is, and how it keeps datestamps and deletions."""
    container = render.container("Identify")
    render.identify(
        container,
        {
            "repositoryName": repo.name,
            "baseURL": repo.base_url,
            "protocolVersion": "2.0",
            "adminEmail": repo.admin_emails,
            "earliestDatestamp": repo.earliest or dissemination.earliest_datestamp(db),
            "deletedRecord": "persistent",
            "granularity": GRANULARITY,
        },
    )
    return container


def list_metadata_formats(db, repo: Repository, req: Request):
    """ListMetadataFormats: oai_dc, for the repository or for one item that has metadata."""
    if req.get("identifier") is not None:
        record = dissemination.get(db, repo.story_id(req.get("identifier")), with_story=False)
        if record is None:
            raise OAIError("idDoesNotExist", "No item of this repository has that identifier.")
        if record.deleted:
            raise OAIError("noMetadataFormats", "This item has been deleted; it has no metadata any more.")
    container = render.container("ListMetadataFormats")
    render.metadata_format(container)
    return container


def list_sets(db, repo: Repository, req: Request):
    """ListSets: each kind of set of archive.sets and its members (never paged)."""
    if req.get("resumptionToken") is not None:
        raise OAIError(
            "badResumptionToken", "ListSets is never split into pages; there is nothing to resume."
        )
    container = render.container("ListSets")
    for oai_set in sets.all_sets(db):
        render.oai_set(container, oai_set.spec, oai_set.name, oai_set.description)
    return container


def get_record(db, repo: Repository, req: Request):
    """GetRecord: one record, live (with its Dublin Core) or deleted (header only)."""
    check_prefix(req)
    record = dissemination.get(db, repo.story_id(req.get("identifier")))
    if record is None:
        raise OAIError("idDoesNotExist", "No item of this repository has that identifier.")
    container = render.container("GetRecord")
    render.record(container, record, repo.identifier(record.story_id), _described(repo, record))
    return container


def _list(db, repo: Repository, req: Request, with_records: bool):
    """ListIdentifiers and ListRecords: one page of headers or records and, when
    more follow, a signed resumption token."""
    version = dissemination.version(db)
    position = None
    if req.get("resumptionToken") is not None:
        position = tokens.redeem(
            req.get("resumptionToken"), req.verb, repo.secret_key, repo.token_lifetime, version
        )
        args = position.args
    else:
        check_prefix(req)
        args = req.args
    selection = dissemination.Selection(
        from_day=parse_day(args["from"], "from") if "from" in args else None,
        until_day=parse_day(args["until"], "until") if "until" in args else None,
        set_spec=args.get("set"),
    )
    total = dissemination.count(db, selection)
    if total == 0:
        raise OAIError("noRecordsMatch", "No records match these arguments.")
    cursor = position.cursor if position else 0
    found = dissemination.page(
        db, selection, position.after if position else None, repo.page_size, with_story=with_records
    )
    container = render.container(req.verb)
    for item in found:
        if with_records:
            render.record(container, item, repo.identifier(item.story_id), _described(repo, item))
        else:
            render.header(container, item, repo.identifier(item.story_id))
    if found and cursor + len(found) < total:
        last = found[-1]
        token = tokens.issue(
            tokens.Position(req.verb, args, (last.datestamp, last.story_id), cursor + len(found), version),
            repo.secret_key,
        )
        render.resumption_token(container, token, total, cursor, tokens.expiry(repo.token_lifetime))
    elif position is not None:
        render.resumption_token(container, "", total, cursor, None)  # the list is complete
    return container


def list_identifiers(db, repo: Repository, req: Request):
    """ListIdentifiers: headers only."""
    return _list(db, repo, req, with_records=False)


def list_records(db, repo: Repository, req: Request):
    """ListRecords: whole records."""
    return _list(db, repo, req, with_records=True)


VERB_HANDLERS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
}


@bp.route("/oai", methods=["GET", "POST"])
def endpoint():
    """Answer one OAI-PMH request (GET query or POST form) with an XML document."""
    pairs = list((request.form if request.method == "POST" else request.args).items(multi=True))
    repo = _repository()
    req = None
    try:
        req = parse(pairs)
        # One snapshot of the archive for the whole answer: counts, pages and the
        # token's version agree even while curators work.
        with get_db().snapshot() as db:
            container = VERB_HANDLERS[req.verb](db, repo, req)
        root = render.envelope(repo.base_url, req.attributes())
        root.append(container)
    except OAIError as exc:
        echoed = req.attributes() if req is not None and exc.echoes_request else {}
        root = render.envelope(repo.base_url, echoed)
        render.error(root, exc.code, exc.message)
    response = Response(render.to_bytes(root), content_type="text/xml; charset=utf-8")
    # A record can become a deleted one at any moment: caches must ask again.
    response.headers["Cache-Control"] = "no-cache"
    return response

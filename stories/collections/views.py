"""Collections and story circles on the web.

Public: ``/collections`` (the list), ``/collections/<slug>`` (a collection: its
introduction and the stories the viewer may read), ``/c/<slug>`` (a circle's
short submission link), ``/collections/<slug>/poster`` (a printable page with a
QR code of that link). Curators: ``/curate/collections`` (create, describe,
arrange) and ``/curate/prompts``. Views parse forms, call archive.collections
and archive.prompts, render."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive import collections, prompts
from archive.collection_lists import (
    curator_members,
    get_by_slug,
    is_open,
    list_collections,
    members,
    visible_by_slug,
)
from archive.errors import StoryError
from archive.policy import CURATOR
from stories.collections.forms import (
    AddStoryForm,
    ArrangeForm,
    CollectionForm,
    PromptForm,
    RemoveStoryForm,
)
from stories.collections.qr import qr_svg
from stories.public import site_url
from stories.resources import get_db
from stories.roles import curator_required, current_level

bp = Blueprint("collections", __name__)


# --- public -------------------------------------------------------------------------


def _visible_or_404(slug: str) -> dict:
    collection = visible_by_slug(get_db(), slug, current_level())
    if collection is None:
        abort(404)
    return collection


def submission_link(collection: dict) -> str:
    """The circle's short submission link, on the site's public address."""
    return site_url("collections.short_link", slug=collection["slug"])


@bp.route("/collections")
def index():
    return render_template("collections.html", collections=list_collections(get_db(), current_level()))


@bp.route("/collections/<slug>")
def collection(slug):
    found = _visible_or_404(slug)
    db = get_db()
    return render_template(
        "collection.html",
        collection=found,
        stories=members(db, found["id"], current_level()),
        prompts=prompts.offered(db, found["id"]) if is_open(found) else [],
        open=is_open(found),
    )


@bp.route("/c/<slug>")
def short_link(slug):
    """A story circle's link: the submission form for the circle while it is open;
    afterwards a page that says it has closed and offers the ordinary form."""
    found = _visible_or_404(slug)
    if not is_open(found):
        return render_template("collection_closed.html", collection=found), 410
    return redirect(url_for("contribute.submit", collection=found["slug"]), 303)


@bp.route("/collections/<slug>/poster")
def poster(slug):
    """A printable page for posters and slides: the circle's link as text and as a QR code."""
    found = _visible_or_404(slug)
    link = submission_link(found)
    return render_template(
        "collection_poster.html",
        collection=found,
        link=link,
        open=is_open(found),
        qr=qr_svg(link, _("QR code of the link %(link)s", link=link)) if is_open(found) else None,
        prompts=prompts.offered(get_db(), found["id"]) if is_open(found) else [],
    )


# --- curators: collections ----------------------------------------------------------


@bp.route("/curate/collections", methods=["GET", "POST"])
@curator_required
def manage():
    db = get_db()
    form = CollectionForm(creating=True)
    if form.validate_on_submit():
        try:
            collections.create(db, form.slug.data, form.to_fields(), current_user.id)
        except StoryError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("The collection is created."))
            return redirect(url_for("collections.edit", slug=form.slug.data))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "curate/collections.html", collections=list_collections(db, CURATOR), form=form
    ), status


def _curator_collection(slug: str) -> dict:
    found = get_by_slug(get_db(), slug)
    if found is None:
        abort(404)
    return found


def _arrange_form(stories: list[dict], formdata=None) -> ArrangeForm:
    form = ArrangeForm(formdata=formdata)
    if formdata is None:
        for story in stories:
            form.members.append_entry(
                {
                    "story_id": story["id"],
                    "position": story["collection_position"],
                    "note": story["collection_note"],
                }
            )
    return form


def _edit_page(found: dict, status: int = 200, **forms):
    db = get_db()
    stories = curator_members(db, found["id"])
    edit_form = forms.get("edit_form")
    if edit_form is None:
        edit_form = CollectionForm(formdata=None)
        edit_form.fill_from(found)
    return (
        render_template(
            "curate/collection.html",
            collection=found,
            stories=stories,
            edit_form=edit_form,
            add_form=forms.get("add_form") or AddStoryForm(formdata=None),
            arrange_form=forms.get("arrange_form") or _arrange_form(stories),
            remove_form=RemoveStoryForm(formdata=None),
            link=submission_link(found),
            open=is_open(found),
        ),
        status,
    )


def _change(found: dict, form, form_name: str, change, done: str):
    """A curator's change to a collection from a POSTed form: done, it says so and
    goes back to the collection's page; refused, the page shows the form again with
    its errors (400)."""
    if form.validate_on_submit():
        try:
            change(form)
        except StoryError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(done)
            return redirect(url_for("collections.edit", slug=found["slug"]))
    return _edit_page(found, 400, **{form_name: form})


@bp.route("/curate/collections/<slug>", methods=["GET", "POST"])
@curator_required
def edit(slug):
    found = _curator_collection(slug)
    if request.method == "GET":
        return _edit_page(found)

    def describe(form):
        collections.update(get_db(), found["id"], form.to_fields(), current_user.id)

    return _change(found, CollectionForm(), "edit_form", describe, _("Your changes are saved."))


@bp.post("/curate/collections/<slug>/add")
@curator_required
def add_story(slug):
    found = _curator_collection(slug)

    def add(form):
        collections.add_story(get_db(), found["id"], form.story_id(), current_user.id, form.note.data)

    return _change(found, AddStoryForm(), "add_form", add, _("The story is added to the collection."))


@bp.post("/curate/collections/<slug>/arrange")
@curator_required
def arrange(slug):
    found = _curator_collection(slug)

    def save(form):
        order = [(m.story_id.data, m.position.data, m.note.data) for m in form.members]
        collections.arrange(get_db(), found["id"], order, current_user.id)

    return _change(found, ArrangeForm(), "arrange_form", save, _("The order and notes are saved."))


@bp.post("/curate/collections/<slug>/remove")
@curator_required
def remove_story(slug):
    found = _curator_collection(slug)
    form = RemoveStoryForm()
    if form.validate_on_submit():
        try:
            collections.remove_story(get_db(), found["id"], form.story_id.data, current_user.id)
        except StoryError as exc:
            flash(str(exc))
        else:
            flash(_("The story is taken out of the collection. The story itself is unchanged."))
    return redirect(url_for("collections.edit", slug=slug))


# --- curators: prompts --------------------------------------------------------------


def _prompt_forms(items: list[dict], failed: PromptForm | None = None, failed_id: int | None = None) -> dict:
    """An edit form per prompt, prefixed so that each field id is unique."""
    forms = {}
    for item in items:
        if failed is not None and failed_id == item["id"]:
            forms[item["id"]] = failed
            continue
        form = PromptForm(formdata=None, prefix=f"p-{item['id']}")
        form.text.data = item["text"]
        form.themes.data = item["themes"]
        form.active.data = bool(item["active"])
        form.collection_slug.data = item.get("collection_slug") or ""
        forms[item["id"]] = form
    return forms


def _prompts_page(status=200, new_form=None, failed=None, failed_id=None):
    db = get_db()
    items = prompts.list_all(db)
    return (
        render_template(
            "curate/prompts.html",
            prompts=items,
            new_form=new_form or PromptForm(formdata=None),
            forms=_prompt_forms(items, failed, failed_id),
        ),
        status,
    )


def _collection_id(form: PromptForm) -> int | None:
    """The collection named on a prompt form; raises StoryError for an unknown one."""
    slug = (form.collection_slug.data or "").strip()
    if not slug:
        return None
    found = get_by_slug(get_db(), slug)
    if found is None:
        raise StoryError(_("There is no collection with that short name."))
    return found["id"]


@bp.route("/curate/prompts", methods=["GET", "POST"])
@curator_required
def prompt_list():
    if request.method == "GET":
        return _prompts_page()
    form = PromptForm()
    if form.validate_on_submit():
        try:
            prompts.create(
                get_db(),
                form.text.data,
                form.themes.data,
                _collection_id(form),
                current_user.id,
                form.active.data,
            )
        except StoryError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("The prompt is saved."))
            return redirect(url_for("collections.prompt_list"))
    return _prompts_page(400, new_form=form)


@bp.post("/curate/prompts/<int:prompt_id>")
@curator_required
def prompt_edit(prompt_id):
    if prompts.get(get_db(), prompt_id) is None:
        abort(404)
    form = PromptForm(prefix=f"p-{prompt_id}")
    if form.validate_on_submit():
        try:
            prompts.update(
                get_db(),
                prompt_id,
                form.text.data,
                form.themes.data,
                _collection_id(form),
                form.active.data,
                current_user.id,
            )
        except StoryError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("The prompt is saved."))
            return redirect(url_for("collections.prompt_list") + f"#prompt-{prompt_id}")
    return _prompts_page(400, failed=form, failed_id=prompt_id)

"""The ``users`` command group: create the first admin and manage accounts from a shell.

flask --app app users create alice --role admin          (asks for the password twice)
printf '%s\\n' "$PASSWORD" | flask --app app users create bob --role curator --password-stdin
flask --app app users list
flask --app app users set-role bob admin
flask --app app users disable bob
"""

import sys

import click
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale

from archive.errors import AccountError
from archive.users import (
    ROLES,
    create_user,
    find_user,
    list_users,
    password_problem,
    set_password,
    set_role,
    set_status,
)
from stories.resources import get_db

users_cli = AppGroup("users", help="Accounts: admins, curators and researchers.")


def _text(message) -> str:
    """A (lazily translated) message in English: a shell has no browser to ask for a language."""
    with force_locale("en"):
        return str(message)


def _fail(exc: Exception):
    raise click.ClickException(_text(exc.args[0] if exc.args else exc)) from None


def _read_password(from_stdin: bool, username: str) -> str:
    if from_stdin:
        # One line; only the line end is removed, so spaces inside or around a passphrase count.
        return sys.stdin.readline().rstrip("\r\n")
    while True:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        problem = password_problem(password, username)
        if problem is None:
            return password
        click.echo(_text(problem), err=True)


def _user_or_fail(db, username):
    user = find_user(db, username)
    if user is None:
        raise click.ClickException(f"No account called {username!r}.")
    return user


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True, help="admin, curator or researcher.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of standard input."
)
@with_appcontext
def create_command(username, role, password_stdin):
    """Create an active account called USERNAME."""
    password = _read_password(password_stdin, username)
    try:
        create_user(get_db(), username, password, role)
    except AccountError as exc:
        _fail(exc)
    click.echo(f"Created {role} {username.strip().casefold()}.")


@users_cli.command("list")
@with_appcontext
def list_command():
    """List accounts: name, role, status."""
    users = list_users(get_db())
    if not users:
        click.echo("No accounts yet.")
        return
    width = max(len(u["username"]) for u in users)
    for user in users:
        click.echo(f"{user['username']:<{width}}  {user['role']:<10}  {user['status']}")


def _change(username: str, change, done: str) -> None:
    """Run ``change(db, user_id)`` on USERNAME's account; say ``done`` or why not."""
    db = get_db()
    try:
        change(db, _user_or_fail(db, username)["id"])
    except AccountError as exc:
        _fail(exc)
    click.echo(done)


@users_cli.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
def set_role_command(username, role):
    """Give USERNAME the role ROLE (ends their sessions)."""
    _change(username, lambda db, user_id: set_role(db, user_id, role, None), f"{username} is now {role}.")


@users_cli.command("disable")
@click.argument("username")
@with_appcontext
def disable_command(username):
    """Disable USERNAME and end their sessions."""
    _change(
        username, lambda db, user_id: set_status(db, user_id, "disabled", None), f"{username} is disabled."
    )


@users_cli.command("enable")
@click.argument("username")
@with_appcontext
def enable_command(username):
    """Enable USERNAME again (also approves a pending researcher)."""
    _change(username, lambda db, user_id: set_status(db, user_id, "active", None), f"{username} is active.")


@users_cli.command("set-password")
@click.argument("username")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of standard input."
)
@with_appcontext
def set_password_command(username, password_stdin):
    """Give USERNAME a new password (ends their sessions)."""
    db = get_db()
    user = _user_or_fail(db, username)
    try:
        set_password(db, user["id"], _read_password(password_stdin, username))
    except AccountError as exc:
        _fail(exc)
    click.echo(f"New password set for {username}.")


def init_app(app):
    """Register the ``users`` group with ``app``."""
    app.cli.add_command(users_cli)

"""`users add|list|remove|passwd|role`: who may sign in to the review desk (`serve`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from collector.cli import shapes
from collector.cli.common import cli, handle_errors, json_option, store_option, table_width
from collector.errors import UsageError
from collector.evidence.store import EvidenceStore
from collector.text import table
from collector.timeutil import wib

if TYPE_CHECKING:
    from collector.records.index import Index

ROLE_HELP = (
    "reviewer: read, notes; investigator: + intake captures; "
    "admin: + hand-over, retire, export, users"
)


def _index(store: Path) -> Index:
    from collector.records.index import Index

    s = EvidenceStore(store)
    s.root.mkdir(parents=True, exist_ok=True)
    return Index(s.index_path)


def _password(stdin: bool) -> str:
    if stdin:
        line = sys.stdin.readline()
        if not line:
            raise UsageError("--password-stdin: no password on standard input")
        return line.rstrip("\r\n")
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@cli.group()
def users() -> None:
    """Users of the review desk (`collector serve`), kept in the store's index."""


@users.command(name="add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["reviewer", "investigator", "admin"]),
    required=True,
    help=ROLE_HELP,
)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (scripts)."
)
@store_option
@handle_errors
def add(name: str, role: str, password_stdin: bool, store: Path) -> None:
    """Add a user; asks for the password twice (at least 10 characters)."""
    from collector.desk import auth

    auth.check_name(name)
    password = _password(password_stdin)
    with _index(store) as index:
        auth.add_user(index, name, role, password)
    click.echo(f"added {name} ({role})")


@users.command(name="list")
@json_option("The users as JSON: name, role, created_at, updated_at.")
@store_option
@handle_errors
def list_(as_json: bool, store: Path) -> None:
    """List the users (never their password hashes)."""
    from collector.desk import auth

    with _index(store) as index:
        rows = auth.list_users(index)
    if as_json:
        click.echo(shapes.dumps(rows))
        return
    if not rows:
        click.echo("no users: `collector serve` on 127.0.0.1 works without signing in", err=True)
        return
    click.echo(
        table(
            ["NAME", "ROLE", "CREATED (WIB)", "CHANGED (WIB)"],
            [[r["name"], r["role"], wib(r["created_at"]), wib(r["updated_at"])] for r in rows],
            width=table_width(),
            keep=(0,),
        )
    )


@users.command()
@click.argument("name")
@store_option
@handle_errors
def remove(name: str, store: Path) -> None:
    """Remove a user and end their sessions (the custody log keeps their name)."""
    from collector.desk import auth

    with _index(store) as index:
        auth.remove_user(index, name)
    click.echo(f"removed {name}")


@users.command()
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@store_option
@handle_errors
def passwd(name: str, password_stdin: bool, store: Path) -> None:
    """Set a user's password (ends their sessions)."""
    from collector.desk import auth

    with _index(store) as index:
        if index.desk_user(name) is None:
            raise UsageError(f"no user {name!r}")
        auth.set_password(index, name, _password(password_stdin))
    click.echo(f"password of {name} changed")


@users.command()
@click.argument("name")
@click.argument("role", type=click.Choice(["reviewer", "investigator", "admin"]))
@store_option
@handle_errors
def role(name: str, role: str, store: Path) -> None:
    """Change a user's role (ends their sessions)."""
    from collector.desk import auth

    with _index(store) as index:
        auth.set_role(index, name, role)
    click.echo(f"{name} is now {role}")

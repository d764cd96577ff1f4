"""``estate serve``: the shared map and its API over HTTP.

Served by gunicorn (threaded workers, one per core by default) rather than Flask's
development server: the map asks for every view it shows, from every partner at once.
``--debug`` runs Flask's own server with reloading, for development.
"""

from __future__ import annotations

import os

import click

from estate.cli.helpers import open_engine, pass_settings
from estate.config import Settings


def serve_app(settings: Settings, host: str, port: int, workers: int, threads: int) -> None:
    """Migrate the database once, then serve with gunicorn (each worker its own pool)."""
    from gunicorn.app.base import BaseApplication

    from estate.db import ensure_database, make_engine, upgrade
    from estate.web import create_app

    url = ensure_database(settings)
    upgrade(url)
    _forget_stored_results(url)

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("timeout", 120)
            self.cfg.set("accesslog", None)
            self.cfg.set("errorlog", "-")
            self.cfg.set("loglevel", "warning")

        def load(self):
            # In each worker, after the fork: connections are never shared across processes.
            import threading

            from estate.web.api import warm_up

            app = create_app(settings, engine=make_engine(url, pool_size=threads, max_overflow=4))
            threading.Thread(target=warm_up, args=(app,), daemon=True).start()
            return app

    Server().run()


def _forget_stored_results(url) -> None:
    """Delete the analysis results an earlier run stored (:mod:`estate.resultstore`):
    they are keyed by the data, not by the code that computed them, and this run's
    code may compute them differently. The workers compute them again as asked."""
    from estate import resultstore
    from estate.db import make_engine

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            resultstore.clear(conn)
    finally:
        engine.dispose()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=lambda: os.cpu_count() or 2,
    show_default="one per core",
    help="Worker processes.",
)
@click.option("--threads", type=click.IntRange(min=1), default=4, show_default=True,
              help="Threads per worker.")  # fmt: skip
@click.option("--debug", is_flag=True, help="Flask's development server, reloading on changes.")
@pass_settings
def serve(
    settings: Settings, host: str, port: int, workers: int, threads: int, debug: bool
) -> None:
    """Serve the shared map, the pages, the JSON API and OGC API - Features."""
    click.echo(f"estate: the map is at http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    if debug:
        from estate.web import create_app

        create_app(settings).run(host=host, port=port, debug=True)
        return
    serve_app(settings, host, port, workers, threads)


@click.group()
def users() -> None:
    """Accounts of the shared map: add, list, disable, enable, set a password."""


def _run(settings: Settings, action) -> object:
    """``action(conn)`` in one transaction; an :class:`AccountError` (an EstateError) is
    reported by the ``estate`` group's handler like every other."""
    with open_engine(settings) as engine, engine.begin() as conn:
        return action(conn)


def _password(password_stdin: bool) -> str:
    if password_stdin:
        import sys

        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users.command("add")
@click.argument("username")
@click.option(
    "--org", "organisation", required=True, help="The body's code (see `estate quality`)."
)
@click.option(
    "--role",
    type=click.Choice(["viewer", "editor", "club_admin", "admin"]),
    default="viewer",
    show_default=True,
    help="viewer reads; editor edits its body's assets and club posts; club_admin manages "
    "every body's club posts; admin also manages accounts.",
)
@click.option("--name", "full_name", help="The person's name, as shown in the audit trail.")
@click.option("--email", help="Where `estate notify` and password reset links mail them.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_settings
def users_add(
    settings: Settings,
    username: str,
    organisation: str,
    role: str,
    full_name: str | None,
    email: str | None,
    password_stdin: bool,
) -> None:
    """Add an account for a person of one body (the password is asked for twice)."""
    from estate import accounts, audit

    password = _password(password_stdin)

    def add(conn):
        account = accounts.add(conn, username, organisation, role, password, full_name)
        if email:
            accounts.set_email(conn, account.username, email)
        audit.record(
            conn, "cli", "user", "add", organisation_id=account.organisation_id,
            subject_id=account.id, changes={"username": [None, account.username],
                                            "role": [None, role]},
        )  # fmt: skip
        return account

    account = _run(settings, add)
    click.echo(f"added {account.username} ({account.role}, {account.organisation_code})")


@users.command("list")
@pass_settings
def users_list(settings: Settings) -> None:
    """Every account: username, body, role, and whether it may sign in."""
    from estate import accounts

    found = _run(settings, accounts.list_accounts)
    if not found:
        click.echo("no accounts yet: estate users add USERNAME --org CODE --role ROLE")
        return
    width = max(len(a.username) for a in found)
    for a in found:
        state = "active" if a.active else "disabled"
        click.echo(f"{a.username:<{width}}  {a.organisation_code:<28} {a.role:<10}  {state}")


def _set_active(settings: Settings, username: str, active: bool) -> None:
    from estate import accounts, audit

    def change(conn):
        accounts.set_active(conn, username, active)
        audit.record(
            conn, "cli", "user", "enable" if active else "disable",
            changes={"active": [not active, active]}, reason=username,
        )  # fmt: skip

    _run(settings, change)
    click.echo(f"{username} {'enabled' if active else 'disabled'}")


@users.command("disable")
@click.argument("username")
@pass_settings
def users_disable(settings: Settings, username: str) -> None:
    """Stop an account signing in (its sessions end: their next request is signed out)."""
    _set_active(settings, username, False)


@users.command("enable")
@click.argument("username")
@pass_settings
def users_enable(settings: Settings, username: str) -> None:
    """Let a disabled account sign in again."""
    _set_active(settings, username, True)


@users.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_settings
def users_password(settings: Settings, username: str, password_stdin: bool) -> None:
    """Set a new password for an account; every session of it ends, wherever it is."""
    from estate import accounts

    password = _password(password_stdin)
    _run(settings, lambda conn: accounts.set_password(conn, username, password))
    click.echo(f"password of {username} set")

"""``estate users``: accounts from the command line, each change in the audit trail."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import Engine, text

from estate import accounts
from estate.cli import cli

PASSWORD = "a long enough password"
GMP = "INSERT INTO organisations (code, name, kind) VALUES ('GMP', 'GMP', 'police')"


def run(db: Engine, *args: str, stdin: str | None = None):
    env = {"ESTATE_DATABASE_URL": db.url.render_as_string(hide_password=False)}
    return CliRunner().invoke(cli, list(args), env=env, input=stdin)


def test_users_are_added_listed_disabled_and_audited(db: Engine):
    with db.begin() as conn:
        conn.execute(
            text("INSERT INTO organisations (code, name, kind) VALUES ('GMP', 'GMP', 'police')")
        )
    added = run(db, "users", "add", "Ann", "--org", "GMP", "--role", "editor",
                "--name", "Ann Example", "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    assert added.exit_code == 0, (added.output, repr(added.exception))
    assert added.output == "added ann (editor, GMP)\n"
    listed = run(db, "users", "list")
    assert "ann" in listed.output and "editor" in listed.output and "active" in listed.output
    with db.begin() as conn:
        assert accounts.sign_in(conn, "ann", PASSWORD, "cli-test").role == "editor"
    assert run(db, "users", "disable", "ann").exit_code == 0
    assert "disabled" in run(db, "users", "list").output
    with db.begin() as conn:
        actions = conn.execute(
            text("SELECT action FROM audit_events WHERE subject = 'user' ORDER BY id")
        ).scalars().all()  # fmt: skip
    assert actions == ["add", "disable"]


def test_users_add_refuses_with_a_reason(db: Engine):
    with db.begin() as conn:
        conn.execute(
            text("INSERT INTO organisations (code, name, kind) VALUES ('GMP', 'GMP', 'police')")
        )
    short = run(db, "users", "add", "bob", "--org", "GMP", "--password-stdin", stdin="short\n")
    assert short.exit_code == 1
    assert "a password needs at least 10 characters" in short.output
    unknown = run(db, "users", "add", "bob", "--org", "NOPE", "--password-stdin",
                  stdin=PASSWORD + "\n")  # fmt: skip
    assert "no body with code 'NOPE'" in unknown.output
    assert run(db, "users", "disable", "nobody").output.strip() == "error: no user 'nobody'"

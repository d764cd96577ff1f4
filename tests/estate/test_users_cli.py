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


def test_notify_says_in_one_line_without_a_mail_server_and_mails_with_one(db: Engine):
    from aiosmtpd.controller import Controller

    from tests.web.conftest import free_port

    with db.begin() as conn:
        conn.execute(text(GMP))
        conn.execute(
            text("INSERT INTO organisations (code, name, kind) VALUES ('TC', 'TC', 'council')")
        )
        conn.execute(text("INSERT INTO load_batches (source_file, source_format, organisation_id,"
                          " status, finished_at, rows_read, rows_inserted)"
                          " SELECT 'tc.csv', 'csv', id, 'committed', now(), 5, 5"
                          " FROM organisations WHERE code = 'TC'"))  # fmt: skip
    added = run(db, "users", "add", "cat", "--org", "GMP", "--email", "cat@example.org",
                "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    assert added.exit_code == 0, added.output
    refused = run(db, "notify")
    assert refused.exit_code == 1
    assert refused.output.strip().startswith("error: no mail server is set")
    assert "Traceback" not in refused.output

    class Keep:
        messages: list[bytes] = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope.content)
            return "250 OK"

    sink = Controller(Keep(), hostname="127.0.0.1", port=free_port())
    sink.start()
    try:
        env = {"ESTATE_DATABASE_URL": db.url.render_as_string(hide_password=False),
               "ESTATE_SMTP_HOST": "127.0.0.1", "ESTATE_SMTP_PORT": str(sink.port)}  # fmt: skip
        first = CliRunner().invoke(cli, ["notify"], env=env)
        second = CliRunner().invoke(cli, ["notify"], env=env)
    finally:
        sink.stop()
    assert first.output == "mailed 1, nothing new for 0\n", first.output
    assert second.output == "mailed 0, nothing new for 1\n"
    assert b"TC: 5 added, 0 changed" in Keep.messages[0]

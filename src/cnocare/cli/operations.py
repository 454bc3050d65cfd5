"""Operator commands: ``cnocare admin create-admin|create-user|revoke-token`` and ``cnocare backup|restore``.

``cnocare.cli`` mounts ``admin_app`` and ``audit_app`` and registers ``backup_command`` / ``restore_command``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

admin_app = typer.Typer(help="Accounts and API tokens (run on the server by the operator).", no_args_is_help=True)

DatabaseOption = Annotated[str | None, typer.Option(
    "--database-url", envvar="CNOCARE_DATABASE_URL",
    help="Database URL (default: the SQLite file in CNOCARE_DATA_DIR).")]


@contextmanager
def _session(url: str | None) -> Iterator[Session]:
    from cnocare.records.db import database_url, make_engine, session_factory

    engine = make_engine(url or database_url())
    try:
        with session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _operator_event(url: str, action: str, record_type: str, detail: str, outcome: str = "success") -> None:
    """An audit event for an operator command (backup, restore): who is "cli" on this host."""
    import getpass

    from cnocare.records.audit.service import record_event

    with _session(url) as session:
        record_event(db_session=session, action=action, username=f"cli:{getpass.getuser()}"[:64],
                     record_type=record_type, outcome=outcome, detail=detail)
        session.commit()


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


@admin_app.command("create-admin")
def create_admin(
    username: Annotated[str, typer.Option(help="Login name (3-64 of a-z 0-9 . _ -).")],
    email: Annotated[str, typer.Option(help="Address for password-reset mail.")],
    display_name: Annotated[str, typer.Option(help="Name shown in the app.")] = "Administrator",
    database_url: DatabaseOption = None,
) -> None:
    """Create the first administrator and print a one-time password (shown once; change it at first login)."""
    from cnocare.records.accounts.service import AdminAlreadyExists, create_first_admin
    from cnocare.records.errors import RecordValidationError

    with _session(database_url) as session:
        try:
            password = create_first_admin(db_session=session, username=username, email=email,
                                          display_name=display_name)
        except (AdminAlreadyExists, RecordValidationError) as exc:
            raise _fail(str(exc)) from None
    typer.echo(f"Administrator {username.strip().lower()!r} created.")
    typer.echo(f"One-time password (shown once, must be changed at first sign-in): {password}")


@admin_app.command("create-user")
def create_user(
    username: Annotated[str, typer.Option()],
    email: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="admin, clinician, nurse, researcher, patient or parent.")],
    display_name: Annotated[str, typer.Option()],
    centre: Annotated[list[str] | None, typer.Option(help="Centre id (staff; repeat for several).")] = None,
    patient: Annotated[list[str] | None, typer.Option(help="Linked patient id (patient/parent; repeatable).")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Create an account with a one-time password, printed once."""
    from cnocare.records.accounts.service import create_user as create
    from cnocare.records.errors import RecordValidationError

    with _session(database_url) as session:
        try:
            user, password = create(db_session=session, data={
                "username": username, "email": email, "role": role, "display_name": display_name,
                "centre_ids": [_id(c) for c in centre or []], "patient_ids": [_id(p) for p in patient or []]})
        except RecordValidationError as exc:
            raise _fail(str(exc)) from None
        typer.echo(f"User {user.username!r} ({user.role}) created with id {user.id}.")
    typer.echo(f"One-time password (shown once, must be changed at first sign-in): {password}")


def _id(value: str) -> int | str:
    return int(value) if value.isdigit() else value


@admin_app.command("revoke-token")
def revoke_token(
    token_id: Annotated[int, typer.Argument(help="The API token's id (see the account page).")],
    database_url: DatabaseOption = None,
) -> None:
    """Revoke an API token at once; integrations using it get 401 from the next request."""
    from cnocare.records.accounts.api_tokens import revoke_api_token
    from cnocare.records.errors import RecordNotFoundError

    with _session(database_url) as session:
        try:
            token = revoke_api_token(db_session=session, token_id=token_id)
        except RecordNotFoundError as exc:
            raise _fail(str(exc)) from None
        typer.echo(f"API token {token.id} ({token.name}, {token.token_prefix}…) revoked at {token.revoked_at} UTC.")


def backup_command(
    to: Annotated[Path, typer.Option("--to", help="New backup file (a manifest is written beside it).")],
    database_url: DatabaseOption = None,
    verify: Annotated[bool, typer.Option(help="PostgreSQL: restore into a scratch database to check.")] = True,
) -> None:
    """Back up the database and verify the copy (integrity check, row counts, SHA-256 manifest)."""
    from cnocare.records.backup import BackupError, backup
    from cnocare.records.db import database_url as default_url

    url = database_url or default_url()
    # Recorded first, in the database being copied: the backup then carries its own event in its chain.
    _operator_event(url, "export", "database_backup", f"backup to {to} started by the operator (command line)")
    try:
        report = backup(url, to, verify=verify)
    except BackupError as exc:
        _operator_event(url, "export", "database_backup", f"backup to {to} failed: {exc}"[:2000], "failure")
        raise _fail(str(exc)) from None
    rows = sum(report.tables.values())
    typer.echo(f"Backup written: {report.path} ({report.size_bytes} bytes, {len(report.tables)} tables, "
               f"{rows} rows, sha256 {report.sha256}); manifest {report.manifest_path}.")


def restore_command(
    from_: Annotated[Path, typer.Option("--from", help="Backup file written by `cnocare backup`.")],
    database_url: DatabaseOption = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a database that already holds data.")] = False,
) -> None:
    """Restore a backup after checking its checksum and contents; refuses to overwrite data without --force."""
    from cnocare.records.backup import BackupError, restore
    from cnocare.records.db import database_url as default_url

    url = database_url or default_url()
    try:
        report = restore(from_, url, overwrite=force)
    except BackupError as exc:
        raise _fail(str(exc)) from None
    # Recorded in the restored database, appended to the chain the restore just verified.
    _operator_event(url, "update", "database_restore", f"restored from {from_} by the operator (command line)"
                    f"{' over existing data (--force)' if force else ''}")
    typer.echo(f"Restored {report.path} into {report.target}: {len(report.tables)} tables, "
               f"{sum(report.tables.values())} rows, counts match the manifest.")


audit_app = typer.Typer(help="The audit trail: verify its hash chain and signed checkpoints.", no_args_is_help=True)


@audit_app.callback()
def _audit_group() -> None:
    """Keeps ``verify`` a subcommand (``cnocare audit verify``) even while it is the only one."""


@audit_app.command("verify")
def audit_verify(
    database_url: DatabaseOption = None,
    checkpoint: Annotated[bool, typer.Option("--checkpoint", help="After a clean check, sign the head now.")] = False,
) -> None:
    """Recompute the audit hash chain and check every signed checkpoint; exit 1 naming the first broken event."""
    from sqlalchemy import create_engine

    from cnocare.records.audit import chain
    from cnocare.records.db import database_url as default_url
    from cnocare.records.db import normalise_url

    engine = create_engine(normalise_url(database_url or default_url()))
    try:
        with engine.connect() as connection:
            report = chain.verify(connection)
            if report.ok and checkpoint:
                chain.checkpoint_now(connection)
                connection.commit()
    finally:
        engine.dispose()
    if not report.ok:
        typer.echo(f"audit trail BROKEN: {len(report.problems)} problem(s); first: {report.first_broken}", err=True)
        for problem in report.problems[1:20]:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"audit trail verified: {report.events} events chained up to seq {report.head_seq} "
               f"(head {report.head_hash[:16]}…), {report.checkpoints + int(checkpoint and report.head_seq > 0)} "
               "signed checkpoint(s) valid.")

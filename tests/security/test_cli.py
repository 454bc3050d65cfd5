from __future__ import annotations

import re

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cnocare.cli.operations import admin_app
from cnocare.records.accounts.api_tokens import create_api_token
from cnocare.records.accounts.login import authenticate
from cnocare.records.accounts.service import find_by_username
from cnocare.security.settings import SecuritySettings


def test_create_admin_prints_the_one_time_password_once_and_only_for_the_first_admin(
        engine: Engine, sqlite_url: str, db: Session, settings: SecuritySettings) -> None:
    runner = CliRunner()
    first = runner.invoke(admin_app, ["create-admin", "--username", "root", "--email", "it@clinic.example",
                                      "--database-url", sqlite_url])
    assert first.exit_code == 0, first.output
    [password] = re.findall(r"must be changed at first sign-in\): (\S+)", first.output)
    assert authenticate(db_session=db, username="root", password=password, settings=settings).ok
    again = runner.invoke(admin_app, ["create-admin", "--username", "root2", "--email", "x@clinic.example",
                                      "--database-url", sqlite_url])
    assert again.exit_code == 1 and "already exists" in again.output


def test_create_user_reports_bad_input_by_field(engine: Engine, sqlite_url: str) -> None:
    result = CliRunner().invoke(admin_app, ["create-user", "--username", "x", "--email", "bad", "--role", "nurse",
                                            "--display-name", "X", "--database-url", sqlite_url])
    assert result.exit_code == 1 and "username" in result.output and "email" in result.output


def test_revoke_token_revokes(engine: Engine, sqlite_url: str, db: Session) -> None:
    runner = CliRunner()
    created = runner.invoke(admin_app, ["create-user", "--username", "sync.bot", "--email", "s@clinic.example",
                                        "--role", "clinician", "--display-name", "Sync", "--database-url", sqlite_url])
    assert created.exit_code == 0, created.output
    user = find_by_username(db_session=db, username="sync.bot")
    assert user is not None
    token, _ = create_api_token(db_session=db, user=user, data={"name": "sync", "scopes": ["records:read"]})
    result = runner.invoke(admin_app, ["revoke-token", str(token.id), "--database-url", sqlite_url])
    assert result.exit_code == 0 and "revoked" in result.output
    db.refresh(token)
    assert token.revoked_at is not None
    missing = runner.invoke(admin_app, ["revoke-token", "999", "--database-url", sqlite_url])
    assert missing.exit_code == 1 and "999" in missing.output

"""Backups that are checked before anyone needs them, and restores that check before they overwrite.

Every backup gets a manifest beside it (``<backup>.manifest.json``): row counts per table taken from the
same snapshot as the copy, the file's SHA-256 and size, and the Alembic revision.
- SQLite: the sqlite3 online backup API (safe while the app runs), then ``PRAGMA integrity_check`` and
  row counts on the copy.
- PostgreSQL: ``pg_dump -Fc`` of an exported snapshot whose row counts go into the manifest; verified by
  restoring into a scratch database and comparing the counts.
A restore first re-checks the checksum (a damaged or altered file is refused), then the contents, and
refuses to overwrite a database holding data unless asked to.

The manifest also carries the audit trail's chain head (seq, hash) signed with the audit key: a restore
recomputes the backup's hash chain and refuses one that is broken or whose head differs, so a backup with
audit events deleted or re-attributed does not restore even if its checksum was recomputed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, make_url

MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_FORMAT = 1
PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin",)


class BackupError(RuntimeError):
    pass


class BackupCorrupted(BackupError):
    """The backup file does not match its manifest, or its contents fail the checks."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    manifest_path: Path
    dialect: str
    tables: dict[str, int]
    sha256: str
    size_bytes: int
    verified: bool
    alembic_revision: str | None = None


@dataclass(frozen=True)
class RestoreReport:
    path: Path
    target: str  # the database URL with any password hidden
    dialect: str
    tables: dict[str, int] = field(default_factory=dict)
    verified: bool = False


def manifest_path(backup_path: Path) -> Path:
    return backup_path.with_name(backup_path.name + MANIFEST_SUFFIX)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _redacted(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _url(url: str) -> URL:
    from cnocare.records.db import normalise_url

    return make_url(normalise_url(url))


def _write_manifest(backup_file: Path, url: URL, tables: dict[str, int], revision: str | None,
                    audit_chain: dict[str, Any] | None = None) -> BackupReport:
    sha, size = _sha256(backup_file), backup_file.stat().st_size
    manifest = {"format": MANIFEST_FORMAT, "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "dialect": url.get_backend_name(), "source": _redacted(url), "file": backup_file.name,
                "sha256": sha, "size_bytes": size, "alembic_revision": revision, "tables": tables}
    if audit_chain is not None:
        manifest["audit_chain"] = audit_chain
    target = manifest_path(backup_file)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.chmod(partial, 0o600)
    partial.replace(target)
    return BackupReport(backup_file, target, url.get_backend_name(), tables, sha, size, True, revision)


def read_manifest(backup_path: Path | str) -> dict[str, Any]:
    backup_path = Path(backup_path)
    mpath = manifest_path(backup_path)
    if not backup_path.is_file():
        raise BackupError(f"backup file {backup_path} does not exist")
    if not mpath.is_file():
        raise BackupCorrupted(f"manifest {mpath} is missing: cannot verify {backup_path}")
    try:
        manifest: dict[str, Any] = json.loads(mpath.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupCorrupted(f"manifest {mpath} is unreadable: {exc}") from None
    if manifest.get("format") != MANIFEST_FORMAT or not isinstance(manifest.get("tables"), dict):
        raise BackupCorrupted(f"manifest {mpath} is not a cnocare backup manifest (format {MANIFEST_FORMAT})")
    sha = _sha256(backup_path)
    if sha != manifest.get("sha256"):
        raise BackupCorrupted(f"{backup_path} is damaged or was altered: SHA-256 {sha} does not match the "
                              f"manifest's {manifest.get('sha256')}")
    return manifest


def _compare_counts(expected: dict[str, int], actual: dict[str, int], where: str) -> None:
    wrong = {t: (n, actual.get(t)) for t, n in expected.items() if actual.get(t) != n}
    if wrong:
        listing = ", ".join(f"{t}: expected {n}, found {got}" for t, (n, got) in sorted(wrong.items()))
        raise BackupCorrupted(f"row counts in {where} differ from the manifest ({listing})")


# --- the audit chain in backups ------------------------------------------------------------------

def _chain_head(connection: Connection) -> dict[str, Any] | None:
    """The signed chain head of the database behind ``connection`` (None before migration 0003)."""
    from cnocare.records.audit import chain
    from cnocare.records.audit.models import CHAIN_TABLE
    from cnocare.security.settings import audit_signing_key

    if CHAIN_TABLE not in _table_names(connection):
        return None
    seq, head_hash = chain.head(connection)
    return {"seq": seq, "hash": head_hash, "signature": chain.sign_head(audit_signing_key(), seq, head_hash)}


def _table_names(connection: Connection) -> set[str]:
    from sqlalchemy import inspect

    return set(inspect(connection).get_table_names())


def _check_chain(sqlalchemy_url: str | URL, manifest: dict[str, Any], where: str) -> None:
    """Refuse a copy whose audit chain is broken or whose head is not the one the manifest signed."""
    import hmac

    from cnocare.records.audit import chain
    from cnocare.records.audit.models import CHAIN_TABLE
    from cnocare.security.settings import audit_signing_key

    expected = manifest.get("audit_chain")
    engine = create_engine(sqlalchemy_url)
    try:
        with engine.connect() as connection:
            if CHAIN_TABLE not in _table_names(connection):
                if expected is not None:
                    raise BackupCorrupted(f"{where} has no audit chain, but its manifest names one")
                return
            report = chain.verify(connection)
    finally:
        engine.dispose()
    if not report.ok:
        first = report.first_broken
        raise BackupCorrupted(f"the audit trail in {where} has been tampered with: {first} "
                              f"({len(report.problems)} problem(s))")
    if expected is None:
        raise BackupCorrupted(f"the manifest of {where} carries no audit chain head: cannot check the trail")
    key = audit_signing_key()
    signature = chain.sign_head(key, int(expected.get("seq", -1)), str(expected.get("hash")))
    if not hmac.compare_digest(signature, str(expected.get("signature"))):
        raise BackupCorrupted(f"the audit chain head in the manifest of {where} is not signed by this site's "
                              "audit key")
    if (report.head_seq, report.head_hash) != (expected["seq"], expected["hash"]):
        raise BackupCorrupted(f"the audit trail in {where} ends at seq {report.head_seq}, but the backup "
                              f"was taken at seq {expected['seq']}: events were removed or rewritten")


def backup(url: str, dest_path: Path | str, *, verify: bool = True) -> BackupReport:
    """Back up the database at ``url`` to ``dest_path`` (which must not exist) and write its manifest."""
    parsed, dest = _url(url), Path(dest_path)
    if dest.exists():
        raise BackupError(f"{dest} already exists; choose a new file name (backups are never overwritten)")
    if not dest.parent.exists():
        from cnocare.security.files import private_dir

        private_dir(dest.parent)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_backup(parsed, dest)
    if parsed.get_backend_name() == "postgresql":
        return _pg_backup(parsed, dest, verify=verify)
    raise BackupError(f"backup of {parsed.get_backend_name()!r} databases is not supported (sqlite, postgresql)")


def restore(src_path: Path | str, url: str, *, overwrite: bool = False, verify: bool = True) -> RestoreReport:
    """Restore a verified backup into the database at ``url``."""
    src, parsed = Path(src_path), _url(url)
    manifest = read_manifest(src)
    if manifest["dialect"] != parsed.get_backend_name():
        raise BackupError(f"{src} is a {manifest['dialect']} backup; it cannot be restored into "
                          f"{parsed.get_backend_name()}")
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_restore(src, parsed, manifest, overwrite=overwrite)
    return _pg_restore(src, parsed, manifest, overwrite=overwrite, verify=verify)


# --- SQLite ---------------------------------------------------------------------------------------

def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing on disk to back up or restore into")
    return Path(url.database)


def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {n: connection.execute(f'SELECT count(*) FROM "{n.replace(chr(34), chr(34) * 2)}"').fetchone()[0]
            for n in names}


def _sqlite_check(connection: sqlite3.Connection, where: Path) -> dict[str, int]:
    try:
        result = [r[0] for r in connection.execute("PRAGMA integrity_check")]
        counts = _sqlite_counts(connection)
    except sqlite3.DatabaseError as exc:
        raise BackupCorrupted(f"{where} is not a readable SQLite database: {exc}") from None
    if result != ["ok"]:
        raise BackupCorrupted(f"{where} failed PRAGMA integrity_check: {'; '.join(result[:5])}")
    return counts


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _sqlite_backup(url: URL, dest: Path) -> BackupReport:
    source = _sqlite_file(url)
    if not source.is_file():
        raise BackupError(f"SQLite database {source} does not exist")
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    out = sqlite3.connect(partial)
    try:
        src.backup(out)  # a consistent snapshot even while the app keeps writing
        out.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        counts = _sqlite_check(out, partial)
        revision = _sqlite_revision(out)
    finally:
        out.close()
        src.close()
    os.chmod(partial, 0o600)  # the backup holds personal data
    engine = create_engine(f"sqlite:///{partial}")
    try:
        with engine.connect() as connection:
            audit_chain = _chain_head(connection)
    finally:
        engine.dispose()
    partial.replace(dest)
    return _write_manifest(dest, url, counts, revision, audit_chain)


def _sqlite_restore(src: Path, url: URL, manifest: dict[str, Any], *, overwrite: bool) -> RestoreReport:
    target = _sqlite_file(url)
    backup_db = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    try:
        _compare_counts(manifest["tables"], _sqlite_check(backup_db, src), str(src))
        _check_chain(f"sqlite:///file:{src}?mode=ro&uri=true", manifest, str(src))
        if target.exists() and not overwrite:
            with sqlite3.connect(target) as existing:
                held = {t: n for t, n in _sqlite_counts(existing).items() if n}
            existing.close()
            if held:
                raise BackupError(f"{target} already holds data ({sum(held.values())} rows in {len(held)} "
                                  "tables); pass overwrite (--force) to replace it")
        from cnocare.security.files import private_dir, private_sqlite

        if not target.parent.exists():
            private_dir(target.parent)
        out = sqlite3.connect(target)
        try:
            private_sqlite(target)  # the restored copy is as private as the live database
            backup_db.backup(out)  # one transaction on the target: readers see the old or the new database
            counts = _sqlite_check(out, target)
        finally:
            out.close()
        private_sqlite(target)
    finally:
        backup_db.close()
    _compare_counts(manifest["tables"], counts, str(target))
    return RestoreReport(src, _redacted(url), "sqlite", counts, True)


# --- PostgreSQL -----------------------------------------------------------------------------------

def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next((str(Path(d) / name) for d in PG_BIN_DIRS if (Path(d) / name).is_file()), None)
    if found is None:
        raise BackupError(f"{name} not found on PATH or in {', '.join(PG_BIN_DIRS)}; install the PostgreSQL client")
    return found


def _libpq(url: URL, database: str | None = None) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore; the password goes in the environment, not argv."""
    args = ["--dbname", database or url.database or "postgres"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")


def _pg_counts(connection: Connection) -> dict[str, int]:
    tables = connection.execute(text(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
        "AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2")).all()
    quote = connection.dialect.identifier_preparer.quote
    return {f"{s}.{t}": int(connection.execute(text(f"SELECT count(*) FROM {quote(s)}.{quote(t)}")).scalar_one())
            for s, t in tables}


def _pg_revision(connection: Connection) -> str | None:
    exists = connection.execute(text("SELECT to_regclass('public.alembic_version')")).scalar()
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar() if exists else None


def _pg_backup(url: URL, dest: Path, *, verify: bool) -> BackupReport:
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    args, env = _libpq(url)
    engine = create_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
            # Count rows in the very snapshot pg_dump copies, so the manifest describes the file exactly.
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts, revision = _pg_counts(connection), _pg_revision(connection)
            audit_chain = _chain_head(connection)
            _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                  "--file", str(partial), *args], env, "pg_dump")
            connection.rollback()
    finally:
        engine.dispose()
    os.chmod(partial, 0o600)
    partial.replace(dest)
    report = _write_manifest(dest, url, counts, revision, audit_chain)
    if verify:
        _pg_verify_in_scratch(dest, url, read_manifest(dest))
    return report


def _pg_admin(url: URL, statement: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def _pg_restore_into(src: Path, url: URL, database: str, *, clean: bool) -> dict[str, int]:
    args, env = _libpq(url, database)
    extra = ["--clean", "--if-exists"] if clean else []
    # One transaction: a failure leaves the target exactly as it was.
    _run([_pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction", *extra, *args,
          str(src)], env, f"pg_restore into {database}")
    engine = create_engine(url.set(database=database))
    try:
        with engine.connect() as connection:
            return _pg_counts(connection)
    finally:
        engine.dispose()


def _pg_verify_in_scratch(src: Path, url: URL, manifest: dict[str, Any]) -> None:
    scratch = f"cnocare_verify_{secrets.token_hex(6)}"
    _pg_admin(url, f'CREATE DATABASE "{scratch}"')
    try:
        try:
            counts = _pg_restore_into(src, url, scratch, clean=False)
        except BackupError as exc:
            raise BackupCorrupted(f"{src} could not be restored into a scratch database: {exc}") from None
        _compare_counts(manifest["tables"], counts, f"scratch database {scratch}")
        _check_chain(url.set(database=scratch), manifest, str(src))
    finally:
        _pg_admin(url, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def _pg_restore(src: Path, url: URL, manifest: dict[str, Any], *, overwrite: bool, verify: bool) -> RestoreReport:
    if verify:
        _pg_verify_in_scratch(src, url, manifest)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            held = {t: n for t, n in _pg_counts(connection).items() if n}
    finally:
        engine.dispose()
    if held and not overwrite:
        raise BackupError(f"database {url.database} already holds data ({sum(held.values())} rows in "
                          f"{len(held)} tables); pass overwrite (--force) to replace it")
    counts = _pg_restore_into(src, url, url.database or "postgres", clean=True)
    _compare_counts(manifest["tables"], counts, f"database {url.database}")
    if not verify:  # checked in the scratch copy otherwise; here at least the restored trail is checked
        _check_chain(url, manifest, f"database {url.database}")
    return RestoreReport(src, _redacted(url), "postgresql", {t: counts[t] for t in manifest["tables"]}, True)

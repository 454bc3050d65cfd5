"""The ``cnocare`` command line: assess case files, list instruments and bones, run the clinic app."""

from __future__ import annotations

import dataclasses
import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cnocare.casefile import CaseFileError, load_case
from cnocare.cli.operations import admin_app, audit_app, backup_command, restore_command
from cnocare.clinical.assess import CaseAssessment, assess_case
from cnocare.clinical.criteria import registry
from cnocare.clinical.criteria.eular_acr import WeightsTable, load_weights
from cnocare.knowledge.catalogue import bone_sites
from cnocare.knowledge.reference_intervals import load_reference_intervals
from cnocare.security.settings import SecuritySettings

app = typer.Typer(help="cnocare: care platform for chronic nonbacterial osteomyelitis (CNO/CRMO).",
                  no_args_is_help=True, add_completion=False)
out = Console(soft_wrap=True)
err = Console(stderr=True)


class Format(StrEnum):
    text = "text"
    json = "json"


def _weights(path: Path | None) -> WeightsTable | None:
    path = path or (Path(os.environ["CNOCARE_EULAR_WEIGHTS"]) if os.environ.get("CNOCARE_EULAR_WEIGHTS") else None)
    if path is None:
        return None
    try:
        return load_weights(path)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


@app.command()
def assess(
    cases: Annotated[list[Path], typer.Argument(help="Case files (YAML or JSON, see docs/case-file.md)")],
    format: Annotated[Format, typer.Option("--format", "-f", help="text for people, json for programs")] = Format.text,
    eular_weights: Annotated[Path | None, typer.Option(help="A checked EULAR/ACR 2025 weights table (YAML)")] = None,
    reference_intervals: Annotated[Path | None, typer.Option(
        help="The site's own default reference intervals (YAML, docs/reference-intervals.md)")] = None,
) -> None:
    """Assess case files: every instrument, the subtype and the exclusion work-up."""
    registry.validate_all()
    weights = _weights(eular_weights)
    table = None
    if reference_intervals is not None:
        try:
            table = load_reference_intervals(reference_intervals)
        except ValueError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}")
            raise typer.Exit(2) from exc
    loaded = []
    for path in cases:
        try:
            loaded.append(load_case(path))
        except CaseFileError as exc:
            err.print(f"[red]error:[/red] {exc.path} is not a valid case file:")
            for p in exc.problems:
                err.print(f"  - {p}", markup=False)
            raise typer.Exit(2) from exc
    results = [assess_case(c, eular_weights=weights, reference_intervals=table) for c in loaded]
    if format is Format.json:
        payload = [r.model_dump(mode="json") for r in results]
        typer.echo(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2, ensure_ascii=False))
        return
    for r in results:
        _print_text(r)


@app.command()
def instruments(
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.text,
) -> None:
    """List the instruments with version, citation and verification status."""
    registry.validate_all()
    infos = registry.catalogue()
    if format is Format.json:
        typer.echo(json.dumps([dataclasses.asdict(i) for i in infos], indent=2, ensure_ascii=False))
        return
    table = Table(title="cnocare instruments")
    for col in ("id", "version", "title", "citation", "verification"):
        table.add_column(col)
    for i in infos:
        cite = ", ".join(x for x in (f"PMID {i.pmid}" if i.pmid else "", f"doi:{i.doi}" if i.doi else "") if x)
        table.add_row(i.id, i.version, i.title, cite, i.verification)
    out.print(table)


@app.command()
def bones() -> None:
    """List the bone-site catalogue (ids used in case files)."""
    table = Table(title="Bone sites")
    for col in ("id", "label", "region", "paired"):
        table.add_column(col)
    for s in bone_sites().values():
        table.add_row(s.id, s.label, s.region, "left/right" if s.paired else "midline")
    out.print(table)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the case file format (as published in docs/case.schema.json)."""
    from cnocare.schema import dump

    typer.echo(dump(), nl=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    demo: Annotated[bool, typer.Option(help="Create the database, seed the synthetic demo cohort, make a demo login")]
    = False,
    demo_patients: Annotated[int, typer.Option(help="Demo cohort size")] = 60,
    workers: Annotated[int | None, typer.Option(
        min=1, max=64, envvar="CNOCARE_WORKERS",
        help="Worker processes (default: one per CPU, at most 4). Each keeps its own page cache; PostgreSQL "
             "and SQLite (WAL) both serve several.")] = None,
) -> None:
    """Start the clinic web app (database from CNOCARE_DATABASE_URL, else SQLite in ./data)."""
    from cnocare.records.db import database_url, upgrade
    from cnocare.web.workers import Listen
    from cnocare.web.workers import serve as serve_workers

    registry.validate_all()
    url = database_url()
    login = None
    if demo:
        from cnocare.demo import SYNTHETIC_FORMULARY, prepare_demo

        # The demo's doses come from a formulary marked SYNTHETIC on every dose line, never a real one.
        os.environ.setdefault("CNOCARE_FORMULARY_PATH", str(SYNTHETIC_FORMULARY))
        login = prepare_demo(url, patients=demo_patients)
    else:
        upgrade(url)
    out.print(f"[bold green]cnocare[/bold green] clinic app: http://{host}:{port}/")
    if login is not None:
        out.print(f"Demo login (synthetic data only): user [bold]{login.username}[/bold]  password "
                  f"[bold]{login.password}[/bold]  ({login.patients} patients; a new password each start)")
        out.print(f"Demo family login: user [bold]{login.family_username}[/bold], same password (the parent of "
                  f"{login.family_child}, with two weeks of diary)")
    else:
        out.print("Sign in with an account made by `cnocare admin create-admin` / `cnocare admin create-user`.")
    from cnocare.security.files import umask_private

    umask_private()  # the database, its -wal/-shm files and mail are readable by this account only
    count = workers or default_workers()
    out.print(f"{count} worker process{'es' if count > 1 else ''}")
    # Each process builds its own app (engine, pool, page cache) from the same settings; the database was
    # migrated once, above. Several workers each accept on their own socket (web.workers).
    try:
        status = serve_workers(Listen(host, port), count)
    except OSError as error:
        err.print(f"[red]Cannot listen on {host}:{port}: {error.strerror or error}[/red]")
        raise typer.Exit(1) from error
    raise typer.Exit(status)


def default_workers() -> int:
    """One worker per CPU, at most 4: page rendering is CPU-bound, and beyond a few processes a small
    clinic's SQLite writers only queue for the one write lock."""
    return max(1, min(4, os.cpu_count() or 1))


@app.command()
def worker(
    until_idle: Annotated[bool, typer.Option(help="Run what is due now, then stop (e.g. from cron)")] = False,
    concurrency: Annotated[int, typer.Option(min=1, max=32, help="Jobs run at once by this worker (PostgreSQL)")]
    = 1,
    name: Annotated[str | None, typer.Option(help="This worker's name in the logs (default: host and process)")]
    = None,
    schema_only: Annotated[bool, typer.Option(help="Create or upgrade the job queue's tables, then stop")] = False,
) -> None:
    """Run the background jobs: reminders, escalation of unacknowledged alerts, mail. On PostgreSQL start one
    on each machine you like (they share the queue); on SQLite the web app runs them itself unless
    CNOCARE_JOBS_WORKER_THREAD=0, and this runs them in the foreground instead."""
    import logging

    from cnocare.jobs.backend import backend_for
    from cnocare.jobs.lifecycle import prepare_queue
    from cnocare.records.db import database_url, upgrade

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = SecuritySettings()
    url = database_url(settings)
    try:
        backend = backend_for(url, settings)
    except ValueError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    if settings.migrate:
        upgrade(url)
    done = prepare_queue(url, settings)
    if schema_only:
        out.print(done or "The jobs table comes with the database migrations; nothing else to prepare.")
        return
    if backend == "procrastinate":
        from cnocare.jobs.pg import QueueWorker

        out.print("Job worker on PostgreSQL (procrastinate); Ctrl-C stops it after the jobs in hand.")
        QueueWorker(url, settings).run(until_idle=until_idle, concurrency=concurrency, name=name)
        return
    _thread_worker(url, settings, until_idle=until_idle)


def _thread_worker(url: str, settings: SecuritySettings, *, until_idle: bool) -> None:
    from cnocare.jobs.thread import ThreadWorker, run_pending
    from cnocare.records.db import make_engine, session_factory

    sessions = session_factory(make_engine(url))
    if until_idle:
        outcomes = run_pending(sessions, settings=settings)
        failed = [o for o in outcomes if o.status != "done"]
        out.print(f"{len(outcomes)} jobs run, {len(failed)} to be tried again or failed.")
        for outcome in failed:
            out.print(f"  {outcome.name} (job {outcome.job_id}): {outcome.status}", markup=False)
        return
    out.print("Job worker on this database's job table; Ctrl-C stops it after the job in hand.")
    thread = ThreadWorker(sessions, settings=settings).start()
    try:
        while thread.running:
            thread.wait(1.0)
    except KeyboardInterrupt:
        out.print("Stopping after the job in hand.")
    finally:
        thread.stop()


@app.command("seed-demo")
def seed_demo_command(
    patients: Annotated[int, typer.Option(help="Demo cohort size")] = 60,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same cohort)")] = 2026,
    min_visits: Annotated[int, typer.Option(min=0, max=200, help=(
        "Give every patient at least this many visits (interim follow-ups; benchmarks use 10). "
        "0: the demo cohort as generated"))] = 0,
) -> None:
    """Create the database and seed the synthetic demo cohort (no server)."""
    from cnocare.demo import prepare_demo
    from cnocare.records.db import database_url

    login = prepare_demo(database_url(), patients=patients, seed=seed, min_visits=min_visits)
    out.print(f"{login.patients} patients. Demo login: {login.username} / {login.password}")


@app.callback()
def _everywhere() -> None:
    """Writes made from the command line are audited like any other (who: "cli")."""
    from cnocare.records.audit.listener import install

    install()


def _mount_operations() -> None:
    app.add_typer(admin_app, name="admin", help="Accounts: create the first admin, users, revoke API tokens.")
    app.add_typer(audit_app, name="audit")
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)


_mount_operations()


def _print_text(r: CaseAssessment) -> None:
    # Everything that comes from the case is escaped: a '[' in a note must print, not style.
    out.rule(f"[bold]Case {escape(r.case_id)}[/bold] (as of {r.as_of or 'undated'})")
    if r.window:
        out.print(f"Criteria read {escape(r.window)}; red flags read the whole course.")
    for warning in r.warnings:
        out.print(f"[yellow]check:[/yellow] {escape(warning)}")
    for res in r.instruments:
        score = (f"score {res.score}" if res.score is not None else
                 (f"range {res.range[0]}–{res.range[1]}" if res.range else "no score"))
        out.print(f"\n[bold]{escape(res.title)}[/bold]  v{res.version}  \\[{res.verification}]")
        out.print(f"  {CLASSIFICATION_WORDS[res.classification]} ({STATUS_WORDS[res.status]}; {score}; "
                  f"threshold {escape(res.threshold or '')})")
        for item in res.items:
            mark = ({True: "[green]yes[/green]", False: "no ", None: "[yellow]?  [/yellow]"}[item.value]
                    if isinstance(item.value, bool) or item.value is None else f"[cyan]{item.value}[/cyan]")
            pts = "" if item.points is None else f" +{item.points}"
            out.print(f"    {mark} {escape(item.label or item.id)}{pts}  [dim]{escape(item.source or '')}[/dim]")
        if res.missing:
            out.print("  missing: " + ", ".join(res.missing), markup=False)
        for w in res.warnings:
            out.print(f"  [yellow]![/yellow] {escape(w)}")
        out.print(f"  {res.explanation}", markup=False)
        cite = " ".join(x for x in (f"PMID {res.citation.pmid}" if res.citation.pmid else "",
                                    f"doi:{res.citation.doi}" if res.citation.doi else "") if x)
        out.print(f"  {cite}", markup=False, style="dim")
    out.print(f"\n[bold]Subtype[/bold]: {escape(r.subtype.explanation)}")
    workup = r.workup
    out.print("\n[bold]Exclusion work-up[/bold]")
    for m in workup.proven_mimics:
        out.print(f"  [red bold]PROVEN ALTERNATIVE DIAGNOSIS[/red bold]: {escape(m)}")
    if workup.malignancy_not_excluded:
        out.print("  [red bold]MALIGNANCY NOT EXCLUDED[/red bold]: do not call this CNO until it is.")
    if workup.infection_not_excluded:
        out.print("  [red bold]INFECTION NOT EXCLUDED[/red bold].")
    for f in workup.red_flags:
        out.print(f"  [red]flag[/red] ({f.severity}, {f.category}) {escape(f.label)}: {escape(f.evidence)}")
    for f in workup.cleared_flags:
        out.print(f"  cleared: {f.label}: {f.evidence}", markup=False)
    for c in workup.cautions:
        out.print(f"  [yellow]caution[/yellow]: {escape(c)}")
    if workup.unanswered_screens:
        out.print("  screening not yet recorded: " + ", ".join(workup.unanswered_screens), markup=False)
    for t in workup.tests:
        out.print(f"  {t.status:<10} {t.label}" + (f" - {t.detail}" if t.detail else ""), markup=False)
    out.print(f"  Biopsy: {workup.biopsy_label or workup.biopsy}. {workup.biopsy_reason}", markup=False)


CLASSIFICATION_WORDS = {"met": "MET", "not_met": "NOT MET", "indeterminate": "INDETERMINATE",
                        "not_classified": "MEASURE"}
STATUS_WORDS = {"complete": "complete", "incomplete": "incomplete", "not_applicable": "does not apply"}


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()

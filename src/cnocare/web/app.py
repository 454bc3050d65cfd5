"""The clinic web app: server-rendered pages under /, a JSON API under /api/v1.

``create_app`` builds everything from settings, so tests and the server run the same app with a
different database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from cnocare.jobs.lifecycle import prepare_queue, start_in_app
from cnocare.knowledge.formulary import load_formulary
from cnocare.knowledge.site_definitions import load_diary_flare_rule, load_pedcno, load_rai_grading
from cnocare.records.audit import listener as audit_listener
from cnocare.records.db import database_url, is_busy, make_engine, session_factory, transaction, upgrade
from cnocare.records.education.search import sync_education_index
from cnocare.records.errors import RecordNotFoundError, RecordValidationError, StaleRecordError
from cnocare.security.policy import Forbidden, NotFound
from cnocare.security.settings import SecuritySettings
from cnocare.web import docs
from cnocare.web.api import admin as api_admin
from cnocare.web.api import research as api_research
from cnocare.web.api import router as api_router
from cnocare.web.audit import AuditContextMiddleware
from cnocare.web.auth import LoginRequired
from cnocare.web.context import (
    STATIC_DIR,
    TEMPLATES_DIR,
    AdmissionMiddleware,
    RequestSessionMiddleware,
    WebContext,
)
from cnocare.web.middleware import install_security, install_security_headers
from cnocare.web.ui import account, admin, tokens
from cnocare.web.ui import router as ui_router
from cnocare.web.ui.account import ForcePasswordChangeMiddleware
from cnocare.web.ui.navigation import nav_counts
from cnocare.web.ui.render import error_page

logger = logging.getLogger("cnocare.web")

# Admitted requests (settings.web_concurrency, at most 40) each hold one connection until they end.
# SQLAlchemy's default keeps 5 open and closes the rest on return, so a busy worker opened a PostgreSQL
# connection (a server process each) for most requests: 20 stay open, opened only as that many are in use.
WEB_POOL: dict[str, Any] = {"pool_size": 20, "max_overflow": 20}


def create_app(settings: SecuritySettings | None = None, *, engine_options: dict[str, Any] | None = None) -> FastAPI:
    """The app on the database ``settings`` name (default: read now from the environment / ``CNOCARE_CONFIG``)."""
    settings = settings or SecuritySettings()
    _require_production_keys()
    url = database_url(settings)
    engine = make_engine(url, **{**WEB_POOL, **(engine_options or {})})
    if settings.migrate:
        upgrade(url)
        # The education search index follows the library this version ships (a no-op when it already does).
        with transaction(session_factory(engine)) as db:
            sync_education_index(db_session=db)
        prepare_queue(url, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # On SQLite the jobs (reminders, escalations, mail) run in a thread of this process.
        worker = start_in_app(app.state.web.sessions, url=url, settings=settings)
        app.state.job_worker = worker
        # Threads for the admitted requests, and two for what is never queued (static files, /healthz).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.web_concurrency + 2
        yield
        if worker is not None:
            await asyncio.to_thread(worker.stop)
        engine.dispose()

    app = FastAPI(title="cnocare", version="1", docs_url=None, redoc_url=None, lifespan=lifespan,
                  openapi_url="/openapi.json",
                  description="Clinic records and cited CNO/CRMO assessments. Every write needs a "
                  "signed-in user or a bearer API token.")
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.globals["choice_label"] = lambda v: str(v).replace("_", " ")
    templates.env.globals["nav_counts"] = nav_counts
    formulary = load_formulary(settings.formulary_path) if settings.formulary_path else None
    app.state.web = WebContext(
        engine=engine, sessions=session_factory(engine), templates=templates, database_url=url, formulary=formulary,
        rai_grading=load_rai_grading(settings.rai_grading_path) if settings.rai_grading_path else None,
        pedcno=load_pedcno(settings.pedcno_definition_path) if settings.pedcno_definition_path else None,
        diary_flare_rule=(load_diary_flare_rule(settings.diary_flare_rule_path) if settings.diary_flare_rule_path
                          else None))
    install_security(app, headers=False)
    # Outermost: the audit context exists before anything that may read or write patient data.
    audit_listener.install()
    app.add_middleware(ForcePasswordChangeMiddleware)
    app.add_middleware(AuditContextMiddleware)
    # Outside the audit context: the request's one session is closed only after its reads are recorded.
    app.add_middleware(RequestSessionMiddleware)
    # Outside the session: a request waits for its turn before it holds a connection or a thread.
    app.add_middleware(AdmissionMiddleware, limit=settings.web_concurrency)
    # Outside even the audit context: its 503 refusal, the forced-password-change redirect and any 500
    # carry the security headers too.
    install_security_headers(app)
    # Routes are matched in turn, each against its pattern (FastAPI has no prefix tree): the liveness probe
    # first, then the pages (most of the clinic's requests), then the API.
    @app.get("/healthz", include_in_schema=False)
    def healthz() -> Response:
        return Response("ok", media_type="text/plain")

    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.include_router(ui_router)
    for ui_module in (account, admin, tokens, api_research):
        app.include_router(ui_module.pages)
    docs.install(app)
    app.include_router(api_router)
    for api_module in (api_admin, api_research):
        app.include_router(api_module.router, prefix="/api/v1")
    _install_error_handlers(app)
    return app


def _require_production_keys() -> None:
    """Production refuses to start without the keys kept outside the database, rather than failing at the
    first audited write or second-factor sign-in."""
    from cnocare.security.settings import audit_signing_key, get_settings, secret_key, totp_encryption_key

    if get_settings().environment == "production":
        secret_key()
        audit_signing_key()
        totp_encryption_key()


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(exc.next_url, safe='/')}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        problems = [{"field": ".".join(str(p) for p in e["loc"] if p != "body"),
                     "value": _clipped(e.get("input")), "message": _unechoed(_message(e), e.get("input"))}
                    for e in errors[:MAX_PROBLEMS]]
        return JSONResponse({"detail": _jsonable(_summarised(problems, len(errors)))}, status_code=422)

    @app.exception_handler(RecordValidationError)
    async def _record_invalid(request: Request, exc: RecordValidationError) -> Response:
        problems = [{**p, "value": _clipped(p.get("value")), "message": _unechoed(str(p["message"]), p.get("value"))}
                    for p in exc.errors[:MAX_PROBLEMS]]
        return JSONResponse({"detail": _jsonable(_summarised(problems, len(exc.errors)))}, status_code=422)

    @app.exception_handler(StaleRecordError)
    async def _stale(request: Request, exc: StaleRecordError) -> Response:
        return JSONResponse({"detail": str(exc), "current_version": exc.current_version,
                             "changed_by": exc.changed_by,
                             "changed_at": exc.changed_at.isoformat() if exc.changed_at else None},
                            status_code=409)

    @app.exception_handler(RecordNotFoundError)
    async def _missing(request: Request, exc: RecordNotFoundError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=404)
        return error_page(request, 404, "Not found", str(exc))

    _policy_handler(app, Forbidden, 403)
    _policy_handler(app, NotFound, 404)

    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: OperationalError) -> Response:
        # The request's transaction was rolled back (web.context.db_session). A busy database is a wait that
        # ran out, not a fault: say so and when to try again, instead of "internal error".
        if not is_busy(exc):
            raise exc
        logger.warning("database busy in %s %s: %s", request.method, request.url.path, exc.orig)
        headers = {"Retry-After": str(BUSY_RETRY_AFTER_S)}
        if _is_api(request):
            return JSONResponse({"detail": BUSY_MESSAGE}, status_code=503, headers=headers)
        response = error_page(request, 503, "Busy, please try again", BUSY_MESSAGE)
        response.headers.update(headers)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request) or exc.status_code in (401, 405):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        titles = {403: "Not allowed", 404: "Not found", 413: "Too large"}
        return error_page(request, exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))


BUSY_RETRY_AFTER_S = 2
BUSY_MESSAGE = ("The clinic's database was too busy to finish this request, so it was not completed. "
                "Wait a moment and try again; if you were saving, check the record first.")

# A 422 answers what is wrong, not the whole input back: a body of 40,000 unknown keys must not come back
# as a 4 MB answer. The first problems, each value clipped, and a count of the rest.
MAX_PROBLEMS = 20
MAX_ECHO_CHARS = 200


def _clipped(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_ECHO_CHARS:
        return value[:MAX_ECHO_CHARS] + f"… ({len(value)} characters)"
    if isinstance(value, dict | list) and len(repr(value)) > MAX_ECHO_CHARS:
        return f"({type(value).__name__} with {len(value)} items, not repeated)"
    return value


def _unechoed(message: str, value: Any) -> str:
    """Messages often quote the refused value; quote a long one only by its start."""
    if isinstance(value, str) and len(value) > MAX_ECHO_CHARS and value in message:
        message = message.replace(value, _clipped(value))
    if len(message) <= 4 * MAX_ECHO_CHARS:
        return message
    return message[: 2 * MAX_ECHO_CHARS] + "… " + message[-MAX_ECHO_CHARS:]


def _summarised(problems: list[dict[str, Any]], total: int) -> list[dict[str, Any]]:
    if total > len(problems):
        problems.append({"field": "(more)", "value": total - len(problems),
                         "message": f"{total - len(problems)} more problems not listed; fix those above first"})
    return problems


def _message(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    if str(error.get("type", "")).startswith("date"):
        message += "; accepted: a date as YYYY-MM-DD"
    return message


def _policy_handler(app: FastAPI, exc_type: type[Exception], status: int) -> None:
    async def handler(request: Request, exc: Exception) -> Response:
        message = str(exc) or ("not allowed" if status == 403 else "not found")
        if _is_api(request):
            return JSONResponse({"detail": message}, status_code=status)
        words = exc.in_words if isinstance(exc, Forbidden) else message
        return error_page(request, status, "Not allowed" if status == 403 else "Not found", words)

    app.add_exception_handler(exc_type, handler)


def _jsonable(value: Any) -> Any:
    from fastapi.encoders import jsonable_encoder

    try:
        return jsonable_encoder(value)
    except Exception:  # an input pydantic could not encode (bytes...): show its repr, never fail the 422
        return [{**p, "value": repr(p.get("value"))} for p in value]

"""What every request needs from the running app: the database, the accounts, the templates.

Each request has one database session (``request_session``), opened when something first needs it and
closed by ``RequestSessionMiddleware`` once the response is sent. The sign-in lookup, the route and the
audit rows of the request's reads all use it: one pooled connection per request, so one liveness check
and, for a page that only reads, one transaction whose commit is the audit row's.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from cnocare.knowledge.formulary import Formulary
from cnocare.knowledge.site_definitions import DiaryFlareRule, PedCnoDefinition, RaiGrading
from cnocare.records.audit.chain import AT_COMMIT

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"


@dataclass
class WebContext:
    engine: Engine
    sessions: sessionmaker[Session]
    templates: Jinja2Templates
    database_url: str
    formulary: Formulary | None = None  # the site's own (CNOCARE_FORMULARY_PATH); doses come only from it
    rai_grading: RaiGrading | None = None  # CNOCARE_RAI_GRADING_PATH
    pedcno: PedCnoDefinition | None = None  # CNOCARE_PEDCNO_DEFINITION_PATH
    diary_flare_rule: DiaryFlareRule | None = None  # CNOCARE_DIARY_FLARE_RULE_PATH

    def __post_init__(self) -> None:
        watch_unsaved_writes(self.sessions)


def web_context(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.web
    return ctx


REQUEST_SESSION = "cnocare_db_session"  # the ASGI scope's state: this request's session
UNSAVED = "cnocare_unsaved_writes"  # Session.info: this transaction wrote and has not committed yet


def request_session(scope: Scope) -> Session:
    """This request's session, opened on first use (the sign-in lookup, the route or the audit rows).

    Bound to one connection held until the request ends: a session on the engine hands its connection
    back at every commit, and the next transaction (the audit rows after a write) would take one from
    the pool again, with another liveness check."""
    state = scope.setdefault("state", {})
    session: Session | None = state.get(REQUEST_SESSION)
    if session is None:
        web: WebContext = scope["app"].state.web
        # The audit middleware's reads of this request join the session's commits (web.audit.ReadsAtCommit).
        at_commit = {AT_COMMIT: state[AT_COMMIT]} if AT_COMMIT in state else {}
        session = state[REQUEST_SESSION] = web.sessions(bind=web.engine.connect(), info=at_commit)
    return session


async def db_session(request: Request) -> AsyncIterator[Session]:
    """The request's session for the route. Writers commit explicitly; anything not committed is rolled back
    when the route returns. A route that only read leaves its transaction open: the audit rows of its reads
    join it and commit it as the response starts. On the event loop, so a route costs no thread hops but its
    own: only opening the session (a pooled connection) and a rollback, which may wait, go to a thread."""
    state = request.scope.get("state", {})
    session: Session = state.get(REQUEST_SESSION) or await anyio.to_thread.run_sync(request_session, request.scope)
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(session.rollback)
        raise
    if has_unsaved_writes(session):
        await anyio.to_thread.run_sync(session.rollback)


# Left when the route returns, before the response is sent (pages render their templates inside the
# route), so an uncommitted write is gone before the audit middleware commits the request's reads.
Db = Annotated[Session, Depends(db_session, scope="function")]


def has_unsaved_writes(session: Session) -> bool:
    return bool(session.info.get(UNSAVED) or session.new or session.dirty or session.deleted)


def watch_unsaved_writes(factory: sessionmaker[Session]) -> None:
    """Mark a session's transaction once it writes (a flush, or any statement that is not a SELECT), until
    it commits or rolls back: ``db_session`` then knows whether the route left anything to roll back."""
    def wrote(session: Session, *_args: Any) -> None:
        session.info[UNSAVED] = True

    def executed(state: ORMExecuteState) -> None:
        if not state.is_select:
            state.session.info[UNSAVED] = True

    def ended(session: Session, *_args: Any) -> None:
        session.info.pop(UNSAVED, None)

    event.listen(factory, "after_flush", wrote)
    event.listen(factory, "do_orm_execute", executed)
    event.listen(factory, "after_commit", ended)
    event.listen(factory, "after_rollback", ended)


class RequestSessionMiddleware:
    """Closes the request's session after the response, outside the audit middleware that commits its reads."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            session: Session | None = scope.get("state", {}).pop(REQUEST_SESSION, None)
            if session is not None:
                if session.in_transaction():  # a ROLLBACK to send: off the event loop
                    await anyio.to_thread.run_sync(_close, session)
                else:
                    _close(session)


# Paths that never touch the database: they never wait behind pages (a liveness probe must answer when busy).
UNQUEUED = ("/static/", "/healthz")


class AdmissionMiddleware:
    """At most ``limit`` requests of this worker inside the app at once; the others wait here, holding nothing.

    An admitted request holds one database connection from its first query to its end and needs a thread
    for each of its steps (sign-in lookup, route, audit rows). Admitting no more requests than there are
    threads and connections means none waits for a thread while holding a connection another needs: with
    more requests in than connections, every thread could wait for a connection held by a request waiting
    for a thread (seen: a worker given 45 sign-ins at once with 3 threads stopped until the pool's timeout)."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app, self.limit = app, limit
        # One per event loop: tests run several clients of one app, each on a loop of its own.
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = \
            weakref.WeakKeyDictionary()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNQUEUED):
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = asyncio.Semaphore(self.limit)
        async with slots:
            await self.app(scope, receive, send)


def _close(session: Session) -> None:
    connection = session.bind
    session.close()
    if isinstance(connection, Connection):
        connection.close()  # back to the pool
Ctx = Annotated[WebContext, Depends(web_context)]

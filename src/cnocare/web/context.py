"""What every request needs from the running app: the database, the accounts, the templates."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from cnocare.knowledge.formulary import Formulary
from cnocare.knowledge.site_definitions import DiaryFlareRule, PedCnoDefinition, RaiGrading

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


def web_context(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.web
    return ctx


def db_session(request: Request) -> Iterator[Session]:
    """One session per request. Writers commit explicitly; anything not committed is rolled back."""
    session = web_context(request).sessions()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


# Closed when the route returns, before the response is sent (pages render their templates inside the
# route): the audit middleware writes the request's reads from its own session as the response starts,
# and a request still holding this one could, under load, wait on a pool its own kind has exhausted.
Db = Annotated[Session, Depends(db_session, scope="function")]
Ctx = Annotated[WebContext, Depends(web_context)]

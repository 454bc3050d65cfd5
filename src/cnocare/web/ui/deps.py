"""Dependencies of the pages: the signed-in user, and the CSRF-checked form of a POST."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from starlette.datastructures import FormData

from cnocare.web.auth import CSRF_FIELD, WebUser, csrf_ok, page_user


async def checked_form(request: Request) -> FormData:
    """The submitted form, refused with 403 unless it carries this session's CSRF token."""
    form = await request.form()
    token = form.get(CSRF_FIELD)
    if not csrf_ok(request, token if isinstance(token, str) else None):
        raise HTTPException(403, "the form's security token is missing or out of date; reload the page "
                            "and submit again")
    return form


# Declared before the form in every route, so an anonymous POST is sent to sign in, not refused.
User = Annotated[WebUser, Depends(page_user)]
CheckedForm = Annotated[FormData, Depends(checked_form)]


def form_text(form: FormData, name: str) -> str:
    value: Any = form.get(name)
    return value.strip() if isinstance(value, str) else ""

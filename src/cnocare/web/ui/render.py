"""Rendering pages: every template gets the signed-in user, the CSRF token and a one-shot flash."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from cnocare.web.auth import caller, csrf_token
from cnocare.web.ui.flash import clear_flash, read_flash, set_flash


def page(request: Request, template: str, context: dict[str, Any] | None = None,
         status_code: int = 200) -> HTMLResponse:
    ctx = dict(context or {})
    if "principal" not in ctx:
        ctx["principal"] = caller(request)
    ctx["csrf_token"] = csrf_token(request)
    ctx["flash"] = read_flash(request)
    templates = request.app.state.web.templates
    response: HTMLResponse = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    clear_flash(request, response)
    # Pages show patient data: never keep them in a shared or browser cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def redirect(request: Request, url: str, flash: str | None = None) -> RedirectResponse:
    """POST/redirect/GET: 303 so a reload never re-submits the form."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        set_flash(response, flash)
    return response


def error_page(request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
    return page(request, "error.html", {"title": title, "message": message, "status_code": status_code},
                status_code=status_code)

"""In-app notices (/notices): what the background jobs and other people left for this account — a new
message, a diary reminder, an escalated alert, a triage instruction. Anyone signed in sees only their own;
opening one marks it read and follows its link (always a path inside the app)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from cnocare.records.notices.service import list_unread, mark_read
from cnocare.web.context import Db
from cnocare.web.services import principal
from cnocare.web.ui.deps import CheckedForm, User, form_text
from cnocare.web.ui.render import page, redirect

router = APIRouter(include_in_schema=False)


@router.get("/notices", response_class=HTMLResponse)
def notices_page(request: Request, user: User, db: Db) -> Response:
    me = principal(user)
    notices = list_unread(db_session=db, user_id=me.user_id)
    template = "family/notices.html" if me.is_family else "notices.html"
    return page(request, template, {"notices": notices, "section": "notices"})


@router.post("/notices/read", response_class=HTMLResponse)
def read_notices(request: Request, user: User, db: Db, form: CheckedForm) -> Response:
    """``notice``: one id (then follow its link) or empty for "mark all as read"."""
    me = principal(user)
    wanted = form_text(form, "notice")
    if not wanted.isdigit():
        changed = mark_read(db_session=db, user_id=me.user_id)
        db.commit()
        return redirect(request, "/notices", flash=f"{changed} notice(s) marked as read." if changed else None)
    notice = next((n for n in list_unread(db_session=db, user_id=me.user_id, limit=500) if n.id == int(wanted)), None)
    mark_read(db_session=db, user_id=me.user_id, notice_ids=[int(wanted)])
    db.commit()
    link = notice.link if notice is not None and notice.link else "/notices"
    return redirect(request, link)

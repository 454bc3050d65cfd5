"""The counts in the navigation bar: open family alerts at a staff member's centres and the account's unread
notices. Both in one statement, in the request's own session, at most once per request (the patient page
asks first, to know whether it needs to look for the patient's own open alerts). The patient page reads
them in its patient statement instead (``counted_with``): one round trip fewer on every view."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import Select, bindparam, literal, select

from cnocare.records.family.queue import open_count_query
from cnocare.records.notices.service import unread_count_query
from cnocare.security import policy
from cnocare.web.context import request_session

ALERT_ACTION = "alert:acknowledge"  # who handles the families' alerts (clinicians and nurses)


@dataclass(frozen=True)
class NavCounts:
    alerts: int  # 0 for anyone who does not handle alerts
    notices: int


NOTHING = NavCounts(0, 0)


def handles_alerts(me: Any) -> bool:
    return bool(me is not None and me.is_staff and policy.allowed(me, ALERT_ACTION))


# Built once (making a statement costs more than running it): the caller's centres and account are bound.
STAFF_COUNTS = select(open_count_query(bindparam("centre_ids", expanding=True)).label("nav_alerts"),
                      unread_count_query(bindparam("user_id")).label("nav_notices"))
NOTICES_ONLY = select(literal(0).label("nav_alerts"), unread_count_query(bindparam("user_id")).label("nav_notices"))


def _staff(me: Any) -> bool:
    return handles_alerts(me) and bool(me.centre_ids)


def _params(me: Any, staff: bool) -> dict[str, Any]:
    return {"user_id": me.user_id, **({"centre_ids": sorted(me.centre_ids)} if staff else {})}


def _adding(counts: Select[Any]) -> Callable[[Select[Any]], Select[Any]]:
    def widen(query: Select[Any]) -> Select[Any]:
        return query.add_columns(*counts.selected_columns)

    return widen


# Made once each, so that the patient's statement widened with them is also made once (web.services).
WIDENINGS = {True: _adding(STAFF_COUNTS), False: _adding(NOTICES_ONLY)}


def _of(row: Any) -> NavCounts:
    return NavCounts(int(row.nav_alerts or 0), int(row.nav_notices or 0))


def counted_with(me: Any) -> tuple[Callable[[Select[Any]], Select[Any]], dict[str, Any]]:
    """For a statement read anyway on this request (the patient page's): the widening that adds this
    caller's counts to it, and their parameters; ``remember`` then keeps them for ``nav_counts``."""
    staff = _staff(me)
    return WIDENINGS[staff], _params(me, staff)


def remember(request: Request, row: Any) -> None:
    request.state.nav_counts = _of(row)


def nav_counts(request: Request, user: Any) -> NavCounts:
    """``user``: the signed-in caller (``web.auth.caller``), or None when signed out."""
    me = getattr(user, "principal", None)
    if me is None:
        return NOTHING
    counted: NavCounts | None = getattr(request.state, "nav_counts", None)
    if counted is None:
        staff = _staff(me)
        row = request_session(request.scope).execute(STAFF_COUNTS if staff else NOTICES_ONLY,
                                                     _params(me, staff)).one()
        counted = request.state.nav_counts = _of(row)
    return counted

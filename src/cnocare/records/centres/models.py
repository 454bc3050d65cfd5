from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from cnocare.records.base import Base


class Centre(Base):
    __tablename__ = "centres"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The number a family's diary tells them to call in an emergency; None: not set by the centre, and the
    # family is told "your local emergency number" (never a number made up for them).
    emergency_number: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())
    created_by: Mapped[str] = mapped_column(String(120))

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cnocare.records.base import Base


class Notice(Base):
    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    patient_id: Mapped[str | None] = mapped_column(ForeignKey("patients.id"))  # the child it is about, if any
    kind: Mapped[str] = mapped_column(String(40))  # e.g. diary_reminder, alert_escalated
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))  # a path inside the app, e.g. /family/diary
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())  # naive UTC
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime())

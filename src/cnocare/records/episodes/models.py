from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cnocare.records.base import Base
from cnocare.records.versioned import ClinicalRecordMixin


class EpisodeRecord(ClinicalRecordMixin, Base):
    __tablename__ = "episodes"

    kind: Mapped[str] = mapped_column(String(16))
    start: Mapped[dt.date] = mapped_column(Date())
    end: Mapped[dt.date | None] = mapped_column(Date())
    note: Mapped[str | None] = mapped_column(Text())

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from cnocare.records.base import Base
from cnocare.records.versioned import ClinicalRecordMixin


class CoexistingConditionRecord(ClinicalRecordMixin, Base):
    __tablename__ = "coexisting_conditions"

    kind: Mapped[str] = mapped_column(String(40))
    present: Mapped[bool] = mapped_column(Boolean())
    onset: Mapped[dt.date | None] = mapped_column(Date())

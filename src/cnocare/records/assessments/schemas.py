from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict

from cnocare.records.clock import UtcDateTime


class SnapshotRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    patient_id: str
    as_of: dt.date | None
    created_at: UtcDateTime
    created_by: str
    engine: str
    instrument_versions: dict[str, str]
    assessment: dict[str, Any]
    red_flag_count: int
    urgent_red_flag_count: int

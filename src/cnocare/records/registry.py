"""Imports every models module, so ``Base.metadata`` is complete (Alembic, create_all, drift test)."""

from __future__ import annotations

import importlib

from cnocare.records.assessments import models as _assessments  # noqa: F401
from cnocare.records.base import Base
from cnocare.records.centres import models as _centres  # noqa: F401
from cnocare.records.education import models as _education  # noqa: F401
from cnocare.records.family import messages as _family_messages  # noqa: F401
from cnocare.records.kinds import ALL_KINDS
from cnocare.records.notices import models as _notices  # noqa: F401
from cnocare.records.patients import models as _patients  # noqa: F401
from cnocare.records.queue import models as _queue  # noqa: F401
from cnocare.records.reminders import models as _reminders  # noqa: F401

# Owned by the accounts/audit work; loaded when present so one migration chain covers every table.
OPTIONAL_MODELS = ("accounts", "audit")


def load_all_models() -> type[Base]:
    for kind in ALL_KINDS:  # each kind's table (imported with the kinds table itself)
        assert kind.model.__table__ is not None  # type: ignore[attr-defined]
    for name in OPTIONAL_MODELS:
        module = f"cnocare.records.{name}.models"
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name not in (module, f"cnocare.records.{name}"):
                raise
    return Base


load_all_models()
metadata = Base.metadata

"""Imports every models module, so ``Base.metadata`` is complete (Alembic, create_all, drift test)."""

from __future__ import annotations

import importlib

from cnocare.records.base import Base

RECORD_MODELS = (
    "centres", "patients", "episodes", "visits", "symptoms", "imaging", "labs", "biopsies", "medicines",
    "conditions", "alternatives", "family_history", "genetics", "notes", "assessments",
)
# Owned by the accounts/audit work; loaded when present so one migration chain covers every table.
OPTIONAL_MODELS = ("accounts", "audit")


def load_all_models() -> type[Base]:
    for name in RECORD_MODELS:
        importlib.import_module(f"cnocare.records.{name}.models")
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

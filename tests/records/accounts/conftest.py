"""The family-access tests' database and small clinic (shared fixtures, defined once in family_personas)."""

from tests.records.accounts.family_personas import clinic, db, factory

__all__ = ["clinic", "db", "factory"]

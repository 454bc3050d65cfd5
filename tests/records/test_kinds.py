"""The table of record kinds: each kind's fields are declared once and agree with its table and its Case model."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import inspect

from cnocare.records.kinds import ALL_KINDS, KINDS, RecordKind

KIND_IDS = [kind.slug for kind in ALL_KINDS]


def test_every_kind_has_its_own_slug_and_table() -> None:
    assert len(KINDS) == len(ALL_KINDS) == len({kind.model.__tablename__ for kind in ALL_KINDS})  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", ALL_KINDS, ids=KIND_IDS)
def test_what_the_clinic_enters_is_stored_in_the_kinds_table(kind: RecordKind) -> None:
    columns = set(inspect(kind.model).columns.keys()) | set(inspect(kind.model).relationships.keys())
    assert set(kind.create.model_fields) <= columns


@pytest.mark.parametrize("kind", [k for k in ALL_KINDS if k.case_model is not None],
                         ids=[k.slug for k in ALL_KINDS if k.case_model is not None])
def test_every_entered_field_reaches_the_case_unless_declared_record_only(kind: RecordKind) -> None:
    assert kind.case_model is not None
    assert set(kind.create.model_fields) - set(kind.record_only) <= set(kind.case_model.model_fields)
    assert set(kind.record_only) <= set(kind.create.model_fields)


@pytest.mark.parametrize("kind", ALL_KINDS, ids=KIND_IDS)
def test_the_update_schema_takes_any_one_field_and_refuses_unknown_ones(kind: RecordKind) -> None:
    assert kind.update.__name__ == kind.create.__name__.removesuffix("Create") + "Update"
    assert set(kind.update.model_fields) == set(kind.create.model_fields)
    assert all(not f.is_required() for f in kind.update.model_fields.values())
    with pytest.raises(ValidationError):
        kind.update.model_validate({"no_such_field": 1})


def test_a_gene_symbol_is_checked_at_entry_as_the_case_checks_it() -> None:
    genetics = KINDS["genetics"]
    with pytest.raises(ValidationError) as refused:
        genetics.create.model_validate({"gene": "X", "classification": "pathogenic"})
    assert [e["loc"] for e in refused.value.errors()] == [("gene",)]
    assert genetics.create.model_validate({"gene": "LPIN2", "classification": "pathogenic"}).gene == "LPIN2"


def test_the_read_schema_adds_the_version_metadata_to_the_entered_fields() -> None:
    visits = KINDS["visits"]
    read = visits.concept.read
    assert read.__name__ == "VisitRead"
    assert set(read.model_fields) == set(visits.create.model_fields) | {
        "record_id", "version", "is_current", "patient_id", "created_at", "created_by", "voided_at", "voided_by",
        "void_reason"}

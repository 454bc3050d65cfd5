"""Who is writing in records tests (plain names, as the web layer passes them in ``actor=``)."""

from __future__ import annotations

from collections.abc import Callable

from cnocare.records.patients.schemas import PatientRead

CLINICIAN = "dr.rivera"
COLLEAGUE = "dr.okafor"

NewPatient = Callable[..., PatientRead]

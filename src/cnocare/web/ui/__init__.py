"""Server-rendered pages."""

from fastapi import APIRouter

from cnocare.web.ui import (
    alerts,
    centre_settings,
    diary,
    family,
    family_access,
    family_data,
    family_learn,
    family_pages,
    family_reminders,
    history,
    invite,
    lab_panel,
    lesions,
    login,
    notices,
    patient_admin,
    patient_page,
    patients,
    records,
    treatment,
)

router = APIRouter(include_in_schema=False)
# Specific paths before the generic /patients/{id}/{kind}/... routes (and /family/learn before /family/{id},
# the diary's Today page).
for module in (login, notices, family_learn, family, family_data, family_pages, family_reminders, invite, family_access,
               diary, alerts, centre_settings, patients, patient_admin,
               lesions, lab_panel, patient_page, treatment, history, records):
    router.include_router(module.router)

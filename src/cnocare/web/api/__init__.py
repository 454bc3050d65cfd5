"""JSON API under /api/v1."""

from fastapi import APIRouter

from cnocare.web.api import assessment, patients, records, treatment

router = APIRouter(prefix="/api/v1")
for module in (patients, assessment, treatment, records):
    router.include_router(module.router)

"""Cited reference data shipped inside the package, loaded through typed, validated loaders."""

from cnocare.knowledge.catalogue import (
    BoneSite,
    LabTest,
    Source,
    bone_sites,
    lab_tests,
    sources,
    validate_all,
)

__all__ = ["BoneSite", "LabTest", "Source", "bone_sites", "lab_tests", "sources", "validate_all"]

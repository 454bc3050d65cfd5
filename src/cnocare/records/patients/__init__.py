"""Patients: identity and demographics (row-versioned), plus the summary row the patient list filters on."""

"""Free-text clinical notes (not part of the Case; shown on the patient page)."""

"""Assessment snapshots: what the clinical core said about a patient, kept as it was said."""

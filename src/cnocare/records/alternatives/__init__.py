"""Alternative diagnoses (the mimics: malignancy, infection, ...): confirmed, suspected or excluded."""

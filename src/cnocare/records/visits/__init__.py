"""Clinic visits: pain and physician global scores, notes, and when the next review is due."""

"""Bone biopsies: histology and culture."""

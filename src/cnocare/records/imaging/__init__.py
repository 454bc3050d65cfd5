"""Imaging studies (MRI, whole-body MRI, X-ray, ...) with their per-lesion findings."""

"""Cohort analytics and the synthetic demo cohort."""

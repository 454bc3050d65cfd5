"""Genetic test results (gene, variant, ACMG class, zygosity)."""

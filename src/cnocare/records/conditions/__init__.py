"""Coexisting conditions (psoriasis, palmoplantar pustulosis, IBD, ...)."""

"""Centres: the clinics and hospitals contributing patients."""

"""Persistence: one folder per concept (models / schemas / service), SQLAlchemy 2."""

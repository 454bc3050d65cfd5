"""Persistence, SQLAlchemy 2: one declared table of record kinds (``kinds``), one write path
(``writes``), and a folder of its own only for a concept with behaviour (patients, labs, imaging,
assessments, accounts, audit)."""

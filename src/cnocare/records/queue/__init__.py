"""The ``jobs`` table: the job queue of the embedded (SQLite) backend; see ``cnocare.jobs``."""

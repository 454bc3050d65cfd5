"""Background work on a real queue: reminders, escalations and mail run as jobs.

- ``registry``: ``@job("name")`` and ``periodic("name", every_minutes=...)``;
- ``queue.defer(name, db_session=..., **kwargs)``: queue a job in the caller's transaction;
- ``thread``: the embedded backend (SQLite): a worker thread in the web app, ``run_pending(now=...)`` for tests;
- ``pg``: procrastinate on PostgreSQL (``cnocare worker`` on any number of machines);
- ``catalogue``: every job module, so a worker knows every job.

Both backends run the same job functions (docs/jobs.md).
"""

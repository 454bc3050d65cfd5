"""Security foundation: settings, password hashing, authorization policy, HTTP hardening, admin CLI.

Persistence for accounts and the audit trail lives in ``cnocare.records.accounts`` and
``cnocare.records.audit``; this package holds the pieces that need no database.
"""

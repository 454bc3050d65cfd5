"""The audit trail: an append-only record of who read or changed personal data, and of sign-ins."""

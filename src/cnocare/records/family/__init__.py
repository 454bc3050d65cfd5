"""What families record between visits (the diary, a record kind of its own) and the care team's alerts
raised from it. Family access (links, invitations) lives in ``records.accounts``."""

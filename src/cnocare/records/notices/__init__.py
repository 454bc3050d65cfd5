"""In-app notices: short messages for one user (a reminder, an escalated alert), read or unread."""

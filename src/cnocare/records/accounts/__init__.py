"""User accounts, sessions, API tokens and password resets (tables: users, user_centres, user_patients,
user_sessions, api_tokens, password_resets)."""

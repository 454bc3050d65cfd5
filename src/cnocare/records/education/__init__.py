"""The education library's search index: its sections as rows, searched with SQLite FTS5 or PostgreSQL
full-text search (``search.search_education``)."""

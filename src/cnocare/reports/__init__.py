"""Server-side reports: SVG skeleton lesion map and trend charts (pure functions, no web or database).

Everything here takes a ``Case`` or plain data and returns a string, so the web pages, letters and the
CLI can embed the same drawings.
"""

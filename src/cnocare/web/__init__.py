"""The clinic web app: pages, JSON API, static assets."""

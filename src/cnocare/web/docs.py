"""Interactive API docs that work offline.

FastAPI's default /docs page loads Swagger UI from a CDN and starts it with an inline script; both
are impossible here (no network, a CSP without inline scripts). The Swagger UI 5 files (5.x reads
OpenAPI 3.1, which FastAPI writes) come from the ``swagger-ui-py`` package installed with cnocare,
and our own ``docs-init.js`` starts it. Without that package /docs says so; /openapi.json still works.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cnocare API</title>
<link rel="stylesheet" href="/docs-assets/swagger-ui.css"></head>
<body><div id="swagger-ui" data-openapi-url="/openapi.json"></div>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/static/docs-init.js"></script></body></html>"""

NO_DOCS_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cnocare API</title>
</head><body><h1>cnocare API</h1><p>The interactive page needs the swagger-ui-bundle package.
The machine-readable description is at <a href="/openapi.json">/openapi.json</a>.</p></body></html>"""


def swagger_assets() -> Path | None:
    try:
        import swagger_ui  # type: ignore[import-untyped]
    except ImportError:
        return None
    path = Path(swagger_ui.__file__).parent / "static"
    return path if (path / "swagger-ui-bundle.js").exists() else None


def install(app: FastAPI) -> None:
    assets = swagger_assets()
    if assets is not None:
        app.mount("/docs-assets", StaticFiles(directory=str(assets)), name="docs-assets")

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def api_docs() -> HTMLResponse:
        return HTMLResponse(DOCS_PAGE if assets is not None else NO_DOCS_PAGE)

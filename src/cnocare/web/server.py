"""``cnocare serve``: the clinic app under uvicorn.

Loopback by default: put a TLS-terminating proxy in front before listening on another address
(and set CNOCARE_HTTPS=1 so cookies are Secure and HSTS is sent).
"""

from __future__ import annotations

import uvicorn

from cnocare.web.app import WebSettings, create_app


def serve(host: str = "127.0.0.1", port: int = 8000, *, database_url: str | None = None,
          workers: int = 1) -> None:
    """Run the app until interrupted. More than one worker needs PostgreSQL or a WAL-mode SQLite file.

    uvicorn's own proxy-header handling stays off (by default it believes X-Forwarded-For from loopback);
    the app believes it only from CNOCARE_TRUSTED_PROXIES (``security.http.client_origin``)."""
    from cnocare.security.files import umask_private

    umask_private()  # files the server creates (database companions, outbox mail) are the service's alone
    proxy_headers = False
    if workers > 1:
        # Each worker process builds its own app (and engine) from the environment.
        uvicorn.run("cnocare.web.app:create_app", factory=True, host=host, port=port, workers=workers,
                    proxy_headers=proxy_headers, log_level="info")
        return
    app = create_app(WebSettings(database_url=database_url))
    uvicorn.run(app, host=host, port=port, proxy_headers=proxy_headers, log_level="info")

"""TSI — the Dash app. `server` is the WSGI entry point for gunicorn (`gunicorn app:server`).

Everything is served by the app itself: Dash's own JavaScript (serve_locally), Bootstrap's CSS from an installed
package (tsi.api), the project's CSS and scripts from assets/.
"""

from __future__ import annotations

import dash

from tsi.api import BOOTSTRAP_URL, register
from tsi.config import get_settings
from tsi.logging import setup_logging

settings = get_settings()
setup_logging(str(settings.LOG_LEVEL))

app = dash.Dash(
    __name__,
    use_pages=True,
    pages_folder="pages",
    serve_locally=True,
    external_stylesheets=[BOOTSTRAP_URL],
    suppress_callback_exceptions=True,
    title=str(settings.UI.TITLE),
    update_title=None,
)
server = app.server
register(server)

from tsi.ui.shell import shell  # noqa: E402  (callbacks register after the app exists)

app.layout = shell(str(settings.UI.TITLE), dash.page_container)

if __name__ == "__main__":
    app.run(debug=True)

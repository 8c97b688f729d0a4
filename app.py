"""TSI — the Dash app. `server` is the WSGI entry point for gunicorn (`gunicorn app:server`).

Everything is served by the app itself: Dash's own JavaScript (serve_locally), Bootstrap's CSS from an installed
package (tsi.api), the project's CSS and scripts from assets/.
"""

from __future__ import annotations

import dash

import logging

from tsi import __version__
from tsi.api import BOOTSTRAP_URL, register
from tsi.auth import install as install_auth
from tsi.config import environment_name, get_settings
from tsi.data import data_source
from tsi.db.targets import masked_target
from tsi.logging import setup_logging

settings = get_settings()  # invalid settings stop start-up here with one ConfigError listing every problem
setup_logging(str(settings.LOG_LEVEL))
log = logging.getLogger("tsi")
log.info("TSI %s starting (environment=%s)", __version__, environment_name(settings))
data_source()  # logs "Using data_source=<value>" once per process
log.info("Database: %s %s", settings.DATABASE.BACKEND, masked_target(settings))
log.info("Cache: %s", settings.CACHE.TYPE)
log.info("Access: AUTH.MODE=%s", settings.AUTH.MODE)

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
install_auth(app, settings)  # first: who the user is, before any route answers
register(server)

from tsi.ui.shell import declare_language, shell  # noqa: E402  (callbacks register after the app exists)
from tsi.ui.startup import finish_dash_setup  # noqa: E402
import tsi.analysis.trends_model  # noqa: E402,F401  (load scikit-learn at start-up, not in a user's first request)

app.index_string = declare_language(app.index_string)  # <html lang="en">
app.layout = shell(str(settings.UI.TITLE), dash.page_container)
finish_dash_setup(app)  # before any request: Dash's own first-request set-up races threaded workers

if __name__ == "__main__":
    app.run(debug=True, dev_tools_disable_version_check=True)  # nothing leaves the machine

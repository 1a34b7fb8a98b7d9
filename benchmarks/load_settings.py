"""Settings for ``python -m benchmarks load``: the project's, plus a query counter in front.

Only the load benchmark's gunicorn uses this module (``DJANGO_SETTINGS_MODULE``); with
``BENCH_QUERY_COUNT=1`` each response says how many queries it ran (``benchmarks.querycount``).
"""

import os

from config.settings import *  # noqa: F403
from config.settings import MIDDLEWARE

if os.environ.get("BENCH_QUERY_COUNT") == "1":
    MIDDLEWARE = ["benchmarks.querycount.QueryCountMiddleware", *MIDDLEWARE]

# The benchmark speaks plain HTTP to gunicorn on 127.0.0.1 (TLS is the proxy's job in
# production): cookies must not be Secure-only, or the load users could not stay signed in.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

"""Counting database queries per request, for the load benchmark only.

``benchmarks.load_settings`` puts ``QueryCountMiddleware`` first when ``BENCH_QUERY_COUNT=1``:
every response then carries ``X-Bench-Queries`` (statements run while the request was served),
``X-Bench-DB-ms`` (their time) and ``X-Bench-Server-ms`` (the whole request inside Django), which
the Locust file collects per page and per call. The project's own settings never load it.
"""

import time

from django.db import connections


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = {"n": 0, "seconds": 0.0}

        def count(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                counter["n"] += 1
                counter["seconds"] += time.perf_counter() - started

        started = time.perf_counter()
        wrappers = [c.execute_wrapper(count) for c in connections.all()]
        for wrapper in wrappers:
            wrapper.__enter__()
        try:
            response = self.get_response(request)
        finally:
            for wrapper in reversed(wrappers):
                wrapper.__exit__(None, None, None)
        response["X-Bench-Queries"] = str(counter["n"])
        response["X-Bench-DB-ms"] = f"{counter['seconds'] * 1000:.1f}"
        response["X-Bench-Server-ms"] = f"{(time.perf_counter() - started) * 1000:.1f}"
        return response

"""Routes anyone may reach, whatever ``AUTH.MODE`` says (operations.md §1: ``/healthz`` is public; ``/metrics``
checks its own readers, operations.md §4: the addresses of ``METRICS.ALLOW`` and admins)."""

PUBLIC_ROUTES = ("/healthz", "/metrics")

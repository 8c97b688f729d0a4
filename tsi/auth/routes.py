"""Routes anyone may reach, whatever ``AUTH.MODE`` says (operations.md §1: ``/healthz`` is public)."""

PUBLIC_ROUTES = ("/healthz",)

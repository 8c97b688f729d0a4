"""Database administration: migrations and connectivity checks (never imported by pages)."""

//! Storage: SQLite transport and dialect.

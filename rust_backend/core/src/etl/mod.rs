//! Analytics ETL (data-model.md §3, §5).

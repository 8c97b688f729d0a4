//! Synthetic schedule generator (architecture.md §7, generator model).

"""Sources: formats and returns that need more than their declaration to load (see
docs/architecture.md)."""

"""Helpers for scripts/bench: measuring the launcher side by side with what it replaces."""

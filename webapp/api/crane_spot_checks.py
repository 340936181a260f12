"""Placeholder: filled by its area."""

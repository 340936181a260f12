"""draws."""

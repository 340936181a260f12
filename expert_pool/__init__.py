"""Experts, panels, credit and conflicts: depends on knowledge, never on webapp."""

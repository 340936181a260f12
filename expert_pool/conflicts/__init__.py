"""Conflicts of interest (回避, DOMAIN.md 5): the six rules, their index and graph, the store, panel sittings, soft limits."""

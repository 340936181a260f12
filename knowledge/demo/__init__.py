"""Deterministic demo data of the registry, small or province-scale (``seed.seed_demo``)."""

"""Integrity analytics (issue 22 item 4): DOMAIN 5's soft limits made visible to regulators as findings."""

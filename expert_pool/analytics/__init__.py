"""The regulators' dashboard figures (issue 22 item 2): periods, areas, grouped counts and early-warning lists."""

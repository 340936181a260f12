"""The registry domain: enterprises, projects, accounts, works and their plans (no Flask here)."""

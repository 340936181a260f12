"""Accounts, their roles and scope (who may see what), passwords and sign-in, and their lists."""

"""Rows of the page-access matrix (tests/web/test_access.py) for the site-control pages, one module per part."""

"""Spreadsheet imports: reading uploaded tables, column layouts and templates, the dry run and the commit."""

"""Whoosh full-text index with Chinese analysis: knows search documents, not domain models."""

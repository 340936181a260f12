"""WSGI entry point: ``app = create_app()``."""

from webapp import create_app

app = create_app()

"""Flask extensions, created unbound and initialised in create_app."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from expert_pool.analytics.cache import KEPT, FigureCache
from knowledge.db import Base
from search_index.backend import SearchBackend
from search_index.index import SearchIndex
from search_index.pg_index import PgSearchIndex
from webapp.replica import RoutingSession, read_engine

db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
bootstrap = Bootstrap5()


def search_index() -> SearchBackend:
    """The app's search backend, opened once per process: the PostgreSQL search table or the Whoosh index
    (``SEARCH_BACKEND``)."""
    index: SearchBackend | None = current_app.extensions.get("search_index")
    if index is None:
        if current_app.config["SEARCH_BACKEND"] == "postgres":
            index = PgSearchIndex(db.engine, reader=read_engine)
        else:
            index = SearchIndex(current_app.config["SEARCH_INDEX_DIR"])
        current_app.extensions["search_index"] = index
    return index


def kept_values(name: str, fresh_seconds: float, kept: int = KEPT) -> FigureCache[Any]:
    """This app's cache ``name`` (made on first use): values kept per key and data version, ``fresh_seconds``."""
    found: FigureCache[Any] | None = current_app.extensions.get(name)
    if found is None:
        found = current_app.extensions[name] = FigureCache(fresh_seconds=fresh_seconds, kept=kept)
    return found

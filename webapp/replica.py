"""Read routing: lag-tolerant pages read from the streaming replica (DATABASE_REPLICA_URL), all else the primary."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, has_request_context, request, session
from flask_sqlalchemy.session import Session

EXTENSION = "replica_engine"
PRIMARY_UNTIL = "primary_until"  # in the user's session: until then, every request of it reads the primary
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# The pages whose SELECTs may run on the replica: a second of lag is harmless there, and a user who has just
# changed something reads the primary for REPLICA_AFTER_WRITE_SECONDS anyway. Any other page reads the primary.
# The API is not here: a bearer token has no session to remember its writes by.
LAG_TOLERANT = frozenset(
    {
        "search.index",
        "dashboard.index",
        "dashboard.csv",
        "works.index",
        "projects.index",
        "enterprises.index",
        "experts.index",
        "experts.credit_ranking",
        "reviews.index",
        "site.hazards_index",
        "site.inspection_list",
        "site.timeline",
        "cranes.index",
        "cranes.report_list",
        "cranes.site_installations",
    }
)


class RoutingSession(Session):
    """``db.session``: the replica engine while the request may read it and this session has written nothing.

    A flush, a pending change, a DML statement or a row lock sends the statement, and every later one of this
    session, to the primary, so a page that reads and then writes sees its own rows.
    """

    def get_bind(
        self,
        mapper: Any | None = None,
        clause: Any | None = None,
        bind: sa.Engine | sa.Connection | None = None,
        **kwargs: Any,
    ) -> sa.Engine | sa.Connection:
        if bind is None and self._reads_replica(clause):
            engine: sa.Engine = current_app.extensions[EXTENSION]
            return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)

    def _reads_replica(self, clause: Any) -> bool:
        if not (has_request_context() and g.get("read_replica", False)):
            return False
        writes = isinstance(clause, sa.UpdateBase) or getattr(clause, "_for_update_arg", None) is not None
        if self.info.get("wrote") or writes or self._flushing or self.new or self.deleted or self.dirty:
            self.info["wrote"] = True
            return False
        return True


def replica_engine(url: str) -> sa.Engine:
    """An engine on which every transaction is read-only: a write that reaches it by mistake fails loudly."""
    engine = sa.create_engine(url, pool_pre_ping=True)

    @sa.event.listens_for(engine, "connect")
    def _read_only(dbapi_connection: Any, record: Any) -> None:
        if engine.dialect.name == "sqlite":
            dbapi_connection.execute("PRAGMA query_only = ON")
            return
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True  # a SET outside a transaction lasts for the connection's life
        cursor = dbapi_connection.cursor()
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        cursor.close()
        dbapi_connection.autocommit = autocommit

    return engine


def read_engine() -> sa.Engine | None:
    """The replica engine when this request may read it (a lag-tolerant GET of a session that has not just
    written), else None: the search table's reads follow the same rule as ``db.session``'s."""
    if has_request_context() and g.get("read_replica", False):
        engine: sa.Engine | None = current_app.extensions.get(EXTENSION)
        return engine
    return None


def register_read_routing(app: Flask) -> None:
    """With DATABASE_REPLICA_URL set: route lag-tolerant GETs to the replica, and after any write request keep
    that browser session on the primary for REPLICA_AFTER_WRITE_SECONDS (read-your-writes). Registered after
    the blueprints, so sign-in checks (session generation, idle time) have already read the primary."""
    url = app.config.get("DATABASE_REPLICA_URL", "")
    if not url:
        return
    app.extensions[EXTENSION] = replica_engine(url)

    @app.before_request
    def _route_reads() -> None:
        g.read_replica = (
            request.method in SAFE_METHODS
            and request.endpoint in LAG_TOLERANT
            and time.time() >= float(session.get(PRIMARY_UNTIL, 0))
        )

    @app.after_request
    def _read_your_writes(response: Response) -> Response:
        if request.method not in SAFE_METHODS and request.blueprint != "api":
            session[PRIMARY_UNTIL] = time.time() + float(app.config["REPLICA_AFTER_WRITE_SECONDS"])
        return response

"""The Flask application: create_app builds it from a config, registers extensions and blueprints."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from knowledge.db import MAX_KEY
from search_index.backend import default_backend
from webapp.config import Config, is_loopback_url


class IdConverter(IntegerConverter):
    """``<int:…>`` in routes: a non-negative integer that fits a database key, else the URL matches nothing (404)."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_KEY)
        super().__init__(url_map, *args, **kwargs)


def register_audit_address(app: Flask) -> None:
    """Every audit row written during a request carries the request's source address (knowledge.audit)."""
    import knowledge.audit

    @app.before_request
    def _audit_address() -> None:
        knowledge.audit.current_address.set(request.remote_addr or None)

    @app.teardown_request
    def _audit_address_reset(exc: BaseException | None) -> None:
        knowledge.audit.current_address.set(None)


def create_app(config: Config | None = None, **overrides: Any) -> Flask:
    # Import models once so every table is on Base.metadata before anything maps or migrates.
    import expert_pool.conflicts.models  # noqa: F401
    import expert_pool.draws.models  # noqa: F401
    import expert_pool.experts.models  # noqa: F401
    import expert_pool.precedents.stored_prechecks  # noqa: F401
    import expert_pool.reviews.models  # noqa: F401
    import knowledge.accounts.models  # noqa: F401
    import knowledge.audit  # noqa: F401
    import knowledge.cranes.inspection_models  # noqa: F401
    import knowledge.cranes.models  # noqa: F401
    import knowledge.cranes.site_models  # noqa: F401
    import knowledge.enterprises.models  # noqa: F401
    import knowledge.outbox  # noqa: F401
    import knowledge.plans.models  # noqa: F401
    import knowledge.registry.models  # noqa: F401
    import knowledge.settings  # noqa: F401
    import knowledge.site.hazard_models  # noqa: F401
    import knowledge.site.inspection_models  # noqa: F401
    import knowledge.site.models  # noqa: F401

    config = config or Config()
    app = Flask(__name__, instance_path=config.INSTANCE_DIR)
    app.config.from_object(config)
    app.config.update(overrides)
    if not app.config.get("SEARCH_BACKEND"):  # the tests' config: the default of the database they were given
        app.config["SEARCH_BACKEND"] = default_backend(app.config.get("SQLALCHEMY_DATABASE_URI", ""))
    # Every file the app writes (database, uploads, index, backups, keys) is its own account's only.
    os.umask(0o077)
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    _make_private(app.config.get("SQLALCHEMY_DATABASE_URI", ""))
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.url_map.converters["int"] = IdConverter  # before any route is added
    if not app.testing and is_loopback_url(app.config["PUBLIC_BASE_URL"]):
        app.logger.warning(
            "PUBLIC_BASE_URL is %s, a loopback address: the QR codes of review reports and certificates "
            "will point at this machine only; set PUBLIC_BASE_URL to the address the public reaches.",
            app.config["PUBLIC_BASE_URL"],
        )

    hops = int(app.config.get("TRUSTED_PROXIES", 0))
    if hops > 0:  # the client's address as the proxies saw it (audit, throttle)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    # Every chain's and signature's key comes from the configuration (environment or instance/keys),
    # never from the database; set here so that web, CLI and jobs use the same keys.
    knowledge.audit.use_key(app.config["AUDIT_CHAIN_KEY"].encode())
    from expert_pool.draws import chain
    from expert_pool.reviews import signing

    chain.use_key(str(app.config["DRAW_CHAIN_KEY"]).encode())

    signing.use_keys(app.config["REPORT_KEY"], app.config["SIGNING_KEY_WRAP_KEY"])
    register_audit_address(app)

    from webapp.extensions import bootstrap, csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    bootstrap.init_app(app)
    login_manager.init_app(app)

    from webapp import (
        admin,
        api,
        auth,
        classify,
        cranes,
        dashboard,
        draws,
        enterprises,
        experts,
        integrity,
        main,
        precedents,
        projects,
        reports,
        reviews,
        search,
        site,
        works,
    )
    from webapp.cli import register_cli
    from webapp.errors import register_error_handlers
    from webapp.main.workbench import register_workbench
    from webapp.replica import register_read_routing
    from webapp.search import inline  # noqa: F401 - search documents written in the transaction (PostgreSQL)
    from webapp.search.cli import register_search_cli
    from webapp.security_headers import register_security_headers
    from webapp.templating import register_template_helpers

    app.register_blueprint(auth.bp)
    app.register_blueprint(main.bp)
    app.register_blueprint(enterprises.bp)
    app.register_blueprint(projects.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(works.bp)
    app.register_blueprint(classify.bp)
    app.register_blueprint(experts.bp)
    app.register_blueprint(draws.bp)
    app.register_blueprint(reviews.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(site.bp)
    app.register_blueprint(cranes.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(integrity.bp)
    app.register_blueprint(precedents.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # the API authenticates by bearer token, never by cookie
    register_error_handlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    register_workbench(app)
    register_cli(app)
    register_search_cli(app)
    register_read_routing(app)  # after the blueprints: their sign-in checks read the primary
    if app.config.get("SEARCH_BACKGROUND_WRITER"):
        from webapp.search.worker import start_background_writer

        start_background_writer(app)
    elif app.config.get("SEARCH_WARM"):
        from webapp.search.worker import warm_on_first_request

        warm_on_first_request(app)
    return app


def _make_private(database_uri: str) -> None:
    """An SQLite database file made by an earlier version with the default umask becomes 0600."""
    prefix = "sqlite:///"
    if database_uri.startswith(prefix):
        path = Path(database_uri[len(prefix) :])
        if path.is_file():
            path.chmod(0o600)

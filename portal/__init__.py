"""The EFI customer portal: create_app builds it from configuration."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, g, request, session
from flask.json.provider import DefaultJSONProvider
from flask_login import current_user
from sqlalchemy import event, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import formatting, logs, metrics
from portal.config import ConfigurationError, TestConfig, check_config, config_for_environment
from portal.extensions import csrf, db, htmx_ext, login_manager, migrate
from portal.limits import json_loads
from portal.models import utcnow
from portal.request_ids import RequestIds, request_id_of

# How stale the idle timeout's last-activity mark may get before a request renews it.
SEEN_STEP = timedelta(minutes=1)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)


class JSONProvider(DefaultJSONProvider):
    """Request bodies too deep to walk or holding NUL are refused as malformed JSON (400)."""

    def loads(self, s, **kwargs):
        return json_loads(s)


def create_app(config: dict | type | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    app.json = JSONProvider(app)
    app.config.from_object(config_for_environment())
    if isinstance(config, dict):
        if config.get("TESTING"):
            app.config.from_object(TestConfig)
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    check_config(app.config)
    logs.configure(app)
    if app.config.get("TRUSTED_PROXIES"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["TRUSTED_PROXIES"]), x_proto=1)
    app.wsgi_app = RequestIds(app.wsgi_app, propagate=lambda: _propagates(app))

    # Every area's tables must be known before anything maps or migrates them.
    import portal.api.models
    import portal.approvals.models
    import portal.compliance.models
    import portal.customers.models
    import portal.dashboards.models
    import portal.duplicates.models
    import portal.events.models
    import portal.insights.models
    import portal.organizations.models
    import portal.segmentation.models  # noqa: F401

    _init_extensions(app)
    _refuse_demo_accounts(app)
    _refuse_unreadable_fields(app)
    _register_blueprints(app)
    _register_request_hooks(app)

    from portal.errors import register_error_handlers

    register_error_handlers(app)

    from portal.cli import register_cli

    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
    # Batch mode lets SQLite alter tables; compare_type keeps models and migrations honest.
    migrate.init_app(
        app,
        db,
        directory=str(app.root_path + "/../migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    htmx_ext.init_app(app)
    formatting.init_app(app)
    metrics.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = None  # sessions are checked server-side instead

    from portal.auth import oidc

    oidc.init_oidc(app)

    @login_manager.user_loader
    def load_user(session_id: str):
        from portal.auth.services import load_session_user

        seen = session.get("seen")
        last_seen = datetime.fromisoformat(seen) if seen else None
        return load_session_user(session_id, last_seen)

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import redirect, url_for
        from htmx_flask import make_response as hx_response

        from portal.errors import error_response
        from portal.htmx import is_htmx

        if request.path.startswith("/api/"):
            return error_response(401)
        if is_htmx():
            target = request.headers.get("HX-Current-URL") or request.full_path
            return hx_response("", 401, redirect=url_for("auth.sign_in", next=_path_of(target)))
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))


def _refuse_demo_accounts(app: Flask) -> None:
    """Production never runs with the well-known demo passwords in its database."""
    if app.config["DEMO_ACCOUNTS_ALLOWED"]:
        return
    from portal.security.models import User

    with app.app_context():
        try:
            found = db.session.scalar(select(User.id).where(User.is_demo.is_(True)).limit(1))
        except SQLAlchemyError:  # not migrated yet: nothing to refuse
            found = None
        db.session.remove()
        if found:
            db.engine.dispose()
            raise ConfigurationError("Demo accounts exist in this database; remove them first.")


def _refuse_unreadable_fields(app: Flask) -> None:
    """Say once, here, that encrypted fields cannot be read, rather than fail every page
    that shows one."""
    from portal.security.crypto import unreadable_columns

    with app.app_context():
        try:
            with db.engine.connect() as connection:
                unreadable = unreadable_columns(connection, db.metadata)
        except SQLAlchemyError:  # not migrated yet: nothing stored
            unreadable = []
        if unreadable:
            db.engine.dispose()
            raise ConfigurationError(
                f"No configured key decrypts {', '.join(unreadable)}: the key they were "
                "written with is gone. Outside production that key is derived from SECRET_KEY: "
                "restore the previous SECRET_KEY, or list the old key in FIELD_ENCRYPTION_KEYS."
            )


def _propagates(app: Flask) -> bool:
    configured = app.config["PROPAGATE_EXCEPTIONS"]
    return app.testing or app.debug if configured is None else configured


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers and a writer work at once (gunicorn workers, tests); enforce foreign keys.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _register_blueprints(app: Flask) -> None:
    from portal.api import bp as api_bp
    from portal.approvals import bp as approvals_bp
    from portal.auth import bp as auth_bp
    from portal.compliance import bp as compliance_bp
    from portal.customers import bp as customers_bp
    from portal.dashboards import bp as dashboards_bp
    from portal.duplicates import bp as duplicates_bp
    from portal.events.views import bp as events_bp
    from portal.home import bp as home_bp
    from portal.insights import bp as insights_bp
    from portal.loyalty import bp as loyalty_bp
    from portal.operations import bp as operations_bp
    from portal.organizations import bp as organizations_bp
    from portal.security import bp as admin_bp
    from portal.segmentation import bp as segmentation_bp

    app.register_blueprint(home_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(customers_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(segmentation_bp)
    app.register_blueprint(insights_bp)
    app.register_blueprint(organizations_bp)
    app.register_blueprint(compliance_bp)
    app.register_blueprint(approvals_bp)
    app.register_blueprint(operations_bp)
    app.register_blueprint(dashboards_bp)
    app.register_blueprint(duplicates_bp)
    app.register_blueprint(loyalty_bp)

    from portal.confirmation import confirm_attributes
    from portal.navigation import bar, navigation_for

    app.add_template_global(confirm_attributes)
    app.add_template_global(bar, "nav_bar")

    @app.context_processor
    def inject_navigation():
        return {"navigation": navigation_for(current_user)}


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def assign_request_id():
        g.request_id = request_id_of(request.environ)

    @app.before_request
    def refuse_nul_characters():
        # PostgreSQL text cannot hold NUL: such a value would fail deep in a query, as a 500.
        # Posted forms say so at the field (portal.forms.Form); the address cannot.
        values = [request.path, *(v for _, v in request.args.items(multi=True))]
        if any("\x00" in value for value in values):
            from portal.errors import error_response

            return error_response(400, "The request contains a NUL character.")
        return None

    @app.after_request
    def security_headers(response):
        # Sliding idle timeout: the cookie carries the last activity, the server checks it.
        # Written once a minute at most, so the requests in between leave the cookie alone.
        if current_user.is_authenticated:
            now, seen = utcnow(), session.get("seen")
            if not seen or now - datetime.fromisoformat(seen) >= SEEN_STEP:
                session["seen"] = now.isoformat()
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        headers["X-Request-Id"] = g.get("request_id", "")
        if not request.path.startswith("/static/"):
            headers["Cache-Control"] = "no-store"
        return response

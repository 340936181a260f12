"""Configuration from the environment; TestConfig for the suite."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

from search_index.backend import check_backend, default_backend

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _instance_dir(given: str | Path | None) -> Path:
    return Path(given or os.environ.get("INSTANCE_DIR") or PROJECT_ROOT / "instance").resolve()


KEYS_DIR = "keys"  # under the instance folder: 0700, each key file 0600, never in a backup
PENDING_UPLOADS_DIR = "pending"  # under UPLOAD_DIR: imports waiting for confirmation, never in a backup


def _instance_key(instance_dir: Path, env: str, filename: str, make: Callable[[], str]) -> str:
    """A key from the environment; on a development machine, one generated once under instance/keys/.

    The file is created with mode 0600 at once (no moment in which another account could read it); a key
    left by an earlier version directly under instance/ is moved into the keys folder.
    """
    key = os.environ.get(env)
    if key:
        return key
    folder = instance_dir / KEYS_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path, legacy = folder / filename, instance_dir / filename
    if not path.exists() and legacy.exists():
        legacy.replace(path)
        path.chmod(0o600)
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it meanwhile: use theirs
            return path.read_text().strip()
        with os.fdopen(fd, "w") as out:
            out.write(make())
    return path.read_text().strip()


def _database_url(url: str) -> str:
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy needs the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Read once when the app is created, so tests can point the environment elsewhere first."""

    def __init__(self, instance_dir: str | Path | None = None) -> None:
        instance = _instance_dir(instance_dir)
        self.INSTANCE_DIR = str(instance)
        self.SECRET_KEY = _instance_key(instance, "SECRET_KEY", "secret_key", lambda: secrets.token_hex(32))
        # Fernet key for experts' ID numbers (PIPL); keep it apart from the database and its backups.
        self.EXPERT_ID_KEY = _instance_key(
            instance, "EXPERT_ID_KEY", "expert_id_key", lambda: Fernet.generate_key().decode()
        )
        # HMAC key of the draws' chain and Ed25519 key of its daily digest (expert_pool.draws.chain): kept outside
        # the database, so someone who can write it cannot re-roll a draw and re-chain it.
        self.DRAW_CHAIN_KEY = _instance_key(
            instance, "DRAW_CHAIN_KEY", "draw_chain_key", lambda: secrets.token_hex(32)
        )
        self.DRAW_DIGEST_KEY = _instance_key(
            instance, "DRAW_DIGEST_KEY", "draw_digest_key", lambda: secrets.token_hex(32)
        )  # an Ed25519 private key: 32 bytes, hex
        # HMAC key of the audit log's chain (knowledge.audit): outside the database, so whoever can write the
        # database cannot forge, insert or delete an audit row unnoticed.
        self.AUDIT_CHAIN_KEY = _instance_key(
            instance, "AUDIT_CHAIN_KEY", "audit_chain_key", lambda: secrets.token_hex(32)
        )
        # Fernet key of the accounts' TOTP secrets (knowledge.accounts.two_factor): lost, every enrolment is lost.
        self.TOTP_KEY = _instance_key(
            instance, "TOTP_KEY", "totp_key", lambda: Fernet.generate_key().decode()
        )
        # HMAC key of review reports' hashes and their chain, and the Fernet key wrapping each expert's Ed25519
        # signing key (expert_pool.reviews.signing): outside the database, so whoever can write it can neither
        # rewrite a signed report and recompute its hash nor sign in an expert's name.
        self.REPORT_KEY = _instance_key(instance, "REPORT_KEY", "report_key", lambda: secrets.token_hex(32))
        self.SIGNING_KEY_WRAP_KEY = _instance_key(
            instance, "SIGNING_KEY_WRAP_KEY", "signing_key_wrap_key", lambda: Fernet.generate_key().decode()
        )
        self.SQLALCHEMY_DATABASE_URI = _database_url(
            os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'weida.db'}")
        )
        # A hot-standby replica for the lag-tolerant pages (webapp.replica); empty: everything reads the primary.
        # A request after a write in the same browser session reads the primary for this many seconds.
        self.DATABASE_REPLICA_URL = _database_url(os.environ.get("DATABASE_REPLICA_URL", ""))
        self.REPLICA_AFTER_WRITE_SECONDS = float(os.environ.get("REPLICA_AFTER_WRITE_SECONDS", "10"))
        self.SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {"pool_pre_ping": True}
        # Search served by the PostgreSQL search table ("postgres", the default on PostgreSQL: every node reads
        # the same table) or by the Whoosh index under SEARCH_INDEX_DIR ("whoosh", the default elsewhere).
        self.SEARCH_BACKEND = check_backend(
            os.environ.get("SEARCH_BACKEND") or default_backend(self.SQLALCHEMY_DATABASE_URI),
            self.SQLALCHEMY_DATABASE_URI,
        )
        self.SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR", str(instance / "search-index"))
        # The upload store all nodes share (mounted from shared storage); why a folder: webapp/pending_uploads.py.
        self.UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(instance / "uploads"))
        self.SEARCH_BACKGROUND_WRITER = os.environ.get("SEARCH_BACKGROUND_WRITER", "0") == "1"
        # A web process without the writer thread reads the segmenter and the index's facet values in the
        # background after its first request, so its first search does not (seconds at province scale).
        self.SEARCH_WARM = os.environ.get("SEARCH_WARM", "1") == "1"
        self.MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_MB", "30")) * 1024 * 1024
        self.PLAN_MAX_BYTES = int(os.environ.get("PLAN_MAX_MB", "25")) * 1024 * 1024
        # Plan text extraction (knowledge.plans.extraction.ExtractionLimits.from_config): a DOCX inflating past
        # this many MB is a zip bomb; the worker process is killed past the seconds or the memory.
        self.PLAN_MAX_INFLATED_MB = int(os.environ.get("PLAN_MAX_INFLATED_MB", "50"))
        self.PLAN_EXTRACT_SECONDS = float(os.environ.get("PLAN_EXTRACT_SECONDS", "20"))
        self.PLAN_EXTRACT_MEMORY_MB = int(os.environ.get("PLAN_EXTRACT_MEMORY_MB", "512"))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
        # Behind a reverse proxy (nginx in front of gunicorn): how many proxies set X-Forwarded-For/-Proto.
        # 0 (direct) trusts no such header, so a client cannot forge the address the throttle and audit use.
        self.TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.PERMANENT_SESSION_LIFETIME = int(os.environ.get("SESSION_HOURS", "8")) * 3600  # absolute
        self.SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
        self.PASSWORD_EXPIRY_DAYS = int(os.environ.get("PASSWORD_EXPIRY_DAYS", "90"))
        self.WTF_CSRF_ENABLED = True
        self.WTF_I18N_ENABLED = False  # no Flask-Babel: forms take their locale from webapp.forms.Form
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
        self.BOOTSTRAP_SERVE_LOCAL = True
        self.PASSWORD_HASH_METHOD = "scrypt:32768:8:1"
        # The dashboard's figures are kept per period and area until a change passes the search outbox, and at most
        # this long for the site's and cranes' records (expert_pool.analytics.cache); 0 computes them on each view.
        self.DASHBOARD_FRESH_SECONDS = float(os.environ.get("DASHBOARD_FRESH_SECONDS", "60"))
        # The home page's task list kept per scope this long (0: computed on every view); a session's own POST
        # starts it again.
        self.WORKBENCH_FRESH_SECONDS = float(os.environ.get("WORKBENCH_FRESH_SECONDS", "60"))
        # A review's similar past conclusions kept this long unless a change passes the search outbox (0: asked
        # of the index on every view).
        self.SIMILAR_FRESH_SECONDS = float(os.environ.get("SIMILAR_FRESH_SECONDS", "600"))
        self.LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
        self.LOGIN_WINDOW_MINUTES = int(os.environ.get("LOGIN_WINDOW_MINUTES", "15"))
        self.LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "15"))
        # Per name from any address: a slower lock that never blocks an address with no failure.
        self.LOGIN_NAME_MAX_FAILURES = int(os.environ.get("LOGIN_NAME_MAX_FAILURES", "20"))
        self.LOGIN_NAME_WINDOW_MINUTES = int(os.environ.get("LOGIN_NAME_WINDOW_MINUTES", "60"))
        self.LOGIN_NAME_LOCK_MINUTES = int(os.environ.get("LOGIN_NAME_LOCK_MINUTES", "60"))
        self.API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "90"))
        self.PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        self.JSON_AS_ASCII = False
        self.CLOCK_OFFSET_HOURS = float(
            os.environ.get("CLOCK_OFFSET_HOURS", "0")
        )  # drills and e2e tests only
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
        self.MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
        self.MAIL_SENDER = os.environ.get("MAIL_SENDER", "noreply@localhost")
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
        self.MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"


def is_loopback_url(url: str) -> bool:
    """True when ``url`` names this machine only (127.0.0.0/8, ::1, localhost): a QR code printed with it
    cannot be followed from anyone else's phone or computer."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class TestConfig(Config):
    __test__ = False  # not a pytest test class

    def __init__(self, instance_dir: str | Path | None = None) -> None:
        super().__init__(instance_dir)
        self.TESTING = True
        self.WTF_CSRF_ENABLED = False
        self.SEARCH_BACKGROUND_WRITER = False  # tests start a writer themselves when they need one
        self.SEARCH_WARM = False
        # The suite's apps search as production would on their database (empty: ``create_app`` takes the
        # database's default, the search table on PostgreSQL), unless TEST_SEARCH_BACKEND names one.
        self.SEARCH_BACKEND = os.environ.get("TEST_SEARCH_BACKEND", "")
        # Cheap scrypt parameters in tests only: the production method is checked by its own test.
        self.PASSWORD_HASH_METHOD = "scrypt:1024:8:1"
        self.DASHBOARD_FRESH_SECONDS = 0.0  # tests change the data between views; the cache has its own tests
        self.WORKBENCH_FRESH_SECONDS = 0.0
        self.SIMILAR_FRESH_SECONDS = 0.0

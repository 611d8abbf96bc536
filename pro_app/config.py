"""Configuration defaults. Override in `instance/config.py` or with `PRO_<NAME>` environment variables.

Secrets have no usable default: `create_app` refuses to start outside debug/testing with the
placeholder SECRET_KEY. Every name below is documented in README ("Configuration").
"""


class Defaults:
    # --- core ---
    SECRET_KEY = "change-me"  # refused in production; `make run` writes a random one to instance/config.py
    SQLALCHEMY_DATABASE_URI = None  # None = SQLite file in instance/ (set in create_app)
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    BASE_URL = "http://127.0.0.1:5000"  # absolute links (e-mails, SMS, PDFs) are built from this, never the Host header
    TRUSTED_HOSTS = None  # None = the host of BASE_URL
    PROXY_FIX_X_FOR = 0  # number of trusted reverse proxies in front of the app (for client IPs)
    LANGUAGES = ("en", "de")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"

    # --- response compression (Flask-Compress: gunicorn does not compress) ---
    # HTML, CSS, JS and JSON over 500 bytes, brotli or gzip as the client accepts. BREACH needs the attacker's
    # page to fetch our pages with the victim's cookie; SameSite=Lax cookies are not sent on such requests.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_BR_LEVEL = 5
    COMPRESS_LEVEL = 6
    COMPRESS_STREAMS = False  # streamed downloads (exports, PDFs) stay as they are; no request context kept alive

    # --- request limits and cookies ---
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 500 * 1024
    MAX_FORM_PARTS = 1000
    SESSION_COOKIE_SECURE = True  # set False only for plain-http local development
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = None  # None = "__Host-sscore" when secure, else "sscore"
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    # No expiry: a patient may leave a page open for hours and must not lose what they typed. The token's secret
    # lives in the signed session cookie; it is bound to that browser, and every staff page also needs a live
    # server-side session (which expires), so an old token alone changes nothing.
    WTF_CSRF_TIME_LIMIT = None

    # --- sessions and lockout (seconds) ---
    STAFF_IDLE_TIMEOUT = 15 * 60
    STAFF_ABSOLUTE_TIMEOUT = 12 * 3600
    PATIENT_IDLE_TIMEOUT = 30 * 60
    LOGIN_MAX_FAILURES = 5  # per account per LOGIN_WINDOW
    LOGIN_MAX_FAILURES_PER_IP = 20  # across accounts (credential stuffing)
    LOGIN_WINDOW = 15 * 60
    TOKEN_MAX_FAILURES = 10  # bad survey tokens per client IP per TOKEN_WINDOW
    TOKEN_WINDOW = 10 * 60
    PASSWORD_MIN_LENGTH = 12
    # argon2id parameters (argon2-cffi defaults: RFC 9106 low-memory profile)
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4

    # --- messages ---
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS
    MAIL_USE_SSL = False  # implicit TLS
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_DEFAULT_SENDER = "SScore PRO <no-reply@localhost>"
    MAIL_TIMEOUT = 10
    SMS_GATEWAY_URL = None  # e.g. https://api.twilio.com/2010-04-01/Accounts/<SID>/Messages.json
    SMS_ACCOUNT_SID = None
    SMS_AUTH_TOKEN = None
    SMS_FROM = None
    SMS_WEBHOOK_TOKEN = None  # shared secret expected on the inbound STOP/START webhook
    MESSAGE_CHANNEL_EMAIL = "smtp"  # smtp | console
    MESSAGE_CHANNEL_SMS = "http"  # http | console
    REMINDER_DAYS_AFTER_OPEN = (2, 5)
    REMINDER_DAYS_BEFORE_CLOSE = (1,)
    REMINDER_MAX_PER_VISIT = 3
    QUIET_HOURS = (21, 8)  # no message from 21:00 to 08:00 in the patient's time zone
    MESSAGES_MAX_PER_DAY = 3  # messages to one patient per local day
    SMS_TIMEOUT = 10  # seconds
    DISPATCH_BATCH_SIZE = 50
    DISPATCH_MAX_ATTEMPTS = 5
    DISPATCH_RETRY_BASE = 300  # seconds before the first retry; doubles per attempt, at most 4 h
    DISPATCH_LEASE = 900  # seconds after which a claim of a run that died is released (README: reminders)

    # --- PDF ---
    PDF_TIMEOUT = 30  # seconds
    PDF_MEMORY_LIMIT = 1024 * 1024 * 1024  # bytes (RLIMIT_AS of the render subprocess)
    PDF_PAGE_SIZE = "A4"  # A4 | Letter

    # --- data out: exports, FHIR and the read-only API (README.md, section Getting data out) ---
    FHIR_BASE_URL = None  # canonical base of our FHIR URLs; None = BASE_URL + "/fhir". One value for a whole network
    EXPORT_BATCH_SIZE = 200  # patients read per batch by exports (bounded queries, bounded memory)
    API_PAGE_SIZE = 50  # default ?per_page= of the JSON API
    API_MAX_PAGE_SIZE = 200
    API_TOKEN_MAX_FAILURES = 50  # bad API tokens per client IP per API_TOKEN_WINDOW before 429
    API_TOKEN_WINDOW = 10 * 60

    # --- production safety ---
    REQUIRE_DURABLE_DB = True  # refuse to start unless SQLite is WAL + synchronous=FULL, PostgreSQL fsync etc. on

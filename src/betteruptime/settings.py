"""The one settings object: environment variables, also read from a `.env` file.

Every role reads its configuration through :func:`get_settings`. Bad values stop
start-up with :class:`SettingsError`, whose message is one line naming the variable.
Every secret variable NAME may instead name a file in NAME_FILE (Docker and Kubernetes
secrets), never both.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from betteruptime.domain.addresses import TargetPolicy
from betteruptime.mail.addresses import parse_mailbox
from betteruptime.mail.config import SmtpConfig, parse_smtp_url

SECRET_KEY_FILE = ".betteruptime_secret"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# The settings whose variables carry a password, key or token: each variable NAME may
# be given as the path of a file in NAME_FILE instead.
SECRET_FIELDS = (
    "database_url",
    "rabbitmq_url",
    "redis_url",
    "secret_key",
    "metrics_token",
    "oidc_client_secret",
    "smtp_url",
)


class SettingsError(Exception):
    """A configuration value is missing or malformed; the message names the variable."""


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class _SecretFiles(PydanticBaseSettingsSource):
    """The values of SECRET_FIELDS given as NAME_FILE: the named file's content, without
    its trailing newline. NAME and NAME_FILE both set is refused: which one was meant?"""

    def __init__(
        self, settings_cls: type[BaseSettings], variables: Mapping[str, str | None]
    ) -> None:
        super().__init__(settings_cls)
        self._variables = variables  # names in lowercase, as the env sources keep them

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads every secret at once

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in SECRET_FIELDS:
            name = variable_name(field)
            path = self._variables.get(f"{name}_FILE".lower())
            if not path:
                continue
            if self._variables.get(name.lower()):
                raise SettingsError(f"{name} and {name}_FILE are both set; set only one of them")
            values[name] = _read_secret(name, path)
        return values


def _read_secret(name: str, path: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise SettingsError(
            f"{name}_FILE names {path}, which cannot be read: {error.strerror or error}"
        ) from None
    except UnicodeDecodeError:
        raise SettingsError(f"{name}_FILE names {path}, which is not UTF-8 text") from None
    return text.rstrip("\r\n")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: Annotated[str, Field(validation_alias=_env("DATABASE_URL"))] = (
        "sqlite:///./betteruptime.db"
    )
    rabbitmq_url: Annotated[str | None, Field(validation_alias=_env("RABBITMQ_URL"))] = None
    redis_url: Annotated[str | None, Field(validation_alias=_env("REDIS_URL"))] = None
    host: Annotated[str, Field(validation_alias=_env("HOST"))] = "0.0.0.0"
    port: Annotated[int, Field(validation_alias=_env("PORT"), ge=1, le=65535)] = 3000
    # Where people reach the api: every absolute link handed out (ping URLs, status
    # pages, sign-in callbacks) starts with it, never with the request's Host header,
    # which any client can forge. Unset: http://localhost:$PORT.
    public_url: Annotated[str | None, Field(validation_alias=_env("BETTERUPTIME_PUBLIC_URL"))] = (
        None
    )
    region: Annotated[str, Field(validation_alias=_env("BETTERUPTIME_REGION"))] = "default"
    min_interval: Annotated[
        int, Field(validation_alias=_env("BETTERUPTIME_MIN_INTERVAL"), ge=1, le=86400)
    ] = 10
    secret_key: Annotated[
        SecretStr | None, Field(validation_alias=_env("BETTERUPTIME_SECRET_KEY"), min_length=16)
    ] = None
    token_ttl_days: Annotated[
        int, Field(validation_alias=_env("BETTERUPTIME_TOKEN_TTL_DAYS"), ge=1, le=3650)
    ] = 30
    retention_days: Annotated[
        int, Field(validation_alias=_env("BETTERUPTIME_RETENTION_DAYS"), ge=1, le=3650)
    ] = 30
    worker_concurrency: Annotated[
        int, Field(validation_alias=_env("BETTERUPTIME_WORKER_CONCURRENCY"), ge=1, le=100000)
    ] = 500
    # Browser checks (worker --browser): the Chromium to drive (never downloaded; unset:
    # /usr/bin/chromium when it exists) and how many pages a worker has open at once.
    chromium_path: Annotated[
        str | None, Field(validation_alias=_env("BETTERUPTIME_CHROMIUM_PATH"))
    ] = None
    browser_pages: Annotated[
        int, Field(validation_alias=_env("BETTERUPTIME_BROWSER_PAGES"), ge=1, le=50)
    ] = 2
    channel_rate_limit: Annotated[
        int, Field(validation_alias=_env("BETTERUPTIME_CHANNEL_RATE_LIMIT"), ge=1, le=10000)
    ] = 10
    notify_retry_seconds: Annotated[
        float, Field(validation_alias=_env("BETTERUPTIME_NOTIFY_RETRY_SECONDS"), gt=0, le=3600)
    ] = 30.0
    # How long a notifier's claim on a message lasts. A notifier that dies mid-send
    # leaves its claim; another (or it, restarted) sends the message after this long.
    # Keep it above the slowest send (Apprise's own timeouts and retries).
    notify_lease_seconds: Annotated[
        float, Field(validation_alias=_env("BETTERUPTIME_NOTIFY_LEASE_SECONDS"), ge=5, le=3600)
    ] = 120.0
    # An event no notifier has planned this long after the relay published it is
    # published again (its stream entry was lost); then after waits that double, up to
    # 10 minutes (ingester/outbox.py).
    republish_seconds: Annotated[
        float, Field(validation_alias=_env("BETTERUPTIME_REPUBLISH_SECONDS"), ge=1, le=3600)
    ] = 60.0
    block_private_targets: Annotated[
        bool, Field(validation_alias=_env("BETTERUPTIME_BLOCK_PRIVATE_TARGETS"))
    ] = False
    allow_link_local_targets: Annotated[
        bool, Field(validation_alias=_env("BETTERUPTIME_ALLOW_LINK_LOCAL_TARGETS"))
    ] = False
    # Where workers read which RDAP server answers for each TLD (domain expiry checks).
    rdap_bootstrap_url: Annotated[
        str, Field(validation_alias=_env("BETTERUPTIME_RDAP_BOOTSTRAP_URL"))
    ] = "https://data.iana.org/rdap/dns.json"
    log_level: Annotated[str, Field(validation_alias=_env("BETTERUPTIME_LOG_LEVEL"))] = "INFO"
    # Bearer token for GET /metrics; unset: /metrics is open (it names every monitor).
    metrics_token: Annotated[
        SecretStr | None, Field(validation_alias=_env("BETTERUPTIME_METRICS_TOKEN"), min_length=16)
    ] = None
    # Sign-in with OpenID Connect (web/views/oidc.py): off while the issuer is unset.
    oidc_issuer: Annotated[str | None, Field(validation_alias=_env("BETTERUPTIME_OIDC_ISSUER"))] = (
        None
    )
    oidc_client_id: Annotated[
        str | None,
        Field(validation_alias=_env("BETTERUPTIME_OIDC_CLIENT_ID"), validate_default=True),
    ] = None
    oidc_client_secret: Annotated[
        SecretStr | None,
        Field(validation_alias=_env("BETTERUPTIME_OIDC_CLIENT_SECRET"), validate_default=True),
    ] = None
    oidc_name: Annotated[
        str, Field(validation_alias=_env("BETTERUPTIME_OIDC_NAME"), min_length=1, max_length=60)
    ] = "Single sign-on"
    oidc_allow_signup: Annotated[
        bool, Field(validation_alias=_env("BETTERUPTIME_OIDC_ALLOW_SIGNUP"))
    ] = True

    # The product's own mail (invitations, status-page subscribers): unset, none is sent
    # and what would have been mailed is only shown (mail/config.py says the URL's form).
    smtp_url: Annotated[SecretStr | None, Field(validation_alias=_env("BETTERUPTIME_SMTP_URL"))] = (
        None
    )
    mail_from: Annotated[str, Field(validation_alias=_env("BETTERUPTIME_MAIL_FROM"))] = (
        "betteruptime@localhost"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # NAME_FILE is looked for where NAME is: the environment, then the .env file.
        variables: dict[str, str | None] = {}
        for source in (dotenv_settings, env_settings):
            if isinstance(source, EnvSettingsSource):
                variables.update(source.env_vars)
        files = _SecretFiles(settings_cls, variables)
        return init_settings, files, env_settings, dotenv_settings, file_secret_settings

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(
            ("sqlite:", "sqlite+aiosqlite:", "postgresql:", "postgres:", "postgresql+asyncpg:")
        ):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value

    @field_validator("rabbitmq_url")
    @classmethod
    def _amqp(cls, value: str | None) -> str | None:
        if value and not value.startswith(("amqp://", "amqps://")):
            raise ValueError("must start with amqp:// or amqps://")
        return value or None

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis:// or rediss://")
        return value or None

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        # Links are built as public_url + "/status/acme": no trailing slash of its own.
        value = value.rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "must be an http:// or https:// address, like https://uptime.example.com"
            )
        if parts.query or parts.fragment or any(ch.isspace() for ch in value):
            raise ValueError("must be a plain address, without ?query, #fragment or spaces")
        return value

    @field_validator("rdap_bootstrap_url")
    @classmethod
    def _rdap_bootstrap_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "must be an http:// or https:// address, like https://data.iana.org/rdap/dns.json"
            )
        return value

    @field_validator("region")
    @classmethod
    def _region_name(cls, value: str) -> str:
        from betteruptime.domain.names import validate_region

        return validate_region(value)

    @field_validator("metrics_token", "smtp_url", "chromium_path", mode="before")
    @classmethod
    def _unset_if_empty(cls, value: object) -> object:
        # `BETTERUPTIME_METRICS_TOKEN=` in a .env file means "no token", not a short one.
        return value or None

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parse_smtp_url(value.get_secret_value())  # its refusals never quote the URL
        return value

    @field_validator("mail_from")
    @classmethod
    def _mail_from(cls, value: str) -> str:
        return str(parse_mailbox(value))

    @field_validator("oidc_issuer")
    @classmethod
    def _issuer(cls, value: str | None) -> str | None:
        if not value:
            return None
        # The ID token's `iss` must equal the issuer byte for byte; a trailing slash
        # typed by habit would make every sign-in fail, so it is not part of it.
        value = value.rstrip("/")
        parts = urlsplit(value)
        loopback = parts.hostname in {"localhost", "127.0.0.1", "::1"}
        if not parts.hostname or parts.query or parts.fragment:
            raise ValueError(
                "must be the provider's https:// address, like https://accounts.example.com"
            )
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ValueError("must start with https:// (http:// only for localhost)")
        return value

    @field_validator("oidc_client_id", "oidc_client_secret", mode="before")
    @classmethod
    def _needed_with_issuer(cls, value: object, info: ValidationInfo) -> object:
        # Declared after the issuer, so info.data holds its validated value.
        if not value and info.data.get("oidc_issuer"):
            raise ValueError("must be set when BETTERUPTIME_OIDC_ISSUER is")
        return value or None

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return level

    def smtp(self) -> SmtpConfig | None:
        """The SMTP server for the product's own mail, or None: no mail is sent."""
        return None if self.smtp_url is None else parse_smtp_url(self.smtp_url.get_secret_value())

    @property
    def oidc_enabled(self) -> bool:
        return self.oidc_issuer is not None

    def chromium_executable(self) -> str | None:
        """The Chromium browser checks run in: BETTERUPTIME_CHROMIUM_PATH, else Debian's
        /usr/bin/chromium; None when that is not there."""
        if self.chromium_path:
            return self.chromium_path
        return DEFAULT_CHROMIUM if Path(DEFAULT_CHROMIUM).is_file() else None

    def target_policy(self) -> TargetPolicy:
        """Where checks and notifications may connect (the SSRF guard)."""
        return TargetPolicy(
            block_private=self.block_private_targets, allow_link_local=self.allow_link_local_targets
        )

    def public_base_url(self) -> str:
        """BETTERUPTIME_PUBLIC_URL, or http://localhost:$PORT: what links start with."""
        return self.public_url or f"http://localhost:{self.port}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        """The database file for a SQLite URL, or None (PostgreSQL, in-memory)."""
        if not self.is_sqlite:
            return None
        path = self.database_url.split(":///", 1)[-1]
        if not path or path == ":memory:":
            return None
        return Path(path)

    def resolved_secret_key(self) -> str:
        """The cookie-signing key: the variable, else one kept beside the database."""
        if self.secret_key:
            return self.secret_key.get_secret_value()
        db_path = self.sqlite_path()
        folder = db_path.parent if db_path else Path.cwd()
        key_file = folder / SECRET_KEY_FILE
        if key_file.exists():
            return key_file.read_text().strip()
        key = secrets.token_urlsafe(48)
        folder.mkdir(parents=True, exist_ok=True)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


def variable_name(field: str) -> str:
    """The environment variable of a settings field (`secret_key`: BETTERUPTIME_SECRET_KEY)."""
    info = Settings.model_fields.get(field.lower())
    if info is not None and isinstance(info.validation_alias, AliasChoices):
        return str(info.validation_alias.choices[0])
    return field.upper()


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    loc = first.get("loc") or ("?",)
    name = variable_name(str(loc[0]))
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"invalid setting {name}: {message}"


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, raising SettingsError with a one-line message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(_one_line(error)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()

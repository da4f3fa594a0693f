"""
Settings: the only reader of the environment.

Every field is read from `SFSYNC_<NAME>` (or a `.env` file passed with `--env-file`).
`.env.example` lists the same fields in the same order.
"""

from __future__ import annotations

import difflib
import io
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv.parser import parse_stream
from pydantic import Field, PositiveInt, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sfsync.errors import ConfigError

AuthMode = Literal["jwt", "client_credentials", "session", "password"]


class Settings(BaseSettings):
    """Everything sfsync reads from the environment."""

    model_config = SettingsConfigDict(
        env_prefix="SFSYNC_",
        env_file=None,
        env_ignore_empty=True,
        # Unknown SFSYNC_* names are caught by `unknown_settings` (with a suggestion); other
        # variables in a shared .env file belong to other tools and are left alone.
        extra="ignore",
        validate_default=True,
    )

    # --- Salesforce connection ---
    sf_auth: AuthMode = "jwt"
    sf_instance_url: str | None = None
    sf_login_url: str = "https://login.salesforce.com"
    sf_api_version: str = "62.0"
    sf_access_token: SecretStr | None = None
    sf_client_id: str | None = None
    sf_client_secret: SecretStr | None = None
    sf_username: str | None = None
    sf_private_key_file: Path | None = None
    sf_password: SecretStr | None = None
    sf_security_token: SecretStr | None = None
    sf_ca_bundle: Path | None = None
    sf_insecure_skip_tls_verify: bool = False
    # Every request: a connection within HTTP_CONNECT_TIMEOUT_SECONDS, no more than
    # HTTP_TIMEOUT_SECONDS of silence while waiting for the answer, and at most
    # REQUEST_DEADLINE_SECONDS for all its attempts and backoff together.
    http_connect_timeout_seconds: float = Field(default=10.0, gt=0)
    http_timeout_seconds: float = Field(default=60.0, gt=0)
    request_deadline_seconds: float = Field(default=180.0, gt=0)

    # --- what to compute and where to keep state ---
    definition: Path = Path("mappings/default.yaml")
    state_path: Path = Path("var/sfsync.sqlite3")

    # --- how much to spend ---
    api_budget_pct: float = Field(default=25.0, gt=0, le=100)
    bulk_read_threshold: PositiveInt = 10_000
    bulk_write_threshold: PositiveInt = 2_000
    # Bulk API 2.0 jobs: the first status poll comes this many seconds after a job starts
    # (plus its expected rows at 20,000/s); later polls wait as long as the job's age, up
    # to 30 s. Lower it only for an org that finishes jobs at once (the sandbox).
    bulk_poll_first_seconds: float = Field(default=2.0, ge=0, le=300)
    overlap_seconds: int = Field(default=300, ge=0)

    # --- daemon ---
    # Fractions are allowed (0.05 = 3 s) so tests and demos can run a daemon quickly.
    interval_minutes: float = Field(default=15, gt=0)
    nightly_at: str = "02:00"
    timezone: str = "UTC"
    health_port: int = Field(default=0, ge=0, le=65535)
    health_host: str = "127.0.0.1"
    # /readyz: the first pass (a large org's first full read) is ready this long before it
    # must have finished; afterwards a pass must succeed every three intervals.
    first_pass_grace_minutes: float = Field(default=120, ge=0)

    # --- logging ---
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @field_validator("sf_api_version")
    @classmethod
    def _api_version(cls, value: str) -> str:
        if not re.fullmatch(r"v?\d{2,3}\.0", value.strip()):
            msg = f"expected an API version like 62.0, got {value!r}"
            raise ValueError(msg)
        return value.strip()

    @field_validator("nightly_at")
    @classmethod
    def _local_time(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            msg = f"expected a 24-hour time HH:MM, e.g. 02:00, got {value!r}"
            raise ValueError(msg)
        return value

    @field_validator("timezone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            msg = f"unknown time zone {value!r} (e.g. UTC or Europe/Berlin)"
            raise ValueError(msg) from None
        return value

    @field_validator("state_path")
    @classmethod
    def _state_file(cls, value: Path) -> Path:
        if value.is_dir():
            msg = f"{value} is a directory; name a file in it, e.g. {value / 'sfsync.sqlite3'}"
            raise ValueError(msg)
        return value


def load_settings(env_file: Path | None = None, **overrides: object) -> Settings:
    """
    Build `Settings` from the environment, an optional .env file and explicit overrides.

    Raises:
        ConfigError: naming each bad variable and what it expects.
    """
    if env_file is not None and not env_file.is_file():
        msg = (
            f"--env-file {env_file}: no such file. Create it from .env.example, or drop the option."
        )
        raise ConfigError(msg)
    names: dict[str, str] = dict.fromkeys(os.environ, "environment")
    if env_file is not None:
        names.update(dict.fromkeys(env_file_names(env_file), str(env_file)))
    unknown = unknown_settings(names)
    if unknown:
        raise ConfigError(_problems("invalid settings", unknown))
    try:
        return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg,arg-type]
    except ValidationError as exc:
        in_environment = {name.upper() for name in os.environ}
        problems = []
        for err in exc.errors():
            name = "SFSYNC_" + "_".join(str(p) for p in err["loc"]).upper()
            # The environment wins over the file, so a value set in both came from it.
            if name in in_environment:
                source = " (set in the environment)"
            elif env_file is not None:
                source = f" (set in {env_file})"
            else:
                source = ""
            problems.append(f"{name}: {err['msg'].removeprefix('Value error, ')}{source}")
        raise ConfigError(_problems("invalid settings", problems)) from None


def missing_settings_hint(env_file: Path | None, *, cwd: Path | None = None) -> str:
    """
    Where to set settings that are missing: the `--env-file` in use, or, without one, the
    flag and the `.env` file (which sfsync never reads unless it is named).
    """
    if env_file is not None:
        return f"set them in {env_file} or in the environment"
    here = cwd or Path.cwd()
    if (here / ".env").is_file():
        return (
            "no --env-file was given (sfsync reads a .env file only when named): "
            "run `sfsync --env-file .env …`"
        )
    return (
        "no --env-file was given: create one from .env.example (`cp .env.example .env`) and "
        "run `sfsync --env-file .env …`, or export the SFSYNC_* variables"
    )


def _problems(head: str, problems: list[str]) -> str:
    """One line for one problem; a list for several."""
    if len(problems) == 1:
        return f"{head}: {problems[0]}"
    return head + ":\n  - " + "\n  - ".join(problems)


def env_file_names(env_file: Path) -> list[str]:
    """
    The variable names an --env-file sets.

    Raises:
        ConfigError: the file is not UTF-8 text, or a line is not `NAME=value` (named by
            its number only: the line may hold a secret).
    """
    try:
        text = env_file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        msg = (
            f"--env-file {env_file}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at"
            f" offset {exc.start}); save it as UTF-8"
        )
        raise ConfigError(msg) from None
    except OSError as exc:
        raise ConfigError(f"--env-file {env_file}: cannot read it ({exc.strerror})") from None
    names, bad = [], []
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            bad.append(str(binding.original.line))
        elif binding.key:
            names.append(binding.key)
    if bad:
        lines = ("lines " if len(bad) > 1 else "line ") + ", ".join(bad)
        msg = f"--env-file {env_file}: {lines}: not NAME=value (an unclosed quote?); fix or delete"
        raise ConfigError(msg)
    return names


def unknown_settings(names: Mapping[str, str]) -> list[str]:
    """
    Name every SFSYNC_* variable that is not a setting, with where it came from and the
    closest real name, so a typo in .env fails at start-up instead of being ignored.
    """
    known = {f"SFSYNC_{field.upper()}" for field in Settings.model_fields}
    problems = []
    for name, source in sorted(names.items()):
        upper = name.upper()
        if upper.startswith("SFSYNC_") and upper not in known:
            close = difflib.get_close_matches(upper, sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else "; see .env.example for the names"
            problems.append(f"{name} (from {source}): unknown setting{hint}")
    return problems

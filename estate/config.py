"""Settings from the environment: the one place that reads ``ESTATE_*`` variables.

Nothing reads settings at import time; callers build a :class:`Settings` with
:meth:`Settings.from_env` when they start (a CLI command, ``create_app``, a test
fixture) and pass it down. That keeps tests free to build their own settings and
keeps the domain free of global state.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from estate.errors import ConfigError

PREFIX = "ESTATE_"


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(PREFIX + name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name} must be a number, not {raw!r}") from None


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = _float(env, name, default)
    if value != int(value):
        raise ConfigError(f"{PREFIX}{name} must be a whole number, not {value!r}")
    return int(value)


def _str(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(PREFIX + name)
    return raw.strip() or None if raw is not None else None


def _path(env: Mapping[str, str], name: str) -> Path | None:
    raw = _str(env, name)
    return Path(raw) if raw else None


@dataclass(frozen=True)
class Settings:
    """Every setting of estate, with its default.

    Attributes
    ----------
    database_url
        SQLAlchemy URL of the PostGIS database. ``None`` means the embedded
        default: a private cluster under :attr:`home`, started on demand.
    home
        Folder of the embedded cluster and other local state (``./.estate``).
    secret_key
        Flask session signing key. The development default is refused by the
        web app when ``ESTATE_ENV=production``.
    postcode_lookup
        A postcode lookup file (ONSPD, NSPL, Code-Point Open or postcode,easting,northing)
        used to place records that have a postcode but no coordinates.
    locality_boundary
        A polygon file of the locality; points outside it are flagged on load.
    tile_url
        Basemap tile URL template (``https://.../{z}/{x}/{y}.png``); none by
        default, since council networks often reach no tile server.
    """

    database_url: str | None = None
    home: Path = field(default_factory=lambda: Path(".estate"))
    env: str = "development"
    secret_key: str = "dev-only-not-secret"
    tile_url: str | None = None
    tile_attribution: str = ""
    colocation_distance_m: float = 250.0
    relocation_distance_m: float = 2000.0
    nia_per_fte_m2: float = 8.0
    discount_rate: float = 0.035
    horizon_years: int = 10
    log_level: str = "WARNING"
    postcode_lookup: Path | None = None
    locality_boundary: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build the settings from ``ESTATE_*`` variables (``os.environ`` by default)."""
        env = os.environ if env is None else env
        settings = cls(
            database_url=_str(env, "DATABASE_URL"),
            home=Path(_str(env, "HOME") or ".estate"),
            env=_str(env, "ENV") or "development",
            secret_key=_str(env, "SECRET_KEY") or cls.secret_key,
            tile_url=_str(env, "TILE_URL"),
            tile_attribution=_str(env, "TILE_ATTRIBUTION") or "",
            colocation_distance_m=_float(env, "COLOCATION_DISTANCE_M", cls.colocation_distance_m),
            relocation_distance_m=_float(env, "RELOCATION_DISTANCE_M", cls.relocation_distance_m),
            nia_per_fte_m2=_float(env, "NIA_PER_FTE_M2", cls.nia_per_fte_m2),
            discount_rate=_float(env, "DISCOUNT_RATE", cls.discount_rate),
            horizon_years=_int(env, "HORIZON_YEARS", cls.horizon_years),
            log_level=(_str(env, "LOG_LEVEL") or "WARNING").upper(),
            postcode_lookup=_path(env, "POSTCODE_LOOKUP"),
            locality_boundary=_path(env, "LOCALITY_BOUNDARY"),
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse values that cannot be right, with the variable to fix."""
        if self.colocation_distance_m <= 0:
            raise ConfigError("ESTATE_COLOCATION_DISTANCE_M must be greater than 0")
        if self.relocation_distance_m <= 0:
            raise ConfigError("ESTATE_RELOCATION_DISTANCE_M must be greater than 0")
        if self.nia_per_fte_m2 <= 0:
            raise ConfigError("ESTATE_NIA_PER_FTE_M2 must be greater than 0")
        if not 0 <= self.discount_rate < 1:
            raise ConfigError("ESTATE_DISCOUNT_RATE is a fraction: 0.035 for 3.5%")
        if self.horizon_years < 1:
            raise ConfigError("ESTATE_HORIZON_YEARS must be at least 1")
        if self.env == "production" and self.secret_key == Settings.secret_key:
            raise ConfigError("set ESTATE_SECRET_KEY to a long random value in production")

    def with_(self, **changes: object) -> Settings:
        """A copy with some settings changed (for tests and CLI options)."""
        return replace(self, **changes)

    @classmethod
    def names(cls) -> list[str]:
        """The environment variable of every setting, for documentation checks."""
        return [PREFIX + f.name.upper() for f in fields(cls)]

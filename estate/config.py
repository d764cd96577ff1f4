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


def dotenv_file(path: Path) -> dict[str, str]:
    """The ``ESTATE_*`` variables set in a ``.env`` file (none when there is no file)."""
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if k.startswith(PREFIX) and v is not None}


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


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (_str(env, name) or "").lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{PREFIX}{name} must be true or false, not {raw!r}")


def _words(env: Mapping[str, str], name: str) -> tuple[str, ...] | None:
    raw = _str(env, name)
    if raw is None or raw.lower() == "all":
        return None
    return tuple(w.strip() for w in raw.split(",") if w.strip())


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
    public_view
        When true, people who have not signed in may read the map, the API and OGC API
        (never edit, the club, audit or downloads); they see what any partner sees of
        another body's assets. Off by default: every route needs a sign-in.
    secure_cookies
        Mark the session cookie ``Secure`` (sent over HTTPS only). On by default in
        production, off in development, where the server is plain http on 127.0.0.1.
    shared_fields
        The asset fields one body's users see of another body's assets (``None``: all).
        ePIMS showed other departments only name, address, floor area and holding:
        ``ESTATE_SHARED_FIELDS=name,address,town,postcode,gia_m2,nia_m2,holding,tenure``.
    sensitive_cell_m
        A sensitive asset reaches other bodies only as the centre of a square of this
        many metres, with no name, address or reference.
    tile_url
        Basemap tile URL template (``https://.../{z}/{x}/{y}.png``); none by
        default, since council networks often reach no tile server.
    basemap_file
        A local MBTiles file of raster tiles (PNG or JPEG) that the app serves itself as
        the map's basemap (``/tiles/{z}/{x}/{y}.png``), for streets without internet;
        it wins over :attr:`tile_url`. Its credit is :attr:`tile_attribution`, else the
        file's own ``attribution``.
    max_file_mb, max_columns, max_rows, max_cell_chars, max_uncompressed_mb
        The most ``estate load`` reads of one file: its size (MB, a million bytes), its
        columns, its rows, the characters of one cell, and what one part of an archive
        (a zip's member, a workbook's sheet) holds once uncompressed. A file past one is
        refused in one line naming the limit and its variable, before it fills memory.
        The defaults are far above any real register (the largest published ones are a
        few MB, 130 columns and 1,500 rows); the uncompressed limit is the lowest,
        since a workbook's sheet is held whole in memory while it is read.
    relocation_cost_per_fte, refit_cost_per_m2, sale_cost_share
        A new scenario's one-off costs and costs of sale, as a finance team would start
        (moving one FTE £2,500; refitting each m² the movers need £350; agents' and
        legal costs 2% of the receipt); with ``discount_rate`` (HM Treasury Green Book
        3.5%) and ``horizon_years`` (10) they are the documented defaults every new
        scenario shows and a person then edits.
    trusted_proxies
        How many proxies stand in front of the web app (0 by default: none). With one or
        more, the client's address is read from ``X-Forwarded-For`` (the sign-in limits
        count failures by it), as far back as that many proxies wrote it; without, the
        header is ignored, since anyone can send it.
    surplus_offer_days
        How many working days (Monday to Friday, bank holidays of England and Wales
        aside) an asset declared surplus is offered to the other bodies before it may go
        to the open market (:mod:`estate.surplus`). ePIMS's rule was 40.
    smtp_host, smtp_port, mail_from
        The mail server that ``estate notify`` and password resets send through, and the
        sender they name. No host (the default): nothing is mailed; a reset link is shown
        to the admin who made it instead.
    base_url
        The shared map's address as people reach it (``https://estate.example.org``), for
        the links in mails; none by default (a mail then names the page's path only).
    """

    database_url: str | None = None
    home: Path = field(default_factory=lambda: Path(".estate"))
    env: str = "development"
    secret_key: str = "dev-only-not-secret"
    tile_url: str | None = None
    tile_attribution: str = ""
    basemap_file: Path | None = None
    colocation_distance_m: float = 250.0
    relocation_distance_m: float = 2000.0
    nia_per_fte_m2: float = 8.0
    discount_rate: float = 0.035
    horizon_years: int = 10
    relocation_cost_per_fte: float = 2500.0
    refit_cost_per_m2: float = 350.0
    sale_cost_share: float = 0.02
    log_level: str = "WARNING"
    postcode_lookup: Path | None = None
    locality_boundary: Path | None = None
    public_view: bool = False
    secure_cookies: bool | None = None
    shared_fields: tuple[str, ...] | None = None
    sensitive_cell_m: float = 1000.0
    max_file_mb: float = 200.0
    max_columns: int = 2000
    max_rows: int = 1_000_000
    max_cell_chars: int = 100_000
    max_uncompressed_mb: float = 500.0
    trusted_proxies: int = 0
    surplus_offer_days: int = 40
    smtp_host: str | None = None
    smtp_port: int = 25
    mail_from: str = "estate@localhost"
    base_url: str | None = None

    @property
    def cookies_secure(self) -> bool:
        """Whether session cookies are marked Secure: as set, else only in production (a development
        server speaks plain HTTP, where a Secure cookie would never come back)."""
        return self.env == "production" if self.secure_cookies is None else self.secure_cookies

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build the settings from ``ESTATE_*`` variables: ``os.environ`` by default, over
        a ``.env`` file in the current folder (a variable set in the environment wins, as
        with every twelve-factor tool, so a deployment can override a checked-in file)."""
        if env is None:
            env = {**dotenv_file(Path(".env")), **os.environ}
        settings = cls(
            database_url=_str(env, "DATABASE_URL"),
            home=Path(_str(env, "HOME") or ".estate"),
            env=_str(env, "ENV") or "development",
            secret_key=_str(env, "SECRET_KEY") or cls.secret_key,
            tile_url=_str(env, "TILE_URL"),
            tile_attribution=_str(env, "TILE_ATTRIBUTION") or "",
            basemap_file=_path(env, "BASEMAP_FILE"),
            colocation_distance_m=_float(env, "COLOCATION_DISTANCE_M", cls.colocation_distance_m),
            relocation_distance_m=_float(env, "RELOCATION_DISTANCE_M", cls.relocation_distance_m),
            nia_per_fte_m2=_float(env, "NIA_PER_FTE_M2", cls.nia_per_fte_m2),
            discount_rate=_float(env, "DISCOUNT_RATE", cls.discount_rate),
            horizon_years=_int(env, "HORIZON_YEARS", cls.horizon_years),
            relocation_cost_per_fte=_float(
                env, "RELOCATION_COST_PER_FTE", cls.relocation_cost_per_fte
            ),
            refit_cost_per_m2=_float(env, "REFIT_COST_PER_M2", cls.refit_cost_per_m2),
            sale_cost_share=_float(env, "SALE_COST_SHARE", cls.sale_cost_share),
            log_level=(_str(env, "LOG_LEVEL") or "WARNING").upper(),
            postcode_lookup=_path(env, "POSTCODE_LOOKUP"),
            locality_boundary=_path(env, "LOCALITY_BOUNDARY"),
            public_view=_bool(env, "PUBLIC_VIEW", False),
            secure_cookies=(
                _bool(env, "SECURE_COOKIES", False) if _str(env, "SECURE_COOKIES") else None
            ),
            shared_fields=_words(env, "SHARED_FIELDS"),
            sensitive_cell_m=_float(env, "SENSITIVE_CELL_M", cls.sensitive_cell_m),
            max_file_mb=_float(env, "MAX_FILE_MB", cls.max_file_mb),
            max_columns=_int(env, "MAX_COLUMNS", cls.max_columns),
            max_rows=_int(env, "MAX_ROWS", cls.max_rows),
            max_cell_chars=_int(env, "MAX_CELL_CHARS", cls.max_cell_chars),
            max_uncompressed_mb=_float(env, "MAX_UNCOMPRESSED_MB", cls.max_uncompressed_mb),
            trusted_proxies=_int(env, "TRUSTED_PROXIES", cls.trusted_proxies),
            surplus_offer_days=_int(env, "SURPLUS_OFFER_DAYS", cls.surplus_offer_days),
            smtp_host=_str(env, "SMTP_HOST"),
            smtp_port=_int(env, "SMTP_PORT", cls.smtp_port),
            mail_from=_str(env, "MAIL_FROM") or cls.mail_from,
            base_url=_str(env, "BASE_URL"),
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
        if self.relocation_cost_per_fte < 0 or self.refit_cost_per_m2 < 0:
            raise ConfigError(
                "ESTATE_RELOCATION_COST_PER_FTE and ESTATE_REFIT_COST_PER_M2 cannot be negative"
            )
        if not 0 <= self.sale_cost_share < 1:
            raise ConfigError("ESTATE_SALE_COST_SHARE is a fraction: 0.02 for 2%")
        if self.sensitive_cell_m < 100:
            raise ConfigError("ESTATE_SENSITIVE_CELL_M must be at least 100 (metres)")
        for name in ("max_file_mb", "max_columns", "max_rows", "max_cell_chars",
                     "max_uncompressed_mb"):  # fmt: skip
            if getattr(self, name) <= 0:
                raise ConfigError(f"{PREFIX}{name.upper()} must be greater than 0")
        if not 0 <= self.trusted_proxies <= 10:
            raise ConfigError(
                "ESTATE_TRUSTED_PROXIES is how many proxies stand in front of the app: 0 to 10"
            )
        if not 1 <= self.surplus_offer_days <= 260:
            raise ConfigError("ESTATE_SURPLUS_OFFER_DAYS is a number of working days: 1 to 260")
        if not 1 <= self.smtp_port <= 65535:
            raise ConfigError("ESTATE_SMTP_PORT must be a port number, 1 to 65535")
        if self.basemap_file is not None and self.basemap_file.suffix.lower() != ".mbtiles":
            raise ConfigError(
                "ESTATE_BASEMAP_FILE is an MBTiles file of raster tiles (name ending .mbtiles)"
            )
        if self.shared_fields is not None:
            from estate.sharing import SHAREABLE

            unknown = sorted(set(self.shared_fields) - set(SHAREABLE))
            if unknown:
                raise ConfigError(
                    f"ESTATE_SHARED_FIELDS: unknown field {unknown[0]!r}; "
                    f"fields are: {', '.join(SHAREABLE)}"
                )
        if self.env == "production" and self.secret_key == Settings.secret_key:
            raise ConfigError("set ESTATE_SECRET_KEY to a long random value in production")

    def with_(self, **changes: object) -> Settings:
        """A copy with some settings changed (for tests and CLI options)."""
        return replace(self, **changes)

    @classmethod
    def names(cls) -> list[str]:
        """The environment variable of every setting, for documentation checks."""
        return [PREFIX + f.name.upper() for f in fields(cls)]

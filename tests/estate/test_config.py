"""Settings from the environment, and their documentation."""

from __future__ import annotations

from pathlib import Path

import pytest

from estate.config import Settings
from estate.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_defaults_without_any_variable():
    settings = Settings.from_env({})
    assert settings.database_url is None
    assert settings.home == Path(".estate")
    assert settings.colocation_distance_m == 250.0
    assert settings.relocation_distance_m == 2000.0
    assert settings.discount_rate == 0.035
    assert settings.tile_url is None


def test_variables_are_read_and_typed():
    settings = Settings.from_env(
        {
            "ESTATE_DATABASE_URL": "postgresql://u@h/db",
            "ESTATE_COLOCATION_DISTANCE_M": "400",
            "ESTATE_HORIZON_YEARS": "25",
            "ESTATE_TILE_URL": "https://tiles.example/{z}/{x}/{y}.png",
        }
    )
    assert settings.database_url == "postgresql://u@h/db"
    assert settings.colocation_distance_m == 400.0
    assert settings.horizon_years == 25
    assert settings.tile_url.endswith("{y}.png")


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"ESTATE_COLOCATION_DISTANCE_M": "near"}, "ESTATE_COLOCATION_DISTANCE_M must be a number"),
        ({"ESTATE_COLOCATION_DISTANCE_M": "-5"}, "must be greater than 0"),
        ({"ESTATE_DISCOUNT_RATE": "3.5"}, "a fraction: 0.035 for 3.5%"),
        ({"ESTATE_HORIZON_YEARS": "2.5"}, "must be a whole number"),
        ({"ESTATE_ENV": "production"}, "set ESTATE_SECRET_KEY"),
    ],
)
def test_bad_values_are_refused_with_the_variable_to_fix(variables, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(variables)


def test_env_example_documents_every_setting():
    text = (PROJECT_ROOT / ".env.example").read_text()
    missing = [name for name in Settings.names() if name not in text]
    assert missing == []

"""The deployment files are valid: the systemd units for systemd (this checkout standing in for /srv/doorstep), the
nginx site for ``nginx -t`` without a warning, and the settings file names every key production needs.

tests/deploy/test_servers.py runs the nginx site and both units' commands for real.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bench.common import free_port
from bench.stack import (
    WEB_UNIT,
    WORKER_UNIT,
    env_file,
    main_config,
    nginx_test,
    self_signed_certificate,
    site_config,
    unit_for_here,
)
from tests.fixtures.app import REQUIRE_SERVERS


@pytest.mark.subprocess
@pytest.mark.parametrize(("unit", "instance"), [(WEB_UNIT, ""), (WORKER_UNIT, "1")], ids=["web", "outbox worker"])
def test_systemd_accepts_the_unit(unit: Path, instance: str, tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        if REQUIRE_SERVERS:
            pytest.fail("systemd-analyze is not installed", pytrace=False)
        pytest.skip("systemd-analyze is not installed")
    copy = unit_for_here(unit, tmp_path, instance)
    checked = subprocess.run(["systemd-analyze", "verify", "--man=no", str(copy)], capture_output=True, text=True,
                             timeout=60)
    assert checked.returncode == 0 and checked.stderr == "", checked.stderr


@pytest.mark.subprocess
def test_nginx_takes_the_shipped_site_without_a_warning(tmp_path: Path) -> None:
    missing = [tool for tool in ("nginx", "openssl")
               if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists()]
    if missing:
        if REQUIRE_SERVERS:
            pytest.fail(f"not installed: {', '.join(missing)}", pytrace=False)
        pytest.skip(f"not installed: {', '.join(missing)}")
    self_signed_certificate(tmp_path)
    for folder in ("cache", "acme"):
        (tmp_path / folder).mkdir()
    site = site_config([free_port()], free_port(), free_port(), tmp_path)
    checked = nginx_test(main_config(tmp_path, site), tmp_path)
    assert checked.returncode == 0 and "test is successful" in checked.stderr, checked.stderr
    assert "[warn]" not in checked.stderr and "deprecated" not in checked.stderr, checked.stderr


def test_the_settings_file_names_every_key_production_needs() -> None:
    """Keys that must be set once and kept: without them the app falls back on keys derived from the secret key,
    which change with it (unsubscribes forgotten, calendar passwords and two-factor secrets unreadable)."""
    values = env_file()
    for key in ("DOORSTEP_SECRET_KEY", "DOORSTEP_ADDRESS_HASH_KEY", "DOORSTEP_CALENDAR_KEY", "DATABASE_URL",
                "DOORSTEP_SITE_URL", "DOORSTEP_RATELIMIT_STORAGE", "DOORSTEP_TRUSTED_PROXIES"):
        assert values.get(key), f"deploy/doorstep.env does not set {key}"


def test_the_shipped_placeholder_calendar_key_stops_the_start_with_how_to_make_one(tmp_path: Path) -> None:
    from cryptography.fernet import Fernet

    from leads.config import ConfigError, load_config

    placeholder = env_file()["DOORSTEP_CALENDAR_KEY"]
    with pytest.raises(ConfigError, match="Fernet.generate_key"):
        load_config(str(tmp_path), {"CALENDAR_KEY": placeholder, "SECRET_KEY": "x"})
    real = Fernet.generate_key().decode()
    assert load_config(str(tmp_path), {"CALENDAR_KEY": real, "SECRET_KEY": "x"})["CALENDAR_KEY"] == real

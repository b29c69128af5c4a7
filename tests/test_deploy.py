"""The systemd units in deploy/ are valid for systemd, with this checkout standing in for /srv/doorstep.

nginx's site file is checked (``nginx -t``) and run by tests/test_servers.py, which also runs both units' commands.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bench.stack import WEB_UNIT, WORKER_UNIT, unit_for_here
from tests.conftest import REQUIRE_SERVERS


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

"""`countyinno` answers --help without Django, and passes everything else to the right place."""

import subprocess
import sys
from pathlib import Path

CLI = str(Path(sys.executable).with_name("countyinno"))


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)


def test_help_is_immediate_and_lists_every_engine_command():
    result = run("--help")
    assert result.returncode == 0
    for command in ("index", "rules", "contracts", "dispatch", "market", "migrate"):
        assert command in result.stdout
    probe = subprocess.run([sys.executable, "-X", "importtime", "-c",
                            "import sys; from countyinno.cli import main; sys.exit(main(['--help']))"],
                           capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0
    assert "django" not in probe.stderr and "pandas" not in probe.stderr  # nothing heavy is imported


def test_platform_commands_still_go_to_django():
    result = run("help")
    assert result.returncode == 0 and "migrate" in result.stdout and "demo" in result.stdout

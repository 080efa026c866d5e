"""The layer contract (pyproject.toml [tool.importlinter]) runs with the suite.

engines ← core ← regions ← accounts ← monitoring ← (techmarket | contracts | talent | enterprises) ← rural
← portal; the engines import neither Django nor any platform module; no import cycle inside an app,
counting imports inside functions."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout

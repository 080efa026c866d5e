"""`countyinno …` — one command for every admin task.

Pure engine commands (`countyinno index …`, later `market`, `dispatch`, `rules`, `contracts`) run
without Django; everything else is a Django management command (`countyinno migrate`,
`countyinno demo`, `countyinno load_regions`, `countyinno jobs`, …).
"""

from __future__ import annotations

import os
import sys

# Subcommands served by pure-Python engines: name -> "module:function(argv) -> exit code".
ENGINE_COMMANDS: dict[str, str] = {
    "index": "countyinno.engines.composite.cli:main",
    "rules": "countyinno.engines.rules.cli:main",
    "contracts": "countyinno.engines.rules.cli:contracts_main",
    "dispatch": "countyinno.engines.dispatch.cli:main",
    "market": "countyinno.engines.matching.cli:main",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ENGINE_COMMANDS:
        module_name, func_name = ENGINE_COMMANDS[argv[0]].split(":")
        import importlib

        return int(getattr(importlib.import_module(module_name), func_name)(argv[1:]) or 0)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyinno.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["countyinno", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())

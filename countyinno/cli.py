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


OVERVIEW = """usage: countyinno <command> [options]

县域创新驱动发展服务与监测平台 — CountyInno

Engine commands (pure Python, no database):
  index       composite index: run a pipeline, uncertainty analysis        countyinno index --help
  rules       policy rule engines: hightech | tsme | superdeduction          countyinno rules --help
  contracts   technology-contract registration rules                        countyinno contracts --help
  dispatch    科技特派员 dispatch optimiser                                  countyinno dispatch --help
  market      retrieval evaluation of the matching engine (BEIR)            countyinno market --help

Platform commands (Django):
  migrate, demo, load_regions --province NN, jobs list|show|submit|wait, backup, restore,
  createsuperuser, check --deploy, compile_translations, …  — all of them: countyinno help
"""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(OVERVIEW)  # answered without importing Django or any engine
        return 0
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

"""Performance runs, not tests: ``python -m benchmarks <name> [args]``.

Each benchmark is a module ``benchmarks/<name>.py`` with a ``main(argv: list[str]) -> int``.
A benchmark compares against a reference measured in the same run and prints the ratio:
timings on a shared machine are noisy, ratios less so.
"""

import importlib
import os
import pkgutil
import sys
from pathlib import Path

# Modules that serve a benchmark rather than being one.
HELPERS = {"locustfile", "load_settings", "querycount"}


def available() -> list[str]:
    here = Path(__file__).parent
    return sorted(
        m.name
        for m in pkgutil.iter_modules([str(here)])
        if not m.name.startswith("_") and m.name not in HELPERS
    )


def main() -> int:
    names = available()
    if len(sys.argv) < 2 or sys.argv[1] not in names:
        print(f"usage: python -m benchmarks {{{'|'.join(names)}}} [args]")
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    module = importlib.import_module(f"benchmarks.{sys.argv[1]}")
    return module.main(sys.argv[2:]) or 0


if __name__ == "__main__":
    sys.exit(main())

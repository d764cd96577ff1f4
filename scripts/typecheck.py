"""Type-check ``estate/`` with mypy against a baseline that may only shrink.

The package ships ``py.typed``, so its types are a promise to callers. The code base
predates the checker, so ``scripts/mypy-baseline.txt`` holds how many errors mypy
found when it was switched on; a change that adds one fails, a change that removes
some is asked to lower the number. Run by ``make test`` (and so by CI).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scripts" / "mypy-baseline.txt"


def main() -> int:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "estate"], cwd=ROOT, capture_output=True, text=True
    )
    out = done.stdout + done.stderr
    found = re.search(r"Found (\d+) errors?", out)
    if found is None and "Success" not in out:
        print(out, file=sys.stderr)
        return 2
    errors = int(found.group(1)) if found else 0
    allowed = int(BASELINE.read_text().split()[0])
    if errors > allowed:
        print(out, file=sys.stderr)
        print(
            f"typecheck: {errors} mypy errors, more than the baseline's {allowed}", file=sys.stderr
        )
        return 1
    if errors < allowed:
        print(f"typecheck: {errors} mypy errors, fewer than {allowed}: lower {BASELINE.name}")
    else:
        print(f"typecheck: {errors} mypy errors (the baseline)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Print the project's modules as a tree, one line each: lines of code and the first line
of the module's docstring (what it holds). The layout in a closing note comes from here.

    python scripts/layout.py [estate etl web]
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def summary(path: Path) -> str:
    """The first sentence of the module docstring, or a note that it has none."""
    doc = ast.get_docstring(ast.parse(path.read_text())) or "(no docstring)"
    return " ".join(doc.split("\n\n")[0].split())[:110]


def main(folders: list[str]) -> None:
    shown: set[Path] = set()
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT)
            for level in range(1, len(relative.parts)):
                parent = Path(*relative.parts[:level])
                if parent not in shown:
                    shown.add(parent)
                    print(f"{'  ' * (level - 1)}{parent.name}/")
            depth = len(relative.parts) - 1
            lines = len(path.read_text().splitlines())
            print(f"{'  ' * depth}{relative.name:<22} {lines:>4}  {summary(path)}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["estate", "etl", "web"])

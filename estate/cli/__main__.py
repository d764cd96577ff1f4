"""``python -m estate.cli``: the ``estate`` command."""

from estate.cli import main

main()

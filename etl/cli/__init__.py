"""The ETL's commands of ``estate``: load and areas, the reports on loads, and the demo.

Registered through the ``estate.commands`` entry-point group (setup.cfg), so the
domain's CLI never imports ``etl``. The entry points name the commands as this package
exports them (``estate.etl.cli:load``), so an installed ``estate`` finds them wherever
they live inside it.

The package, by what each module holds:

- :mod:`~estate.etl.cli.loading`: ``estate load`` and ``estate areas``, and reading the
  locality's boundary and postcode lookup they load against;
- :mod:`~estate.etl.cli.matching`: ``estate match``, finishing the matching loads left
  pending;
- :mod:`~estate.etl.cli.reports`: ``estate loads``, ``problems`` (``rejections``), ``formats``,
  ``quality`` and ``matches``;
- :mod:`~estate.etl.cli.sample`: the Trafford sample locality, and loading it;
- :mod:`~estate.etl.cli.demo`: ``estate demo`` and its accounts.
"""

from estate.etl.cli.demo import demo
from estate.etl.cli.loading import areas, load
from estate.etl.cli.matching import match
from estate.etl.cli.reports import formats, loads, matches, problems, quality, rejections

__all__ = [
    "areas", "demo", "formats", "load", "loads", "match", "matches", "problems", "quality",
    "rejections",
]  # fmt: skip

"""The recogniser: which column of a file holds which raw field, by header and by values.

One recogniser serves every file. A preset layout (:mod:`estate.etl.sources`: the
transparency code, ERIC, police.uk, the fire lists, the partnership return) is the
recogniser with that layout's own headers weighted high and its own rules kept; a file in
no known layout is read by the recogniser alone.

The package, by what each module holds:

- :mod:`estate.etl.recognise.synonyms`: the one table of header words per raw field, and
  how a header is read as words;
- :mod:`estate.etl.recognise.content`: vectorised detectors of what a column's values are;
- :mod:`estate.etl.recognise.assign`: the scores and the best one-to-one assignment;
- :mod:`estate.etl.recognise.report`: the mapping said for people, kept as JSON with the
  batch, and written as a ``--mapping`` TOML file.
"""

from __future__ import annotations

from estate.etl.recognise.assign import Choice, Recognition, recognise
from estate.etl.recognise.report import mapping_lines, mapping_record, mapping_toml

__all__ = ["Choice", "Recognition", "mapping_lines", "mapping_record", "mapping_toml", "recognise"]

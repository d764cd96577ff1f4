"""Row rules shared by every source: raw text in, typed records and rejections out.

A source says where its publisher put things (:class:`estate.etl.sources.base.Extracted`);
this package decides what the text means, the same way for every publisher:

* **Rejected** (with file, row, field and a reason a person can act on): a value
  that should be a number, a date or a yes/no and is not; an asset reference that
  appears again in the same file with different details.
* **Loaded with a warning** (file, row, the file's own column, reason), the value left
  out: a number the register cannot mean or hold (negative, infinite, past its column's
  precision), a date outside 1800-2200, coordinates that place nothing; and what the
  reader warned of (a line read in another encoding, a header naming two columns alike).
* **Loaded and flagged**: a word the vocabulary does not know (kept raw), an
  unusable postcode or UPRN, coordinates that make no point (the record is loaded
  unlocated, never dropped), a point outside the locality, a point shared by several
  records (a probable centroid).
* **Merged**: a row that repeats another row of the file exactly.
* **Set aside**: a totals row ("Grand Total"), which is not a site.

Everything is vectorised over the whole file.

The package, by what each module holds:

- :mod:`estate.etl.validate.rows`: :func:`prepare`, the steps in order;
- :mod:`estate.etl.validate.context`: :class:`Context`, what a file is validated for;
- :mod:`estate.etl.validate.fields`: the fields by kind, their labels for people, and
  the asset columns each supplies;
- :mod:`estate.etl.validate.problems`: rejections, warnings and flags, collected;
- :mod:`estate.etl.validate.totals`: totals rows, set aside;
- :mod:`estate.etl.validate.organisations`: who holds each row;
- :mod:`estate.etl.validate.places`: addresses, postcodes and points;
- :mod:`estate.etl.validate.words`: the publishers' words mapped to the vocabularies;
- :mod:`estate.etl.validate.measures`: numbers, money and dates, and the values of them
  the register cannot hold;
- :mod:`estate.etl.validate.duplicates`: one asset reference on several rows.

What callers use is importable from :mod:`estate.etl.validate` itself.
"""

from __future__ import annotations

from estate.etl.validate.context import Context
from estate.etl.validate.rows import prepare

__all__ = ["Context", "prepare"]

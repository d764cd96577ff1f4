"""Writing prepared records into PostGIS: one transaction a file, COPY, set-based upsert.

This is the only package of ``etl`` that touches the database. A load:

1. takes the register's write lock (:mod:`estate.etl.register_lock`: loads write one at a
   time) and records a :class:`~estate.models.LoadBatch`;
2. adds the organisations the file names that the register does not know yet;
3. COPYs the prepared records into a temporary staging table (``ON COMMIT DROP``), and
   puts into it what the register keeps (points the file cannot better, flags about what
   the load leaves: :mod:`~estate.etl.load.keeping`);
4. upserts them into ``assets`` keyed on (organisation, source reference) in one
   ``INSERT ... ON CONFLICT DO UPDATE ... WHERE ROW(old) IS DISTINCT FROM ROW(new)``,
   so an unchanged record is not written at all and the statement's
   ``RETURNING (xmax = 0)`` tells inserts from updates (a first load of its bodies
   skips the staging table and COPYs straight into ``assets``);
5. for a body's full register as at a date, retires the body's assets the file does not
   list, links re-coded ones to the asset they were, brings back retired ones it lists
   again, and leaves alone what a newer register set when the file is older
   (:mod:`~estate.etl.load.yearly`);
6. COPYs the rejections, fills in the batch's counts and each body's register change,
   records its matching as pending (:mod:`estate.etl.pending_matches`) and commits.

Any failure rolls the whole file back (the register is as it was) and a
``failed`` batch is recorded in a transaction of its own, with the error; the database
breaking the load off is said in one line (:mod:`estate.etl.interruptions`).

The package, by what each module holds:

- :mod:`~estate.etl.load.columns`: the columns a load stages and writes, read off the
  :class:`~estate.models.Asset` model;
- :mod:`~estate.etl.load.prepared`: :class:`Prepared`, what validation hands the load;
- :mod:`~estate.etl.load.batches`: the ``load_batches`` rows, :class:`LoadResult`, the
  file's hash and a re-load answered from the last batch;
- :mod:`~estate.etl.load.transaction`: :func:`write`, the steps in one transaction;
- :mod:`~estate.etl.load.copying`: the staging table and COPY;
- :mod:`~estate.etl.load.ewkb`: points and footprints as the EWKB text COPY takes;
- :mod:`~estate.etl.load.first_load`: the direct COPY of a first load, and the bulk
  rebuild of the indexes;
- :mod:`~estate.etl.load.staged`: SQL expressions of a staged row's values;
- :mod:`~estate.etl.load.keeping`: the points and flags a load keeps of the register;
- :mod:`~estate.etl.load.upsert`: the set-based upsert from staging;
- :mod:`~estate.etl.load.conflicts`: conflicts with web edits;
- :mod:`~estate.etl.load.audit`: the audit events of a load;
- :mod:`~estate.etl.load.register_dates`: full or partial register, and its as-at date;
- :mod:`~estate.etl.load.predecessors`: re-coded assets linked to the asset they were;
- :mod:`~estate.etl.load.retire`: retiring, bringing back, and older files;
- :mod:`~estate.etl.load.changes`: each body's change, counted, stored and said;
- :mod:`~estate.etl.load.yearly`: those steps in their order around the upsert.

What callers use is imported here.
"""

from estate.etl.load.batches import LoadResult, file_sha256, reuse_unchanged
from estate.etl.load.columns import EXTRA_PREFIX, STAGING_COLUMNS
from estate.etl.load.first_load import BULK_MIN_ROWS
from estate.etl.load.prepared import Prepared, Progress
from estate.etl.load.transaction import write

__all__ = [
    "BULK_MIN_ROWS",
    "EXTRA_PREFIX",
    "STAGING_COLUMNS",
    "LoadResult",
    "Prepared",
    "Progress",
    "file_sha256",
    "reuse_unchanged",
    "write",
]

"""The "since you last looked" page at a region's scale (issue 17).

* ``updates_page``: ``GET /updates`` through the application (sign-in, sharing, every
  query, the template) for a council editor of the synthetic estate of N assets, with
  about 1,000 things new since their last look: 300 surplus sites of other bodies, 300
  answers to 100 of the council's own surplus entries, 200 club offers near its 20 needs,
  100 partners' returns, 100 lease events of its own and 100 conflicts. The look is
  forgotten before each request, so each one gathers everything anew. The fastest of
  ten warm requests, against the 100 ms target; the median is in the details.
"""

from __future__ import annotations

import statistics
import time

from sqlalchemy import text

from bench.benchmarks_analysis import _estate_engine
from bench.run import benchmark

PASSWORD = "a long bench password"

SEED = """
WITH owner AS (SELECT organisation_id AS id FROM assets GROUP BY 1 ORDER BY count(*) DESC LIMIT 1)
INSERT INTO surplus_entries (asset_id, organisation_id, offered_on, ends_on, notes)
SELECT a.id, a.organisation_id, current_date, current_date + 56, 'bench'
FROM (SELECT a.*, row_number() OVER (PARTITION BY (a.organisation_id = (SELECT id FROM owner))
                                     ORDER BY a.id) AS k
      FROM assets a) a
WHERE (a.organisation_id <> (SELECT id FROM owner) AND a.k <= 300)
   OR (a.organisation_id = (SELECT id FROM owner) AND a.k <= 100)
"""


def _seed(engine) -> tuple[int, str]:
    """The council editor's id and username, and the events since their look."""
    from estate import accounts

    with engine.begin() as conn:
        conn.execute(text("TRUNCATE surplus_responses, surplus_entries, club_offers, club_needs,"
                          " edit_conflicts, password_resets RESTART IDENTITY CASCADE"))  # fmt: skip
        conn.execute(text("DELETE FROM load_batches WHERE source_file = 'bench-updates'"))
        conn.execute(text("DELETE FROM sessions"))
        conn.execute(text("DELETE FROM audit_events WHERE user_id IS NOT NULL"))
        conn.execute(text("DELETE FROM users WHERE username = 'bench-updates'"))
        owner, code = conn.execute(
            text("SELECT o.id, o.code FROM organisations o JOIN assets a ON a.organisation_id"
                 " = o.id GROUP BY o.id ORDER BY count(*) DESC LIMIT 1")
        ).one()  # fmt: skip
        account = accounts.add(conn, "bench-updates", code, "editor", PASSWORD)
        conn.execute(text(SEED))
        conn.execute(text("""
            INSERT INTO surplus_responses (entry_id, organisation_id, interested, note)
            SELECT e.id, o.id, (e.id + o.id) % 2 = 0, 'bench'
            FROM surplus_entries e CROSS JOIN organisations o
            WHERE e.organisation_id = :owner AND o.id <> :owner
            LIMIT 300"""), {"owner": owner})  # fmt: skip
        conn.execute(text("""
            INSERT INTO club_needs (organisation_id, title, min_m2, geom, radius_m, needed_by)
            SELECT :owner, 'need ' || a.id, 50, a.geom, 5000, current_date + 200
            FROM assets a WHERE a.organisation_id = :owner AND a.geom IS NOT NULL
            ORDER BY a.id LIMIT 20"""), {"owner": owner})  # fmt: skip
        conn.execute(text("""
            INSERT INTO club_offers (organisation_id, kind, title, area_m2, geom, available_from)
            SELECT a.organisation_id, 'space', 'offer ' || a.id, 500, a.geom, current_date
            FROM club_needs n JOIN LATERAL (
                SELECT * FROM assets a WHERE a.organisation_id <> :owner AND a.geom IS NOT NULL
                ORDER BY a.geom <-> n.geom LIMIT 10) a ON true"""), {"owner": owner})  # fmt: skip
        conn.execute(text("""
            INSERT INTO load_batches (source_file, source_format, organisation_id, status,
                                      finished_at, rows_read, rows_inserted, rows_updated)
            SELECT 'bench-updates', 'csv', o.id, 'committed', now(), 1000, 10, 20
            FROM organisations o CROSS JOIN generate_series(1, 40) g
            WHERE o.id <> :owner LIMIT 100"""), {"owner": owner})  # fmt: skip
        conn.execute(text("""
            UPDATE assets SET lease_break = current_date + 300 + (id % 300)::int
            WHERE id IN (SELECT id FROM assets WHERE organisation_id = :owner
                         ORDER BY id LIMIT 100)"""), {"owner": owner})  # fmt: skip
        conn.execute(text("""
            INSERT INTO edit_conflicts (asset_id, field, web_value, file_value)
            SELECT id, 'name', '"web"', '"file"' FROM assets
            WHERE organisation_id = :owner ORDER BY id DESC LIMIT 100"""),
            {"owner": owner},
        )  # fmt: skip
        conn.execute(text("ANALYZE"))
    return account.id, account.username


@benchmark("updates_page", sizes=(100_000,))
def updates_page(n: int):
    from estate.config import Settings
    from estate.web import create_app

    engine = _estate_engine(n)
    user_id, username = _seed(engine)
    app = create_app(Settings(), engine=engine)
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = page.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    signed = client.post(
        "/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    assert signed.status_code == 302, signed.get_data(as_text=True)[:300]
    times, counts = [], []
    for _ in range(12):
        with engine.begin() as conn:
            conn.execute(text("UPDATE users SET last_looked_at = NULL WHERE id = :u"),
                         {"u": user_id})  # fmt: skip
        started = time.perf_counter()
        response = client.get("/updates")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
        counts.append(response.get_data(as_text=True).count("<li>"))
    warm = times[2:]
    details = {"median_s": statistics.median(warm), "items_listed": counts[-1], "unit": "s"}
    print(f"  (updates page: {counts[-1]} items listed, median {details['median_s'] * 1000:.0f}"
          f" ms, fastest {min(warm) * 1000:.0f} ms)", flush=True)  # fmt: skip
    return min(warm), {"100 ms target": 0.1}, details

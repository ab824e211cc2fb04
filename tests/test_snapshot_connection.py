"""The one shared snapshot connection under Streamlit's threads: sessions reading at once
while a load publishes a new snapshot get whole answers, old or new, and then the new one.
"""

from __future__ import annotations

import threading
from pathlib import Path

from etl.write.load import load_paths
from metrics import snapshot
from tests.test_metrics_kpis import build_store, write_returns

# The tiny council's May caseloads return has 6 workers (W1-W6); June's below has 2.
MAY_ROWS, ALL_ROWS = 6, 8
JUNE = {
    "caseloads_2021-06.csv": (
        "worker_id,team,role,fte,agency,caseload\nW1,Team A,QSW,1,N,30\nW4,Team B,QSW,1,N,22\n"
    )
}


def test_threads_share_the_connection_and_see_the_new_snapshot(tmp_path: Path) -> None:
    db = build_store(tmp_path)
    seen: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def session(number: int) -> None:
        query = 0
        while not stop.is_set() or query < 20:
            query += 1  # a different statement each time, so none is served from the cache
            sql = f"SELECT count(*) - {number * 1000 + query} AS n FROM caseloads"
            try:
                frame = snapshot.read(db, sql)
                seen.append(int(frame["n"].iloc[0]) + number * 1000 + query)
            except BaseException as error:  # reported by the assertion below
                errors.append(error)
                return

    threads = [threading.Thread(target=session, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    results = load_paths(db, write_returns(tmp_path / "june", JUNE))
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert all(r.ok for r in results)
    assert errors == []
    assert len(seen) >= 80 and set(seen) <= {MAY_ROWS, ALL_ROWS}
    # Once the load has published, the next read is the new snapshot's, not the held one's.
    assert snapshot.read(db, "SELECT count(*) AS n FROM caseloads")["n"].iloc[0] == ALL_ROWS

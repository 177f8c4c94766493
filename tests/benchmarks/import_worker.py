"""One importer for the import benchmark: ``python -m tests.benchmarks.import_worker URL DATA_DIR FP PKG...``.

URL empty: the encrypted SQLite store in DATA_DIR; else the PostgreSQL database at URL (this PC's folder
DATA_DIR). Imports the packages in order (no copy before each: the import's own work is measured) and
fails on any refusal.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from argon2 import PasswordHasher


def main(argv: list[str]) -> int:
    url, data_dir, fingerprints, *packages = argv
    from desktop_app.services import accounts, encryption, sync
    from desktop_app.services.store import Store
    from tests.helpers.accounts import ADMIN_PASSWORD

    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # noqa: SLF001 - as in the tests
    if url:
        store = Store.open(Path(data_dir), user="督导员", url=url)
        accounts.sign_in(store, "督导员", ADMIN_PASSWORD)
    else:
        store = encryption.unlock(Path(data_dir), "督导员", ADMIN_PASSWORD)
    confirm = json.loads(Path(fingerprints).read_text(encoding="utf-8"))
    start = time.time()
    for path in sorted(map(Path, packages), key=sync._package_sort_key):  # noqa: SLF001
        sync.import_package(store, path, backup_first=False, confirm=confirm)
    print(json.dumps({"start": start, "end": time.time()}))  # the imports alone, without start-up and sign-in
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

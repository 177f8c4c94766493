"""One district office PC working on the shared PostgreSQL store, for the two-process concurrency test.

    python -m tests.helpers.pg_worker URL DATA_DIR PILE FINGERPRINTS SECONDS NAME OUT

Signs in as the district's administrator, then until SECONDS have passed: imports every package of the
PILE folder in order (each its own transaction; ones already imported are refused) and between packages
adds an account of its own (a write with history, like any staff member's). Writes what it did to OUT
(JSON): the packages it imported, the refusals, and the accounts it created.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from argon2 import PasswordHasher


def main(argv: list[str]) -> int:
    url, data_dir, pile, fingerprints, seconds, name, out = argv
    from desktop_app.domain.roles import Role
    from desktop_app.services import accounts, sync
    from desktop_app.services.store import Store
    from tests.helpers.accounts import ADMIN_PASSWORD, USER_PASSWORD

    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # noqa: SLF001 - as in the tests
    store = Store.open(Path(data_dir), user="督导员", url=url)  # type: ignore[call-arg]
    accounts.sign_in(store, "督导员", ADMIN_PASSWORD)
    confirm = json.loads(Path(fingerprints).read_text(encoding="utf-8"))
    packages = sorted(Path(pile).glob("*.bxpkg"), key=sync._package_sort_key)  # noqa: SLF001
    imported: list[str] = []
    refused: dict[str, str] = {}
    created: list[str] = []
    errors: list[str] = []
    deadline = time.monotonic() + float(seconds)
    n = 0
    while time.monotonic() < deadline:
        for path in packages:
            if time.monotonic() >= deadline:
                break
            if path.name not in imported:
                try:
                    sync.import_package(store, path, backup_first=False, confirm=confirm)
                    imported.append(path.name)
                except sync.PackageRefused as exc:
                    refused[path.name] = str(exc)
            n += 1
            user = f"{name}-{n}"
            try:
                accounts.create_account(store, user, USER_PASSWORD, Role.SUPERVISOR, display_name=f"督导{n}")
                created.append(user)
            except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on any
                errors.append(f"{user}: {type(exc).__name__}: {exc}")
    store.close()
    Path(out).write_text(json.dumps({"imported": imported, "refused": refused, "created": created, "errors": errors},
                                    ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Record keys: random UUIDs for ordinary saves, time-ordered UUIDs for bulk imports."""

from __future__ import annotations

import time
import uuid

from database.models import new_id, new_ordered_id


def test_record_keys_are_rfc_uuids_random_or_time_ordered() -> None:
    randoms = [new_id() for _ in range(2000)]
    for text in randoms:
        key = uuid.UUID(text)
        assert (key.version, key.variant, str(key)) == (4, uuid.RFC_4122, text)
    assert len(set(randoms)) == len(randoms)
    before = time.time_ns() // 1_000_000
    ordered = [new_ordered_id() for _ in range(2000)]
    after = time.time_ns() // 1_000_000
    for text in ordered:
        key = uuid.UUID(text)
        assert (key.version, key.variant, str(key)) == (7, uuid.RFC_4122, text)
        assert before <= key.int >> 80 <= after  # RFC 9562: the first 48 bits are Unix milliseconds
    assert ordered == sorted(ordered)  # made one after another, they sort one after another
    assert len(set(ordered)) == len(ordered)

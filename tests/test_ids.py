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


def test_bulk_ordered_ids_sort_and_interleave_with_single_ones() -> None:
    from itertools import islice

    from database.models import ordered_ids

    before = time.time_ns() // 1_000_000
    bulk = ordered_ids(block=100)
    first = list(islice(bulk, 150))
    single = new_ordered_id()  # made while the second block of 100 is half used
    rest = list(islice(bulk, 300))
    keys = first + rest + [single]
    after = time.time_ns() // 1_000_000
    for text in keys:
        key = uuid.UUID(text)
        assert (key.version, key.variant, str(key)) == (7, uuid.RFC_4122, text)
        assert before <= key.int >> 80 <= after + 1  # a block reserves at most one millisecond ahead
    assert first + rest == sorted(first + rest)
    assert max(first + rest[:50]) < single < min(rest[50:])  # after the reserved block, before the next
    assert len(set(keys)) == len(keys)

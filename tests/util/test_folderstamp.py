"""The coarse-mtime rule the watcher, the event reader and the checkpoint scanner share."""

from launcher.util.folderstamp import MTIME_SETTLE_NS, FolderStamp, unsettled_after


def test_a_listing_taken_inside_the_tick_is_never_trusted_by_mtime() -> None:
    now = 10 * MTIME_SETTLE_NS
    fresh = FolderStamp.taken(now - 1, unsettled_after(now))
    assert not fresh.settled
    assert not fresh.still_valid(now - 1)


def test_a_settled_listing_is_trusted_until_the_mtime_moves() -> None:
    now = 10 * MTIME_SETTLE_NS
    old = now - MTIME_SETTLE_NS - 1
    stamp = FolderStamp.taken(old, unsettled_after(now))
    assert stamp.still_valid(old)
    assert not stamp.still_valid(old + 1)
    assert not stamp.still_valid(None)


def test_a_missing_folder_stays_missing_until_it_appears() -> None:
    gone = FolderStamp.taken(None, unsettled_after())
    assert gone.still_valid(None)
    assert not gone.still_valid(123)

"""The client copes with what real RESO servers do, each behaviour switched on
in the local feed: a slow $expand, next links that page by $skip while records
change, a server that refuses key-set filters, tokens that expire mid-load, and
an EntityEvent log (with deletions). Each full load and incremental run is
compared field by field with the feed's own HTTP answers."""
from __future__ import annotations

from datetime import timedelta

import mls_helpers
from mls_helpers import assert_matches_feed

from sidecar.mls.replicate import run_sync

make_feed = mls_helpers.make_feed  # the fixture


def scalar(db, sql: str, **params):
    with db.engine.connect() as conn:
        return conn.execute(db.sql(sql), params).scalar()


def edits_while_paging(feed, at_page: int = 2, n: int = 10):
    """A page hook that edits n listings not read yet and n already stored."""
    done = []

    def hook(resource: str, pages: int) -> None:
        if resource == "Property" and pages == at_page and not done:
            keys = [k for _, k in feed.data.entries if not k.startswith("~")]
            early, late = keys[:n], keys[-n:]
            for i, key in enumerate(early + late):
                feed.data.change([key], {"ListPrice": 300000 + i, "PublicRemarks": f"edit {i}"})
            done.append(early + late)
    return hook, done


def test_first_full_load_with_defaults_survives_a_slow_expand(db, make_feed):
    # the real server: ~60 s to expand Media for 1,000 listings, a 30 s timeout;
    # here both are a hundredth of that, everything else at its default
    # Four pages: the client fetches the next page while it stores this one,
    # so edits made while page 1 is stored are certain to be seen by the
    # queries from page 3 on (with a single page they could land after the
    # run's last query, which is the next incremental's to read).
    feed, settings = make_feed(3500, settings={"page_size": 1000, "timeout_seconds": 0.3})
    feed.expand_delay = 0.0006
    hook, edited = edits_while_paging(feed, at_page=1)
    result = run_sync(db, settings, "full", on_page=hook)
    assert result.status == "succeeded" and edited
    assert_matches_feed(db, feed, settings.feed_id)
    notes = scalar(db, "SELECT notes FROM {t:mls_sync_runs} WHERE id = :i", i=result.run_id)
    assert "$expand=Media failed" in notes and "reading Media by listing keys" in notes
    assert scalar(db, "SELECT media FROM {t:mls_feed_state} WHERE feed_id = :f",
                  f=settings.feed_id) == "resource"
    # the next run remembers: no request with $expand at all
    before = len(feed.stats["queries"])
    feed.data.change(list(feed.data.live_keys()[:5]), {"ListPrice": 777000,
                                                      "PhotosCount": 2,
                                                      "PhotosChangeTimestamp":
                                                      "2026-04-01T00:00:00.000Z"})
    again = run_sync(db, settings, "incremental")
    assert again.updated == 5
    assert not any("$expand" in q for q in feed.stats["queries"][before - 200:][-50:]
                   if q["resource"] == "Property" and q.get("$filter", "").count("gt") == 1)
    assert_matches_feed(db, feed, settings.feed_id)


def test_repeated_5xx_shrink_the_page_down_to_the_floor(db, make_feed):
    feed, settings = make_feed(120, settings={"media": "none", "min_page_size": 10})

    def failing(resource: str, pages: int) -> None:
        if pages == 1:  # the next Property page fails twice at each size
            feed.add_faults({"status": 503}, {"status": 502}, {"status": 503},
                            {"status": 500}, {"status": 503}, {"status": 500})

    result = run_sync(db, settings, "full", on_page=failing)
    assert result.status == "succeeded"
    # 40 -> 20 -> 10, and at the floor the same page is retried
    assert scalar(db, "SELECT page_size FROM {t:mls_feed_state} WHERE feed_id = :f",
                  f=settings.feed_id) == 10
    notes = scalar(db, "SELECT notes FROM {t:mls_sync_runs} WHERE id = :i", i=result.run_id)
    assert "asking for 20 per page" in notes and "asking for 10 per page" in notes
    assert_matches_feed(db, feed, settings.feed_id, ("Property",))


def test_skip_next_links_and_edits_while_paging_lose_nothing(db, make_feed):
    feed, settings = make_feed(200, settings={"page_size_via": "prefer"})
    feed.next_link_style = "skip"
    hook, edited = edits_while_paging(feed)
    result = run_sync(db, settings, "full", on_page=hook)
    assert result.status == "succeeded" and edited
    assert_matches_feed(db, feed, settings.feed_id)
    # an incremental run with edits while it pages
    feed.data.change(feed.data.live_keys()[50:120], {"PublicRemarks": "spring refresh"})
    hook, edited = edits_while_paging(feed, at_page=1)
    again = run_sync(db, settings, "incremental", on_page=hook)
    assert edited and again.updated >= 70
    assert_matches_feed(db, feed, settings.feed_id)
    # the overlap brings records we hold: counted as unchanged, not written
    third = run_sync(db, settings, "incremental")
    assert (third.added, third.updated) == (0, 0) and third.unchanged > 0
    assert scalar(db, "SELECT unchanged FROM {t:mls_sync_runs} WHERE id = :i",
                  i=third.run_id) == third.unchanged


def test_a_server_without_key_set_filters_is_paged_by_its_links(db, make_feed):
    feed, settings = make_feed(150)
    feed.keyset_filters = False
    result = run_sync(db, settings, "full")
    assert result.status == "succeeded"
    assert_matches_feed(db, feed, settings.feed_id)
    assert scalar(db, "SELECT keyset FROM {t:mls_feed_state} WHERE feed_id = :f",
                  f=settings.feed_id) == 0
    feed.data.change(feed.data.live_keys()[:7], {"ListPrice": 123000})
    assert run_sync(db, settings, "incremental").updated == 7
    assert_matches_feed(db, feed, settings.feed_id)


def test_the_overlap_covers_the_previous_runs_duration(db, make_feed):
    feed, settings = make_feed(60)
    run_sync(db, settings, "full")
    with db.engine.begin() as conn:
        conn.execute(db.sql("UPDATE {t:mls_checkpoints} SET last_load_seconds = 5000"
                            " WHERE feed_id = :f AND resource = 'Property'"),
                     {"f": settings.feed_id})
        high = conn.execute(db.sql("SELECT high_water_ts FROM {t:mls_checkpoints}"
                                   " WHERE feed_id = :f AND resource = 'Property'"),
                            {"f": settings.feed_id}).scalar()
    run_sync(db, settings, "incremental")
    first = next(q for q in feed.stats["queries"][::-1]
                 if q["resource"] == "Property" and q.get("$count") == "true")
    since = (high - timedelta(seconds=5000)).strftime("%Y-%m-%dT%H:%M:%S")
    assert f"ModificationTimestamp gt {since}" in first["$filter"]


def test_tokens_that_expire_mid_load_are_renewed(db, make_feed):
    feed, settings = make_feed(200)
    feed.token_max_requests = 3
    result = run_sync(db, settings, "full")
    assert result.status == "succeeded"
    assert feed.stats["tokens_issued"] >= 4 and feed.stats["requests"]["401"] >= 3
    assert_matches_feed(db, feed, settings.feed_id)
    feed.data.change(feed.data.live_keys()[:3], {"ListPrice": 990000})
    assert run_sync(db, settings, "incremental").updated == 3
    assert_matches_feed(db, feed, settings.feed_id)


def test_entity_event_replication_with_deletions(db, make_feed):
    feed, settings = make_feed(150)
    feed.entity_events = True
    hook, edited = edits_while_paging(feed)
    result = run_sync(db, settings, "full", on_page=hook)
    assert result.status == "succeeded" and edited
    assert_matches_feed(db, feed, settings.feed_id)
    seq = scalar(db, "SELECT event_sequence FROM {t:mls_feed_state} WHERE feed_id = :f",
                 f=settings.feed_id)
    assert seq == feed.data.events[-1]["EntityEventSequence"]
    keys = feed.data.live_keys()
    feed.data.change(keys[:4], {"ListPrice": 456000})
    feed.data.vanish(keys[4:6])
    feed.data.change(keys[6:7], {"StandardStatus": "Delete"})
    feed.data.inject({"ListingKey": "EVENTNEW01", "StandardStatus": "Active",
                      "ListPrice": 250000, "PhotosCount": 1,
                      "ModificationTimestamp": "2025-01-01T00:00:00.000Z"})
    before = len(feed.stats["queries"])
    again = run_sync(db, settings, "incremental")
    assert (again.added, again.updated, again.removed) == (1, 5, 3)
    queries = [q for q in feed.stats["queries"][before:] if q["resource"] == "Property"]
    # by the log: the named listings by key, no timestamp query
    assert queries and all("ListingKey eq" in q["$filter"] for q in queries)
    assert_matches_feed(db, feed, settings.feed_id)
    with db.engine.connect() as conn:
        hidden = {r[0] for r in conn.execute(db.sql(
            "SELECT ListingKey FROM {t:properties} WHERE feed_id = :f AND searchable = 0"
            " AND removed_at IS NOT NULL"), {"f": settings.feed_id})}
    assert set(keys[4:7]) <= hidden
    # nothing new in the log: the run asks the log and nothing else
    quiet = run_sync(db, settings, "incremental")
    assert (quiet.added, quiet.updated, quiet.removed) == (0, 0, 0)


def test_a_feed_without_entity_event_falls_back_to_timestamps(db, make_feed):
    feed, settings = make_feed(50)
    run_sync(db, settings, "full")
    assert scalar(db, "SELECT entity_event FROM {t:mls_feed_state} WHERE feed_id = :f",
                  f=settings.feed_id) == 0
    feed.data.change(feed.data.live_keys()[:2], {"ListPrice": 1})
    assert run_sync(db, settings, "incremental").updated == 2
    assert_matches_feed(db, feed, settings.feed_id)


def test_reconcile_progress_counts_every_key(db, make_feed):
    feed, settings = make_feed(80)
    run_sync(db, settings, "full")
    feed.data.inject({"ListingKey": "MISSED0001", "StandardStatus": "Active",
                      "ModificationTimestamp": "2020-01-01T00:00:00.000Z"})
    result = run_sync(db, settings, "reconcile")
    with db.engine.connect() as conn:
        done, total = conn.execute(db.sql(
            "SELECT progress_done, progress_total FROM {t:mls_sync_runs} WHERE id = :i"),
            {"i": result.run_id}).one()
    assert done == total == len(feed.data.live_keys())
    assert_matches_feed(db, feed, settings.feed_id, ("Property",))


def test_an_entity_event_log_purged_by_retention_falls_back_and_misses_nothing(db, make_feed):
    feed, settings = make_feed(120)
    feed.entity_events = True
    run_sync(db, settings, "full")
    keys = feed.data.live_keys()
    # While we are away the feed changes, deletes and adds listings, and its
    # retention then drops those events (and older ones) from the log.
    feed.data.change(keys[:3], {"ListPrice": 345000})
    feed.data.vanish(keys[3:5])
    feed.data.inject({"ListingKey": "PURGENEW01", "StandardStatus": "Active",
                      "ListPrice": 199000, "PhotosCount": 1,
                      "ModificationTimestamp": "2026-11-30T00:00:00.000Z"})
    feed.data.change(keys[5:6], {"ListPrice": 1})      # the one event the log keeps
    feed.data.purge_events(keep_last=1)
    result = run_sync(db, settings, "incremental")
    assert result.status == "succeeded"
    notes = scalar(db, "SELECT notes FROM {t:mls_sync_runs} WHERE id = :i", i=result.run_id)
    assert "no longer holds the events after" in notes
    assert_matches_feed(db, feed, settings.feed_id)
    with db.engine.connect() as conn:
        hidden = {r[0] for r in conn.execute(db.sql(
            "SELECT ListingKey FROM {t:properties} WHERE feed_id = :f AND searchable = 0"),
            {"f": settings.feed_id})}
    assert set(keys[3:5]) <= hidden
    assert scalar(db, "SELECT event_sequence FROM {t:mls_feed_state} WHERE feed_id = :f",
                  f=settings.feed_id) == feed.data.events[-1]["EntityEventSequence"]
    # Back on the log: the next change is read from it by key, nothing else.
    feed.data.change(keys[6:7], {"ListPrice": 2})
    before = len(feed.stats["queries"])
    again = run_sync(db, settings, "incremental")
    assert again.updated == 1
    queries = [q for q in feed.stats["queries"][before:] if q["resource"] == "Property"]
    assert queries and all("ListingKey eq" in q["$filter"] for q in queries)
    assert_matches_feed(db, feed, settings.feed_id)


def test_a_shrunken_page_grows_back_after_good_pages(db, make_feed):
    # a server slow for a moment: the page shrinks, then doubles back after
    # `grow_after_pages` good pages, and the feed's state says so
    feed, settings = make_feed(400, settings={"media": "none", "min_page_size": 10,
                                              "grow_after_pages": 3})

    def failing(resource: str, pages: int) -> None:
        if pages == 1:  # the next Property page fails twice: 40 -> 20
            feed.add_faults({"status": 503}, {"status": 503})

    result = run_sync(db, settings, "full", on_page=failing)
    assert result.status == "succeeded"
    notes = scalar(db, "SELECT notes FROM {t:mls_sync_runs} WHERE id = :i", i=result.run_id)
    assert "asking for 20 per page" in notes
    assert "3 good pages of 20; asking for 40 per page again" in notes
    assert scalar(db, "SELECT page_size FROM {t:mls_feed_state} WHERE feed_id = :f",
                  f=settings.feed_id) == 40
    tops = [int(q["$top"]) for q in feed.stats["queries"] if q["resource"] == "Property"
            and q.get("$top")]
    assert 20 in tops and tops[-1] == 40
    assert_matches_feed(db, feed, settings.feed_id, ("Property",))

-- What the sync learned about each feed, so later runs start from what worked
-- (adaptive requests) and where the feed's EntityEvent log was read up to.
CREATE TABLE {prefix}senw_mls_feed_state (
  feed_id          VARCHAR(64)   NOT NULL PRIMARY KEY,
  -- the page size that last worked after a timeout or 5xx made us shrink it
  page_size        INT UNSIGNED  NULL,
  -- 'resource' once $expand=Media failed: Media are read by listing keys
  media            VARCHAR(20)   NULL,
  -- 0 once the server refused key-set filters: pages follow its next links
  keyset           TINYINT(1)    NULL,
  -- whether the feed offers RESO EntityEvent (NULL: not asked yet)
  entity_event     TINYINT(1)    NULL,
  -- the last EntityEventSequence applied
  event_sequence   BIGINT        NULL,
  reason           VARCHAR(1000) NULL,
  updated_at       DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- how long the last load of each resource took: the next incremental run's
-- overlap covers it (a sync longer than any fixed overlap leaves nothing stale)
ALTER TABLE {prefix}senw_mls_checkpoints
  ADD COLUMN last_load_seconds INT UNSIGNED NULL AFTER load_run_id;

-- Federal Do-Not-Call registry downloads (sidecar/compliance/registry.py).
-- The registry allows one download per 24 hours: every attempt is a row here,
-- and the decision is taken while holding the single row of
-- senw_dnc_registry_lock, so two workers (or a restart) cannot both download.
-- A 'running' or 'done' row counts as a download; 'failed' (the registry
-- answered an error, nothing was loaded) and 'refused' (too soon) do not.

CREATE TABLE {prefix}senw_dnc_registry_lock (
  id  TINYINT UNSIGNED NOT NULL PRIMARY KEY
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_dnc_downloads (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  -- running, done, failed, refused
  status          VARCHAR(10)   NOT NULL,
  -- manual (the Do-Not-Call screen's button) or periodic
  trigger_kind    VARCHAR(10)   NOT NULL DEFAULT 'manual',
  area_codes      JSON          NULL,
  -- per area code: {"npa", "list_type", "added", "deleted", "rejected", "registry_date"}
  result          JSON          NULL,
  added           INT UNSIGNED  NOT NULL DEFAULT 0,
  deleted         INT UNSIGNED  NOT NULL DEFAULT 0,
  rejected        INT UNSIGNED  NOT NULL DEFAULT 0,
  registry_date   DATE          NULL,
  error           VARCHAR(255)  NOT NULL DEFAULT '',
  next_allowed_at DATETIME(3)   NULL,
  user_id         BIGINT UNSIGNED NULL,
  started_at      DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  finished_at     DATETIME(3)   NULL,
  KEY idx_status (status, started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

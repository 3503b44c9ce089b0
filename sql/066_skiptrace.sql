-- Skip tracing: one row per person traced (when, matched, cost), so a person
-- traced recently is not traced again; what the provider said about each
-- phone (line type, its DNC flag, rank).
CREATE TABLE {prefix}senw_skip_traces (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_id     BIGINT UNSIGNED NOT NULL,
  list_id       BIGINT UNSIGNED NULL,
  batch_ref     VARCHAR(60)   NOT NULL DEFAULT '',
  matched       TINYINT(1)    NOT NULL DEFAULT 0,
  phones_added  SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  emails_added  SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  cost_cents    INT UNSIGNED  NOT NULL DEFAULT 0,
  status        VARCHAR(10)   NOT NULL DEFAULT 'done',
  traced_at     DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_person (person_id, traced_at),
  KEY idx_list (list_id),
  KEY idx_batch (batch_ref)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_phone_facts (
  phone_e164    VARCHAR(20)   NOT NULL PRIMARY KEY,
  line_type     VARCHAR(12)   NOT NULL DEFAULT '',
  provider_dnc  TINYINT(1)    NOT NULL DEFAULT 0,
  rank_no       SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  source        VARCHAR(30)   NOT NULL DEFAULT '',
  updated_at    DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

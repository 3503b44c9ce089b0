-- Skip tracing: owners of a list (or one lead's person) sent to a batch
-- skip-trace provider in requests of up to 100; the persons it finds bring
-- ranked phones (line type, the provider's DNC flag) and emails, merged into
-- the traced person without renaming or merging anyone. Cost per match is
-- kept per request; a person traced recently is not traced again.

CREATE TABLE {prefix}senw_skiptrace_batches (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  list_id         BIGINT UNSIGNED NULL,
  lead_id         BIGINT UNSIGNED NULL,
  -- queued, running, waiting (async: results come by webhook), done, failed
  status          VARCHAR(12)   NOT NULL DEFAULT 'queued',
  requested       INT UNSIGNED  NOT NULL DEFAULT 0,
  skipped_recent  INT UNSIGNED  NOT NULL DEFAULT 0,
  no_address      INT UNSIGNED  NOT NULL DEFAULT 0,
  matched         INT UNSIGNED  NOT NULL DEFAULT 0,
  no_match        INT UNSIGNED  NOT NULL DEFAULT 0,
  phones_added    INT UNSIGNED  NOT NULL DEFAULT 0,
  emails_added    INT UNSIGNED  NOT NULL DEFAULT 0,
  conflicts       INT UNSIGNED  NOT NULL DEFAULT 0,
  cost_cents      INT UNSIGNED  NOT NULL DEFAULT 0,
  error           VARCHAR(255)  NOT NULL DEFAULT '',
  created_by      BIGINT UNSIGNED NULL,
  created_at      DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  finished_at     DATETIME(3)   NULL,
  KEY idx_list (list_id, id),
  KEY idx_lead (lead_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_skiptrace_requests (
  id                 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  batch_id           BIGINT UNSIGNED NOT NULL,
  person_id          BIGINT UNSIGNED NOT NULL,
  chunk_no           INT UNSIGNED  NOT NULL,
  provider_batch_id  VARCHAR(64)   NOT NULL DEFAULT '',
  -- pending, sent (async), matched, no_match, no_address
  status             VARCHAR(12)   NOT NULL DEFAULT 'pending',
  cost_cents         INT UNSIGNED  NOT NULL DEFAULT 0,
  traced_at          DATETIME(3)   NULL,
  UNIQUE KEY uq_batch_person (batch_id, person_id),
  KEY idx_chunk (batch_id, chunk_no, status),
  KEY idx_person (person_id, traced_at),
  KEY idx_provider (provider_batch_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- What each trace found; outcome: added (now the person's), known (already
-- theirs), other_person (another person's: a duplicate candidate, not moved).
CREATE TABLE {prefix}senw_skiptrace_phones (
  request_id  BIGINT UNSIGNED NOT NULL,
  person_id   BIGINT UNSIGNED NOT NULL,
  phone_e164  VARCHAR(20)   NOT NULL,
  phone_rank  TINYINT UNSIGNED NOT NULL DEFAULT 0,
  line_type   VARCHAR(10)   NOT NULL DEFAULT '',
  dnc         TINYINT(1)    NOT NULL DEFAULT 0,
  outcome     VARCHAR(12)   NOT NULL,
  PRIMARY KEY (request_id, phone_e164),
  KEY idx_person (person_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_skiptrace_emails (
  request_id  BIGINT UNSIGNED NOT NULL,
  person_id   BIGINT UNSIGNED NOT NULL,
  email       VARCHAR(254)  NOT NULL,
  email_rank  TINYINT UNSIGNED NOT NULL DEFAULT 0,
  outcome     VARCHAR(12)   NOT NULL,
  PRIMARY KEY (request_id, email),
  KEY idx_person (person_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Identity from verified input only. Anonymous input never changes an existing
-- person: what it says that differs is kept here as proposed changes an agent
-- may accept; people who look like one person are candidates a person merges
-- (choosing each field), and every merge can be undone.

CREATE TABLE {prefix}senw_proposed_changes (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_id       BIGINT UNSIGNED NOT NULL,
  lead_id         BIGINT UNSIGNED NULL,
  submission_id   BIGINT UNSIGNED NULL,
  -- first_name, last_name, email, phone or consent
  field           VARCHAR(20)   NOT NULL,
  current_value   VARCHAR(500)  NOT NULL DEFAULT '',
  proposed_value  VARCHAR(500)  NOT NULL DEFAULT '',
  -- consent: channels, the exact text, ip, user agent, source url
  detail          JSON          NULL,
  status          VARCHAR(10)   NOT NULL DEFAULT 'open',
  decided_by      BIGINT UNSIGNED NULL,
  decided_at      DATETIME(3)   NULL,
  created_at      DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_person_status (person_id, status),
  KEY idx_lead (lead_id),
  KEY idx_submission (submission_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Pairs of live people who may be one person (person_a < person_b), with why.
-- review = 1 when an agent's entry matched someone outside their scope: only
-- managers and admins see such a pair.
CREATE TABLE {prefix}senw_duplicate_candidates (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_a    BIGINT UNSIGNED NOT NULL,
  person_b    BIGINT UNSIGNED NOT NULL,
  reasons     JSON          NOT NULL,
  review      TINYINT(1)    NOT NULL DEFAULT 0,
  status      VARCHAR(10)   NOT NULL DEFAULT 'open',
  decided_by  BIGINT UNSIGNED NULL,
  decided_at  DATETIME(3)   NULL,
  created_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_pair (person_a, person_b),
  KEY idx_status (status, created_at),
  KEY idx_b (person_b)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per merge a person made: what moved from the merged person to the
-- survivor (row ids per table) and the survivor's fields before, so that the
-- merge can be undone exactly.
CREATE TABLE {prefix}senw_merges (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  survivor_id  BIGINT UNSIGNED NOT NULL,
  merged_id    BIGINT UNSIGNED NOT NULL,
  candidate_id BIGINT UNSIGNED NULL,
  chosen       JSON          NOT NULL,
  moved        JSON          NOT NULL,
  before_state JSON          NOT NULL,
  merged_by    BIGINT UNSIGNED NOT NULL,
  merged_at    DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  undone_by    BIGINT UNSIGNED NULL,
  undone_at    DATETIME(3)   NULL,
  KEY idx_survivor (survivor_id, merged_at),
  KEY idx_merged (merged_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

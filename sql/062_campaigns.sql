-- Campaigns: email/SMS/mail sequences. Members move through the steps; each
-- step's send to a member happens at most once (uq_member_step) and goes
-- through the compliance gate; direct-mail steps gather into batches to export.

CREATE TABLE {prefix}senw_campaigns (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name            VARCHAR(150)  NOT NULL,
  status          VARCHAR(12)   NOT NULL DEFAULT 'draft',
  starts_at       DATETIME(3)   NULL,
  sms_per_minute  INT UNSIGNED  NOT NULL DEFAULT 60,
  cost_cents      INT UNSIGNED  NOT NULL DEFAULT 0,
  created_by      BIGINT UNSIGNED NULL,
  created_at      DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at      DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_status (status, starts_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_campaign_steps (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  campaign_id    BIGINT UNSIGNED NOT NULL,
  position       SMALLINT UNSIGNED NOT NULL,
  channel        VARCHAR(10)   NOT NULL,
  delay_minutes  INT UNSIGNED  NOT NULL DEFAULT 0,
  subject        VARCHAR(255)  NOT NULL DEFAULT '',
  body           TEXT          NOT NULL,
  UNIQUE KEY uq_position (campaign_id, position)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_campaign_members (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  campaign_id   BIGINT UNSIGNED NOT NULL,
  person_id     BIGINT UNSIGNED NOT NULL,
  lead_id       BIGINT UNSIGNED NULL,
  list_id       BIGINT UNSIGNED NULL,
  status        VARCHAR(12)   NOT NULL DEFAULT 'active',
  next_position SMALLINT UNSIGNED NOT NULL DEFAULT 1,
  next_at       DATETIME(3)   NULL,
  stop_reason   VARCHAR(60)   NOT NULL DEFAULT '',
  enrolled_by   BIGINT UNSIGNED NULL,
  enrolled_at   DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_member (campaign_id, person_id),
  KEY idx_due (campaign_id, status, next_at),
  KEY idx_person (person_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per step and member: sent (message), blocked (rule), mailed (batch).
CREATE TABLE {prefix}senw_campaign_sends (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  campaign_id  BIGINT UNSIGNED NOT NULL,
  step_id      BIGINT UNSIGNED NOT NULL,
  member_id    BIGINT UNSIGNED NOT NULL,
  person_id    BIGINT UNSIGNED NOT NULL,
  status       VARCHAR(12)   NOT NULL,
  rule         VARCHAR(40)   NOT NULL DEFAULT '',
  message_id   BIGINT UNSIGNED NULL,
  ledger_id    BIGINT UNSIGNED NULL,
  batch_id     BIGINT UNSIGNED NULL,
  created_at   DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_member_step (member_id, step_id),
  KEY idx_step (step_id, status),
  KEY idx_message (message_id),
  KEY idx_batch (batch_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_mail_batches (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  campaign_id  BIGINT UNSIGNED NOT NULL,
  step_id      BIGINT UNSIGNED NOT NULL,
  pieces       INT UNSIGNED  NOT NULL DEFAULT 0,
  created_at   DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  exported_at  DATETIME(3)   NULL,
  UNIQUE KEY uq_step_day (step_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Mailing addresses of people (owners from lists, skip tracing, agents' entry).
CREATE TABLE {prefix}senw_person_addresses (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_id   BIGINT UNSIGNED NOT NULL,
  street      VARCHAR(255)  NOT NULL,
  city        VARCHAR(100)  NOT NULL DEFAULT '',
  state       VARCHAR(2)    NOT NULL DEFAULT '',
  postal_code VARCHAR(10)   NOT NULL DEFAULT '',
  is_mailing  TINYINT(1)    NOT NULL DEFAULT 1,
  source      VARCHAR(30)   NOT NULL DEFAULT '',
  created_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_address (person_id, street, postal_code),
  KEY idx_person (person_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

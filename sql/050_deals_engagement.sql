-- Deals that move themselves: deals with a stage history, shared listing
-- links (RESO ContactListings), engagement events processed into scores,
-- stages and tasks, and the alerts agents see live in wp-admin.

-- Deals: the listing is an MLS ListingKey or a hand-entered property
-- (property_address + list_price). stage_set_by/at record the last manual move
-- (rules only move a deal forward, and only from events after a manual move).
ALTER TABLE {prefix}senw_deals
  ALTER COLUMN stage SET DEFAULT 'new',
  ADD COLUMN property_address  VARCHAR(255)  NOT NULL DEFAULT '',
  ADD COLUMN list_price        DECIMAL(14,2) NULL,
  ADD COLUMN score             SMALLINT      NOT NULL DEFAULT 0,
  ADD COLUMN temperature       VARCHAR(10)   NOT NULL DEFAULT 'cold',
  ADD COLUMN stage_changed_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  ADD COLUMN manual_stage_at   DATETIME(3)   NULL,
  ADD COLUMN closed_at         DATETIME(3)   NULL,
  ADD COLUMN last_contact_at   DATETIME(3)   NULL,
  ADD COLUMN last_event_at     DATETIME(3)   NULL,
  ADD KEY idx_stage (stage, agent_id),
  ADD KEY idx_person_agent (person_id, agent_id, stage),
  ADD KEY idx_closed (closed_at);

UPDATE {prefix}senw_deals SET stage = 'new' WHERE stage = 'prospect';
UPDATE {prefix}senw_deals SET closed_at = updated_at WHERE stage IN ('closed_won', 'closed_lost');

CREATE TABLE {prefix}senw_deal_stage_history (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  deal_id     BIGINT UNSIGNED NOT NULL,
  from_stage  VARCHAR(30)   NULL,
  to_stage    VARCHAR(30)   NOT NULL,
  -- 'manual' (a person), 'rule' (engagement), 'create'
  source      VARCHAR(10)   NOT NULL,
  user_id     BIGINT UNSIGNED NULL,
  reason      VARCHAR(255)  NOT NULL DEFAULT '',
  event_id    BIGINT UNSIGNED NULL,
  created_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_deal (deal_id, created_at),
  KEY idx_to (to_stage, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO {prefix}senw_deal_stage_history (deal_id, from_stage, to_stage, source, reason, created_at)
  SELECT id, NULL, stage, 'create', 'existing deal', created_at FROM {prefix}senw_deals;

-- Shared listing links. Only the SHA-256 of the token is stored: the token
-- itself (32 random bytes, hex) is shown once to the agent and sent to the client.
CREATE TABLE {prefix}senw_listing_links (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  token_hash      CHAR(64)      NOT NULL,
  person_id       BIGINT UNSIGNED NOT NULL,
  lead_id         BIGINT UNSIGNED NULL,
  agent_id        BIGINT UNSIGNED NOT NULL,
  deal_id         BIGINT UNSIGNED NULL,
  title           VARCHAR(200)  NOT NULL DEFAULT '',
  expires_at      DATETIME(3)   NOT NULL,
  revoked_at      DATETIME(3)   NULL,
  created_by      BIGINT UNSIGNED NULL,
  created_at      DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  last_opened_at  DATETIME(3)   NULL,
  opens           INT UNSIGNED  NOT NULL DEFAULT 0,
  UNIQUE KEY uq_token (token_hash),
  KEY idx_agent (agent_id, created_at),
  KEY idx_person (person_id),
  KEY idx_lead (lead_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- RESO ContactListings: one listing shared with one contact through a link.
CREATE TABLE {prefix}senw_contact_listings (
  id                          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  contact_listings_key        CHAR(36)      NOT NULL,
  link_id                     BIGINT UNSIGNED NOT NULL,
  person_id                   BIGINT UNSIGNED NOT NULL,
  listing_key                 VARCHAR(255)  NOT NULL,
  position                    INT UNSIGNED  NOT NULL DEFAULT 0,
  listing_sent_timestamp      DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  listing_viewed_yn           TINYINT(1)    NOT NULL DEFAULT 0,
  portal_last_visited         DATETIME(3)   NULL,
  direct_email_yn             TINYINT(1)    NOT NULL DEFAULT 0,
  -- Favorite / Possibility / Discard (like / considering / dislike)
  contact_listing_preference  VARCHAR(12)   NULL,
  preference_at               DATETIME(3)   NULL,
  modification_timestamp      DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_key (contact_listings_key),
  UNIQUE KEY uq_link_listing (link_id, listing_key),
  KEY idx_person (person_id, contact_listing_preference)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A showing the client asked for from a shared link.
CREATE TABLE {prefix}senw_showing_requests (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event_id       BIGINT UNSIGNED NOT NULL,
  deal_id        BIGINT UNSIGNED NULL,
  link_id        BIGINT UNSIGNED NULL,
  person_id      BIGINT UNSIGNED NOT NULL,
  listing_key    VARCHAR(255)  NOT NULL,
  requested_for  DATETIME      NOT NULL,
  note           VARCHAR(500)  NOT NULL DEFAULT '',
  status         VARCHAR(12)   NOT NULL DEFAULT 'requested',
  created_at     DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_event (event_id),
  KEY idx_deal (deal_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Engagement events: event_key is the client's idempotency key (a duplicate
-- hits uq_event_key and changes nothing); processed_at is written by the job.
ALTER TABLE {prefix}senw_events
  ADD COLUMN deal_id       BIGINT UNSIGNED NULL,
  ADD COLUMN link_id       BIGINT UNSIGNED NULL,
  ADD COLUMN agent_id      BIGINT UNSIGNED NULL,
  ADD COLUMN source        VARCHAR(10)   NOT NULL DEFAULT 'site',
  ADD COLUMN details       JSON          NULL,
  ADD COLUMN received_at   DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  ADD COLUMN processed_at  DATETIME(6)   NULL,
  ADD KEY idx_deal_ts (deal_id, event_timestamp),
  ADD KEY idx_session (session_id),
  ADD KEY idx_type_ts (event_type, event_timestamp),
  ADD KEY idx_unprocessed (processed_at, id);

-- Sessions seen at the intake; the session job evaluates each once it has
-- been quiet (extended engagement / abandonment from timing).
CREATE TABLE {prefix}senw_engagement_sessions (
  session_id    VARCHAR(64)   NOT NULL PRIMARY KEY,
  person_id     BIGINT UNSIGNED NULL,
  deal_id       BIGINT UNSIGNED NULL,
  link_id       BIGINT UNSIGNED NULL,
  first_at      DATETIME(3)   NOT NULL,
  last_at       DATETIME(3)   NOT NULL,
  events        INT UNSIGNED  NOT NULL DEFAULT 0,
  reactions     INT UNSIGNED  NOT NULL DEFAULT 0,
  evaluated_at  DATETIME(3)   NULL,
  outcome       VARCHAR(20)   NULL,
  KEY idx_open (evaluated_at, last_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Score history: one row per change of a person's (deal_id NULL) or a deal's
-- score, with the contributions that made it.
CREATE TABLE {prefix}senw_score_history (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_id    BIGINT UNSIGNED NOT NULL,
  lead_id      BIGINT UNSIGNED NULL,
  deal_id      BIGINT UNSIGNED NULL,
  score        SMALLINT      NOT NULL,
  temperature  VARCHAR(10)   NOT NULL,
  reason       VARCHAR(100)  NOT NULL DEFAULT '',
  event_id     BIGINT UNSIGNED NULL,
  contributions JSON         NULL,
  created_at   DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_person (person_id, created_at),
  KEY idx_lead (lead_id, created_at),
  KEY idx_deal (deal_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Tasks: dedupe_key = 'deal-<id>-<reason>' while a rule's task is open (set
-- to NULL when it is completed), so a rule never opens a second one.
ALTER TABLE {prefix}senw_tasks
  ADD COLUMN deal_id        BIGINT UNSIGNED NULL,
  ADD COLUMN person_id      BIGINT UNSIGNED NULL,
  ADD COLUMN task_type      VARCHAR(20)   NOT NULL DEFAULT 'todo',
  ADD COLUMN priority       VARCHAR(10)   NOT NULL DEFAULT 'normal',
  ADD COLUMN reason         VARCHAR(40)   NOT NULL DEFAULT 'manual',
  ADD COLUMN description    VARCHAR(1000) NOT NULL DEFAULT '',
  ADD COLUMN created_by     BIGINT UNSIGNED NULL,
  ADD COLUMN snoozed_count  SMALLINT      NOT NULL DEFAULT 0,
  ADD KEY idx_deal (deal_id, status),
  ADD KEY idx_status_due (status, due_at);

-- Alerts shown live in the agent's open wp-admin tab (WordPress Heartbeat).
CREATE TABLE {prefix}senw_user_alerts (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id     BIGINT UNSIGNED NOT NULL,
  kind        VARCHAR(20)   NOT NULL,
  body        VARCHAR(500)  NOT NULL,
  url         VARCHAR(500)  NOT NULL DEFAULT '',
  dedupe_key  VARCHAR(120)  NOT NULL,
  created_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  seen_at     DATETIME(3)   NULL,
  UNIQUE KEY uq_dedupe (dedupe_key),
  KEY idx_user (user_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

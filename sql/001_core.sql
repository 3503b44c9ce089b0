-- SENW CRM core schema: people, leads, the agent's work and the plumbing
-- (outbox, audit log). {prefix} is the WordPress table prefix, e.g. wp_.
-- Vocabulary follows RESO where RESO has the concept: people are RESO
-- Contacts (contact_key = ContactKey, contact_type = ContactType), engagement
-- events are RESO InternetTracking (event_type = EventType values).

CREATE TABLE {prefix}senw_people (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  contact_key   CHAR(36)      NOT NULL,
  first_name    VARCHAR(100)  NOT NULL DEFAULT '',
  last_name     VARCHAR(100)  NOT NULL DEFAULT '',
  contact_type  VARCHAR(30)   NOT NULL DEFAULT 'Lead',
  merged_into   BIGINT UNSIGNED NULL,
  created_at    DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at    DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_contact_key (contact_key),
  KEY idx_name (last_name, first_name),
  KEY idx_merged_into (merged_into)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One person, many emails; email is stored normalized (trimmed, lower-case).
CREATE TABLE {prefix}senw_person_emails (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_id   BIGINT UNSIGNED NOT NULL,
  email       VARCHAR(254)  NOT NULL,
  is_primary  TINYINT(1)    NOT NULL DEFAULT 0,
  created_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_email (email),
  KEY idx_person (person_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One person, many phones; phone_e164 is the E.164 form (+15035550100).
CREATE TABLE {prefix}senw_person_phones (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_id   BIGINT UNSIGNED NOT NULL,
  phone_e164  VARCHAR(20)   NOT NULL,
  phone_raw   VARCHAR(40)   NOT NULL DEFAULT '',
  kind        VARCHAR(10)   NOT NULL DEFAULT 'mobile',
  is_primary  TINYINT(1)    NOT NULL DEFAULT 0,
  created_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_phone (phone_e164),
  KEY idx_person (person_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Teams: a team lead sees the leads of the agents in their team.
CREATE TABLE {prefix}senw_teams (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name            VARCHAR(100) NOT NULL,
  leader_user_id  BIGINT UNSIGNED NOT NULL,
  created_at      DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_leader (leader_user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_team_members (
  team_id   BIGINT UNSIGNED NOT NULL,
  user_id   BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (team_id, user_id),
  KEY idx_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Agents who take leads: round-robin assignment skips inactive/paused ones.
CREATE TABLE {prefix}senw_agents (
  user_id           BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  active            TINYINT(1)   NOT NULL DEFAULT 1,
  paused            TINYINT(1)   NOT NULL DEFAULT 0,
  mobile_phone      VARCHAR(20)  NOT NULL DEFAULT '',
  email             VARCHAR(254) NOT NULL DEFAULT '',
  member_key        VARCHAR(255) NULL,
  last_assigned_at  DATETIME(6)  NULL,
  KEY idx_rr (active, paused, last_assigned_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_leads (
  id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_id         BIGINT UNSIGNED NOT NULL,
  source            VARCHAR(50)   NOT NULL DEFAULT 'website',
  status            VARCHAR(20)   NOT NULL DEFAULT 'new',
  temperature       VARCHAR(10)   NOT NULL DEFAULT 'cold',
  score             SMALLINT      NOT NULL DEFAULT 0,
  agent_id          BIGINT UNSIGNED NULL,
  listing_key       VARCHAR(255)  NULL,
  message           TEXT          NULL,
  -- denormalized for the Leads screen: name, emails, phones (digits too)
  display_name      VARCHAR(201)  NOT NULL DEFAULT '',
  primary_email     VARCHAR(254)  NOT NULL DEFAULT '',
  primary_phone     VARCHAR(20)   NOT NULL DEFAULT '',
  search_text       VARCHAR(1000) NOT NULL DEFAULT '',
  pipeline_state    VARCHAR(20)   NOT NULL DEFAULT 'received',
  created_at        DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at        DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  last_activity_at  DATETIME(3)   NULL,
  KEY idx_person (person_id),
  KEY idx_agent_created (agent_id, created_at),
  KEY idx_status_created (status, created_at),
  KEY idx_temp_created (temperature, created_at),
  KEY idx_source_created (source, created_at),
  KEY idx_created (created_at),
  KEY idx_score (score),
  KEY idx_name (display_name),
  KEY idx_email (primary_email),
  KEY idx_phone (primary_phone),
  KEY idx_listing (listing_key),
  FULLTEXT KEY ft_search (search_text)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_deals (
  id                   BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  lead_id              BIGINT UNSIGNED NULL,
  person_id            BIGINT UNSIGNED NOT NULL,
  agent_id             BIGINT UNSIGNED NULL,
  listing_key          VARCHAR(255)  NULL,
  title                VARCHAR(200)  NOT NULL DEFAULT '',
  stage                VARCHAR(30)   NOT NULL DEFAULT 'prospect',
  value                DECIMAL(14,2) NOT NULL DEFAULT 0,
  probability          TINYINT UNSIGNED NOT NULL DEFAULT 10,
  expected_close_date  DATE          NULL,
  created_at           DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at           DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_agent_stage (agent_id, stage),
  KEY idx_lead (lead_id),
  KEY idx_person (person_id),
  KEY idx_listing (listing_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Engagement events, RESO InternetTracking names and EventType values.
CREATE TABLE {prefix}senw_events (
  id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event_key        CHAR(36)      NOT NULL,
  event_type       VARCHAR(40)   NOT NULL,
  event_timestamp  DATETIME(3)   NOT NULL,
  session_id       VARCHAR(64)   NULL,
  actor_type       VARCHAR(20)   NULL,
  actor_key        VARCHAR(255)  NULL,
  object_type      VARCHAR(20)   NULL,
  object_key       VARCHAR(255)  NULL,
  person_id        BIGINT UNSIGNED NULL,
  lead_id          BIGINT UNSIGNED NULL,
  device_type      VARCHAR(10)   NOT NULL DEFAULT 'Unknown',
  referring_url    VARCHAR(2000) NULL,
  user_agent       VARCHAR(500)  NULL,
  UNIQUE KEY uq_event_key (event_key),
  KEY idx_lead_ts (lead_id, event_timestamp),
  KEY idx_person_ts (person_id, event_timestamp),
  KEY idx_object (object_type, object_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_tasks (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  lead_id     BIGINT UNSIGNED NULL,
  agent_id    BIGINT UNSIGNED NULL,
  title       VARCHAR(200)  NOT NULL,
  due_at      DATETIME      NULL,
  status      VARCHAR(20)   NOT NULL DEFAULT 'open',
  dedupe_key  VARCHAR(100)  NULL,
  created_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  completed_at DATETIME(3)  NULL,
  UNIQUE KEY uq_dedupe (dedupe_key),
  KEY idx_agent_status_due (agent_id, status, due_at),
  KEY idx_lead (lead_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The lead's timeline: notes, status changes, assignments, system entries.
CREATE TABLE {prefix}senw_activities (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  lead_id     BIGINT UNSIGNED NULL,
  person_id   BIGINT UNSIGNED NULL,
  user_id     BIGINT UNSIGNED NULL,
  kind        VARCHAR(20)   NOT NULL,
  body        TEXT          NOT NULL,
  meta        JSON          NULL,
  created_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_lead_created (lead_id, created_at),
  KEY idx_person_created (person_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Email/SMS, inbound and outbound. idempotency_key makes a rerun harmless.
CREATE TABLE {prefix}senw_messages (
  id                   BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  idempotency_key      VARCHAR(120)  NOT NULL,
  channel              VARCHAR(10)   NOT NULL,
  direction            VARCHAR(10)   NOT NULL DEFAULT 'outbound',
  lead_id              BIGINT UNSIGNED NULL,
  person_id            BIGINT UNSIGNED NULL,
  recipient_user_id    BIGINT UNSIGNED NULL,
  to_address           VARCHAR(254)  NOT NULL,
  subject              VARCHAR(255)  NOT NULL DEFAULT '',
  body                 TEXT          NOT NULL,
  status               VARCHAR(20)   NOT NULL DEFAULT 'queued',
  provider             VARCHAR(20)   NOT NULL DEFAULT '',
  provider_message_id  VARCHAR(100)  NULL,
  attempts             SMALLINT      NOT NULL DEFAULT 0,
  error                VARCHAR(500)  NULL,
  created_at           DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at           DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  sent_at              DATETIME(3)   NULL,
  UNIQUE KEY uq_idem (idempotency_key),
  KEY idx_lead_created (lead_id, created_at),
  KEY idx_person (person_id),
  KEY idx_provider_id (provider, provider_message_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Consent as given: the exact text shown, when, from where, on which channel.
CREATE TABLE {prefix}senw_consents (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_id     BIGINT UNSIGNED NOT NULL,
  lead_id       BIGINT UNSIGNED NULL,
  channel       VARCHAR(10)   NOT NULL,
  granted       TINYINT(1)    NOT NULL DEFAULT 1,
  consent_text  TEXT          NOT NULL,
  ip_address    VARCHAR(45)   NOT NULL DEFAULT '',
  user_agent    VARCHAR(500)  NOT NULL DEFAULT '',
  source_url    VARCHAR(2000) NOT NULL DEFAULT '',
  created_at    DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_person (person_id, created_at),
  KEY idx_lead (lead_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Transactional outbox: written in the same transaction as the data it
-- follows; the dispatcher moves each row into RQ exactly once.
CREATE TABLE {prefix}senw_outbox (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  topic          VARCHAR(60)   NOT NULL,
  queue          VARCHAR(10)   NOT NULL DEFAULT 'default',
  payload        JSON          NOT NULL,
  created_at     DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  dispatched_at  DATETIME(6)   NULL,
  job_id         VARCHAR(64)   NULL,
  attempts       SMALLINT      NOT NULL DEFAULT 0,
  last_error     VARCHAR(500)  NULL,
  -- set when a row cannot be routed (unknown topic or queue, payload not a
  -- JSON object): left for a person, who fixes it and clears parked_at.
  parked_at      DATETIME(6)   NULL,
  KEY idx_pending (dispatched_at, parked_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Nonces of signed plugin -> sidecar requests, kept for the signature window
-- so a replay hits the primary key; older rows are purged by a periodic job.
-- In the database, not Redis, so replay protection holds while Redis is down.
CREATE TABLE {prefix}senw_request_nonces (
  nonce    CHAR(32)      NOT NULL PRIMARY KEY,
  seen_at  INT UNSIGNED  NOT NULL,
  KEY idx_seen (seen_at)
) ENGINE=InnoDB DEFAULT CHARSET=ascii;

CREATE TABLE {prefix}senw_audit_log (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id      BIGINT UNSIGNED NULL,
  action       VARCHAR(40)   NOT NULL,
  object_type  VARCHAR(30)   NOT NULL,
  object_id    BIGINT UNSIGNED NULL,
  ip_address   VARCHAR(45)   NOT NULL DEFAULT '',
  details      JSON          NULL,
  created_at   DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_object (object_type, object_id, created_at),
  KEY idx_user (user_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Fixed-window per-IP counters for the public lead form.
CREATE TABLE {prefix}senw_rate_limits (
  bucket        VARCHAR(80)   NOT NULL,
  window_start  INT UNSIGNED  NOT NULL,
  hits          INT UNSIGNED  NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket, window_start)
) ENGINE=InnoDB DEFAULT CHARSET=ascii;

-- Lead routing a brokerage configures: ordered rules matching a lead (its
-- source, the listing it asks about, the time of day) to an agent, a team's
-- round-robin pool or the shared pond (first claim wins), with a
-- speed-to-lead window after which an uncontacted lead moves on.

CREATE TABLE {prefix}senw_routing_rules (
  id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  position            INT           NOT NULL DEFAULT 0,
  name                VARCHAR(100)  NOT NULL DEFAULT '',
  active              TINYINT(1)    NOT NULL DEFAULT 1,
  source              VARCHAR(50)   NULL,
  list_agent_key      VARCHAR(255)  NULL,
  list_office_key     VARCHAR(255)  NULL,
  city                VARCHAR(255)  NULL,
  postal_code         VARCHAR(20)   NULL,
  min_price           DECIMAL(14,2) NULL,
  max_price           DECIMAL(14,2) NULL,
  property_type       VARCHAR(255)  NULL,
  -- minutes after local midnight, [from, to); to < from spans midnight
  time_from           SMALLINT      NULL,
  time_to             SMALLINT      NULL,
  target_type         VARCHAR(10)   NOT NULL DEFAULT 'agent',
  target_agent_id     BIGINT UNSIGNED NULL,
  target_team_id      BIGINT UNSIGNED NULL,
  window_minutes      INT           NULL,
  created_at          DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_position (active, position, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Capacity: at most this many open leads (status new or contacted); NULL = no limit.
-- Availability: paused (the agent or a manager) and away_until.
ALTER TABLE {prefix}senw_agents
  ADD COLUMN capacity INT NULL,
  ADD COLUMN away_until DATETIME(3) NULL;

-- The routing state of a lead: the rule that placed it, whether it waits in
-- the pond, and the speed-to-lead deadline of its current agent.
CREATE TABLE {prefix}senw_lead_routing (
  lead_id          BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  rule_id          BIGINT UNSIGNED NULL,
  in_pond          TINYINT(1)    NOT NULL DEFAULT 0,
  assigned_at      DATETIME(3)   NULL,
  deadline_at      DATETIME(3)   NULL,
  first_contact_at DATETIME(3)   NULL,
  moves            SMALLINT      NOT NULL DEFAULT 0,
  KEY idx_deadline (deadline_at),
  KEY idx_pond (in_pond)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

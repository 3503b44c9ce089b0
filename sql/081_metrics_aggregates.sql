-- Precomputed aggregates for the pipeline metrics and the dashboard (issue 9:
-- fast at 100,000 deals without the cache). They are derived from the deals'
-- stage history alone and kept by every writer of that history in the same
-- transaction (sidecar/analytics/aggregates.py refresh_deal(), the PHP
-- SENW_CRM_Deals::refresh_aggregates(): the same statements), recomputed for
-- the one deal whose history was written.
--
-- deals.stages_reached  the distinct stages in the deal's history, a comma
--                       set in stage-key order (keys are [a-z0-9_-]): the
--                       funnel's "entered" and "passed" counts for any stage
--                       order, grouped by this set
-- deals.won_at          the first closed_won entry of the deal's history
-- history.left_at       when the deal left this stage: the next entry's
--                       created_at (order created_at, id); NULL = still there
-- history.agent_id      the deal's agent (deals.agent_id), for the scope
-- history.won_at        the deal's won_at (the forecast's close rates)
ALTER TABLE {prefix}senw_deals
  ADD COLUMN stages_reached  VARCHAR(1000) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL DEFAULT '',
  ADD COLUMN won_at          DATETIME(3)   NULL,
  DROP KEY idx_agent_stage,
  ADD KEY idx_agent_stage (agent_id, stage, value, probability, closed_at),
  DROP KEY idx_stage,
  ADD KEY idx_stage (stage, agent_id, value, probability, closed_at),
  ADD KEY idx_reached (stages_reached, agent_id, created_at);

ALTER TABLE {prefix}senw_deal_stage_history
  ADD COLUMN agent_id  BIGINT UNSIGNED NULL,
  ADD COLUMN left_at   DATETIME(3)   NULL,
  ADD COLUMN won_at    DATETIME(3)   NULL,
  DROP KEY idx_to,
  ADD KEY idx_to (to_stage, created_at, agent_id, left_at, won_at),
  ADD KEY idx_agent_stage (agent_id, to_stage, created_at, left_at, won_at);

-- Engagement trend (events per day): the day as an indexed virtual column, so
-- the last 14 days are counted from the index in day order (no writer changes).
ALTER TABLE {prefix}senw_events
  ADD COLUMN event_day DATE AS (CAST(event_timestamp AS DATE)) VIRTUAL,
  ADD KEY idx_day_agent (event_day, agent_id);

-- Open leads per temperature (and agent): from the index alone, in its order.
ALTER TABLE {prefix}senw_leads
  ADD KEY idx_temp_status_agent (temperature, status, agent_id);

-- Backfill from the existing rows (bench/engagement.py seeds the same way:
-- sidecar/analytics/aggregates.py backfill() runs the UPDATE statements below).
UPDATE {prefix}senw_deals d
  JOIN (SELECT deal_id, GROUP_CONCAT(DISTINCT to_stage ORDER BY to_stage SEPARATOR ',') AS reached,
               MIN(IF(to_stage = 'closed_won', created_at, NULL)) AS won
          FROM {prefix}senw_deal_stage_history GROUP BY deal_id) x ON x.deal_id = d.id
  SET d.stages_reached = x.reached, d.won_at = x.won, d.updated_at = d.updated_at;

UPDATE {prefix}senw_deal_stage_history h
  JOIN (SELECT id, LEAD(created_at) OVER (PARTITION BY deal_id ORDER BY created_at, id) AS next_at
          FROM {prefix}senw_deal_stage_history) x ON x.id = h.id
  JOIN {prefix}senw_deals d ON d.id = h.deal_id
  SET h.left_at = x.next_at, h.agent_id = d.agent_id, h.won_at = d.won_at;

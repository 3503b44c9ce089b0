-- Responses and their attribution: a reply to a campaign message (or a form
-- response carrying a campaign's link) names the campaign, step and list it
-- answers; the person becomes a lead through intake (deduped, assigned).
CREATE TABLE {prefix}senw_responses (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_id      BIGINT UNSIGNED NOT NULL,
  channel        VARCHAR(10)   NOT NULL,
  message_id     BIGINT UNSIGNED NULL,
  in_reply_to    BIGINT UNSIGNED NULL,
  campaign_id    BIGINT UNSIGNED NULL,
  step_id        BIGINT UNSIGNED NULL,
  list_id        BIGINT UNSIGNED NULL,
  submission_id  BIGINT UNSIGNED NULL,
  created_at     DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_message (message_id),
  KEY idx_campaign (campaign_id, created_at),
  KEY idx_list (list_id, created_at),
  KEY idx_person (person_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Conversations: agents' emails and texts to a lead, replies from the lead
-- (Twilio inbound SMS, SendGrid Inbound Parse) threaded per person, message
-- templates with merge fields, and provider events received once.

ALTER TABLE {prefix}senw_messages
  ADD COLUMN from_address  VARCHAR(254)  NOT NULL DEFAULT '',
  ADD COLUMN user_id       BIGINT UNSIGNED NULL,
  ADD COLUMN purpose       VARCHAR(15)   NOT NULL DEFAULT '',
  ADD COLUMN in_reply_to   BIGINT UNSIGNED NULL,
  ADD COLUMN delivered_at  DATETIME(3)   NULL,
  ADD COLUMN opened_at     DATETIME(3)   NULL,
  ADD COLUMN clicked_at    DATETIME(3)   NULL,
  ADD KEY idx_person_created (person_id, created_at);

CREATE TABLE {prefix}senw_message_templates (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name        VARCHAR(100)  NOT NULL,
  channel     VARCHAR(10)   NOT NULL,
  subject     VARCHAR(255)  NOT NULL DEFAULT '',
  body        TEXT          NOT NULL,
  active      TINYINT(1)    NOT NULL DEFAULT 1,
  created_by  BIGINT UNSIGNED NULL,
  created_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_channel (channel, active)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Webhook deliveries already applied (SendGrid sg_event_id, Twilio MessageSid
-- per status): a provider's repeat changes nothing.
CREATE TABLE {prefix}senw_provider_events (
  provider     VARCHAR(20)   NOT NULL,
  event_id     VARCHAR(120)  NOT NULL,
  event_type   VARCHAR(30)   NOT NULL DEFAULT '',
  message_id   BIGINT UNSIGNED NULL,
  received_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (provider, event_id),
  KEY idx_received (received_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO {prefix}senw_message_templates (name, channel, subject, body) VALUES
  ('First text (asks to confirm)', 'sms', '',
   'Hi {first_name}, this is {agent_name} with {brokerage}. Thanks for your inquiry! Reply YES to get texts from us about homes. Reply STOP to opt out.'),
  ('Follow-up text', 'sms', '',
   'Hi {first_name}, {agent_name} from {brokerage} here. Do you have a few minutes this week to talk about your home search?'),
  ('Follow-up email', 'email', 'Following up on your inquiry',
   'Hi {first_name},\n\nThanks for reaching out to {brokerage}. I would be glad to help; when is a good time to talk?\n\n{agent_name}');

-- Saved searches and listing alerts, RESO SavedSearch and Prospecting.
-- A saved search holds its SearchQuery (the public search's filters as JSON,
-- SearchQueryType 'senw-filters-1') and the same criteria as columns the
-- matcher reads. A prospecting row is one recipient's alerts for a saved
-- search (ScheduleType instant/daily/weekly, ActiveYN, NextSendTimestamp).

CREATE TABLE {prefix}senw_saved_searches (
  id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  saved_search_key    CHAR(36)      NOT NULL,
  search_query        JSON          NOT NULL,
  search_query_type   VARCHAR(30)   NOT NULL DEFAULT 'senw-filters-1',
  created_by_user_id  BIGINT UNSIGNED NULL,
  status              VARCHAR(30)   NULL,
  property_type       VARCHAR(255)  NULL,
  city                VARCHAR(255)  NULL,
  postal_code         VARCHAR(20)   NULL,
  min_price           DECIMAL(14,2) NULL,
  max_price           DECIMAL(14,2) NULL,
  min_beds            INT           NULL,
  min_baths           INT           NULL,
  min_area            DECIMAL(14,2) NULL,
  max_area            DECIMAL(14,2) NULL,
  max_dom             INT           NULL,
  keyword             VARCHAR(200)  NULL,
  created_at          DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_saved_search_key (saved_search_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_prospecting (
  id                   BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  prospecting_key      CHAR(36)      NOT NULL,
  saved_search_id      BIGINT UNSIGNED NOT NULL,
  email                VARCHAR(254)  NOT NULL,
  person_id            BIGINT UNSIGNED NULL,
  lead_id              BIGINT UNSIGNED NULL,
  schedule_type        VARCHAR(10)   NOT NULL DEFAULT 'daily',
  active_yn            TINYINT(1)    NOT NULL DEFAULT 1,
  next_send_at         DATETIME(3)   NULL,
  last_sent_at         DATETIME(3)   NULL,
  unsubscribe_token    CHAR(64)      NOT NULL,
  -- consent given with the visitor's own save (NULL: the person's recorded consent applies)
  consent_text         TEXT          NULL,
  consent_at           DATETIME(3)   NULL,
  consent_ip           VARCHAR(45)   NOT NULL DEFAULT '',
  unsubscribed_at      DATETIME(3)   NULL,
  created_at           DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_prospecting_key (prospecting_key),
  UNIQUE KEY uq_unsubscribe (unsubscribe_token),
  KEY idx_search (saved_search_id),
  KEY idx_lead (lead_id),
  KEY idx_due (active_yn, schedule_type, next_send_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per listing event a recipient is to hear about: a new listing, or a
-- price drop to a given price (the key makes a rerun of the matcher harmless).
CREATE TABLE {prefix}senw_alert_matches (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  prospecting_id  BIGINT UNSIGNED NOT NULL,
  listing_key     VARCHAR(255)  NOT NULL,
  reason          VARCHAR(12)   NOT NULL,
  list_price      DECIMAL(14,2) NULL,
  previous_price  DECIMAL(14,2) NULL,
  matched_at      DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  message_id      BIGINT UNSIGNED NULL,
  sent_at         DATETIME(3)   NULL,
  UNIQUE KEY uq_event (prospecting_id, listing_key, reason, list_price),
  KEY idx_unsent (prospecting_id, sent_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The last price the matcher saw per listing (to tell new listings and price
-- drops), and how far it has read each feed's changes (properties.synced_at).
CREATE TABLE {prefix}senw_alert_listing_state (
  ListingKey  VARCHAR(255)  NOT NULL PRIMARY KEY,
  ListPrice   DECIMAL(14,2) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_alert_feed_marks (
  feed_id     VARCHAR(64)  NOT NULL PRIMARY KEY,
  synced_at   DATETIME(3)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Listings already stored are not "new" to anyone.
INSERT INTO {prefix}senw_alert_listing_state (ListingKey, ListPrice)
  SELECT ListingKey, ListPrice FROM {prefix}senw_properties;
INSERT INTO {prefix}senw_alert_feed_marks (feed_id, synced_at)
  SELECT feed_id, MAX(synced_at) FROM {prefix}senw_properties GROUP BY feed_id;

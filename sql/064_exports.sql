-- Exports per platform (mail house, dialer, SMS platform, SendGrid contacts,
-- ad audiences): each record passes the compliance gate; the file is written
-- by the sidecar into its export directory and downloaded from wp-admin.
CREATE TABLE {prefix}senw_exports (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  platform      VARCHAR(20)   NOT NULL,
  list_id       BIGINT UNSIGNED NOT NULL,
  status        VARCHAR(12)   NOT NULL DEFAULT 'queued',
  rows_out      INT UNSIGNED  NOT NULL DEFAULT 0,
  rows_blocked  INT UNSIGNED  NOT NULL DEFAULT 0,
  blocked_by    JSON          NULL,
  file_name     VARCHAR(80)   NOT NULL DEFAULT '',
  created_by    BIGINT UNSIGNED NULL,
  created_at    DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  finished_at   DATETIME(3)   NULL,
  KEY idx_list (list_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

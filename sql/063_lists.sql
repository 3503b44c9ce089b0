-- Lists: owners and properties pulled from providers or uploaded as CSV,
-- stacked (a person on several lists carries every one), imported with a
-- column mapping, per-row errors, and dedupe against people and properties
-- (never merging two existing people).

CREATE TABLE {prefix}senw_lists (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name           VARCHAR(150)  NOT NULL,
  source         VARCHAR(60)   NOT NULL DEFAULT 'csv',
  criteria       JSON          NULL,
  cost_cents     INT UNSIGNED  NOT NULL DEFAULT 0,
  status         VARCHAR(12)   NOT NULL DEFAULT 'pending',
  file_name      VARCHAR(255)  NOT NULL DEFAULT '',
  upload_file    VARCHAR(64)   NOT NULL DEFAULT '',
  mapping        JSON          NULL,
  rows_total     INT UNSIGNED  NOT NULL DEFAULT 0,
  rows_done      INT UNSIGNED  NOT NULL DEFAULT 0,
  rows_imported  INT UNSIGNED  NOT NULL DEFAULT 0,
  rows_matched   INT UNSIGNED  NOT NULL DEFAULT 0,
  rows_duplicate INT UNSIGNED  NOT NULL DEFAULT 0,
  rows_bad       INT UNSIGNED  NOT NULL DEFAULT 0,
  created_by     BIGINT UNSIGNED NULL,
  created_at     DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  finished_at    DATETIME(3)   NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Saved search criteria for list pulls (area, property type, value range,
-- owner type, equity, years owned, status such as pre-foreclosure).
CREATE TABLE {prefix}senw_list_criteria (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name        VARCHAR(150)  NOT NULL,
  criteria    JSON          NOT NULL,
  created_by  BIGINT UNSIGNED NULL,
  created_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_list_members (
  list_id      BIGINT UNSIGNED NOT NULL,
  person_id    BIGINT UNSIGNED NOT NULL,
  property_id  BIGINT UNSIGNED NOT NULL DEFAULT 0,
  row_no   INT UNSIGNED  NOT NULL,
  matched      TINYINT(1)    NOT NULL DEFAULT 0,
  PRIMARY KEY (list_id, person_id, property_id),
  KEY idx_person (person_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Properties owners hold (one owner, many properties), deduped by address.
CREATE TABLE {prefix}senw_owner_properties (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  address_key  CHAR(40)      NOT NULL,
  street       VARCHAR(255)  NOT NULL,
  city         VARCHAR(100)  NOT NULL DEFAULT '',
  state        VARCHAR(2)    NOT NULL DEFAULT '',
  postal_code  VARCHAR(10)   NOT NULL DEFAULT '',
  created_at   DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_address (address_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_person_properties (
  person_id    BIGINT UNSIGNED NOT NULL,
  property_id  BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (person_id, property_id),
  KEY idx_property (property_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_import_errors (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  list_id     BIGINT UNSIGNED NOT NULL,
  row_no  INT UNSIGNED  NOT NULL,
  kind        VARCHAR(10)   NOT NULL DEFAULT 'bad',
  field       VARCHAR(30)   NOT NULL DEFAULT '',
  reason      VARCHAR(255)  NOT NULL,
  UNIQUE KEY uq_row (list_id, row_no, field),
  KEY idx_list (list_id, row_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_import_mappings (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name        VARCHAR(100)  NOT NULL,
  mapping     JSON          NOT NULL,
  created_by  BIGINT UNSIGNED NULL,
  created_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- MLS columns hold their RESO Data Dictionary type's full range (sidecar/mls/dd.py;
-- tests/test_mls_dd.py derives the widths from ../shared/reso.md and the feed's
-- $metadata): Int64 -> BIGINT, Decimal(p,s) -> DECIMAL(p,s) or wider, lookups ->
-- VARCHAR(255), strings of 4,000+ characters -> TEXT. A value that still cannot
-- be stored nulls that field only and is recorded in senw_mls_field_problems.

ALTER TABLE {prefix}senw_properties
  MODIFY MlsStatus                VARCHAR(255)  NULL,
  MODIFY StandardStatus           VARCHAR(255)  NULL,
  MODIFY PropertyType             VARCHAR(255)  NULL,
  MODIFY PropertySubType          VARCHAR(255)  NULL,
  MODIFY ListPrice                DECIMAL(14,2) NULL,
  MODIFY OriginalListPrice        DECIMAL(14,2) NULL,
  MODIFY ClosePrice               DECIMAL(14,2) NULL,
  MODIFY DaysOnMarket             BIGINT        NULL,
  MODIFY CumulativeDaysOnMarket   BIGINT        NULL,
  MODIFY BedroomsTotal            BIGINT        NULL,
  MODIFY BathroomsTotalInteger    BIGINT        NULL,
  MODIFY BathroomsFull            BIGINT        NULL,
  MODIFY BathroomsHalf            BIGINT        NULL,
  MODIFY LivingArea               DECIMAL(14,2) NULL,
  MODIFY LotSizeArea              DECIMAL(16,4) NULL,
  MODIFY LotSizeAcres             DECIMAL(16,4) NULL,
  MODIFY LotSizeSquareFeet        DECIMAL(14,2) NULL,
  MODIFY YearBuilt                BIGINT        NULL,
  MODIFY StoriesTotal             BIGINT        NULL,
  MODIFY GarageSpaces             DECIMAL(14,2) NULL,
  MODIFY StreetSuffix             VARCHAR(255)  NULL,
  MODIFY City                     VARCHAR(255)  NULL,
  MODIFY StateOrProvince          VARCHAR(255)  NULL,
  MODIFY CountyOrParish           VARCHAR(255)  NULL,
  MODIFY Country                  VARCHAR(255)  NULL,
  MODIFY Latitude                 DECIMAL(12,8) NULL,
  MODIFY Longitude                DECIMAL(12,8) NULL,
  MODIFY AssociationFee           DECIMAL(14,2) NULL,
  MODIFY TaxAnnualAmount          DECIMAL(14,2) NULL,
  MODIFY PhotosCount              BIGINT        NULL,
  MODIFY VirtualTourURLUnbranded  TEXT          NULL,
  MODIFY first_photo_url          TEXT          NULL;

-- Media fields we do not map are kept, as for listings
ALTER TABLE {prefix}senw_mls_media
  MODIFY ResourceName    VARCHAR(255) NOT NULL DEFAULT 'Property',
  MODIFY MediaURL        TEXT         NULL,
  MODIFY MediaCategory   VARCHAR(255) NULL,
  MODIFY `Order`         BIGINT       NULL,
  ADD COLUMN extra       JSON         NULL AFTER ModificationTimestamp;

ALTER TABLE {prefix}senw_mls_members MODIFY MemberStatus VARCHAR(255) NULL;
ALTER TABLE {prefix}senw_mls_offices MODIFY OfficeStatus VARCHAR(255) NULL;
ALTER TABLE {prefix}senw_mls_open_houses MODIFY OpenHouseStatus VARCHAR(255) NULL;

-- A record the sync could not store at all is one row per feed, resource and
-- payload: seen again, the row is reopened, never repeated.
ALTER TABLE {prefix}senw_mls_quarantine
  ADD COLUMN payload_hash CHAR(40) AS (SHA1(payload)) STORED,
  ADD COLUMN last_seen_at DATETIME(3) NULL,
  ADD UNIQUE KEY uq_payload (feed_id, resource, payload_hash);

-- Fields of stored records whose value could not be stored (kept NULL): the
-- current state, replaced each time the record is written.
CREATE TABLE {prefix}senw_mls_field_problems (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  feed_id       VARCHAR(64)   NOT NULL,
  resource      VARCHAR(40)   NOT NULL,
  record_key    VARCHAR(255)  NOT NULL,
  -- the listing the record belongs to (Property and Media)
  listing_key   VARCHAR(255)  NULL,
  field         VARCHAR(100)  NOT NULL,
  problem       VARCHAR(500)  NOT NULL,
  value         TEXT          NULL,
  run_id        BIGINT UNSIGNED NULL,
  seen_at       DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_field (feed_id, resource, record_key, field),
  KEY idx_listing (listing_key),
  KEY idx_feed_seen (feed_id, seen_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- unchanged: records the feed sent that we already held at that timestamp
-- (not written again); field_problems: fields stored as NULL in this run
ALTER TABLE {prefix}senw_mls_sync_runs
  ADD COLUMN unchanged      INT UNSIGNED NOT NULL DEFAULT 0 AFTER removed,
  ADD COLUMN field_problems INT UNSIGNED NOT NULL DEFAULT 0 AFTER quarantined,
  -- what the run learned about the feed (adaptive requests) and did about it
  ADD COLUMN notes          TEXT NULL AFTER error_message;

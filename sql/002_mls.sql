-- MLS listings replicated from RESO Web API feeds, and the sync's bookkeeping.
-- Columns use RESO Data Dictionary 2.0 names. Lookup values (StandardStatus,
-- PropertyType, ...) are stored as RESO display names ('Active Under Contract'),
-- whichever spelling the feed sent. Timestamps are UTC, millisecond precision.
-- searchable = 0 hides a listing from every search (Delete status, visibility
-- flag false, or gone from the feed at reconcile); the row itself is kept.

CREATE TABLE {prefix}senw_properties (
  id                              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  feed_id                         VARCHAR(64)   NOT NULL,
  ListingKey                      VARCHAR(255)  NOT NULL,
  ListingId                       VARCHAR(255)  NULL,
  OriginatingSystemName           VARCHAR(255)  NULL,
  StandardStatus                  VARCHAR(40)   NULL,
  MlsStatus                       VARCHAR(100)  NULL,
  PropertyType                    VARCHAR(40)   NULL,
  PropertySubType                 VARCHAR(60)   NULL,
  ListPrice                       DECIMAL(14,2) NULL,
  OriginalListPrice               DECIMAL(14,2) NULL,
  ClosePrice                      DECIMAL(14,2) NULL,
  CloseDate                       DATE          NULL,
  ListingContractDate             DATE          NULL,
  OnMarketDate                    DATE          NULL,
  OffMarketDate                   DATE          NULL,
  DaysOnMarket                    INT           NULL,
  CumulativeDaysOnMarket          INT           NULL,
  BedroomsTotal                   SMALLINT      NULL,
  BathroomsTotalInteger           SMALLINT      NULL,
  BathroomsFull                   SMALLINT      NULL,
  BathroomsHalf                   SMALLINT      NULL,
  LivingArea                      DECIMAL(12,2) NULL,
  LotSizeArea                     DECIMAL(14,4) NULL,
  LotSizeAcres                    DECIMAL(14,4) NULL,
  LotSizeSquareFeet               DECIMAL(14,2) NULL,
  YearBuilt                       SMALLINT      NULL,
  StoriesTotal                    SMALLINT      NULL,
  GarageSpaces                    DECIMAL(6,2)  NULL,
  UnparsedAddress                 VARCHAR(255)  NULL,
  StreetNumber                    VARCHAR(30)   NULL,
  StreetName                      VARCHAR(100)  NULL,
  StreetSuffix                    VARCHAR(30)   NULL,
  UnitNumber                      VARCHAR(30)   NULL,
  City                            VARCHAR(100)  NULL,
  StateOrProvince                 VARCHAR(30)   NULL,
  PostalCode                      VARCHAR(20)   NULL,
  CountyOrParish                  VARCHAR(100)  NULL,
  Country                         VARCHAR(10)   NULL,
  Latitude                        DECIMAL(10,7) NULL,
  Longitude                       DECIMAL(10,7) NULL,
  SubdivisionName                 VARCHAR(150)  NULL,
  PublicRemarks                   TEXT          NULL,
  -- may be stored for agents; never shown on the public site
  PrivateRemarks                  TEXT          NULL,
  ListAgentKey                    VARCHAR(255)  NULL,
  ListAgentMlsId                  VARCHAR(50)   NULL,
  ListAgentFullName               VARCHAR(150)  NULL,
  ListOfficeKey                   VARCHAR(255)  NULL,
  ListOfficeName                  VARCHAR(255)  NULL,
  BuyerAgentKey                   VARCHAR(255)  NULL,
  BuyerOfficeKey                  VARCHAR(255)  NULL,
  AssociationFee                  DECIMAL(12,2) NULL,
  TaxAnnualAmount                 DECIMAL(12,2) NULL,
  ModificationTimestamp           DATETIME(3)   NULL,
  OriginalEntryTimestamp          DATETIME(3)   NULL,
  StatusChangeTimestamp           DATETIME(3)   NULL,
  PriceChangeTimestamp            DATETIME(3)   NULL,
  PhotosChangeTimestamp           DATETIME(3)   NULL,
  PhotosCount                     SMALLINT      NULL,
  VirtualTourURLUnbranded         VARCHAR(2000) NULL,
  InternetEntireListingDisplayYN  TINYINT(1)    NULL,
  InternetAddressDisplayYN        TINYINT(1)    NULL,
  -- fields the mapping does not know, as the feed sent them
  extra                           JSON          NULL,
  searchable                      TINYINT(1)    NOT NULL DEFAULT 1,
  removed_at                      DATETIME(3)   NULL,
  first_photo_url                 VARCHAR(2000) NULL,
  -- PhotosChangeTimestamp of the media rows we hold (decides refetch)
  media_synced_ts                 DATETIME(3)   NULL,
  synced_at                       DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_listing_key (ListingKey),
  KEY idx_feed_mod (feed_id, ModificationTimestamp),
  KEY idx_status_price (searchable, StandardStatus, ListPrice),
  KEY idx_price (searchable, ListPrice),
  KEY idx_search_mod (searchable, ModificationTimestamp),
  KEY idx_city (City, ListPrice),
  KEY idx_postal (PostalCode),
  KEY idx_beds (BedroomsTotal),
  KEY idx_baths (BathroomsTotalInteger),
  KEY idx_living_area (LivingArea),
  KEY idx_type (PropertyType, ListPrice),
  KEY idx_dom (DaysOnMarket),
  KEY idx_list_agent (ListAgentKey),
  FULLTEXT KEY ft_keyword (UnparsedAddress, PublicRemarks, SubdivisionName, City)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- RESO Media. `Order` is a reserved word in SQL: quote it with backticks.
CREATE TABLE {prefix}senw_mls_media (
  id                          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  feed_id                     VARCHAR(64)   NOT NULL,
  MediaKey                    VARCHAR(255)  NOT NULL,
  ResourceName                VARCHAR(40)   NOT NULL DEFAULT 'Property',
  ResourceRecordKey           VARCHAR(255)  NOT NULL,
  MediaURL                    VARCHAR(2000) NULL,
  MediaCategory               VARCHAR(40)   NULL,
  `Order`                     INT           NULL,
  ShortDescription            VARCHAR(500)  NULL,
  MediaModificationTimestamp  DATETIME(3)   NULL,
  ModificationTimestamp       DATETIME(3)   NULL,
  synced_at                   DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_media_key (MediaKey),
  KEY idx_record_order (ResourceRecordKey, `Order`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_mls_members (
  id                     BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  feed_id                VARCHAR(64)   NOT NULL,
  MemberKey              VARCHAR(255)  NOT NULL,
  MemberMlsId            VARCHAR(50)   NULL,
  MemberFirstName        VARCHAR(100)  NULL,
  MemberLastName         VARCHAR(100)  NULL,
  MemberFullName         VARCHAR(150)  NULL,
  MemberEmail            VARCHAR(254)  NULL,
  MemberMobilePhone      VARCHAR(40)   NULL,
  OfficeKey              VARCHAR(255)  NULL,
  MemberStatus           VARCHAR(20)   NULL,
  ModificationTimestamp  DATETIME(3)   NULL,
  extra                  JSON          NULL,
  removed_at             DATETIME(3)   NULL,
  synced_at              DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_member_key (MemberKey),
  KEY idx_office (OfficeKey)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_mls_offices (
  id                     BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  feed_id                VARCHAR(64)   NOT NULL,
  OfficeKey              VARCHAR(255)  NOT NULL,
  OfficeMlsId            VARCHAR(50)   NULL,
  OfficeName             VARCHAR(255)  NULL,
  OfficePhone            VARCHAR(40)   NULL,
  OfficeEmail            VARCHAR(254)  NULL,
  OfficeStatus           VARCHAR(20)   NULL,
  ModificationTimestamp  DATETIME(3)   NULL,
  extra                  JSON          NULL,
  removed_at             DATETIME(3)   NULL,
  synced_at              DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_office_key (OfficeKey)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE {prefix}senw_mls_open_houses (
  id                     BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  feed_id                VARCHAR(64)   NOT NULL,
  OpenHouseKey           VARCHAR(255)  NOT NULL,
  ListingKey             VARCHAR(255)  NOT NULL,
  OpenHouseDate          DATE          NULL,
  OpenHouseStartTime     DATETIME(3)   NULL,
  OpenHouseEndTime       DATETIME(3)   NULL,
  OpenHouseStatus        VARCHAR(20)   NULL,
  OpenHouseRemarks       TEXT          NULL,
  ModificationTimestamp  DATETIME(3)   NULL,
  extra                  JSON          NULL,
  removed_at             DATETIME(3)   NULL,
  synced_at              DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_open_house_key (OpenHouseKey),
  KEY idx_listing_start (ListingKey, OpenHouseStartTime)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per sync run. status: queued, running, succeeded, failed, skipped
-- (another run of the same feed held the lock). kind: full, incremental,
-- reconcile. progress_done/progress_total count listings of the run.
CREATE TABLE {prefix}senw_mls_sync_runs (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  feed_id         VARCHAR(64)   NOT NULL,
  kind            VARCHAR(20)   NOT NULL DEFAULT 'incremental',
  status          VARCHAR(20)   NOT NULL DEFAULT 'queued',
  requested_by    BIGINT UNSIGNED NULL,
  created_at      DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  started_at      DATETIME(3)   NULL,
  finished_at     DATETIME(3)   NULL,
  phase           VARCHAR(30)   NOT NULL DEFAULT '',
  added           INT UNSIGNED  NOT NULL DEFAULT 0,
  updated         INT UNSIGNED  NOT NULL DEFAULT 0,
  removed         INT UNSIGNED  NOT NULL DEFAULT 0,
  quarantined     INT UNSIGNED  NOT NULL DEFAULT 0,
  errors          INT UNSIGNED  NOT NULL DEFAULT 0,
  error_message   TEXT          NULL,
  progress_total  INT UNSIGNED  NULL,
  progress_done   INT UNSIGNED  NOT NULL DEFAULT 0,
  KEY idx_feed_created (feed_id, created_at),
  KEY idx_status (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Per feed and resource: the high-water mark of what is fully stored, and
-- the key-set position of a load in progress so a crash resumes there.
CREATE TABLE {prefix}senw_mls_checkpoints (
  feed_id         VARCHAR(64)   NOT NULL,
  resource        VARCHAR(40)   NOT NULL,
  high_water_ts   DATETIME(3)   NULL,
  high_water_key  VARCHAR(255)  NULL,
  load_kind       VARCHAR(20)   NULL,
  load_ts         DATETIME(3)   NULL,
  load_key        VARCHAR(255)  NULL,
  load_since      DATETIME(3)   NULL,
  load_run_id     BIGINT UNSIGNED NULL,
  last_reconcile_at DATETIME(3) NULL,
  updated_at      DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (feed_id, resource)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Records the sync could not store, kept with the reason and the raw payload.
CREATE TABLE {prefix}senw_mls_quarantine (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  feed_id      VARCHAR(64)   NOT NULL,
  resource     VARCHAR(40)   NOT NULL,
  record_key   VARCHAR(255)  NULL,
  reason       VARCHAR(1000) NOT NULL,
  payload      LONGTEXT      NOT NULL,
  run_id       BIGINT UNSIGNED NULL,
  created_at   DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  resolved_at  DATETIME(3)   NULL,
  KEY idx_feed_created (feed_id, created_at),
  KEY idx_record (resource, record_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

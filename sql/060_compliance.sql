-- The compliance gate (sidecar/compliance/): one decision per message or
-- export to a contact, written to a ledger managers search and export;
-- opt-outs (the brokerage's internal do-not-call / do-not-email list);
-- established business relationships; consent verification; and the
-- Do-Not-Call sources whose numbers live in the sidecar's DNC store files.

-- Consent rows gain where they came from and, for SMS given on an unverified
-- web form, when the number confirmed them (a YES reply).
ALTER TABLE {prefix}senw_consents
  ADD COLUMN source       VARCHAR(30)  NOT NULL DEFAULT 'web_form',
  ADD COLUMN address      VARCHAR(254) NOT NULL DEFAULT '',
  ADD COLUMN verified_at  DATETIME(3)  NULL,
  ADD COLUMN user_id      BIGINT UNSIGNED NULL;

-- Every opt-out on any channel. channel: sms, call, email, mail or all.
-- address: the E.164 phone or normalized email it covers ('' = every address
-- of the person). lifted_at: a later START/resubscribe.
CREATE TABLE {prefix}senw_opt_outs (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  channel     VARCHAR(10)   NOT NULL,
  address     VARCHAR(254)  NOT NULL DEFAULT '',
  person_id   BIGINT UNSIGNED NULL,
  source      VARCHAR(30)   NOT NULL,
  detail      VARCHAR(255)  NOT NULL DEFAULT '',
  user_id     BIGINT UNSIGNED NULL,
  created_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  lifted_at   DATETIME(3)   NULL,
  KEY idx_address (address, lifted_at),
  KEY idx_person (person_id, lifted_at),
  KEY idx_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Established business relationship: an inquiry (3 months) or a transaction
-- (18 months); an opt-out ends it (ended_at).
CREATE TABLE {prefix}senw_business_relationships (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_id    BIGINT UNSIGNED NOT NULL,
  kind         VARCHAR(12)   NOT NULL,
  occurred_at  DATETIME(3)   NOT NULL,
  source       VARCHAR(60)   NOT NULL DEFAULT '',
  ended_at     DATETIME(3)   NULL,
  created_at   DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_source (person_id, kind, source),
  KEY idx_person (person_id, ended_at, occurred_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per gate decision: who asked (actor), channel, purpose, the
-- address decided on, allowed or not, the deciding rule, every reason, and
-- the registry date the decision used.
CREATE TABLE {prefix}senw_compliance_ledger (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  decided_at     DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  channel        VARCHAR(15)   NOT NULL,
  purpose        VARCHAR(15)   NOT NULL,
  person_id      BIGINT UNSIGNED NULL,
  lead_id        BIGINT UNSIGNED NULL,
  address        VARCHAR(254)  NOT NULL DEFAULT '',
  allowed        TINYINT(1)    NOT NULL,
  rule           VARCHAR(40)   NOT NULL,
  reasons        JSON          NOT NULL,
  registry_date  DATE          NULL,
  actor          VARCHAR(60)   NOT NULL DEFAULT '',
  user_id        BIGINT UNSIGNED NULL,
  ref            VARCHAR(120)  NOT NULL DEFAULT '',
  KEY idx_decided (decided_at),
  KEY idx_address (address, decided_at),
  KEY idx_person (person_id, decided_at),
  KEY idx_rule (allowed, rule, decided_at),
  KEY idx_ref (ref)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Do-Not-Call sources: the federal registry (per area code), state lists and
-- litigator lists. The numbers themselves are in the DNC store's files; a row
-- here says what was loaded, when, and the registry's own date.
CREATE TABLE {prefix}senw_dnc_sources (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind           VARCHAR(12)   NOT NULL,
  name           VARCHAR(60)   NOT NULL,
  registry_date  DATE          NOT NULL,
  numbers        INT UNSIGNED  NOT NULL DEFAULT 0,
  area_codes     INT UNSIGNED  NOT NULL DEFAULT 0,
  loaded_at      DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_source (kind, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every file loaded (full or change list), to enforce one registry download
-- per 24 hours and to show managers what happened.
CREATE TABLE {prefix}senw_dnc_loads (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind           VARCHAR(12)   NOT NULL,
  name           VARCHAR(60)   NOT NULL,
  list_type      VARCHAR(10)   NOT NULL,
  registry_date  DATE          NOT NULL,
  file_name      VARCHAR(255)  NOT NULL DEFAULT '',
  -- the stored upload it came from (a rerun of the load job finds it here)
  upload_key     VARCHAR(64)   NULL,
  added          INT UNSIGNED  NOT NULL DEFAULT 0,
  deleted        INT UNSIGNED  NOT NULL DEFAULT 0,
  rejected       INT UNSIGNED  NOT NULL DEFAULT 0,
  problems       JSON          NULL,
  user_id        BIGINT UNSIGNED NULL,
  loaded_at      DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_kind (kind, name, loaded_at),
  UNIQUE KEY uq_upload (upload_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The date of the copy held for each area code of each list: a call or text
-- uses the federal copy of the called number's own area code.
CREATE TABLE {prefix}senw_dnc_area_codes (
  kind           VARCHAR(12)   NOT NULL,
  name           VARCHAR(60)   NOT NULL,
  npa            SMALLINT UNSIGNED NOT NULL,
  registry_date  DATE          NOT NULL,
  loaded_at      DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (kind, name, npa)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

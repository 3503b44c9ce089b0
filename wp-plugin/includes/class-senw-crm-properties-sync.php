<?php
/**
 * MLS sync runs as the plugin sees them: reading runs and quarantined records
 * for the Sync screen, and "Sync now", which writes a queued run and its
 * outbox row (topic mls.sync) in one transaction, then kicks the sidecar.
 * The sync itself runs in the sidecar (sidecar.jobs.mls.run_sync).
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Properties_Sync {

	/** Run states that block another "Sync now" of the same feed. */
	const ACTIVE_STATES = array( 'queued', 'running' );

	/**
	 * A queued or running run older than this (seconds) no longer blocks a new
	 * request: its worker is presumed gone.
	 */
	const STALE_AFTER = 6 * HOUR_IN_SECONDS;

	/**
	 * Feed ids the site knows: those seen in runs and checkpoints, else 'local'
	 * (the sidecar's default feed). Filterable: senw_crm_mls_feeds.
	 *
	 * @return string[]
	 */
	public static function feeds() {
		global $wpdb;
		$runs  = SENW_CRM_Db::t( 'mls_sync_runs' );
		$check = SENW_CRM_Db::t( 'mls_checkpoints' );
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from $wpdb->prefix.
		$found = $wpdb->get_col( "SELECT feed_id FROM {$check} UNION SELECT DISTINCT feed_id FROM {$runs}" );
		$feeds = $found ? array_values( array_unique( array_map( 'strval', $found ) ) ) : array( 'local' );
		sort( $feeds );
		return (array) apply_filters( 'senw_crm_mls_feeds', $feeds );
	}

	/**
	 * Runs, newest first.
	 *
	 * @return array[]
	 */
	public static function runs( $limit = 20 ) {
		global $wpdb;
		$table = SENW_CRM_Db::t( 'mls_sync_runs' );
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from $wpdb->prefix.
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT id, feed_id, kind, status, requested_by, created_at, started_at, finished_at, phase, added, updated, removed, unchanged, quarantined, field_problems, errors, error_message, notes, progress_total, progress_done FROM {$table} ORDER BY id DESC LIMIT %d", max( 1, min( 200, (int) $limit ) ) ), ARRAY_A );
		return $rows ? $rows : array();
	}

	/**
	 * When each feed last synced successfully: feed_id => finished_at (UTC).
	 *
	 * @return array<string, string>
	 */
	public static function last_success() {
		global $wpdb;
		$table = SENW_CRM_Db::t( 'mls_sync_runs' );
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from $wpdb->prefix.
		$rows = $wpdb->get_results( "SELECT feed_id, MAX(finished_at) AS finished_at FROM {$table} WHERE status = 'succeeded' GROUP BY feed_id ORDER BY feed_id", ARRAY_A );
		return $rows ? wp_list_pluck( $rows, 'finished_at', 'feed_id' ) : array();
	}

	/**
	 * Quarantined records, newest first, without the payload (see quarantined()).
	 *
	 * @return array{rows: array[], total: int}
	 */
	public static function quarantine( $page = 1, $per_page = 20 ) {
		global $wpdb;
		$table    = SENW_CRM_Db::t( 'mls_quarantine' );
		list( , $per_page, $offset ) = SENW_CRM_Db::page_offset( $page, $per_page );
		// phpcs:disable WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from $wpdb->prefix.
		$total = (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$table} WHERE resolved_at IS NULL" );
		$rows  = $wpdb->get_results( $wpdb->prepare( "SELECT id, feed_id, resource, record_key, reason, run_id, created_at, CHAR_LENGTH(payload) AS payload_length FROM {$table} WHERE resolved_at IS NULL ORDER BY id DESC LIMIT %d OFFSET %d", $per_page, $offset ), ARRAY_A );
		// phpcs:enable
		return array(
			'rows'  => $rows ? $rows : array(),
			'total' => $total,
		);
	}

	/** One quarantined record with its raw payload, or null. */
	public static function quarantined( $id ) {
		global $wpdb;
		$table = SENW_CRM_Db::t( 'mls_quarantine' );
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from $wpdb->prefix.
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT id, feed_id, resource, record_key, reason, payload, run_id, created_at, resolved_at FROM {$table} WHERE id = %d", (int) $id ), ARRAY_A );
		return $row ? $row : null;
	}

	/**
	 * The queued or running run of a feed (or its unsent request in the
	 * outbox), or null when none blocks a new one.
	 *
	 * @return array|null array( 'run_id' => int|null, 'status' => string )
	 */
	public static function active( $feed ) {
		global $wpdb;
		$runs   = SENW_CRM_Db::t( 'mls_sync_runs' );
		$outbox = SENW_CRM_Db::t( 'outbox' );
		$since  = gmdate( 'Y-m-d H:i:s', time() - self::STALE_AFTER );
		// phpcs:disable WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from $wpdb->prefix.
		$run = $wpdb->get_row( $wpdb->prepare( "SELECT id, status FROM {$runs} WHERE feed_id = %s AND status IN ('queued', 'running') AND COALESCE(started_at, created_at) >= %s ORDER BY id DESC LIMIT 1", $feed, $since ), ARRAY_A );
		if ( $run ) {
			return array(
				'run_id' => (int) $run['id'],
				'status' => $run['status'],
			);
		}
		// A request from the scheduler may not have its run row yet.
		$pending = $wpdb->get_var( $wpdb->prepare( "SELECT id FROM {$outbox} WHERE dispatched_at IS NULL AND parked_at IS NULL AND topic = 'mls.sync' AND JSON_UNQUOTE(JSON_EXTRACT(payload, '$.feed')) = %s LIMIT 1", $feed ) );
		// phpcs:enable
		if ( $pending ) {
			return array(
				'run_id' => null,
				'status' => 'queued',
			);
		}
		return null;
	}

	/**
	 * "Sync now": one queued run and its outbox row, in one transaction, unless
	 * a run of the feed is already queued or running. The caller checked the
	 * capability and the nonce.
	 *
	 * @return array|WP_Error array( 'created' => bool, 'run_id' => int|null, 'status' => string, 'outbox_id' => int|null )
	 */
	public static function request( $feed, $user_id ) {
		global $wpdb;
		$feed = (string) $feed;
		if ( ! in_array( $feed, self::feeds(), true ) ) {
			return new WP_Error( 'senw_crm_unknown_feed', __( 'Unknown MLS feed.', 'senw-crm' ), array( 'status' => 400 ) );
		}
		// Serializes concurrent presses: the check and the insert happen under one named lock.
		$lock = 'senw_mls_sync_request_' . md5( $wpdb->prefix . $feed );
		if ( '1' !== (string) $wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, 10)', $lock ) ) ) {
			return new WP_Error( 'senw_crm_busy', __( 'Another sync request is being recorded; try again.', 'senw-crm' ), array( 'status' => 409 ) );
		}
		try {
			$active = self::active( $feed );
			if ( $active ) {
				return array_merge(
					$active,
					array(
						'created'   => false,
						'outbox_id' => null,
					)
				);
			}
			SENW_CRM_Db::begin();
			$ok = $wpdb->insert(
				SENW_CRM_Db::t( 'mls_sync_runs' ),
				array(
					'feed_id'      => $feed,
					'kind'         => 'incremental',
					'status'       => 'queued',
					'requested_by' => (int) $user_id,
					'created_at'   => SENW_CRM_Db::now(),
				),
				array( '%s', '%s', '%s', '%d', '%s' )
			);
			$run_id = $ok ? (int) $wpdb->insert_id : 0;
			$ok     = $ok && $wpdb->insert(
				SENW_CRM_Db::t( 'outbox' ),
				array(
					'topic'   => 'mls.sync',
					'queue'   => 'low',
					'payload' => wp_json_encode(
						array(
							'feed'         => $feed,
							'mode'         => 'incremental',
							'requested_by' => (int) $user_id,
							'run_id'       => $run_id,
						)
					),
				),
				array( '%s', '%s', '%s' )
			);
			$outbox_id = $ok ? (int) $wpdb->insert_id : 0;
			if ( ! $ok || ! SENW_CRM_Db::commit() ) {
				SENW_CRM_Db::rollback();
				return new WP_Error( 'senw_crm_db', __( 'The sync request could not be saved.', 'senw-crm' ), array( 'status' => 500 ) );
			}
		} finally {
			$wpdb->query( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', $lock ) );
		}
		if ( class_exists( 'SENW_CRM_Audit' ) ) {
			SENW_CRM_Audit::log(
				'sync_request',
				'mls_sync_run',
				$run_id,
				array( 'feed' => $feed ),
				(int) $user_id
			);
		}
		SENW_CRM_Sidecar::kick_outbox( $outbox_id );
		return array(
			'created'   => true,
			'run_id'    => $run_id,
			'status'    => 'queued',
			'outbox_id' => $outbox_id,
		);
	}
}

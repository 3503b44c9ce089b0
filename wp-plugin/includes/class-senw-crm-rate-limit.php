<?php
/**
 * Fixed-window counters in the senw_rate_limits table, for the public lead
 * and save-search forms, per client (SENW_CRM_Client_Ip: an IPv4 address or an
 * IPv6 /64). One atomic statement per hit, so concurrent PHP workers never lose a
 * count and no lock is held across queries.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Rate_Limit {

	/**
	 * Counts one hit of the current client for $scope ('capture', ...): the
	 * bucket is the client's address, or its /64 for IPv6.
	 *
	 * @see hit()
	 */
	public static function hit_client( $scope, $limit, $window = 60 ) {
		return self::hit( $scope . ':' . SENW_CRM_Client_Ip::bucket( SENW_CRM_Client_Ip::get() ), $limit, $window );
	}

	/**
	 * Counts one hit for $bucket in the current window and says whether it is
	 * within $limit.
	 *
	 * @param string $bucket Key, e.g. 'capture:203.0.113.7' (at most 80 chars).
	 * @param int    $limit  Hits allowed per window; 0 or less means no limit.
	 * @param int    $window Window length in seconds.
	 * @return array{allowed: bool, hits: int, retry_after: int} retry_after is
	 *         the seconds until the window resets.
	 */
	public static function hit( $bucket, $limit, $window = 60 ) {
		global $wpdb;
		$window = max( 1, (int) $window );
		$now    = time();
		$start  = $now - ( $now % $window );
		$retry  = $start + $window - $now;
		if ( (int) $limit <= 0 ) {
			return array(
				'allowed'     => true,
				'hits'        => 0,
				'retry_after' => $retry,
			);
		}
		$table  = $wpdb->prefix . 'senw_rate_limits';
		$bucket = substr( (string) $bucket, 0, 80 );
		// LAST_INSERT_ID(expr) hands the new count back through insert_id, so
		// the increment and the read are the same statement.
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from $wpdb->prefix.
		$ok = $wpdb->query( $wpdb->prepare( "INSERT INTO `{$table}` (bucket, window_start, hits) VALUES (%s, %d, LAST_INSERT_ID(1)) ON DUPLICATE KEY UPDATE hits = LAST_INSERT_ID(hits + 1)", $bucket, $start ) );
		if ( false === $ok ) {
			// A broken counter must not turn visitors away: fail open.
			return array(
				'allowed'     => true,
				'hits'        => 0,
				'retry_after' => $retry,
			);
		}
		$hits = (int) $wpdb->insert_id;
		// Old windows are garbage; sweep them now and then, not on every hit.
		if ( 1 === $hits && 0 === wp_rand( 0, 49 ) ) {
			// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from $wpdb->prefix.
			$wpdb->query( $wpdb->prepare( "DELETE FROM `{$table}` WHERE window_start < %d", $start - 3600 ) );
		}
		return array(
			'allowed'     => $hits <= (int) $limit,
			'hits'        => $hits,
			'retry_after' => $retry,
		);
	}
}

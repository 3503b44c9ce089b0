<?php
/**
 * Small helpers over $wpdb shared by the data layer: CRM table names and
 * explicit transactions (the CRM tables are InnoDB).
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Db {

	/**
	 * Full name of a CRM table: t( 'leads' ) -> 'wp_senw_leads'.
	 *
	 * @param string $name Table name without prefix.
	 * @return string
	 */
	public static function t( $name ) {
		global $wpdb;
		return $wpdb->prefix . 'senw_' . preg_replace( '/[^a-z0-9_]/', '', $name );
	}

	public static function begin() {
		global $wpdb;
		// READ COMMITTED takes no gap locks: under REPEATABLE READ, concurrent
		// lead-form submissions (FOR UPDATE on not-yet-existing emails, then
		// inserts into that gap) deadlocked each other until every retry failed.
		// Unique keys still catch a true race, and create() retries on them.
		$wpdb->query( 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED' );
		$wpdb->query( 'START TRANSACTION' );
	}

	public static function commit() {
		global $wpdb;
		return false !== $wpdb->query( 'COMMIT' );
	}

	public static function rollback() {
		global $wpdb;
		$wpdb->query( 'ROLLBACK' );
	}

	/** Throws when a $wpdb write failed (false), so the caller's transaction rolls back. */
	public static function check( $result ) {
		if ( false === $result ) {
			throw new RuntimeException( 'db' );
		}
		return $result;
	}

	/**
	 * True when the last statement failed on a unique key or a deadlock, i.e.
	 * a concurrent writer got there first and the transaction may be retried.
	 */
	public static function last_error_is_conflict() {
		global $wpdb;
		$error = (string) $wpdb->last_error;
		return false !== stripos( $error, 'Duplicate entry' )
			|| false !== stripos( $error, 'Deadlock' )
			|| false !== stripos( $error, 'Lock wait timeout' );
	}

	/**
	 * Runs $wpdb->prepare() only when there are arguments (prepare() warns
	 * about a query without placeholders).
	 *
	 * @param string $sql  SQL with placeholders.
	 * @param array  $args Values.
	 * @return string
	 */
	public static function prepare( $sql, array $args ) {
		global $wpdb;
		if ( empty( $args ) ) {
			return $sql;
		}
		return $wpdb->prepare( $sql, $args ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- callers pass placeholders.
	}

	/** Current time as MySQL DATETIME(3) in UTC, for columns we set explicitly. */
	public static function now() {
		$t = microtime( true );
		return gmdate( 'Y-m-d H:i:s', (int) $t ) . sprintf( '.%03d', (int) ( ( $t - floor( $t ) ) * 1000 ) );
	}

	/** The client's address as the web server saw it (never a forwarded header). */
	public static function remote_addr() {
		$ip = isset( $_SERVER['REMOTE_ADDR'] ) ? trim( (string) $_SERVER['REMOTE_ADDR'] ) : ''; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput -- validated below.
		return filter_var( $ip, FILTER_VALIDATE_IP ) ? $ip : '';
	}
}

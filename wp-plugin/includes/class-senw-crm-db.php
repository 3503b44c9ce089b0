<?php
/**
 * Small helpers over $wpdb shared by the data layer: CRM table names and
 * explicit transactions (the CRM tables are InnoDB).
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Db {

	/**
	 * The highest page any list accepts. A page number beyond it is refused
	 * by the REST routes (see SENW_CRM_REST::paging_params()) and clamped by
	 * page_offset(), so that page * per_page is always an integer: PHP turns
	 * an overflowing product into a float, which MySQL refuses as a LIMIT.
	 */
	const MAX_PAGE = 100000;

	/**
	 * The open transaction: the connection it runs on and whether wpdb replaced
	 * that connection since (a reconnect after "server has gone away").
	 *
	 * @var array{thread: int, broken: bool}|null
	 */
	private static $tx = null;

	public static function register() {
		// wpdb applies this filter on every (re)connection, in set_sql_mode().
		add_filter( 'incompatible_sql_modes', array( __CLASS__, 'on_connect' ) );
	}

	/**
	 * wpdb reconnects after "server has gone away" and re-runs the statement on
	 * the new connection in autocommit: the transaction begun earlier is gone,
	 * and every later statement would commit on its own. A reconnection inside
	 * one of our transactions makes the new connection read-only until the
	 * transaction is rolled back, so that nothing the lost transaction began is
	 * half-written, and marks the transaction broken so that it cannot commit.
	 */
	public static function on_connect( $modes ) {
		global $wpdb;
		if ( null !== self::$tx ) {
			self::$tx['broken'] = true;
			if ( $wpdb->dbh instanceof mysqli ) {
				mysqli_query( $wpdb->dbh, 'SET SESSION TRANSACTION READ ONLY' );
			}
		}
		return $modes;
	}

	private static function thread_id() {
		global $wpdb;
		return $wpdb->dbh instanceof mysqli ? (int) mysqli_thread_id( $wpdb->dbh ) : 0;
	}

	/** Whether the open transaction is still the one begun (same connection, no reconnect). */
	public static function tx_intact() {
		return null === self::$tx || ( ! self::$tx['broken'] && self::thread_id() === self::$tx['thread'] );
	}

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
		self::$tx = array(
			'thread' => self::thread_id(),
			'broken' => false,
		);
	}

	/** False when COMMIT failed or the transaction was lost to a reconnection. */
	public static function commit() {
		global $wpdb;
		$ok = self::tx_intact() && false !== $wpdb->query( 'COMMIT' ) && self::tx_intact();
		self::end();
		return $ok;
	}

	public static function rollback() {
		global $wpdb;
		$wpdb->query( 'ROLLBACK' );
		self::end();
	}

	private static function end() {
		global $wpdb;
		$broken = null !== self::$tx && ! self::tx_intact();
		self::$tx = null;
		if ( $broken && $wpdb->dbh instanceof mysqli ) {
			mysqli_query( $wpdb->dbh, 'SET SESSION TRANSACTION READ WRITE' );
		}
	}

	/**
	 * Throws when a $wpdb write failed (false) or the transaction was lost to a
	 * reconnection, so the caller's transaction rolls back.
	 */
	public static function check( $result ) {
		if ( false === $result || ! self::tx_intact() ) {
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

	/**
	 * Page and per-page as integers within bounds, and the row offset.
	 *
	 * @param mixed $page         Requested page (1-based); anything else is 1.
	 * @param mixed $per_page     Requested rows per page.
	 * @param int   $max_per_page Upper bound for $per_page.
	 * @return array{0: int, 1: int, 2: int} page, per_page, offset.
	 */
	public static function page_offset( $page, $per_page, $max_per_page = 100 ) {
		$per_page = is_numeric( $per_page ) ? max( 1, min( (int) $max_per_page, (int) $per_page ) ) : min( 20, (int) $max_per_page );
		$page     = is_numeric( $page ) && (float) $page >= 1 ? (int) min( self::MAX_PAGE, (float) $page ) : 1;
		return array( $page, $per_page, ( $page - 1 ) * $per_page );
	}

	/** Current time as MySQL DATETIME(3) in UTC, for columns we set explicitly. */
	public static function now() {
		$t = microtime( true );
		return gmdate( 'Y-m-d H:i:s', (int) $t ) . sprintf( '.%03d', (int) ( ( $t - floor( $t ) ) * 1000 ) );
	}

	/**
	 * The peer's address as the web server saw it (never a forwarded header).
	 * Code that wants the visitor's address asks SENW_CRM_Client_Ip::get(),
	 * which believes X-Forwarded-For only from trusted proxies.
	 */
	public static function remote_addr() {
		$ip = isset( $_SERVER['REMOTE_ADDR'] ) ? trim( (string) $_SERVER['REMOTE_ADDR'] ) : ''; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput -- validated below.
		return filter_var( $ip, FILTER_VALIDATE_IP ) ? $ip : '';
	}
}

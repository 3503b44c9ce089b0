<?php
/**
 * The audit log: who did what to which CRM record, when and from where.
 * Details carry ids and field names only, never names, emails or phones.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Audit {

	/**
	 * @param string   $action      view, create, update, assign, note, status, erase, ...
	 * @param string   $object_type lead, person, agent, ...
	 * @param int|null $object_id   Id of the record.
	 * @param array    $details     Ids and field names (never personal data).
	 * @param int|null $user_id     Acting user; defaults to the current user.
	 * @return int|false Audit row id.
	 */
	public static function log( $action, $object_type, $object_id, array $details = array(), $user_id = null ) {
		global $wpdb;
		$user_id = null === $user_id ? get_current_user_id() : (int) $user_id;
		$row     = array(
			'user_id'     => $user_id > 0 ? $user_id : null,
			'action'      => substr( (string) $action, 0, 40 ),
			'object_type' => substr( (string) $object_type, 0, 30 ),
			'object_id'   => null === $object_id ? null : (int) $object_id,
			'ip_address'  => SENW_CRM_Client_Ip::get(),
			'details'     => empty( $details ) ? null : wp_json_encode( $details ),
			'created_at'  => SENW_CRM_Db::now(),
		);
		$ok      = $wpdb->insert( SENW_CRM_Db::t( 'audit_log' ), $row, array( '%d', '%s', '%s', '%d', '%s', '%s', '%s' ) );
		return $ok ? (int) $wpdb->insert_id : false;
	}

	/**
	 * Latest audit rows for one record (for screens that show the history).
	 *
	 * @return array[]
	 */
	public static function for_object( $object_type, $object_id, $limit = 50 ) {
		global $wpdb;
		$table = SENW_CRM_Db::t( 'audit_log' );
		return $wpdb->get_results(
			$wpdb->prepare(
				"SELECT a.id, a.user_id, u.display_name AS user_name, a.action, a.ip_address, a.details, a.created_at FROM `{$table}` a LEFT JOIN {$wpdb->users} u ON u.ID = a.user_id WHERE a.object_type = %s AND a.object_id = %d ORDER BY a.created_at DESC, a.id DESC LIMIT %d", // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from $wpdb.
				$object_type,
				(int) $object_id,
				max( 1, min( 500, (int) $limit ) )
			),
			ARRAY_A
		);
	}

	/**
	 * WHERE clause and arguments for the Audit Log screen's filters.
	 *
	 * @param array $f user (int; -1 = the sidecar/system), object_type, object_id,
	 *                 action, from, to (Y-m-d in the site's time zone).
	 * @return array{0: string, 1: array}
	 */
	private static function where( array $f ) {
		$where = array( '1=1' );
		$args  = array();
		if ( isset( $f['user'] ) && '' !== (string) $f['user'] ) {
			if ( -1 === (int) $f['user'] ) {
				$where[] = 'a.user_id IS NULL';
			} else {
				$where[] = 'a.user_id = %d';
				$args[]  = (int) $f['user'];
			}
		}
		foreach ( array( 'object_type', 'action' ) as $col ) {
			if ( ! empty( $f[ $col ] ) ) {
				$where[] = "a.{$col} = %s";
				$args[]  = (string) $f[ $col ];
			}
		}
		if ( ! empty( $f['object_id'] ) ) {
			$where[] = 'a.object_id = %d';
			$args[]  = (int) $f['object_id'];
		}
		$tz = wp_timezone();
		foreach ( array( 'from' => '>=', 'to' => '<' ) as $key => $op ) {
			if ( empty( $f[ $key ] ) ) {
				continue;
			}
			$day = DateTimeImmutable::createFromFormat( '!Y-m-d', (string) $f[ $key ], $tz );
			if ( ! $day ) {
				continue;
			}
			if ( 'to' === $key ) {
				$day = $day->modify( '+1 day' );
			}
			$where[] = "a.created_at {$op} %s";
			$args[]  = $day->setTimezone( new DateTimeZone( 'UTC' ) )->format( 'Y-m-d H:i:s' );
		}
		return array( implode( ' AND ', $where ), $args );
	}

	/**
	 * One page of audit rows, newest first, with the total.
	 *
	 * @return array{items: array[], total: int}
	 */
	public static function query( array $filters, $page = 1, $per_page = 50 ) {
		global $wpdb;
		$table = self::t();
		list( $where, $args ) = self::where( $filters );
		list( , $per_page, $offset ) = SENW_CRM_Db::page_offset( $page, $per_page, 200 );
		// phpcs:disable WordPress.DB.PreparedSQL -- table names from $wpdb, $where built from fixed fragments with placeholders.
		$total = (int) $wpdb->get_var( SENW_CRM_Db::prepare( "SELECT COUNT(*) FROM `{$table}` a WHERE {$where}", $args ) );
		$items = $wpdb->get_results( SENW_CRM_Db::prepare( "SELECT a.*, u.display_name AS user_name FROM `{$table}` a LEFT JOIN {$wpdb->users} u ON u.ID = a.user_id WHERE {$where} ORDER BY a.created_at DESC, a.id DESC LIMIT %d OFFSET %d", array_merge( $args, array( $per_page, $offset ) ) ), ARRAY_A );
		// phpcs:enable
		return array(
			'items' => $items,
			'total' => $total,
		);
	}

	/** Calls $emit( $row ) for every matching row, newest first, in batches. */
	public static function each( array $filters, callable $emit ) {
		global $wpdb;
		$table = self::t();
		list( $where, $args ) = self::where( $filters );
		$last = PHP_INT_MAX;
		do {
			// phpcs:ignore WordPress.DB.PreparedSQL -- as in query().
			$rows = $wpdb->get_results( SENW_CRM_Db::prepare( "SELECT a.*, u.display_name AS user_name FROM `{$table}` a LEFT JOIN {$wpdb->users} u ON u.ID = a.user_id WHERE {$where} AND a.id < %d ORDER BY a.id DESC LIMIT 1000", array_merge( $args, array( $last ) ) ), ARRAY_A );
			foreach ( $rows as $row ) {
				$emit( $row );
				$last = (int) $row['id'];
			}
		} while ( count( $rows ) === 1000 );
	}

	/** Distinct values of action or object_type, for the filters. */
	public static function distinct( $column ) {
		global $wpdb;
		$column = 'action' === $column ? 'action' : 'object_type';
		$table  = self::t();
		return $wpdb->get_col( "SELECT DISTINCT {$column} FROM `{$table}` ORDER BY {$column}" ); // phpcs:ignore WordPress.DB.PreparedSQL -- fixed column and table names.
	}

	/** Users who appear in the log, id => name. */
	public static function users() {
		global $wpdb;
		$table = self::t();
		$out   = array();
		// phpcs:ignore WordPress.DB.PreparedSQL -- table names from $wpdb.
		foreach ( $wpdb->get_results( "SELECT DISTINCT a.user_id, u.display_name FROM `{$table}` a LEFT JOIN {$wpdb->users} u ON u.ID = a.user_id WHERE a.user_id IS NOT NULL ORDER BY u.display_name", ARRAY_A ) as $row ) {
			$out[ (int) $row['user_id'] ] = null === $row['display_name'] ? '#' . $row['user_id'] : $row['display_name'];
		}
		return $out;
	}

	private static function t() {
		return SENW_CRM_Db::t( 'audit_log' );
	}
}

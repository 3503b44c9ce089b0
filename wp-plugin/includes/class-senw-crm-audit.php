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
			'ip_address'  => SENW_CRM_Db::remote_addr(),
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
}

<?php
/**
 * Record-level rules for people: a person is in a user's scope when every lead
 * of theirs is (SENW_CRM_Visibility's lead scope) and they have at least one.
 * Applied in SQL, like the lead scope, so a list never fetches what it must
 * not show.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Person_Scope {

	/**
	 * SQL (with its args) true when the person whose id is in $column is in the
	 * user's scope for $mode ('view' or 'edit').
	 *
	 * @return array{sql: string, args: array}
	 */
	public static function sql( $user_id, $column, $mode = 'edit' ) {
		$inner = SENW_CRM_Visibility::lead_scope( $user_id, 'lx', $mode );
		if ( '0=1' === $inner['sql'] ) {
			return $inner;
		}
		$leads = SENW_CRM_Db::t( 'leads' );
		if ( '1=1' === $inner['sql'] ) {
			return array(
				'sql'  => '1=1',
				'args' => array(),
			);
		}
		$outer = SENW_CRM_Visibility::lead_scope( $user_id, 'ly', $mode );
		// "<=> 1" makes a NULL (an unassigned lead) count as outside the scope.
		return array(
			'sql'  => "EXISTS (SELECT 1 FROM `{$leads}` lx WHERE lx.person_id = {$column} AND ({$inner['sql']})) AND NOT EXISTS (SELECT 1 FROM `{$leads}` ly WHERE ly.person_id = {$column} AND NOT (({$outer['sql']}) <=> 1))",
			'args' => array_merge( $inner['args'], $outer['args'] ),
		);
	}

	/** Whether the person is in the user's scope. */
	public static function allows( $user_id, $person_id, $mode = 'edit' ) {
		global $wpdb;
		$scope = self::sql( $user_id, 'p.id', $mode );
		if ( '0=1' === $scope['sql'] ) {
			return false;
		}
		$people = SENW_CRM_Db::t( 'people' );
		return (bool) $wpdb->get_var( SENW_CRM_Db::prepare( "SELECT 1 FROM `{$people}` p WHERE p.id = %d AND {$scope['sql']}", array_merge( array( (int) $person_id ), $scope['args'] ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- prepared by SENW_CRM_Db::prepare().
	}
}

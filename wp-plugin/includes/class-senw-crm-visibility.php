<?php
/**
 * The record-level rule for leads, as SQL to AND into a WHERE clause, so that
 * what a user may see is decided by the query itself, never after fetching.
 *
 * Scope by capability (view or edit flavour):
 *   senw_view_all_leads / senw_edit_all_leads    every lead
 *   senw_view_team_leads / senw_edit_team_leads  own leads + leads of agents in
 *                                                teams the user leads
 *   senw_view_leads / senw_edit_leads            own leads (agent_id = user)
 *   none                                         nothing
 * Unassigned leads (agent_id NULL) are visible to the "all" scope only.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Visibility {

	/**
	 * @param int    $user_id WordPress user id.
	 * @param string $alias   Alias of the leads table in the caller's query.
	 * @param string $mode    'view' or 'edit'.
	 * @return array{sql: string, args: array}
	 */
	public static function lead_scope( $user_id, $alias = 'l', $mode = 'view' ) {
		$user_id = (int) $user_id;
		$a       = preg_replace( '/[^A-Za-z0-9_]/', '', (string) $alias );
		$a       = '' === $a ? 'l' : $a;
		$kind    = 'edit' === $mode ? 'edit' : 'view';

		if ( $user_id <= 0 ) {
			return array( 'sql' => '0=1', 'args' => array() );
		}
		if ( user_can( $user_id, "senw_{$kind}_all_leads" ) ) {
			return array( 'sql' => '1=1', 'args' => array() );
		}
		if ( user_can( $user_id, "senw_{$kind}_team_leads" ) ) {
			$teams   = SENW_CRM_Db::t( 'teams' );
			$members = SENW_CRM_Db::t( 'team_members' );
			return array(
				'sql'  => "( {$a}.agent_id = %d OR {$a}.agent_id IN ( SELECT senw_vtm.user_id FROM `{$members}` senw_vtm JOIN `{$teams}` senw_vt ON senw_vt.id = senw_vtm.team_id WHERE senw_vt.leader_user_id = %d ) )",
				'args' => array( $user_id, $user_id ),
			);
		}
		if ( user_can( $user_id, "senw_{$kind}_leads" ) ) {
			return array( 'sql' => "{$a}.agent_id = %d", 'args' => array( $user_id ) );
		}
		return array( 'sql' => '0=1', 'args' => array() );
	}

	public static function can_view_lead( $user_id, $lead_id ) {
		return self::lead_in_scope( $user_id, $lead_id, 'view' );
	}

	public static function can_edit_lead( $user_id, $lead_id ) {
		return self::lead_in_scope( $user_id, $lead_id, 'edit' );
	}

	/**
	 * May $user_id reassign $lead_id (to $agent_id, when given)? Needs
	 * senw_assign_leads, the edit rule on the lead, and an agent the user may
	 * hand leads to.
	 */
	public static function can_assign_lead( $user_id, $lead_id, $agent_id = null ) {
		if ( ! user_can( (int) $user_id, 'senw_assign_leads' ) || ! self::can_edit_lead( $user_id, $lead_id ) ) {
			return false;
		}
		return null === $agent_id || self::can_assign_to( $user_id, $agent_id );
	}

	/**
	 * May $user_id give leads to $agent_id? The agent must be able to work
	 * leads; a user without the "all" edit scope may only pick themself or an
	 * agent in a team they lead.
	 */
	public static function can_assign_to( $user_id, $agent_id ) {
		global $wpdb;
		$user_id  = (int) $user_id;
		$agent_id = (int) $agent_id;
		if ( $user_id <= 0 || $agent_id <= 0 || ! user_can( $user_id, 'senw_assign_leads' ) ) {
			return false;
		}
		if ( ! get_userdata( $agent_id ) || ! user_can( $agent_id, 'senw_edit_leads' ) ) {
			return false;
		}
		if ( user_can( $user_id, 'senw_edit_all_leads' ) || $agent_id === $user_id ) {
			return true;
		}
		if ( ! user_can( $user_id, 'senw_edit_team_leads' ) ) {
			return false;
		}
		$teams   = SENW_CRM_Db::t( 'teams' );
		$members = SENW_CRM_Db::t( 'team_members' );
		$found   = $wpdb->get_var(
			$wpdb->prepare(
				"SELECT 1 FROM `{$members}` tm JOIN `{$teams}` t ON t.id = tm.team_id WHERE t.leader_user_id = %d AND tm.user_id = %d LIMIT 1", // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from $wpdb->prefix.
				$user_id,
				$agent_id
			)
		);
		return (bool) $found;
	}

	private static function lead_in_scope( $user_id, $lead_id, $mode ) {
		global $wpdb;
		$lead_id = (int) $lead_id;
		if ( $lead_id <= 0 ) {
			return false;
		}
		$scope = self::lead_scope( $user_id, 'l', $mode );
		if ( '0=1' === $scope['sql'] ) {
			return false;
		}
		$leads = SENW_CRM_Db::t( 'leads' );
		$sql   = "SELECT 1 FROM `{$leads}` l WHERE l.id = %d AND {$scope['sql']} LIMIT 1";
		return (bool) $wpdb->get_var( SENW_CRM_Db::prepare( $sql, array_merge( array( $lead_id ), $scope['args'] ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- prepared by SENW_CRM_Db::prepare().
	}
}

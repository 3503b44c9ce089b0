<?php
/**
 * Teams (senw_teams / senw_team_members): a team lead sees and assigns the
 * leads of their team's agents (SENW_CRM_Visibility), and lead routing sends
 * leads to a team's round-robin pool. This class is the data layer the Teams
 * screen writes through; every change is audit-logged with ids only.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Teams {

	const CAP = 'senw_manage_teams';

	/**
	 * Every team with its leader's name and member ids.
	 *
	 * @return array[] id, name, leader_user_id, leader_name, members (int[]).
	 */
	public static function all() {
		global $wpdb;
		$teams   = SENW_CRM_Db::t( 'teams' );
		$members = SENW_CRM_Db::t( 'team_members' );
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from $wpdb->prefix.
		$rows = $wpdb->get_results( "SELECT t.id, t.name, t.leader_user_id, u.display_name AS leader_name FROM `{$teams}` t LEFT JOIN {$wpdb->users} u ON u.ID = t.leader_user_id ORDER BY t.name, t.id", ARRAY_A );
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from $wpdb->prefix.
		$pairs  = $wpdb->get_results( "SELECT team_id, user_id FROM `{$members}` ORDER BY team_id, user_id", ARRAY_A );
		$by_team = array();
		foreach ( $pairs as $p ) {
			$by_team[ (int) $p['team_id'] ][] = (int) $p['user_id'];
		}
		foreach ( $rows as &$row ) {
			$row['id']             = (int) $row['id'];
			$row['leader_user_id'] = (int) $row['leader_user_id'];
			$row['members']        = isset( $by_team[ $row['id'] ] ) ? $by_team[ $row['id'] ] : array();
		}
		return $rows;
	}

	public static function get( $team_id ) {
		foreach ( self::all() as $team ) {
			if ( (int) $team_id === $team['id'] ) {
				return $team;
			}
		}
		return null;
	}

	/** Users who may lead a team: those who hold the team scope. id => name. */
	public static function leader_choices() {
		return self::users_with( 'senw_view_team_leads' );
	}

	/** Users who may be members: those who work leads. id => name. */
	public static function member_choices() {
		return self::users_with( 'senw_edit_leads' );
	}

	private static function users_with( $cap ) {
		$out = array();
		foreach ( get_users( array( 'orderby' => 'display_name', 'fields' => array( 'ID', 'display_name' ) ) ) as $u ) {
			if ( user_can( (int) $u->ID, $cap ) ) {
				$out[ (int) $u->ID ] = $u->display_name;
			}
		}
		return $out;
	}

	/**
	 * Validates a team's fields. Returns an error code or ''.
	 *
	 * @param string $name      Team name.
	 * @param int    $leader_id Leader's user id.
	 * @param int[]  $members   Member user ids.
	 */
	public static function validate( $name, $leader_id, array $members ) {
		if ( '' === $name || strlen( $name ) > 100 ) {
			return 'team_bad_name';
		}
		if ( ! isset( self::leader_choices()[ (int) $leader_id ] ) ) {
			return 'team_bad_leader';
		}
		$allowed = self::member_choices();
		foreach ( $members as $uid ) {
			if ( ! isset( $allowed[ (int) $uid ] ) ) {
				return 'team_bad_member';
			}
		}
		return '';
	}

	/**
	 * Creates a team ($team_id 0) or saves one: name, leader and the exact
	 * member list, in one transaction.
	 *
	 * @return int Team id, 0 on failure.
	 */
	public static function save( $team_id, $name, $leader_id, array $members ) {
		global $wpdb;
		$teams   = SENW_CRM_Db::t( 'teams' );
		$table   = SENW_CRM_Db::t( 'team_members' );
		$members = array_values( array_unique( array_map( 'intval', $members ) ) );
		$team_id = (int) $team_id;
		$before  = $team_id ? self::get( $team_id ) : null;
		if ( $team_id && ! $before ) {
			return 0;
		}
		SENW_CRM_Db::begin();
		try {
			if ( $team_id ) {
				SENW_CRM_Db::check( $wpdb->update( $teams, array( 'name' => $name, 'leader_user_id' => (int) $leader_id ), array( 'id' => $team_id ), array( '%s', '%d' ), array( '%d' ) ) );
				SENW_CRM_Db::check( $wpdb->delete( $table, array( 'team_id' => $team_id ), array( '%d' ) ) );
			} else {
				SENW_CRM_Db::check( $wpdb->insert( $teams, array( 'name' => $name, 'leader_user_id' => (int) $leader_id ), array( '%s', '%d' ) ) );
				$team_id = (int) $wpdb->insert_id;
			}
			foreach ( $members as $uid ) {
				SENW_CRM_Db::check( $wpdb->insert( $table, array( 'team_id' => $team_id, 'user_id' => $uid ), array( '%d', '%d' ) ) );
			}
			if ( ! SENW_CRM_Db::commit() ) {
				throw new RuntimeException( 'commit' );
			}
		} catch ( RuntimeException $e ) {
			SENW_CRM_Db::rollback();
			return 0;
		}
		$details = array( 'leader_user_id' => (int) $leader_id, 'members' => $members );
		if ( $before ) {
			$details['renamed'] = $before['name'] !== $name;
			$details['from']    = array( 'leader_user_id' => $before['leader_user_id'], 'members' => $before['members'] );
		}
		SENW_CRM_Audit::log( $before ? 'team_update' : 'team_create', 'team', $team_id, $details );
		return $team_id;
	}

	public static function delete( $team_id ) {
		global $wpdb;
		$team_id = (int) $team_id;
		if ( ! self::get( $team_id ) ) {
			return false;
		}
		$wpdb->delete( SENW_CRM_Db::t( 'team_members' ), array( 'team_id' => $team_id ), array( '%d' ) );
		$wpdb->delete( SENW_CRM_Db::t( 'teams' ), array( 'id' => $team_id ), array( '%d' ) );
		SENW_CRM_Audit::log( 'team_delete', 'team', $team_id );
		return true;
	}
}

<?php
/**
 * Lead routing's data: the ordered rules the sidecar applies to new leads
 * (sidecar/leads/routing.py), agents' capacity and availability, claiming a
 * lead from the shared pond (the first claim wins: one conditional UPDATE),
 * and the speed-to-lead report. Screens: SENW_CRM_Admin_Routing.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Routing {

	const CAP     = 'senw_manage_routing';
	const TARGETS = array( 'agent', 'team', 'pond' );

	/** Rule fields a form may set => sanitizer kind. */
	const FIELDS = array(
		'name'            => 'text',
		'source'          => 'key',
		'list_agent_key'  => 'text',
		'list_office_key' => 'text',
		'city'            => 'text',
		'postal_code'     => 'text',
		'min_price'       => 'money',
		'max_price'       => 'money',
		'property_type'   => 'text',
		'time_from'       => 'time',
		'time_to'         => 'time',
		'target_type'     => 'target',
		'target_agent_id' => 'int',
		'target_team_id'  => 'int',
		'window_minutes'  => 'int',
	);

	public static function rules() {
		global $wpdb;
		$t = SENW_CRM_Db::t( 'routing_rules' );
		return $wpdb->get_results( "SELECT * FROM `{$t}` ORDER BY position, id", ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
	}

	/**
	 * Clean rule values from a form, or a WP_Error naming the problem.
	 *
	 * @return array|WP_Error
	 */
	public static function clean( array $in ) {
		$out = array();
		foreach ( self::FIELDS as $name => $kind ) {
			$v = isset( $in[ $name ] ) && is_string( $in[ $name ] ) ? trim( sanitize_text_field( $in[ $name ] ) ) : '';
			if ( '' === $v ) {
				$out[ $name ] = 'name' === $name ? '' : null;
				continue;
			}
			switch ( $kind ) {
				case 'key':
					$out[ $name ] = sanitize_key( $v );
					break;
				case 'money':
					if ( ! is_numeric( str_replace( array( ',', '$' ), '', $v ) ) ) {
						return new WP_Error( 'senw_crm_rule', __( 'Prices are numbers.', 'senw-crm' ) );
					}
					$out[ $name ] = (float) str_replace( array( ',', '$' ), '', $v );
					break;
				case 'time':
					if ( ! preg_match( '/^([01]?\d|2[0-3]):([0-5]\d)$/', $v, $m ) ) {
						return new WP_Error( 'senw_crm_rule', __( 'Times are HH:MM.', 'senw-crm' ) );
					}
					$out[ $name ] = (int) $m[1] * 60 + (int) $m[2];
					break;
				case 'target':
					$out[ $name ] = in_array( $v, self::TARGETS, true ) ? $v : 'agent';
					break;
				case 'int':
					$out[ $name ] = absint( $v ) ? absint( $v ) : null;
					break;
				default:
					$out[ $name ] = mb_substr( $v, 0, 'name' === $name ? 100 : 255 );
			}
		}
		$out['target_type'] = $out['target_type'] ? $out['target_type'] : 'agent';
		if ( 'agent' === $out['target_type'] && ( ! $out['target_agent_id'] || ! user_can( (int) $out['target_agent_id'], 'senw_edit_leads' ) ) ) {
			return new WP_Error( 'senw_crm_rule', __( 'Choose the agent this rule sends leads to.', 'senw-crm' ) );
		}
		if ( 'team' === $out['target_type'] && ( ! $out['target_team_id'] || ! SENW_CRM_Teams::get( $out['target_team_id'] ) ) ) {
			return new WP_Error( 'senw_crm_rule', __( 'Choose the team this rule sends leads to.', 'senw-crm' ) );
		}
		if ( ( null === $out['time_from'] ) !== ( null === $out['time_to'] ) ) {
			return new WP_Error( 'senw_crm_rule', __( 'Give both ends of the time of day, or neither.', 'senw-crm' ) );
		}
		if ( null !== $out['min_price'] && null !== $out['max_price'] && $out['min_price'] > $out['max_price'] ) {
			return new WP_Error( 'senw_crm_rule', __( 'The price band\'s minimum is above its maximum.', 'senw-crm' ) );
		}
		return $out;
	}

	public static function add_rule( array $rule ) {
		global $wpdb;
		$t                = SENW_CRM_Db::t( 'routing_rules' );
		$rule['position'] = 1 + (int) $wpdb->get_var( "SELECT COALESCE(MAX(position), 0) FROM `{$t}`" ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		$ok               = $wpdb->insert( $t, $rule );
		$id               = $ok ? (int) $wpdb->insert_id : 0;
		if ( $id ) {
			SENW_CRM_Audit::log( 'create', 'routing_rule', $id, array( 'target_type' => $rule['target_type'] ) );
		}
		return $id;
	}

	public static function delete_rule( $id ) {
		global $wpdb;
		$wpdb->delete( SENW_CRM_Db::t( 'routing_rules' ), array( 'id' => (int) $id ), array( '%d' ) );
		SENW_CRM_Audit::log( 'delete', 'routing_rule', (int) $id );
	}

	/** Moves a rule one place up (-1) or down (+1), renumbering all positions. */
	public static function move_rule( $id, $step ) {
		global $wpdb;
		$ids = array_map( 'intval', wp_list_pluck( self::rules(), 'id' ) );
		$i   = array_search( (int) $id, $ids, true );
		$j   = false === $i ? false : $i + ( $step < 0 ? -1 : 1 );
		if ( false === $i || $j < 0 || $j >= count( $ids ) ) {
			return;
		}
		list( $ids[ $i ], $ids[ $j ] ) = array( $ids[ $j ], $ids[ $i ] );
		foreach ( $ids as $pos => $rid ) {
			$wpdb->update( SENW_CRM_Db::t( 'routing_rules' ), array( 'position' => $pos + 1 ), array( 'id' => $rid ), array( '%d' ), array( '%d' ) );
		}
		SENW_CRM_Audit::log( 'reorder', 'routing_rule', (int) $id, array( 'order' => $ids ) );
	}

	/** Agents with capacity, availability and their open leads. */
	public static function agents() {
		global $wpdb;
		$a = SENW_CRM_Db::t( 'agents' );
		$l = SENW_CRM_Db::t( 'leads' );
		return $wpdb->get_results( "SELECT a.user_id, u.display_name, a.active, a.paused, a.capacity, a.away_until, (SELECT COUNT(*) FROM `{$l}` x WHERE x.agent_id = a.user_id AND x.status IN ('new', 'contacted')) AS open_leads FROM `{$a}` a JOIN {$wpdb->users} u ON u.ID = a.user_id WHERE a.active = 1 ORDER BY u.display_name", ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from prefix.
	}

	public static function set_availability( $user_id, $capacity, $paused, $away_until ) {
		global $wpdb;
		$wpdb->update(
			SENW_CRM_Db::t( 'agents' ),
			array(
				'capacity'   => null === $capacity ? null : max( 0, (int) $capacity ),
				'paused'     => $paused ? 1 : 0,
				'away_until' => $away_until,
			),
			array( 'user_id' => (int) $user_id )
		);
		SENW_CRM_Audit::log( 'availability', 'agent', (int) $user_id, array( 'capacity' => $capacity, 'paused' => (bool) $paused, 'away' => null !== $away_until ) );
	}

	/** Pond leads (unassigned, waiting for a claim): what an agent needs to choose. */
	public static function pond() {
		global $wpdb;
		$r = SENW_CRM_Db::t( 'lead_routing' );
		$l = SENW_CRM_Db::t( 'leads' );
		$p = SENW_CRM_Db::t( 'properties' );
		return $wpdb->get_results( "SELECT l.id, l.source, l.temperature, l.created_at, p.City, p.ListPrice FROM `{$r}` r JOIN `{$l}` l ON l.id = r.lead_id LEFT JOIN {$p} p ON p.ListingKey = l.listing_key WHERE r.in_pond = 1 AND l.agent_id IS NULL ORDER BY l.created_at LIMIT 200", ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from prefix.
	}

	/**
	 * Claims a pond lead for $user_id. The first claim wins: the UPDATE only
	 * matches while the lead is still unassigned, so of concurrent claims
	 * exactly one changes a row.
	 */
	public static function claim( $lead_id, $user_id ) {
		global $wpdb;
		$l  = SENW_CRM_Db::t( 'leads' );
		$r  = SENW_CRM_Db::t( 'lead_routing' );
		$ok = $wpdb->query( $wpdb->prepare( "UPDATE `{$l}` l JOIN `{$r}` r ON r.lead_id = l.id SET l.agent_id = %d, r.in_pond = 0, r.assigned_at = UTC_TIMESTAMP(3) WHERE l.id = %d AND l.agent_id IS NULL AND r.in_pond = 1", (int) $user_id, (int) $lead_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from prefix.
		if ( ! $ok ) {
			return false;
		}
		$person = (int) $wpdb->get_var( $wpdb->prepare( "SELECT person_id FROM `{$l}` WHERE id = %d", (int) $lead_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		$name   = get_userdata( (int) $user_id ) ? get_userdata( (int) $user_id )->display_name : '#' . (int) $user_id;
		/* translators: %s: agent name */
		SENW_CRM_Timeline::add_activity( (int) $lead_id, $person, (int) $user_id, 'assignment', sprintf( __( 'Claimed from the shared pond by %s.', 'senw-crm' ), $name ), array( 'method' => 'pond_claim', 'agent_id' => (int) $user_id ) );
		SENW_CRM_Audit::log( 'claim', 'lead', (int) $lead_id, array( 'agent_id' => (int) $user_id ) );
		return true;
	}

	/**
	 * Speed to lead per agent over routed leads: how many, how many contacted,
	 * median minutes to first contact, and how many were moved on.
	 */
	public static function report() {
		global $wpdb;
		$r    = SENW_CRM_Db::t( 'lead_routing' );
		$l    = SENW_CRM_Db::t( 'leads' );
		$a    = SENW_CRM_Db::t( 'activities' );
		$rows = $wpdb->get_results( "SELECT l.agent_id, u.display_name, r.moves, TIMESTAMPDIFF(SECOND, r.assigned_at, (SELECT MIN(x.created_at) FROM `{$a}` x WHERE x.lead_id = l.id AND x.user_id = l.agent_id AND x.kind IN ('note', 'message', 'status') AND x.created_at >= r.assigned_at)) AS seconds FROM `{$r}` r JOIN `{$l}` l ON l.id = r.lead_id JOIN {$wpdb->users} u ON u.ID = l.agent_id WHERE r.assigned_at IS NOT NULL AND r.assigned_at >= UTC_TIMESTAMP() - INTERVAL 90 DAY", ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from prefix.
		$by   = array();
		foreach ( $rows as $row ) {
			$id = (int) $row['agent_id'];
			if ( ! isset( $by[ $id ] ) ) {
				$by[ $id ] = array( 'name' => $row['display_name'], 'leads' => 0, 'contacted' => 0, 'moved' => 0, 'times' => array() );
			}
			++$by[ $id ]['leads'];
			$by[ $id ]['moved'] += (int) $row['moves'] > 0 ? 1 : 0;
			if ( null !== $row['seconds'] ) {
				++$by[ $id ]['contacted'];
				$by[ $id ]['times'][] = (int) $row['seconds'];
			}
		}
		foreach ( $by as &$agent ) {
			sort( $agent['times'] );
			$n                 = count( $agent['times'] );
			$agent['median_minutes'] = $n ? round( ( $n % 2 ? $agent['times'][ intdiv( $n, 2 ) ] : ( $agent['times'][ $n / 2 - 1 ] + $agent['times'][ $n / 2 ] ) / 2 ) / 60, 1 ) : null;
			unset( $agent['times'] );
		}
		return $by;
	}
}

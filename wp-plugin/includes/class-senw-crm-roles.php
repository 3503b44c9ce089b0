<?php
/**
 * CRM roles and capabilities. View and edit are separate capabilities; the
 * scope (own, team, all) a user gets is decided by which of them they hold,
 * and applied in queries by SENW_CRM_Visibility.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Roles {

	const AGENT     = 'senw_agent';
	const TEAM_LEAD = 'senw_team_lead';
	const MANAGER   = 'senw_manager';
	const ADMIN     = 'senw_crm_admin';

	/**
	 * Capability => roles holding it (administrator gets every one).
	 */
	public static function capability_map() {
		$all     = array( self::AGENT, self::TEAM_LEAD, self::MANAGER, self::ADMIN );
		$leads   = array( self::TEAM_LEAD, self::MANAGER, self::ADMIN );
		$senior  = array( self::MANAGER, self::ADMIN );
		return array(
			'senw_view_leads'       => $all,      // own leads
			'senw_edit_leads'       => $all,
			'senw_view_team_leads'  => $leads,    // leads of the user's team(s)
			'senw_edit_team_leads'  => $leads,
			'senw_view_all_leads'   => $senior,
			'senw_edit_all_leads'   => $senior,
			'senw_assign_leads'     => $leads,
			'senw_view_properties'  => $all,
			'senw_run_mls_sync'     => $senior,
			'senw_view_audit_log'   => $senior,   // CRM > Audit Log
			'senw_manage_teams'     => $senior,   // CRM > Teams
			'senw_manage_routing'   => $senior,   // CRM > Lead Routing
			'senw_manage_compliance' => $senior,  // CRM > Compliance Ledger, Do-Not-Call
			'senw_manage_campaigns' => $senior,   // CRM > Campaigns
			'senw_manage_lists'     => $senior,   // CRM > Lists
			'senw_manage_crm'       => array( self::ADMIN ),
		);
	}

	public static function role_names() {
		return array(
			self::AGENT     => __( 'CRM Agent', 'senw-crm' ),
			self::TEAM_LEAD => __( 'CRM Team Lead', 'senw-crm' ),
			self::MANAGER   => __( 'CRM Manager', 'senw-crm' ),
			self::ADMIN     => __( 'CRM Admin', 'senw-crm' ),
		);
	}

	public static function register() {
	}

	/** Called on activation: (re)creates the roles with exactly their capabilities. */
	public static function add_roles() {
		$map = self::capability_map();
		foreach ( self::role_names() as $role => $label ) {
			remove_role( $role );
			$caps = array( 'read' => true );
			foreach ( $map as $cap => $roles ) {
				if ( in_array( $role, $roles, true ) ) {
					$caps[ $cap ] = true;
				}
			}
			add_role( $role, $label, $caps );
		}
		$admin = get_role( 'administrator' );
		if ( $admin ) {
			foreach ( array_keys( $map ) as $cap ) {
				$admin->add_cap( $cap );
			}
		}
	}

	/** Called on uninstall: removes the roles and every capability added. */
	public static function remove_roles() {
		foreach ( array_keys( self::role_names() ) as $role ) {
			remove_role( $role );
		}
		$admin = get_role( 'administrator' );
		if ( $admin ) {
			foreach ( array_keys( self::capability_map() ) as $cap ) {
				$admin->remove_cap( $cap );
			}
		}
	}
}

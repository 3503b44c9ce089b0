<?php
/**
 * Wires the plugin's modules to WordPress, after checking that the database
 * holds the CRM schema this code knows.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Plugin {

	/**
	 * Modules with a static register() that adds their hooks. Add new ones here.
	 *
	 * @var string[]
	 */
	const MODULES = array(
		'SENW_CRM_Db',
		'SENW_CRM_Roles',
		'SENW_CRM_Agents',
		'SENW_CRM_Privacy',
		'SENW_CRM_Visitor',
		'SENW_CRM_REST',
		'SENW_CRM_Admin',
		'SENW_CRM_Lead_Form',
		'SENW_CRM_REST_Capture_Controller',
		'SENW_CRM_REST_Properties_Controller',
		'SENW_CRM_REST_Mls_Controller',
		'SENW_CRM_Admin_Properties',
		'SENW_CRM_Admin_Sync',
		'SENW_CRM_Mls_Field_Problems',
		'SENW_CRM_Listing_Search',
		'SENW_CRM_Listing_Seo',
		'SENW_CRM_Listing_Map',
		'SENW_CRM_Settings',
		'SENW_CRM_Admin_Identity',
		'SENW_CRM_Admin_Spine',
		'SENW_CRM_Admin_Teams',
		'SENW_CRM_Admin_Audit',
		'SENW_CRM_Saved_Searches',
		'SENW_CRM_Admin_Routing',
		'SENW_CRM_Deals',
		'SENW_CRM_REST_Deals_Controller',
		'SENW_CRM_Admin_Deals',
		'SENW_CRM_Tasks',
		'SENW_CRM_Admin_Dashboard',
		'SENW_CRM_Links',
		'SENW_CRM_Scoring_Settings',
		'SENW_CRM_Compliance',
		'SENW_CRM_Conversations',
		'SENW_CRM_Campaigns',
		'SENW_CRM_Lists',
		'SENW_CRM_Bulk',
		'SENW_CRM_Templates',
		'SENW_CRM_Skip_Trace',
		'SENW_CRM_List_Report',
	);

	/** @var string|null Why the CRM is disabled, if it is. */
	private static $schema_problem = null;

	public static function boot() {
		self::$schema_problem = self::check_schema();
		if ( null !== self::$schema_problem ) {
			add_action( 'admin_notices', array( __CLASS__, 'schema_notice' ) );
			return;
		}
		foreach ( self::MODULES as $module ) {
			if ( class_exists( $module ) ) {
				$module::register();
			}
		}
	}

	/**
	 * Null when the CRM schema is at the version this plugin knows, else a message.
	 */
	public static function check_schema() {
		global $wpdb;
		$table = $wpdb->prefix . 'senw_schema_migrations';
		$found = $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $table ) ) );
		if ( $found !== $table ) {
			return __( 'The SENW CRM schema is not installed in this database. Run `senw-crm migrate`.', 'senw-crm' );
		}
		$version = (int) $wpdb->get_var( "SELECT MAX(version) FROM `{$table}`" ); // phpcs:ignore WordPress.DB.PreparedSQL -- table name from $wpdb->prefix.
		if ( $version < SENW_CRM_SCHEMA_VERSION ) {
			/* translators: 1: version found, 2: version needed */
			return sprintf( __( 'The SENW CRM schema is at version %1$d; this plugin needs %2$d. Run `senw-crm migrate`.', 'senw-crm' ), $version, SENW_CRM_SCHEMA_VERSION );
		}
		if ( $version > SENW_CRM_SCHEMA_VERSION ) {
			/* translators: 1: version found, 2: version known */
			return sprintf( __( 'The SENW CRM schema is at version %1$d, newer than this plugin knows (%2$d). Update the plugin.', 'senw-crm' ), $version, SENW_CRM_SCHEMA_VERSION );
		}
		return null;
	}

	public static function schema_notice() {
		if ( ! current_user_can( 'activate_plugins' ) ) {
			return;
		}
		printf( '<div class="notice notice-error"><p><strong>SENW CRM is disabled:</strong> %s</p></div>', esc_html( self::$schema_problem ) );
	}

	public static function activate() {
		SENW_CRM_Roles::add_roles();
		SENW_CRM_REST_Capture_Controller::add_options();
	}

	public static function deactivate() {
	}
}

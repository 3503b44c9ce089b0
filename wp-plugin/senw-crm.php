<?php
/**
 * Plugin Name:       SENW CRM
 * Description:       A CRM for a real-estate brokerage: leads, people, deals, MLS listings and lead capture. Heavy work runs in the SENW CRM sidecar.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.0
 * Text Domain:       senw-crm
 * License:           GPL-2.0-or-later
 */

defined( 'ABSPATH' ) || exit;

define( 'SENW_CRM_VERSION', '0.1.0' );
// The schema version this plugin was written for: the last migration in sql/.
define( 'SENW_CRM_SCHEMA_VERSION', 90 );
define( 'SENW_CRM_FILE', __FILE__ );
define( 'SENW_CRM_DIR', __DIR__ );

// One class per file: SENW_CRM_Foo_Bar lives in includes/class-senw-crm-foo-bar.php.
spl_autoload_register(
	static function ( $class ) {
		if ( 0 !== strpos( $class, 'SENW_CRM_' ) ) {
			return;
		}
		$file = SENW_CRM_DIR . '/includes/class-' . strtolower( str_replace( '_', '-', $class ) ) . '.php';
		if ( is_readable( $file ) ) {
			require $file;
		}
	}
);

register_activation_hook( __FILE__, array( 'SENW_CRM_Plugin', 'activate' ) );
register_deactivation_hook( __FILE__, array( 'SENW_CRM_Plugin', 'deactivate' ) );
add_action( 'plugins_loaded', array( 'SENW_CRM_Plugin', 'boot' ) );

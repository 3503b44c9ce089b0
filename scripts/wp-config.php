<?php
/**
 * WordPress configuration for SENW CRM's local site. Everything comes from
 * environment variables set by the process that starts PHP (sidecar.devstack),
 * so one copy of WordPress serves the dev site and every test run's own database.
 */
function senw_env( $name, $default = '' ) {
	$v = getenv( $name );
	return ( false === $v || '' === $v ) ? $default : $v;
}
define( 'DB_NAME', senw_env( 'SENW_DB_NAME', 'senw_crm' ) );
define( 'DB_USER', senw_env( 'SENW_DB_USER', 'senw_crm' ) );
define( 'DB_PASSWORD', senw_env( 'SENW_DB_PASSWORD', '' ) );
define( 'DB_HOST', senw_env( 'SENW_DB_HOST', '127.0.0.1:3306' ) );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
$table_prefix = senw_env( 'SENW_TABLE_PREFIX', 'wp_' );

$senw_url = rtrim( senw_env( 'SENW_WP_URL', 'http://127.0.0.1:8080' ), '/' );
define( 'WP_HOME', $senw_url );
define( 'WP_SITEURL', $senw_url );

// Salts: per-machine secret, made once by sidecar.devstack in .wp/senw-salts.php.
if ( file_exists( __DIR__ . '/senw-salts.php' ) ) {
	require __DIR__ . '/senw-salts.php';
}

define( 'SENW_CRM_SIDECAR_URL', senw_env( 'SENW_SIDECAR_URL', 'http://127.0.0.1:8090' ) );
define( 'SENW_CRM_SHARED_SECRET', senw_env( 'SENW_SHARED_SECRET', '' ) );
// The sidecar's Do-Not-Call directory: uploads wait in its inbox/ for the loader.
define( 'SENW_CRM_DNC_DIR', senw_env( 'SENW_DNC_DIR', '' ) );
define( 'WP_ENVIRONMENT_TYPE', 'local' );
define( 'WP_DEBUG', (bool) senw_env( 'SENW_WP_DEBUG', '' ) );
define( 'WP_DEBUG_DISPLAY', false );
define( 'WP_DEBUG_LOG', senw_env( 'SENW_WP_DEBUG_LOG', false ) );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'WP_ACCESSIBLE_HOSTS', '' );
define( 'FS_METHOD', 'direct' );

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';

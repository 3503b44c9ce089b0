<?php
/**
 * Runs when the plugin is deleted from wp-admin: removes every option, role,
 * capability and user meta the plugin added.
 *
 * CRM data (the senw_* tables) is kept by default, because it is the
 * brokerage's record of its clients and is shared with the sidecar. Set the
 * option senw_crm_drop_tables_on_uninstall to 1 before deleting the plugin to
 * drop the tables too.
 */

if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

require_once __DIR__ . '/includes/class-senw-crm-roles.php';

global $wpdb;

$senw_crm_drop_tables = (bool) get_option( 'senw_crm_drop_tables_on_uninstall', false );

SENW_CRM_Roles::remove_roles();

// Options and transients the plugin wrote all carry the senw_crm_ prefix.
$senw_crm_options = $wpdb->get_col(
	$wpdb->prepare(
		"SELECT option_name FROM {$wpdb->options} WHERE option_name LIKE %s OR option_name LIKE %s OR option_name LIKE %s",
		$wpdb->esc_like( 'senw_crm_' ) . '%',
		$wpdb->esc_like( '_transient_senw_crm_' ) . '%',
		$wpdb->esc_like( '_transient_timeout_senw_crm_' ) . '%'
	)
);
foreach ( $senw_crm_options as $senw_crm_option ) {
	delete_option( $senw_crm_option );
}

delete_metadata( 'user', 0, 'senw_mobile_phone', '', true );
delete_metadata( 'user', 0, 'senw_crm_leads_per_page', '', true ); // Leads screen's "per page" screen option.
delete_metadata( 'user', 0, 'senw_crm_properties_per_page', '', true ); // Properties screen's "per page" screen option.
delete_metadata( 'user', 0, 'senw_crm_smart_lists', '', true ); // Leads list's saved filters.

if ( $senw_crm_drop_tables ) {
	$senw_crm_tables = $wpdb->get_col( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $wpdb->prefix . 'senw_' ) . '%' ) );
	foreach ( $senw_crm_tables as $senw_crm_table ) {
		$wpdb->query( 'DROP TABLE IF EXISTS `' . str_replace( '`', '', $senw_crm_table ) . '`' ); // phpcs:ignore WordPress.DB.PreparedSQL -- names from SHOW TABLES under our prefix.
	}
}

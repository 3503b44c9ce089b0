<?php
/**
 * A property page for a ListingKey we do not have (or may not show).
 */

defined( 'ABSPATH' ) || exit;
?>
<div class="wrap">
	<h1><?php esc_html_e( 'Property not found', 'senw-crm' ); ?></h1>
	<p><?php esc_html_e( 'No listing with this key is in the search.', 'senw-crm' ); ?></p>
	<p><a href="<?php echo esc_url( admin_url( 'admin.php?page=' . SENW_CRM_Admin_Properties::SLUG ) ); ?>"><?php esc_html_e( 'Back to properties', 'senw-crm' ); ?></a></p>
</div>

<?php
/**
 * CRM > Leads. Variables: $table (SENW_CRM_Leads_List_Table, prepared),
 * $notices, $add_url ('' when the user may not add leads).
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;
?>
<div class="wrap senw-crm-leads">
	<h1 class="wp-heading-inline"><?php esc_html_e( 'Leads', 'senw-crm' ); ?></h1>
	<?php if ( '' !== $add_url ) : ?>
		<a href="<?php echo esc_url( $add_url ); ?>" class="page-title-action"><?php esc_html_e( 'Add Lead', 'senw-crm' ); ?></a>
	<?php endif; ?>
	<hr class="wp-header-end">
	<?php echo SENW_CRM_Lead_Form::template( 'admin-notices', array( 'notices' => $notices ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in the template. ?>
	<form method="get" id="senw-crm-leads-filter">
		<input type="hidden" name="page" value="<?php echo esc_attr( SENW_CRM_Admin::MENU_SLUG ); ?>">
		<?php
		$table->search_box( __( 'Search leads', 'senw-crm' ), 'senw-lead' );
		$table->display();
		?>
	</form>
</div>

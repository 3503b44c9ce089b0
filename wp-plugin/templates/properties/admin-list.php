<?php
/**
 * CRM > Properties: the search form and table.
 *
 * @var SENW_CRM_Properties_List_Table $table
 */

defined( 'ABSPATH' ) || exit;
?>
<div class="wrap senw-crm-properties">
	<h1 class="wp-heading-inline"><?php esc_html_e( 'Properties', 'senw-crm' ); ?></h1>
	<hr class="wp-header-end">
	<?php if ( $table->errors ) : ?>
		<div class="notice notice-error" role="alert">
			<ul>
				<?php foreach ( $table->errors as $field => $message ) : ?>
					<li id="<?php echo esc_attr( 'senw-crm-error-' . $field ); ?>" class="senw-crm-field-error"><?php echo esc_html( $message ); ?></li>
				<?php endforeach; ?>
			</ul>
		</div>
	<?php endif; ?>
	<form method="get" action="<?php echo esc_url( admin_url( 'admin.php' ) ); ?>" id="senw-crm-properties-form">
		<input type="hidden" name="page" value="<?php echo esc_attr( SENW_CRM_Admin_Properties::SLUG ); ?>">
		<?php $table->display(); ?>
	</form>
</div>

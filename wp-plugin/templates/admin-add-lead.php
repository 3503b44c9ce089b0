<?php
/**
 * CRM > Add Lead. Variables: $fields (SENW_CRM_Lead_Form::fields()), $errors
 * and $values (kept from a failed submission), $can_assign, $agents,
 * $notices, $post_url.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_selects = array(
	'source'      => array( __( 'Source', 'senw-crm' ), SENW_CRM_Admin::source_labels(), 'manual' ),
	'status'      => array( __( 'Status', 'senw-crm' ), SENW_CRM_Admin::status_labels(), 'new' ),
	'temperature' => array( __( 'Temperature', 'senw-crm' ), SENW_CRM_Admin::temperature_labels(), 'cold' ),
);
$senw_error_for = static function ( $field ) use ( $errors ) {
	return isset( $errors[ $field ] ) ? (string) $errors[ $field ] : '';
};
// The message under a field, when it has one.
$senw_show_error = static function ( $field ) use ( $senw_error_for ) {
	$message = $senw_error_for( $field );
	if ( '' !== $message ) {
		printf( '<p class="senw-field-error" id="senw-%1$s-error">%2$s</p>', esc_attr( $field ), esc_html( $message ) );
	}
};
?>
<div class="wrap senw-crm-add-lead">
	<h1><?php esc_html_e( 'Add Lead', 'senw-crm' ); ?></h1>
	<?php echo SENW_CRM_Lead_Form::template( 'admin-notices', array( 'notices' => $notices ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in the template. ?>
	<?php if ( '' !== $senw_error_for( '_form' ) ) : ?>
		<div class="notice notice-error"><p><?php echo esc_html( $senw_error_for( '_form' ) ); ?></p></div>
	<?php endif; ?>
	<form method="post" action="<?php echo esc_url( $post_url ); ?>" id="senw-add-lead-form" novalidate>
		<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Admin_Actions::ADD_LEAD ); ?>">
		<?php wp_nonce_field( SENW_CRM_Admin_Actions::ADD_LEAD ); ?>
		<table class="form-table" role="presentation">
			<?php
			foreach ( $fields as $senw_name => $senw_field ) :
				list( $senw_label, $senw_type, $senw_autocomplete, $senw_required ) = $senw_field;
				$senw_value = isset( $values[ $senw_name ] ) ? (string) $values[ $senw_name ] : '';
				$senw_error = $senw_error_for( $senw_name );
				?>
				<tr class="<?php echo '' !== $senw_error ? 'form-invalid' : ''; ?>">
					<th scope="row"><label for="senw-<?php echo esc_attr( $senw_name ); ?>"><?php echo esc_html( $senw_label ); ?><?php echo $senw_required ? ' <span class="description">' . esc_html__( '(required)', 'senw-crm' ) . '</span>' : ''; ?></label></th>
					<td>
						<?php if ( 'textarea' === $senw_type ) : ?>
							<textarea id="senw-<?php echo esc_attr( $senw_name ); ?>" name="<?php echo esc_attr( $senw_name ); ?>" rows="4" class="large-text"><?php echo esc_textarea( $senw_value ); ?></textarea>
						<?php else : ?>
							<input id="senw-<?php echo esc_attr( $senw_name ); ?>" type="<?php echo esc_attr( $senw_type ); ?>" name="<?php echo esc_attr( $senw_name ); ?>" value="<?php echo esc_attr( $senw_value ); ?>" class="regular-text" autocomplete="off"<?php echo '' !== $senw_error ? ' aria-invalid="true"' : ''; ?>>
						<?php endif; ?>
						<?php $senw_show_error( $senw_name ); ?>
					</td>
				</tr>
			<?php endforeach; ?>
			<?php $senw_error = $senw_error_for( 'listing_key' ); ?>
			<tr class="<?php echo '' !== $senw_error ? 'form-invalid' : ''; ?>">
				<th scope="row"><label for="senw-listing_key"><?php esc_html_e( 'Property of interest (ListingKey)', 'senw-crm' ); ?></label></th>
				<td>
					<input id="senw-listing_key" type="text" name="listing_key" value="<?php echo esc_attr( isset( $values['listing_key'] ) ? (string) $values['listing_key'] : '' ); ?>" class="regular-text">
					<?php $senw_show_error( 'listing_key' ); ?>
				</td>
			</tr>
			<?php
			foreach ( $senw_selects as $senw_name => $senw_select ) :
				$senw_current = isset( $values[ $senw_name ] ) && '' !== $values[ $senw_name ] ? (string) $values[ $senw_name ] : $senw_select[2];
				$senw_error   = $senw_error_for( $senw_name );
				?>
				<tr class="<?php echo '' !== $senw_error ? 'form-invalid' : ''; ?>">
					<th scope="row"><label for="senw-<?php echo esc_attr( $senw_name ); ?>"><?php echo esc_html( $senw_select[0] ); ?></label></th>
					<td>
						<select id="senw-<?php echo esc_attr( $senw_name ); ?>" name="<?php echo esc_attr( $senw_name ); ?>">
							<?php SENW_CRM_Admin::select_options( $senw_select[1], $senw_current ); ?>
						</select>
						<?php $senw_show_error( $senw_name ); ?>
					</td>
				</tr>
			<?php endforeach; ?>
			<?php if ( $can_assign ) : ?>
				<?php
				$senw_current = isset( $values['agent_id'] ) ? (string) $values['agent_id'] : '';
				$senw_error   = $senw_error_for( 'agent_id' );
				?>
				<tr class="<?php echo '' !== $senw_error ? 'form-invalid' : ''; ?>">
					<th scope="row"><label for="senw-agent_id"><?php esc_html_e( 'Agent', 'senw-crm' ); ?></label></th>
					<td>
						<select id="senw-agent_id" name="agent_id">
							<option value=""><?php esc_html_e( 'Assign automatically (round-robin)', 'senw-crm' ); ?></option>
							<?php SENW_CRM_Admin::select_options( $agents, $senw_current ); ?>
						</select>
					<?php $senw_show_error( 'agent_id' ); ?>
					</td>
				</tr>
			<?php endif; ?>
		</table>
		<?php submit_button( __( 'Add Lead', 'senw-crm' ), 'primary', 'senw-add-lead' ); ?>
	</form>
</div>

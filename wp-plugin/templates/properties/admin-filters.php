<?php
/**
 * The filter fields above the property table (inside its GET form).
 *
 * @var SENW_CRM_Properties_List_Table $table
 */

defined( 'ABSPATH' ) || exit;

$senw_raw     = $table->raw;
$senw_errors  = $table->errors;
$senw_filters = SENW_CRM_Properties::filters();
$senw_value   = static function ( $name ) use ( $senw_raw ) {
	return isset( $senw_raw[ $name ] ) ? $senw_raw[ $name ] : '';
};
?>
<div class="alignleft actions senw-crm-filters">
	<?php foreach ( array( 'status' => SENW_CRM_Properties::STATUSES, 'property_type' => SENW_CRM_Properties::TYPES ) as $senw_name => $senw_options ) : ?>
		<span class="senw-crm-filter-field senw-crm-filter-choice">
		<label for="<?php echo esc_attr( 'senw-f-' . $senw_name ); ?>"><?php echo esc_html( $senw_filters[ $senw_name ][1] ); ?></label>
		<select name="<?php echo esc_attr( $senw_name ); ?>" id="<?php echo esc_attr( 'senw-f-' . $senw_name ); ?>"<?php echo isset( $senw_errors[ $senw_name ] ) ? ' aria-invalid="true"' : ''; ?>>
			<option value="">
			<?php
			/* translators: %s: field label */
			echo esc_html( sprintf( __( 'Any %s', 'senw-crm' ), strtolower( $senw_filters[ $senw_name ][1] ) ) );
			?>
			</option>
			<?php foreach ( $senw_options as $senw_option ) : ?>
				<option value="<?php echo esc_attr( $senw_option ); ?>" <?php selected( SENW_CRM_Properties::lookup( $senw_value( $senw_name ), $senw_options ), $senw_option ); ?>><?php echo esc_html( $senw_option ); ?></option>
			<?php endforeach; ?>
		</select>
		</span>
	<?php endforeach; ?>
	<?php foreach ( array( 'min_price', 'max_price', 'min_beds', 'min_baths', 'min_area', 'max_area', 'city', 'postal_code', 'max_dom', 'keyword' ) as $senw_name ) : ?>
		<span class="senw-crm-filter-field">
		<label for="<?php echo esc_attr( 'senw-f-' . $senw_name ); ?>"><?php echo esc_html( $senw_filters[ $senw_name ][1] ); ?></label>
		<input type="<?php echo in_array( $senw_filters[ $senw_name ][0], array( 'text', 'keyword' ), true ) ? 'text' : 'number'; ?>"
			<?php echo in_array( $senw_filters[ $senw_name ][0], array( 'money', 'area' ), true ) ? 'step="any" min="0"' : ( 'int' === $senw_filters[ $senw_name ][0] ? 'step="1" min="0"' : '' ); ?>
			class="senw-crm-filter senw-crm-filter-<?php echo esc_attr( $senw_filters[ $senw_name ][0] ); ?>"
			name="<?php echo esc_attr( $senw_name ); ?>" id="<?php echo esc_attr( 'senw-f-' . $senw_name ); ?>"
			value="<?php echo esc_attr( $senw_value( $senw_name ) ); ?>"
			<?php echo isset( $senw_errors[ $senw_name ] ) ? 'aria-invalid="true" aria-describedby="' . esc_attr( 'senw-crm-error-' . $senw_name ) . '"' : ''; ?>>
		</span>
	<?php endforeach; ?>
	<?php if ( current_user_can( 'senw_run_mls_sync' ) ) : ?>
		<label><input type="checkbox" name="show_removed" value="1" <?php checked( '' !== $senw_value( 'show_removed' ) ); ?>> <?php esc_html_e( 'Show removed', 'senw-crm' ); ?></label>
	<?php endif; ?>
	<?php submit_button( __( 'Search', 'senw-crm' ), '', 'filter_action', false, array( 'id' => 'senw-crm-properties-search' ) ); ?>
</div>

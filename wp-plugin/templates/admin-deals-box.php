<?php
/**
 * The deals box (lead page: its deals and a "New deal" form; property page:
 * only the form, with a lead to choose). Variables: $deals (rows or null),
 * $stages, $can_edit, $lead_id (0 on the property page), $listing (ListingKey
 * or ''), $leads (unused: the property page's lead picker is filled by
 * assets/lead-picker.js), $back, $post_url.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_errors = SENW_CRM_Deals::take_errors();
$senw_fe     = $senw_errors ? $senw_errors['fields'] : array();
$senw_ferr   = static function ( $name ) use ( $senw_fe ) {
	if ( isset( $senw_fe[ $name ] ) ) {
		printf( '<span class="senw-field-error" id="senw-deal-%1$s-error">%2$s</span>', esc_attr( $name ), esc_html( $senw_fe[ $name ] ) );
	}
};
?>
<div class="postbox senw-box" id="senw-deals">
	<h2 class="senw-box-title"><?php echo null === $deals ? esc_html__( 'New deal', 'senw-crm' ) : esc_html__( 'Deals', 'senw-crm' ); ?></h2>
	<div class="inside">
		<?php if ( $senw_errors ) : ?>
			<div class="notice notice-error inline"><p><?php echo esc_html( $senw_errors['message'] ); ?></p></div>
		<?php endif; ?>
		<?php if ( null !== $deals ) : ?>
			<?php if ( ! $deals ) : ?>
				<p class="senw-no-deals"><?php esc_html_e( 'No deals you can see.', 'senw-crm' ); ?></p>
			<?php else : ?>
				<table class="widefat striped senw-deals-table">
					<thead><tr>
						<th><?php esc_html_e( 'Deal', 'senw-crm' ); ?></th>
						<th><?php esc_html_e( 'Stage', 'senw-crm' ); ?></th>
						<th><?php esc_html_e( 'Value', 'senw-crm' ); ?></th>
						<th><?php esc_html_e( 'Probability', 'senw-crm' ); ?></th>
						<th><?php esc_html_e( 'Expected close', 'senw-crm' ); ?></th>
						<th><?php esc_html_e( 'Agent', 'senw-crm' ); ?></th>
					</tr></thead>
					<tbody>
					<?php foreach ( $deals as $senw_deal ) : ?>
						<tr data-deal-id="<?php echo esc_attr( (string) $senw_deal['id'] ); ?>">
							<td><a href="<?php echo esc_url( SENW_CRM_Deals::deal_url( $senw_deal['id'] ) ); ?>"><?php echo esc_html( '' !== $senw_deal['title'] ? $senw_deal['title'] : '#' . $senw_deal['id'] ); ?></a></td>
							<td class="senw-deal-stage"><?php echo esc_html( SENW_CRM_Admin::label( $stages, $senw_deal['stage'] ) ); ?></td>
							<td><?php echo esc_html( '$' . number_format_i18n( (float) $senw_deal['value'], 2 ) ); ?></td>
							<td><?php echo esc_html( (int) $senw_deal['probability'] . '%' ); ?></td>
							<td><?php echo esc_html( (string) $senw_deal['expected_close_date'] ); ?></td>
							<td><?php echo esc_html( (string) $senw_deal['agent_name'] ); ?></td>
						</tr>
					<?php endforeach; ?>
					</tbody>
				</table>
			<?php endif; ?>
		<?php endif; ?>

		<?php if ( $can_edit ) : ?>
			<details class="senw-new-deal"<?php echo ( null === $deals || $senw_errors ) ? ' open' : ''; ?>>
				<summary><?php esc_html_e( 'New deal', 'senw-crm' ); ?></summary>
				<form method="post" action="<?php echo esc_url( $post_url ); ?>" class="senw-deal-form">
					<input type="hidden" name="action" value="senw_crm_deal_save">
					<input type="hidden" name="back" value="<?php echo esc_attr( $back ); ?>">
					<?php wp_nonce_field( 'senw_crm_deal_save_0' ); ?>
					<?php if ( $lead_id ) : ?>
						<input type="hidden" name="lead" value="<?php echo esc_attr( (string) $lead_id ); ?>">
					<?php else : ?>
						<p><label for="senw-deal-lead"><?php esc_html_e( 'Client (lead)', 'senw-crm' ); ?></label><br>
						<select id="senw-deal-lead" name="lead" required data-senw-leads="1">
							<option value=""><?php esc_html_e( '— choose —', 'senw-crm' ); ?></option>
						</select></p>
					<?php endif; ?>
					<p><label for="senw-deal-title-<?php echo esc_attr( (string) $lead_id ); ?>"><?php esc_html_e( 'Title', 'senw-crm' ); ?></label><br>
					<input type="text" class="regular-text" id="senw-deal-title-<?php echo esc_attr( (string) $lead_id ); ?>" name="title"></p>
					<p><label for="senw-deal-listing"><?php esc_html_e( 'MLS listing key (optional)', 'senw-crm' ); ?></label><br>
					<input type="text" id="senw-deal-listing" name="listing_key" value="<?php echo esc_attr( $listing ); ?>"><?php $senw_ferr( 'listing_key' ); ?></p>
					<p><label for="senw-deal-address"><?php esc_html_e( 'Or a property entered by hand: address', 'senw-crm' ); ?></label><br>
					<input type="text" class="regular-text" id="senw-deal-address" name="property_address"></p>
					<p><label for="senw-deal-list-price"><?php esc_html_e( 'List price', 'senw-crm' ); ?></label><br>
					<input type="text" inputmode="decimal" id="senw-deal-list-price" name="list_price"><?php $senw_ferr( 'list_price' ); ?></p>
					<p><label for="senw-deal-value"><?php esc_html_e( 'Value (empty: list price × commission rate)', 'senw-crm' ); ?></label><br>
					<input type="text" inputmode="decimal" id="senw-deal-value" name="value"><?php $senw_ferr( 'value' ); ?></p>
					<p><label for="senw-deal-stage"><?php esc_html_e( 'Stage', 'senw-crm' ); ?></label><br>
					<select id="senw-deal-stage" name="stage"><?php SENW_CRM_Admin::select_options( $stages, (string) key( $stages ) ); ?></select><?php $senw_ferr( 'stage' ); ?></p>
					<p><label for="senw-deal-probability"><?php esc_html_e( 'Probability (%)', 'senw-crm' ); ?></label><br>
					<input type="number" min="0" max="100" id="senw-deal-probability" name="probability"><?php $senw_ferr( 'probability' ); ?></p>
					<p><label for="senw-deal-close"><?php esc_html_e( 'Expected close', 'senw-crm' ); ?></label><br>
					<input type="date" id="senw-deal-close" name="expected_close_date"><?php $senw_ferr( 'expected_close_date' ); ?></p>
					<?php submit_button( __( 'Create deal', 'senw-crm' ), 'primary', 'senw-create-deal', false ); ?>
				</form>
			</details>
		<?php endif; ?>
	</div>
</div>

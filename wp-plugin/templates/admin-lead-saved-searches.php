<?php
/**
 * Lead page box: the lead's saved searches (listing alerts) and a form to add
 * one. Variables: $lead, $can_edit, $searches, $filters, $types, $post_url.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_lead_id = (int) $lead['id'];
$senw_labels  = SENW_CRM_Saved_Searches::schedule_labels();
?>
<div class="postbox senw-box" id="senw-lead-saved-searches">
	<h2 class="senw-box-title"><?php esc_html_e( 'Saved searches and listing alerts', 'senw-crm' ); ?></h2>
	<div class="inside">
		<?php if ( empty( $searches ) ) : ?>
			<p><?php esc_html_e( 'No saved searches yet.', 'senw-crm' ); ?></p>
		<?php else : ?>
			<ul class="senw-saved-searches">
				<?php foreach ( $searches as $senw_s ) : ?>
					<li data-prospecting="<?php echo esc_attr( (string) $senw_s['id'] ); ?>">
						<strong><?php echo esc_html( SENW_CRM_Saved_Searches::summary( (array) json_decode( (string) $senw_s['search_query'], true ) ) ); ?></strong>
						<span class="senw-tag"><?php echo esc_html( SENW_CRM_Admin::label( $senw_labels, $senw_s['schedule_type'] ) ); ?></span>
						<?php if ( ! (int) $senw_s['active_yn'] ) : ?>
							<span class="senw-tag"><?php esc_html_e( 'Stopped', 'senw-crm' ); ?></span>
						<?php elseif ( $can_edit ) : ?>
							<form method="post" action="<?php echo esc_url( $post_url ); ?>" class="senw-inline-form">
								<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Saved_Searches::STOP_ACTION ); ?>">
								<input type="hidden" name="lead" value="<?php echo esc_attr( (string) $senw_lead_id ); ?>">
								<input type="hidden" name="prospecting" value="<?php echo esc_attr( (string) $senw_s['id'] ); ?>">
								<?php wp_nonce_field( SENW_CRM_Saved_Searches::STOP_ACTION . '_' . $senw_lead_id ); ?>
								<button type="submit" class="button-link"><?php esc_html_e( 'Stop alerts', 'senw-crm' ); ?></button>
							</form>
						<?php endif; ?>
						<?php if ( $senw_s['last_sent_at'] ) : ?>
							<span class="senw-entry-time"><?php echo esc_html( sprintf( /* translators: %s: time */ __( 'last alert %s', 'senw-crm' ), SENW_CRM_Admin::local_time( $senw_s['last_sent_at'] ) ) ); ?></span>
						<?php endif; ?>
					</li>
				<?php endforeach; ?>
			</ul>
		<?php endif; ?>
		<?php if ( $can_edit && '' !== (string) $lead['primary_email'] ) : ?>
			<form method="post" action="<?php echo esc_url( $post_url ); ?>" class="senw-filter-bar senw-lead-search-form">
				<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Saved_Searches::LEAD_ACTION ); ?>">
				<input type="hidden" name="lead" value="<?php echo esc_attr( (string) $senw_lead_id ); ?>">
				<?php wp_nonce_field( SENW_CRM_Saved_Searches::LEAD_ACTION . '_' . $senw_lead_id ); ?>
				<span class="senw-filter"><label for="senw-ss-type"><?php esc_html_e( 'Property type', 'senw-crm' ); ?></label>
					<select id="senw-ss-type" name="property_type"><option value=""><?php esc_html_e( 'Any', 'senw-crm' ); ?></option><?php SENW_CRM_Admin::select_options( array_combine( $types, $types ), '' ); ?></select></span>
				<?php foreach ( array( 'city', 'postal_code', 'min_price', 'max_price', 'min_beds', 'min_baths' ) as $senw_f ) : ?>
					<span class="senw-filter"><label for="senw-ss-<?php echo esc_attr( $senw_f ); ?>"><?php echo esc_html( $filters[ $senw_f ][1] ); ?></label>
						<input type="<?php echo in_array( $senw_f, array( 'city', 'postal_code' ), true ) ? 'text' : 'number'; ?>" min="0" class="<?php echo in_array( $senw_f, array( 'min_beds', 'min_baths' ), true ) ? 'small-text' : 'regular-text'; ?>" id="senw-ss-<?php echo esc_attr( $senw_f ); ?>" name="<?php echo esc_attr( $senw_f ); ?>"></span>
				<?php endforeach; ?>
				<span class="senw-filter"><label for="senw-ss-schedule"><?php esc_html_e( 'Alerts', 'senw-crm' ); ?></label>
					<select id="senw-ss-schedule" name="schedule"><?php SENW_CRM_Admin::select_options( $senw_labels, 'daily' ); ?></select></span>
				<span class="senw-filter"><button type="submit" class="button" id="senw-ss-save"><?php esc_html_e( 'Save search', 'senw-crm' ); ?></button></span>
			</form>
			<p class="description"><?php echo esc_html( sprintf( /* translators: %s: email */ __( 'Alerts go to %s, only while the lead has email consent on record.', 'senw-crm' ), $lead['primary_email'] ) ); ?></p>
		<?php endif; ?>
	</div>
</div>

<?php
/**
 * Lead page: "Why this temperature" (the score now and its contributions) and
 * "Shared listing links". Variables: $links, $lead_id, $listing, $can_edit,
 * $errors, $back, $post_url, $why (explain result or null).
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_prefs = array(
	'Favorite'    => __( 'liked', 'senw-crm' ),
	'Possibility' => __( 'considering', 'senw-crm' ),
	'Discard'     => __( 'disliked', 'senw-crm' ),
);
?>
<?php if ( $why ) : ?>
<div class="postbox senw-box" id="senw-why">
	<h2 class="senw-box-title"><?php /* translators: 1: temperature, 2: score */ echo esc_html( sprintf( __( 'Why %1$s (score %2$d now)', 'senw-crm' ), $why['temperature'], $why['score'] ) ); ?></h2>
	<div class="inside">
		<?php if ( ! $why['contributions'] ) : ?>
			<p><?php esc_html_e( 'No engagement yet.', 'senw-crm' ); ?></p>
		<?php else : ?>
			<ul class="senw-why">
				<?php foreach ( $why['contributions'] as $senw_c ) : ?>
					<li><span><?php echo esc_html( $senw_c['what'] ); ?> <span class="description"><?php echo esc_html( SENW_CRM_Admin::local_time( str_replace( 'T', ' ', $senw_c['at'] ) ) ); ?></span></span><strong><?php echo esc_html( sprintf( '%+.1f', $senw_c['points'] ) ); ?></strong></li>
				<?php endforeach; ?>
			</ul>
		<?php endif; ?>
		<p class="description"><?php /* translators: 1: hot threshold, 2: warm threshold, 3: half-life */ echo esc_html( sprintf( __( 'Hot from %1$d, warm from %2$d; each event\'s weight halves every %3$s days.', 'senw-crm' ), $why['thresholds']['hot'], $why['thresholds']['warm'], number_format_i18n( $why['half_life_days'], 1 ) ) ); ?></p>
	</div>
</div>
<?php endif; ?>
<div class="postbox senw-box" id="senw-links">
	<h2 class="senw-box-title"><?php esc_html_e( 'Shared listing links', 'senw-crm' ); ?></h2>
	<div class="inside">
		<?php if ( $errors ) : ?>
			<div class="notice notice-error inline"><p><?php echo esc_html( $errors['message'] ); ?></p>
			<?php foreach ( $errors['fields'] as $senw_msg ) : ?><p class="senw-field-error"><?php echo esc_html( $senw_msg ); ?></p><?php endforeach; ?></div>
		<?php endif; ?>
		<?php foreach ( $links as $senw_k ) : ?>
			<div class="senw-link senw-link-<?php echo esc_attr( $senw_k['status'] ); ?>" data-link-id="<?php echo esc_attr( (string) $senw_k['id'] ); ?>">
				<p><strong><?php echo esc_html( sprintf( /* translators: 1: number, 2: status */ __( '%1$d listings · %2$s', 'senw-crm' ), count( $senw_k['listings'] ), $senw_k['status'] ) ); ?></strong>
				<span class="description"><?php echo esc_html( sprintf( /* translators: 1: date, 2: opens */ __( 'expires %1$s · opened %2$d times', 'senw-crm' ), SENW_CRM_Admin::local_time( $senw_k['expires_at'] ), (int) $senw_k['opens'] ) ); ?></span></p>
				<?php if ( '' !== $senw_k['url'] && 'active' === $senw_k['status'] ) : ?>
					<p><label><?php esc_html_e( 'Link (shown for an hour after it is made; the CRM keeps no copy):', 'senw-crm' ); ?><br><input type="text" readonly class="large-text senw-link-url" value="<?php echo esc_attr( $senw_k['url'] ); ?>" onfocus="this.select()"></label></p>
				<?php endif; ?>
				<ul class="senw-link-listings">
					<?php foreach ( $senw_k['listings'] as $senw_l ) : ?>
						<li data-listing="<?php echo esc_attr( $senw_l['listing_key'] ); ?>"><a href="<?php echo esc_url( SENW_CRM_Admin_Properties::property_url( $senw_l['listing_key'] ) ); ?>"><?php echo esc_html( $senw_l['listing_key'] ); ?></a>
						<?php if ( $senw_l['contact_listing_preference'] ) : ?><span class="senw-tag senw-pref-<?php echo esc_attr( strtolower( $senw_l['contact_listing_preference'] ) ); ?>"><?php echo esc_html( $senw_prefs[ $senw_l['contact_listing_preference'] ] ?? $senw_l['contact_listing_preference'] ); ?></span><?php endif; ?>
						<?php if ( $senw_l['listing_viewed_yn'] ) : ?><span class="description"><?php esc_html_e( 'viewed', 'senw-crm' ); ?></span><?php endif; ?></li>
					<?php endforeach; ?>
				</ul>
				<?php if ( $can_edit && 'active' === $senw_k['status'] ) : ?>
					<?php foreach ( array( 'send_email' => __( 'Send by email', 'senw-crm' ), 'send_sms' => __( 'Send by SMS', 'senw-crm' ), 'revoke' => __( 'Revoke', 'senw-crm' ) ) as $senw_op => $senw_label ) : ?>
						<?php if ( 'revoke' !== $senw_op && '' === $senw_k['url'] ) { continue; } ?>
						<form method="post" action="<?php echo esc_url( $post_url ); ?>" class="senw-inline-form">
							<input type="hidden" name="action" value="senw_crm_link_change"><input type="hidden" name="link" value="<?php echo esc_attr( (string) $senw_k['id'] ); ?>">
							<input type="hidden" name="op" value="<?php echo esc_attr( 'revoke' === $senw_op ? 'revoke' : 'send' ); ?>"><input type="hidden" name="channel" value="<?php echo esc_attr( 'send_sms' === $senw_op ? 'sms' : 'email' ); ?>">
							<input type="hidden" name="back" value="<?php echo esc_attr( $back ); ?>">
							<?php wp_nonce_field( 'senw_crm_link_change_' . (int) $senw_k['id'] ); ?>
							<button type="submit" class="button senw-link-<?php echo esc_attr( str_replace( '_', '-', $senw_op ) ); ?>"><?php echo esc_html( $senw_label ); ?></button>
						</form>
					<?php endforeach; ?>
					<form method="post" action="<?php echo esc_url( $post_url ); ?>" class="senw-inline-form">
						<input type="hidden" name="action" value="senw_crm_link_change"><input type="hidden" name="link" value="<?php echo esc_attr( (string) $senw_k['id'] ); ?>"><input type="hidden" name="op" value="add">
						<input type="hidden" name="back" value="<?php echo esc_attr( $back ); ?>">
						<?php wp_nonce_field( 'senw_crm_link_change_' . (int) $senw_k['id'] ); ?>
						<label class="screen-reader-text" for="senw-link-add-<?php echo esc_attr( (string) $senw_k['id'] ); ?>"><?php esc_html_e( 'Listing keys to add', 'senw-crm' ); ?></label>
						<input type="text" id="senw-link-add-<?php echo esc_attr( (string) $senw_k['id'] ); ?>" name="listing_keys" placeholder="<?php esc_attr_e( 'Listing keys to add', 'senw-crm' ); ?>">
						<button type="submit" class="button senw-link-add"><?php esc_html_e( 'Add listings', 'senw-crm' ); ?></button>
					</form>
				<?php endif; ?>
			</div>
		<?php endforeach; ?>
		<?php if ( $can_edit ) : ?>
			<details class="senw-new-link"<?php echo $links ? '' : ' open'; ?>>
				<summary><?php esc_html_e( 'Share listings with this client', 'senw-crm' ); ?></summary>
				<form method="post" action="<?php echo esc_url( $post_url ); ?>">
					<input type="hidden" name="action" value="senw_crm_link_create"><input type="hidden" name="lead" value="<?php echo esc_attr( (string) $lead_id ); ?>">
					<input type="hidden" name="back" value="<?php echo esc_attr( $back ); ?>">
					<?php wp_nonce_field( 'senw_crm_link_create' ); ?>
					<p><label for="senw-link-keys"><?php esc_html_e( 'Listing keys (from Properties), separated by spaces or commas', 'senw-crm' ); ?></label><br>
					<input type="text" class="large-text" id="senw-link-keys" name="listing_keys" value="<?php echo esc_attr( $listing ); ?>"></p>
					<p><label for="senw-link-days"><?php esc_html_e( 'Valid for (days)', 'senw-crm' ); ?></label> <input type="number" min="1" max="365" id="senw-link-days" name="days" value="<?php echo esc_attr( (string) SENW_CRM_Links::DEFAULT_DAYS ); ?>"></p>
					<?php submit_button( __( 'Make link', 'senw-crm' ), 'primary', 'senw-make-link', false ); ?>
				</form>
			</details>
		<?php endif; ?>
	</div>
</div>

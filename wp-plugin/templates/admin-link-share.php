<?php
/**
 * "Share with a client": on a property page (this listing) or under the
 * Properties search results (the rows ticked, filled in by share-pick.js).
 * Variables: $keys, $back, $post_url, $panel. The lead picker is filled by
 * assets/lead-picker.js from the leads REST route (the leads the user may see).
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;
?>
<div class="<?php echo $panel ? 'wrap senw-share-panel' : 'senw-share-box'; ?>" id="senw-share">
	<h2><?php echo $panel ? esc_html__( 'Share the ticked listings with a client', 'senw-crm' ) : esc_html__( 'Share with a client', 'senw-crm' ); ?></h2>
	<form method="post" action="<?php echo esc_url( $post_url ); ?>" class="senw-share-form">
		<input type="hidden" name="action" value="senw_crm_link_create">
		<input type="hidden" name="back" value="<?php echo esc_attr( $back ); ?>">
		<?php wp_nonce_field( 'senw_crm_link_create' ); ?>
		<input type="hidden" name="listing_keys" class="senw-share-keys" value="<?php echo esc_attr( implode( ' ', $keys ) ); ?>">
		<?php if ( $panel ) : ?><p class="senw-share-count" aria-live="polite"><?php esc_html_e( 'No listings ticked yet.', 'senw-crm' ); ?></p><?php endif; ?>
		<p><label for="senw-share-lead"><?php esc_html_e( 'Client (lead)', 'senw-crm' ); ?></label><br>
		<select id="senw-share-lead" name="lead" required data-senw-leads="1"><option value=""><?php esc_html_e( '— choose —', 'senw-crm' ); ?></option></select></p>
		<p><label for="senw-share-days"><?php esc_html_e( 'Valid for (days)', 'senw-crm' ); ?></label> <input type="number" min="1" max="365" id="senw-share-days" name="days" value="<?php echo esc_attr( (string) SENW_CRM_Links::DEFAULT_DAYS ); ?>"></p>
		<p><button type="submit" class="button button-primary" id="senw-share-submit"><?php esc_html_e( 'Make link', 'senw-crm' ); ?></button></p>
	</form>
</div>

<?php
/**
 * ?listing=<key> for a listing that is not (or no longer) public.
 *
 * @var string $back_url The search.
 */

defined( 'ABSPATH' ) || exit;
?>
<div class="senw-listing senw-listing-missing">
	<p><?php esc_html_e( 'This listing is no longer available.', 'senw-crm' ); ?></p>
	<p><a href="<?php echo esc_url( $back_url ); ?>"><?php esc_html_e( 'Search all listings', 'senw-crm' ); ?></a></p>
</div>

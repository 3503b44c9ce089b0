<?php
/**
 * CRM > Lead Pond. Variables: $leads, $notices, $post_url.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;
?>
<div class="wrap senw-crm-pond">
	<h1><?php esc_html_e( 'Lead Pond', 'senw-crm' ); ?></h1>
	<?php echo SENW_CRM_Lead_Form::template( 'admin-notices', array( 'notices' => $notices ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in the template. ?>
	<p><?php esc_html_e( 'Leads the routing rules put in the shared pond. The first agent to claim one gets it.', 'senw-crm' ); ?></p>
	<table class="wp-list-table widefat fixed striped">
		<thead><tr><th scope="col"><?php esc_html_e( 'Received', 'senw-crm' ); ?></th><th scope="col"><?php esc_html_e( 'Source', 'senw-crm' ); ?></th><th scope="col"><?php esc_html_e( 'Temperature', 'senw-crm' ); ?></th><th scope="col"><?php esc_html_e( 'Listing', 'senw-crm' ); ?></th><th scope="col"></th></tr></thead>
		<tbody>
		<?php if ( empty( $leads ) ) : ?>
			<tr><td colspan="5"><?php esc_html_e( 'The pond is empty.', 'senw-crm' ); ?></td></tr>
		<?php endif; ?>
		<?php foreach ( $leads as $senw_l ) : ?>
			<tr data-lead="<?php echo esc_attr( $senw_l['id'] ); ?>">
				<td><?php echo esc_html( SENW_CRM_Admin::local_time( $senw_l['created_at'] ) ); ?></td>
				<td><?php echo esc_html( SENW_CRM_Admin::label( SENW_CRM_Admin::source_labels(), $senw_l['source'] ) ); ?></td>
				<td><?php echo esc_html( SENW_CRM_Admin::label( SENW_CRM_Admin::temperature_labels(), $senw_l['temperature'] ) ); ?></td>
				<td><?php echo esc_html( trim( (string) $senw_l['City'] . ( null !== $senw_l['ListPrice'] ? ' · $' . number_format_i18n( (float) $senw_l['ListPrice'] ) : '' ) ) ); ?></td>
				<td><form method="post" action="<?php echo esc_url( $post_url ); ?>"><input type="hidden" name="action" value="senw_crm_pond_claim"><input type="hidden" name="lead" value="<?php echo esc_attr( $senw_l['id'] ); ?>"><?php wp_nonce_field( 'senw_crm_pond_claim' ); ?><button type="submit" class="button button-primary"><?php esc_html_e( 'Claim', 'senw-crm' ); ?></button></form></td>
			</tr>
		<?php endforeach; ?>
		</tbody>
	</table>
</div>

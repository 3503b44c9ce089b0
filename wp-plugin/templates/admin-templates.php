<?php
/**
 * CRM > Message Templates. Variables: $templates, $notices, $post_url.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;
?>
<div class="wrap senw-crm-templates">
	<h1><?php esc_html_e( 'Message Templates', 'senw-crm' ); ?></h1>
	<?php echo SENW_CRM_Lead_Form::template( 'admin-notices', array( 'notices' => $notices ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in the template. ?>
	<table class="wp-list-table widefat striped" id="senw-templates">
		<thead><tr><th><?php esc_html_e( 'Name', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Channel', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Message', 'senw-crm' ); ?></th><th></th></tr></thead>
		<tbody>
		<?php foreach ( $templates as $senw_t ) : ?>
			<tr><td><?php echo esc_html( $senw_t['name'] ); ?></td><td><?php echo esc_html( $senw_t['channel'] ); ?></td>
				<td><?php if ( '' !== $senw_t['subject'] ) : ?><strong><?php echo esc_html( $senw_t['subject'] ); ?></strong><br><?php endif; ?><?php echo nl2br( esc_html( $senw_t['body'] ) ); ?></td>
				<td><form method="post" action="<?php echo esc_url( $post_url ); ?>"><input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Templates::ACTION ); ?>"><input type="hidden" name="remove" value="<?php echo esc_attr( (string) $senw_t['id'] ); ?>"><?php wp_nonce_field( SENW_CRM_Templates::ACTION ); ?><button type="submit" class="button-link"><?php esc_html_e( 'Remove', 'senw-crm' ); ?></button></form></td></tr>
		<?php endforeach; ?>
		</tbody>
	</table>
	<h2><?php esc_html_e( 'Add a template', 'senw-crm' ); ?></h2>
	<form method="post" action="<?php echo esc_url( $post_url ); ?>" id="senw-template-form">
		<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Templates::ACTION ); ?>">
		<?php wp_nonce_field( SENW_CRM_Templates::ACTION ); ?>
		<p><label for="senw-template-name"><?php esc_html_e( 'Name', 'senw-crm' ); ?></label> <input type="text" id="senw-template-name" name="name" class="regular-text" maxlength="100">
			<label for="senw-template-channel"><?php esc_html_e( 'Channel', 'senw-crm' ); ?></label> <select id="senw-template-channel" name="channel"><option value="sms"><?php esc_html_e( 'Text', 'senw-crm' ); ?></option><option value="email"><?php esc_html_e( 'Email', 'senw-crm' ); ?></option></select></p>
		<p><label for="senw-template-subject"><?php esc_html_e( 'Subject (email)', 'senw-crm' ); ?></label> <input type="text" id="senw-template-subject" name="subject" class="widefat"></p>
		<p><label for="senw-template-body"><?php esc_html_e( 'Message', 'senw-crm' ); ?></label>
			<textarea id="senw-template-body" name="body" rows="4" class="large-text" placeholder="{first_name} {last_name} {full_name} {agent_name} {agent_email} {brokerage} {brokerage_address}"></textarea></p>
		<p><button type="submit" class="button button-primary" id="senw-template-save"><?php esc_html_e( 'Save template', 'senw-crm' ); ?></button></p>
	</form>
</div>

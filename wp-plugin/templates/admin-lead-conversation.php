<?php
/**
 * Lead page box: the conversation with the lead (one thread per person) and the
 * send form. Variables: $lead, $can_edit, $thread, $templates, $blocked (the
 * reasons a just-tried message was refused, or null), $send_key, $post_url.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_lead_id = (int) $lead['id'];
$senw_status  = array(
	'queued'      => __( 'queued', 'senw-crm' ),
	'sending'     => __( 'sending', 'senw-crm' ),
	'sent'        => __( 'sent', 'senw-crm' ),
	'simulated'   => __( 'simulated (no credentials)', 'senw-crm' ),
	'delivered'   => __( 'delivered', 'senw-crm' ),
	'undelivered' => __( 'not delivered', 'senw-crm' ),
	'failed'      => __( 'failed', 'senw-crm' ),
	'unknown'     => __( 'unknown', 'senw-crm' ),
	'blocked'     => __( 'blocked', 'senw-crm' ),
	'received'    => __( 'received', 'senw-crm' ),
);
?>
<div class="postbox senw-box" id="senw-lead-conversation">
	<h2 class="senw-box-title"><?php esc_html_e( 'Conversation', 'senw-crm' ); ?></h2>
	<div class="inside">
		<?php if ( null !== $blocked ) : ?>
			<div class="notice notice-error inline senw-blocked"><p><strong><?php esc_html_e( 'Not sent:', 'senw-crm' ); ?></strong> <?php echo esc_html( (string) $blocked ); ?></p></div>
		<?php endif; ?>
		<?php if ( empty( $thread ) ) : ?>
			<p><?php esc_html_e( 'No messages yet.', 'senw-crm' ); ?></p>
		<?php else : ?>
			<ol class="senw-thread">
			<?php foreach ( $thread as $senw_m ) : ?>
				<?php $senw_in = 'inbound' === $senw_m['direction']; ?>
				<li class="senw-msg <?php echo $senw_in ? 'senw-msg-in' : 'senw-msg-out'; ?>" data-message="<?php echo esc_attr( (string) $senw_m['id'] ); ?>"<?php echo $senw_m['in_reply_to'] ? ' data-reply-to="' . esc_attr( (string) $senw_m['in_reply_to'] ) . '"' : ''; ?>>
					<p class="senw-msg-meta">
						<strong><?php echo $senw_in ? esc_html__( 'Reply', 'senw-crm' ) : esc_html__( 'Sent', 'senw-crm' ); ?></strong>
						<?php echo esc_html( ( 'sms' === $senw_m['channel'] ? __( 'Text', 'senw-crm' ) : __( 'Email', 'senw-crm' ) ) . ' · ' . SENW_CRM_Admin::local_time( $senw_m['created_at'] ) . ' · ' . SENW_CRM_Admin::label( $senw_status, $senw_m['status'] ) ); ?>
						<?php if ( $senw_m['opened_at'] ) : ?>
							· <?php esc_html_e( 'opened', 'senw-crm' ); ?>
						<?php endif; ?>
					</p>
					<?php if ( '' !== (string) $senw_m['subject'] ) : ?>
						<p class="senw-msg-subject"><?php echo esc_html( $senw_m['subject'] ); ?></p>
					<?php endif; ?>
					<div class="senw-msg-body"><?php echo nl2br( esc_html( $senw_m['body'] ) ); ?></div>
					<?php if ( 'blocked' === $senw_m['status'] && $senw_m['error'] ) : ?>
						<p class="senw-msg-error"><?php echo esc_html( $senw_m['error'] ); ?></p>
					<?php endif; ?>
				</li>
			<?php endforeach; ?>
			</ol>
		<?php endif; ?>
		<?php if ( $can_edit ) : ?>
			<form method="post" action="<?php echo esc_url( $post_url ); ?>" id="senw-send-form">
				<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Conversations::SEND ); ?>">
				<input type="hidden" name="lead" value="<?php echo esc_attr( (string) $senw_lead_id ); ?>">
				<input type="hidden" name="send_key" value="<?php echo esc_attr( $send_key ); ?>">
				<?php wp_nonce_field( SENW_CRM_Conversations::SEND . '_' . $senw_lead_id ); ?>
				<p>
					<label for="senw-send-channel"><?php esc_html_e( 'Send a', 'senw-crm' ); ?></label>
					<select id="senw-send-channel" name="channel">
						<option value="sms"><?php esc_html_e( 'Text', 'senw-crm' ); ?></option>
						<option value="email"><?php esc_html_e( 'Email', 'senw-crm' ); ?></option>
					</select>
					<label for="senw-send-template"><?php esc_html_e( 'Template', 'senw-crm' ); ?></label>
					<select id="senw-send-template" name="template">
						<option value=""><?php esc_html_e( 'None', 'senw-crm' ); ?></option>
						<?php foreach ( $templates as $senw_t ) : ?>
							<option value="<?php echo esc_attr( (string) $senw_t['id'] ); ?>"><?php echo esc_html( ( 'sms' === $senw_t['channel'] ? __( 'Text', 'senw-crm' ) : __( 'Email', 'senw-crm' ) ) . ': ' . $senw_t['name'] ); ?></option>
						<?php endforeach; ?>
					</select>
					<label for="senw-send-purpose"><?php esc_html_e( 'Purpose', 'senw-crm' ); ?></label>
					<select id="senw-send-purpose" name="purpose">
						<option value="transactional"><?php esc_html_e( 'Reply to their inquiry', 'senw-crm' ); ?></option>
						<option value="marketing"><?php esc_html_e( 'Marketing', 'senw-crm' ); ?></option>
					</select>
				</p>
				<p><label for="senw-send-subject"><?php esc_html_e( 'Subject (email)', 'senw-crm' ); ?></label>
					<input type="text" id="senw-send-subject" name="subject" class="widefat" maxlength="200"></p>
				<p><label for="senw-send-body"><?php esc_html_e( 'Message', 'senw-crm' ); ?></label>
					<textarea id="senw-send-body" name="body" rows="3" class="large-text" maxlength="1600" placeholder="<?php esc_attr_e( 'Merge fields: {first_name} {last_name} {agent_name} {brokerage}', 'senw-crm' ); ?>"></textarea></p>
				<p><button type="submit" class="button button-primary" id="senw-send-submit"><?php esc_html_e( 'Send', 'senw-crm' ); ?></button></p>
			</form>
		<?php endif; ?>
	</div>
</div>

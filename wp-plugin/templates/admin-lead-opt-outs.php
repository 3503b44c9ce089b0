<?php
/**
 * Lead page box: the lead's opt-outs and the agent's form to withdraw consent.
 * Variables: $lead, $can_edit, $opt_outs, $scrubs (each phone's Do-Not-Call
 * scrub, or null when the sidecar cannot say), $post_url.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_lead_id  = (int) $lead['id'];
$senw_channels = array(
	'sms'   => __( 'Texts', 'senw-crm' ),
	'call'  => __( 'Calls', 'senw-crm' ),
	'email' => __( 'Email', 'senw-crm' ),
	'mail'  => __( 'Postal mail', 'senw-crm' ),
	'all'   => __( 'Everything', 'senw-crm' ),
);
?>
<div class="postbox senw-box" id="senw-lead-opt-outs">
	<h2 class="senw-box-title"><?php esc_html_e( 'Opt-outs', 'senw-crm' ); ?></h2>
	<div class="inside">
		<?php if ( empty( $opt_outs ) ) : ?>
			<p><?php esc_html_e( 'No opt-outs.', 'senw-crm' ); ?></p>
		<?php else : ?>
			<ul class="senw-opt-outs">
			<?php foreach ( $opt_outs as $senw_o ) : ?>
				<li><strong><?php echo esc_html( SENW_CRM_Admin::label( $senw_channels, $senw_o['channel'] ) ); ?></strong>
					<?php echo esc_html( ( '' !== $senw_o['address'] ? SENW_CRM_Phone::display( $senw_o['address'] ) . ' · ' : '' ) . $senw_o['source'] . ' · ' . SENW_CRM_Admin::local_time( $senw_o['created_at'] ) ); ?></li>
			<?php endforeach; ?>
			</ul>
		<?php endif; ?>
		<?php if ( null === $scrubs ) : ?>
			<p class="senw-scrub"><?php esc_html_e( 'Do-Not-Call check unavailable right now.', 'senw-crm' ); ?></p>
		<?php else : ?>
			<ul class="senw-scrubs" id="senw-lead-scrub">
			<?php foreach ( $scrubs as $senw_s ) : ?>
				<li><?php echo esc_html( SENW_CRM_Phone::display( (string) $senw_s['phone'] ) ); ?>:
					<?php echo esc_html( $senw_s['lists'] ? implode( ', ', (array) $senw_s['lists'] ) : __( 'on no do-not-call list', 'senw-crm' ) ); ?>
					<small>(<?php echo esc_html( $senw_s['registry_date'] ? sprintf( /* translators: %s: date */ __( 'registry copy of %s', 'senw-crm' ), $senw_s['registry_date'] ) : __( 'no registry copy for this area code', 'senw-crm' ) ); ?>)</small></li>
			<?php endforeach; ?>
			</ul>
		<?php endif; ?>
		<?php if ( $can_edit ) : ?>
			<form method="post" action="<?php echo esc_url( $post_url ); ?>" id="senw-opt-out-form">
				<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Compliance::OPT_OUT ); ?>">
				<input type="hidden" name="lead" value="<?php echo esc_attr( (string) $senw_lead_id ); ?>">
				<?php wp_nonce_field( SENW_CRM_Compliance::OPT_OUT . '_' . $senw_lead_id ); ?>
				<p><?php esc_html_e( 'The lead asked not to be contacted on:', 'senw-crm' ); ?></p>
				<?php foreach ( $senw_channels as $senw_value => $senw_label ) : ?>
					<label><input type="checkbox" name="channels[]" value="<?php echo esc_attr( $senw_value ); ?>" id="senw-opt-out-<?php echo esc_attr( $senw_value ); ?>"> <?php echo esc_html( $senw_label ); ?></label><br>
				<?php endforeach; ?>
				<label for="senw-opt-out-note"><?php esc_html_e( 'How they asked (optional)', 'senw-crm' ); ?></label>
				<input type="text" id="senw-opt-out-note" name="note" class="widefat" maxlength="255">
				<p><button type="submit" class="button" id="senw-opt-out-submit"><?php esc_html_e( 'Record opt-out', 'senw-crm' ); ?></button></p>
			</form>
		<?php endif; ?>
	</div>
</div>

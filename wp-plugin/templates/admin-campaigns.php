<?php
/**
 * CRM > Campaigns. Variables: $campaign (row or null: the list), $campaigns,
 * $steps (with counts and 'why' => rule => n), $people (status => n),
 * $batches, $statuses, $notices, $post_url.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_form = static function ( $op, $id ) {
	printf( '<input type="hidden" name="action" value="%s">', esc_attr( SENW_CRM_Campaigns::ACTION ) );
	printf( '<input type="hidden" name="op" value="%s">', esc_attr( $op ) );
	printf( '<input type="hidden" name="campaign" value="%d">', (int) $id );
	wp_nonce_field( SENW_CRM_Campaigns::ACTION . '_' . $op . '_' . (int) $id );
};
$senw_channels = array(
	'email' => __( 'Email', 'senw-crm' ),
	'sms'   => __( 'Text', 'senw-crm' ),
	'mail'  => __( 'Direct mail', 'senw-crm' ),
);
?>
<div class="wrap senw-crm-campaigns">
<?php if ( ! $campaign ) : ?>
	<h1><?php esc_html_e( 'Campaigns', 'senw-crm' ); ?></h1>
	<?php echo SENW_CRM_Lead_Form::template( 'admin-notices', array( 'notices' => $notices ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in the template. ?>
	<form method="post" action="<?php echo esc_url( $post_url ); ?>" id="senw-campaign-new">
		<?php $senw_form( 'create', 0 ); ?>
		<label for="senw-campaign-name"><?php esc_html_e( 'New campaign', 'senw-crm' ); ?></label>
		<input type="text" id="senw-campaign-name" name="name" class="regular-text" maxlength="150" required>
		<label for="senw-campaign-rate"><?php esc_html_e( 'Texts per minute from our number', 'senw-crm' ); ?></label>
		<input type="number" id="senw-campaign-rate" name="sms_per_minute" min="1" max="6000" value="60" class="small-text">
		<button type="submit" class="button button-primary" id="senw-campaign-create"><?php esc_html_e( 'Create', 'senw-crm' ); ?></button>
	</form>
	<table class="wp-list-table widefat fixed striped" id="senw-campaign-list">
		<thead><tr><th><?php esc_html_e( 'Campaign', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Status', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Starts', 'senw-crm' ); ?></th><th><?php esc_html_e( 'People', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Responses', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Leads', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Cost', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Cost per response', 'senw-crm' ); ?></th></tr></thead>
		<tbody>
		<?php if ( empty( $campaigns ) ) : ?>
			<tr><td colspan="8"><?php esc_html_e( 'No campaigns yet.', 'senw-crm' ); ?></td></tr>
		<?php endif; ?>
		<?php foreach ( $campaigns as $senw_c ) : ?>
			<tr data-campaign="<?php echo esc_attr( (string) $senw_c['id'] ); ?>"><td><a href="<?php echo esc_url( admin_url( 'admin.php?page=' . SENW_CRM_Campaigns::SLUG . '&campaign=' . (int) $senw_c['id'] ) ); ?>"><?php echo esc_html( $senw_c['name'] ); ?></a></td>
				<td><?php echo esc_html( $senw_c['status'] ); ?></td>
				<td><?php echo esc_html( $senw_c['starts_at'] ? SENW_CRM_Admin::local_time( $senw_c['starts_at'] ) : '—' ); ?></td>
				<td><?php echo esc_html( number_format_i18n( (int) $senw_c['members'] ) ); ?></td>
				<td class="senw-responses"><?php echo esc_html( number_format_i18n( (int) $senw_c['responses'] ) ); ?></td>
				<td class="senw-leads"><?php echo esc_html( number_format_i18n( (int) $senw_c['leads'] ) ); ?></td>
				<td><?php echo esc_html( SENW_CRM_Campaigns::money( (int) $senw_c['cost_cents'] ) ); ?></td>
				<td class="senw-cost-per-response"><?php echo esc_html( (int) $senw_c['responses'] ? SENW_CRM_Campaigns::money( (int) round( $senw_c['cost_cents'] / $senw_c['responses'] ) ) : '—' ); ?></td></tr>
		<?php endforeach; ?>
		</tbody>
	</table>
<?php else : ?>
	<?php $senw_id = (int) $campaign['id']; ?>
	<p><a href="<?php echo esc_url( admin_url( 'admin.php?page=' . SENW_CRM_Campaigns::SLUG ) ); ?>">&larr; <?php esc_html_e( 'All campaigns', 'senw-crm' ); ?></a></p>
	<h1><?php echo esc_html( $campaign['name'] ); ?> <span class="senw-tag" id="senw-campaign-status"><?php echo esc_html( $campaign['status'] ); ?></span></h1>
	<?php echo SENW_CRM_Lead_Form::template( 'admin-notices', array( 'notices' => $notices ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in the template. ?>
	<p id="senw-campaign-people">
		<?php foreach ( $people as $senw_p ) : ?>
			<span class="senw-tag"><?php echo esc_html( $senw_p['status'] . ': ' . number_format_i18n( (int) $senw_p['n'] ) ); ?></span>
		<?php endforeach; ?>
	</p>

	<h2><?php esc_html_e( 'Steps', 'senw-crm' ); ?></h2>
	<table class="wp-list-table widefat striped" id="senw-campaign-steps">
		<thead><tr><th>#</th><th><?php esc_html_e( 'Step', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Sent', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Delivered', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Opened', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Clicked', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Replied', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Opted out', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Mailed', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Blocked (why)', 'senw-crm' ); ?></th></tr></thead>
		<tbody>
		<?php if ( empty( $steps ) ) : ?>
			<tr><td colspan="10"><?php esc_html_e( 'No steps yet.', 'senw-crm' ); ?></td></tr>
		<?php endif; ?>
		<?php foreach ( $steps as $senw_s ) : ?>
			<tr data-step="<?php echo esc_attr( (string) $senw_s['position'] ); ?>">
				<td><?php echo esc_html( (string) $senw_s['position'] ); ?></td>
				<td><strong><?php echo esc_html( SENW_CRM_Admin::label( $senw_channels, $senw_s['channel'] ) ); ?></strong>
					<?php /* translators: %d: minutes */ echo esc_html( sprintf( __( 'after %d min', 'senw-crm' ), (int) $senw_s['delay_minutes'] ) ); ?><br>
					<small><?php echo esc_html( '' !== $senw_s['subject'] ? $senw_s['subject'] : wp_trim_words( $senw_s['body'], 12 ) ); ?></small></td>
				<?php foreach ( array( 'sent', 'delivered', 'opened', 'clicked', 'replied', 'opted_out', 'mailed' ) as $senw_k ) : ?>
					<td class="senw-count-<?php echo esc_attr( $senw_k ); ?>"><?php echo esc_html( number_format_i18n( (int) $senw_s[ $senw_k ] ) ); ?></td>
				<?php endforeach; ?>
				<td class="senw-count-blocked"><?php echo esc_html( number_format_i18n( (int) $senw_s['blocked'] ) ); ?>
					<?php foreach ( $senw_s['why'] as $senw_rule => $senw_n ) : ?>
						<br><small><code><?php echo esc_html( $senw_rule ); ?></code> <?php echo esc_html( number_format_i18n( $senw_n ) ); ?></small>
					<?php endforeach; ?></td>
			</tr>
		<?php endforeach; ?>
		</tbody>
	</table>

	<div class="senw-crm-columns">
	<form method="post" action="<?php echo esc_url( $post_url ); ?>" id="senw-step-form" class="senw-box postbox"><div class="inside">
		<?php $senw_form( 'add_step', $senw_id ); ?>
		<h3><?php esc_html_e( 'Add a step', 'senw-crm' ); ?></h3>
		<p><label for="senw-step-channel"><?php esc_html_e( 'Channel', 'senw-crm' ); ?></label>
			<select id="senw-step-channel" name="channel"><?php SENW_CRM_Admin::select_options( $senw_channels, 'email' ); ?></select>
			<label for="senw-step-delay"><?php esc_html_e( 'Minutes after the previous step', 'senw-crm' ); ?></label>
			<input type="number" id="senw-step-delay" name="delay_minutes" min="0" value="0" class="small-text"></p>
		<p><label for="senw-step-subject"><?php esc_html_e( 'Subject (email)', 'senw-crm' ); ?></label>
			<input type="text" id="senw-step-subject" name="subject" class="widefat"></p>
		<p><label for="senw-step-body"><?php esc_html_e( 'Message', 'senw-crm' ); ?></label>
			<textarea id="senw-step-body" name="body" rows="3" class="large-text" placeholder="{first_name} {last_name} {brokerage}"></textarea></p>
		<p><button type="submit" class="button" id="senw-step-add"><?php esc_html_e( 'Add step', 'senw-crm' ); ?></button></p>
	</div></form>

	<div class="senw-box postbox"><div class="inside">
		<form method="post" action="<?php echo esc_url( $post_url ); ?>" id="senw-enroll-form">
			<?php $senw_form( 'enroll', $senw_id ); ?>
			<h3><?php esc_html_e( 'Enroll leads', 'senw-crm' ); ?></h3>
			<label for="senw-enroll-status"><?php esc_html_e( 'Leads with status', 'senw-crm' ); ?></label>
			<select id="senw-enroll-status" name="lead_status"><option value=""><?php esc_html_e( 'Any', 'senw-crm' ); ?></option><?php SENW_CRM_Admin::select_options( array_combine( $statuses, $statuses ), '' ); ?></select>
			<button type="submit" class="button" id="senw-enroll"><?php esc_html_e( 'Enroll', 'senw-crm' ); ?></button>
			<p class="description"><?php esc_html_e( 'Each message is checked by the compliance gate when it is due: people without consent, on do-not-call lists or opted out are not contacted.', 'senw-crm' ); ?></p>
		</form>
		<form method="post" action="<?php echo esc_url( $post_url ); ?>" id="senw-schedule-form">
			<?php $senw_form( 'schedule', $senw_id ); ?>
			<h3><?php esc_html_e( 'Schedule', 'senw-crm' ); ?></h3>
			<label for="senw-schedule-at"><?php esc_html_e( 'Start at (site time; empty = now)', 'senw-crm' ); ?></label>
			<input type="datetime-local" id="senw-schedule-at" name="starts_at">
			<button type="submit" class="button button-primary" id="senw-schedule"><?php esc_html_e( 'Schedule', 'senw-crm' ); ?></button>
		</form>
		<?php if ( in_array( $campaign['status'], array( 'running', 'scheduled' ), true ) ) : ?>
			<form method="post" action="<?php echo esc_url( $post_url ); ?>"><?php $senw_form( 'pause', $senw_id ); ?><p><button type="submit" class="button" id="senw-pause"><?php esc_html_e( 'Pause', 'senw-crm' ); ?></button></p></form>
		<?php elseif ( 'paused' === $campaign['status'] ) : ?>
			<form method="post" action="<?php echo esc_url( $post_url ); ?>"><?php $senw_form( 'resume', $senw_id ); ?><p><button type="submit" class="button" id="senw-resume"><?php esc_html_e( 'Resume', 'senw-crm' ); ?></button></p></form>
		<?php endif; ?>
	</div></div>
	</div>

	<?php if ( $batches ) : ?>
		<h2><?php esc_html_e( 'Direct-mail batches', 'senw-crm' ); ?></h2>
		<table class="wp-list-table widefat striped" id="senw-mail-batches">
			<thead><tr><th><?php esc_html_e( 'Day', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Pieces', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Exported', 'senw-crm' ); ?></th><th></th></tr></thead>
			<tbody>
			<?php foreach ( $batches as $senw_b ) : ?>
				<tr><td><?php echo esc_html( substr( $senw_b['created_at'], 0, 10 ) ); ?></td><td><?php echo esc_html( (string) $senw_b['pieces'] ); ?></td>
					<td><?php echo esc_html( $senw_b['exported_at'] ? SENW_CRM_Admin::local_time( $senw_b['exported_at'] ) : '—' ); ?></td>
					<td><form method="post" action="<?php echo esc_url( $post_url ); ?>"><input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Campaigns::EXPORT ); ?>"><input type="hidden" name="batch" value="<?php echo esc_attr( (string) $senw_b['id'] ); ?>"><?php wp_nonce_field( SENW_CRM_Campaigns::EXPORT . '_' . (int) $senw_b['id'] ); ?><button type="submit" class="button senw-batch-export"><?php esc_html_e( 'Export CSV for the mail house', 'senw-crm' ); ?></button></form></td></tr>
			<?php endforeach; ?>
			</tbody>
		</table>
	<?php endif; ?>
<?php endif; ?>
</div>

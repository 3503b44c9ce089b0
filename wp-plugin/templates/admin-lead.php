<?php
/**
 * The lead page. Variables: $lead (SENW_CRM_Leads::get() row), $timeline
 * (SENW_CRM_Leads::timeline() entries), $can_edit, $can_assign, $agents
 * (id => name the user may assign to), $notices, $post_url, $back_url.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_lead_id = (int) $lead['id'];
// The hidden fields every lead-page form posts: handler, lead id, nonce.
$senw_form_fields = static function ( $action ) use ( $senw_lead_id ) {
	printf( '<input type="hidden" name="action" value="%s">', esc_attr( $action ) );
	printf( '<input type="hidden" name="lead" value="%d">', (int) $senw_lead_id );
	wp_nonce_field( $action . '_' . $senw_lead_id );
};
$senw_name    = trim( $lead['first_name'] . ' ' . $lead['last_name'] );
$senw_kinds   = array(
	'note'       => __( 'Note', 'senw-crm' ),
	'status'     => __( 'Status', 'senw-crm' ),
	'assignment' => __( 'Assignment', 'senw-crm' ),
	'message'    => __( 'Message', 'senw-crm' ),
	'event'      => __( 'Event', 'senw-crm' ),
	'system'     => __( 'System', 'senw-crm' ),
);
?>
<div class="wrap senw-crm-lead">
	<p><a href="<?php echo esc_url( $back_url ); ?>">&larr; <?php esc_html_e( 'All leads', 'senw-crm' ); ?></a></p>
	<h1 class="senw-lead-name"><?php echo esc_html( '' !== $senw_name ? $senw_name : __( '(no name)', 'senw-crm' ) ); ?></h1>
	<?php echo SENW_CRM_Lead_Form::template( 'admin-notices', array( 'notices' => $notices ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in the template. ?>

	<div class="senw-crm-columns">
		<div class="senw-crm-main">
			<div class="postbox senw-box" id="senw-lead-details">
				<h2 class="senw-box-title"><?php esc_html_e( 'Contact details', 'senw-crm' ); ?></h2>
				<div class="inside">
					<table class="form-table senw-facts" role="presentation">
						<tr>
							<th scope="row"><?php esc_html_e( 'Emails', 'senw-crm' ); ?></th>
							<td>
								<?php if ( empty( $lead['emails'] ) ) : ?>
									&#8212;
								<?php endif; ?>
								<?php foreach ( $lead['emails'] as $senw_email ) : ?>
									<div class="senw-email"><a href="<?php echo esc_url( 'mailto:' . $senw_email['email'] ); ?>"><?php echo esc_html( $senw_email['email'] ); ?></a><?php echo $senw_email['is_primary'] ? ' <span class="senw-tag">' . esc_html__( 'primary', 'senw-crm' ) . '</span>' : ''; ?></div>
								<?php endforeach; ?>
							</td>
						</tr>
						<tr>
							<th scope="row"><?php esc_html_e( 'Phones', 'senw-crm' ); ?></th>
							<td>
								<?php if ( empty( $lead['phones'] ) ) : ?>
									&#8212;
								<?php endif; ?>
								<?php foreach ( $lead['phones'] as $senw_phone ) : ?>
									<div class="senw-phone"><a href="<?php echo esc_url( 'tel:' . $senw_phone['phone_e164'] ); ?>"><?php echo esc_html( SENW_CRM_Phone::display( $senw_phone['phone_e164'] ) ); ?></a> <span class="description"><?php echo esc_html( $senw_phone['kind'] ); ?></span><?php echo $senw_phone['is_primary'] ? ' <span class="senw-tag">' . esc_html__( 'primary', 'senw-crm' ) . '</span>' : ''; ?></div>
								<?php endforeach; ?>
							</td>
						</tr>
						<tr>
							<th scope="row"><?php esc_html_e( 'Status', 'senw-crm' ); ?></th>
							<td class="senw-lead-status"><?php echo esc_html( SENW_CRM_Admin::label( SENW_CRM_Admin::status_labels(), $lead['status'] ) ); ?></td>
						</tr>
						<tr>
							<th scope="row"><?php esc_html_e( 'Temperature', 'senw-crm' ); ?></th>
							<td class="senw-lead-temperature"><span class="senw-temp senw-temp-<?php echo esc_attr( $lead['temperature'] ); ?>"><?php echo esc_html( SENW_CRM_Admin::label( SENW_CRM_Admin::temperature_labels(), $lead['temperature'] ) ); ?></span></td>
						</tr>
						<tr>
							<th scope="row"><?php esc_html_e( 'Score', 'senw-crm' ); ?></th>
							<td><?php echo esc_html( (string) (int) $lead['score'] ); ?></td>
						</tr>
						<tr>
							<th scope="row"><?php esc_html_e( 'Source', 'senw-crm' ); ?></th>
							<td><?php echo esc_html( SENW_CRM_Admin::label( SENW_CRM_Admin::source_labels(), $lead['source'] ) ); ?></td>
						</tr>
						<tr>
							<th scope="row"><?php esc_html_e( 'Agent', 'senw-crm' ); ?></th>
							<td class="senw-lead-agent"><?php echo $lead['agent_id'] ? esc_html( (string) $lead['agent_name'] ) : '<em>' . esc_html__( 'Unassigned', 'senw-crm' ) . '</em>'; ?></td>
						</tr>
						<?php if ( ! empty( $lead['listing_key'] ) ) : ?>
						<?php $senw_property = SENW_CRM_Properties::find( $lead['listing_key'], false, true ); ?>
						<tr>
							<th scope="row"><?php esc_html_e( 'Property of interest', 'senw-crm' ); ?></th>
							<td><a href="<?php echo esc_url( SENW_CRM_Admin_Properties::property_url( $lead['listing_key'] ) ); ?>" class="senw-lead-property"><?php echo esc_html( $senw_property ? SENW_CRM_Properties::public_address( $senw_property ) : $lead['listing_key'] ); ?></a></td>
						</tr>
						<?php endif; ?>
						<tr>
							<th scope="row"><?php esc_html_e( 'Received', 'senw-crm' ); ?></th>
							<td><?php echo esc_html( SENW_CRM_Admin::local_time( $lead['created_at'] ) ); ?></td>
						</tr>
						<?php if ( isset( $lead['message'] ) && '' !== (string) $lead['message'] ) : ?>
						<tr>
							<th scope="row"><?php esc_html_e( 'Message', 'senw-crm' ); ?></th>
							<td class="senw-lead-message"><?php echo nl2br( esc_html( $lead['message'] ) ); ?></td>
						</tr>
						<?php endif; ?>
					</table>
				</div>
			</div>

			<?php
			/**
			 * Boxes other parts of the CRM add to the lead page's main column,
			 * between the contact details and the timeline (deals, conversations,
			 * proposed changes...). Each callback checks its own capability and
			 * escapes its own output.
			 *
			 * @param array $lead     SENW_CRM_Leads::get() row (already authorized for viewing).
			 * @param bool  $can_edit Whether the user may edit this lead.
			 */
			do_action( 'senw_crm_lead_page_main', $lead, $can_edit );
			?>

			<div class="postbox senw-box" id="senw-lead-timeline">
				<h2 class="senw-box-title"><?php esc_html_e( 'Timeline', 'senw-crm' ); ?></h2>
				<div class="inside">
					<?php if ( $can_edit ) : ?>
						<form method="post" action="<?php echo esc_url( $post_url ); ?>" class="senw-note-form">
							<?php $senw_form_fields( SENW_CRM_Admin_Actions::NOTE ); ?>
							<label for="senw-note" class="screen-reader-text"><?php esc_html_e( 'Note', 'senw-crm' ); ?></label>
							<textarea id="senw-note" name="note" rows="3" class="large-text" placeholder="<?php esc_attr_e( 'Add a note…', 'senw-crm' ); ?>"></textarea>
							<?php submit_button( __( 'Add note', 'senw-crm' ), 'secondary', 'senw-add-note', false ); ?>
						</form>
					<?php endif; ?>
					<?php if ( empty( $timeline ) ) : ?>
						<p><?php esc_html_e( 'Nothing yet.', 'senw-crm' ); ?></p>
					<?php else : ?>
						<ol class="senw-timeline">
							<?php foreach ( $timeline as $senw_entry ) : ?>
								<?php
								$senw_meta  = is_array( $senw_entry['meta'] ) ? $senw_entry['meta'] : array();
								$senw_label = 'activity' === $senw_entry['type'] ? SENW_CRM_Admin::label( $senw_kinds, $senw_entry['kind'] ) : '';
								if ( isset( $senw_entry['label'] ) ) {
									$senw_label = $senw_entry['label']; // set by SENW_CRM_Timeline_View
								} elseif ( 'message' === $senw_entry['type'] ) {
									/* translators: 1: channel (email, sms), 2: direction */
									$senw_label = sprintf( __( '%1$s %2$s', 'senw-crm' ), strtoupper( (string) $senw_entry['kind'] ), isset( $senw_meta['direction'] ) ? $senw_meta['direction'] : '' );
								} elseif ( 'event' === $senw_entry['type'] ) {
									$senw_label = $senw_entry['kind'];
								} elseif ( 'consent' === $senw_entry['type'] ) {
									/* translators: %s: channel */
									$senw_label = sprintf( __( 'Consent (%s)', 'senw-crm' ), $senw_entry['kind'] );
								}
								?>
								<li class="senw-entry senw-entry-<?php echo esc_attr( $senw_entry['type'] ); ?> senw-kind-<?php echo esc_attr( sanitize_html_class( (string) $senw_entry['kind'] ) ); ?>">
									<div class="senw-entry-head">
										<strong><?php echo esc_html( $senw_label ); ?></strong>
										<?php if ( 'message' === $senw_entry['type'] && ! empty( $senw_meta['status'] ) ) : ?>
											<span class="senw-tag senw-delivery senw-delivery-<?php echo esc_attr( $senw_meta['status'] ); ?>"><?php echo esc_html( $senw_meta['status'] ); ?></span>
										<?php endif; ?>
										<span class="senw-entry-time"><?php echo esc_html( SENW_CRM_Admin::local_time( $senw_entry['created_at'] ) ); ?></span>
										<?php if ( ! empty( $senw_entry['user_name'] ) ) : ?>
											<span class="senw-entry-user"><?php echo esc_html( $senw_entry['user_name'] ); ?></span>
										<?php endif; ?>
									</div>
									<?php if ( 'message' === $senw_entry['type'] && ! empty( $senw_meta['subject'] ) ) : ?>
										<div class="senw-entry-subject"><?php echo esc_html( $senw_meta['subject'] ); ?></div>
									<?php endif; ?>
									<?php if ( 'event' === $senw_entry['type'] ) : ?>
										<div class="senw-entry-body"><?php echo esc_html( trim( $senw_meta['object_type'] . ' ' . $senw_meta['object_key'] ) ); ?></div>
									<?php elseif ( '' !== (string) $senw_entry['body'] ) : ?>
										<div class="senw-entry-body"><?php echo nl2br( esc_html( $senw_entry['body'] ) ); ?></div>
									<?php endif; ?>
								</li>
							<?php endforeach; ?>
						</ol>
					<?php endif; ?>
				</div>
			</div>
		</div>

		<div class="senw-crm-side">
			<?php if ( $can_edit ) : ?>
				<div class="postbox senw-box" id="senw-lead-status-box">
					<h2 class="senw-box-title"><?php esc_html_e( 'Status', 'senw-crm' ); ?></h2>
					<div class="inside">
						<form method="post" action="<?php echo esc_url( $post_url ); ?>">
							<?php $senw_form_fields( SENW_CRM_Admin_Actions::STATUS ); ?>
							<p>
								<label for="senw-status"><?php esc_html_e( 'Status', 'senw-crm' ); ?></label><br>
								<select id="senw-status" name="status">
									<?php SENW_CRM_Admin::select_options( SENW_CRM_Admin::status_labels(), $lead['status'] ); ?>
								</select>
							</p>
							<p>
								<label for="senw-temperature"><?php esc_html_e( 'Temperature', 'senw-crm' ); ?></label><br>
								<select id="senw-temperature" name="temperature">
									<?php SENW_CRM_Admin::select_options( SENW_CRM_Admin::temperature_labels(), $lead['temperature'] ); ?>
								</select>
							</p>
							<?php submit_button( __( 'Update', 'senw-crm' ), 'primary', 'senw-update-status', false ); ?>
						</form>
					</div>
				</div>
			<?php endif; ?>

			<?php if ( $can_assign ) : ?>
				<div class="postbox senw-box" id="senw-lead-assign-box">
					<h2 class="senw-box-title"><?php esc_html_e( 'Assigned agent', 'senw-crm' ); ?></h2>
					<div class="inside">
						<form method="post" action="<?php echo esc_url( $post_url ); ?>">
							<?php $senw_form_fields( SENW_CRM_Admin_Actions::ASSIGN ); ?>
							<label for="senw-agent" class="screen-reader-text"><?php esc_html_e( 'Agent', 'senw-crm' ); ?></label>
							<select id="senw-agent" name="agent_id">
								<?php SENW_CRM_Admin::select_options( $agents, (int) $lead['agent_id'] ); ?>
							</select>
							<?php submit_button( __( 'Reassign', 'senw-crm' ), 'secondary', 'senw-reassign', false ); ?>
						</form>
					</div>
				</div>
			<?php endif; ?>

			<?php
			/** Boxes added to the lead page's side column (see senw_crm_lead_page_main). */
			do_action( 'senw_crm_lead_page_side', $lead, $can_edit );
			?>

			<div class="postbox senw-box" id="senw-lead-consent">
				<h2 class="senw-box-title"><?php esc_html_e( 'Consent', 'senw-crm' ); ?></h2>
				<div class="inside">
					<?php if ( empty( $lead['consents'] ) ) : ?>
						<p><?php esc_html_e( 'No consent recorded.', 'senw-crm' ); ?></p>
					<?php endif; ?>
					<?php foreach ( $lead['consents'] as $senw_consent ) : ?>
						<div class="senw-consent">
							<p class="senw-consent-meta">
								<strong><?php echo esc_html( $senw_consent['channel'] ); ?></strong>
								<?php echo $senw_consent['granted'] ? esc_html__( 'granted', 'senw-crm' ) : esc_html__( 'withdrawn', 'senw-crm' ); ?>
								&middot; <?php echo esc_html( SENW_CRM_Admin::local_time( $senw_consent['created_at'] ) ); ?>
								<?php if ( '' !== (string) $senw_consent['ip_address'] ) : ?>
									&middot; <?php echo esc_html( $senw_consent['ip_address'] ); ?>
								<?php endif; ?>
							</p>
							<blockquote class="senw-consent-text"><?php echo esc_html( $senw_consent['consent_text'] ); ?></blockquote>
						</div>
					<?php endforeach; ?>
				</div>
			</div>
		</div>
	</div>
</div>

<?php
/**
 * CRM > MLS Sync.
 *
 * @var array[]    $runs       Runs (SENW_CRM_REST_Mls_Controller::prepare_run()).
 * @var array      $last       Feed => when it last synced successfully (UTC).
 * @var bool       $can_sync   The user holds senw_run_mls_sync.
 * @var string[]   $feeds      Feed ids for the button.
 * @var array|null $message    array( type, text, run id or 0 ) after "Sync now".
 * @var array|null $quarantine array( rows, total ), or null when not allowed.
 * @var int        $qpage      Quarantine page.
 * @var array|null $problems   array( rows, total ): fields stored as NULL, or null when not allowed.
 */

defined( 'ABSPATH' ) || exit;

$senw_run_fields = array(
	'id'            => __( 'Run', 'senw-crm' ),
	'feed_id'       => __( 'Feed', 'senw-crm' ),
	'kind'          => __( 'Kind', 'senw-crm' ),
	'status'        => __( 'Status', 'senw-crm' ),
	'started_at'    => __( 'Started', 'senw-crm' ),
	'finished_at'   => __( 'Finished', 'senw-crm' ),
	'added'         => __( 'Added', 'senw-crm' ),
	'updated'       => __( 'Updated', 'senw-crm' ),
	'removed'       => __( 'Removed', 'senw-crm' ),
	'unchanged'     => __( 'Unchanged', 'senw-crm' ),
	'quarantined'   => __( 'Quarantined', 'senw-crm' ),
	'field_problems' => __( 'Field problems', 'senw-crm' ),
	'errors'        => __( 'Errors', 'senw-crm' ),
	'progress'      => __( 'Progress', 'senw-crm' ),
	'error_message' => __( 'Last error', 'senw-crm' ),
	'notes'         => __( 'Log', 'senw-crm' ),
);
?>
<div class="wrap senw-crm-sync">
	<h1 class="wp-heading-inline"><?php esc_html_e( 'MLS Sync', 'senw-crm' ); ?></h1>
	<hr class="wp-header-end">
	<?php if ( $message ) : ?>
		<div class="notice notice-<?php echo esc_attr( $message[0] ); ?> is-dismissible senw-crm-sync-message" data-run-id="<?php echo esc_attr( (string) (int) $message[2] ); ?>" role="status"><p><?php echo esc_html( $message[1] ); ?></p></div>
	<?php endif; ?>

	<?php if ( $can_sync ) : ?>
		<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>" class="senw-crm-sync-now">
			<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Admin_Sync::ACTION ); ?>">
			<?php wp_nonce_field( SENW_CRM_Admin_Sync::NONCE_ACTION ); ?>
			<?php if ( count( $feeds ) > 1 ) : ?>
				<label for="senw-crm-sync-feed"><?php esc_html_e( 'Feed', 'senw-crm' ); ?></label>
				<select name="feed" id="senw-crm-sync-feed">
					<?php foreach ( $feeds as $senw_feed ) : ?>
						<option value="<?php echo esc_attr( $senw_feed ); ?>"><?php echo esc_html( $senw_feed ); ?></option>
					<?php endforeach; ?>
				</select>
			<?php else : ?>
				<input type="hidden" name="feed" value="<?php echo esc_attr( (string) reset( $feeds ) ); ?>">
			<?php endif; ?>
			<?php submit_button( __( 'Sync now', 'senw-crm' ), 'primary', 'senw_sync_now', false ); ?>
		</form>
	<?php endif; ?>

	<?php if ( $last ) : ?>
		<ul class="senw-crm-last-sync">
			<?php foreach ( $last as $senw_feed_id => $senw_when ) : ?>
				<li>
					<?php
					/* translators: 1: feed id, 2: date and time, 3: how long ago */
					echo esc_html( sprintf( __( 'Feed %1$s last synced %2$s (%3$s ago).', 'senw-crm' ), $senw_feed_id, SENW_CRM_Properties::local_time( $senw_when ), human_time_diff( (int) strtotime( substr( (string) $senw_when, 0, 19 ) . ' UTC' ) ) ) );
					?>
				</li>
			<?php endforeach; ?>
		</ul>
	<?php endif; ?>

	<h2><?php esc_html_e( 'Runs', 'senw-crm' ); ?></h2>
	<table class="widefat striped senw-crm-runs" id="senw-crm-runs">
		<thead><tr>
			<?php foreach ( $senw_run_fields as $senw_label ) : ?>
				<th scope="col"><?php echo esc_html( $senw_label ); ?></th>
			<?php endforeach; ?>
		</tr></thead>
		<tbody>
			<?php if ( ! $runs ) : ?>
				<tr class="no-items"><td colspan="<?php echo esc_attr( (string) count( $senw_run_fields ) ); ?>"><?php esc_html_e( 'No sync has run yet.', 'senw-crm' ); ?></td></tr>
			<?php endif; ?>
			<?php foreach ( $runs as $senw_run ) : ?>
				<tr data-run-id="<?php echo esc_attr( (string) $senw_run['id'] ); ?>" data-status="<?php echo esc_attr( $senw_run['status'] ); ?>">
					<?php foreach ( array_keys( $senw_run_fields ) as $senw_field ) : ?>
						<td data-field="<?php echo esc_attr( $senw_field ); ?>">
							<?php if ( 'progress' === $senw_field ) : ?>
								<?php if ( null !== $senw_run['progress'] ) : ?>
									<progress max="100" value="<?php echo esc_attr( (string) $senw_run['progress'] ); ?>"></progress>
									<span class="senw-crm-progress-text"><?php echo esc_html( $senw_run['progress'] . '%' . ( $senw_run['progress_total'] ? ' (' . $senw_run['progress_done'] . ' / ' . $senw_run['progress_total'] . ')' : '' ) ); ?></span>
								<?php elseif ( 'running' === $senw_run['status'] ) : ?>
									<span class="senw-crm-progress-text"><?php echo esc_html( $senw_run['progress_done'] . ' ' . ( $senw_run['phase'] ? '(' . $senw_run['phase'] . ')' : '' ) ); ?></span>
								<?php endif; ?>
							<?php elseif ( isset( $senw_run[ $senw_field . '_local' ] ) ) : ?>
								<?php echo esc_html( $senw_run[ $senw_field . '_local' ] ); ?>
							<?php else : ?>
								<?php echo esc_html( (string) $senw_run[ $senw_field ] ); ?>
							<?php endif; ?>
						</td>
					<?php endforeach; ?>
				</tr>
			<?php endforeach; ?>
		</tbody>
	</table>

	<?php if ( null !== $quarantine ) : ?>
		<h2><?php esc_html_e( 'Quarantined records', 'senw-crm' ); ?></h2>
		<p class="description senw-crm-quarantine-total">
			<?php
			/* translators: %s: number of records */
			echo esc_html( sprintf( _n( '%s record the sync could not store, kept with the reason and the raw payload.', '%s records the sync could not store, kept with the reason and the raw payload.', (int) $quarantine['total'], 'senw-crm' ), number_format_i18n( (int) $quarantine['total'] ) ) );
			?>
		</p>
		<table class="widefat striped senw-crm-quarantine" id="senw-crm-quarantine" data-page="<?php echo esc_attr( (string) $qpage ); ?>">
			<thead><tr>
				<th scope="col"><?php esc_html_e( 'When', 'senw-crm' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Feed', 'senw-crm' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Resource', 'senw-crm' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Record key', 'senw-crm' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Reason', 'senw-crm' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Run', 'senw-crm' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Payload', 'senw-crm' ); ?></th>
			</tr></thead>
			<tbody>
				<?php if ( ! $quarantine['rows'] ) : ?>
					<tr class="no-items"><td colspan="7"><?php esc_html_e( 'Nothing quarantined.', 'senw-crm' ); ?></td></tr>
				<?php endif; ?>
				<?php foreach ( $quarantine['rows'] as $senw_q ) : ?>
					<tr data-quarantine-id="<?php echo esc_attr( (string) $senw_q['id'] ); ?>">
						<td><?php echo esc_html( SENW_CRM_Properties::local_time( $senw_q['created_at'] ) ); ?></td>
						<td><?php echo esc_html( $senw_q['feed_id'] ); ?></td>
						<td><?php echo esc_html( $senw_q['resource'] ); ?></td>
						<td><?php echo esc_html( null === $senw_q['record_key'] ? '—' : $senw_q['record_key'] ); ?></td>
						<td><?php echo esc_html( $senw_q['reason'] ); ?></td>
						<td><?php echo esc_html( null === $senw_q['run_id'] ? '—' : '#' . $senw_q['run_id'] ); ?></td>
						<td><a href="<?php echo esc_url( SENW_CRM_Admin_Sync::url( array( 'quarantine' => (int) $senw_q['id'] ) ) ); ?>">
							<?php
							/* translators: %s: size in characters */
							echo esc_html( sprintf( __( 'View (%s chars)', 'senw-crm' ), number_format_i18n( (int) $senw_q['payload_length'] ) ) );
							?>
						</a></td>
					</tr>
				<?php endforeach; ?>
			</tbody>
		</table>
		<?php
		$senw_qpages = (int) ceil( $quarantine['total'] / 20 );
		if ( $senw_qpages > 1 ) :
			?>
			<p class="senw-crm-qpages">
				<?php if ( $qpage > 1 ) : ?>
					<a href="<?php echo esc_url( SENW_CRM_Admin_Sync::url( array( 'qpage' => $qpage - 1 ) ) ); ?>">&laquo; <?php esc_html_e( 'Newer', 'senw-crm' ); ?></a>
				<?php endif; ?>
				<?php
				/* translators: 1: page, 2: pages */
				echo esc_html( sprintf( __( 'Page %1$d of %2$d', 'senw-crm' ), $qpage, $senw_qpages ) );
				?>
				<?php if ( $qpage < $senw_qpages ) : ?>
					<a href="<?php echo esc_url( SENW_CRM_Admin_Sync::url( array( 'qpage' => $qpage + 1 ) ) ); ?>"><?php esc_html_e( 'Older', 'senw-crm' ); ?> &raquo;</a>
				<?php endif; ?>
			</p>
		<?php endif; ?>
	<?php endif; ?>

	<?php if ( null !== $problems ) : ?>
		<h2><?php esc_html_e( 'Field problems', 'senw-crm' ); ?></h2>
		<p class="description">
			<?php
			/* translators: %s: number of fields */
			echo esc_html( sprintf( _n( '%s field of a stored record holds a value the CRM could not store; it is kept empty until the feed sends a value that fits.', '%s fields of stored records hold values the CRM could not store; they are kept empty until the feed sends values that fit.', (int) $problems['total'], 'senw-crm' ), number_format_i18n( (int) $problems['total'] ) ) );
			?>
		</p>
		<table class="widefat striped senw-crm-field-problems" id="senw-crm-field-problems">
			<thead><tr>
				<th scope="col"><?php esc_html_e( 'Seen', 'senw-crm' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Feed', 'senw-crm' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Listing', 'senw-crm' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Record', 'senw-crm' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Field', 'senw-crm' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Problem', 'senw-crm' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Value sent', 'senw-crm' ); ?></th>
			</tr></thead>
			<tbody>
				<?php if ( ! $problems['rows'] ) : ?>
					<tr class="no-items"><td colspan="7"><?php esc_html_e( 'Every field was stored.', 'senw-crm' ); ?></td></tr>
				<?php endif; ?>
				<?php foreach ( $problems['rows'] as $senw_p ) : ?>
					<tr>
						<td><?php echo esc_html( SENW_CRM_Properties::local_time( $senw_p['seen_at'] ) ); ?></td>
						<td><?php echo esc_html( $senw_p['feed_id'] ); ?></td>
						<td>
							<?php if ( $senw_p['listing_key'] ) : ?>
								<a href="<?php echo esc_url( SENW_CRM_Admin_Properties::property_url( $senw_p['listing_key'], true ) ); ?>"><?php echo esc_html( $senw_p['listing_key'] ); ?></a>
							<?php else : ?>
								—
							<?php endif; ?>
						</td>
						<td><?php echo esc_html( $senw_p['resource'] . ' ' . $senw_p['record_key'] ); ?></td>
						<td><?php echo esc_html( $senw_p['field'] ); ?></td>
						<td><?php echo esc_html( $senw_p['problem'] ); ?></td>
						<td><code><?php echo esc_html( (string) $senw_p['value'] ); ?></code></td>
					</tr>
				<?php endforeach; ?>
			</tbody>
		</table>
	<?php endif; ?>
</div>

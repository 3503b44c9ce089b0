<?php
/**
 * Skip-trace section of a list's page and box of the lead page. Variables:
 * $context ('list' or 'lead'), $batches (newest first), $found (matched
 * requests with their phones and emails), $action, $field, $id, $can, $post_url.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_active   = $batches && in_array( $batches[0]['status'], SENW_CRM_Skip_Trace::ACTIVE, true );
$senw_outcomes = array(
	'added'        => __( 'added', 'senw-crm' ),
	'known'        => __( 'already on file', 'senw-crm' ),
	'other_person' => __( "another person's: sent to Possible duplicates", 'senw-crm' ),
);
$senw_money    = static function ( $cents ) {
	return '$' . number_format_i18n( ( (int) $cents ) / 100, 2 );
};
?>
<?php if ( $senw_active && 'list' === $context ) : ?>
	<meta http-equiv="refresh" content="3">
<?php endif; ?>
<div class="<?php echo esc_attr( 'lead' === $context ? 'postbox senw-box' : 'senw-skip-trace' ); ?>" id="senw-skip-trace">
	<h2 class="<?php echo esc_attr( 'lead' === $context ? 'senw-box-title' : '' ); ?>"><?php esc_html_e( 'Skip tracing', 'senw-crm' ); ?></h2>
	<div class="inside">
	<?php if ( $can ) : ?>
		<form method="post" action="<?php echo esc_url( $post_url ); ?>" id="senw-skip-trace-form">
			<input type="hidden" name="action" value="<?php echo esc_attr( $action ); ?>">
			<input type="hidden" name="<?php echo esc_attr( $field ); ?>" value="<?php echo esc_attr( (string) $id ); ?>">
			<?php wp_nonce_field( $action . '_' . (int) $id ); ?>
			<p><button type="submit" class="button" id="senw-skip-trace-start" <?php disabled( $senw_active ); ?>><?php echo esc_html( 'list' === $context ? __( 'Skip trace this list', 'senw-crm' ) : __( 'Skip trace this lead', 'senw-crm' ) ); ?></button>
			<span class="description"><?php esc_html_e( 'People traced recently are not traced (or billed) again.', 'senw-crm' ); ?></span></p>
		</form>
	<?php endif; ?>
	<?php if ( $batches && 'lead' === $context ) : ?>
		<ul id="senw-skip-trace-batches">
		<?php foreach ( $batches as $senw_b ) : ?>
			<li class="senw-skip-trace-batch"><?php echo esc_html( SENW_CRM_Admin::local_time( $senw_b['created_at'] ) . ' · ' . $senw_b['status'] . ( (int) $senw_b['skipped_recent'] ? ' · ' . __( 'traced recently, not sent', 'senw-crm' ) : '' ) . ( (int) $senw_b['no_address'] ? ' · ' . __( 'no address to trace by', 'senw-crm' ) : '' ) . ( (int) $senw_b['matched'] + (int) $senw_b['no_match'] ? ' · ' . ( (int) $senw_b['matched'] ? __( 'matched', 'senw-crm' ) : __( 'no match', 'senw-crm' ) ) : '' ) . ' · ' . $senw_money( $senw_b['cost_cents'] ) ); ?><?php if ( '' !== $senw_b['error'] ) : ?><br><span class="senw-msg-error"><?php echo esc_html( $senw_b['error'] ); ?></span><?php endif; ?></li>
		<?php endforeach; ?>
		</ul>
	<?php elseif ( $batches ) : ?>
		<table class="wp-list-table widefat striped" id="senw-skip-trace-batches">
			<thead><tr><th><?php esc_html_e( 'Started', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Status', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Traced', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Matched', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Phones / emails added', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Cost', 'senw-crm' ); ?></th></tr></thead>
			<tbody>
			<?php foreach ( $batches as $senw_b ) : ?>
				<tr class="senw-skip-trace-batch">
					<td><?php echo esc_html( SENW_CRM_Admin::local_time( $senw_b['created_at'] ) ); ?></td>
					<td class="senw-st-status"><?php echo esc_html( $senw_b['status'] ); ?><?php if ( '' !== $senw_b['error'] ) : ?><br><span class="senw-msg-error"><?php echo esc_html( $senw_b['error'] ); ?></span><?php endif; ?></td>
					<td><?php echo esc_html( sprintf( /* translators: 1: people sent, 2: skipped as traced recently, 3: without an address */ __( '%1$s (%2$s traced recently, %3$s without an address)', 'senw-crm' ), number_format_i18n( (int) $senw_b['requested'] - (int) $senw_b['no_address'] ), number_format_i18n( (int) $senw_b['skipped_recent'] ), number_format_i18n( (int) $senw_b['no_address'] ) ) ); ?></td>
					<td class="senw-st-matched"><?php echo esc_html( number_format_i18n( (int) $senw_b['matched'] ) . ' / ' . number_format_i18n( (int) $senw_b['matched'] + (int) $senw_b['no_match'] ) ); ?></td>
					<td><?php echo esc_html( number_format_i18n( (int) $senw_b['phones_added'] ) . ' / ' . number_format_i18n( (int) $senw_b['emails_added'] ) ); ?><?php if ( (int) $senw_b['conflicts'] ) : ?><br><?php echo esc_html( sprintf( /* translators: %s: count */ __( '%s belong to other people (review)', 'senw-crm' ), number_format_i18n( (int) $senw_b['conflicts'] ) ) ); ?><?php endif; ?></td>
					<td class="senw-st-cost"><?php echo esc_html( $senw_money( $senw_b['cost_cents'] ) ); ?><?php if ( (int) $senw_b['matched'] ) : ?><br><?php echo esc_html( sprintf( /* translators: %s: money */ __( '%s per match', 'senw-crm' ), $senw_money( round( (int) $senw_b['cost_cents'] / (int) $senw_b['matched'] ) ) ) ); ?><?php endif; ?></td>
				</tr>
			<?php endforeach; ?>
			</tbody>
		</table>
	<?php endif; ?>
	<?php if ( $found ) : ?>
		<h3><?php echo esc_html( 'list' === $context ? __( 'Found in the latest trace', 'senw-crm' ) : __( 'Latest trace', 'senw-crm' ) ); ?></h3>
		<table class="wp-list-table widefat striped" id="senw-skip-trace-found">
			<thead><tr><?php if ( 'list' === $context ) : ?><th><?php esc_html_e( 'Owner', 'senw-crm' ); ?></th><?php endif; ?><th><?php esc_html_e( 'Phones (rank, line type, DNC)', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Emails', 'senw-crm' ); ?></th></tr></thead>
			<tbody>
			<?php foreach ( $found as $senw_f ) : ?>
				<tr class="senw-skip-trace-person" data-person="<?php echo esc_attr( (string) $senw_f['person_id'] ); ?>">
					<?php if ( 'list' === $context ) : ?><td><?php echo esc_html( trim( $senw_f['first_name'] . ' ' . $senw_f['last_name'] ) ); ?></td><?php endif; ?>
					<td><ul style="margin:0">
					<?php foreach ( $senw_f['phones'] as $senw_p ) : ?>
						<li class="senw-st-phone" data-phone="<?php echo esc_attr( $senw_p['phone_e164'] ); ?>"><?php echo esc_html( '#' . (int) $senw_p['phone_rank'] . ' ' . SENW_CRM_Phone::display( $senw_p['phone_e164'] ) . ' · ' . $senw_p['line_type'] . ( (int) $senw_p['dnc'] ? ' · ' . __( 'DNC', 'senw-crm' ) : '' ) . ' · ' . SENW_CRM_Admin::label( $senw_outcomes, $senw_p['outcome'] ) ); ?></li>
					<?php endforeach; ?>
					</ul></td>
					<td><ul style="margin:0">
					<?php foreach ( $senw_f['emails'] as $senw_e ) : ?>
						<li class="senw-st-email"><?php echo esc_html( $senw_e['email'] . ' · ' . SENW_CRM_Admin::label( $senw_outcomes, $senw_e['outcome'] ) ); ?></li>
					<?php endforeach; ?>
					</ul></td>
				</tr>
			<?php endforeach; ?>
			</tbody>
		</table>
	<?php elseif ( 'lead' === $context && ! $batches ) : ?>
		<p><?php esc_html_e( 'Not traced yet.', 'senw-crm' ); ?></p>
	<?php endif; ?>
	</div>
</div>

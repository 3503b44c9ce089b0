<?php
/**
 * One quarantined record with its raw payload, shown as text.
 *
 * @var array|null $record   Quarantine row.
 * @var string     $back_url The Sync screen.
 */

defined( 'ABSPATH' ) || exit;

$senw_pretty = null;
if ( $record ) {
	$senw_decoded = json_decode( $record['payload'], true );
	$senw_pretty  = null === $senw_decoded ? $record['payload'] : wp_json_encode( $senw_decoded, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE );
}
?>
<div class="wrap senw-crm-quarantined">
	<p><a href="<?php echo esc_url( $back_url ); ?>">&larr; <?php esc_html_e( 'MLS Sync', 'senw-crm' ); ?></a></p>
	<?php if ( ! $record ) : ?>
		<h1><?php esc_html_e( 'Quarantined record not found', 'senw-crm' ); ?></h1>
	<?php else : ?>
		<h1>
			<?php
			/* translators: %d: quarantine id */
			echo esc_html( sprintf( __( 'Quarantined record #%d', 'senw-crm' ), (int) $record['id'] ) );
			?>
		</h1>
		<table class="widefat striped">
			<tbody>
				<tr><th scope="row"><?php esc_html_e( 'Feed', 'senw-crm' ); ?></th><td><?php echo esc_html( $record['feed_id'] ); ?></td></tr>
				<tr><th scope="row"><?php esc_html_e( 'Resource', 'senw-crm' ); ?></th><td><?php echo esc_html( $record['resource'] ); ?></td></tr>
				<tr><th scope="row"><?php esc_html_e( 'Record key', 'senw-crm' ); ?></th><td><?php echo esc_html( (string) $record['record_key'] ); ?></td></tr>
				<tr><th scope="row"><?php esc_html_e( 'Reason', 'senw-crm' ); ?></th><td class="senw-crm-reason"><?php echo esc_html( $record['reason'] ); ?></td></tr>
				<tr><th scope="row"><?php esc_html_e( 'Run', 'senw-crm' ); ?></th><td><?php echo esc_html( null === $record['run_id'] ? '—' : '#' . $record['run_id'] ); ?></td></tr>
				<tr><th scope="row"><?php esc_html_e( 'When', 'senw-crm' ); ?></th><td><?php echo esc_html( SENW_CRM_Properties::local_time( $record['created_at'] ) ); ?></td></tr>
			</tbody>
		</table>
		<h2><?php esc_html_e( 'Raw payload', 'senw-crm' ); ?></h2>
		<pre class="senw-crm-payload"><?php echo esc_html( $senw_pretty ); ?></pre>
	<?php endif; ?>
</div>

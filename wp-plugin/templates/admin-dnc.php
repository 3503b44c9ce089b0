<?php
/**
 * CRM > Do-Not-Call. Variables: $sources (loaded lists), $federal (oldest
 * federal area-code copy: d, n, stale), $loads (last files), $pending (files
 * waiting to load), $max_age, $notices, $post_url, $ready (inbox configured),
 * $registry (SENW_CRM_Compliance::registry_state(): last, files, next, queued,
 * area_codes).
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_kinds = array(
	'federal'   => __( 'Federal registry', 'senw-crm' ),
	'state'     => __( 'State list', 'senw-crm' ),
	'litigator' => __( 'Litigator list', 'senw-crm' ),
);
?>
<div class="wrap senw-crm-dnc">
	<h1><?php esc_html_e( 'Do-Not-Call Lists', 'senw-crm' ); ?></h1>
	<?php echo SENW_CRM_Lead_Form::template( 'admin-notices', array( 'notices' => $notices ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in the template. ?>
	<div id="senw-dnc-registry" class="senw-box postbox"><div class="inside">
	<?php if ( empty( $federal['n'] ) ) : ?>
		<p class="senw-dnc-status"><strong><?php esc_html_e( 'No federal registry copy is loaded: marketing calls and texts are blocked.', 'senw-crm' ); ?></strong></p>
	<?php else : ?>
		<p class="senw-dnc-status">
			<?php
			echo esc_html(
				sprintf(
					/* translators: 1: number of area codes, 2: registry date, 3: max age */
					__( 'Federal registry: %1$d area code(s); oldest copy from %2$s (calls and texts are blocked for area codes whose copy is older than %3$d days).', 'senw-crm' ),
					(int) $federal['n'],
					$federal['d'],
					(int) $max_age
				)
			);
			?>
			<?php if ( (int) $federal['stale'] > 0 ) : ?>
				<strong class="senw-dnc-stale"><?php echo esc_html( sprintf( /* translators: %d: count */ __( '%d area code(s) are stale: download a new copy.', 'senw-crm' ), (int) $federal['stale'] ) ); ?></strong>
			<?php endif; ?>
		</p>
	<?php endif; ?>
	</div></div>

	<h2><?php esc_html_e( 'Download from the federal registry', 'senw-crm' ); ?></h2>
	<div id="senw-dnc-download" class="senw-box postbox"><div class="inside">
	<form method="post" action="<?php echo esc_url( $post_url ); ?>" id="senw-dnc-area-codes">
		<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Compliance::AREA_CODES ); ?>">
		<?php wp_nonce_field( SENW_CRM_Compliance::AREA_CODES ); ?>
		<p><label for="senw-dnc-codes"><?php esc_html_e( 'Area codes the brokerage subscribes to', 'senw-crm' ); ?></label>
		<input type="text" id="senw-dnc-codes" name="area_codes" class="regular-text" value="<?php echo esc_attr( $registry['area_codes'] ); ?>" placeholder="503, 541, 971">
		<button type="submit" class="button" id="senw-dnc-codes-save"><?php esc_html_e( 'Save', 'senw-crm' ); ?></button></p>
	</form>
	<?php $senw_last = $registry['last']; ?>
	<p id="senw-dnc-last-download">
	<?php if ( ! $senw_last ) : ?>
		<?php esc_html_e( 'No registry download yet.', 'senw-crm' ); ?>
	<?php elseif ( 'done' === $senw_last['status'] ) : ?>
		<?php
		echo esc_html(
			sprintf(
				/* translators: 1: time, 2: area codes, 3: added, 4: deleted, 5: rejected lines, 6: registry date */
				__( 'Last download %1$s: %2$d area code(s) loaded, %3$s added, %4$s deleted, %5$s lines rejected (registry date %6$s).', 'senw-crm' ),
				SENW_CRM_Admin::local_time( $senw_last['finished_at'] ),
				count( $registry['files'] ),
				number_format_i18n( (int) $senw_last['added'] ),
				number_format_i18n( (int) $senw_last['deleted'] ),
				number_format_i18n( (int) $senw_last['rejected'] ),
				(string) $senw_last['registry_date']
			)
		);
		?>
	<?php elseif ( 'running' === $senw_last['status'] ) : ?>
		<?php echo esc_html( sprintf( /* translators: %s: time */ __( 'A download started %s is running.', 'senw-crm' ), SENW_CRM_Admin::local_time( $senw_last['started_at'] ) ) ); ?>
	<?php else : ?>
		<strong class="senw-dnc-download-<?php echo esc_attr( $senw_last['status'] ); ?>">
		<?php
		echo esc_html(
			sprintf(
				/* translators: 1: time, 2: refused or failed, 3: the reason */
				__( 'Last attempt %1$s %2$s: %3$s. Nothing was loaded.', 'senw-crm' ),
				SENW_CRM_Admin::local_time( $senw_last['started_at'] ),
				'refused' === $senw_last['status'] ? __( 'refused', 'senw-crm' ) : __( 'failed', 'senw-crm' ),
				(string) $senw_last['error']
			)
		);
		?>
		</strong>
	<?php endif; ?>
	</p>
	<p id="senw-dnc-next-download">
	<?php if ( $registry['queued'] ) : ?>
		<?php esc_html_e( 'A download is queued or running.', 'senw-crm' ); ?>
	<?php elseif ( '' !== $registry['next'] ) : ?>
		<?php echo esc_html( sprintf( /* translators: %s: time */ __( 'The registry allows one download per 24 hours: the next is allowed at %s.', 'senw-crm' ), SENW_CRM_Admin::local_time( $registry['next'] ) ) ); ?>
	<?php else : ?>
		<?php esc_html_e( 'A download is allowed now (one per 24 hours; a daily download also runs by itself).', 'senw-crm' ); ?>
	<?php endif; ?>
	</p>
	<form method="post" action="<?php echo esc_url( $post_url ); ?>" id="senw-dnc-download-form">
		<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Compliance::DOWNLOAD ); ?>">
		<?php wp_nonce_field( SENW_CRM_Compliance::DOWNLOAD ); ?>
		<p><button type="submit" class="button button-primary" id="senw-dnc-download-now"<?php disabled( $registry['queued'] || '' !== $registry['next'] || '' === $registry['area_codes'] ); ?>><?php esc_html_e( 'Download from the registry now', 'senw-crm' ); ?></button></p>
	</form>
	</div></div>

	<h2><?php esc_html_e( 'Upload a list', 'senw-crm' ); ?></h2>
	<?php if ( ! $ready ) : ?>
		<p><?php esc_html_e( 'Uploads are off: SENW_DNC_DIR is not set for WordPress (it must be the sidecar\'s directory).', 'senw-crm' ); ?></p>
	<?php else : ?>
	<form method="post" enctype="multipart/form-data" action="<?php echo esc_url( $post_url ); ?>" id="senw-dnc-upload">
		<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Compliance::UPLOAD ); ?>">
		<?php wp_nonce_field( SENW_CRM_Compliance::UPLOAD ); ?>
		<table class="form-table" role="presentation">
			<tr><th scope="row"><label for="senw-dnc-kind"><?php esc_html_e( 'List', 'senw-crm' ); ?></label></th>
				<td><select id="senw-dnc-kind" name="kind"><?php SENW_CRM_Admin::select_options( $senw_kinds, 'federal' ); ?></select>
				<label for="senw-dnc-name"><?php esc_html_e( 'Name', 'senw-crm' ); ?></label>
				<input type="text" id="senw-dnc-name" name="list_name" class="regular-text" placeholder="<?php esc_attr_e( 'national, FL, vendor name…', 'senw-crm' ); ?>"></td></tr>
			<tr><th scope="row"><label for="senw-dnc-type"><?php esc_html_e( 'File', 'senw-crm' ); ?></label></th>
				<td><select id="senw-dnc-type" name="list_type"><?php SENW_CRM_Admin::select_options( array( 'full' => __( 'Full list (replaces its area codes)', 'senw-crm' ), 'change' => __( 'Change list (additions and deletions)', 'senw-crm' ) ), 'full' ); ?></select>
				<input type="file" id="senw-dnc-file" name="dnc_file" accept=".zip,.txt,.csv,.xml">
				<p class="description"><?php esc_html_e( 'Flat text (areacode,number per line), change lists with add/delete fields, or XML; zipped or not.', 'senw-crm' ); ?></p></td></tr>
			<tr><th scope="row"><label for="senw-dnc-date"><?php esc_html_e( 'Registry date', 'senw-crm' ); ?></label></th>
				<td><input type="date" id="senw-dnc-date" name="registry_date" value="<?php echo esc_attr( gmdate( 'Y-m-d' ) ); ?>" required>
				<p class="description"><?php esc_html_e( 'The date the registry produced this copy: the 31-day limit counts from it.', 'senw-crm' ); ?></p></td></tr>
		</table>
		<p><button type="submit" class="button button-primary" id="senw-dnc-submit"><?php esc_html_e( 'Upload and load', 'senw-crm' ); ?></button></p>
	</form>
	<?php endif; ?>
	<?php if ( $pending > 0 ) : ?>
		<p id="senw-dnc-pending"><?php echo esc_html( sprintf( /* translators: %d: files */ _n( '%d file is waiting to be loaded.', '%d files are waiting to be loaded.', $pending, 'senw-crm' ), $pending ) ); ?></p>
	<?php endif; ?>

	<h2><?php esc_html_e( 'Loaded lists', 'senw-crm' ); ?></h2>
	<table class="wp-list-table widefat fixed striped" id="senw-dnc-sources">
		<thead><tr><th><?php esc_html_e( 'List', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Registry date (oldest – newest area code)', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Age of the oldest (days)', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Numbers', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Area codes', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Loaded', 'senw-crm' ); ?></th></tr></thead>
		<tbody>
		<?php if ( empty( $sources ) ) : ?>
			<tr><td colspan="6"><?php esc_html_e( 'Nothing loaded yet.', 'senw-crm' ); ?></td></tr>
		<?php endif; ?>
		<?php foreach ( $sources as $senw_s ) : ?>
			<tr><td><?php echo esc_html( SENW_CRM_Admin::label( $senw_kinds, $senw_s['kind'] ) . ' · ' . $senw_s['name'] ); ?></td>
				<td><?php echo esc_html( $senw_s['oldest'] === $senw_s['newest'] ? (string) $senw_s['oldest'] : $senw_s['oldest'] . ' – ' . $senw_s['newest'] ); ?></td>
				<td><?php echo esc_html( (string) $senw_s['age'] ); ?><?php echo (int) $senw_s['age'] > $max_age ? ' <strong>' . esc_html__( 'stale', 'senw-crm' ) . '</strong>' : ''; ?></td>
				<td><?php echo esc_html( number_format_i18n( (int) $senw_s['numbers'] ) ); ?></td>
				<td><?php echo esc_html( (string) $senw_s['area_codes'] ); ?></td>
				<td><?php echo esc_html( SENW_CRM_Admin::local_time( $senw_s['loaded_at'] ) ); ?></td></tr>
		<?php endforeach; ?>
		</tbody>
	</table>

	<h2><?php esc_html_e( 'Recent files', 'senw-crm' ); ?></h2>
	<table class="wp-list-table widefat fixed striped" id="senw-dnc-loads">
		<thead><tr><th><?php esc_html_e( 'Loaded', 'senw-crm' ); ?></th><th><?php esc_html_e( 'List', 'senw-crm' ); ?></th><th><?php esc_html_e( 'File', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Registry date', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Added', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Deleted', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Rejected lines', 'senw-crm' ); ?></th></tr></thead>
		<tbody>
		<?php foreach ( $loads as $senw_l ) : ?>
			<tr><td><?php echo esc_html( SENW_CRM_Admin::local_time( $senw_l['loaded_at'] ) ); ?></td>
				<td><?php echo esc_html( $senw_l['kind'] . ' · ' . $senw_l['name'] . ' · ' . $senw_l['list_type'] ); ?></td>
				<td><?php echo esc_html( $senw_l['file_name'] ); ?></td>
				<td><?php echo esc_html( $senw_l['registry_date'] ); ?></td>
				<td><?php echo esc_html( number_format_i18n( (int) $senw_l['added'] ) ); ?></td>
				<td><?php echo esc_html( number_format_i18n( (int) $senw_l['deleted'] ) ); ?></td>
				<td><?php echo esc_html( number_format_i18n( (int) $senw_l['rejected'] ) ); ?>
				<?php foreach ( (array) json_decode( (string) $senw_l['problems'], true ) as $senw_p ) : ?>
					<br><small><?php echo esc_html( (string) $senw_p ); ?></small>
				<?php endforeach; ?></td></tr>
		<?php endforeach; ?>
		</tbody>
	</table>
</div>

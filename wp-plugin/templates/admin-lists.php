<?php
/**
 * CRM > Lists. Variables: $list (row or null: the index), $lists, $criteria
 * (saved list criteria), $mappings
 * (saved column mappings), $errors (the list's set-aside rows), $preview
 * (array( header, rows ) of a pending upload), $exports (of this list),
 * $fields, $notices, $post_url.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

list( $senw_header, $senw_rows ) = $preview;
$senw_saved = array();
foreach ( $mappings as $senw_m ) {
	$senw_saved[ $senw_m['name'] ] = (array) json_decode( (string) $senw_m['mapping'], true );
}
// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- choosing a saved mapping to prefill.
$senw_use     = isset( $_GET['mapping'] ) ? sanitize_text_field( wp_unslash( $_GET['mapping'] ) ) : '';
$senw_working = $list && in_array( $list['status'], array( 'queued', 'importing' ), true );
?>
<?php if ( $senw_working ) : ?>
	<meta http-equiv="refresh" content="2">
<?php endif; ?>
<div class="wrap senw-crm-lists">
<?php if ( ! $list ) : ?>
	<h1><?php esc_html_e( 'Lists', 'senw-crm' ); ?></h1>
	<?php echo SENW_CRM_Lead_Form::template( 'admin-notices', array( 'notices' => $notices ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in the template. ?>
	<form method="post" enctype="multipart/form-data" action="<?php echo esc_url( $post_url ); ?>" id="senw-list-upload">
		<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Lists::UPLOAD ); ?>">
		<?php wp_nonce_field( SENW_CRM_Lists::UPLOAD ); ?>
		<label for="senw-list-name"><?php esc_html_e( 'List name', 'senw-crm' ); ?></label>
		<input type="text" id="senw-list-name" name="list_name" class="regular-text" required>
		<label for="senw-list-cost"><?php esc_html_e( 'Cost ($)', 'senw-crm' ); ?></label>
		<input type="number" id="senw-list-cost" name="cost" min="0" step="0.01" class="small-text" value="0">
		<input type="file" id="senw-list-file" name="list_file" accept=".csv,text/csv">
		<button type="submit" class="button button-primary" id="senw-list-submit"><?php esc_html_e( 'Upload CSV', 'senw-crm' ); ?></button>
	</form>
	<h2><?php esc_html_e( 'Pull a list from the data provider', 'senw-crm' ); ?></h2>
	<?php
	// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- choosing saved criteria to prefill.
	$senw_cid  = isset( $_GET['criteria'] ) ? absint( $_GET['criteria'] ) : 0;
	$senw_pick = array();
	foreach ( $criteria as $senw_c ) {
		if ( (int) $senw_c['id'] === $senw_cid ) {
			$senw_pick = (array) json_decode( (string) $senw_c['criteria'], true );
		}
	}
	$senw_labels = array(
		'city'            => __( 'City', 'senw-crm' ),
		'zip'             => __( 'ZIP', 'senw-crm' ),
		'property_type'   => __( 'Property type', 'senw-crm' ),
		'min_value'       => __( 'Value from', 'senw-crm' ),
		'max_value'       => __( 'Value to', 'senw-crm' ),
		'owner_type'      => __( 'Owner type (absentee, owner_occupied, corporate)', 'senw-crm' ),
		'min_equity_pct'  => __( 'Equity at least (%)', 'senw-crm' ),
		'min_years_owned' => __( 'Owned at least (years)', 'senw-crm' ),
		'status'          => __( 'Status (pre_foreclosure, expired_listing, vacant, probate, tax_delinquent)', 'senw-crm' ),
	);
	?>
	<?php foreach ( $criteria as $senw_c ) : ?>
		<a class="senw-saved-criteria" href="<?php echo esc_url( admin_url( 'admin.php?page=' . SENW_CRM_Lists::SLUG . '&criteria=' . (int) $senw_c['id'] ) ); ?>"><?php echo esc_html( $senw_c['name'] ); ?></a>
	<?php endforeach; ?>
	<form method="post" action="<?php echo esc_url( $post_url ); ?>" id="senw-list-pull">
		<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Lists::PULL ); ?>">
		<?php wp_nonce_field( SENW_CRM_Lists::PULL ); ?>
		<?php foreach ( $senw_labels as $senw_key => $senw_label ) : ?>
			<label><?php echo esc_html( $senw_label ); ?> <input type="text" name="c_<?php echo esc_attr( $senw_key ); ?>" id="senw-c-<?php echo esc_attr( $senw_key ); ?>" class="small-text" value="<?php echo esc_attr( isset( $senw_pick[ $senw_key ] ) ? (string) $senw_pick[ $senw_key ] : '' ); ?>"></label>
		<?php endforeach; ?>
		<br><label><?php esc_html_e( 'List name', 'senw-crm' ); ?> <input type="text" name="list_name" id="senw-pull-name" required></label>
		<label><?php esc_html_e( 'Save criteria as (optional)', 'senw-crm' ); ?> <input type="text" name="save_criteria" id="senw-pull-save"></label>
		<button type="submit" class="button" id="senw-pull-submit"><?php esc_html_e( 'Pull list', 'senw-crm' ); ?></button>
	</form>
	<table class="wp-list-table widefat striped" id="senw-lists">
		<thead><tr><th><?php esc_html_e( 'List', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Status', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Rows', 'senw-crm' ); ?></th><th><?php esc_html_e( 'New people', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Matched existing', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Duplicates', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Bad rows', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Responses', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Leads', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Deals', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Cost', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Cost per lead', 'senw-crm' ); ?></th></tr></thead>
		<tbody>
		<?php foreach ( $lists as $senw_l ) : ?>
			<tr data-list="<?php echo esc_attr( (string) $senw_l['id'] ); ?>"><td><a href="<?php echo esc_url( admin_url( 'admin.php?page=' . SENW_CRM_Lists::SLUG . '&list=' . (int) $senw_l['id'] ) ); ?>"><?php echo esc_html( $senw_l['name'] ); ?></a></td>
				<td><?php echo esc_html( $senw_l['status'] ); ?></td><td><?php echo esc_html( number_format_i18n( (int) $senw_l['rows_total'] ) ); ?></td>
				<td><?php echo esc_html( number_format_i18n( (int) $senw_l['rows_imported'] ) ); ?></td><td><?php echo esc_html( number_format_i18n( (int) $senw_l['rows_matched'] ) ); ?></td>
				<td><?php echo esc_html( number_format_i18n( (int) $senw_l['rows_duplicate'] ) ); ?></td><td><?php echo esc_html( number_format_i18n( (int) $senw_l['rows_bad'] ) ); ?></td>
				<td class="senw-responses"><?php echo esc_html( number_format_i18n( (int) $senw_l['responses'] ) ); ?></td><td class="senw-leads"><?php echo esc_html( number_format_i18n( (int) $senw_l['leads'] ) ); ?></td><td class="senw-deals"><?php echo esc_html( number_format_i18n( (int) $senw_l['deals'] ) ); ?></td>
				<td><?php echo esc_html( SENW_CRM_Campaigns::money( (int) $senw_l['cost_cents'] ) ); ?></td><td class="senw-cost-per-lead"><?php echo esc_html( (int) $senw_l['leads'] ? SENW_CRM_Campaigns::money( (int) round( $senw_l['cost_cents'] / $senw_l['leads'] ) ) : '—' ); ?></td></tr>
		<?php endforeach; ?>
		</tbody>
	</table>
<?php else : ?>
	<p><a href="<?php echo esc_url( admin_url( 'admin.php?page=' . SENW_CRM_Lists::SLUG ) ); ?>">&larr; <?php esc_html_e( 'All lists', 'senw-crm' ); ?></a></p>
	<h1><?php echo esc_html( $list['name'] ); ?> <span class="senw-tag" id="senw-list-status"><?php echo esc_html( $list['status'] ); ?></span></h1>
	<?php echo SENW_CRM_Lead_Form::template( 'admin-notices', array( 'notices' => $notices ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in the template. ?>
	<?php if ( 'pending' === $list['status'] ) : ?>
		<?php if ( $senw_saved ) : ?>
			<form method="get" id="senw-mapping-choose">
				<input type="hidden" name="page" value="<?php echo esc_attr( SENW_CRM_Lists::SLUG ); ?>">
				<input type="hidden" name="list" value="<?php echo esc_attr( (string) $list['id'] ); ?>">
				<label for="senw-mapping-saved"><?php esc_html_e( 'Use a saved mapping', 'senw-crm' ); ?></label>
				<select id="senw-mapping-saved" name="mapping"><option value=""><?php esc_html_e( 'Guess from the headers', 'senw-crm' ); ?></option><?php SENW_CRM_Admin::select_options( array_combine( array_keys( $senw_saved ), array_keys( $senw_saved ) ), $senw_use ); ?></select>
				<button type="submit" class="button"><?php esc_html_e( 'Apply', 'senw-crm' ); ?></button>
			</form>
		<?php endif; ?>
		<form method="post" action="<?php echo esc_url( $post_url ); ?>" id="senw-mapping-form">
			<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Lists::START ); ?>">
			<input type="hidden" name="list" value="<?php echo esc_attr( (string) $list['id'] ); ?>">
			<?php wp_nonce_field( SENW_CRM_Lists::START . '_' . (int) $list['id'] ); ?>
			<table class="wp-list-table widefat striped" id="senw-list-preview">
				<thead><tr>
				<?php foreach ( $senw_header as $senw_i => $senw_col ) : ?>
					<?php $senw_pick = isset( $senw_saved[ $senw_use ][ $senw_col ] ) ? $senw_saved[ $senw_use ][ $senw_col ] : ( '' === $senw_use ? SENW_CRM_Lists::guess( $senw_col ) : '' ); ?>
					<th><?php echo esc_html( $senw_col ); ?><br>
						<select name="map[<?php echo esc_attr( (string) $senw_i ); ?>]" class="senw-map" data-column="<?php echo esc_attr( $senw_col ); ?>"><option value=""><?php esc_html_e( '(ignore)', 'senw-crm' ); ?></option><?php SENW_CRM_Admin::select_options( $fields, $senw_pick ); ?></select></th>
				<?php endforeach; ?>
				</tr></thead>
				<tbody>
				<?php foreach ( $senw_rows as $senw_r ) : ?>
					<tr><?php foreach ( $senw_header as $senw_i => $senw_col ) : ?><td><?php echo esc_html( isset( $senw_r[ $senw_i ] ) ? (string) $senw_r[ $senw_i ] : '' ); ?></td><?php endforeach; ?></tr>
				<?php endforeach; ?>
				</tbody>
			</table>
			<p><label for="senw-mapping-save"><?php esc_html_e( 'Save this mapping as (optional)', 'senw-crm' ); ?></label>
				<input type="text" id="senw-mapping-save" name="save_as" maxlength="100">
				<button type="submit" class="button button-primary" id="senw-list-start"><?php esc_html_e( 'Start import', 'senw-crm' ); ?></button></p>
		</form>
	<?php else : ?>
		<?php $senw_total = max( 1, (int) $list['rows_total'] ); ?>
		<p id="senw-list-progress"><progress max="<?php echo esc_attr( (string) $senw_total ); ?>" value="<?php echo esc_attr( (string) (int) $list['rows_done'] ); ?>"></progress>
			<?php echo esc_html( sprintf( /* translators: 1: rows done, 2: rows in the file */ __( '%1$s of %2$s rows', 'senw-crm' ), number_format_i18n( (int) $list['rows_done'] ), number_format_i18n( (int) $list['rows_total'] ) ) ); ?></p>
		<p id="senw-list-counts">
			<?php
			echo esc_html(
				sprintf(
					/* translators: 1: new people, 2: matched, 3: duplicates, 4: bad rows */
					__( '%1$s new people, %2$s matched existing people, %3$s duplicate rows, %4$s bad rows.', 'senw-crm' ),
					number_format_i18n( (int) $list['rows_imported'] ),
					number_format_i18n( (int) $list['rows_matched'] ),
					number_format_i18n( (int) $list['rows_duplicate'] ),
					number_format_i18n( (int) $list['rows_bad'] )
				)
			);
			?>
		</p>
		<?php if ( 'done' === $list['status'] ) : ?>
			<h2><?php esc_html_e( 'Export', 'senw-crm' ); ?></h2>
			<form method="post" action="<?php echo esc_url( $post_url ); ?>" id="senw-export-form">
				<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Lists::EXPORT ); ?>">
				<input type="hidden" name="list" value="<?php echo esc_attr( (string) $list['id'] ); ?>">
				<?php wp_nonce_field( SENW_CRM_Lists::EXPORT . '_' . (int) $list['id'] ); ?>
				<select id="senw-export-platform" name="platform"><?php SENW_CRM_Admin::select_options( SENW_CRM_Lists::platforms(), 'direct_mail' ); ?></select>
				<button type="submit" class="button" id="senw-export-start"><?php esc_html_e( 'Export scrubbed, consented records', 'senw-crm' ); ?></button>
			</form>
			<?php if ( $exports ) : ?>
				<table class="wp-list-table widefat striped" id="senw-exports">
					<thead><tr><th><?php esc_html_e( 'Platform', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Status', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Records written', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Left out (why)', 'senw-crm' ); ?></th><th></th></tr></thead>
					<tbody>
					<?php foreach ( $exports as $senw_x ) : ?>
						<tr data-export="<?php echo esc_attr( (string) $senw_x['id'] ); ?>"><td><?php echo esc_html( SENW_CRM_Admin::label( SENW_CRM_Lists::platforms(), $senw_x['platform'] ) ); ?></td><td><?php echo esc_html( $senw_x['status'] ); ?></td>
							<td class="senw-export-out"><?php echo esc_html( number_format_i18n( (int) $senw_x['rows_out'] ) ); ?></td>
							<td class="senw-export-blocked"><?php echo esc_html( number_format_i18n( (int) $senw_x['rows_blocked'] ) ); ?>
							<?php foreach ( (array) json_decode( (string) $senw_x['blocked_by'], true ) as $senw_rule => $senw_n ) : ?>
								<code><?php echo esc_html( (string) $senw_rule ); ?></code> <?php echo esc_html( (string) $senw_n ); ?>
							<?php endforeach; ?></td>
							<td><?php if ( 'done' === $senw_x['status'] ) : ?><a class="senw-export-download" href="<?php echo esc_url( wp_nonce_url( admin_url( 'admin-post.php?action=' . SENW_CRM_Lists::FETCH . '&export=' . (int) $senw_x['id'] ), SENW_CRM_Lists::FETCH . '_' . (int) $senw_x['id'] ) ); ?>"><?php esc_html_e( 'Download CSV', 'senw-crm' ); ?></a><?php endif; ?></td></tr>
					<?php endforeach; ?>
					</tbody>
				</table>
			<?php endif; ?>
		<?php endif; ?>
		<?php if ( $errors ) : ?>
			<h2><?php esc_html_e( 'Rows set aside', 'senw-crm' ); ?></h2>
			<table class="wp-list-table widefat striped" id="senw-list-errors">
				<thead><tr><th><?php esc_html_e( 'Row', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Field', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Reason', 'senw-crm' ); ?></th></tr></thead>
				<tbody>
				<?php foreach ( $errors as $senw_e ) : ?>
					<tr><td><?php echo esc_html( (string) $senw_e['row_no'] ); ?></td><td><?php echo esc_html( '' !== $senw_e['field'] ? ( isset( $fields[ $senw_e['field'] ] ) ? $fields[ $senw_e['field'] ] : $senw_e['field'] ) : $senw_e['kind'] ); ?></td><td><?php echo esc_html( $senw_e['reason'] ); ?></td></tr>
				<?php endforeach; ?>
				</tbody>
			</table>
		<?php endif; ?>
	<?php endif; ?>
	<?php do_action( 'senw_crm_list_detail', $list ); // Sections other modules add (skip tracing). ?>
<?php endif; ?>
</div>

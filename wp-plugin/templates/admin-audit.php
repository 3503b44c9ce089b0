<?php
/**
 * CRM > Audit Log. Variables: $filters, $items, $total, $page, $pages,
 * $users (id => name), $actions, $objects (distinct values).
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_base = array_filter(
	array(
		'page'         => SENW_CRM_Admin_Audit::SLUG,
		'user'         => $filters['user'],
		'object_type'  => $filters['object_type'],
		'object_id'    => $filters['object_id'],
		'audit_action' => $filters['action'],
		'from'         => $filters['from'],
		'to'           => $filters['to'],
	),
	'strlen'
);
?>
<div class="wrap senw-crm-audit">
	<h1><?php esc_html_e( 'Audit Log', 'senw-crm' ); ?></h1>
	<form method="get" class="senw-filter-bar" id="senw-audit-filter">
		<input type="hidden" name="page" value="<?php echo esc_attr( SENW_CRM_Admin_Audit::SLUG ); ?>">
		<span class="senw-filter"><label for="senw-audit-user"><?php esc_html_e( 'User', 'senw-crm' ); ?></label>
			<select id="senw-audit-user" name="user">
				<option value=""><?php esc_html_e( 'Anyone', 'senw-crm' ); ?></option>
				<option value="-1" <?php selected( $filters['user'], '-1' ); ?>><?php esc_html_e( 'System (sidecar)', 'senw-crm' ); ?></option>
				<?php SENW_CRM_Admin::select_options( $users, $filters['user'] ); ?>
			</select></span>
		<span class="senw-filter"><label for="senw-audit-object"><?php esc_html_e( 'Object', 'senw-crm' ); ?></label>
			<select id="senw-audit-object" name="object_type">
				<option value=""><?php esc_html_e( 'Any', 'senw-crm' ); ?></option>
				<?php SENW_CRM_Admin::select_options( array_combine( $objects, $objects ) ?: array(), $filters['object_type'] ); ?>
			</select></span>
		<span class="senw-filter"><label for="senw-audit-object-id"><?php esc_html_e( 'Object id', 'senw-crm' ); ?></label>
			<input type="number" min="1" id="senw-audit-object-id" name="object_id" class="small-text" value="<?php echo esc_attr( $filters['object_id'] ); ?>"></span>
		<span class="senw-filter"><label for="senw-audit-action"><?php esc_html_e( 'Action', 'senw-crm' ); ?></label>
			<select id="senw-audit-action" name="audit_action">
				<option value=""><?php esc_html_e( 'Any', 'senw-crm' ); ?></option>
				<?php SENW_CRM_Admin::select_options( array_combine( $actions, $actions ) ?: array(), $filters['action'] ); ?>
			</select></span>
		<span class="senw-filter"><label for="senw-audit-from"><?php esc_html_e( 'From', 'senw-crm' ); ?></label>
			<input type="date" id="senw-audit-from" name="from" value="<?php echo esc_attr( $filters['from'] ); ?>"></span>
		<span class="senw-filter"><label for="senw-audit-to"><?php esc_html_e( 'To', 'senw-crm' ); ?></label>
			<input type="date" id="senw-audit-to" name="to" value="<?php echo esc_attr( $filters['to'] ); ?>"></span>
		<span class="senw-filter"><button type="submit" class="button"><?php esc_html_e( 'Filter', 'senw-crm' ); ?></button></span>
	</form>
	<?php SENW_CRM_Admin::export_form( SENW_CRM_Admin_Audit::EXPORT, $senw_base, 'senw-audit', sprintf( /* translators: %s: number of entries */ _n( '%s entry', '%s entries', $total, 'senw-crm' ), number_format_i18n( $total ) ), 'senw-audit-export' ); ?>
	<table class="wp-list-table widefat fixed striped senw-audit-table">
		<thead><tr>
			<th scope="col"><?php esc_html_e( 'When', 'senw-crm' ); ?></th>
			<th scope="col"><?php esc_html_e( 'User', 'senw-crm' ); ?></th>
			<th scope="col"><?php esc_html_e( 'Action', 'senw-crm' ); ?></th>
			<th scope="col"><?php esc_html_e( 'Object', 'senw-crm' ); ?></th>
			<th scope="col"><?php esc_html_e( 'IP address', 'senw-crm' ); ?></th>
			<th scope="col"><?php esc_html_e( 'Details', 'senw-crm' ); ?></th>
		</tr></thead>
		<tbody>
		<?php if ( empty( $items ) ) : ?>
			<tr><td colspan="6"><?php esc_html_e( 'No audit entries match.', 'senw-crm' ); ?></td></tr>
		<?php endif; ?>
		<?php foreach ( $items as $senw_row ) : ?>
			<tr>
				<td><?php echo esc_html( SENW_CRM_Admin::local_time( $senw_row['created_at'] ) ); ?></td>
				<td><?php echo esc_html( SENW_CRM_Admin_Audit::who( $senw_row ) ); ?></td>
				<td><?php echo esc_html( $senw_row['action'] ); ?></td>
				<td>
				<?php
				$senw_obj = $senw_row['object_type'] . ( null === $senw_row['object_id'] ? '' : ' #' . $senw_row['object_id'] );
				if ( 'lead' === $senw_row['object_type'] && $senw_row['object_id'] ) :
					?>
					<a href="<?php echo esc_url( SENW_CRM_Admin::lead_url( (int) $senw_row['object_id'] ) ); ?>"><?php echo esc_html( $senw_obj ); ?></a>
				<?php else : ?>
					<?php echo esc_html( $senw_obj ); ?>
				<?php endif; ?>
				</td>
				<td><?php echo esc_html( $senw_row['ip_address'] ); ?></td>
				<td><code class="senw-audit-details"><?php echo esc_html( (string) $senw_row['details'] ); ?></code></td>
			</tr>
		<?php endforeach; ?>
		</tbody>
	</table>
	<?php SENW_CRM_Admin::pagination( $page, $pages, $senw_base ); ?>
</div>

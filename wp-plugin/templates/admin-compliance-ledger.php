<?php
/**
 * CRM > Compliance Ledger. Variables: $filters, $items, $total, $page, $pages,
 * $rules (distinct rule names).
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_base     = array_filter( array_merge( array( 'page' => SENW_CRM_Compliance::LEDGER_SLUG ), $filters ), 'strlen' );
$senw_channels = array_combine( SENW_CRM_Compliance::CHANNELS, SENW_CRM_Compliance::CHANNELS );
?>
<div class="wrap senw-crm-ledger">
	<h1><?php esc_html_e( 'Compliance Ledger', 'senw-crm' ); ?></h1>
	<p class="description"><?php esc_html_e( 'Every decision of the compliance gate: each email, text, call, dialer export and mail piece to a contact, allowed or blocked, with the rule and the registry date it used.', 'senw-crm' ); ?></p>
	<form method="get" class="senw-filter-bar" id="senw-ledger-filter">
		<input type="hidden" name="page" value="<?php echo esc_attr( SENW_CRM_Compliance::LEDGER_SLUG ); ?>">
		<span class="senw-filter"><label for="senw-ledger-channel"><?php esc_html_e( 'Channel', 'senw-crm' ); ?></label>
			<select id="senw-ledger-channel" name="channel">
				<option value=""><?php esc_html_e( 'Any', 'senw-crm' ); ?></option>
				<?php SENW_CRM_Admin::select_options( $senw_channels, $filters['channel'] ); ?>
			</select></span>
		<span class="senw-filter"><label for="senw-ledger-outcome"><?php esc_html_e( 'Outcome', 'senw-crm' ); ?></label>
			<select id="senw-ledger-outcome" name="outcome">
				<option value=""><?php esc_html_e( 'Any', 'senw-crm' ); ?></option>
				<?php SENW_CRM_Admin::select_options( array( 'allowed' => __( 'Allowed', 'senw-crm' ), 'denied' => __( 'Blocked', 'senw-crm' ) ), $filters['outcome'] ); ?>
			</select></span>
		<span class="senw-filter"><label for="senw-ledger-rule"><?php esc_html_e( 'Rule', 'senw-crm' ); ?></label>
			<select id="senw-ledger-rule" name="rule">
				<option value=""><?php esc_html_e( 'Any', 'senw-crm' ); ?></option>
				<?php SENW_CRM_Admin::select_options( array_combine( $rules, $rules ) ?: array(), $filters['rule'] ); ?>
			</select></span>
		<span class="senw-filter"><label for="senw-ledger-address"><?php esc_html_e( 'Phone or email', 'senw-crm' ); ?></label>
			<input type="search" id="senw-ledger-address" name="address" value="<?php echo esc_attr( $filters['address'] ); ?>"></span>
		<span class="senw-filter"><label for="senw-ledger-actor"><?php esc_html_e( 'Sent by', 'senw-crm' ); ?></label>
			<input type="search" id="senw-ledger-actor" name="actor" class="regular-text" placeholder="campaign:3, agent:12" value="<?php echo esc_attr( $filters['actor'] ); ?>"></span>
		<span class="senw-filter"><label for="senw-ledger-from"><?php esc_html_e( 'From', 'senw-crm' ); ?></label>
			<input type="date" id="senw-ledger-from" name="from" value="<?php echo esc_attr( $filters['from'] ); ?>"></span>
		<span class="senw-filter"><label for="senw-ledger-to"><?php esc_html_e( 'To', 'senw-crm' ); ?></label>
			<input type="date" id="senw-ledger-to" name="to" value="<?php echo esc_attr( $filters['to'] ); ?>"></span>
		<span class="senw-filter"><button type="submit" class="button" id="senw-ledger-search"><?php esc_html_e( 'Filter', 'senw-crm' ); ?></button></span>
	</form>
	<?php SENW_CRM_Admin::export_form( SENW_CRM_Compliance::EXPORT, $senw_base, 'senw-ledger', sprintf( /* translators: %s: number of decisions */ _n( '%s decision', '%s decisions', $total, 'senw-crm' ), number_format_i18n( $total ) ) ); ?>
	<table class="wp-list-table widefat fixed striped senw-ledger-table" id="senw-ledger-table">
		<thead><tr>
			<th scope="col"><?php esc_html_e( 'When', 'senw-crm' ); ?></th>
			<th scope="col"><?php esc_html_e( 'Channel', 'senw-crm' ); ?></th>
			<th scope="col"><?php esc_html_e( 'To', 'senw-crm' ); ?></th>
			<th scope="col"><?php esc_html_e( 'Outcome', 'senw-crm' ); ?></th>
			<th scope="col"><?php esc_html_e( 'Rule and reasons', 'senw-crm' ); ?></th>
			<th scope="col"><?php esc_html_e( 'Registry date', 'senw-crm' ); ?></th>
			<th scope="col"><?php esc_html_e( 'Sent by', 'senw-crm' ); ?></th>
		</tr></thead>
		<tbody>
		<?php if ( empty( $items ) ) : ?>
			<tr><td colspan="7"><?php esc_html_e( 'No decisions match.', 'senw-crm' ); ?></td></tr>
		<?php endif; ?>
		<?php foreach ( $items as $senw_row ) : ?>
			<tr data-ledger="<?php echo esc_attr( (string) $senw_row['id'] ); ?>">
				<td><?php echo esc_html( SENW_CRM_Admin::local_time( $senw_row['decided_at'] ) ); ?></td>
				<td><?php echo esc_html( $senw_row['channel'] . ' · ' . $senw_row['purpose'] ); ?></td>
				<td>
					<?php echo esc_html( $senw_row['address'] ); ?>
					<?php if ( $senw_row['lead_id'] ) : ?>
						<br><a href="<?php echo esc_url( SENW_CRM_Admin::lead_url( (int) $senw_row['lead_id'] ) ); ?>"><?php echo esc_html( sprintf( /* translators: %d: lead id */ __( 'lead #%d', 'senw-crm' ), (int) $senw_row['lead_id'] ) ); ?></a>
					<?php endif; ?>
				</td>
				<td><?php echo $senw_row['allowed'] ? esc_html__( 'Allowed', 'senw-crm' ) : '<strong>' . esc_html__( 'Blocked', 'senw-crm' ) . '</strong>'; ?></td>
				<td><code><?php echo esc_html( $senw_row['rule'] ); ?></code> <?php echo esc_html( SENW_CRM_Compliance::explain( $senw_row ) ); ?></td>
				<td><?php echo esc_html( (string) $senw_row['registry_date'] ); ?></td>
				<td><?php echo esc_html( $senw_row['actor'] ); ?></td>
			</tr>
		<?php endforeach; ?>
		</tbody>
	</table>
	<?php SENW_CRM_Admin::pagination( $page, $pages, $senw_base ); ?>
</div>

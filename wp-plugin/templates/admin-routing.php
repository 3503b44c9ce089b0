<?php
/**
 * CRM > Lead Routing. Variables: $rules, $agents, $report, $people (id => name),
 * $teams (id => name), $sources, $notices, $post_url.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_time = static function ( $m ) {
	return null === $m ? '' : sprintf( '%02d:%02d', intdiv( (int) $m, 60 ), (int) $m % 60 );
};
$senw_when = static function ( array $r ) use ( $senw_time, $sources ) {
	$bits = array();
	if ( $r['source'] ) {
		/* translators: %s: lead source */
		$bits[] = sprintf( __( 'source %s', 'senw-crm' ), SENW_CRM_Admin::label( $sources, $r['source'] ) );
	}
	foreach ( array( 'list_agent_key' => __( 'listing agent', 'senw-crm' ), 'list_office_key' => __( 'listing office', 'senw-crm' ), 'city' => __( 'city', 'senw-crm' ), 'postal_code' => __( 'postal code', 'senw-crm' ), 'property_type' => __( 'type', 'senw-crm' ) ) as $k => $label ) {
		if ( $r[ $k ] ) {
			$bits[] = $label . ' ' . $r[ $k ];
		}
	}
	if ( null !== $r['min_price'] || null !== $r['max_price'] ) {
		$bits[] = __( 'price', 'senw-crm' ) . ' ' . ( null !== $r['min_price'] ? '$' . number_format_i18n( (float) $r['min_price'] ) : '' ) . '–' . ( null !== $r['max_price'] ? '$' . number_format_i18n( (float) $r['max_price'] ) : '' );
	}
	if ( null !== $r['time_from'] ) {
		$bits[] = $senw_time( $r['time_from'] ) . '–' . $senw_time( $r['time_to'] );
	}
	return $bits ? implode( ', ', $bits ) : __( 'every lead', 'senw-crm' );
};
?>
<div class="wrap senw-crm-routing">
	<h1><?php esc_html_e( 'Lead Routing', 'senw-crm' ); ?></h1>
	<?php echo SENW_CRM_Lead_Form::template( 'admin-notices', array( 'notices' => $notices ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in the template. ?>
	<p><?php esc_html_e( 'New leads go to the first rule that matches and whose agent or team can take them (active, not paused or away, under capacity). With none, round-robin over every available agent. A lead not contacted within the rule\'s window moves to the next agent of the team, or to the pond.', 'senw-crm' ); ?></p>
	<h2><?php esc_html_e( 'Rules, in order', 'senw-crm' ); ?></h2>
	<table class="wp-list-table widefat fixed striped senw-rules">
		<thead><tr><th scope="col" style="width:3em">#</th><th scope="col"><?php esc_html_e( 'When the lead has', 'senw-crm' ); ?></th><th scope="col"><?php esc_html_e( 'Send to', 'senw-crm' ); ?></th><th scope="col"><?php esc_html_e( 'Speed to lead', 'senw-crm' ); ?></th><th scope="col"><?php esc_html_e( 'Order', 'senw-crm' ); ?></th></tr></thead>
		<tbody>
		<?php if ( empty( $rules ) ) : ?>
			<tr><td colspan="5"><?php esc_html_e( 'No rules: every new lead goes round-robin.', 'senw-crm' ); ?></td></tr>
		<?php endif; ?>
		<?php foreach ( $rules as $senw_i => $senw_r ) : ?>
			<tr data-rule="<?php echo esc_attr( $senw_r['id'] ); ?>">
				<td><?php echo esc_html( (string) ( $senw_i + 1 ) ); ?></td>
				<td><strong><?php echo esc_html( $senw_r['name'] ); ?></strong> <?php echo esc_html( $senw_when( $senw_r ) ); ?></td>
				<td>
				<?php
				if ( 'pond' === $senw_r['target_type'] ) {
					esc_html_e( 'The shared pond', 'senw-crm' );
				} elseif ( 'team' === $senw_r['target_type'] ) {
					/* translators: %s: team */
					echo esc_html( sprintf( __( 'Team %s (round-robin)', 'senw-crm' ), SENW_CRM_Admin::label( $teams, $senw_r['target_team_id'] ) ) );
				} else {
					echo esc_html( SENW_CRM_Admin::label( $people, $senw_r['target_agent_id'] ) );
				}
				?>
				</td>
				<td><?php echo $senw_r['window_minutes'] ? esc_html( sprintf( /* translators: %d: minutes */ __( '%d min', 'senw-crm' ), (int) $senw_r['window_minutes'] ) ) : '—'; ?></td>
				<td>
					<?php foreach ( array( 'up' => '↑', 'down' => '↓' ) as $senw_dir => $senw_arrow ) : ?>
						<form method="post" action="<?php echo esc_url( $post_url ); ?>" class="senw-inline-form">
							<input type="hidden" name="action" value="senw_crm_rule_move"><input type="hidden" name="rule" value="<?php echo esc_attr( $senw_r['id'] ); ?>">
							<input type="hidden" name="<?php echo esc_attr( $senw_dir ); ?>" value="1"><?php wp_nonce_field( 'senw_crm_rule_move' ); ?>
							<button type="submit" class="button button-small" aria-label="<?php echo esc_attr( 'up' === $senw_dir ? __( 'Move up', 'senw-crm' ) : __( 'Move down', 'senw-crm' ) ); ?>"><?php echo esc_html( $senw_arrow ); ?></button>
						</form>
					<?php endforeach; ?>
					<form method="post" action="<?php echo esc_url( $post_url ); ?>" class="senw-inline-form">
						<input type="hidden" name="action" value="senw_crm_rule_delete"><input type="hidden" name="rule" value="<?php echo esc_attr( $senw_r['id'] ); ?>"><?php wp_nonce_field( 'senw_crm_rule_delete' ); ?>
						<button type="submit" class="button-link button-link-delete"><?php esc_html_e( 'Delete', 'senw-crm' ); ?></button>
					</form>
				</td>
			</tr>
		<?php endforeach; ?>
		</tbody>
	</table>

	<h2><?php esc_html_e( 'Add a rule', 'senw-crm' ); ?></h2>
	<form method="post" action="<?php echo esc_url( $post_url ); ?>" class="senw-filter-bar" id="senw-rule-form">
		<input type="hidden" name="action" value="senw_crm_rule_add"><?php wp_nonce_field( 'senw_crm_rule_add' ); ?>
		<span class="senw-filter"><label for="senw-rule-name"><?php esc_html_e( 'Name', 'senw-crm' ); ?></label><input type="text" id="senw-rule-name" name="name" maxlength="100"></span>
		<span class="senw-filter"><label for="senw-rule-source"><?php esc_html_e( 'Source', 'senw-crm' ); ?></label><select id="senw-rule-source" name="source"><option value=""><?php esc_html_e( 'Any', 'senw-crm' ); ?></option><?php SENW_CRM_Admin::select_options( $sources, '' ); ?></select></span>
		<?php foreach ( array( 'list_agent_key' => __( 'Listing agent key', 'senw-crm' ), 'list_office_key' => __( 'Listing office key', 'senw-crm' ), 'city' => __( 'City', 'senw-crm' ), 'postal_code' => __( 'Postal code', 'senw-crm' ), 'property_type' => __( 'Property type', 'senw-crm' ), 'min_price' => __( 'Min price', 'senw-crm' ), 'max_price' => __( 'Max price', 'senw-crm' ) ) as $senw_k => $senw_label ) : ?>
			<span class="senw-filter"><label for="senw-rule-<?php echo esc_attr( $senw_k ); ?>"><?php echo esc_html( $senw_label ); ?></label><input type="text" id="senw-rule-<?php echo esc_attr( $senw_k ); ?>" name="<?php echo esc_attr( $senw_k ); ?>" class="regular-text" style="width:10em"></span>
		<?php endforeach; ?>
		<span class="senw-filter"><label for="senw-rule-time_from"><?php esc_html_e( 'From (local time)', 'senw-crm' ); ?></label><input type="time" id="senw-rule-time_from" name="time_from"></span>
		<span class="senw-filter"><label for="senw-rule-time_to"><?php esc_html_e( 'Until', 'senw-crm' ); ?></label><input type="time" id="senw-rule-time_to" name="time_to"></span>
		<span class="senw-filter"><label for="senw-rule-target"><?php esc_html_e( 'Send to', 'senw-crm' ); ?></label><select id="senw-rule-target" name="target_type"><option value="agent"><?php esc_html_e( 'An agent', 'senw-crm' ); ?></option><option value="team"><?php esc_html_e( 'A team (round-robin)', 'senw-crm' ); ?></option><option value="pond"><?php esc_html_e( 'The shared pond', 'senw-crm' ); ?></option></select></span>
		<span class="senw-filter"><label for="senw-rule-agent"><?php esc_html_e( 'Agent', 'senw-crm' ); ?></label><select id="senw-rule-agent" name="target_agent_id"><option value=""></option><?php SENW_CRM_Admin::select_options( $people, '' ); ?></select></span>
		<span class="senw-filter"><label for="senw-rule-team"><?php esc_html_e( 'Team', 'senw-crm' ); ?></label><select id="senw-rule-team" name="target_team_id"><option value=""></option><?php SENW_CRM_Admin::select_options( $teams, '' ); ?></select></span>
		<span class="senw-filter"><label for="senw-rule-window"><?php esc_html_e( 'Contact within (min)', 'senw-crm' ); ?></label><input type="number" min="1" id="senw-rule-window" name="window_minutes" class="small-text"></span>
		<span class="senw-filter"><button type="submit" class="button button-primary" id="senw-rule-add"><?php esc_html_e( 'Add rule', 'senw-crm' ); ?></button></span>
	</form>

	<h2><?php esc_html_e( 'Agents: capacity and availability', 'senw-crm' ); ?></h2>
	<form method="post" action="<?php echo esc_url( $post_url ); ?>" id="senw-availability-form">
		<input type="hidden" name="action" value="senw_crm_availability"><?php wp_nonce_field( 'senw_crm_availability' ); ?>
		<table class="wp-list-table widefat fixed striped senw-agents-table">
			<thead><tr><th scope="col"><?php esc_html_e( 'Agent', 'senw-crm' ); ?></th><th scope="col"><?php esc_html_e( 'Open leads', 'senw-crm' ); ?></th><th scope="col"><?php esc_html_e( 'Capacity (open leads)', 'senw-crm' ); ?></th><th scope="col"><?php esc_html_e( 'Paused', 'senw-crm' ); ?></th><th scope="col"><?php esc_html_e( 'Away until', 'senw-crm' ); ?></th></tr></thead>
			<tbody>
			<?php foreach ( $agents as $senw_a ) : ?>
				<?php $senw_id = (int) $senw_a['user_id']; ?>
				<tr data-agent="<?php echo esc_attr( (string) $senw_id ); ?>">
					<td><?php echo esc_html( $senw_a['display_name'] ); ?></td>
					<td><?php echo esc_html( (string) (int) $senw_a['open_leads'] ); ?></td>
					<td><label class="screen-reader-text" for="senw-cap-<?php echo esc_attr( (string) $senw_id ); ?>"><?php esc_html_e( 'Capacity', 'senw-crm' ); ?></label><input type="number" min="0" class="small-text" id="senw-cap-<?php echo esc_attr( (string) $senw_id ); ?>" name="agent[<?php echo esc_attr( (string) $senw_id ); ?>][capacity]" value="<?php echo esc_attr( (string) $senw_a['capacity'] ); ?>" placeholder="<?php esc_attr_e( 'no limit', 'senw-crm' ); ?>"></td>
					<td><label><input type="checkbox" name="agent[<?php echo esc_attr( (string) $senw_id ); ?>][paused]" value="1" <?php checked( (int) $senw_a['paused'], 1 ); ?>> <span class="screen-reader-text"><?php esc_html_e( 'Paused', 'senw-crm' ); ?></span></label></td>
					<td><label class="screen-reader-text" for="senw-away-<?php echo esc_attr( (string) $senw_id ); ?>"><?php esc_html_e( 'Away until', 'senw-crm' ); ?></label><input type="date" id="senw-away-<?php echo esc_attr( (string) $senw_id ); ?>" name="agent[<?php echo esc_attr( (string) $senw_id ); ?>][away_until]" value="<?php echo esc_attr( $senw_a['away_until'] ? get_date_from_gmt( $senw_a['away_until'], 'Y-m-d' ) : '' ); ?>"></td>
				</tr>
			<?php endforeach; ?>
			</tbody>
		</table>
		<p><button type="submit" class="button" id="senw-availability-save"><?php esc_html_e( 'Save availability', 'senw-crm' ); ?></button></p>
	</form>

	<h2><?php esc_html_e( 'Speed to lead (last 90 days)', 'senw-crm' ); ?></h2>
	<table class="wp-list-table widefat fixed striped senw-speed-report">
		<thead><tr><th scope="col"><?php esc_html_e( 'Agent', 'senw-crm' ); ?></th><th scope="col"><?php esc_html_e( 'Routed leads', 'senw-crm' ); ?></th><th scope="col"><?php esc_html_e( 'Contacted', 'senw-crm' ); ?></th><th scope="col"><?php esc_html_e( 'Median minutes to first contact', 'senw-crm' ); ?></th><th scope="col"><?php esc_html_e( 'Reached them after a move', 'senw-crm' ); ?></th></tr></thead>
		<tbody>
		<?php if ( empty( $report ) ) : ?>
			<tr><td colspan="5"><?php esc_html_e( 'No routed leads yet.', 'senw-crm' ); ?></td></tr>
		<?php endif; ?>
		<?php foreach ( $report as $senw_id => $senw_row ) : ?>
			<tr data-agent="<?php echo esc_attr( (string) $senw_id ); ?>"><td><?php echo esc_html( $senw_row['name'] ); ?></td><td><?php echo esc_html( (string) $senw_row['leads'] ); ?></td><td><?php echo esc_html( (string) $senw_row['contacted'] ); ?></td><td><?php echo esc_html( null === $senw_row['median_minutes'] ? '—' : (string) $senw_row['median_minutes'] ); ?></td><td><?php echo esc_html( (string) $senw_row['moved'] ); ?></td></tr>
		<?php endforeach; ?>
		</tbody>
	</table>
</div>

<?php
/**
 * CRM > Dashboard. Variables: $data (dashboard figures or WP_Error), $metrics
 * (pipeline metrics or WP_Error), $hot (hot leads), $stages.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_pct = static function ( $v ) {
	return null === $v ? '—' : number_format_i18n( 100 * (float) $v, 1 ) . '%';
};
?>
<div class="wrap senw-crm-dashboard">
	<h1><?php esc_html_e( 'CRM Dashboard', 'senw-crm' ); ?></h1>
	<?php if ( is_wp_error( $data ) ) : ?>
		<div class="notice notice-error"><p><?php echo esc_html( $data->get_error_message() ); ?></p></div>
	<?php else : ?>
		<div class="senw-kpis">
			<div class="senw-kpi" id="senw-kpi-active"><span class="senw-kpi-value"><?php echo esc_html( number_format_i18n( $data['active_deals'] ) ); ?></span><?php esc_html_e( 'Active deals', 'senw-crm' ); ?></div>
			<div class="senw-kpi" id="senw-kpi-value"><span class="senw-kpi-value"><?php echo esc_html( '$' . number_format_i18n( $data['pipeline_value'] ) ); ?></span><?php esc_html_e( 'Pipeline value', 'senw-crm' ); ?></div>
			<div class="senw-kpi" id="senw-kpi-weighted"><span class="senw-kpi-value"><?php echo esc_html( '$' . number_format_i18n( $data['weighted_value'] ) ); ?></span><?php esc_html_e( 'Weighted value', 'senw-crm' ); ?></div>
			<div class="senw-kpi" id="senw-kpi-conversion"><span class="senw-kpi-value"><?php echo esc_html( $senw_pct( $data['conversion_rate'] ) ); ?></span><?php esc_html_e( 'Conversion (closed, 90 days)', 'senw-crm' ); ?></div>
			<div class="senw-kpi" id="senw-kpi-hot"><span class="senw-kpi-value"><?php echo esc_html( number_format_i18n( $data['hot_leads'] ) ); ?></span><?php esc_html_e( 'Hot leads', 'senw-crm' ); ?></div>
			<div class="senw-kpi" id="senw-kpi-pending"><span class="senw-kpi-value"><?php echo esc_html( number_format_i18n( $data['tasks']['pending'] ) ); ?></span><?php esc_html_e( 'Pending tasks', 'senw-crm' ); ?></div>
			<div class="senw-kpi" id="senw-kpi-overdue"><span class="senw-kpi-value"><?php echo esc_html( number_format_i18n( $data['tasks']['overdue'] ) ); ?></span><?php esc_html_e( 'Overdue tasks', 'senw-crm' ); ?></div>
			<div class="senw-kpi" id="senw-kpi-completion"><span class="senw-kpi-value"><?php echo esc_html( $senw_pct( $data['tasks']['completion_rate'] ) ); ?></span><?php esc_html_e( 'Task completion (30 days)', 'senw-crm' ); ?></div>
		</div>
		<div class="senw-charts">
			<div class="senw-chart"><h2><?php esc_html_e( 'Lead temperature', 'senw-crm' ); ?></h2><div style="height:200px"><canvas id="senw-chart-temps" aria-label="<?php esc_attr_e( 'Lead temperature distribution', 'senw-crm' ); ?>"></canvas></div></div>
			<div class="senw-chart"><h2><?php esc_html_e( 'Engagement, last 14 days', 'senw-crm' ); ?></h2><div style="height:200px"><canvas id="senw-chart-trend" aria-label="<?php esc_attr_e( 'Engagement events per day', 'senw-crm' ); ?>"></canvas></div></div>
			<div class="senw-chart"><h2><?php esc_html_e( 'Funnel', 'senw-crm' ); ?></h2><div style="height:200px"><canvas id="senw-chart-funnel" aria-label="<?php esc_attr_e( 'Deals that reached each stage', 'senw-crm' ); ?>"></canvas></div></div>
		</div>
		<?php if ( ! is_wp_error( $metrics ) ) : ?>
			<h2><?php esc_html_e( 'Forecast of closings', 'senw-crm' ); ?></h2>
			<table class="widefat striped senw-forecast"><thead><tr><th><?php esc_html_e( 'Next', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Expected closings (90% interval)', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Expected value (90% interval)', 'senw-crm' ); ?></th></tr></thead><tbody>
			<?php foreach ( array( 30, 60, 90 ) as $senw_h ) : ?>
				<?php $senw_f = $metrics['forecast'][ 'd' . $senw_h ]; ?>
				<tr><td><?php echo esc_html( sprintf( /* translators: %d: days */ __( '%d days', 'senw-crm' ), $senw_h ) ); ?></td>
				<td><?php echo esc_html( number_format_i18n( $senw_f['expected_closings'], 1 ) . ' (' . $senw_f['closings_low'] . '–' . $senw_f['closings_high'] . ')' ); ?></td>
				<td><?php echo esc_html( '$' . number_format_i18n( $senw_f['expected_value'] ) . ' ($' . number_format_i18n( $senw_f['value_low'] ) . '–$' . number_format_i18n( $senw_f['value_high'] ) . ')' ); ?></td></tr>
			<?php endforeach; ?>
			</tbody></table>
			<p class="description"><?php echo esc_html( $metrics['forecast']['method'] ); ?></p>
		<?php endif; ?>
		<h2><?php esc_html_e( 'Hot leads', 'senw-crm' ); ?></h2>
		<ul class="senw-hot-leads">
			<?php foreach ( $hot as $senw_l ) : ?>
				<li><a href="<?php echo esc_url( SENW_CRM_Admin::lead_url( $senw_l['lead_id'] ) ); ?>"><?php echo esc_html( '' !== $senw_l['name'] ? $senw_l['name'] : '#' . $senw_l['lead_id'] ); ?></a> — <?php echo esc_html( (string) $senw_l['score'] ); ?></li>
			<?php endforeach; ?>
			<?php if ( ! $hot ) : ?><li><?php esc_html_e( 'None right now.', 'senw-crm' ); ?></li><?php endif; ?>
		</ul>
		<h2><?php esc_html_e( 'Speed to lead', 'senw-crm' ); ?></h2>
		<table class="widefat striped"><thead><tr><th><?php esc_html_e( 'Agent', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Leads (90 days)', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Contacted', 'senw-crm' ); ?></th><th><?php esc_html_e( 'Median minutes to first contact', 'senw-crm' ); ?></th></tr></thead><tbody>
		<?php foreach ( $data['speed_to_lead'] as $senw_s ) : ?>
			<tr><td><?php echo esc_html( (string) $senw_s['name'] ); ?></td><td><?php echo esc_html( (string) $senw_s['leads'] ); ?></td><td><?php echo esc_html( (string) $senw_s['contacted'] ); ?></td><td><?php echo esc_html( null === $senw_s['median_minutes'] ? '—' : (string) $senw_s['median_minutes'] ); ?></td></tr>
		<?php endforeach; ?>
		</tbody></table>
		<script type="application/json" id="senw-dashboard-data"><?php echo wp_json_encode( array( 'temperatures' => $data['temperatures'], 'engagement_trend' => $data['engagement_trend'], 'funnel' => is_wp_error( $metrics ) ? null : $metrics['funnel'] ), JSON_HEX_TAG | JSON_HEX_AMP ); ?></script>
	<?php endif; ?>
</div>

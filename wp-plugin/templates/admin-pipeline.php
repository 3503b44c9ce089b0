<?php
/**
 * CRM > Pipeline: a column per stage, a card per deal. Variables: $stages,
 * $columns (stage => rows), $can_edit. Cards are draggable; each also has a
 * "Move to" menu, so the board works by keyboard and on touch screens.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;
?>
<div class="wrap senw-crm-pipeline">
	<h1><?php esc_html_e( 'Pipeline', 'senw-crm' ); ?></h1>
	<p class="description"><?php esc_html_e( 'Drag a card to another stage, or use its “Move to” menu. A move by hand is recorded in the deal\'s stage history and wins over the automatic rules.', 'senw-crm' ); ?></p>
	<div class="senw-board-status" role="status" aria-live="polite"></div>
	<div class="senw-board" data-can-edit="<?php echo $can_edit ? '1' : '0'; ?>">
		<?php foreach ( $stages as $senw_stage => $senw_label ) : ?>
			<?php $senw_cards = $columns[ $senw_stage ]; ?>
			<section class="senw-column" data-stage="<?php echo esc_attr( $senw_stage ); ?>" aria-label="<?php echo esc_attr( $senw_label ); ?>">
				<h2><?php echo esc_html( $senw_label ); ?> <span class="senw-count"><?php echo esc_html( (string) count( $senw_cards ) ); ?></span>
					<span class="senw-col-value"><?php echo esc_html( '$' . number_format_i18n( array_sum( array_map( 'floatval', wp_list_pluck( $senw_cards, 'value' ) ) ) ) ); ?></span></h2>
				<ul class="senw-cards">
					<?php foreach ( $senw_cards as $senw_c ) : ?>
						<li class="senw-card" draggable="<?php echo $can_edit ? 'true' : 'false'; ?>" data-deal-id="<?php echo esc_attr( (string) $senw_c['id'] ); ?>" tabindex="0">
							<a href="<?php echo esc_url( SENW_CRM_Deals::deal_url( $senw_c['id'] ) ); ?>" class="senw-card-title"><?php echo esc_html( '' !== $senw_c['title'] ? $senw_c['title'] : '#' . $senw_c['id'] ); ?></a>
							<div class="senw-card-meta"><?php echo esc_html( $senw_c['person_name'] . ' · $' . number_format_i18n( (float) $senw_c['value'] ) . ' · ' . (int) $senw_c['probability'] . '%' ); ?>
								<span class="senw-temp senw-temp-<?php echo esc_attr( $senw_c['temperature'] ); ?>"><?php echo esc_html( $senw_c['temperature'] ); ?></span></div>
							<div class="senw-card-agent description"><?php echo esc_html( (string) $senw_c['agent_name'] ); ?></div>
							<?php if ( $can_edit ) : ?>
								<label class="senw-move"><span class="screen-reader-text"><?php esc_html_e( 'Move to', 'senw-crm' ); ?></span>
								<select class="senw-move-to" aria-label="<?php echo esc_attr( sprintf( /* translators: %s: deal title */ __( 'Move %s to', 'senw-crm' ), $senw_c['title'] ) ); ?>">
									<?php SENW_CRM_Admin::select_options( $stages, $senw_stage ); ?>
								</select></label>
							<?php endif; ?>
						</li>
					<?php endforeach; ?>
				</ul>
			</section>
		<?php endforeach; ?>
	</div>
</div>

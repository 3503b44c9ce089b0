<?php
/**
 * The deal page. Variables: $deal, $stages, $history, $can_edit, $errors,
 * $tasks, $post_url.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_fe = $errors ? $errors['fields'] : array();
?>
<div class="wrap senw-crm-deal">
	<?php if ( $deal['lead_id'] ) : ?>
		<p><a href="<?php echo esc_url( SENW_CRM_Admin::lead_url( $deal['lead_id'] ) ); ?>">&larr; <?php echo esc_html( '' !== $deal['person_name'] ? $deal['person_name'] : __( 'The lead', 'senw-crm' ) ); ?></a></p>
	<?php endif; ?>
	<h1><?php echo esc_html( '' !== $deal['title'] ? $deal['title'] : '#' . $deal['id'] ); ?></h1>
	<?php if ( $errors ) : ?>
		<div class="notice notice-error"><p><?php echo esc_html( $errors['message'] ); ?></p></div>
	<?php endif; ?>
	<div class="senw-crm-columns">
		<div class="senw-crm-main">
			<div class="postbox senw-box" id="senw-deal-details">
				<h2 class="senw-box-title"><?php esc_html_e( 'Deal', 'senw-crm' ); ?></h2>
				<div class="inside">
					<table class="form-table senw-facts" role="presentation">
						<tr><th scope="row"><?php esc_html_e( 'Client', 'senw-crm' ); ?></th><td><?php echo esc_html( $deal['person_name'] ); ?></td></tr>
						<tr><th scope="row"><?php esc_html_e( 'Agent', 'senw-crm' ); ?></th><td><?php echo esc_html( (string) $deal['agent_name'] ); ?></td></tr>
						<tr><th scope="row"><?php esc_html_e( 'Stage', 'senw-crm' ); ?></th><td class="senw-deal-stage"><?php echo esc_html( SENW_CRM_Admin::label( $stages, $deal['stage'] ) ); ?></td></tr>
						<tr><th scope="row"><?php esc_html_e( 'Property', 'senw-crm' ); ?></th><td>
							<?php if ( $deal['listing_key'] ) : ?>
								<a href="<?php echo esc_url( SENW_CRM_Admin_Properties::property_url( $deal['listing_key'] ) ); ?>"><?php echo esc_html( '' !== $deal['property_address'] ? $deal['property_address'] : $deal['listing_key'] ); ?></a>
							<?php else : ?>
								<?php echo esc_html( '' !== $deal['property_address'] ? $deal['property_address'] : '—' ); ?>
							<?php endif; ?>
						</td></tr>
						<tr><th scope="row"><?php esc_html_e( 'Engagement', 'senw-crm' ); ?></th><td><span class="senw-temp senw-temp-<?php echo esc_attr( $deal['temperature'] ); ?>"><?php echo esc_html( SENW_CRM_Admin::label( SENW_CRM_Admin::temperature_labels(), $deal['temperature'] ) ); ?></span> <?php echo esc_html( (string) (int) $deal['score'] ); ?></td></tr>
					</table>
					<?php if ( $can_edit ) : ?>
						<form method="post" action="<?php echo esc_url( $post_url ); ?>" class="senw-deal-form senw-deal-edit">
							<input type="hidden" name="action" value="senw_crm_deal_save">
							<input type="hidden" name="deal" value="<?php echo esc_attr( (string) $deal['id'] ); ?>">
							<?php wp_nonce_field( 'senw_crm_deal_save_' . (int) $deal['id'] ); ?>
							<p><label for="senw-deal-title"><?php esc_html_e( 'Title', 'senw-crm' ); ?></label><br><input type="text" class="regular-text" id="senw-deal-title" name="title" value="<?php echo esc_attr( $deal['title'] ); ?>"></p>
							<p><label for="senw-deal-stage"><?php esc_html_e( 'Stage', 'senw-crm' ); ?></label><br><select id="senw-deal-stage" name="stage"><?php SENW_CRM_Admin::select_options( $stages, $deal['stage'] ); ?></select></p>
							<?php foreach ( array( 'value' => __( 'Value', 'senw-crm' ), 'list_price' => __( 'List price', 'senw-crm' ), 'probability' => __( 'Probability (%)', 'senw-crm' ), 'expected_close_date' => __( 'Expected close', 'senw-crm' ), 'property_address' => __( 'Property address', 'senw-crm' ) ) as $senw_f => $senw_l ) : ?>
								<p><label for="senw-deal-<?php echo esc_attr( $senw_f ); ?>"><?php echo esc_html( $senw_l ); ?></label><br>
								<input type="<?php echo 'expected_close_date' === $senw_f ? 'date' : 'text'; ?>" id="senw-deal-<?php echo esc_attr( $senw_f ); ?>" name="<?php echo esc_attr( $senw_f ); ?>" value="<?php echo esc_attr( (string) $deal[ $senw_f ] ); ?>"<?php echo isset( $senw_fe[ $senw_f ] ) ? ' aria-invalid="true"' : ''; ?>>
								<?php if ( isset( $senw_fe[ $senw_f ] ) ) : ?><span class="senw-field-error"><?php echo esc_html( $senw_fe[ $senw_f ] ); ?></span><?php endif; ?></p>
							<?php endforeach; ?>
							<?php submit_button( __( 'Save deal', 'senw-crm' ), 'primary', 'senw-save-deal', false ); ?>
						</form>
					<?php endif; ?>
				</div>
			</div>
			<?php do_action( 'senw_crm_deal_page_main', $deal, $can_edit ); ?>
		</div>
		<div class="senw-crm-side">
			<div class="postbox senw-box" id="senw-deal-history">
				<h2 class="senw-box-title"><?php esc_html_e( 'Stage history', 'senw-crm' ); ?></h2>
				<div class="inside"><ol class="senw-stage-history">
					<?php foreach ( $history as $senw_h ) : ?>
						<li class="senw-history-<?php echo esc_attr( $senw_h['source'] ); ?>">
							<strong><?php echo esc_html( ( null === $senw_h['from_stage'] ? '' : SENW_CRM_Admin::label( $stages, $senw_h['from_stage'] ) . ' → ' ) . SENW_CRM_Admin::label( $stages, $senw_h['to_stage'] ) ); ?></strong>
							<span class="senw-entry-time"><?php echo esc_html( SENW_CRM_Admin::local_time( $senw_h['created_at'] ) ); ?></span>
							<div class="description"><?php echo esc_html( ( 'manual' === $senw_h['source'] ? ( (string) $senw_h['user_name'] ) . ': ' : '' ) . $senw_h['reason'] ); ?></div>
						</li>
					<?php endforeach; ?>
				</ol></div>
			</div>
			<div class="postbox senw-box" id="senw-deal-tasks">
				<h2 class="senw-box-title"><?php esc_html_e( 'Tasks', 'senw-crm' ); ?></h2>
				<div class="inside">
					<?php if ( ! $tasks ) : ?><p><?php esc_html_e( 'No tasks.', 'senw-crm' ); ?></p><?php endif; ?>
					<ul>
					<?php foreach ( $tasks as $senw_t ) : ?>
						<li class="senw-task senw-task-<?php echo esc_attr( $senw_t['status'] ); ?>"><span class="senw-prio senw-prio-<?php echo esc_attr( $senw_t['priority'] ); ?>"><?php echo esc_html( $senw_t['priority'] ); ?></span> <?php echo esc_html( $senw_t['title'] ); ?> <span class="description"><?php echo esc_html( SENW_CRM_Admin::local_time( $senw_t['due_at'] ) . ' · ' . $senw_t['status'] ); ?></span></li>
					<?php endforeach; ?>
					</ul>
				</div>
			</div>
			<?php do_action( 'senw_crm_deal_page_side', $deal, $can_edit ); ?>
		</div>
	</div>
</div>

<?php
/**
 * CRM > My Tasks. Variables: $groups (overdue/today/upcoming => rows),
 * $mine, $agents (id => name the user may give tasks to), $post_url, $error.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_titles = array(
	'overdue'  => __( 'Overdue', 'senw-crm' ),
	'today'    => __( 'Today', 'senw-crm' ),
	'upcoming' => __( 'Upcoming', 'senw-crm' ),
);
?>
<div class="wrap senw-crm-tasks">
	<h1><?php esc_html_e( 'My Tasks', 'senw-crm' ); ?></h1>
	<?php if ( '' !== $error ) : ?>
		<div class="notice notice-error"><p><?php esc_html_e( 'That did not work: the task is done already, or you may not change it.', 'senw-crm' ); ?></p></div>
	<?php endif; ?>
	<?php if ( current_user_can( 'senw_view_team_leads' ) ) : ?>
		<p><a href="<?php echo esc_url( $mine ? admin_url( 'admin.php?page=senw-crm-tasks&all=1' ) : admin_url( 'admin.php?page=senw-crm-tasks' ) ); ?>"><?php echo $mine ? esc_html__( 'Show the tasks of every agent I can see', 'senw-crm' ) : esc_html__( 'Show only mine', 'senw-crm' ); ?></a></p>
	<?php endif; ?>
	<div class="senw-task-groups">
	<?php foreach ( $senw_titles as $senw_g => $senw_title ) : ?>
		<section class="senw-task-group" id="senw-tasks-<?php echo esc_attr( $senw_g ); ?>">
			<h2><?php echo esc_html( $senw_title ); ?> <span class="senw-count"><?php echo esc_html( (string) count( $groups[ $senw_g ] ) ); ?></span></h2>
			<?php if ( ! $groups[ $senw_g ] ) : ?><p class="description"><?php esc_html_e( 'Nothing here.', 'senw-crm' ); ?></p><?php endif; ?>
			<?php foreach ( $groups[ $senw_g ] as $senw_t ) : ?>
				<?php $senw_tid = (int) $senw_t['id']; ?>
				<div class="senw-task-item" data-task-id="<?php echo esc_attr( (string) $senw_tid ); ?>" data-reason="<?php echo esc_attr( $senw_t['reason'] ); ?>">
					<div><span class="senw-prio senw-prio-<?php echo esc_attr( $senw_t['priority'] ); ?>"><?php echo esc_html( $senw_t['priority'] ); ?></span>
					<strong class="senw-task-title"><?php echo esc_html( $senw_t['title'] ); ?></strong></div>
					<div class="description"><?php echo esc_html( SENW_CRM_Admin::local_time( $senw_t['due_at'] ) ); ?>
						<?php if ( $senw_t['deal_id'] ) : ?> · <a href="<?php echo esc_url( SENW_CRM_Deals::deal_url( $senw_t['deal_id'] ) ); ?>"><?php echo esc_html( (string) $senw_t['deal_title'] ); ?></a><?php endif; ?>
						<?php if ( ! $mine ) : ?> · <?php echo esc_html( (string) $senw_t['agent_name'] ); ?><?php endif; ?></div>
					<?php if ( '' !== $senw_t['description'] ) : ?><p><?php echo esc_html( $senw_t['description'] ); ?></p><?php endif; ?>
					<form method="post" action="<?php echo esc_url( $post_url ); ?>">
						<input type="hidden" name="action" value="senw_crm_task"><input type="hidden" name="task" value="<?php echo esc_attr( (string) $senw_tid ); ?>"><input type="hidden" name="op" value="complete">
						<?php wp_nonce_field( 'senw_crm_task_' . $senw_tid ); ?>
						<button type="submit" class="button button-primary senw-complete"><?php esc_html_e( 'Complete', 'senw-crm' ); ?></button>
					</form>
					<form method="post" action="<?php echo esc_url( $post_url ); ?>">
						<input type="hidden" name="action" value="senw_crm_task"><input type="hidden" name="task" value="<?php echo esc_attr( (string) $senw_tid ); ?>"><input type="hidden" name="op" value="snooze">
						<?php wp_nonce_field( 'senw_crm_task_' . $senw_tid ); ?>
						<label class="screen-reader-text" for="senw-snooze-<?php echo esc_attr( (string) $senw_tid ); ?>"><?php esc_html_e( 'Snooze for', 'senw-crm' ); ?></label>
						<select name="minutes" id="senw-snooze-<?php echo esc_attr( (string) $senw_tid ); ?>"><option value="60"><?php esc_html_e( '1 hour', 'senw-crm' ); ?></option><option value="240"><?php esc_html_e( '4 hours', 'senw-crm' ); ?></option><option value="1440"><?php esc_html_e( '1 day', 'senw-crm' ); ?></option><option value="10080"><?php esc_html_e( '1 week', 'senw-crm' ); ?></option></select>
						<button type="submit" class="button senw-snooze"><?php esc_html_e( 'Snooze', 'senw-crm' ); ?></button>
					</form>
					<?php if ( count( $agents ) > 1 ) : ?>
					<form method="post" action="<?php echo esc_url( $post_url ); ?>">
						<input type="hidden" name="action" value="senw_crm_task"><input type="hidden" name="task" value="<?php echo esc_attr( (string) $senw_tid ); ?>"><input type="hidden" name="op" value="reassign">
						<?php wp_nonce_field( 'senw_crm_task_' . $senw_tid ); ?>
						<label class="screen-reader-text" for="senw-reassign-<?php echo esc_attr( (string) $senw_tid ); ?>"><?php esc_html_e( 'Reassign to', 'senw-crm' ); ?></label>
						<select name="agent_id" id="senw-reassign-<?php echo esc_attr( (string) $senw_tid ); ?>"><?php SENW_CRM_Admin::select_options( $agents, (int) $senw_t['agent_id'] ); ?></select>
						<button type="submit" class="button senw-reassign"><?php esc_html_e( 'Reassign', 'senw-crm' ); ?></button>
					</form>
					<?php endif; ?>
				</div>
			<?php endforeach; ?>
		</section>
	<?php endforeach; ?>
	</div>
</div>

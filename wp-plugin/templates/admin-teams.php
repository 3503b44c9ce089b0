<?php
/**
 * CRM > Teams. Variables: $teams, $editing (team or null), $leaders, $members
 * (id => name choices), $names (id => name), $notices, $post_url.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_team_id  = $editing ? (int) $editing['id'] : 0;
$senw_selected = $editing ? $editing['members'] : array();
?>
<div class="wrap senw-crm-teams">
	<h1 class="wp-heading-inline"><?php esc_html_e( 'Teams', 'senw-crm' ); ?></h1>
	<hr class="wp-header-end">
	<?php echo SENW_CRM_Lead_Form::template( 'admin-notices', array( 'notices' => $notices ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in the template. ?>
	<table class="wp-list-table widefat fixed striped senw-teams-table">
		<thead><tr>
			<th scope="col"><?php esc_html_e( 'Team', 'senw-crm' ); ?></th>
			<th scope="col"><?php esc_html_e( 'Leader', 'senw-crm' ); ?></th>
			<th scope="col"><?php esc_html_e( 'Members', 'senw-crm' ); ?></th>
		</tr></thead>
		<tbody>
		<?php if ( empty( $teams ) ) : ?>
			<tr><td colspan="3"><?php esc_html_e( 'No teams yet.', 'senw-crm' ); ?></td></tr>
		<?php endif; ?>
		<?php foreach ( $teams as $senw_team ) : ?>
			<tr data-team="<?php echo esc_attr( (string) $senw_team['id'] ); ?>">
				<td><strong><a href="<?php echo esc_url( SENW_CRM_Admin_Teams::url( array( 'team' => $senw_team['id'] ) ) ); ?>"><?php echo esc_html( $senw_team['name'] ); ?></a></strong></td>
				<td><?php echo esc_html( (string) $senw_team['leader_name'] ); ?></td>
				<td>
				<?php
				$senw_member_names = array();
				foreach ( $senw_team['members'] as $senw_uid ) {
					$senw_member_names[] = isset( $names[ $senw_uid ] ) ? $names[ $senw_uid ] : '#' . $senw_uid;
				}
				echo esc_html( empty( $senw_member_names ) ? '—' : implode( ', ', $senw_member_names ) );
				?>
				</td>
			</tr>
		<?php endforeach; ?>
		</tbody>
	</table>

	<h2><?php echo $editing ? esc_html( sprintf( /* translators: %s: team name */ __( 'Edit team %s', 'senw-crm' ), $editing['name'] ) ) : esc_html__( 'Create a team', 'senw-crm' ); ?></h2>
	<form method="post" action="<?php echo esc_url( $post_url ); ?>" class="senw-team-form">
		<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Admin_Teams::SAVE ); ?>">
		<input type="hidden" name="team" value="<?php echo esc_attr( (string) $senw_team_id ); ?>">
		<?php wp_nonce_field( SENW_CRM_Admin_Teams::SAVE . '_' . $senw_team_id ); ?>
		<table class="form-table" role="presentation">
			<tr>
				<th scope="row"><label for="senw-team-name"><?php esc_html_e( 'Name', 'senw-crm' ); ?></label></th>
				<td><input type="text" class="regular-text" id="senw-team-name" name="name" maxlength="100" required value="<?php echo esc_attr( $editing ? $editing['name'] : '' ); ?>"></td>
			</tr>
			<tr>
				<th scope="row"><label for="senw-team-leader"><?php esc_html_e( 'Leader', 'senw-crm' ); ?></label></th>
				<td><select id="senw-team-leader" name="leader" required>
					<option value=""><?php esc_html_e( 'Choose a leader', 'senw-crm' ); ?></option>
					<?php SENW_CRM_Admin::select_options( $leaders, $editing ? $editing['leader_user_id'] : '' ); ?>
				</select></td>
			</tr>
			<tr>
				<th scope="row"><?php esc_html_e( 'Members', 'senw-crm' ); ?></th>
				<td><fieldset class="senw-team-members"><legend class="screen-reader-text"><?php esc_html_e( 'Members', 'senw-crm' ); ?></legend>
				<?php foreach ( $members as $senw_uid => $senw_name ) : ?>
					<label><input type="checkbox" name="members[]" value="<?php echo esc_attr( (string) $senw_uid ); ?>" <?php checked( in_array( (int) $senw_uid, $senw_selected, true ) ); ?>> <?php echo esc_html( $senw_name ); ?></label><br>
				<?php endforeach; ?>
				</fieldset></td>
			</tr>
		</table>
		<?php submit_button( $editing ? __( 'Save team', 'senw-crm' ) : __( 'Create team', 'senw-crm' ), 'primary', 'submit', false ); ?>
		<?php if ( $editing ) : ?>
			<a class="button" href="<?php echo esc_url( SENW_CRM_Admin_Teams::url() ); ?>"><?php esc_html_e( 'Cancel', 'senw-crm' ); ?></a>
		<?php endif; ?>
	</form>
	<?php if ( $editing ) : ?>
	<form method="post" action="<?php echo esc_url( $post_url ); ?>" class="senw-team-delete" onsubmit="return confirm( this.dataset.confirm );" data-confirm="<?php esc_attr_e( 'Delete this team? Its agents stay; their leads stay with them.', 'senw-crm' ); ?>">
		<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Admin_Teams::DELETE ); ?>">
		<input type="hidden" name="team" value="<?php echo esc_attr( (string) $senw_team_id ); ?>">
		<?php wp_nonce_field( SENW_CRM_Admin_Teams::DELETE . '_' . $senw_team_id ); ?>
		<p><button type="submit" class="button-link button-link-delete"><?php esc_html_e( 'Delete team', 'senw-crm' ); ?></button></p>
	</form>
	<?php endif; ?>
</div>

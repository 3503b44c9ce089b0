<?php
/**
 * Lead page box: changes a web-form submission proposed for this person.
 * Variables: $lead, $proposals (open ones), $can_edit.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;
?>
<div class="postbox senw-box" id="senw-lead-proposals">
	<h2 class="senw-box-title"><?php esc_html_e( 'Proposed changes', 'senw-crm' ); ?></h2>
	<div class="inside">
		<p class="description"><?php esc_html_e( 'Someone submitted a form with this person\'s email or phone and different details. Nothing was changed: check with the person, then accept or dismiss each change.', 'senw-crm' ); ?></p>
		<table class="widefat striped">
			<tbody>
			<?php foreach ( $proposals as $senw_p ) : ?>
				<tr class="senw-proposal senw-proposal-<?php echo esc_attr( $senw_p['field'] ); ?>" data-proposal="<?php echo esc_attr( (string) $senw_p['id'] ); ?>">
					<td>
						<strong><?php echo esc_html( ucfirst( SENW_CRM_Proposals::label( $senw_p['field'] ) ) ); ?></strong>:
						<?php if ( '' !== (string) $senw_p['current_value'] ) : ?>
							<del><?php echo esc_html( $senw_p['current_value'] ); ?></del> &rarr;
						<?php endif; ?>
						<span class="senw-proposed-value"><?php echo esc_html( $senw_p['proposed_value'] ); ?></span>
						<br><span class="description"><?php echo esc_html( SENW_CRM_Admin::local_time( $senw_p['created_at'] ) ); ?></span>
					</td>
					<td class="senw-proposal-actions">
						<?php if ( $can_edit ) : ?>
							<?php foreach ( array( 'accept' => __( 'Accept', 'senw-crm' ), 'dismiss' => __( 'Dismiss', 'senw-crm' ) ) as $senw_decision => $senw_label ) : ?>
								<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>" style="display:inline">
									<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Admin_Identity::PROPOSAL ); ?>">
									<input type="hidden" name="proposal" value="<?php echo esc_attr( (string) $senw_p['id'] ); ?>">
									<input type="hidden" name="lead" value="<?php echo esc_attr( (string) $lead['id'] ); ?>">
									<input type="hidden" name="decision" value="<?php echo esc_attr( $senw_decision ); ?>">
									<?php wp_nonce_field( SENW_CRM_Admin_Identity::PROPOSAL . '_' . $senw_p['id'] ); ?>
									<button type="submit" class="button <?php echo 'accept' === $senw_decision ? 'button-primary' : ''; ?> senw-<?php echo esc_attr( $senw_decision ); ?>"><?php echo esc_html( $senw_label ); ?></button>
								</form>
							<?php endforeach; ?>
						<?php endif; ?>
					</td>
				</tr>
			<?php endforeach; ?>
			</tbody>
		</table>
	</div>
</div>

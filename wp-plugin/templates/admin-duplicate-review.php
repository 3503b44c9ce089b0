<?php
/**
 * One possible duplicate, side by side. Variables: $pair, $a, $b (person
 * cards, SENW_CRM_Merge::person_card()), $notices.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_pair_id = (int) $pair['id'];
$senw_sides   = array(
	'a' => $a,
	'b' => $b,
);
// The older record is kept by default (its id and history stay).
$senw_keep = strtotime( $a['created_at'] ) <= strtotime( $b['created_at'] ) ? 'a' : 'b';
$senw_all_emails = array_merge( $a['emails'], $b['emails'] );
$senw_all_phones = array_merge( $a['phones'], $b['phones'] );
?>
<div class="wrap senw-crm-duplicate-review">
	<p><a href="<?php echo esc_url( SENW_CRM_Admin_Identity::url() ); ?>">&larr; <?php esc_html_e( 'All possible duplicates', 'senw-crm' ); ?></a></p>
	<h1><?php esc_html_e( 'Same person?', 'senw-crm' ); ?></h1>
	<?php echo SENW_CRM_Lead_Form::template( 'admin-notices', array( 'notices' => $notices ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in the template. ?>
	<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>" class="senw-merge-form">
		<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Admin_Identity::MERGE ); ?>">
		<input type="hidden" name="pair" value="<?php echo esc_attr( (string) $senw_pair_id ); ?>">
		<?php wp_nonce_field( SENW_CRM_Admin_Identity::MERGE . '_' . $senw_pair_id ); ?>
		<table class="widefat senw-side-by-side">
			<thead><tr>
				<th scope="col"></th>
				<th scope="col"><?php esc_html_e( 'Record A', 'senw-crm' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Record B', 'senw-crm' ); ?></th>
			</tr></thead>
			<tbody>
				<tr>
					<th scope="row"><?php esc_html_e( 'Keep record', 'senw-crm' ); ?></th>
					<?php foreach ( $senw_sides as $senw_side => $senw_p ) : ?>
						<td><label><input type="radio" name="keep" value="<?php echo esc_attr( $senw_side ); ?>" <?php checked( $senw_keep, $senw_side ); ?>>
						<?php
						/* translators: %s: date the record was created */
						echo esc_html( sprintf( __( 'created %s', 'senw-crm' ), SENW_CRM_Admin::local_time( $senw_p['created_at'] ) ) );
						?>
						</label></td>
					<?php endforeach; ?>
				</tr>
				<?php
				foreach ( array(
					'first_name' => __( 'First name', 'senw-crm' ),
					'last_name'  => __( 'Last name', 'senw-crm' ),
				) as $senw_field => $senw_label ) :
					?>
					<tr>
						<th scope="row"><?php echo esc_html( $senw_label ); ?></th>
						<?php foreach ( $senw_sides as $senw_side => $senw_p ) : ?>
							<td><label><input type="radio" name="<?php echo esc_attr( $senw_field ); ?>" value="<?php echo esc_attr( $senw_side ); ?>" <?php checked( $senw_keep, $senw_side ); ?>> <span class="senw-value-<?php echo esc_attr( $senw_field . '-' . $senw_side ); ?>"><?php echo esc_html( '' !== $senw_p[ $senw_field ] ? $senw_p[ $senw_field ] : '—' ); ?></span></label></td>
						<?php endforeach; ?>
					</tr>
				<?php endforeach; ?>
				<tr>
					<th scope="row"><?php esc_html_e( 'Emails (all are kept; choose the primary)', 'senw-crm' ); ?></th>
					<?php foreach ( $senw_sides as $senw_side => $senw_p ) : ?>
						<td>
							<?php foreach ( $senw_p['emails'] as $senw_e ) : ?>
								<label class="senw-choice"><input type="radio" name="primary_email" value="<?php echo esc_attr( (string) $senw_e['id'] ); ?>" <?php checked( $senw_keep === $senw_side && $senw_e['is_primary'] ); ?>> <?php echo esc_html( $senw_e['email'] ); ?></label><br>
							<?php endforeach; ?>
							<?php echo $senw_p['emails'] ? '' : '—'; ?>
						</td>
					<?php endforeach; ?>
				</tr>
				<tr>
					<th scope="row"><?php esc_html_e( 'Phones (all are kept; choose the primary)', 'senw-crm' ); ?></th>
					<?php foreach ( $senw_sides as $senw_side => $senw_p ) : ?>
						<td>
							<?php foreach ( $senw_p['phones'] as $senw_ph ) : ?>
								<label class="senw-choice"><input type="radio" name="primary_phone" value="<?php echo esc_attr( (string) $senw_ph['id'] ); ?>" <?php checked( $senw_keep === $senw_side && $senw_ph['is_primary'] ); ?>> <?php echo esc_html( '' !== $senw_ph['phone_raw'] ? $senw_ph['phone_raw'] : $senw_ph['phone_e164'] ); ?></label><br>
							<?php endforeach; ?>
							<?php echo $senw_p['phones'] ? '' : '—'; ?>
						</td>
					<?php endforeach; ?>
				</tr>
				<tr>
					<th scope="row"><?php esc_html_e( 'Leads', 'senw-crm' ); ?></th>
					<?php foreach ( $senw_sides as $senw_side => $senw_p ) : ?>
						<td>
							<?php foreach ( $senw_p['leads'] as $senw_l ) : ?>
								<div><?php echo esc_html( SENW_CRM_Admin::label( SENW_CRM_Admin::status_labels(), $senw_l['status'] ) . ' · ' . SENW_CRM_Admin::label( SENW_CRM_Admin::source_labels(), $senw_l['source'] ) . ' · ' . ( $senw_l['agent_name'] ? $senw_l['agent_name'] : __( 'Unassigned', 'senw-crm' ) ) . ' · ' . SENW_CRM_Admin::local_time( $senw_l['created_at'] ) ); ?></div>
							<?php endforeach; ?>
						</td>
					<?php endforeach; ?>
				</tr>
			</tbody>
		</table>
		<p class="description"><?php esc_html_e( 'Merging moves every lead, message, consent and note to the kept record. You can undo it from the list of recent merges.', 'senw-crm' ); ?></p>
		<p><?php submit_button( __( 'Merge into one person', 'senw-crm' ), 'primary', 'senw-merge', false ); ?></p>
	</form>
	<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
		<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Admin_Identity::DISMISS ); ?>">
		<input type="hidden" name="pair" value="<?php echo esc_attr( (string) $senw_pair_id ); ?>">
		<?php wp_nonce_field( SENW_CRM_Admin_Identity::DISMISS . '_' . $senw_pair_id ); ?>
		<?php submit_button( __( 'Not the same person', 'senw-crm' ), 'secondary', 'senw-dismiss', false ); ?>
	</form>
</div>

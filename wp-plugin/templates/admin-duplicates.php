<?php
/**
 * CRM > Possible duplicates. Variables: $pairs (open pairs the user may decide
 * on), $merges (recent merges, with Undo), $notices.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

$senw_reason_labels = array(
	'shared_contact'              => __( 'share an email or phone', 'senw-crm' ),
	'submission_email_and_phone'  => __( 'a web form gave one\'s email and the other\'s phone', 'senw-crm' ),
	'entered_out_of_scope'        => __( 'an agent entered details of a contact outside their leads', 'senw-crm' ),
);
?>
<div class="wrap senw-crm-duplicates">
	<h1><?php esc_html_e( 'Possible duplicates', 'senw-crm' ); ?></h1>
	<?php echo SENW_CRM_Lead_Form::template( 'admin-notices', array( 'notices' => $notices ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in the template. ?>
	<p class="description"><?php esc_html_e( 'Records the CRM thinks may be the same person. Nothing is merged until you decide; every merge can be undone.', 'senw-crm' ); ?></p>
	<table class="wp-list-table widefat striped senw-pairs">
		<thead><tr>
			<th scope="col"><?php esc_html_e( 'Person', 'senw-crm' ); ?></th>
			<th scope="col"><?php esc_html_e( 'Possibly the same as', 'senw-crm' ); ?></th>
			<th scope="col"><?php esc_html_e( 'Why', 'senw-crm' ); ?></th>
			<th scope="col"><?php esc_html_e( 'Found', 'senw-crm' ); ?></th>
			<th scope="col"><span class="screen-reader-text"><?php esc_html_e( 'Actions', 'senw-crm' ); ?></span></th>
		</tr></thead>
		<tbody>
		<?php if ( ! $pairs ) : ?>
			<tr class="no-items"><td colspan="5"><?php esc_html_e( 'No possible duplicates.', 'senw-crm' ); ?></td></tr>
		<?php endif; ?>
		<?php foreach ( $pairs as $senw_pair ) : ?>
			<?php
			$senw_reasons = array();
			foreach ( (array) json_decode( (string) $senw_pair['reasons'], true ) as $senw_reason ) {
				$senw_reasons[] = isset( $senw_reason_labels[ $senw_reason ] ) ? $senw_reason_labels[ $senw_reason ] : $senw_reason;
			}
			?>
			<tr data-pair="<?php echo esc_attr( (string) $senw_pair['id'] ); ?>">
				<td><?php echo esc_html( trim( $senw_pair['a_first'] . ' ' . $senw_pair['a_last'] ) ); ?></td>
				<td><?php echo esc_html( trim( $senw_pair['b_first'] . ' ' . $senw_pair['b_last'] ) ); ?></td>
				<td><?php echo esc_html( implode( '; ', $senw_reasons ) ); ?><?php echo $senw_pair['review'] ? ' <span class="senw-tag">' . esc_html__( 'manager review', 'senw-crm' ) . '</span>' : ''; ?></td>
				<td><?php echo esc_html( SENW_CRM_Admin::local_time( $senw_pair['created_at'] ) ); ?></td>
				<td><a class="button" href="<?php echo esc_url( SENW_CRM_Admin_Identity::url( array( 'pair' => (int) $senw_pair['id'] ) ) ); ?>"><?php esc_html_e( 'Review', 'senw-crm' ); ?></a></td>
			</tr>
		<?php endforeach; ?>
		</tbody>
	</table>

	<h2><?php esc_html_e( 'Recent merges', 'senw-crm' ); ?></h2>
	<table class="wp-list-table widefat striped senw-merges">
		<thead><tr>
			<th scope="col"><?php esc_html_e( 'Kept record', 'senw-crm' ); ?></th>
			<th scope="col"><?php esc_html_e( 'Merged by', 'senw-crm' ); ?></th>
			<th scope="col"><?php esc_html_e( 'When', 'senw-crm' ); ?></th>
			<th scope="col"><span class="screen-reader-text"><?php esc_html_e( 'Actions', 'senw-crm' ); ?></span></th>
		</tr></thead>
		<tbody>
		<?php if ( ! $merges ) : ?>
			<tr class="no-items"><td colspan="4"><?php esc_html_e( 'No merges yet.', 'senw-crm' ); ?></td></tr>
		<?php endif; ?>
		<?php foreach ( $merges as $senw_merge ) : ?>
			<tr data-merge="<?php echo esc_attr( (string) $senw_merge['id'] ); ?>">
				<td><?php echo esc_html( $senw_merge['survivor_name'] ); ?></td>
				<td><?php echo esc_html( (string) $senw_merge['merged_by_name'] ); ?></td>
				<td><?php echo esc_html( SENW_CRM_Admin::local_time( $senw_merge['merged_at'] ) ); ?></td>
				<td>
					<?php if ( null !== $senw_merge['undone_at'] ) : ?>
						<em><?php esc_html_e( 'Undone', 'senw-crm' ); ?></em>
					<?php else : ?>
						<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
							<input type="hidden" name="action" value="<?php echo esc_attr( SENW_CRM_Admin_Identity::UNDO ); ?>">
							<input type="hidden" name="merge" value="<?php echo esc_attr( (string) $senw_merge['id'] ); ?>">
							<?php wp_nonce_field( SENW_CRM_Admin_Identity::UNDO . '_' . $senw_merge['id'] ); ?>
							<button type="submit" class="button senw-undo"><?php esc_html_e( 'Undo merge', 'senw-crm' ); ?></button>
						</form>
					<?php endif; ?>
				</td>
			</tr>
		<?php endforeach; ?>
		</tbody>
	</table>
</div>

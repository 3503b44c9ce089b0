<?php
/**
 * Fields of stored MLS records whose value the sync could not store (kept
 * empty, listed in senw_mls_field_problems): a box on the property page and
 * the list on CRM > MLS Sync. Managers and admins only (senw_run_mls_sync):
 * the values are the feed's raw data.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Mls_Field_Problems {

	public static function register() {
		add_action( 'senw_crm_property_page_main', array( __CLASS__, 'property_box' ) );
	}

	/** The field problems of one listing and its photos. */
	public static function for_listing( $feed_id, $listing_key ) {
		global $wpdb;
		$table = SENW_CRM_Db::t( 'mls_field_problems' );
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from $wpdb->prefix.
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT resource, record_key, field, problem, value, run_id, seen_at FROM {$table} WHERE feed_id = %s AND listing_key = %s ORDER BY resource DESC, record_key, field", $feed_id, $listing_key ), ARRAY_A );
		return $rows ? $rows : array();
	}

	/**
	 * The most recently seen field problems of every feed.
	 *
	 * @return array{rows: array[], total: int}
	 */
	public static function latest( $limit = 50 ) {
		global $wpdb;
		$table = SENW_CRM_Db::t( 'mls_field_problems' );
		// phpcs:disable WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from $wpdb->prefix.
		$total = (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$table}" );
		$rows  = $wpdb->get_results( $wpdb->prepare( "SELECT feed_id, resource, record_key, listing_key, field, problem, value, run_id, seen_at FROM {$table} ORDER BY seen_at DESC, id DESC LIMIT %d", max( 1, min( 500, (int) $limit ) ) ), ARRAY_A );
		// phpcs:enable
		return array(
			'rows'  => $rows ? $rows : array(),
			'total' => $total,
		);
	}

	/** @param array $listing Properties row. */
	public static function property_box( $listing ) {
		if ( ! current_user_can( 'senw_run_mls_sync' ) || empty( $listing['ListingKey'] ) ) {
			return;
		}
		$rows = self::for_listing( (string) $listing['feed_id'], (string) $listing['ListingKey'] );
		if ( ! $rows ) {
			return;
		}
		?>
		<section class="senw-crm-field-problems" id="senw-crm-field-problems">
			<h2><?php esc_html_e( 'Feed values not stored', 'senw-crm' ); ?></h2>
			<p class="description"><?php esc_html_e( 'The MLS sent these values in a form the CRM cannot store; the fields are kept empty until the feed sends values that fit.', 'senw-crm' ); ?></p>
			<table class="widefat striped">
				<thead><tr>
					<th scope="col"><?php esc_html_e( 'Record', 'senw-crm' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Field', 'senw-crm' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Problem', 'senw-crm' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Value sent', 'senw-crm' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Seen', 'senw-crm' ); ?></th>
				</tr></thead>
				<tbody>
					<?php foreach ( $rows as $senw_row ) : ?>
						<tr>
							<td><?php echo esc_html( 'Property' === $senw_row['resource'] ? __( 'Listing', 'senw-crm' ) : $senw_row['resource'] . ' ' . $senw_row['record_key'] ); ?></td>
							<td><?php echo esc_html( $senw_row['field'] ); ?></td>
							<td><?php echo esc_html( $senw_row['problem'] ); ?></td>
							<td><code><?php echo esc_html( (string) $senw_row['value'] ); ?></code></td>
							<td><?php echo esc_html( SENW_CRM_Properties::local_time( $senw_row['seen_at'] ) ); ?></td>
						</tr>
					<?php endforeach; ?>
				</tbody>
			</table>
		</section>
		<?php
	}
}

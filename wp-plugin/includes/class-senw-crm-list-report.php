<?php
/**
 * The set-aside rows of a list import as a CSV download (row number, duplicate
 * or bad, field, reason), from the list's page under CRM > Lists, so the
 * person who uploaded the file can fix those rows and upload them again.
 * Written through SENW_CRM_Csv (formula injection neutralized).
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_List_Report {

	const ACTION = 'senw_crm_list_errors_csv';

	public static function register() {
		if ( ! is_admin() ) {
			return;
		}
		add_action( 'admin_post_' . self::ACTION, array( __CLASS__, 'download' ) );
		add_action( 'senw_crm_list_detail', array( __CLASS__, 'button' ), 5 );
	}

	private static function count_for( $list_id ) {
		global $wpdb;
		// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		return (int) $wpdb->get_var( $wpdb->prepare( 'SELECT COUNT(DISTINCT row_no) FROM `' . SENW_CRM_Db::t( 'import_errors' ) . '` WHERE list_id = %d', (int) $list_id ) );
	}

	public static function button( $list ) {
		if ( ! current_user_can( SENW_CRM_Lists::CAP ) || in_array( $list['status'], array( 'pending', 'queued' ), true ) ) {
			return;
		}
		$count = self::count_for( (int) $list['id'] );
		if ( ! $count ) {
			return;
		}
		?>
		<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>" id="senw-list-errors-csv">
			<input type="hidden" name="action" value="<?php echo esc_attr( self::ACTION ); ?>">
			<input type="hidden" name="list" value="<?php echo esc_attr( (string) (int) $list['id'] ); ?>">
			<?php wp_nonce_field( self::ACTION . '_' . (int) $list['id'] ); ?>
			<button type="submit" class="button" id="senw-list-errors-download">
				<?php echo esc_html( sprintf( /* translators: %s: number of rows */ _n( 'Download the %s row set aside (CSV)', 'Download the %s rows set aside (CSV)', $count, 'senw-crm' ), number_format_i18n( $count ) ) ); ?>
			</button>
		</form>
		<?php
	}

	/** admin-post.php?action=senw_crm_list_errors_csv: every set-aside row of the list. */
	public static function download() {
		global $wpdb;
		if ( ! current_user_can( SENW_CRM_Lists::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage lists.', 'senw-crm' ), 403 );
		}
		$id = isset( $_POST['list'] ) ? absint( $_POST['list'] ) : 0;
		check_admin_referer( self::ACTION . '_' . $id );
		// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		$name = $wpdb->get_var( $wpdb->prepare( 'SELECT name FROM `' . SENW_CRM_Db::t( 'lists' ) . '` WHERE id = %d', $id ) );
		if ( null === $name ) {
			wp_die( esc_html__( 'No such list.', 'senw-crm' ), 404 );
		}
		SENW_CRM_Audit::log( 'export', 'list_errors', $id );
		$out   = SENW_CRM_Csv::download( 'list-' . $id . '-rows-set-aside.csv', array( 'row', 'kind', 'field', 'reason' ) );
		$table = SENW_CRM_Db::t( 'import_errors' );
		$after = -1;
		do {
			// Pages of 5,000 by id: a large file's report streams without being held in memory.
			// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
			$rows = $wpdb->get_results( $wpdb->prepare( "SELECT id, row_no, kind, field, reason FROM `{$table}` WHERE list_id = %d AND id > %d ORDER BY id LIMIT 5000", $id, $after ), ARRAY_A );
			foreach ( $rows as $r ) {
				SENW_CRM_Csv::put( $out, array( $r['row_no'], $r['kind'], $r['field'], $r['reason'] ) );
				$after = (int) $r['id'];
			}
		} while ( count( $rows ) === 5000 );
		fclose( $out ); // phpcs:ignore WordPress.WP.AlternativeFunctions -- php://output stream.
		exit;
	}
}

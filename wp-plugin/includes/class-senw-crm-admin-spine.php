<?php
/**
 * What the spine needs a person for, shown on the CRM screens: messages to
 * contacts whose fate is unknown (a send was cut short and the provider could
 * not tell; they are never resent: check with the contact) for managers and
 * admins, with links to the leads; and units of work that kept failing and
 * were parked (`senw-crm outbox parked`) for CRM admins.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Admin_Spine {

	public static function register() {
		if ( is_admin() ) {
			add_action( 'admin_notices', array( __CLASS__, 'notices' ) );
		}
	}

	private static function on_crm_screen() {
		$screen = function_exists( 'get_current_screen' ) ? get_current_screen() : null;
		return $screen && false !== strpos( (string) $screen->id, 'senw-crm' );
	}

	public static function notices() {
		global $wpdb;
		if ( ! self::on_crm_screen() ) {
			return;
		}
		if ( current_user_can( 'senw_view_all_leads' ) ) {
			$rows = $wpdb->get_results( 'SELECT lead_id, COUNT(*) AS n FROM `' . SENW_CRM_Db::t( 'messages' ) . "` WHERE status = 'unknown' AND audience = 'contact' AND lead_id IS NOT NULL GROUP BY lead_id ORDER BY MAX(id) DESC LIMIT 5", ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- no input; table name from prefix.
			if ( $rows ) {
				$links = array();
				foreach ( $rows as $row ) {
					/* translators: %d: lead id */
					$links[] = '<a href="' . esc_url( SENW_CRM_Admin::lead_url( (int) $row['lead_id'] ) ) . '">' . esc_html( sprintf( __( 'lead #%d', 'senw-crm' ), (int) $row['lead_id'] ) ) . '</a>';
				}
				echo '<div class="notice notice-warning senw-unknown-messages"><p>' . esc_html__( 'Some messages to contacts may or may not have arrived: their sending was cut short and the provider could not tell. They were not sent again; check with the contact:', 'senw-crm' ) . ' ' . implode( ', ', $links ) . '</p></div>'; // phpcs:ignore WordPress.Security.EscapeOutput -- links escaped above.
			}
		}
		if ( current_user_can( 'senw_manage_crm' ) ) {
			$parked = (int) $wpdb->get_var( 'SELECT COUNT(*) FROM `' . SENW_CRM_Db::t( 'outbox' ) . '` WHERE parked_at IS NOT NULL AND completed_at IS NULL' ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- no input; table name from prefix.
			if ( $parked ) {
				/* translators: %d: number of units of work */
				echo '<div class="notice notice-error senw-parked-work"><p>' . esc_html( sprintf( _n( '%d piece of background work kept failing and waits for a person: run `senw-crm outbox parked` on the server to see why, and `senw-crm outbox release` after the fix.', '%d pieces of background work kept failing and wait for a person: run `senw-crm outbox parked` on the server to see why, and `senw-crm outbox release` after the fix.', $parked, 'senw-crm' ), $parked ) ) . '</p></div>';
			}
		}
	}
}

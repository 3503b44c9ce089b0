<?php
/**
 * CRM > Audit Log (senw_view_audit_log): who did what to which record, when
 * and from where, filtered by user, object, action and date, and exported as
 * CSV (SENW_CRM_Csv: cells a spreadsheet would run as a formula are neutralized). Each
 * export is itself audit-logged.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Admin_Audit {

	const SLUG     = 'senw-crm-audit';
	const CAP      = 'senw_view_audit_log';
	const EXPORT   = 'senw_crm_audit_export';
	const PER_PAGE = 50;

	public static function register() {
		if ( ! is_admin() ) {
			return;
		}
		add_action( 'admin_menu', array( __CLASS__, 'menu' ), 23 );
		add_action( 'admin_post_' . self::EXPORT, array( __CLASS__, 'export' ) );
	}

	public static function menu() {
		$hook = add_submenu_page( SENW_CRM_Admin::MENU_SLUG, __( 'Audit Log', 'senw-crm' ), __( 'Audit Log', 'senw-crm' ), self::CAP, self::SLUG, array( __CLASS__, 'render' ) );
		if ( $hook ) {
			add_action( 'load-' . $hook, array( __CLASS__, 'load' ) );
		}
	}

	public static function load() {
		wp_enqueue_style( 'senw-crm-admin', plugins_url( 'assets/admin.css', SENW_CRM_FILE ), array(), SENW_CRM_VERSION );
	}

	/** The filters from a request (GET for the screen, POST for the export). */
	public static function filters( array $src ) {
		$get = static function ( $key ) use ( $src ) {
			return isset( $src[ $key ] ) && is_string( $src[ $key ] ) ? sanitize_text_field( wp_unslash( $src[ $key ] ) ) : '';
		};
		$date = static function ( $v ) {
			return preg_match( '/^\d{4}-\d{2}-\d{2}$/', $v ) ? $v : '';
		};
		$user = $get( 'user' );
		return array(
			'user'        => '' === $user ? '' : (string) (int) $user,
			'object_type' => sanitize_key( $get( 'object_type' ) ),
			'object_id'   => absint( $get( 'object_id' ) ) ? (string) absint( $get( 'object_id' ) ) : '',
			'action'      => sanitize_key( $get( 'audit_action' ) ),
			'from'        => $date( $get( 'from' ) ),
			'to'          => $date( $get( 'to' ) ),
		);
	}

	public static function render() {
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to view the audit log.', 'senw-crm' ), 403 );
		}
		$filters = self::filters( $_GET ); // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- viewing.
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- viewing.
		$page   = isset( $_GET['paged'] ) && is_scalar( $_GET['paged'] ) ? max( 1, absint( $_GET['paged'] ) ) : 1;
		$result = SENW_CRM_Audit::query( $filters, $page, self::PER_PAGE );
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-audit',
			array(
				'filters' => $filters,
				'items'   => $result['items'],
				'total'   => $result['total'],
				'page'    => $page,
				'pages'   => (int) ceil( $result['total'] / self::PER_PAGE ),
				'users'   => SENW_CRM_Audit::users(),
				'actions' => SENW_CRM_Audit::distinct( 'action' ),
				'objects' => SENW_CRM_Audit::distinct( 'object_type' ),
			)
		);
	}

	/** The audit row's acting user as a person reads it. */
	public static function who( array $row ) {
		if ( null === $row['user_id'] ) {
			return __( 'System (sidecar)', 'senw-crm' );
		}
		return null === $row['user_name'] ? '#' . $row['user_id'] : $row['user_name'];
	}

	/** admin-post.php?action=senw_crm_audit_export: capability, nonce, then a CSV download. */
	public static function export() {
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to export the audit log.', 'senw-crm' ), 403 );
		}
		check_admin_referer( self::EXPORT );
		$filters = self::filters( $_POST );
		SENW_CRM_Audit::log( 'export', 'audit_log', null, array_filter( $filters ) );
		$out = SENW_CRM_Csv::download( 'senw-crm-audit-' . gmdate( 'Ymd-His' ) . '.csv', array( 'id', 'time_utc', 'user_id', 'user', 'action', 'object_type', 'object_id', 'ip_address', 'details' ) );
		SENW_CRM_Audit::each(
			$filters,
			static function ( $row ) use ( $out ) {
				$cells = array( $row['id'], $row['created_at'], $row['user_id'], self::who( $row ), $row['action'], $row['object_type'], $row['object_id'], $row['ip_address'], $row['details'] );
				SENW_CRM_Csv::put( $out, $cells );
			}
		);
		fclose( $out ); // phpcs:ignore WordPress.WP.AlternativeFunctions -- php://output stream.
		exit;
	}
}

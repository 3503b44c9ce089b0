<?php
/**
 * CRM > MLS Sync: the sync runs (with the running one's progress, refreshed by
 * a small REST poll), the quarantined records with their raw payloads, and a
 * "Sync now" button.
 *
 * Viewing runs needs senw_view_properties or senw_run_mls_sync (agents may
 * see how fresh the listings are); the button and the quarantine (raw feed
 * payloads) need senw_run_mls_sync.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Admin_Sync {

	const SLUG         = 'senw-crm-mls-sync';
	const ACTION       = 'senw_crm_mls_sync';
	const NONCE_ACTION = 'senw_crm_mls_sync';

	public static function register() {
		add_action( 'admin_menu', array( __CLASS__, 'menu' ), 21 );
		add_action( 'admin_post_' . self::ACTION, array( __CLASS__, 'handle_sync_now' ) );
	}

	public static function can_view() {
		return current_user_can( 'senw_view_properties' ) || current_user_can( 'senw_run_mls_sync' );
	}

	public static function menu() {
		$cap  = current_user_can( 'senw_view_properties' ) ? 'senw_view_properties' : 'senw_run_mls_sync';
		$hook = add_submenu_page( 'senw-crm', __( 'MLS Sync', 'senw-crm' ), __( 'MLS Sync', 'senw-crm' ), $cap, self::SLUG, array( __CLASS__, 'render' ) );
		if ( $hook ) {
			add_action( 'load-' . $hook, array( __CLASS__, 'load' ) );
		}
	}

	public static function load() {
		if ( ! self::can_view() ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to view MLS sync runs.', 'senw-crm' ), 403 );
		}
		wp_enqueue_style( 'senw-crm-properties-admin', plugins_url( 'assets/properties-admin.css', SENW_CRM_FILE ), array(), SENW_CRM_VERSION );
		wp_enqueue_script( 'senw-crm-properties-sync', plugins_url( 'assets/properties-sync.js', SENW_CRM_FILE ), array(), SENW_CRM_VERSION, true );
		wp_localize_script(
			'senw-crm-properties-sync',
			'senwCrmSync',
			array(
				'runsUrl'  => esc_url_raw( rest_url( 'senw-crm/v1/mls/runs' ) ),
				'quarantineUrl' => current_user_can( 'senw_run_mls_sync' ) ? esc_url_raw( rest_url( 'senw-crm/v1/mls/quarantine' ) ) : '',
				'running'  => __( 'The sync of this feed is running.', 'senw-crm' ),
				/* translators: %s: number of records */
				'quarantineOne'   => __( '%s record the sync could not store, kept with the reason and the raw payload.', 'senw-crm' ),
				/* translators: %s: number of records */
				'quarantineMany'  => __( '%s records the sync could not store, kept with the reason and the raw payload.', 'senw-crm' ),
				/* translators: %s: size in characters */
				'viewPayload'     => __( 'View (%s chars)', 'senw-crm' ),
				'nothing'         => __( 'Nothing quarantined.', 'senw-crm' ),
				'nonce'    => wp_create_nonce( 'wp_rest' ),
				'interval' => 2000,
				'screenUrl' => esc_url_raw( self::url() ),
			)
		);
	}

	public static function url( array $args = array() ) {
		return add_query_arg( array_merge( array( 'page' => self::SLUG ), $args ), admin_url( 'admin.php' ) );
	}

	/** admin-post.php?action=senw_crm_mls_sync: capability, then nonce, then the request. */
	public static function handle_sync_now() {
		if ( ! current_user_can( 'senw_run_mls_sync' ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to run the MLS sync.', 'senw-crm' ), '', array( 'response' => 403 ) );
		}
		check_admin_referer( self::NONCE_ACTION );
		$feeds = SENW_CRM_Properties_Sync::feeds();
		$feed  = isset( $_POST['feed'] ) ? sanitize_text_field( wp_unslash( $_POST['feed'] ) ) : (string) reset( $feeds );
		$out   = SENW_CRM_Properties_Sync::request( $feed, get_current_user_id() );
		$args  = array();
		if ( is_wp_error( $out ) ) {
			$result = 'senw_crm_unknown_feed' === $out->get_error_code() ? 'unknown' : ( 'senw_crm_busy' === $out->get_error_code() ? 'busy' : 'error' );
		} elseif ( $out['created'] ) {
			$result = 'created';
		} else {
			$result = 'running' === $out['status'] ? 'running' : 'queued';
		}
		if ( ! is_wp_error( $out ) && ! empty( $out['run_id'] ) ) {
			$args['senw_run'] = (int) $out['run_id']; // the screen follows this run's notice
		}
		wp_safe_redirect( self::url( array( 'senw_sync' => $result ) + $args ) );
		exit;
	}

	public static function render() {
		if ( ! self::can_view() ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to view MLS sync runs.', 'senw-crm' ), 403 );
		}
		$can_sync = current_user_can( 'senw_run_mls_sync' );
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- read-only screen; the result flag only picks a message.
		$result = isset( $_GET['senw_sync'] ) ? sanitize_key( wp_unslash( $_GET['senw_sync'] ) ) : '';
		$qid    = isset( $_GET['quarantine'] ) && is_scalar( $_GET['quarantine'] ) ? absint( $_GET['quarantine'] ) : 0;
		$qpage  = isset( $_GET['qpage'] ) && is_scalar( $_GET['qpage'] ) ? max( 1, absint( $_GET['qpage'] ) ) : 1;
		$run_id = isset( $_GET['senw_run'] ) && is_scalar( $_GET['senw_run'] ) ? absint( $_GET['senw_run'] ) : 0;
		// phpcs:enable
		$messages = array(
			'created' => array( 'success', __( 'Sync requested. It will start in a moment.', 'senw-crm' ) ),
			'queued'  => array( 'warning', __( 'A sync of this feed is already queued; no new one was queued.', 'senw-crm' ) ),
			'running' => array( 'warning', __( 'A sync of this feed is already running; no new one was queued.', 'senw-crm' ) ),
			'error'   => array( 'error', __( 'The sync request could not be saved.', 'senw-crm' ) ),
			'unknown' => array( 'error', __( 'Unknown MLS feed.', 'senw-crm' ) ),
			'busy'    => array( 'warning', __( 'Another sync request is being recorded; try again.', 'senw-crm' ) ),
		);

		if ( $qid && $can_sync ) {
			$record = SENW_CRM_Properties_Sync::quarantined( $qid );
			SENW_CRM_Properties::template(
				'admin-quarantined',
				array(
					'record'   => $record,
					'back_url' => self::url(),
				)
			);
			return;
		}
		$runs = array_map( array( 'SENW_CRM_REST_Mls_Controller', 'prepare_run' ), SENW_CRM_Properties_Sync::runs( 20 ) );
		// The notice about a requested run follows it: "running" once it runs, gone once it ended.
		if ( $run_id && in_array( $result, array( 'created', 'queued', 'running' ), true ) ) {
			$status = '';
			foreach ( $runs as $run ) {
				$status = (int) $run['id'] === $run_id ? $run['status'] : $status;
			}
			if ( 'running' === $status ) {
				$result = 'running';
			} elseif ( 'queued' !== $status ) {
				$result = '';
			}
		}
		SENW_CRM_Properties::template(
			'admin-sync',
			array(
				'runs'       => $runs,
				'last'       => SENW_CRM_Properties_Sync::last_success(),
				'can_sync'   => $can_sync,
				'feeds'      => $can_sync ? SENW_CRM_Properties_Sync::feeds() : array(),
				'message'    => isset( $messages[ $result ] ) ? $messages[ $result ] + array( 2 => $run_id ) : null,
				'quarantine' => $can_sync ? SENW_CRM_Properties_Sync::quarantine( $qpage, 20 ) : null,
				'qpage'      => $qpage,
				'problems'   => $can_sync ? SENW_CRM_Mls_Field_Problems::latest( 50 ) : null,
			)
		);
	}
}

<?php
/**
 * The agent's screens for deals: the deal page (hidden, admin.php?page=
 * senw-crm-deal&deal=ID: edit, stage history, shared links, tasks) and CRM >
 * Pipeline (deals by stage; drag a card or use its "Move to" menu, both save
 * through PATCH /senw-crm/v1/deals/<id>). CRM roles land on CRM > Dashboard
 * after login.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Admin_Deals {

	const DEAL_SLUG     = 'senw-crm-deal';
	const PIPELINE_SLUG = 'senw-crm-pipeline';

	/** @var array|null */
	private static $deal = null;

	/** @var string[] */
	private static $hooks = array();

	public static function register() {
		add_filter( 'login_redirect', array( __CLASS__, 'login_redirect' ), 10, 3 );
		if ( ! is_admin() ) {
			return;
		}
		add_action( 'admin_menu', array( __CLASS__, 'menu' ), 11 );
		add_action( 'admin_enqueue_scripts', array( __CLASS__, 'enqueue' ) );
	}

	public static function menu() {
		$board = add_submenu_page( SENW_CRM_Admin::MENU_SLUG, __( 'Pipeline', 'senw-crm' ), __( 'Pipeline', 'senw-crm' ), 'senw_view_leads', self::PIPELINE_SLUG, array( __CLASS__, 'render_pipeline' ) );
		$deal  = add_submenu_page( SENW_CRM_Admin::MENU_SLUG, __( 'Deal', 'senw-crm' ), '', 'senw_view_leads', self::DEAL_SLUG, array( __CLASS__, 'render_deal' ) );
		self::$hooks = array_filter( array( $board, $deal ) );
		add_action( 'load-' . $deal, array( __CLASS__, 'load_deal' ) );
	}

	/** CRM roles (not WordPress administrators) land on the CRM dashboard. */
	public static function login_redirect( $redirect_to, $requested, $user ) {
		if ( ! ( $user instanceof WP_User ) || ! user_can( $user, 'senw_view_leads' ) || user_can( $user, 'manage_options' ) ) {
			return $redirect_to;
		}
		$plain = '' === (string) $requested || admin_url() === $requested || admin_url( 'profile.php' ) === $requested || false !== strpos( (string) $redirect_to, 'profile.php' ) || admin_url() === $redirect_to;
		return $plain ? admin_url( 'admin.php?page=' . SENW_CRM_Admin_Dashboard::SLUG ) : $redirect_to;
	}

	public static function enqueue( $hook ) {
		if ( ! in_array( $hook, self::$hooks, true ) ) {
			return;
		}
		wp_enqueue_style( 'senw-crm-admin', plugins_url( 'assets/admin.css', SENW_CRM_FILE ), array(), SENW_CRM_VERSION );
		wp_enqueue_style( 'senw-crm-deals', plugins_url( 'assets/deals-admin.css', SENW_CRM_FILE ), array(), SENW_CRM_VERSION );
		if ( false !== strpos( $hook, self::PIPELINE_SLUG ) ) {
			wp_enqueue_script( 'senw-crm-pipeline', plugins_url( 'assets/pipeline.js', SENW_CRM_FILE ), array(), SENW_CRM_VERSION, true );
			wp_localize_script(
				'senw-crm-pipeline',
				'senwPipeline',
				array(
					'root'   => esc_url_raw( rest_url( 'senw-crm/v1/' ) ),
					'nonce'  => wp_create_nonce( 'wp_rest' ),
					'moved'  => __( 'Moved to %s.', 'senw-crm' ),
					'failed' => __( 'The deal could not be moved: %s', 'senw-crm' ),
				)
			);
		}
	}

	public static function load_deal() {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- viewing.
		$deal_id    = isset( $_GET['deal'] ) ? absint( $_GET['deal'] ) : 0;
		self::$deal = $deal_id ? SENW_CRM_Deals::get( $deal_id, get_current_user_id() ) : null;
		if ( ! self::$deal ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to view this deal, or it does not exist.', 'senw-crm' ), esc_html__( 'Deal not available', 'senw-crm' ), array( 'response' => 403, 'back_link' => true ) );
		}
	}

	public static function render_deal() {
		$deal = self::$deal;
		if ( ! $deal ) {
			return;
		}
		$user_id = get_current_user_id();
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-deal',
			array(
				'deal'     => $deal,
				'stages'   => SENW_CRM_Deals::stages(),
				'history'  => SENW_CRM_Deals::history( (int) $deal['id'] ),
				'can_edit' => current_user_can( 'senw_edit_leads' ) && null !== SENW_CRM_Deals::get( (int) $deal['id'], $user_id, 'edit' ),
				'errors'   => SENW_CRM_Deals::take_errors(),
				'tasks'    => SENW_CRM_Tasks::query( array( 'deal_id' => (int) $deal['id'] ), $user_id, 50 ),
				'post_url' => admin_url( 'admin-post.php' ),
			)
		);
	}

	/** Open deals by stage for the board (closed ones: the last 30 days). */
	public static function board( $user_id, $agent_id = 0 ) {
		global $wpdb;
		$scope = SENW_CRM_Deals::scope( $user_id, 'view' );
		$args  = $scope['args'];
		$extra = '';
		if ( $agent_id ) {
			$extra  = ' AND d.agent_id = %d';
			$args[] = (int) $agent_id;
		}
		$d    = SENW_CRM_Db::t( 'deals' );
		$p    = SENW_CRM_Db::t( 'people' );
		$sql  = "SELECT d.id, d.title, d.stage, d.value, d.probability, d.temperature, d.score, d.expected_close_date, d.stage_changed_at, d.agent_id, u.display_name AS agent_name, TRIM(CONCAT(p.first_name, ' ', p.last_name)) AS person_name FROM `{$d}` d JOIN `{$p}` p ON p.id = d.person_id LEFT JOIN `{$wpdb->users}` u ON u.ID = d.agent_id WHERE {$scope['sql']}{$extra} AND ( d.closed_at IS NULL OR d.closed_at > UTC_TIMESTAMP() - INTERVAL 30 DAY ) ORDER BY d.stage_changed_at DESC LIMIT 500";
		$rows = $wpdb->get_results( SENW_CRM_Db::prepare( $sql, $args ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- prepared by SENW_CRM_Db::prepare().
		$by   = array_fill_keys( array_keys( SENW_CRM_Deals::stages() ), array() );
		foreach ( $rows as $row ) {
			if ( isset( $by[ $row['stage'] ] ) ) {
				$by[ $row['stage'] ][] = $row;
			}
		}
		return $by;
	}

	public static function render_pipeline() {
		if ( ! current_user_can( 'senw_view_leads' ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to view deals.', 'senw-crm' ), 403 );
		}
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-pipeline',
			array(
				'stages'   => SENW_CRM_Deals::stages(),
				'columns'  => self::board( get_current_user_id() ),
				'can_edit' => current_user_can( 'senw_edit_leads' ),
			)
		);
	}
}

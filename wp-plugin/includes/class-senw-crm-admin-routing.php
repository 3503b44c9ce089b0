<?php
/**
 * CRM > Lead Routing (senw_manage_routing: managers, CRM admins): the ordered
 * rules, agents' capacity and availability, and the speed-to-lead report.
 * CRM > Lead Pond (senw_edit_leads): leads waiting in the shared pond, each
 * with a Claim button (the first claim wins).
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Admin_Routing {

	const SLUG      = 'senw-crm-routing';
	const POND_SLUG = 'senw-crm-pond';
	const ACTIONS   = array(
		'senw_crm_rule_add'     => 'handle_add',
		'senw_crm_rule_delete'  => 'handle_delete',
		'senw_crm_rule_move'    => 'handle_move',
		'senw_crm_availability' => 'handle_availability',
		'senw_crm_pond_claim'   => 'handle_claim',
	);

	public static function register() {
		if ( ! is_admin() ) {
			return;
		}
		add_action( 'admin_menu', array( __CLASS__, 'menu' ), 24 );
		foreach ( self::ACTIONS as $action => $method ) {
			add_action( 'admin_post_' . $action, array( __CLASS__, $method ) );
		}
	}

	public static function menu() {
		foreach ( array(
			array( __( 'Lead Routing', 'senw-crm' ), SENW_CRM_Routing::CAP, self::SLUG, 'render' ),
			array( __( 'Lead Pond', 'senw-crm' ), 'senw_edit_leads', self::POND_SLUG, 'render_pond' ),
		) as $page ) {
			$hook = add_submenu_page( SENW_CRM_Admin::MENU_SLUG, $page[0], $page[0], $page[1], $page[2], array( __CLASS__, $page[3] ) );
			if ( $hook ) {
				add_action(
					'load-' . $hook,
					static function () {
						wp_enqueue_style( 'senw-crm-admin', plugins_url( 'assets/admin.css', SENW_CRM_FILE ), array(), SENW_CRM_VERSION );
					}
				);
			}
		}
	}

	public static function messages() {
		return array(
			'rule_added'   => __( 'Rule added.', 'senw-crm' ),
			'rule_deleted' => __( 'Rule deleted.', 'senw-crm' ),
			'rule_moved'   => __( 'Rules reordered.', 'senw-crm' ),
			'saved'        => __( 'Availability saved.', 'senw-crm' ),
			'claimed'      => __( 'The lead is yours.', 'senw-crm' ),
			'taken'        => __( 'Another agent claimed that lead first.', 'senw-crm' ),
		);
	}

	private static function notice() {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- display only.
		$code  = isset( $_GET['senw_notice'] ) ? sanitize_key( wp_unslash( $_GET['senw_notice'] ) ) : '';
		$error = isset( $_GET['senw_error'] ) ? sanitize_text_field( wp_unslash( $_GET['senw_error'] ) ) : '';
		// phpcs:enable
		$out = array();
		if ( isset( self::messages()[ $code ] ) ) {
			$out[] = array( 'taken' === $code ? 'warning' : 'success', self::messages()[ $code ] );
		}
		if ( '' !== $error ) {
			$out[] = array( 'error', get_transient( 'senw_crm_rule_error_' . get_current_user_id() ) ?: __( 'The rule was not saved.', 'senw-crm' ) );
		}
		return $out;
	}

	public static function render() {
		if ( ! current_user_can( SENW_CRM_Routing::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage lead routing.', 'senw-crm' ), 403 );
		}
		$teams = array();
		foreach ( SENW_CRM_Teams::all() as $t ) {
			$teams[ $t['id'] ] = $t['name'];
		}
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-routing',
			array(
				'rules'    => SENW_CRM_Routing::rules(),
				'agents'   => SENW_CRM_Routing::agents(),
				'report'   => SENW_CRM_Routing::report(),
				'people'   => SENW_CRM_Teams::member_choices(),
				'teams'    => $teams,
				'sources'  => SENW_CRM_Admin::source_labels(),
				'notices'  => self::notice(),
				'post_url' => admin_url( 'admin-post.php' ),
			)
		);
	}

	public static function render_pond() {
		if ( ! current_user_can( 'senw_edit_leads' ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to claim leads.', 'senw-crm' ), 403 );
		}
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-pond',
			array(
				'leads'    => SENW_CRM_Routing::pond(),
				'notices'  => self::notice(),
				'post_url' => admin_url( 'admin-post.php' ),
			)
		);
	}

	private static function authorize( $action, $cap = SENW_CRM_Routing::CAP ) {
		if ( ! current_user_can( $cap ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to do that.', 'senw-crm' ), 403 );
		}
		check_admin_referer( $action );
	}

	private static function back( array $args, $slug = self::SLUG ) {
		wp_safe_redirect( add_query_arg( array_merge( array( 'page' => $slug ), $args ), admin_url( 'admin.php' ) ) );
		exit;
	}

	public static function handle_add() {
		self::authorize( 'senw_crm_rule_add' );
		$rule = SENW_CRM_Routing::clean( wp_unslash( $_POST ) ); // phpcs:ignore WordPress.Security.NonceVerification.Missing -- checked in authorize().
		if ( is_wp_error( $rule ) ) {
			set_transient( 'senw_crm_rule_error_' . get_current_user_id(), $rule->get_error_message(), 60 );
			self::back( array( 'senw_error' => 'rule' ) );
		}
		SENW_CRM_Routing::add_rule( $rule );
		self::back( array( 'senw_notice' => 'rule_added' ) );
	}

	private static function posted_int( $key ) {
		return isset( $_POST[ $key ] ) && is_scalar( $_POST[ $key ] ) ? absint( $_POST[ $key ] ) : 0; // phpcs:ignore WordPress.Security.NonceVerification.Missing -- callers check the nonce.
	}

	public static function handle_delete() {
		self::authorize( 'senw_crm_rule_delete' );
		SENW_CRM_Routing::delete_rule( self::posted_int( 'rule' ) );
		self::back( array( 'senw_notice' => 'rule_deleted' ) );
	}

	public static function handle_move() {
		self::authorize( 'senw_crm_rule_move' );
		SENW_CRM_Routing::move_rule( self::posted_int( 'rule' ), ! empty( $_POST['up'] ) ? -1 : 1 ); // phpcs:ignore WordPress.Security.NonceVerification.Missing -- checked in authorize().
		self::back( array( 'senw_notice' => 'rule_moved' ) );
	}

	public static function handle_availability() {
		self::authorize( 'senw_crm_availability' );
		// phpcs:disable WordPress.Security.NonceVerification.Missing -- checked in authorize().
		$rows = isset( $_POST['agent'] ) && is_array( $_POST['agent'] ) ? wp_unslash( $_POST['agent'] ) : array();
		// phpcs:enable
		foreach ( SENW_CRM_Routing::agents() as $agent ) {
			$id = (int) $agent['user_id'];
			if ( ! isset( $rows[ $id ] ) || ! is_array( $rows[ $id ] ) ) {
				continue;
			}
			$in       = $rows[ $id ];
			$capacity = isset( $in['capacity'] ) && '' !== trim( (string) $in['capacity'] ) ? absint( $in['capacity'] ) : null;
			$away     = isset( $in['away_until'] ) && preg_match( '/^\d{4}-\d{2}-\d{2}$/', (string) $in['away_until'] ) ? get_gmt_from_date( $in['away_until'] . ' 00:00:00' ) : null;
			SENW_CRM_Routing::set_availability( $id, $capacity, ! empty( $in['paused'] ), $away );
		}
		self::back( array( 'senw_notice' => 'saved' ) );
	}

	public static function handle_claim() {
		self::authorize( 'senw_crm_pond_claim', 'senw_edit_leads' );
		$lead_id = self::posted_int( 'lead' );
		if ( SENW_CRM_Routing::claim( $lead_id, get_current_user_id() ) ) {
			wp_safe_redirect( add_query_arg( 'senw_notice', 'claimed', SENW_CRM_Admin::lead_url( $lead_id ) ) );
			exit;
		}
		self::back( array( 'senw_notice' => 'taken' ), self::POND_SLUG );
	}
}

<?php
/**
 * CRM > Dashboard (where CRM roles land after login) and the REST routes of
 * the brief's operations. PHP authorizes and renders; the figures come from
 * the sidecar (signed calls, /internal/ops/*), cached there in Redis. The
 * user's scope is passed as the agent ids they may see: their own, plus
 * their teams' agents for team leads, every agent (null) for managers.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Admin_Dashboard {

	const SLUG = 'senw-crm-dashboard';

	/** @var string */
	private static $hook = '';

	public static function register() {
		add_action( 'rest_api_init', array( __CLASS__, 'routes' ) );
		if ( ! is_admin() ) {
			return;
		}
		add_action( 'admin_menu', array( __CLASS__, 'menu' ), 10 );
		add_action( 'admin_enqueue_scripts', array( __CLASS__, 'enqueue' ) );
	}

	public static function menu() {
		self::$hook = (string) add_submenu_page( SENW_CRM_Admin::MENU_SLUG, __( 'CRM Dashboard', 'senw-crm' ), __( 'Dashboard', 'senw-crm' ), 'senw_view_leads', self::SLUG, array( __CLASS__, 'render' ), 0 );
	}

	public static function enqueue( $hook ) {
		if ( $hook !== self::$hook ) {
			return;
		}
		wp_enqueue_style( 'senw-crm-deals', plugins_url( 'assets/deals-admin.css', SENW_CRM_FILE ), array(), SENW_CRM_VERSION );
		$built = SENW_CRM_DIR . '/assets/build/dashboard.js';
		if ( is_readable( $built ) ) {
			wp_enqueue_script( 'senw-crm-dashboard', plugins_url( 'assets/build/dashboard.js', SENW_CRM_FILE ), array(), (string) filemtime( $built ), true );
		}
	}

	/** Agent ids the user may see (null = all), the leads rule as a list. */
	public static function agent_scope( $user_id ) {
		global $wpdb;
		$user_id = (int) $user_id;
		if ( user_can( $user_id, 'senw_view_all_leads' ) ) {
			return null;
		}
		if ( ! user_can( $user_id, 'senw_view_leads' ) ) {
			return array();
		}
		$ids = array( $user_id );
		if ( user_can( $user_id, 'senw_view_team_leads' ) ) {
			$members = SENW_CRM_Db::t( 'team_members' );
			$teams   = SENW_CRM_Db::t( 'teams' );
			$ids     = array_merge( $ids, array_map( 'intval', $wpdb->get_col( $wpdb->prepare( "SELECT tm.user_id FROM `{$members}` tm JOIN `{$teams}` t ON t.id = tm.team_id WHERE t.leader_user_id = %d", $user_id ) ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from prefix.
		}
		return array_values( array_unique( $ids ) );
	}

	/**
	 * One signed call to an operation with the user's scope.
	 *
	 * @return array|WP_Error Decoded JSON.
	 */
	public static function op( $name, array $body, $user_id ) {
		$body['agents'] = self::agent_scope( $user_id );
		$res            = SENW_CRM_Sidecar::signed_request( 'POST', '/internal/ops/' . $name, $body, 10.0 );
		if ( is_wp_error( $res ) ) {
			return new WP_Error( 'senw_crm_sidecar', __( 'The CRM service is not answering; please try again shortly.', 'senw-crm' ), array( 'status' => 503 ) );
		}
		if ( $res['status'] >= 400 ) {
			$err = isset( $res['json']['error'] ) ? $res['json']['error'] : array();
			return new WP_Error( 'senw_crm_' . ( isset( $err['code'] ) ? sanitize_key( $err['code'] ) : 'error' ), isset( $err['message'] ) ? (string) $err['message'] : __( 'The request failed.', 'senw-crm' ), array( 'status' => $res['status'], 'fields' => isset( $err['fields'] ) ? $err['fields'] : array() ) );
		}
		return $res['json'];
	}

	public static function render() {
		if ( ! current_user_can( 'senw_view_leads' ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to view the dashboard.', 'senw-crm' ), 403 );
		}
		$user_id = get_current_user_id();
		$data    = self::op( 'dashboard', array(), $user_id );
		$metrics = is_wp_error( $data ) ? $data : self::op( 'pipeline-metrics', array(), $user_id );
		$hot     = is_wp_error( $data ) ? array() : self::op( 'hot-leads', array( 'limit' => 10 ), $user_id );
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-dashboard',
			array(
				'data'    => $data,
				'metrics' => $metrics,
				'hot'     => is_wp_error( $hot ) ? array() : $hot,
				'stages'  => SENW_CRM_Deals::stages(),
			)
		);
	}

	// -- REST: the brief's operations --------------------------------------------

	public static function routes() {
		$view = static function () {
			return SENW_CRM_REST_Deals_Controller::need( 'senw_view_leads' );
		};
		$edit = static function () {
			return SENW_CRM_REST_Deals_Controller::need( 'senw_edit_leads' );
		};
		$ops  = array(
			'dashboard'        => array( 'GET', $view ),
			'hot-leads'        => array( 'GET', $view ),
			'pipeline-metrics' => array( 'GET', $view ),
			'client-insights'  => array( 'GET', $view ),
			'bulk-tasks'       => array( 'POST', $edit ),
			'sync-stage'       => array( 'POST', $edit ),
		);
		foreach ( $ops as $name => $def ) {
			register_rest_route(
				'senw-crm/v1',
				'/' . $name,
				array(
					'methods'             => $def[0],
					'callback'            => static function ( $request ) use ( $name ) {
						return SENW_CRM_Admin_Dashboard::rest_op( $name, $request );
					},
					'permission_callback' => $def[1],
				)
			);
		}
		register_rest_route(
			'senw-crm/v1',
			'/events',
			array(
				'methods'             => 'POST',
				'callback'            => array( __CLASS__, 'rest_events' ),
				'permission_callback' => $edit,
			)
		);
		register_rest_route(
			'senw-crm/v1',
			'/leads/(?P<id>[\d]+)/score',
			array(
				'methods'             => 'GET',
				'callback'            => array( __CLASS__, 'rest_score' ),
				'permission_callback' => static function ( $request ) {
					return SENW_CRM_REST_Leads_Controller::check_lead_access( (int) $request['id'], 'view' );
				},
			)
		);
	}

	public static function rest_op( $name, $request ) {
		$user_id = get_current_user_id();
		$body    = array();
		if ( 'hot-leads' === $name ) {
			$body['limit'] = max( 1, min( 100, (int) ( $request['limit'] ? $request['limit'] : 20 ) ) );
		} elseif ( 'pipeline-metrics' === $name ) {
			$filters = array();
			if ( $request['agent_id'] ) {
				$filters['agent_id'] = (int) $request['agent_id'];
			}
			if ( $request['since'] && preg_match( '/^\d{4}-\d{2}-\d{2}$/', (string) $request['since'] ) ) {
				$filters['since'] = (string) $request['since'];
			}
			$body['filters'] = (object) $filters;
		} elseif ( 'client-insights' === $name ) {
			$body['person_ids'] = array_values( array_filter( array_map( 'intval', explode( ',', (string) $request['person_ids'] ) ) ) );
		} elseif ( 'bulk-tasks' === $name ) {
			$body['criteria'] = (object) ( is_array( $request['criteria'] ) ? $request['criteria'] : array() );
			$body['task']     = (object) ( is_array( $request['task'] ) ? $request['task'] : array() );
			$body['preview']  = false !== $request['preview'] && 'false' !== $request['preview'] && '0' !== (string) $request['preview'];
		} elseif ( 'sync-stage' === $name ) {
			$deal = SENW_CRM_Deals::get( (int) $request['deal_id'], $user_id, 'edit' );
			if ( ! $deal ) {
				return SENW_CRM_REST_Deals_Controller::not_found();
			}
			$body['deal_id'] = (int) $deal['id'];
		}
		if ( 'false' === (string) $request['cache'] ) {
			$body['cache'] = false;
		}
		$out = self::op( $name, $body, $user_id );
		if ( ! is_wp_error( $out ) && 'bulk-tasks' === $name && empty( $body['preview'] ) ) {
			SENW_CRM_Audit::log( 'bulk_tasks', 'task', null, array( 'created' => isset( $out['created'] ) ? count( $out['created'] ) : 0 ), $user_id );
		}
		return is_wp_error( $out ) ? $out : rest_ensure_response( $out );
	}

	/** Engagement events for a lead's person, from the plugin (signed to the intake). */
	public static function rest_events( $request ) {
		$lead_id = (int) $request['lead_id'];
		if ( ! SENW_CRM_Visibility::can_edit_lead( get_current_user_id(), $lead_id ) ) {
			return new WP_Error( 'senw_crm_forbidden', __( 'Sorry, you are not allowed to record events for this lead.', 'senw-crm' ), array( 'status' => 403 ) );
		}
		global $wpdb;
		$person = (int) $wpdb->get_var( $wpdb->prepare( 'SELECT person_id FROM `' . SENW_CRM_Db::t( 'leads' ) . '` WHERE id = %d', $lead_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		$res    = SENW_CRM_Sidecar::signed_request( 'POST', '/internal/events', array( 'person_id' => $person, 'events' => $request['events'] ), 5.0 );
		if ( is_wp_error( $res ) ) {
			return new WP_Error( 'senw_crm_sidecar', __( 'The CRM service is not answering; please retry with the same event keys.', 'senw-crm' ), array( 'status' => 503 ) );
		}
		return new WP_REST_Response( $res['json'], $res['status'] );
	}

	/** "Why hot": the score now with its contributions. */
	public static function rest_score( $request ) {
		global $wpdb;
		$person = (int) $wpdb->get_var( $wpdb->prepare( 'SELECT person_id FROM `' . SENW_CRM_Db::t( 'leads' ) . '` WHERE id = %d', (int) $request['id'] ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		$out    = self::op( 'explain', array( 'person_id' => $person ), get_current_user_id() );
		return is_wp_error( $out ) ? $out : rest_ensure_response( $out );
	}
}

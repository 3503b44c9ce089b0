<?php
/**
 * Tasks: CRM > My Tasks (today, overdue, upcoming; complete, snooze,
 * reassign), the tasks REST routes, and the live alert in wp-admin (WordPress
 * Heartbeat: a lead turning hot, a task assigned). The rules that create
 * tasks run in the sidecar (sidecar/tasks/); a rule's open task carries
 * dedupe_key 'deal-<id>-<reason>', cleared when the task is completed.
 * Visibility: the leads rule applied to the task's agent.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Tasks {

	const SLUG = 'senw-crm-tasks';

	/** @var string */
	private static $hook = '';

	public static function register() {
		add_action( 'rest_api_init', array( __CLASS__, 'routes' ) );
		add_filter( 'heartbeat_received', array( __CLASS__, 'heartbeat' ), 10, 2 );
		if ( ! is_admin() ) {
			return;
		}
		add_action( 'admin_menu', array( __CLASS__, 'menu' ), 12 );
		add_action( 'admin_post_senw_crm_task', array( __CLASS__, 'handle' ) );
		add_action( 'admin_enqueue_scripts', array( __CLASS__, 'enqueue' ) );
	}

	public static function menu() {
		self::$hook = (string) add_submenu_page( SENW_CRM_Admin::MENU_SLUG, __( 'My Tasks', 'senw-crm' ), __( 'My Tasks', 'senw-crm' ), 'senw_view_leads', self::SLUG, array( __CLASS__, 'render' ) );
	}

	/** Every CRM screen (any wp-admin page for CRM users) gets the live alert. */
	public static function enqueue( $hook ) {
		if ( ! current_user_can( 'senw_view_leads' ) ) {
			return;
		}
		wp_enqueue_script( 'senw-crm-live', plugins_url( 'assets/live-alerts.js', SENW_CRM_FILE ), array( 'heartbeat' ), SENW_CRM_VERSION, true );
		wp_localize_script( 'senw-crm-live', 'senwLive', array( 'since' => self::last_alert_id( get_current_user_id() ) ) );
		if ( $hook === self::$hook ) {
			wp_enqueue_style( 'senw-crm-admin', plugins_url( 'assets/admin.css', SENW_CRM_FILE ), array(), SENW_CRM_VERSION );
		}
		wp_enqueue_style( 'senw-crm-deals', plugins_url( 'assets/deals-admin.css', SENW_CRM_FILE ), array(), SENW_CRM_VERSION );
	}

	private static function last_alert_id( $user_id ) {
		global $wpdb;
		return (int) $wpdb->get_var( $wpdb->prepare( 'SELECT COALESCE(MAX(id), 0) FROM `' . SENW_CRM_Db::t( 'user_alerts' ) . '` WHERE user_id = %d', (int) $user_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
	}

	/**
	 * Heartbeat: the tab sends senw_alerts_since (the last alert id it showed);
	 * the answer carries the user's newer alerts (at most 5).
	 */
	public static function heartbeat( $response, $data ) {
		global $wpdb;
		if ( ! isset( $data['senw_alerts_since'] ) || ! current_user_can( 'senw_view_leads' ) ) {
			return $response;
		}
		$rows = $wpdb->get_results( $wpdb->prepare( 'SELECT id, kind, body, url, created_at FROM `' . SENW_CRM_Db::t( 'user_alerts' ) . '` WHERE user_id = %d AND id > %d ORDER BY id LIMIT 5', get_current_user_id(), absint( $data['senw_alerts_since'] ) ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		$response['senw_alerts'] = array_map(
			static function ( $r ) {
				return array(
					'id'   => (int) $r['id'],
					'kind' => $r['kind'],
					'body' => $r['body'],
					'url'  => esc_url_raw( admin_url( ltrim( (string) $r['url'], '/' ) ) ),
				);
			},
			$rows
		);
		return $response;
	}

	/**
	 * Tasks the user may see: filters deal_id, agent_id, status; 'when' =
	 * overdue | today | upcoming (open tasks by due time in the site's day).
	 */
	public static function query( array $filters, $user_id, $limit = 100 ) {
		global $wpdb;
		$scope = SENW_CRM_Visibility::lead_scope( $user_id, 't', 'view' );
		$where = array( $scope['sql'] );
		$args  = $scope['args'];
		foreach ( array( 'deal_id' => '%d', 'agent_id' => '%d', 'status' => '%s', 'id' => '%d' ) as $col => $fmt ) {
			if ( isset( $filters[ $col ] ) && '' !== $filters[ $col ] ) {
				$where[] = "t.{$col} = {$fmt}";
				$args[]  = $filters[ $col ];
			}
		}
		if ( isset( $filters['when'] ) ) {
			list( $start, $end ) = self::today_bounds();
			$where[]             = "t.status = 'open'";
			if ( 'overdue' === $filters['when'] ) {
				$where[] = 't.due_at < %s';
				$args[]  = gmdate( 'Y-m-d H:i:s' );
			} elseif ( 'today' === $filters['when'] ) {
				$where[] = 't.due_at >= %s AND t.due_at < %s';
				array_push( $args, gmdate( 'Y-m-d H:i:s' ), $end );
			} else {
				$where[] = '( t.due_at >= %s OR t.due_at IS NULL )';
				$args[]  = $end;
			}
			unset( $start );
		}
		$args[] = (int) $limit;
		$t      = SENW_CRM_Db::t( 'tasks' );
		$d      = SENW_CRM_Db::t( 'deals' );
		$sql    = "SELECT t.*, d.title AS deal_title, u.display_name AS agent_name FROM `{$t}` t LEFT JOIN `{$d}` d ON d.id = t.deal_id LEFT JOIN `{$wpdb->users}` u ON u.ID = t.agent_id WHERE " . implode( ' AND ', $where ) . " ORDER BY FIELD(t.priority, 'urgent', 'high', 'normal', 'low'), t.due_at IS NULL, t.due_at, t.id LIMIT %d";
		return $wpdb->get_results( SENW_CRM_Db::prepare( $sql, $args ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- prepared by SENW_CRM_Db::prepare().
	}

	/** [start, end) of today in the site's time zone, as UTC DATETIME strings. */
	private static function today_bounds() {
		$tz    = wp_timezone();
		$start = new DateTime( 'today', $tz );
		$end   = new DateTime( 'tomorrow', $tz );
		$utc   = new DateTimeZone( 'UTC' );
		return array( $start->setTimezone( $utc )->format( 'Y-m-d H:i:s' ), $end->setTimezone( $utc )->format( 'Y-m-d H:i:s' ) );
	}

	/**
	 * complete | snooze (minutes) | reassign (agent) on a task the user may edit.
	 *
	 * @return true|WP_Error
	 */
	public static function act( $task_id, $op, array $in, $actor ) {
		global $wpdb;
		$scope = SENW_CRM_Visibility::lead_scope( $actor, 't', 'edit' );
		$t     = SENW_CRM_Db::t( 'tasks' );
		$task  = $wpdb->get_row( SENW_CRM_Db::prepare( "SELECT t.* FROM `{$t}` t WHERE t.id = %d AND {$scope['sql']}", array_merge( array( (int) $task_id ), $scope['args'] ) ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- prepared by SENW_CRM_Db::prepare().
		if ( ! $task || ! current_user_can( 'senw_edit_leads' ) ) {
			return new WP_Error( 'senw_crm_task_not_found', __( 'No task with that id that you may change.', 'senw-crm' ), array( 'status' => 404 ) );
		}
		if ( 'open' !== $task['status'] ) {
			return new WP_Error( 'senw_crm_task_closed', __( 'This task is already done.', 'senw-crm' ), array( 'status' => 409 ) );
		}
		if ( 'complete' === $op ) {
			$wpdb->update( $t, array( 'status' => 'done', 'completed_at' => SENW_CRM_Db::now(), 'dedupe_key' => null ), array( 'id' => (int) $task_id ) );
			if ( $task['deal_id'] && in_array( $task['task_type'], array( 'call', 'sms', 'email', 'meeting' ), true ) ) {
				$wpdb->update( SENW_CRM_Db::t( 'deals' ), array( 'last_contact_at' => SENW_CRM_Db::now() ), array( 'id' => (int) $task['deal_id'] ) );
			}
		} elseif ( 'snooze' === $op ) {
			$minutes = isset( $in['minutes'] ) ? (int) $in['minutes'] : 0;
			if ( $minutes < 5 || $minutes > 60 * 24 * 30 ) {
				return new WP_Error( 'senw_crm_invalid', __( 'Snooze for 5 minutes to 30 days.', 'senw-crm' ), array( 'status' => 400, 'fields' => array( 'minutes' => __( 'Snooze for 5 minutes to 30 days.', 'senw-crm' ) ) ) );
			}
			$base = max( time(), $task['due_at'] ? strtotime( $task['due_at'] . ' UTC' ) : 0 );
			$wpdb->query( $wpdb->prepare( "UPDATE `{$t}` SET due_at = %s, snoozed_count = snoozed_count + 1 WHERE id = %d", gmdate( 'Y-m-d H:i:s', $base + 60 * $minutes ), (int) $task_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		} elseif ( 'reassign' === $op ) {
			$agent = isset( $in['agent_id'] ) ? (int) $in['agent_id'] : 0;
			if ( ! SENW_CRM_Visibility::can_assign_to( $actor, $agent ) ) {
				return new WP_Error( 'senw_crm_invalid', __( 'You may not give tasks to that agent.', 'senw-crm' ), array( 'status' => 403, 'fields' => array( 'agent_id' => __( 'You may not give tasks to that agent.', 'senw-crm' ) ) ) );
			}
			SENW_CRM_Db::begin();
			try {
				SENW_CRM_Db::check( $wpdb->update( $t, array( 'agent_id' => $agent ), array( 'id' => (int) $task_id ) ) );
				SENW_CRM_Db::check(
					$wpdb->insert(
						SENW_CRM_Db::t( 'user_alerts' ),
						array(
							'user_id'    => $agent,
							'kind'       => 'task',
							/* translators: %s: task title */
							'body'       => mb_substr( sprintf( __( 'Task assigned to you: %s', 'senw-crm' ), $task['title'] ), 0, 500 ),
							'url'        => 'admin.php?page=' . self::SLUG,
							'dedupe_key' => 'task-' . (int) $task_id . '-to-' . $agent . '-' . wp_generate_uuid4(),
						)
					)
				);
				if ( ! SENW_CRM_Db::commit() ) {
					throw new RuntimeException( 'commit' );
				}
			} catch ( RuntimeException $e ) {
				SENW_CRM_Db::rollback();
				return new WP_Error( 'senw_crm_db_error', __( 'The task could not be saved.', 'senw-crm' ), array( 'status' => 500 ) );
			}
		} else {
			return new WP_Error( 'senw_crm_invalid', __( 'Unknown action.', 'senw-crm' ), array( 'status' => 400 ) );
		}
		SENW_CRM_Audit::log( 'task_' . $op, 'task', (int) $task_id, array_intersect_key( $in, array( 'minutes' => 1, 'agent_id' => 1 ) ), $actor );
		SENW_CRM_Sidecar::signed_request( 'POST', '/internal/cache/invalidate', array( 'reason' => 'task' ), 1.0 );
		return true;
	}

	public static function handle() {
		// phpcs:disable WordPress.Security.NonceVerification.Missing -- verified right below.
		$task_id = isset( $_POST['task'] ) ? absint( $_POST['task'] ) : 0;
		$op      = isset( $_POST['op'] ) ? sanitize_key( wp_unslash( $_POST['op'] ) ) : '';
		$in      = array(
			'minutes'  => isset( $_POST['minutes'] ) ? absint( $_POST['minutes'] ) : 0,
			'agent_id' => isset( $_POST['agent_id'] ) ? absint( $_POST['agent_id'] ) : 0,
		);
		// phpcs:enable
		check_admin_referer( 'senw_crm_task_' . $task_id );
		$result = self::act( $task_id, $op, $in, get_current_user_id() );
		$url    = admin_url( 'admin.php?page=' . self::SLUG );
		wp_safe_redirect( is_wp_error( $result ) ? add_query_arg( 'senw_task_error', rawurlencode( $result->get_error_code() ), $url ) : add_query_arg( 'senw_task_done', $op, $url ) );
		exit;
	}

	public static function render() {
		if ( ! current_user_can( 'senw_view_leads' ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to view tasks.', 'senw-crm' ), 403 );
		}
		$user_id = get_current_user_id();
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- filter only.
		$mine   = ! isset( $_GET['all'] ) || ! current_user_can( 'senw_view_team_leads' );
		$filter = $mine ? array( 'agent_id' => $user_id ) : array();
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-tasks',
			array(
				'groups'   => array(
					'overdue'  => self::query( $filter + array( 'when' => 'overdue' ), $user_id ),
					'today'    => self::query( $filter + array( 'when' => 'today' ), $user_id ),
					'upcoming' => self::query( $filter + array( 'when' => 'upcoming' ), $user_id ),
				),
				'mine'     => $mine,
				'agents'   => SENW_CRM_Admin::assignable_agents( $user_id ),
				'post_url' => admin_url( 'admin-post.php' ),
				// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
				'error'    => isset( $_GET['senw_task_error'] ) ? sanitize_key( wp_unslash( $_GET['senw_task_error'] ) ) : '',
			)
		);
	}

	// -- REST ---------------------------------------------------------------------

	public static function routes() {
		register_rest_route(
			'senw-crm/v1',
			'/tasks',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => array( __CLASS__, 'rest_list' ),
				'permission_callback' => static function () {
					return SENW_CRM_REST_Deals_Controller::need( 'senw_view_leads' );
				},
				'args'                => array(
					'when'    => array( 'type' => 'string', 'enum' => array( 'overdue', 'today', 'upcoming' ) ),
					'deal_id' => array( 'type' => 'integer' ),
					'status'  => array( 'type' => 'string' ),
				),
			)
		);
		register_rest_route(
			'senw-crm/v1',
			'/tasks/(?P<id>[\d]+)',
			array(
				'methods'             => WP_REST_Server::EDITABLE,
				'callback'            => array( __CLASS__, 'rest_act' ),
				'permission_callback' => static function () {
					return SENW_CRM_REST_Deals_Controller::need( 'senw_edit_leads' );
				},
				'args'                => array(
					'op'       => array( 'type' => 'string', 'required' => true, 'enum' => array( 'complete', 'snooze', 'reassign' ) ),
					'minutes'  => array( 'type' => 'integer' ),
					'agent_id' => array( 'type' => 'integer' ),
				),
			)
		);
	}

	public static function rest_list( $request ) {
		$filters = array();
		foreach ( array( 'when', 'deal_id', 'status' ) as $k ) {
			if ( null !== $request[ $k ] ) {
				$filters[ $k ] = $request[ $k ];
			}
		}
		return rest_ensure_response( array_map( array( __CLASS__, 'shape' ), self::query( $filters, get_current_user_id(), 200 ) ) );
	}

	public static function rest_act( $request ) {
		$result = self::act( (int) $request['id'], (string) $request['op'], array( 'minutes' => (int) $request['minutes'], 'agent_id' => (int) $request['agent_id'] ), get_current_user_id() );
		if ( is_wp_error( $result ) ) {
			return $result;
		}
		$rows = self::query( array( 'id' => (int) $request['id'] ), get_current_user_id(), 1 );
		return rest_ensure_response( $rows ? self::shape( $rows[0] ) : array( 'id' => (int) $request['id'] ) );
	}

	public static function shape( array $t ) {
		return array(
			'id'        => (int) $t['id'],
			'deal_id'   => null === $t['deal_id'] ? null : (int) $t['deal_id'],
			'lead_id'   => null === $t['lead_id'] ? null : (int) $t['lead_id'],
			'agent_id'  => null === $t['agent_id'] ? null : (int) $t['agent_id'],
			'title'     => $t['title'],
			'task_type' => $t['task_type'],
			'priority'  => $t['priority'],
			'reason'    => $t['reason'],
			'status'    => $t['status'],
			'due_at'    => $t['due_at'],
		);
	}
}

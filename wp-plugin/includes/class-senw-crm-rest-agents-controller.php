<?php
/**
 * REST: /senw-crm/v1/agents (the agents a user may hand leads to) and
 * /agents/<id> (pause or resume an agent's new leads). Managers have no
 * WordPress user-editing rights, so this is where they pause an agent; an
 * agent may pause themself here or on their profile screen.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_REST_Agents_Controller extends WP_REST_Controller {

	public function __construct() {
		$this->namespace = 'senw-crm/v1';
		$this->rest_base = 'agents';
	}

	public function register_routes() {
		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base,
			array(
				array(
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_items' ),
					'permission_callback' => array( $this, 'get_items_permissions_check' ),
					'args'                => array( 'context' => $this->get_context_param( array( 'default' => 'view' ) ) ),
				),
				'schema' => array( $this, 'get_public_item_schema' ),
			)
		);
		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base . '/(?P<id>[\d]+)',
			array(
				'args'   => array(
					'id' => array(
						'description' => __( 'User id of the agent.', 'senw-crm' ),
						'type'        => 'integer',
					),
				),
				array(
					'methods'             => WP_REST_Server::EDITABLE,
					'callback'            => array( $this, 'update_item' ),
					'permission_callback' => array( $this, 'update_item_permissions_check' ),
					'args'                => $this->get_endpoint_args_for_item_schema( WP_REST_Server::EDITABLE ),
				),
				'schema' => array( $this, 'get_public_item_schema' ),
			)
		);
	}

	public function get_items_permissions_check( $request ) {
		return SENW_CRM_REST_Leads_Controller::require_cap( 'senw_view_leads' );
	}

	public function update_item_permissions_check( $request ) {
		$allowed = SENW_CRM_REST_Leads_Controller::require_cap( 'senw_edit_leads' );
		if ( is_wp_error( $allowed ) ) {
			return $allowed;
		}
		if ( ! SENW_CRM_Agents::can_pause( get_current_user_id(), (int) $request['id'] ) ) {
			return new WP_Error( 'rest_forbidden', __( 'Sorry, you are not allowed to change this agent.', 'senw-crm' ), array( 'status' => rest_authorization_required_code() ) );
		}
		if ( ! SENW_CRM_Agents::is_agent( (int) $request['id'] ) ) {
			return new WP_Error( 'rest_not_found', __( 'No agent with this id.', 'senw-crm' ), array( 'status' => 404 ) );
		}
		return true;
	}

	/**
	 * Active agents; each says whether the current user may assign leads to
	 * them. Users who cannot assign see only themselves.
	 */
	public function get_items( $request ) {
		global $wpdb;
		$table = SENW_CRM_Db::t( 'agents' );
		$rows  = $wpdb->get_results( "SELECT a.user_id, a.paused, a.last_assigned_at, u.display_name FROM `{$table}` a JOIN {$wpdb->users} u ON u.ID = a.user_id WHERE a.active = 1 ORDER BY u.display_name, a.user_id", ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from $wpdb.
		$me    = get_current_user_id();
		$items = array();
		foreach ( $rows as $row ) {
			$id         = (int) $row['user_id'];
			$assignable = SENW_CRM_Visibility::can_assign_to( $me, $id );
			if ( ! $assignable && $id !== $me ) {
				continue;
			}
			$row['assignable'] = $assignable;
			$items[]           = $this->prepare_response_for_collection( $this->prepare_item_for_response( $row, $request ) );
		}
		return SENW_CRM_REST::collection( $items, count( $items ), max( 1, count( $items ) ) );
	}

	public function update_item( $request ) {
		global $wpdb;
		$id = (int) $request['id'];
		if ( isset( $request['paused'] ) ) {
			$paused = (bool) $request['paused'];
			if ( SENW_CRM_Agents::is_paused( $id ) !== $paused ) {
				SENW_CRM_Agents::set_paused( $id, $paused );
				SENW_CRM_Audit::log( $paused ? 'pause' : 'resume', 'agent', $id );
			}
		}
		$table = SENW_CRM_Db::t( 'agents' );
		$row   = $wpdb->get_row( $wpdb->prepare( "SELECT a.user_id, a.paused, a.last_assigned_at, u.display_name FROM `{$table}` a JOIN {$wpdb->users} u ON u.ID = a.user_id WHERE a.user_id = %d", $id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from $wpdb.
		$row['assignable'] = SENW_CRM_Visibility::can_assign_to( get_current_user_id(), $id );
		return $this->prepare_item_for_response( $row, $request );
	}

	public function prepare_item_for_response( $item, $request ) {
		$data     = array(
			'id'               => (int) $item['user_id'],
			'name'             => $item['display_name'],
			'paused'           => (bool) $item['paused'],
			'assignable'       => (bool) $item['assignable'],
			'last_assigned_at' => empty( $item['last_assigned_at'] ) ? null : mysql_to_rfc3339( $item['last_assigned_at'] ),
		);
		$context  = ! empty( $request['context'] ) ? $request['context'] : 'view';
		$response = rest_ensure_response( $this->filter_response_by_context( $data, $context ) );
		$response->add_links( array( 'self' => array( 'href' => rest_url( sprintf( '%s/%s/%d', $this->namespace, $this->rest_base, $data['id'] ) ) ) ) );
		return $response;
	}

	public function get_item_schema() {
		if ( $this->schema ) {
			return $this->add_additional_fields_schema( $this->schema );
		}
		$this->schema = array(
			'$schema'    => 'http://json-schema.org/draft-04/schema#',
			'title'      => 'senw-crm-agent',
			'type'       => 'object',
			'properties' => array(
				'id'               => SENW_CRM_REST::prop( 'integer', __( 'User id of the agent.', 'senw-crm' ), true ),
				'name'             => SENW_CRM_REST::prop( 'string', __( 'Display name.', 'senw-crm' ), true ),
				'paused'           => SENW_CRM_REST::prop( 'boolean', __( 'Whether round-robin assignment skips this agent.', 'senw-crm' ) ),
				'assignable'       => SENW_CRM_REST::prop( 'boolean', __( 'Whether the current user may assign leads to this agent.', 'senw-crm' ), true ),
				'last_assigned_at' => SENW_CRM_REST::prop( array( 'string', 'null' ), __( 'When the agent last got a lead by round-robin (UTC).', 'senw-crm' ), true ),
			),
		);
		return $this->add_additional_fields_schema( $this->schema );
	}
}

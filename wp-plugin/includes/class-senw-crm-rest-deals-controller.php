<?php
/**
 * REST: /senw-crm/v1/deals (list, create for a lead), /deals/<id> (read,
 * update: a stage change is a manual move) and /deals/<id>/history. The
 * leads' record-level rules apply to the deal's agent; a deal the user may
 * not see answers 404 (no hint that it exists), an anonymous request 401.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_REST_Deals_Controller extends WP_REST_Controller {

	const FIELDS = array( 'title', 'stage', 'value', 'probability', 'expected_close_date', 'listing_key', 'property_address', 'list_price', 'reason' );

	public function __construct() {
		$this->namespace = 'senw-crm/v1';
		$this->rest_base = 'deals';
	}

	public static function register() {
		add_action( 'rest_api_init', array( new self(), 'register_routes' ) );
	}

	public function register_routes() {
		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base,
			array(
				array(
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_items' ),
					'permission_callback' => array( $this, 'read_permission' ),
					'args'                => array(
						'lead_id'     => array( 'type' => 'integer' ),
						'person_id'   => array( 'type' => 'integer' ),
						'agent_id'    => array( 'type' => 'integer' ),
						'listing_key' => array( 'type' => 'string' ),
						'stage'       => array( 'type' => 'string' ),
						'page'        => array( 'type' => 'integer', 'default' => 1, 'minimum' => 1 ),
						'per_page'    => array( 'type' => 'integer', 'default' => 50, 'minimum' => 1, 'maximum' => 200 ),
					),
				),
				array(
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'create_item' ),
					'permission_callback' => array( $this, 'write_permission' ),
					'args'                => array( 'lead_id' => array( 'type' => 'integer', 'required' => true ) ),
				),
			)
		);
		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base . '/(?P<id>[\d]+)',
			array(
				array(
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_item' ),
					'permission_callback' => array( $this, 'read_permission' ),
				),
				array(
					'methods'             => WP_REST_Server::EDITABLE,
					'callback'            => array( $this, 'update_item' ),
					'permission_callback' => array( $this, 'write_permission' ),
				),
			)
		);
		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base . '/(?P<id>[\d]+)/history',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => array( $this, 'get_history' ),
				'permission_callback' => array( $this, 'read_permission' ),
			)
		);
	}

	/** 401 for anonymous requests, 403 without the capability. */
	public static function need( $cap ) {
		if ( ! is_user_logged_in() ) {
			return new WP_Error( 'rest_not_logged_in', __( 'You must be logged in.', 'senw-crm' ), array( 'status' => 401 ) );
		}
		if ( ! current_user_can( $cap ) ) {
			return new WP_Error( 'rest_forbidden', __( 'Sorry, you are not allowed to do that.', 'senw-crm' ), array( 'status' => 403 ) );
		}
		return true;
	}

	public function read_permission( $request ) {
		return self::need( 'senw_view_leads' );
	}

	public function write_permission( $request ) {
		return self::need( 'senw_edit_leads' );
	}

	public static function not_found() {
		return new WP_Error( 'senw_crm_deal_not_found', __( 'No deal with that id that you may see.', 'senw-crm' ), array( 'status' => 404 ) );
	}

	public function get_items( $request ) {
		$filters = array();
		foreach ( array( 'lead_id', 'person_id', 'agent_id', 'listing_key', 'stage' ) as $k ) {
			if ( null !== $request[ $k ] ) {
				$filters[ $k ] = $request[ $k ];
			}
		}
		$per   = (int) $request['per_page'];
		$rows  = SENW_CRM_Deals::query( $filters, get_current_user_id(), 'view', $per, ( (int) $request['page'] - 1 ) * $per );
		$total = SENW_CRM_Deals::count( $filters, get_current_user_id() );
		return SENW_CRM_REST::collection( array_map( array( __CLASS__, 'shape' ), $rows ), $total, $per );
	}

	public function get_item( $request ) {
		$deal = SENW_CRM_Deals::get( (int) $request['id'], get_current_user_id() );
		return $deal ? rest_ensure_response( self::shape( $deal ) ) : self::not_found();
	}

	public function get_history( $request ) {
		if ( ! SENW_CRM_Deals::get( (int) $request['id'], get_current_user_id() ) ) {
			return self::not_found();
		}
		$out = array();
		foreach ( SENW_CRM_Deals::history( (int) $request['id'] ) as $h ) {
			$out[] = array(
				'from_stage' => $h['from_stage'],
				'to_stage'   => $h['to_stage'],
				'source'     => $h['source'],
				'user_id'    => null === $h['user_id'] ? null : (int) $h['user_id'],
				'reason'     => $h['reason'],
				'created_at' => $h['created_at'],
			);
		}
		return rest_ensure_response( $out );
	}

	private static function input( $request ) {
		$in = array();
		foreach ( self::FIELDS as $f ) {
			$v = $request->get_param( $f );
			if ( null !== $v && is_scalar( $v ) ) {
				$in[ $f ] = (string) $v;
			}
		}
		return $in;
	}

	public function create_item( $request ) {
		$id = SENW_CRM_Deals::create_for_lead( (int) $request['lead_id'], self::input( $request ), get_current_user_id() );
		if ( is_wp_error( $id ) ) {
			return $id;
		}
		$response = rest_ensure_response( self::shape( SENW_CRM_Deals::get( $id, get_current_user_id() ) ) );
		$response->set_status( 201 );
		return $response;
	}

	public function update_item( $request ) {
		if ( ! SENW_CRM_Deals::get( (int) $request['id'], get_current_user_id() ) ) {
			return self::not_found();
		}
		$result = SENW_CRM_Deals::update( (int) $request['id'], self::input( $request ), get_current_user_id() );
		if ( is_wp_error( $result ) ) {
			return $result;
		}
		return rest_ensure_response( self::shape( SENW_CRM_Deals::get( (int) $request['id'], get_current_user_id() ) ) );
	}

	public static function shape( array $d ) {
		return array(
			'id'                  => (int) $d['id'],
			'lead_id'             => null === $d['lead_id'] ? null : (int) $d['lead_id'],
			'person_id'           => (int) $d['person_id'],
			'person_name'         => $d['person_name'],
			'agent_id'            => null === $d['agent_id'] ? null : (int) $d['agent_id'],
			'agent_name'          => $d['agent_name'],
			'listing_key'         => $d['listing_key'],
			'property_address'    => $d['property_address'],
			'list_price'          => null === $d['list_price'] ? null : (float) $d['list_price'],
			'title'               => $d['title'],
			'stage'               => $d['stage'],
			'value'               => (float) $d['value'],
			'probability'         => (int) $d['probability'],
			'expected_close_date' => $d['expected_close_date'],
			'score'               => (int) $d['score'],
			'temperature'         => $d['temperature'],
			'stage_changed_at'    => $d['stage_changed_at'],
			'created_at'          => $d['created_at'],
			'updated_at'          => $d['updated_at'],
		);
	}
}

<?php
/**
 * REST: /senw-crm/v1/leads (list, create), /leads/<id> (get, update) and
 * /leads/<id>/assign, following core's posts controller.
 *
 * Authorization: anonymous callers get 401; a logged-in user without the
 * capability, or asking for a lead outside their scope, gets 403 — also for
 * ids that do not exist, so ids cannot be probed. Only users who may see
 * every lead get 404 for an id that does not exist.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_REST_Leads_Controller extends WP_REST_Controller {

	public function __construct() {
		$this->namespace = 'senw-crm/v1';
		$this->rest_base = 'leads';
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
					'args'                => $this->get_collection_params(),
				),
				array(
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'create_item' ),
					'permission_callback' => array( $this, 'create_item_permissions_check' ),
					'args'                => $this->get_endpoint_args_for_item_schema( WP_REST_Server::CREATABLE ),
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
						'description' => __( 'Unique identifier for the lead.', 'senw-crm' ),
						'type'        => 'integer',
					),
				),
				array(
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_item' ),
					'permission_callback' => array( $this, 'get_item_permissions_check' ),
					'args'                => array( 'context' => $this->get_context_param( array( 'default' => 'view' ) ) ),
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
		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base . '/(?P<id>[\d]+)/assign',
			array(
				array(
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'assign_item' ),
					'permission_callback' => array( $this, 'assign_item_permissions_check' ),
					'args'                => array(
						'id'       => array(
							'description' => __( 'Unique identifier for the lead.', 'senw-crm' ),
							'type'        => 'integer',
						),
						'agent_id' => array(
							'description' => __( 'User id of the agent who takes the lead.', 'senw-crm' ),
							'type'        => 'integer',
							'minimum'     => 1,
							'required'    => true,
						),
					),
				),
				'schema' => array( $this, 'get_public_item_schema' ),
			)
		);
	}

	/*
	 * Permissions.
	 */

	/**
	 * True when the current user holds $cap; else 401 (anonymous) or 403.
	 *
	 * @return true|WP_Error
	 */
	public static function require_cap( $cap, $message = null ) {
		if ( current_user_can( $cap ) ) {
			return true;
		}
		return new WP_Error(
			'rest_forbidden',
			$message ? $message : __( 'Sorry, you are not allowed to do that.', 'senw-crm' ),
			array( 'status' => rest_authorization_required_code() )
		);
	}

	/**
	 * The lead-level check shared by the item routes and the notes controller.
	 *
	 * @param int    $lead_id Lead id.
	 * @param string $mode    view, edit or assign.
	 * @return true|WP_Error
	 */
	public static function check_lead_access( $lead_id, $mode ) {
		$cap   = 'view' === $mode ? 'senw_view_leads' : ( 'edit' === $mode ? 'senw_edit_leads' : 'senw_assign_leads' );
		$allow = self::require_cap( $cap );
		if ( is_wp_error( $allow ) ) {
			return $allow;
		}
		$user = get_current_user_id();
		$ok   = 'view' === $mode ? SENW_CRM_Visibility::can_view_lead( $user, $lead_id )
			: ( 'edit' === $mode ? SENW_CRM_Visibility::can_edit_lead( $user, $lead_id ) : SENW_CRM_Visibility::can_assign_lead( $user, $lead_id ) );
		if ( $ok ) {
			return true;
		}
		if ( current_user_can( 'view' === $mode ? 'senw_view_all_leads' : 'senw_edit_all_leads' ) && ! SENW_CRM_Leads::exists( $lead_id ) ) {
			return new WP_Error( 'rest_not_found', __( 'No lead with this id.', 'senw-crm' ), array( 'status' => 404 ) );
		}
		return new WP_Error( 'rest_forbidden', __( 'Sorry, you are not allowed to access this lead.', 'senw-crm' ), array( 'status' => rest_authorization_required_code() ) );
	}

	public function get_items_permissions_check( $request ) {
		return self::require_cap( 'senw_view_leads', __( 'Sorry, you are not allowed to list leads.', 'senw-crm' ) );
	}

	public function get_item_permissions_check( $request ) {
		return self::check_lead_access( (int) $request['id'], 'view' );
	}

	public function create_item_permissions_check( $request ) {
		return self::require_cap( 'senw_edit_leads', __( 'Sorry, you are not allowed to create leads.', 'senw-crm' ) );
	}

	public function update_item_permissions_check( $request ) {
		return self::check_lead_access( (int) $request['id'], 'edit' );
	}

	public function assign_item_permissions_check( $request ) {
		return self::check_lead_access( (int) $request['id'], 'assign' );
	}

	/*
	 * Handlers.
	 */

	public function get_items( $request ) {
		$args = array();
		foreach ( array( 'search', 'status', 'temperature', 'source', 'agent_id', 'orderby', 'order', 'page', 'per_page' ) as $key ) {
			if ( isset( $request[ $key ] ) ) {
				$args[ $key ] = $request[ $key ];
			}
		}
		$result = SENW_CRM_Leads::query( $args, get_current_user_id() );
		$items  = array();
		foreach ( $result['items'] as $row ) {
			$items[] = $this->prepare_response_for_collection( $this->prepare_item_for_response( $row, $request ) );
		}
		return SENW_CRM_REST::collection( $items, $result['total'], (int) $request['per_page'] );
	}

	public function get_item( $request ) {
		$lead = SENW_CRM_Leads::view( (int) $request['id'], get_current_user_id() );
		if ( null === $lead ) {
			return new WP_Error( 'rest_forbidden', __( 'Sorry, you are not allowed to access this lead.', 'senw-crm' ), array( 'status' => 403 ) );
		}
		return $this->prepare_item_for_response( $lead, $request );
	}

	public function create_item( $request ) {
		list( $clean, $errors ) = SENW_CRM_Lead_Validator::validate( $this->writable_input( $request ), 'rest' );
		if ( $errors ) {
			return self::invalid( $errors );
		}
		$context = array(
			'ip'         => SENW_CRM_Client_Ip::get(),
			'user_agent' => (string) $request->get_header( 'user_agent' ),
			'source_url' => rest_url( $this->namespace . '/' . $this->rest_base ),
		);
		if ( isset( $request['consent_text'] ) && is_string( $request['consent_text'] ) && '' !== $request['consent_text'] ) {
			$context['consent_text'] = SENW_CRM_Lead_Validator::multi_line( $request['consent_text'] );
		}
		$lead_id = SENW_CRM_Leads::create( $clean, get_current_user_id(), $context );
		if ( is_wp_error( $lead_id ) ) {
			return $lead_id;
		}
		$lead = SENW_CRM_Leads::get( $lead_id, get_current_user_id() );
		if ( null === $lead ) {
			// Stored on a colleague's open lead for the same person: acknowledge without showing it.
			return new WP_REST_Response(
				array(
					'id'      => $lead_id,
					'reused'  => true,
					'visible' => false,
				),
				202
			);
		}
		$response = $this->prepare_item_for_response( $lead, $request );
		$response->set_status( empty( SENW_CRM_Leads::$last_create['reused'] ) ? 201 : 200 );
		$response->header( 'Location', rest_url( sprintf( '%s/%s/%d', $this->namespace, $this->rest_base, $lead_id ) ) );
		return $response;
	}

	public function update_item( $request ) {
		$input = $this->writable_input( $request );
		list( $clean, $errors ) = SENW_CRM_Lead_Validator::validate( $input, 'rest', true );
		if ( $errors ) {
			return self::invalid( $errors );
		}
		unset( $clean['consent'] );
		$result = SENW_CRM_Leads::update( (int) $request['id'], $clean, get_current_user_id() );
		if ( is_wp_error( $result ) ) {
			return $result;
		}
		return $this->prepare_item_for_response( SENW_CRM_Leads::get( (int) $request['id'], get_current_user_id() ), $request );
	}

	public function assign_item( $request ) {
		$result = SENW_CRM_Leads::assign( (int) $request['id'], (int) $request['agent_id'], get_current_user_id() );
		if ( is_wp_error( $result ) ) {
			return $result;
		}
		$lead = SENW_CRM_Leads::get( (int) $request['id'], get_current_user_id() );
		if ( null === $lead ) {
			return rest_ensure_response(
				array(
					'id'       => (int) $request['id'],
					'agent_id' => (int) $request['agent_id'],
				)
			);
		}
		return $this->prepare_item_for_response( $lead, $request );
	}

	/** Only the writable fields the request actually carries. */
	private function writable_input( $request ) {
		$input = array();
		$body  = $request->get_json_params();
		$body  = is_array( $body ) ? $body : $request->get_body_params();
		foreach ( array( 'first_name', 'last_name', 'email', 'phone', 'message', 'listing_key', 'status', 'temperature', 'source', 'agent_id', 'consent' ) as $key ) {
			if ( array_key_exists( $key, $body ) ) {
				$input[ $key ] = $body[ $key ];
			} elseif ( null !== $request->get_param( $key ) && array_key_exists( $key, (array) $request->get_query_params() ) ) {
				$input[ $key ] = $request->get_param( $key );
			}
		}
		return $input;
	}

	/** A 400 in core's rest_invalid_param shape with one message per field. */
	public static function invalid( array $errors ) {
		return new WP_Error(
			'rest_invalid_param',
			/* translators: %s: list of field names */
			sprintf( __( 'Invalid parameter(s): %s', 'senw-crm' ), implode( ', ', array_keys( $errors ) ) ),
			array(
				'status' => 400,
				'params' => $errors,
			)
		);
	}

	/*
	 * Output.
	 */

	public function prepare_item_for_response( $item, $request ) {
		$schema = $this->get_item_schema();
		$data   = array();
		$map    = array(
			'email' => 'primary_email',
			'phone' => 'primary_phone',
		);
		foreach ( array_keys( $schema['properties'] ) as $field ) {
			$source = isset( $map[ $field ] ) ? $map[ $field ] : $field;
			if ( array_key_exists( $source, $item ) ) {
				$data[ $field ] = $item[ $source ];
			}
		}
		foreach ( array( 'id', 'person_id', 'score' ) as $int ) {
			if ( isset( $data[ $int ] ) ) {
				$data[ $int ] = (int) $data[ $int ];
			}
		}
		if ( isset( $data['agent_id'] ) ) {
			$data['agent_id'] = (int) $data['agent_id'];
		}
		foreach ( array( 'created_at', 'updated_at', 'last_activity_at' ) as $date ) {
			if ( ! empty( $data[ $date ] ) ) {
				$data[ $date ] = mysql_to_rfc3339( $data[ $date ] );
			}
		}
		if ( isset( $data['phones'] ) ) {
			foreach ( $data['phones'] as &$p ) {
				$p['is_primary'] = (bool) $p['is_primary'];
			}
			unset( $p );
		}
		if ( isset( $data['emails'] ) ) {
			foreach ( $data['emails'] as &$e ) {
				$e['is_primary'] = (bool) $e['is_primary'];
			}
			unset( $e );
		}
		$context  = ! empty( $request['context'] ) ? $request['context'] : 'view';
		$data     = $this->filter_response_by_context( $data, $context );
		$response = rest_ensure_response( $data );
		$response->add_links(
			array(
				'self'       => array( 'href' => rest_url( sprintf( '%s/%s/%d', $this->namespace, $this->rest_base, $item['id'] ) ) ),
				'collection' => array( 'href' => rest_url( $this->namespace . '/' . $this->rest_base ) ),
				'notes'      => array(
					'href'       => rest_url( sprintf( '%s/%s/%d/notes', $this->namespace, $this->rest_base, $item['id'] ) ),
					'embeddable' => true,
				),
			)
		);
		return $response;
	}

	public function get_item_schema() {
		if ( $this->schema ) {
			return $this->add_additional_fields_schema( $this->schema );
		}
		$ro           = static function ( $type, $description, $extra = array() ) {
			return SENW_CRM_REST::prop( $type, $description, true, $extra );
		};
		$rw           = static function ( $type, $description, $extra = array() ) {
			return SENW_CRM_REST::prop( $type, $description, false, $extra );
		};
		$this->schema = array(
			'$schema'    => 'http://json-schema.org/draft-04/schema#',
			'title'      => 'senw-crm-lead',
			'type'       => 'object',
			'properties' => array(
				'id'               => $ro( 'integer', __( 'Unique identifier for the lead.', 'senw-crm' ) ),
				'person_id'        => $ro( 'integer', __( 'The person (RESO Contact) behind the lead.', 'senw-crm' ) ),
				'contact_key'      => $ro( 'string', __( 'RESO ContactKey of the person.', 'senw-crm' ) ),
				'first_name'       => $rw( 'string', __( 'First name (required on create, at most 100 characters).', 'senw-crm' ) ),
				'last_name'        => $rw( 'string', __( 'Last name (required on create, at most 100 characters).', 'senw-crm' ) ),
				'display_name'     => $ro( 'string', __( 'First and last name.', 'senw-crm' ) ),
				'email'            => $rw( 'string', __( 'Primary email address (an email or a phone is required).', 'senw-crm' ) ),
				'phone'            => $rw( 'string', __( 'Primary phone; returned in E.164 form.', 'senw-crm' ) ),
				'emails'           => $ro( 'array', __( 'All email addresses of the person.', 'senw-crm' ), array( 'items' => array( 'type' => 'object' ) ) ),
				'phones'           => $ro( 'array', __( 'All phone numbers of the person.', 'senw-crm' ), array( 'items' => array( 'type' => 'object' ) ) ),
				'message'          => $rw( array( 'string', 'null' ), __( 'The inquiry text (at most 5000 characters).', 'senw-crm' ) ),
				'listing_key'      => $rw( array( 'string', 'null' ), __( 'RESO ListingKey of the property of interest.', 'senw-crm' ) ),
				'source'           => $rw( 'string', __( 'Where the lead came from.', 'senw-crm' ), array( 'enum' => SENW_CRM_Lead_Validator::SOURCES ) ),
				'status'           => $rw( 'string', __( 'Lead status.', 'senw-crm' ), array( 'enum' => SENW_CRM_Lead_Validator::STATUSES ) ),
				'temperature'      => $rw( 'string', __( 'Lead temperature.', 'senw-crm' ), array( 'enum' => SENW_CRM_Lead_Validator::TEMPERATURES ) ),
				'score'            => $ro( 'integer', __( 'Engagement score (set by the sidecar).', 'senw-crm' ) ),
				'agent_id'         => $rw( array( 'integer', 'null' ), __( 'User id of the assigned agent; changing it needs the assign right.', 'senw-crm' ) ),
				'agent_name'       => $ro( array( 'string', 'null' ), __( 'Display name of the assigned agent.', 'senw-crm' ) ),
				'pipeline_state'   => $ro( 'string', __( 'Where the sidecar is with the lead (received, scored, assigned, notified).', 'senw-crm' ) ),
				'consent'          => array(
					'description' => __( 'Whether the person agreed to be contacted (write only; stored with the consent text).', 'senw-crm' ),
					'type'        => 'boolean',
					'context'     => array(),
				),
				'consent_text'     => array(
					'description' => __( 'The exact consent text the person was shown (write only; defaults to the site\'s consent text).', 'senw-crm' ),
					'type'        => 'string',
					'context'     => array(),
				),
				'has_consent'      => $ro( 'boolean', __( 'Whether a consent is on record for the person.', 'senw-crm' ) ),
				'created_at'       => $ro( 'string', __( 'When the lead was received (UTC).', 'senw-crm' ), array( 'format' => 'date-time' ) ),
				'updated_at'       => $ro( 'string', __( 'Last change (UTC).', 'senw-crm' ), array( 'format' => 'date-time' ) ),
				'last_activity_at' => $ro( array( 'string', 'null' ), __( 'Last activity on the lead (UTC).', 'senw-crm' ) ),
			),
		);
		return $this->add_additional_fields_schema( $this->schema );
	}

	public function get_collection_params() {
		$params                       = SENW_CRM_REST::paging_params( parent::get_collection_params() );
		$params['context']['default'] = 'view';
		$params['search']['description'] = __( 'Name (prefix words), email (prefix) or phone digits (prefix).', 'senw-crm' );
		$params['status']             = array(
			'description' => __( 'Limit to leads with these statuses.', 'senw-crm' ),
			'type'        => 'array',
			'items'       => array(
				'type' => 'string',
				'enum' => SENW_CRM_Lead_Validator::STATUSES,
			),
		);
		$params['temperature']        = array(
			'description' => __( 'Limit to leads with these temperatures.', 'senw-crm' ),
			'type'        => 'array',
			'items'       => array(
				'type' => 'string',
				'enum' => SENW_CRM_Lead_Validator::TEMPERATURES,
			),
		);
		$params['source']             = array(
			'description' => __( 'Limit to leads from these sources.', 'senw-crm' ),
			'type'        => 'array',
			'items'       => array(
				'type'      => 'string',
				'maxLength' => 50,
			),
		);
		$params['agent_id']           = array(
			'description' => __( 'Limit to one agent\'s leads (0: unassigned).', 'senw-crm' ),
			'type'        => 'integer',
			'minimum'     => 0,
		);
		$params['orderby']            = array(
			'description' => __( 'Sort by.', 'senw-crm' ),
			'type'        => 'string',
			'default'     => 'created_at',
			'enum'        => array_keys( SENW_CRM_Leads::ORDERBY ),
		);
		$params['order']              = array(
			'description' => __( 'Sort direction.', 'senw-crm' ),
			'type'        => 'string',
			'default'     => 'desc',
			'enum'        => array( 'asc', 'desc' ),
		);
		return $params;
	}
}

<?php
/**
 * REST: /senw-crm/v1/leads/<id>/notes — the notes on a lead's timeline.
 * Reading needs the lead's view rule, adding a note its edit rule (same
 * 401/403 answers as the leads controller).
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_REST_Notes_Controller extends WP_REST_Controller {

	public function __construct() {
		$this->namespace = 'senw-crm/v1';
		$this->rest_base = 'leads/(?P<lead_id>[\d]+)/notes';
	}

	public function register_routes() {
		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base,
			array(
				'args'   => array(
					'lead_id' => array(
						'description' => __( 'The lead the notes belong to.', 'senw-crm' ),
						'type'        => 'integer',
					),
				),
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
	}

	public function get_items_permissions_check( $request ) {
		return SENW_CRM_REST_Leads_Controller::check_lead_access( (int) $request['lead_id'], 'view' );
	}

	public function create_item_permissions_check( $request ) {
		return SENW_CRM_REST_Leads_Controller::check_lead_access( (int) $request['lead_id'], 'edit' );
	}

	public function get_items( $request ) {
		$per_page = (int) $request['per_page'];
		$result   = SENW_CRM_Leads::notes( (int) $request['lead_id'], (int) $request['page'], $per_page );
		$items    = array();
		foreach ( $result['items'] as $row ) {
			$items[] = $this->prepare_response_for_collection( $this->prepare_item_for_response( $row, $request ) );
		}
		return SENW_CRM_REST::collection( $items, $result['total'], $per_page );
	}

	public function create_item( $request ) {
		$lead_id = (int) $request['lead_id'];
		$body    = $request['body'];
		if ( ! is_string( $body ) ) {
			return SENW_CRM_REST_Leads_Controller::invalid( array( 'body' => __( 'Write the note before saving it.', 'senw-crm' ) ) );
		}
		$note_id = SENW_CRM_Leads::add_note( $lead_id, $body, get_current_user_id() );
		if ( is_wp_error( $note_id ) ) {
			return $note_id;
		}
		$notes = SENW_CRM_Leads::notes( $lead_id, 1, 100 );
		foreach ( $notes['items'] as $row ) {
			if ( (int) $row['id'] === $note_id ) {
				$response = $this->prepare_item_for_response( $row, $request );
				$response->set_status( 201 );
				return $response;
			}
		}
		return new WP_Error( 'senw_crm_db_error', __( 'The note was saved but could not be read back.', 'senw-crm' ), array( 'status' => 500 ) );
	}

	public function prepare_item_for_response( $item, $request ) {
		$data     = array(
			'id'         => (int) $item['id'],
			'lead_id'    => (int) $item['lead_id'],
			'user_id'    => null === $item['user_id'] ? null : (int) $item['user_id'],
			'user_name'  => $item['user_name'],
			'body'       => $item['body'],
			'created_at' => mysql_to_rfc3339( $item['created_at'] ),
		);
		$context  = ! empty( $request['context'] ) ? $request['context'] : 'view';
		$data     = $this->filter_response_by_context( $data, $context );
		$response = rest_ensure_response( $data );
		$response->add_links(
			array(
				'up' => array( 'href' => rest_url( sprintf( '%s/leads/%d', $this->namespace, $item['lead_id'] ) ) ),
			)
		);
		return $response;
	}

	public function get_item_schema() {
		if ( $this->schema ) {
			return $this->add_additional_fields_schema( $this->schema );
		}
		$this->schema = array(
			'$schema'    => 'http://json-schema.org/draft-04/schema#',
			'title'      => 'senw-crm-note',
			'type'       => 'object',
			'properties' => array(
				'id'         => SENW_CRM_REST::prop( 'integer', __( 'Unique identifier for the note.', 'senw-crm' ), true ),
				'lead_id'    => SENW_CRM_REST::prop( 'integer', __( 'The lead.', 'senw-crm' ), true ),
				'user_id'    => SENW_CRM_REST::prop( array( 'integer', 'null' ), __( 'Who wrote the note.', 'senw-crm' ), true ),
				'user_name'  => SENW_CRM_REST::prop( array( 'string', 'null' ), __( 'Display name of the author.', 'senw-crm' ), true ),
				'body'       => SENW_CRM_REST::prop( 'string', __( 'The note text (at most 5000 characters).', 'senw-crm' ) ),
				'created_at' => SENW_CRM_REST::prop( 'string', __( 'When the note was written (UTC).', 'senw-crm' ), true, array( 'format' => 'date-time' ) ),
			),
		);
		return $this->add_additional_fields_schema( $this->schema );
	}

	public function get_collection_params() {
		$params                       = SENW_CRM_REST::paging_params( parent::get_collection_params() );
		$params['context']['default'] = 'view';
		unset( $params['search'] );
		return $params;
	}
}

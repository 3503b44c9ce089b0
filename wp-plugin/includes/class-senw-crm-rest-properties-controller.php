<?php
/**
 * REST: the agents' property search.
 *
 *   GET /senw-crm/v1/properties              filters, sort, pagination (X-WP-Total, X-WP-TotalPages)
 *   GET /senw-crm/v1/properties/<ListingKey> one listing with photos, open houses,
 *                                            agent, office and the leads/deals the user may see
 *
 * Both need senw_view_properties. The public site renders its listing search
 * on the server (SENW_CRM_Listing_Search) and needs no route of its own.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_REST_Properties_Controller extends WP_REST_Controller {

	/** @var array|null */
	protected $schema = null;

	public function __construct() {
		$this->namespace = 'senw-crm/v1';
		$this->rest_base = 'properties';
	}

	public static function register() {
		add_action(
			'rest_api_init',
			static function () {
				( new self() )->register_routes();
			}
		);
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
				'schema' => array( $this, 'get_public_item_schema' ),
			)
		);
		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base . '/(?P<listing_key>[^/]+)',
			array(
				array(
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_item' ),
					'permission_callback' => array( $this, 'get_item_permissions_check' ),
					'args'                => array(
						'listing_key'  => array(
							'description' => __( 'RESO ListingKey.', 'senw-crm' ),
							'type'        => 'string',
						),
						'show_removed' => array(
							'description' => __( 'Also find a listing removed from search (needs senw_run_mls_sync).', 'senw-crm' ),
							'type'        => 'boolean',
							'default'     => false,
						),
					),
				),
				'schema' => array( $this, 'get_public_item_schema' ),
			)
		);
	}

	public function get_items_permissions_check( $request ) {
		if ( current_user_can( 'senw_view_properties' ) ) {
			return true;
		}
		return new WP_Error( 'senw_crm_forbidden', __( 'Sorry, you are not allowed to view properties.', 'senw-crm' ), array( 'status' => rest_authorization_required_code() ) );
	}

	public function get_item_permissions_check( $request ) {
		return $this->get_items_permissions_check( $request );
	}

	public function get_items( $request ) {
		$raw = array();
		foreach ( array_keys( SENW_CRM_Properties::filters() ) as $name ) {
			if ( null !== $request[ $name ] ) {
				$raw[ $name ] = $request[ $name ];
			}
		}
		$raw['show_removed'] = $request['show_removed'] ? '1' : '';
		$can_removed         = current_user_can( 'senw_run_mls_sync' );
		if ( $request['show_removed'] && ! $can_removed ) {
			return new WP_Error( 'senw_crm_forbidden', __( 'Sorry, you are not allowed to see removed listings.', 'senw-crm' ), array( 'status' => 403 ) );
		}
		list( $filters, $errors ) = SENW_CRM_Properties::parse_filters( $raw, $can_removed );
		if ( $errors ) {
			return new WP_Error(
				'rest_invalid_param',
				/* translators: %s: list of parameters */
				sprintf( __( 'Invalid parameter(s): %s', 'senw-crm' ), implode( ', ', array_keys( $errors ) ) ),
				array(
					'status' => 400,
					'params' => $errors,
				)
			);
		}
		$per_page = (int) $request['per_page'];
		$page     = (int) $request['page'];
		$result   = SENW_CRM_Properties::search( $filters, $request['orderby'], $request['order'], $page, $per_page );

		$items = array();
		foreach ( $result['rows'] as $row ) {
			$items[] = $this->prepare_response_for_collection( $this->prepare_item_for_response( $row, $request ) );
		}
		$total       = $result['total'];
		$total_pages = (int) ceil( $total / max( 1, $per_page ) );
		if ( $page > 1 && $page > $total_pages ) {
			return new WP_Error( 'rest_post_invalid_page_number', __( 'The page number requested is larger than the number of pages available.', 'senw-crm' ), array( 'status' => 400 ) );
		}
		$response = rest_ensure_response( $items );
		$response->header( 'X-WP-Total', (string) $total );
		$response->header( 'X-WP-TotalPages', (string) $total_pages );
		return $response;
	}

	public function get_item( $request ) {
		$show_removed = $request['show_removed'] && current_user_can( 'senw_run_mls_sync' );
		$row          = SENW_CRM_Properties::find( $request['listing_key'], false, $show_removed );
		if ( ! $row ) {
			return new WP_Error( 'senw_crm_not_found', __( 'No such listing.', 'senw-crm' ), array( 'status' => 404 ) );
		}
		$data                = $this->prepare_item_for_response( $row, $request )->get_data();
		$data['photos']      = array_map(
			static function ( $p ) {
				return array(
					'MediaKey'         => $p['MediaKey'],
					'MediaURL'         => $p['MediaURL'],
					'Order'            => null === $p['Order'] ? null : (int) $p['Order'],
					'ShortDescription' => $p['ShortDescription'],
				);
			},
			SENW_CRM_Properties::photos( $row['ListingKey'] )
		);
		$data['open_houses'] = SENW_CRM_Properties::open_houses( $row['ListingKey'] );
		list( $agent, $office ) = SENW_CRM_Properties::agent_and_office( $row );
		$data['list_agent']  = $agent;
		$data['list_office'] = $office;
		$user_id             = get_current_user_id();
		$data['leads']       = array_map( array( $this, 'int_ids' ), SENW_CRM_Properties::linked_leads( $row['ListingKey'], $user_id ) );
		$data['deals']       = array_map( array( $this, 'int_ids' ), SENW_CRM_Properties::linked_deals( $row['ListingKey'], $user_id ) );
		return rest_ensure_response( $data );
	}

	/** Ids as integers in linked rows. */
	public function int_ids( $row ) {
		foreach ( array( 'id', 'lead_id', 'agent_id', 'probability' ) as $k ) {
			if ( isset( $row[ $k ] ) ) {
				$row[ $k ] = (int) $row[ $k ];
			}
		}
		return $row;
	}

	/**
	 * @param array           $item    A properties row.
	 * @param WP_REST_Request $request Request.
	 */
	public function prepare_item_for_response( $item, $request ) {
		$schema = $this->get_item_schema();
		$data   = array();
		foreach ( $schema['properties'] as $name => $prop ) {
			if ( ! array_key_exists( $name, $item ) ) {
				continue;
			}
			$value = $item[ $name ];
			if ( null !== $value ) {
				$type = is_array( $prop['type'] ) ? $prop['type'][0] : $prop['type'];
				if ( 'integer' === $type ) {
					$value = (int) $value;
				} elseif ( 'number' === $type ) {
					$value = (float) $value;
				} elseif ( 'boolean' === $type ) {
					$value = (bool) (int) $value;
				}
			}
			$data[ $name ] = $value;
		}
		$data = $this->filter_response_by_context( $data, empty( $request['context'] ) ? 'view' : $request['context'] );
		return rest_ensure_response( $data );
	}

	public function get_item_schema() {
		if ( $this->schema ) {
			return $this->add_additional_fields_schema( $this->schema );
		}
		$types = array(
			'ListingKey'                     => 'string',
			'ListingId'                      => 'string',
			'StandardStatus'                 => 'string',
			'MlsStatus'                      => 'string',
			'PropertyType'                   => 'string',
			'PropertySubType'                => 'string',
			'ListPrice'                      => 'number',
			'OriginalListPrice'              => 'number',
			'ClosePrice'                     => 'number',
			'BedroomsTotal'                  => 'integer',
			'BathroomsTotalInteger'          => 'integer',
			'BathroomsFull'                  => 'integer',
			'BathroomsHalf'                  => 'integer',
			'LivingArea'                     => 'number',
			'LotSizeAcres'                   => 'number',
			'YearBuilt'                      => 'integer',
			'StoriesTotal'                   => 'integer',
			'GarageSpaces'                   => 'number',
			'UnparsedAddress'                => 'string',
			'City'                           => 'string',
			'StateOrProvince'                => 'string',
			'PostalCode'                     => 'string',
			'CountyOrParish'                 => 'string',
			'SubdivisionName'                => 'string',
			'Latitude'                       => 'number',
			'Longitude'                      => 'number',
			'DaysOnMarket'                   => 'integer',
			'OnMarketDate'                   => 'string',
			'ListingContractDate'            => 'string',
			'CloseDate'                      => 'string',
			'PublicRemarks'                  => 'string',
			'PrivateRemarks'                 => 'string',
			'ListAgentKey'                   => 'string',
			'ListAgentFullName'              => 'string',
			'ListOfficeKey'                  => 'string',
			'ListOfficeName'                 => 'string',
			'AssociationFee'                 => 'number',
			'TaxAnnualAmount'                => 'number',
			'ModificationTimestamp'          => 'string',
			'PhotosCount'                    => 'integer',
			'VirtualTourURLUnbranded'        => 'string',
			'InternetEntireListingDisplayYN' => 'boolean',
			'InternetAddressDisplayYN'       => 'boolean',
			'first_photo_url'                => 'string',
			'searchable'                     => 'boolean',
		);
		$properties = array();
		foreach ( $types as $name => $type ) {
			$properties[ $name ] = array(
				/* translators: %s: RESO field name */
				'description' => sprintf( __( 'RESO %s.', 'senw-crm' ), $name ),
				'type'        => array( $type, 'null' ),
				'context'     => array( 'view', 'embed' ),
				'readonly'    => true,
			);
		}
		$properties['first_photo_url']['description'] = __( 'URL of the first photo (by Order).', 'senw-crm' );
		$properties['searchable']['description']      = __( 'False when the listing is removed from search.', 'senw-crm' );
		$properties['ModificationTimestamp']['format'] = 'date-time';

		$this->schema = array(
			'$schema'    => 'http://json-schema.org/draft-04/schema#',
			'title'      => 'senw-property',
			'type'       => 'object',
			'properties' => $properties,
		);
		return $this->add_additional_fields_schema( $this->schema );
	}

	public function get_collection_params() {
		$params                       = SENW_CRM_REST::paging_params( parent::get_collection_params(), 10, SENW_CRM_Properties::MAX_PER_PAGE );
		unset( $params['search'] );
		foreach ( SENW_CRM_Properties::filters() as $name => $spec ) {
			// Validated by SENW_CRM_Properties::parse_filters() for one message per field.
			$params[ $name ] = array(
				'description' => $spec[1],
				'type'        => 'string',
			);
		}
		$params['status']['description']        = __( 'RESO StandardStatus (display or member name).', 'senw-crm' );
		$params['property_type']['description'] = __( 'RESO PropertyType (display or member name).', 'senw-crm' );
		$params['keyword']['description']       = __( 'Words to find in the address, remarks, subdivision and city.', 'senw-crm' );
		$params['show_removed']                 = array(
			'description' => __( 'Include listings removed from search (needs senw_run_mls_sync).', 'senw-crm' ),
			'type'        => 'boolean',
			'default'     => false,
		);
		$params['orderby']                      = array(
			'description' => __( 'Sort by.', 'senw-crm' ),
			'type'        => 'string',
			'enum'        => array_keys( SENW_CRM_Properties::SORTS ),
			'default'     => 'newest',
		);
		$params['order']                        = array(
			'description' => __( 'Sort direction.', 'senw-crm' ),
			'type'        => 'string',
			'enum'        => array( 'asc', 'desc' ),
			'default'     => 'desc',
		);
		return $params;
	}
}

<?php
/**
 * REST: MLS sync runs and quarantined records, for the Sync screen's poll and
 * for API clients.
 *
 *   GET  /senw-crm/v1/mls/runs             latest runs (senw_view_properties or senw_run_mls_sync)
 *   POST /senw-crm/v1/mls/runs             "Sync now" for a feed (senw_run_mls_sync)
 *   GET  /senw-crm/v1/mls/quarantine       quarantined records (senw_run_mls_sync)
 *   GET  /senw-crm/v1/mls/quarantine/<id>  one record with its raw payload (senw_run_mls_sync)
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_REST_Mls_Controller extends WP_REST_Controller {

	public function __construct() {
		$this->namespace = 'senw-crm/v1';
		$this->rest_base = 'mls';
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
			'/mls/runs',
			array(
				array(
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_runs' ),
					'permission_callback' => array( $this, 'view_permissions_check' ),
					'args'                => array(
						'per_page' => array(
							'description' => __( 'How many runs, newest first.', 'senw-crm' ),
							'type'        => 'integer',
							'default'     => 20,
							'minimum'     => 1,
							'maximum'     => 200,
						),
					),
				),
				array(
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'create_run' ),
					'permission_callback' => array( $this, 'sync_permissions_check' ),
					'args'                => array(
						'feed' => array(
							'description' => __( 'Feed id; the first known feed when omitted.', 'senw-crm' ),
							'type'        => 'string',
						),
					),
				),
				'schema' => array( $this, 'get_public_item_schema' ),
			)
		);
		register_rest_route(
			$this->namespace,
			'/mls/quarantine',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => array( $this, 'get_quarantine' ),
				'permission_callback' => array( $this, 'sync_permissions_check' ),
				'args'                => SENW_CRM_REST::paging_params(),
			)
		);
		register_rest_route(
			$this->namespace,
			'/mls/quarantine/(?P<id>\d+)',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => array( $this, 'get_quarantined' ),
				'permission_callback' => array( $this, 'sync_permissions_check' ),
			)
		);
	}

	public function view_permissions_check( $request ) {
		if ( current_user_can( 'senw_view_properties' ) || current_user_can( 'senw_run_mls_sync' ) ) {
			return true;
		}
		return new WP_Error( 'senw_crm_forbidden', __( 'Sorry, you are not allowed to view MLS sync runs.', 'senw-crm' ), array( 'status' => rest_authorization_required_code() ) );
	}

	public function sync_permissions_check( $request ) {
		if ( current_user_can( 'senw_run_mls_sync' ) ) {
			return true;
		}
		return new WP_Error( 'senw_crm_forbidden', __( 'Sorry, you are not allowed to run the MLS sync.', 'senw-crm' ), array( 'status' => rest_authorization_required_code() ) );
	}

	public function get_runs( $request ) {
		$runs = array_map( array( __CLASS__, 'prepare_run' ), SENW_CRM_Properties_Sync::runs( (int) $request['per_page'] ) );
		return rest_ensure_response( $runs );
	}

	public function create_run( $request ) {
		$feeds = SENW_CRM_Properties_Sync::feeds();
		$feed  = null === $request['feed'] || '' === $request['feed'] ? (string) reset( $feeds ) : (string) $request['feed'];
		$out   = SENW_CRM_Properties_Sync::request( $feed, get_current_user_id() );
		if ( is_wp_error( $out ) ) {
			return $out;
		}
		$response = rest_ensure_response(
			array(
				'created' => $out['created'],
				'run_id'  => $out['run_id'],
				'status'  => $out['status'],
				'message' => self::request_message( $out ),
			)
		);
		$response->set_status( $out['created'] ? 202 : 200 );
		return $response;
	}

	/** What to tell the person who pressed "Sync now". */
	public static function request_message( array $out ) {
		if ( $out['created'] ) {
			return __( 'Sync requested. It will start in a moment.', 'senw-crm' );
		}
		return 'running' === $out['status']
			? __( 'A sync of this feed is already running; no new one was queued.', 'senw-crm' )
			: __( 'A sync of this feed is already queued; no new one was queued.', 'senw-crm' );
	}

	public function get_quarantine( $request ) {
		$page     = (int) $request['page'];
		$per_page = (int) $request['per_page'];
		$result   = SENW_CRM_Properties_Sync::quarantine( $page, $per_page );
		$rows     = array();
		foreach ( $result['rows'] as $row ) {
			$row['id']             = (int) $row['id'];
			$row['run_id']         = null === $row['run_id'] ? null : (int) $row['run_id'];
			$row['payload_length'] = (int) $row['payload_length'];
			$row['created_at_local'] = SENW_CRM_Properties::local_time( $row['created_at'] );
			$rows[]                = $row;
		}
		$response = rest_ensure_response( $rows );
		$response->header( 'X-WP-Total', (string) $result['total'] );
		$response->header( 'X-WP-TotalPages', (string) (int) ceil( $result['total'] / $per_page ) );
		return $response;
	}

	public function get_quarantined( $request ) {
		$row = SENW_CRM_Properties_Sync::quarantined( (int) $request['id'] );
		if ( ! $row ) {
			return new WP_Error( 'senw_crm_not_found', __( 'No such quarantined record.', 'senw-crm' ), array( 'status' => 404 ) );
		}
		$row['id']     = (int) $row['id'];
		$row['run_id'] = null === $row['run_id'] ? null : (int) $row['run_id'];
		return rest_ensure_response( $row );
	}

	/** A run row with integer counters and a progress percentage (null when unknown). */
	public static function prepare_run( array $run ) {
		foreach ( array( 'id', 'requested_by', 'added', 'updated', 'removed', 'unchanged', 'quarantined', 'field_problems', 'errors', 'progress_total', 'progress_done' ) as $k ) {
			$run[ $k ] = null === $run[ $k ] ? null : (int) $run[ $k ];
		}
		foreach ( array( 'created_at', 'started_at', 'finished_at' ) as $k ) {
			$run[ $k . '_local' ] = SENW_CRM_Properties::local_time( $run[ $k ] );
		}
		$run['progress'] = null;
		// The total is an estimate a run can outgrow: never show "6 / 5".
		if ( $run['progress_total'] && $run['progress_done'] > $run['progress_total'] ) {
			$run['progress_total'] = $run['progress_done'];
		}
		if ( 'succeeded' === $run['status'] ) {
			$run['progress'] = 100;
		} elseif ( $run['progress_total'] ) {
			// 100% is for a finished run; a running one is at most 99%.
			$run['progress'] = (int) min( 'running' === $run['status'] ? 99 : 100, floor( 100 * $run['progress_done'] / $run['progress_total'] ) );
		}
		return $run;
	}

	public function get_item_schema() {
		if ( $this->schema ) {
			return $this->add_additional_fields_schema( $this->schema );
		}
		$props = array();
		foreach ( array(
			'id'                => 'integer',
			'feed_id'           => 'string',
			'kind'              => 'string',
			'status'            => 'string',
			'requested_by'      => array( 'integer', 'null' ),
			'created_at'        => 'string',
			'started_at'        => array( 'string', 'null' ),
			'finished_at'       => array( 'string', 'null' ),
			'phase'             => 'string',
			'added'             => 'integer',
			'updated'           => 'integer',
			'removed'           => 'integer',
			'unchanged'         => 'integer',
			'quarantined'       => 'integer',
			'field_problems'    => 'integer',
			'errors'            => 'integer',
			'error_message'     => array( 'string', 'null' ),
			'notes'             => array( 'string', 'null' ),
			'progress_total'    => array( 'integer', 'null' ),
			'progress_done'     => 'integer',
			'progress'          => array( 'integer', 'null' ),
			'created_at_local'  => 'string',
			'started_at_local'  => 'string',
			'finished_at_local' => 'string',
		) as $name => $type ) {
			$props[ $name ] = array(
				'type'     => $type,
				'context'  => array( 'view' ),
				'readonly' => true,
			);
		}
		$this->schema = array(
			'$schema'    => 'http://json-schema.org/draft-04/schema#',
			'title'      => 'senw-mls-sync-run',
			'type'       => 'object',
			'properties' => $props,
		);
		return $this->add_additional_fields_schema( $this->schema );
	}
}

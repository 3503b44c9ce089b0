<?php
/**
 * Registers the plugin's REST controllers under senw-crm/v1.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_REST {

	const CONTROLLERS = array(
		'SENW_CRM_REST_Leads_Controller',
		'SENW_CRM_REST_Notes_Controller',
		'SENW_CRM_REST_Agents_Controller',
	);

	public static function register() {
		add_action( 'rest_api_init', array( __CLASS__, 'register_routes' ) );
	}

	/**
	 * A schema property seen in the view and edit contexts.
	 *
	 * @param string|array $type        JSON type(s).
	 * @param string       $description What it is.
	 * @param bool         $readonly    Whether clients may not set it.
	 * @param array        $extra       More schema keywords (enum, format, items).
	 */
	public static function prop( $type, $description, $readonly = false, array $extra = array() ) {
		$prop = array(
			'description' => $description,
			'type'        => $type,
			'context'     => array( 'view', 'edit' ),
		);
		if ( $readonly ) {
			$prop['readonly'] = true;
		}
		return array_merge( $prop, $extra );
	}

	/**
	 * The page and per_page arguments of a list route: integers, page at most
	 * SENW_CRM_Db::MAX_PAGE, per_page at most $max_per_page. Merged over what
	 * WP_REST_Controller::get_collection_params() gives, or used alone.
	 */
	public static function paging_params( array $params = array(), $default_per_page = 20, $max_per_page = 100 ) {
		$params['page']     = array_merge(
			isset( $params['page'] ) ? $params['page'] : array( 'description' => __( 'Current page of the collection.', 'senw-crm' ) ),
			array(
				'type'    => 'integer',
				'default' => 1,
				'minimum' => 1,
				'maximum' => SENW_CRM_Db::MAX_PAGE,
			)
		);
		$params['per_page'] = array_merge(
			isset( $params['per_page'] ) ? $params['per_page'] : array( 'description' => __( 'Maximum number of items to be returned in result set.', 'senw-crm' ) ),
			array(
				'type'    => 'integer',
				'default' => (int) $default_per_page,
				'minimum' => 1,
				'maximum' => (int) $max_per_page,
			)
		);
		return $params;
	}

	/** A collection response with core's X-WP-Total / X-WP-TotalPages headers. */
	public static function collection( array $items, $total, $per_page ) {
		$response = rest_ensure_response( $items );
		$response->header( 'X-WP-Total', (string) (int) $total );
		$response->header( 'X-WP-TotalPages', (string) (int) ceil( $total / max( 1, (int) $per_page ) ) );
		return $response;
	}

	public static function register_routes() {
		foreach ( self::CONTROLLERS as $class ) {
			$controller = new $class();
			$controller->register_routes();
		}
	}
}

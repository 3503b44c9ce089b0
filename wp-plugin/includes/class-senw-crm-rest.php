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

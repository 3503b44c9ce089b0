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

	public static function register_routes() {
		foreach ( self::CONTROLLERS as $class ) {
			$controller = new $class();
			$controller->register_routes();
		}
	}
}

<?php
/**
 * CRM > Properties in wp-admin: the property search (list table) and, with
 * &listing=<ListingKey>, the property page: photos, facts, listing agent and
 * office, open houses, and the leads and deals linked to it that the user may
 * see. Capability: senw_view_properties.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Admin_Properties {

	const SLUG = 'senw-crm-properties';

	/** @var SENW_CRM_Properties_List_Table|null */
	private static $table = null;

	public static function register() {
		add_action( 'admin_menu', array( __CLASS__, 'menu' ), 20 );
		add_filter( 'set-screen-option', array( __CLASS__, 'save_screen_option' ), 10, 3 );
		add_filter( 'set_screen_option_senw_crm_properties_per_page', array( __CLASS__, 'save_screen_option' ), 10, 3 );
	}

	public static function menu() {
		$hook = add_submenu_page(
			'senw-crm',
			__( 'Properties', 'senw-crm' ),
			__( 'Properties', 'senw-crm' ),
			'senw_view_properties',
			self::SLUG,
			array( __CLASS__, 'render' )
		);
		if ( $hook ) {
			add_action( 'load-' . $hook, array( __CLASS__, 'load' ) );
		}
	}

	public static function save_screen_option( $status, $option, $value ) {
		if ( 'senw_crm_properties_per_page' === $option ) {
			return max( 1, min( SENW_CRM_Properties::MAX_PER_PAGE, (int) $value ) );
		}
		return $status;
	}

	public static function load() {
		if ( ! current_user_can( 'senw_view_properties' ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to view properties.', 'senw-crm' ), 403 );
		}
		wp_enqueue_style( 'senw-crm-properties-admin', plugins_url( 'assets/properties-admin.css', SENW_CRM_FILE ), array(), SENW_CRM_VERSION );
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- which screen to show.
		if ( empty( $_GET['listing'] ) ) {
			add_screen_option(
				'per_page',
				array(
					'default' => 20,
					'option'  => 'senw_crm_properties_per_page',
				)
			);
			self::$table = new SENW_CRM_Properties_List_Table();
		}
	}

	/** Admin URL of a property page. */
	public static function property_url( $listing_key, $removed = false ) {
		$args = array(
			'page'    => self::SLUG,
			'listing' => rawurlencode( (string) $listing_key ),
		);
		if ( $removed ) {
			$args['show_removed'] = '1';
		}
		return add_query_arg( $args, admin_url( 'admin.php' ) );
	}

	/** Admin URL of a lead's page (the Leads screens'). */
	public static function lead_url( $lead_id ) {
		return SENW_CRM_Admin::lead_url( $lead_id );
	}

	public static function render() {
		if ( ! current_user_can( 'senw_view_properties' ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to view properties.', 'senw-crm' ), 403 );
		}
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- read-only screen.
		if ( ! empty( $_GET['listing'] ) ) {
			$key          = sanitize_text_field( wp_unslash( $_GET['listing'] ) );
			$show_removed = ! empty( $_GET['show_removed'] ) && current_user_can( 'senw_run_mls_sync' );
			self::render_property( $key, $show_removed );
			return;
		}
		// phpcs:enable
		if ( null === self::$table ) {
			self::$table = new SENW_CRM_Properties_List_Table();
		}
		self::$table->prepare_items();
		SENW_CRM_Properties::template( 'admin-list', array( 'table' => self::$table ) );
	}

	private static function render_property( $listing_key, $show_removed ) {
		$listing = SENW_CRM_Properties::find( $listing_key, false, $show_removed );
		if ( ! $listing ) {
			SENW_CRM_Properties::template( 'admin-not-found', array() );
			return;
		}
		list( $agent, $office ) = SENW_CRM_Properties::agent_and_office( $listing );
		$user_id                = get_current_user_id();
		SENW_CRM_Properties::template(
			'admin-property',
			array(
				'listing'     => $listing,
				'photos'      => SENW_CRM_Properties::photos( $listing['ListingKey'] ),
				'open_houses' => SENW_CRM_Properties::open_houses( $listing['ListingKey'] ),
				'agent'       => $agent,
				'office'      => $office,
				'leads'       => SENW_CRM_Properties::linked_leads( $listing['ListingKey'], $user_id ),
				'deals'       => SENW_CRM_Properties::linked_deals( $listing['ListingKey'], $user_id ),
				'facts'       => SENW_CRM_Properties::facts( $listing ),
				'back_url'    => admin_url( 'admin.php?page=' . self::SLUG ),
			)
		);
	}
}

<?php
/**
 * CRM > Settings: one screen on the Settings API (option group
 * senw_crm_settings) that every part of the CRM adds its sections to. This
 * class registers the brokerage's own facts (name, postal address, commission
 * rate); other modules hook senw_crm_register_settings and call
 * register_setting( SENW_CRM_Settings::GROUP, ... ) and
 * add_settings_section/field( ..., SENW_CRM_Settings::PAGE ).
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Settings {

	const PAGE  = 'senw-crm-settings';
	const GROUP = 'senw_crm_settings';
	const CAP   = 'senw_manage_crm';

	public static function register() {
		if ( ! is_admin() ) {
			return;
		}
		add_action( 'admin_menu', array( __CLASS__, 'menu' ), 20 );
		add_action( 'admin_init', array( __CLASS__, 'settings' ) );
		// options.php checks manage_options by default; CRM admins hold senw_manage_crm instead.
		add_filter( 'option_page_capability_' . self::GROUP, array( __CLASS__, 'capability' ) );
	}

	public static function capability() {
		return self::CAP;
	}

	public static function menu() {
		add_submenu_page( SENW_CRM_Admin::MENU_SLUG, __( 'CRM Settings', 'senw-crm' ), __( 'Settings', 'senw-crm' ), self::CAP, self::PAGE, array( __CLASS__, 'render' ) );
	}

	/** The brokerage's name and postal address (CAN-SPAM) and its commission rate. */
	public static function brokerage_name() {
		$name = (string) get_option( 'senw_crm_brokerage_name', '' );
		return '' !== $name ? $name : (string) get_bloginfo( 'name' );
	}

	public static function brokerage_address() {
		return (string) get_option( 'senw_crm_brokerage_address', '' );
	}

	/** Commission rate as a fraction (0.03 = 3%); the option holds the percentage. */
	public static function commission_rate() {
		return (float) get_option( 'senw_crm_commission_rate', 3 ) / 100;
	}

	public static function settings() {
		register_setting(
			self::GROUP,
			'senw_crm_brokerage_name',
			array(
				'type'              => 'string',
				'sanitize_callback' => 'sanitize_text_field',
				'default'           => '',
			)
		);
		register_setting(
			self::GROUP,
			'senw_crm_brokerage_address',
			array(
				'type'              => 'string',
				'sanitize_callback' => 'sanitize_textarea_field',
				'default'           => '',
			)
		);
		register_setting(
			self::GROUP,
			'senw_crm_commission_rate',
			array(
				'type'              => 'number',
				'sanitize_callback' => array( __CLASS__, 'sanitize_rate' ),
				'default'           => 3,
			)
		);
		add_settings_section( 'senw_crm_brokerage', __( 'Brokerage', 'senw-crm' ), '__return_false', self::PAGE );
		add_settings_field(
			'senw_crm_brokerage_name',
			__( 'Brokerage name', 'senw-crm' ),
			static function () {
				printf( '<input type="text" class="regular-text" id="senw_crm_brokerage_name" name="senw_crm_brokerage_name" value="%s">', esc_attr( (string) get_option( 'senw_crm_brokerage_name', '' ) ) );
			},
			self::PAGE,
			'senw_crm_brokerage',
			array( 'label_for' => 'senw_crm_brokerage_name' )
		);
		add_settings_field(
			'senw_crm_brokerage_address',
			__( 'Postal address', 'senw-crm' ),
			static function () {
				printf( '<textarea class="large-text" rows="3" id="senw_crm_brokerage_address" name="senw_crm_brokerage_address">%s</textarea>', esc_textarea( self::brokerage_address() ) );
				echo '<p class="description">' . esc_html__( 'Printed in every marketing email (CAN-SPAM).', 'senw-crm' ) . '</p>';
			},
			self::PAGE,
			'senw_crm_brokerage',
			array( 'label_for' => 'senw_crm_brokerage_address' )
		);
		add_settings_field(
			'senw_crm_commission_rate',
			__( 'Commission rate (%)', 'senw-crm' ),
			static function () {
				printf( '<input type="number" step="0.01" min="0" max="100" id="senw_crm_commission_rate" name="senw_crm_commission_rate" value="%s">', esc_attr( (string) round( self::commission_rate() * 100, 2 ) ) );
				echo '<p class="description">' . esc_html__( 'A new deal\'s value is the list price times this rate.', 'senw-crm' ) . '</p>';
			},
			self::PAGE,
			'senw_crm_brokerage',
			array( 'label_for' => 'senw_crm_commission_rate' )
		);

		/**
		 * Other CRM modules register their settings and sections here, on
		 * SENW_CRM_Settings::GROUP and SENW_CRM_Settings::PAGE.
		 */
		do_action( 'senw_crm_register_settings' );
	}

	/** A percentage between 0 and 100; anything else keeps the current value. */
	public static function sanitize_rate( $value ) {
		$value = is_numeric( $value ) ? (float) $value : -1;
		if ( $value < 0 || $value > 100 ) {
			add_settings_error( 'senw_crm_commission_rate', 'senw_crm_rate', __( 'The commission rate must be a percentage between 0 and 100.', 'senw-crm' ) );
			return self::commission_rate() * 100;
		}
		return round( $value, 4 );
	}

	public static function render() {
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to change CRM settings.', 'senw-crm' ), 403 );
		}
		echo '<div class="wrap"><h1>' . esc_html__( 'CRM Settings', 'senw-crm' ) . '</h1>';
		settings_errors();
		echo '<form method="post" action="' . esc_url( admin_url( 'options.php' ) ) . '">';
		settings_fields( self::GROUP );
		do_settings_sections( self::PAGE );
		submit_button();
		echo '</form></div>';
	}
}

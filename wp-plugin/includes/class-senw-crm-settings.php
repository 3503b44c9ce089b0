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

		self::lead_capture_settings();
		self::listing_settings();
		self::system_settings();

		/**
		 * Other CRM modules register their settings and sections here, on
		 * SENW_CRM_Settings::GROUP and SENW_CRM_Settings::PAGE. Scoring settings
		 * go in the section SENW_CRM_Settings::SCORING_SECTION, which the
		 * screen shows once a field is added to it.
		 */
		do_action( 'senw_crm_register_settings' );
		global $wp_settings_fields;
		if ( ! empty( $wp_settings_fields[ self::PAGE ][ self::SCORING_SECTION ] ) ) {
			add_settings_section( self::SCORING_SECTION, __( 'Lead scoring', 'senw-crm' ), '__return_false', self::PAGE );
		}
	}

	const SCORING_SECTION = 'senw_crm_scoring';

	/** Every RESO StandardStatus value a listing can have. */
	const STANDARD_STATUSES = array( 'Active', 'Active Under Contract', 'Canceled', 'Closed', 'Coming Soon', 'Delete', 'Expired', 'Hold', 'Incomplete', 'Pending', 'Withdrawn' );

	/** Statuses the public site shows by default: on the market or sold. */
	const DEFAULT_PUBLIC_STATUSES = array( 'Active', 'Coming Soon', 'Active Under Contract', 'Pending', 'Closed' );

	/** StandardStatus values the public site shows (never Delete). */
	public static function public_statuses() {
		$value = get_option( 'senw_crm_public_statuses', self::DEFAULT_PUBLIC_STATUSES );
		$value = is_array( $value ) ? array_values( array_intersect( self::STANDARD_STATUSES, $value ) ) : array();
		$value = array_values( array_diff( $value, array( 'Delete' ) ) );
		return empty( $value ) ? self::DEFAULT_PUBLIC_STATUSES : $value;
	}

	/** ISO 3166 region in which phone numbers without a country code are read. */
	public static function default_region() {
		$region = strtoupper( (string) get_option( 'senw_crm_default_region', 'US' ) );
		return preg_match( '/^[A-Z]{2}$/', $region ) ? $region : 'US';
	}

	/**
	 * Proxies whose X-Forwarded-For the CRM may believe, as CIDR strings
	 * (SENW_CRM_Client_Ip reads it). Empty by default.
	 *
	 * @return string[]
	 */
	public static function trusted_proxies() {
		$value = get_option( 'senw_crm_trusted_proxies', array() );
		return is_array( $value ) ? array_values( array_filter( $value, array( __CLASS__, 'is_cidr' ) ) ) : array();
	}

	/** An IPv4 or IPv6 address, optionally with a /prefix length in range. */
	public static function is_cidr( $value ) {
		$parts = explode( '/', (string) $value, 2 );
		$ip    = $parts[0];
		if ( ! filter_var( $ip, FILTER_VALIDATE_IP ) ) {
			return false;
		}
		if ( ! isset( $parts[1] ) ) {
			return true;
		}
		$max = false !== strpos( $ip, ':' ) ? 128 : 32;
		return ctype_digit( $parts[1] ) && (int) $parts[1] <= $max;
	}

	private static function field( $id, $label, $section, callable $render ) {
		add_settings_field( $id, $label, $render, self::PAGE, $section, array( 'label_for' => $id ) );
	}

	private static function lead_capture_settings() {
		register_setting(
			self::GROUP,
			'senw_crm_consent_text',
			array(
				'type'              => 'string',
				'sanitize_callback' => 'sanitize_textarea_field',
				'default'           => '',
			)
		);
		foreach ( array( 'senw_crm_capture_rate_limit' => array( 0, 5 ), 'senw_crm_capture_rate_window' => array( 1, 60 ) ) as $option => $limits ) {
			register_setting(
				self::GROUP,
				$option,
				array(
					'type'              => 'integer',
					'default'           => $limits[1],
					'sanitize_callback' => static function ( $value ) use ( $option, $limits ) {
						if ( ! is_numeric( $value ) || (int) $value < $limits[0] || (int) $value > 86400 ) {
							add_settings_error( $option, $option, __( 'Rate limits are whole numbers: submissions per window (0 turns the limit off) and a window of 1 to 86400 seconds.', 'senw-crm' ) );
							return (int) get_option( $option, $limits[1] );
						}
						return (int) $value;
					},
				)
			);
		}
		add_settings_section( 'senw_crm_capture', __( 'Lead form', 'senw-crm' ), '__return_false', self::PAGE );
		self::field(
			'senw_crm_consent_text',
			__( 'Consent text', 'senw-crm' ),
			'senw_crm_capture',
			static function () {
				printf( '<textarea class="large-text" rows="4" id="senw_crm_consent_text" name="senw_crm_consent_text" placeholder="%s">%s</textarea>', esc_attr( SENW_CRM_Leads::consent_text_default() ), esc_textarea( (string) get_option( 'senw_crm_consent_text', '' ) ) );
				echo '<p class="description">' . esc_html__( 'Shown next to the consent checkbox and stored word for word with each consent. Name the brokerage. Leave empty for the text shown in grey.', 'senw-crm' ) . '</p>';
			}
		);
		self::field(
			'senw_crm_capture_rate_limit',
			__( 'Submissions per visitor', 'senw-crm' ),
			'senw_crm_capture',
			static function () {
				printf( '<input type="number" min="0" step="1" class="small-text" id="senw_crm_capture_rate_limit" name="senw_crm_capture_rate_limit" value="%d">', (int) get_option( 'senw_crm_capture_rate_limit', 5 ) );
				echo '<p class="description">' . esc_html__( 'Form submissions allowed from one IP address per window; 0 turns the limit off.', 'senw-crm' ) . '</p>';
			}
		);
		self::field(
			'senw_crm_capture_rate_window',
			__( 'Rate window (seconds)', 'senw-crm' ),
			'senw_crm_capture',
			static function () {
				printf( '<input type="number" min="1" max="86400" step="1" class="small-text" id="senw_crm_capture_rate_window" name="senw_crm_capture_rate_window" value="%d">', (int) get_option( 'senw_crm_capture_rate_window', 60 ) );
			}
		);
	}

	private static function listing_settings() {
		register_setting(
			self::GROUP,
			'senw_crm_public_statuses',
			array(
				'type'              => 'array',
				'default'           => self::DEFAULT_PUBLIC_STATUSES,
				'sanitize_callback' => static function ( $value ) {
					$value = is_array( $value ) ? array_values( array_intersect( self::STANDARD_STATUSES, array_map( 'strval', $value ) ) ) : array();
					$value = array_values( array_diff( $value, array( 'Delete' ) ) );
					if ( empty( $value ) ) {
						add_settings_error( 'senw_crm_public_statuses', 'senw_crm_public_statuses', __( 'Choose at least one status for the public site.', 'senw-crm' ) );
						return self::public_statuses();
					}
					return $value;
				},
			)
		);
		add_settings_section( 'senw_crm_listings', __( 'Public listings', 'senw-crm' ), '__return_false', self::PAGE );
		add_settings_field(
			'senw_crm_public_statuses',
			__( 'Statuses shown publicly', 'senw-crm' ),
			static function () {
				$current = self::public_statuses();
				echo '<fieldset id="senw_crm_public_statuses"><legend class="screen-reader-text">' . esc_html__( 'Statuses shown publicly', 'senw-crm' ) . '</legend>';
				foreach ( array_diff( self::STANDARD_STATUSES, array( 'Delete' ) ) as $status ) {
					printf( '<label><input type="checkbox" name="senw_crm_public_statuses[]" value="%1$s"%2$s> %3$s</label><br>', esc_attr( $status ), checked( in_array( $status, $current, true ), true, false ), esc_html( $status ) );
				}
				echo '</fieldset><p class="description">' . esc_html__( 'Listings in these MLS statuses appear in the public search and listing pages (when the MLS allows internet display).', 'senw-crm' ) . '</p>';
			},
			self::PAGE,
			'senw_crm_listings'
		);
	}

	private static function system_settings() {
		register_setting(
			self::GROUP,
			'senw_crm_default_region',
			array(
				'type'              => 'string',
				'default'           => 'US',
				'sanitize_callback' => static function ( $value ) {
					$value = strtoupper( trim( (string) $value ) );
					if ( ! preg_match( '/^[A-Z]{2}$/', $value ) ) {
						add_settings_error( 'senw_crm_default_region', 'senw_crm_default_region', __( 'The default region is a two-letter country code, e.g. US.', 'senw-crm' ) );
						return self::default_region();
					}
					return $value;
				},
			)
		);
		register_setting(
			self::GROUP,
			'senw_crm_trusted_proxies',
			array(
				'type'              => 'array',
				'default'           => array(),
				'sanitize_callback' => static function ( $value ) {
					$lines = is_array( $value ) ? $value : preg_split( '/[\s,]+/', (string) $value );
					$lines = array_values( array_filter( array_map( 'trim', $lines ), 'strlen' ) );
					$bad   = array_diff( $lines, array_filter( $lines, array( __CLASS__, 'is_cidr' ) ) );
					if ( ! empty( $bad ) ) {
						/* translators: %s: the entries that are not addresses */
						add_settings_error( 'senw_crm_trusted_proxies', 'senw_crm_trusted_proxies', sprintf( __( 'Not an IP address or CIDR range: %s. Trusted proxies were not changed.', 'senw-crm' ), implode( ', ', $bad ) ) );
						return self::trusted_proxies();
					}
					return array_values( array_unique( $lines ) );
				},
			)
		);
		add_settings_section( 'senw_crm_system', __( 'Phones and network', 'senw-crm' ), '__return_false', self::PAGE );
		self::field(
			'senw_crm_default_region',
			__( 'Default region', 'senw-crm' ),
			'senw_crm_system',
			static function () {
				printf( '<input type="text" class="small-text" maxlength="2" id="senw_crm_default_region" name="senw_crm_default_region" value="%s">', esc_attr( self::default_region() ) );
				echo '<p class="description">' . esc_html__( 'Two-letter country code: phone numbers without a country code are read, and shown, in this country\'s format.', 'senw-crm' ) . '</p>';
			}
		);
		self::field(
			'senw_crm_trusted_proxies',
			__( 'Trusted proxies', 'senw-crm' ),
			'senw_crm_system',
			static function () {
				printf( '<textarea class="regular-text" rows="3" id="senw_crm_trusted_proxies" name="senw_crm_trusted_proxies" placeholder="10.0.0.0/8">%s</textarea>', esc_textarea( implode( "\n", self::trusted_proxies() ) ) );
				echo '<p class="description">' . esc_html__( 'One IP address or CIDR range per line: load balancers or reverse proxies in front of this site whose X-Forwarded-For header may be believed. Leave empty when visitors reach WordPress directly.', 'senw-crm' ) . '</p>';
			}
		);
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

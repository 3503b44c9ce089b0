<?php
/**
 * CRM > Settings, "Lead scoring" section (CRM admins, the Settings API):
 * engagement weights per event type, the half-life of their decay, the hot
 * and warm thresholds (option senw_crm_scoring, JSON the sidecar reads), and
 * the deal stages (option senw_crm_deal_stages).
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Scoring_Settings {

	const OPTION = 'senw_crm_scoring';

	/** Event type => default weight (sidecar/scoring/engagement.py DEFAULT_WEIGHTS). */
	const WEIGHTS = array(
		'LinkOpened'            => 5,
		'DetailedView'          => 3,
		'Favorited'             => 12,
		'Maybe'                 => 6,
		'Discard'               => -2,
		'ShowingRequested'      => 30,
		'SubmissionOfLeadForm'  => 20,
		'ClickedOnPhoneNumber'  => 10,
		'ClickedOnEmailAddress' => 6,
		'Share'                 => 8,
		'PhotoGallery'          => 1,
		'Search'                => 1,
		'ReturnVisit'           => 6,
		'EmailOpened'           => 2,
		'EmailClicked'          => 5,
		'SessionCompleted'      => 2,
		'ExtendedEngagement'    => 10,
		'Abandonment'           => -5,
	);

	public static function register() {
		add_action( 'senw_crm_register_settings', array( __CLASS__, 'settings' ) );
	}

	public static function current() {
		$raw  = json_decode( (string) get_option( self::OPTION, '' ), true );
		$raw  = is_array( $raw ) ? $raw : array();
		$w    = isset( $raw['weights'] ) && is_array( $raw['weights'] ) ? $raw['weights'] : array();
		$conf = array(
			'weights'        => array(),
			'half_life_days' => isset( $raw['half_life_days'] ) ? (float) $raw['half_life_days'] : 14.0,
			'hot'            => isset( $raw['hot'] ) ? (int) $raw['hot'] : 60,
			'warm'           => isset( $raw['warm'] ) ? (int) $raw['warm'] : 35,
		);
		foreach ( self::WEIGHTS as $type => $default ) {
			$conf['weights'][ $type ] = isset( $w[ $type ] ) ? (float) $w[ $type ] : (float) $default;
		}
		return $conf;
	}

	public static function settings() {
		register_setting(
			SENW_CRM_Settings::GROUP,
			self::OPTION,
			array(
				'type'              => 'string',
				'sanitize_callback' => array( __CLASS__, 'sanitize' ),
				'default'           => '',
			)
		);
		register_setting(
			SENW_CRM_Settings::GROUP,
			SENW_CRM_Deals::STAGES_OPTION,
			array(
				'type'              => 'string',
				'sanitize_callback' => array( 'SENW_CRM_Deals', 'sanitize_stages' ),
				'default'           => '',
			)
		);
		$section = SENW_CRM_Settings::SCORING_SECTION;
		$page    = SENW_CRM_Settings::PAGE;
		add_settings_field( 'senw_crm_scoring_thresholds', __( 'Temperature thresholds', 'senw-crm' ), array( __CLASS__, 'field_thresholds' ), $page, $section );
		add_settings_field( 'senw_crm_scoring_half_life', __( 'Half-life (days)', 'senw-crm' ), array( __CLASS__, 'field_half_life' ), $page, $section, array( 'label_for' => 'senw_crm_scoring_half_life' ) );
		add_settings_field( 'senw_crm_scoring_weights', __( 'Weight per engagement event', 'senw-crm' ), array( __CLASS__, 'field_weights' ), $page, $section );
		add_settings_field( 'senw_crm_deal_stages', __( 'Deal stages', 'senw-crm' ), array( __CLASS__, 'field_stages' ), $page, $section, array( 'label_for' => 'senw_crm_deal_stages' ) );
	}

	public static function field_thresholds() {
		$c = self::current();
		printf( '<label>%1$s <input type="number" min="1" max="100" id="senw_crm_scoring_hot" name="senw_crm_scoring[hot]" value="%2$d"></label> ', esc_html__( 'Hot from', 'senw-crm' ), (int) $c['hot'] );
		printf( '<label>%1$s <input type="number" min="1" max="100" id="senw_crm_scoring_warm" name="senw_crm_scoring[warm]" value="%2$d"></label>', esc_html__( 'Warm from', 'senw-crm' ), (int) $c['warm'] );
	}

	public static function field_half_life() {
		printf( '<input type="number" step="0.5" min="0.5" max="365" id="senw_crm_scoring_half_life" name="senw_crm_scoring[half_life_days]" value="%s"><p class="description">%s</p>', esc_attr( (string) self::current()['half_life_days'] ), esc_html__( 'An event counts half as much after this many days.', 'senw-crm' ) );
	}

	public static function field_weights() {
		echo '<table class="senw-weights" role="presentation">';
		foreach ( self::current()['weights'] as $type => $weight ) {
			printf( '<tr><td><label for="senw-weight-%1$s">%1$s</label></td><td><input type="number" step="0.5" min="-100" max="100" id="senw-weight-%1$s" name="senw_crm_scoring[weights][%1$s]" value="%2$s"></td></tr>', esc_attr( $type ), esc_attr( (string) $weight ) );
		}
		echo '</table>';
	}

	public static function field_stages() {
		$lines = array();
		foreach ( SENW_CRM_Deals::stages() as $key => $label ) {
			if ( ! in_array( $key, SENW_CRM_Deals::CLOSED, true ) ) {
				$lines[] = $key . '|' . $label;
			}
		}
		printf( '<textarea class="large-text code" rows="6" id="senw_crm_deal_stages" name="senw_crm_deal_stages">%s</textarea><p class="description">%s</p>', esc_textarea( implode( "\n", $lines ) ), esc_html__( 'One open stage per line, in pipeline order, as key|Label. Closed won and Closed lost always follow.', 'senw-crm' ) );
	}

	/** The posted array becomes the JSON the sidecar reads; bad values keep the old ones with a message. */
	public static function sanitize( $value ) {
		$old = self::current();
		if ( is_string( $value ) ) {
			// add_option() sanitizes again what update_option() already turned into JSON.
			$value = json_decode( $value, true );
		}
		if ( ! is_array( $value ) ) {
			return wp_json_encode( $old );
		}
		$hot  = isset( $value['hot'] ) ? (int) $value['hot'] : $old['hot'];
		$warm = isset( $value['warm'] ) ? (int) $value['warm'] : $old['warm'];
		if ( $hot < 1 || $hot > 100 || $warm < 1 || $warm >= $hot ) {
			add_settings_error( self::OPTION, 'senw_thresholds', __( 'Temperature thresholds: warm must be at least 1 and below hot; hot at most 100. Kept the previous thresholds.', 'senw-crm' ) );
			$hot  = $old['hot'];
			$warm = $old['warm'];
		}
		$hl = isset( $value['half_life_days'] ) ? (float) $value['half_life_days'] : $old['half_life_days'];
		if ( $hl < 0.5 || $hl > 365 ) {
			add_settings_error( self::OPTION, 'senw_half_life', __( 'Half-life: 0.5 to 365 days. Kept the previous value.', 'senw-crm' ) );
			$hl = $old['half_life_days'];
		}
		$weights = array();
		foreach ( self::WEIGHTS as $type => $default ) {
			$w = isset( $value['weights'][ $type ] ) ? $value['weights'][ $type ] : $old['weights'][ $type ];
			if ( ! is_numeric( $w ) || (float) $w < -100 || (float) $w > 100 ) {
				/* translators: %s: event type */
				add_settings_error( self::OPTION, 'senw_weight_' . $type, sprintf( __( 'Weight of %s: a number from -100 to 100. Kept the previous weight.', 'senw-crm' ), $type ) );
				$w = $old['weights'][ $type ];
			}
			$weights[ $type ] = (float) $w;
		}
		return wp_json_encode(
			array(
				'weights'        => $weights,
				'half_life_days' => $hl,
				'hot'            => $hot,
				'warm'           => $warm,
			)
		);
	}
}

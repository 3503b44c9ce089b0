<?php
/**
 * POST /wp-json/senw-crm/v1/lead-capture: the one public route. Anyone may
 * call it, so the callback itself checks, in this order, a per-IP rate limit,
 * the form's nonce and the honeypot, then validates and stores the raw
 * submission in ONE statement (SENW_CRM_Submissions): a 201 means it is stored
 * whole, a 503 that nothing is. The sidecar, kicked afterwards without
 * waiting, builds or matches the person and lead from it under the identity
 * rules; the submission is safe whether or not the sidecar or Redis is up.
 *
 * JSON callers (the form's script, API clients) get 201 / 400 / 403 / 429 as
 * JSON. A plain HTML form post (it carries senw_return) is answered with a 303
 * back to the page, which shows the same result.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_REST_Capture_Controller extends WP_REST_Controller {

	/** Input fields the route reads; everything else in the body is ignored. */
	const FIELDS = array( 'first_name', 'last_name', 'email', 'phone', 'message', 'listing_key', 'consent' );

	public function __construct() {
		$this->namespace = 'senw-crm/v1';
		$this->rest_base = 'lead-capture';
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
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'create_item' ),
					'permission_callback' => array( $this, 'create_item_permissions_check' ),
					// Validation is the lead validator's, so that every bad field
					// gets its own message in data.errors; args only document.
					'args'                => $this->get_endpoint_args(),
				),
				'schema' => array( $this, 'get_public_item_schema' ),
			)
		);
	}

	/**
	 * Public by design: visitors are anonymous. The nonce, honeypot and rate
	 * limit are checked in create_item() so that each has its own status code.
	 */
	public function create_item_permissions_check( $request ) {
		return true;
	}

	public function create_item( $request ) {
		$redirect = $this->return_url( $request );

		$limit = SENW_CRM_Rate_Limit::hit_client( 'capture', self::rate_limit(), self::rate_window() );
		if ( ! $limit['allowed'] ) {
			$error = new WP_Error(
				'senw_crm_rate_limited',
				__( 'Too many submissions from your network. Please wait a minute and try again.', 'senw-crm' ),
				array( 'status' => 429 )
			);
			$response = $redirect ? $this->redirect_with_errors( $redirect, array( '_form' => $error->get_error_message() ), array() ) : rest_convert_error_to_response( $error );
			$response->header( 'Retry-After', (string) max( 1, (int) $limit['retry_after'] ) );
			return $response;
		}

		if ( ! $this->nonce_ok( $request ) ) {
			$error = new WP_Error(
				'senw_crm_bad_nonce',
				__( 'This form has expired. Please reload the page and submit it again.', 'senw-crm' ),
				array( 'status' => 403 )
			);
			return $redirect ? $this->redirect_with_errors( $redirect, array( '_form' => $error->get_error_message() ), $this->input( $request ) ) : $error;
		}

		$honeypot = $request->get_param( SENW_CRM_Lead_Form::HONEYPOT );
		if ( null !== $honeypot && '' !== $honeypot ) {
			// A bot (whatever it filled the field with): answer as for a person, store nothing.
			return $this->received( $redirect );
		}

		// Source and listing come from the form's signed settings, never from
		// what the browser says (a visitor must not pick their own source).
		$form = SENW_CRM_Lead_Form::read_context( $request->get_param( SENW_CRM_Lead_Form::CONTEXT_FIELD ) );
		list( $input, $type_errors ) = $this->input( $request );
		if ( null !== $form ) {
			unset( $input['listing_key'] );
			if ( '' !== $form['listing_key'] ) {
				$input['listing_key'] = $form['listing_key'];
			}
		}
		unset( $input['source'] );
		list( $clean, $errors ) = SENW_CRM_Lead_Validator::validate( $input, 'capture' );
		$errors = array_merge( $errors, $type_errors );
		if ( ! empty( $errors ) ) {
			if ( $redirect ) {
				return $this->redirect_with_errors( $redirect, $errors, $input + $this->kept_key( $request ) );
			}
			return new WP_Error(
				'senw_crm_invalid_lead',
				__( 'Please correct the highlighted fields.', 'senw-crm' ),
				array(
					'status' => 400,
					'errors' => $errors,
				)
			);
		}
		$listing_key = isset( $clean['listing_key'] ) ? $clean['listing_key'] : '';
		$source      = null !== $form ? $form['source'] : SENW_CRM_Lead_Form::clean_source( '', $listing_key );

		$context = array(
			'source'       => $source,
			'listing_key'  => $listing_key,
			'consent_text' => SENW_CRM_Lead_Form::consent_text(
				array(
					'source'      => $source,
					'listing_key' => $listing_key,
				)
			),
			'ip'           => SENW_CRM_Client_Ip::get(),
			'user_agent'   => substr( (string) $request->get_header( 'user_agent' ), 0, 500 ),
			'source_url'   => substr( $redirect ? $redirect : (string) $request->get_header( 'referer' ), 0, 2000 ),
		);

		// One statement: the raw submission (the sidecar builds the lead from it).
		add_filter( 'pre_get_table_charset', array( __CLASS__, 'crm_table_charset' ), 10, 2 );
		add_filter( 'pre_get_col_charset', array( __CLASS__, 'crm_table_charset' ), 10, 2 );
		$stored = SENW_CRM_Submissions::store( $clean, $context, $request->get_param( SENW_CRM_Lead_Form::KEY_FIELD ) );
		remove_filter( 'pre_get_table_charset', array( __CLASS__, 'crm_table_charset' ), 10 );
		remove_filter( 'pre_get_col_charset', array( __CLASS__, 'crm_table_charset' ), 10 );
		if ( is_wp_error( $stored ) ) {
			// Nothing was stored: say so plainly, with 503 so that clients retry
			// (with the same submission key, so a retry is never a duplicate).
			$error = new WP_Error(
				'senw_crm_capture_failed',
				__( 'Sorry, we could not save your request. Please try again in a moment.', 'senw-crm' ),
				array( 'status' => 503 )
			);
			if ( $redirect ) {
				return $this->redirect_with_errors( $redirect, array( '_form' => $error->get_error_message() ), $input + $this->kept_key( $request ) );
			}
			$response = rest_convert_error_to_response( $error );
			$response->header( 'Retry-After', '2' );
			return $response;
		}
		if ( ! $stored['repeat'] ) {
			SENW_CRM_Sidecar::kick_submission( $stored['id'] );
		}
		// With consent, this device will be recognised as whoever the sidecar
		// matches the submission to (never read back here: identity stays the
		// form's own matching).
		SENW_CRM_Visitor::remember_submission( $stored['key'], ! empty( $clean['consent'] ) );
		return $this->received( $redirect, 201, $stored['key'] );
	}

	/** The submission key to keep in a form sent back with errors. */
	private function kept_key( $request ) {
		$key = SENW_CRM_Submissions::clean_key( $request->get_param( SENW_CRM_Lead_Form::KEY_FIELD ) );
		return null === $key ? array() : array( SENW_CRM_Lead_Form::KEY_FIELD => $key );
	}

	/**
	 * The CRM tables are utf8mb4 (sql/), so $wpdb need not ask MySQL with a
	 * SHOW FULL COLUMNS per table on every insert: eight queries of the
	 * capture's thirty-five. Both filters are needed: with the table's
	 * charset alone, wpdb::get_col_charset() reads an unset array key.
	 * Values were length-checked by the validator; MySQL's strict mode
	 * refuses anything that still does not fit.
	 */
	public static function crm_table_charset( $charset, $table ) {
		global $wpdb;
		return ( null === $charset && 0 === strpos( (string) $table, $wpdb->prefix . 'senw_' ) ) ? 'utf8mb4' : $charset;
	}

	/**
	 * Stores the lead form's settings as autoloaded options (on activation),
	 * so the public route reads them from the options WordPress loads anyway
	 * instead of one query each. Existing values are kept.
	 */
	public static function add_options() {
		add_option( 'senw_crm_capture_rate_limit', 5, '', 'yes' );
		add_option( 'senw_crm_capture_rate_window', 60, '', 'yes' );
		add_option( 'senw_crm_consent_text', '', '', 'yes' ); // '' = SENW_CRM_Leads::consent_text()'s default.
	}

	/** Submissions allowed per IP and window: option senw_crm_capture_rate_limit (default 5), filterable; 0 turns it off. */
	public static function rate_limit() {
		return (int) apply_filters( 'senw_crm_capture_rate_limit', (int) get_option( 'senw_crm_capture_rate_limit', 5 ) );
	}

	/** Window length in seconds: option senw_crm_capture_rate_window (default 60), filterable. */
	public static function rate_window() {
		return (int) apply_filters( 'senw_crm_capture_rate_window', (int) get_option( 'senw_crm_capture_rate_window', 60 ) );
	}

	/**
	 * The capture nonce travels as senw_nonce (body) or X-SENW-Capture-Nonce
	 * (header), not as _wpnonce / X-WP-Nonce: core reads those as a wp_rest
	 * nonce on every cookie-carrying request and rejects any other action.
	 */
	private function nonce_ok( $request ) {
		$nonce = $request->get_param( SENW_CRM_Lead_Form::NONCE_FIELD );
		if ( null === $nonce || '' === $nonce ) {
			$nonce = $request->get_header( 'x_senw_capture_nonce' );
		}
		return is_string( $nonce ) && '' !== $nonce && false !== wp_verify_nonce( $nonce, SENW_CRM_Lead_Form::NONCE_ACTION );
	}

	/**
	 * The fields the validator gets, as strings; a field sent as anything but
	 * text (an array, an object) gets its own message.
	 *
	 * @return array{0: array, 1: array} array( $input, $errors ).
	 */
	private function input( $request ) {
		$input  = array();
		$errors = array();
		foreach ( self::FIELDS as $field ) {
			$value = $request->get_param( $field );
			if ( null === $value ) {
				continue;
			}
			if ( is_scalar( $value ) ) {
				$input[ $field ] = (string) $value;
			} else {
				$errors[ $field ] = __( 'This field must be text.', 'senw-crm' );
			}
		}
		return array( $input, $errors );
	}

	/** Where a plain form post returns to: a URL on this site, or null for JSON callers. */
	private function return_url( $request ) {
		$url = $request->get_param( SENW_CRM_Lead_Form::RETURN_FIELD );
		if ( ! is_string( $url ) || '' === $url ) {
			return null;
		}
		$url = wp_validate_redirect( esc_url_raw( $url ), home_url( '/' ) );
		return remove_query_arg( SENW_CRM_Lead_Form::RESULT_ARG, $url );
	}

	private function received( $redirect, $status = 201, $key = '' ) {
		if ( $redirect ) {
			return $this->redirect( add_query_arg( SENW_CRM_Lead_Form::RESULT_ARG, 'ok', $redirect ) );
		}
		$body = array(
			'status'  => 'received',
			'message' => __( 'Thank you! Your request has been received. An agent will contact you shortly.', 'senw-crm' ),
		);
		if ( '' !== $key ) {
			$body['submission_key'] = $key;
		}
		return new WP_REST_Response( $body, $status );
	}

	private function redirect_with_errors( $redirect, array $errors, array $values ) {
		unset( $values[ SENW_CRM_Lead_Form::HONEYPOT ] );
		$handle = SENW_CRM_Lead_Form::keep_result( $errors, $values );
		return $this->redirect( add_query_arg( SENW_CRM_Lead_Form::RESULT_ARG, $handle, $redirect ) );
	}

	private function redirect( $url ) {
		$response = new WP_REST_Response( null, 303 );
		$response->header( 'Location', $url . '#senw-lead-form-1-wrap' );
		return $response;
	}

	public function get_item_schema() {
		if ( $this->schema ) {
			return $this->add_additional_fields_schema( $this->schema );
		}
		$string       = static function ( $description, $extra = array() ) {
			return array_merge(
				array(
					'description' => $description,
					'type'        => 'string',
					'context'     => array( 'edit' ),
				),
				$extra
			);
		};
		$this->schema = array(
			'$schema'    => 'http://json-schema.org/draft-04/schema#',
			'title'      => 'senw-lead-capture',
			'type'       => 'object',
			'properties' => array(
				'first_name'  => $string( __( 'First name.', 'senw-crm' ) ),
				'last_name'   => $string( __( 'Last name.', 'senw-crm' ) ),
				'email'       => $string( __( 'Email address.', 'senw-crm' ), array( 'format' => 'email' ) ),
				'phone'       => $string( __( 'Phone number.', 'senw-crm' ) ),
				'message'     => $string( __( 'The visitor\'s message.', 'senw-crm' ) ),
				'listing_key' => $string( __( 'RESO ListingKey of the property of interest.', 'senw-crm' ) ),
				'senw_form'   => $string( __( 'The form\'s signed settings (source and listing), as rendered; without it the source is website, or listing_inquiry with a listing_key.', 'senw-crm' ) ),
				'senw_submission' => $string( __( 'A UUID for this filled-in form, sent again unchanged on a retry so that the retry is not stored twice.', 'senw-crm' ), array( 'format' => 'uuid' ) ),
				'consent'     => $string( __( '1 when the visitor ticked the consent box.', 'senw-crm' ) ),
				'senw_nonce'  => $string( __( 'Nonce for the action senw_lead_capture (or header X-SENW-Capture-Nonce).', 'senw-crm' ) ),
				'senw_return' => $string( __( 'Plain form posts only: the page to return to with the result.', 'senw-crm' ), array( 'format' => 'uri' ) ),
			),
		);
		return $this->add_additional_fields_schema( $this->schema );
	}

	/** Documented but unchecked args: see register_routes(). */
	private function get_endpoint_args() {
		$args = array();
		foreach ( $this->get_item_schema()['properties'] as $name => $property ) {
			$args[ $name ] = array( 'description' => $property['description'] );
		}
		return $args;
	}
}

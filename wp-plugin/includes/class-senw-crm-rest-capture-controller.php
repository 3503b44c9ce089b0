<?php
/**
 * POST /wp-json/senw-crm/v1/lead-capture: the one public route. Anyone may
 * call it, so the callback itself checks, in this order, a per-IP rate limit
 * (REMOTE_ADDR only), the form's nonce and the honeypot, then validates and
 * stores the lead with its consent and outbox row in one transaction. The
 * sidecar is only kicked afterwards, without waiting: the lead is safe in the
 * database whether or not the sidecar or Redis is up.
 *
 * JSON callers (the form's script, API clients) get 201 / 400 / 403 / 429 as
 * JSON. A plain HTML form post (it carries senw_return) is answered with a 303
 * back to the page, which shows the same result.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_REST_Capture_Controller extends WP_REST_Controller {

	/** Input fields the route reads; everything else in the body is ignored. */
	const FIELDS = array( 'first_name', 'last_name', 'email', 'phone', 'message', 'listing_key', 'source', 'consent' );

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

		$limit = SENW_CRM_Rate_Limit::hit( 'capture:' . SENW_CRM_Db::remote_addr(), self::rate_limit(), self::rate_window() );
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

		if ( '' !== (string) $request->get_param( SENW_CRM_Lead_Form::HONEYPOT ) ) {
			// A bot: answer exactly as for a person, store nothing.
			return $this->received( $redirect );
		}

		$input = $this->input( $request );
		list( $clean, $errors ) = SENW_CRM_Lead_Validator::validate( $input, 'capture' );
		if ( ! empty( $errors ) ) {
			if ( $redirect ) {
				return $this->redirect_with_errors( $redirect, $errors, $input );
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

		$context = array(
			'consent_text' => SENW_CRM_Lead_Form::consent_text(
				array(
					'source'      => $clean['source'],
					'listing_key' => isset( $clean['listing_key'] ) ? $clean['listing_key'] : '',
				)
			),
			'ip'           => SENW_CRM_Db::remote_addr(),
			'user_agent'   => substr( (string) $request->get_header( 'user_agent' ), 0, 500 ),
			'source_url'   => substr( $redirect ? $redirect : (string) $request->get_header( 'referer' ), 0, 2000 ),
		);

		// One transaction (person, lead, consent, outbox row); create() then
		// kicks the sidecar without waiting for it.
		add_filter( 'pre_get_table_charset', array( __CLASS__, 'crm_table_charset' ), 10, 2 );
		add_filter( 'pre_get_col_charset', array( __CLASS__, 'crm_table_charset' ), 10, 2 );
		$lead_id = SENW_CRM_Leads::create( $clean, 0, $context ); // A visitor, even when logged in.
		remove_filter( 'pre_get_table_charset', array( __CLASS__, 'crm_table_charset' ), 10 );
		remove_filter( 'pre_get_col_charset', array( __CLASS__, 'crm_table_charset' ), 10 );
		if ( is_wp_error( $lead_id ) ) {
			// Nothing was stored (the transaction rolled back): say so plainly,
			// keeping 503 for a busy database so that clients know to retry.
			$data  = $lead_id->get_error_data();
			$error = new WP_Error(
				'senw_crm_capture_failed',
				__( 'Sorry, we could not save your request. Please try again in a moment.', 'senw-crm' ),
				array( 'status' => is_array( $data ) && isset( $data['status'] ) && 503 === (int) $data['status'] ? 503 : 500 )
			);
			return $redirect ? $this->redirect_with_errors( $redirect, array( '_form' => $error->get_error_message() ), $input ) : $error;
		}

		return $this->received( $redirect, 201 );
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

	/** The fields the validator gets, as strings (arrays and objects become ''). */
	private function input( $request ) {
		$input = array();
		foreach ( self::FIELDS as $field ) {
			$value = $request->get_param( $field );
			if ( null === $value ) {
				continue;
			}
			$input[ $field ] = is_scalar( $value ) ? (string) $value : '';
		}
		return $input;
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

	private function received( $redirect, $status = 201 ) {
		if ( $redirect ) {
			return $this->redirect( add_query_arg( SENW_CRM_Lead_Form::RESULT_ARG, 'ok', $redirect ) );
		}
		return new WP_REST_Response(
			array(
				'status'  => 'received',
				'message' => __( 'Thank you! Your request has been received. An agent will contact you shortly.', 'senw-crm' ),
			),
			$status
		);
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
				'source'      => $string( __( 'Where the lead came from (website, listing_inquiry, open_house, ...).', 'senw-crm' ) ),
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

<?php
/**
 * The public lead form: shortcode [senw_lead_form] and the dynamic block
 * senw-crm/lead-form render the same markup, which posts to the public REST
 * route senw-crm/v1/lead-capture (SENW_CRM_REST_Capture_Controller) by fetch
 * when JavaScript runs and as a plain form POST when it does not.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Lead_Form {

	const NONCE_ACTION = 'senw_lead_capture';
	const NONCE_FIELD  = 'senw_nonce';
	const HONEYPOT     = 'senw_hp';
	const RETURN_FIELD = 'senw_return';
	const RESULT_ARG   = 'senw_lead';
	// The form's own settings (source, listing), signed so a visitor cannot change them.
	const CONTEXT_FIELD = 'senw_form';
	// A UUID per filled-in form, kept across retries: a resubmission is recognised.
	const KEY_FIELD = 'senw_submission';

	/** @var int Forms rendered in this request, for unique element ids. */
	private static $instances = 0;

	public static function register() {
		add_shortcode( 'senw_lead_form', array( __CLASS__, 'shortcode' ) );
		add_action( 'init', array( __CLASS__, 'register_block' ) );
		add_action( 'wp_enqueue_scripts', array( __CLASS__, 'register_assets' ) );
	}

	public static function register_assets() {
		wp_register_style( 'senw-crm-lead-form', plugins_url( 'assets/lead-form.css', SENW_CRM_FILE ), array(), SENW_CRM_VERSION );
		wp_register_script( 'senw-crm-lead-form', plugins_url( 'assets/lead-form.js', SENW_CRM_FILE ), array(), SENW_CRM_VERSION, true );
	}

	/** A dynamic block, rendered by PHP with the shortcode's markup. */
	public static function register_block() {
		if ( ! function_exists( 'register_block_type' ) ) {
			return;
		}
		// Editor only: sidebar settings and a server-rendered preview.
		wp_register_script(
			'senw-crm-lead-form-block',
			plugins_url( 'blocks/lead-form/editor.js', SENW_CRM_FILE ),
			array( 'wp-blocks', 'wp-element', 'wp-block-editor', 'wp-components', 'wp-server-side-render', 'wp-i18n' ),
			SENW_CRM_VERSION,
			true
		);
		register_block_type(
			'senw-crm/lead-form',
			array(
				'api_version'     => 2,
				'title'           => __( 'SENW lead form', 'senw-crm' ),
				'category'        => 'widgets',
				'icon'            => 'email-alt',
				'description'     => __( 'A contact form whose submissions become CRM leads.', 'senw-crm' ),
				'attributes'      => array(
					'listingKey' => array(
						'type'    => 'string',
						'default' => '',
					),
					'title'      => array(
						'type'    => 'string',
						'default' => '',
					),
					'source'     => array(
						'type'    => 'string',
						'default' => '',
					),
				),
				'render_callback' => array( __CLASS__, 'render_block' ),
				'editor_script'   => 'senw-crm-lead-form-block',
			)
		);
	}

	public static function render_block( $attributes ) {
		return self::shortcode(
			array(
				'listing_key' => isset( $attributes['listingKey'] ) ? $attributes['listingKey'] : '',
				'title'       => isset( $attributes['title'] ) ? $attributes['title'] : '',
				'source'      => isset( $attributes['source'] ) ? $attributes['source'] : '',
			)
		);
	}

	/**
	 * Fields the visitor fills, in display order: name => [label, input type,
	 * autocomplete token, required].
	 */
	public static function fields() {
		return array(
			'first_name' => array( __( 'First name', 'senw-crm' ), 'text', 'given-name', true ),
			'last_name'  => array( __( 'Last name', 'senw-crm' ), 'text', 'family-name', true ),
			// Email or phone: the validator asks for at least one of them.
			'email'      => array( __( 'Email', 'senw-crm' ), 'email', 'email', false ),
			'phone'      => array( __( 'Phone', 'senw-crm' ), 'tel', 'tel', false ),
			'message'    => array( __( 'Message', 'senw-crm' ), 'textarea', 'off', false ),
		);
	}

	/**
	 * The consent text shown next to the checkbox. The capture route computes it
	 * again from the same context, so what is stored is exactly what was shown,
	 * never a copy the browser sent.
	 *
	 * @param array $context source and listing_key of the form.
	 */
	public static function consent_text( $context = array() ) {
		$default = SENW_CRM_Leads::consent_text();
		/**
		 * Filters the consent text of the public lead form (stored verbatim with each lead).
		 *
		 * @param string $text    The text.
		 * @param array  $context 'source' and 'listing_key' of the form.
		 */
		return (string) apply_filters( 'senw_crm_consent_text', $default, $context );
	}

	/** Lower-case letters, digits and underscores only: a source is a short code. */
	public static function clean_source( $source, $listing_key = '' ) {
		$source = strtolower( preg_replace( '/[^A-Za-z0-9_]/', '', (string) $source ) );
		if ( '' === $source ) {
			$source = '' !== (string) $listing_key ? 'listing_inquiry' : 'website';
		}
		return substr( $source, 0, 50 );
	}

	/** The form's source and listing, signed with a site secret: "payload.hmac". */
	public static function sign_context( $source, $listing_key ) {
		$payload = rtrim( strtr( base64_encode( wp_json_encode( array( (string) $source, (string) $listing_key ) ) ), '+/', '-_' ), '=' ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- a URL-safe token, not obfuscation.
		return $payload . '.' . hash_hmac( 'sha256', $payload, wp_salt( 'nonce' ) . '|senw_form' );
	}

	/**
	 * The source and listing a signed token carries, or null when the token is
	 * missing or was altered.
	 *
	 * @return array{source: string, listing_key: string}|null
	 */
	public static function read_context( $token ) {
		if ( ! is_string( $token ) || false === strpos( $token, '.' ) ) {
			return null;
		}
		list( $payload, $mac ) = explode( '.', $token, 2 );
		if ( ! hash_equals( hash_hmac( 'sha256', $payload, wp_salt( 'nonce' ) . '|senw_form' ), $mac ) ) {
			return null;
		}
		$data = json_decode( (string) base64_decode( strtr( $payload, '-_', '+/' ), true ), true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- see sign_context().
		if ( ! is_array( $data ) || 2 !== count( $data ) || ! is_string( $data[0] ) || ! is_string( $data[1] ) ) {
			return null;
		}
		return array(
			'source'      => self::clean_source( $data[0], $data[1] ),
			'listing_key' => $data[1],
		);
	}

	public static function shortcode( $atts ) {
		$atts = shortcode_atts(
			array(
				'listing_key' => '',
				'title'       => '',
				'source'      => '',
			),
			$atts,
			'senw_lead_form'
		);

		self::$instances++;
		$listing_key = substr( sanitize_text_field( $atts['listing_key'] ), 0, 255 );
		$source      = self::clean_source( $atts['source'], $listing_key );
		$context     = array(
			'source'      => $source,
			'listing_key' => $listing_key,
		);

		// A plain (no JavaScript) submission comes back here with its result.
		$result = array(
			'state'  => '',
			'errors' => array(),
			'values' => array(),
		);
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only: reads a one-time result handle.
		$handle = isset( $_GET[ self::RESULT_ARG ] ) ? sanitize_key( wp_unslash( $_GET[ self::RESULT_ARG ] ) ) : '';
		if ( 1 === self::$instances && '' !== $handle ) {
			$result = self::take_result( $handle );
		}

		wp_enqueue_style( 'senw-crm-lead-form' );
		wp_enqueue_script( 'senw-crm-lead-form' );

		return self::template(
			'lead-form',
			array(
				'form_id'      => 'senw-lead-form-' . self::$instances,
				'action'       => rest_url( 'senw-crm/v1/lead-capture' ),
				'title'        => '' !== $atts['title'] ? $atts['title'] : __( 'Contact an agent', 'senw-crm' ),
				'fields'       => self::fields(),
				'listing_key'  => $listing_key,
				'source'       => $source,
				'consent_text' => self::consent_text( $context ),
				'capture_nonce' => wp_create_nonce( self::NONCE_ACTION ),
				'form_context' => self::sign_context( $source, $listing_key ),
				'submission_key' => isset( $result['values'][ self::KEY_FIELD ] ) && SENW_CRM_Submissions::clean_key( $result['values'][ self::KEY_FIELD ] ) ? $result['values'][ self::KEY_FIELD ] : wp_generate_uuid4(),
				// Keeps a logged-in visitor themselves on the REST route (core
				// checks _wpnonce as a wp_rest nonce whenever cookies are sent).
				'rest_nonce'   => wp_create_nonce( 'wp_rest' ),
				'return_url'   => self::current_url(),
				'result'       => $result,
			)
		);
	}

	/** The page's URL without a previous result handle. */
	private static function current_url() {
		$uri = isset( $_SERVER['REQUEST_URI'] ) ? esc_url_raw( wp_unslash( $_SERVER['REQUEST_URI'] ) ) : '/';
		return remove_query_arg( self::RESULT_ARG, home_url( $uri ) );
	}

	/**
	 * Keeps a failed plain submission's errors and values for the page it
	 * returns to (two minutes, read once: it holds what the visitor typed),
	 * and returns the handle for the URL.
	 */
	public static function keep_result( array $errors, array $values ) {
		$handle = strtolower( wp_generate_password( 20, false, false ) );
		set_transient(
			'senw_crm_form_' . $handle,
			array(
				'errors' => $errors,
				'values' => $values,
			),
			2 * MINUTE_IN_SECONDS
		);
		return $handle;
	}

	/** The result of a plain submission, by the handle in the URL. */
	private static function take_result( $handle ) {
		if ( 'ok' === $handle ) {
			return array(
				'state'  => 'ok',
				'errors' => array(),
				'values' => array(),
			);
		}
		$kept = get_transient( 'senw_crm_form_' . $handle );
		if ( ! is_array( $kept ) ) {
			return array(
				'state'  => '',
				'errors' => array(),
				'values' => array(),
			);
		}
		delete_transient( 'senw_crm_form_' . $handle );
		return array(
			'state'  => 'error',
			'errors' => isset( $kept['errors'] ) ? (array) $kept['errors'] : array(),
			'values' => isset( $kept['values'] ) ? (array) $kept['values'] : array(),
		);
	}

	/**
	 * Renders wp-plugin/templates/{$name}.php with $vars in scope and returns it.
	 * The plugin's one template loader (admin screens use it too).
	 */
	public static function template( $name, array $vars ) {
		$file = SENW_CRM_DIR . '/templates/' . $name . '.php';
		ob_start();
		( static function () use ( $file, $vars ) {
			extract( $vars, EXTR_SKIP ); // phpcs:ignore WordPress.PHP.DontExtract -- template scope.
			require $file;
		} )();
		return ob_get_clean();
	}
}

<?php
/**
 * Validates and cleans lead input from the public form, the admin screens and
 * the REST API. One clear message per bad field. Values are stored as typed:
 * names and messages only lose control characters (no tag stripping; output is
 * escaped where it is printed), emails are trimmed and lower-cased, phones are
 * kept raw next to an E.164 guess used for matching (the sidecar re-normalizes
 * authoritatively with the phonenumbers package).
 *
 * Input must already be unslashed (wp_unslash( $_POST ) in form handlers; REST
 * parameters are unslashed by WordPress).
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Lead_Validator {

	const STATUSES     = array( 'new', 'contacted', 'qualified', 'nurturing', 'appointment_set', 'converted', 'lost' );
	const TEMPERATURES = array( 'hot', 'warm', 'cold' );
	const SOURCES      = array( 'website', 'listing_inquiry', 'manual', 'import', 'referral', 'open_house' );

	const NAME_MAX    = 100;
	const EMAIL_MAX   = 254;
	const MESSAGE_MAX = 5000;

	/**
	 * @param array  $input   Unslashed input (field => value).
	 * @param string $context 'capture' (public form), 'admin' or 'rest'.
	 * @param bool   $partial True for an update: only the fields present are checked.
	 * @return array{0: array, 1: array} array( $clean, $errors ) with $errors field => message.
	 */
	public static function validate( array $input, $context = 'capture', $partial = false ) {
		$clean  = array();
		$errors = array();
		$given  = static function ( $field ) use ( $input ) {
			return array_key_exists( $field, $input ) && null !== $input[ $field ];
		};

		$names = array(
			'first_name' => __( 'First name', 'senw-crm' ),
			'last_name'  => __( 'Last name', 'senw-crm' ),
		);
		foreach ( $names as $field => $label ) {
			if ( $partial && ! $given( $field ) ) {
				continue;
			}
			$value = self::single_line( $given( $field ) ? $input[ $field ] : '' );
			if ( null === $value ) {
				/* translators: %s: field label */
				$errors[ $field ] = sprintf( __( '%s must be plain text.', 'senw-crm' ), $label );
			} elseif ( '' === $value ) {
				/* translators: %s: field label */
				$errors[ $field ] = sprintf( __( '%s is required.', 'senw-crm' ), $label );
			} elseif ( mb_strlen( $value ) > self::NAME_MAX ) {
				/* translators: 1: field label, 2: maximum length */
				$errors[ $field ] = sprintf( __( '%1$s must be at most %2$d characters.', 'senw-crm' ), $label, self::NAME_MAX );
			} else {
				$clean[ $field ] = $value;
			}
		}

		// Email: optional on its own, but a lead needs an email or a phone.
		$email = $given( 'email' ) ? self::single_line( $input['email'] ) : '';
		if ( null === $email ) {
			$errors['email'] = __( 'Email address must be plain text.', 'senw-crm' );
		} elseif ( '' !== $email ) {
			$email = mb_strtolower( $email );
			if ( strlen( $email ) > self::EMAIL_MAX ) {
				/* translators: %d: maximum length */
				$errors['email'] = sprintf( __( 'Email address must be at most %d characters.', 'senw-crm' ), self::EMAIL_MAX );
			} elseif ( ! is_email( $email ) ) {
				$errors['email'] = __( 'Enter a valid email address, like name@example.com.', 'senw-crm' );
			} else {
				$clean['email'] = $email;
			}
		}

		$phone = $given( 'phone' ) ? self::single_line( $input['phone'] ) : '';
		if ( null === $phone ) {
			$errors['phone'] = __( 'Phone number must be plain text.', 'senw-crm' );
		} elseif ( '' !== $phone ) {
			$e164 = self::phone_e164( $phone );
			if ( null === $e164 ) {
				$errors['phone'] = __( 'Enter a valid phone number: 7 to 20 digits, optionally starting with + and separated by spaces, dots, dashes or parentheses.', 'senw-crm' );
			} else {
				$clean['phone']      = $phone;
				$clean['phone_e164'] = $e164;
				// Matched on only when normalized exactly as the sidecar does.
				$clean['phone_exact'] = null !== SENW_CRM_Phone::e164( $phone, SENW_CRM_Settings::default_region() );
			}
		}

		if ( ! $partial && '' === $email && '' === $phone ) {
			$errors['email'] = __( 'Enter an email address or a phone number so we can reach you.', 'senw-crm' );
			$errors['phone'] = __( 'Enter a phone number or an email address so we can reach you.', 'senw-crm' );
		}

		if ( $given( 'message' ) ) {
			$message = self::multi_line( $input['message'] );
			if ( null === $message ) {
				$errors['message'] = __( 'Message must be plain text.', 'senw-crm' );
			} elseif ( mb_strlen( $message ) > self::MESSAGE_MAX ) {
				/* translators: %d: maximum length */
				$errors['message'] = sprintf( __( 'Message must be at most %d characters.', 'senw-crm' ), self::MESSAGE_MAX );
			} else {
				$clean['message'] = $message;
			}
		}

		if ( $given( 'listing_key' ) ) {
			$key = self::single_line( $input['listing_key'] );
			if ( null === $key || ( '' !== $key && ! preg_match( '/^[A-Za-z0-9_-]{1,255}$/', $key ) ) ) {
				$errors['listing_key'] = __( 'Listing key may contain only letters, digits, dashes and underscores (at most 255).', 'senw-crm' );
			} elseif ( '' !== $key ) {
				$clean['listing_key'] = $key;
			} elseif ( $partial ) {
				$clean['listing_key'] = null;
			}
		}

		$consent = $given( 'consent' ) ? self::truthy( $input['consent'] ) : false;
		if ( 'capture' === $context && ! $partial && ! $consent ) {
			$errors['consent'] = __( 'Please tick the box to agree to be contacted.', 'senw-crm' );
		}
		if ( ! $partial || $given( 'consent' ) ) {
			$clean['consent'] = $consent;
		}

		$lists = array(
			'status'      => array( self::STATUSES, __( 'Status', 'senw-crm' ) ),
			'temperature' => array( self::TEMPERATURES, __( 'Temperature', 'senw-crm' ) ),
			'source'      => array( self::SOURCES, __( 'Source', 'senw-crm' ) ),
		);
		foreach ( $lists as $field => $spec ) {
			if ( ! $given( $field ) || '' === $input[ $field ] ) {
				continue;
			}
			// The public form never sets these; its lead is new and from the website.
			if ( 'capture' === $context && 'source' !== $field ) {
				continue;
			}
			$value = is_string( $input[ $field ] ) ? strtolower( trim( $input[ $field ] ) ) : '';
			if ( ! in_array( $value, $spec[0], true ) ) {
				/* translators: 1: field label, 2: allowed values */
				$errors[ $field ] = sprintf( __( '%1$s must be one of: %2$s.', 'senw-crm' ), $spec[1], implode( ', ', $spec[0] ) );
			} else {
				$clean[ $field ] = $value;
			}
		}
		if ( ! $partial ) {
			$clean += array(
				'status'      => 'new',
				'temperature' => 'cold',
				'source'      => 'capture' === $context ? ( isset( $clean['listing_key'] ) ? 'listing_inquiry' : 'website' ) : 'manual',
			);
		}

		if ( 'capture' !== $context && $given( 'agent_id' ) && '' !== $input['agent_id'] ) {
			$agent = $input['agent_id'];
			if ( ( is_int( $agent ) || ( is_string( $agent ) && ctype_digit( $agent ) ) ) && (int) $agent > 0 && get_userdata( (int) $agent ) ) {
				$clean['agent_id'] = (int) $agent;
			} else {
				$errors['agent_id'] = __( 'Agent must be an existing user.', 'senw-crm' );
			}
		}

		return array( $clean, $errors );
	}

	/**
	 * The E.164 form of a phone number: exactly the sidecar's where
	 * SENW_CRM_Phone can tell (North American numbers), otherwise "+" and the
	 * digits as typed (kept, never matched on; the sidecar normalizes it).
	 * Null when the input is not a phone number at all.
	 */
	public static function phone_e164( $phone ) {
		if ( ! SENW_CRM_Phone::plausible( $phone ) ) {
			return null;
		}
		$exact = SENW_CRM_Phone::e164( $phone, SENW_CRM_Settings::default_region() );
		return null !== $exact ? $exact : SENW_CRM_Phone::guess( $phone );
	}

	/** Text on one line: control characters become spaces; null when not a string or not UTF-8. */
	public static function single_line( $value ) {
		if ( is_int( $value ) || is_float( $value ) ) {
			$value = (string) $value;
		}
		if ( ! is_string( $value ) || ! preg_match( '//u', $value ) ) {
			return null;
		}
		return trim( preg_replace( '/[\x00-\x1F\x7F]+/u', ' ', $value ) );
	}

	/** Text keeping line breaks and tabs; other control characters are removed. */
	public static function multi_line( $value ) {
		if ( ! is_string( $value ) || ! preg_match( '//u', $value ) ) {
			return null;
		}
		$value = str_replace( "\r\n", "\n", $value );
		return trim( preg_replace( '/[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/u', '', $value ) );
	}

	private static function truthy( $value ) {
		if ( is_bool( $value ) ) {
			return $value;
		}
		return is_scalar( $value ) && in_array( strtolower( (string) $value ), array( '1', 'on', 'yes', 'true' ), true );
	}
}

<?php
/**
 * Phone numbers as people read them: stored as E.164 (+15035550100), shown in
 * the national format of the CRM's default region ((503) 555-0100 for the
 * US and Canada), and in international form for other countries.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Phone {

	/** Regions of the North American Numbering Plan that read +1 numbers nationally. */
	const NANP = array( 'US', 'CA', 'PR', 'GU', 'VI', 'AS', 'MP' );

	public static function display( $e164 ) {
		$e164 = (string) $e164;
		if ( ! preg_match( '/^\+\d{7,15}$/', $e164 ) ) {
			return $e164;
		}
		if ( preg_match( '/^\+1(\d{3})(\d{3})(\d{4})$/', $e164, $m ) ) {
			$national = sprintf( '(%s) %s-%s', $m[1], $m[2], $m[3] );
			return in_array( SENW_CRM_Settings::default_region(), self::NANP, true ) ? $national : '+1 ' . $national;
		}
		// Elsewhere: the country code, then the rest in groups (no national rules known here).
		return '+' . trim( chunk_split( substr( $e164, 1 ), 3, ' ' ) );
	}
}

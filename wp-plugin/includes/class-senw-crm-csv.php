<?php
/**
 * CSV files the CRM writes (the audit-log export, and any other): cells a
 * spreadsheet would run as a formula are neutralized. A cell starting with
 * = + - @, a tab or a carriage return gets a leading apostrophe (OWASP's
 * advice for CSV injection); sidecar/csvsafe.py does the same for Python.
 * Every fputcsv() in the plugin goes through put() (a test checks).
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Csv {

	const FORMULA_STARTS = "=+-@\t\r";

	/** One cell as text a spreadsheet shows and does not run. */
	public static function cell( $value ) {
		$value = null === $value ? '' : (string) $value;
		if ( '' !== $value && false !== strpos( self::FORMULA_STARTS, $value[0] ) ) {
			return "'" . $value;
		}
		return $value;
	}

	/** Writes one row of neutralized cells to $handle. */
	public static function put( $handle, array $cells ) {
		return fputcsv( $handle, array_map( array( __CLASS__, 'cell' ), array_values( $cells ) ) );
	}

	/** The answer's headers for a CSV file download named $filename (not cached, not sniffed). */
	public static function headers( $filename ) {
		nocache_headers();
		header( 'Content-Type: text/csv; charset=utf-8' );
		header( 'Content-Disposition: attachment; filename="' . str_replace( array( '"', "\r", "\n" ), '', (string) $filename ) . '"' );
		header( 'X-Content-Type-Options: nosniff' );
	}

	/**
	 * Starts a CSV download: its headers, then the output stream with
	 * $columns as the first row. The caller put()s the rows and closes it.
	 *
	 * @return resource
	 */
	public static function download( $filename, array $columns ) {
		self::headers( $filename );
		$out = fopen( 'php://output', 'w' ); // phpcs:ignore WordPress.WP.AlternativeFunctions -- php://output stream.
		self::put( $out, $columns );
		return $out;
	}
}

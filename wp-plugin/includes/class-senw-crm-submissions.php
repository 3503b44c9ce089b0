<?php
/**
 * Public submissions (senw_submissions): what a visitor hands us through the
 * lead form, stored whole in ONE INSERT and nothing else. One statement is
 * atomic whatever the connection does: wpdb re-runs a statement after "server
 * has gone away" on a new connection, and a re-run of this one either stores
 * it or hits its own unique submission key. No person or lead is touched
 * here: the sidecar matches or creates them from the row (sidecar/intake/),
 * so an anonymous visitor can never rename, re-contact or merge anyone.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Submissions {

	/** Fields of the validator's output kept in the row's `fields` JSON. */
	const FIELDS = array( 'first_name', 'last_name', 'email', 'phone', 'message' );

	/** A UUID the form generated (kept across the visitor's retries), or null. */
	public static function clean_key( $key ) {
		if ( ! is_string( $key ) ) {
			return null;
		}
		$key = strtolower( trim( $key ) );
		return preg_match( '/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/', $key ) ? $key : null;
	}

	/**
	 * Stores one submission.
	 *
	 * @param array       $clean   SENW_CRM_Lead_Validator output ('capture').
	 * @param array       $context source (fixed by the form), listing_key, consent_text, ip,
	 *                             user_agent, source_url.
	 * @param string|null $key     The form's submission key; null: one is made.
	 * @return array|WP_Error array( 'id' => int, 'key' => string, 'repeat' => bool ).
	 */
	public static function store( array $clean, array $context, $key = null ) {
		global $wpdb;
		$fields = array();
		foreach ( self::FIELDS as $field ) {
			if ( isset( $clean[ $field ] ) && '' !== $clean[ $field ] ) {
				$fields[ $field ] = (string) $clean[ $field ];
			}
		}
		$row  = array(
			'channel'      => 'web_form',
			'form_source'  => substr( (string) $context['source'], 0, 50 ),
			'listing_key'  => '' !== (string) $context['listing_key'] ? substr( (string) $context['listing_key'], 0, 255 ) : null,
			'fields'       => wp_json_encode( $fields ),
			'consent'      => empty( $clean['consent'] ) ? 0 : 1,
			'consent_text' => (string) $context['consent_text'],
			'ip_address'   => substr( (string) $context['ip'], 0, 45 ),
			'user_agent'   => mb_substr( (string) $context['user_agent'], 0, 500 ),
			'source_url'   => mb_substr( (string) $context['source_url'], 0, 2000 ),
		);
		// What makes a retry a retry: the same form, the same answers.
		$row['payload_hash'] = hash( 'sha256', wp_json_encode( array( $row['form_source'], $row['listing_key'], $row['fields'], $row['consent'] ) ) );

		$key = self::clean_key( $key );
		for ( $attempt = 0; $attempt < 3; $attempt++ ) {
			if ( null === $key ) {
				$key = wp_generate_uuid4();
			}
			$row['submission_key'] = $key;
			$ok                    = $wpdb->insert( SENW_CRM_Db::t( 'submissions' ), $row );
			if ( false !== $ok ) {
				return array(
					'id'     => (int) $wpdb->insert_id,
					'key'    => $key,
					'repeat' => false,
				);
			}
			if ( false === stripos( (string) $wpdb->last_error, 'Duplicate entry' ) ) {
				return new WP_Error( 'senw_crm_db_error', 'db', array( 'status' => 503 ) );
			}
			// The key is taken: by this very submission (a retry of one that was
			// stored, or wpdb's own re-run after a reconnect), or by another visitor
			// who was served the same cached form.
			$existing = $wpdb->get_row( $wpdb->prepare( 'SELECT id, payload_hash FROM `' . SENW_CRM_Db::t( 'submissions' ) . '` WHERE submission_key = %s', $key ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
			if ( $existing && hash_equals( (string) $existing['payload_hash'], $row['payload_hash'] ) ) {
				return array(
					'id'     => (int) $existing['id'],
					'key'    => $key,
					'repeat' => true,
				);
			}
			if ( ! $existing ) {
				return new WP_Error( 'senw_crm_db_error', 'db', array( 'status' => 503 ) );
			}
			$key = null;
		}
		return new WP_Error( 'senw_crm_db_error', 'db', array( 'status' => 503 ) );
	}
}

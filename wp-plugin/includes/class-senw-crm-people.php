<?php
/**
 * People (RESO Contacts) behind leads: matching by normalized email, then
 * phone; attaching emails and phones; and the Leads screen's denormalized
 * copies of a person's name, email, phone and search text. Called inside the
 * transactions of SENW_CRM_Leads; failed writes throw (SENW_CRM_Db::check()).
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_People {

	/** The surviving person for a matching email, else phone; null when unknown. */
	public static function find_person( $email, $phone_e164 ) {
		$person_id = '' !== $email ? self::email_owner( $email, true ) : null;
		if ( null === $person_id && '' !== $phone_e164 ) {
			$person_id = self::phone_owner( $phone_e164, true );
		}
		return null === $person_id ? null : self::resolve_merged( $person_id );
	}

	public static function email_owner( $email, $lock = false ) {
		global $wpdb;
		$id = $wpdb->get_var( $wpdb->prepare( 'SELECT person_id FROM `' . SENW_CRM_Db::t( 'person_emails' ) . '` WHERE email = %s' . ( $lock ? ' FOR UPDATE' : '' ), $email ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		return null === $id ? null : (int) $id;
	}

	public static function phone_owner( $phone_e164, $lock = false ) {
		global $wpdb;
		$id = $wpdb->get_var( $wpdb->prepare( 'SELECT person_id FROM `' . SENW_CRM_Db::t( 'person_phones' ) . '` WHERE phone_e164 = %s' . ( $lock ? ' FOR UPDATE' : '' ), $phone_e164 ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		return null === $id ? null : (int) $id;
	}

	/** Follows people.merged_into (set by the sidecar's dedupe) to the surviving person. */
	public static function resolve_merged( $person_id ) {
		global $wpdb;
		$people = SENW_CRM_Db::t( 'people' );
		for ( $i = 0; $i < 5; $i++ ) {
			$next = $wpdb->get_var( $wpdb->prepare( "SELECT merged_into FROM `{$people}` WHERE id = %d", $person_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
			if ( null === $next ) {
				break;
			}
			$person_id = (int) $next;
		}
		return $person_id;
	}

	/**
	 * Adds the email to the person unless another person has it. $primary makes
	 * it the person's primary email; otherwise it is primary only when the
	 * person has none.
	 */
	public static function attach_email( $person_id, $email, $primary ) {
		self::attach( 'person_emails', 'email', $person_id, $email, array(), $primary );
	}

	/** Adds the phone (E.164 and as typed) to the person; primary as for emails. */
	public static function attach_phone( $person_id, $phone_e164, $raw, $primary ) {
		self::attach( 'person_phones', 'phone_e164', $person_id, $phone_e164, array( 'phone_raw' => mb_substr( (string) $raw, 0, 40 ) ), $primary );
	}

	/**
	 * One email or phone row: inserted when new, refreshed ($extra) when the
	 * person has it already, left alone when it is another person's. A row is
	 * promoted to primary but never demoted here.
	 */
	private static function attach( $table_name, $column, $person_id, $value, array $extra, $primary ) {
		global $wpdb;
		$table = SENW_CRM_Db::t( $table_name );
		$owner = 'email' === $column ? self::email_owner( $value ) : self::phone_owner( $value );
		if ( null !== $owner && $owner !== $person_id ) {
			return;
		}
		$has_primary  = (bool) $wpdb->get_var( $wpdb->prepare( "SELECT 1 FROM `{$table}` WHERE person_id = %d AND is_primary = 1", $person_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		$make_primary = $primary || ! $has_primary;
		if ( $make_primary ) {
			SENW_CRM_Db::check( $wpdb->update( $table, array( 'is_primary' => 0 ), array( 'person_id' => $person_id ), array( '%d' ), array( '%d' ) ) );
		}
		if ( null === $owner ) {
			$row = array_merge(
				array(
					'person_id'  => $person_id,
					$column      => $value,
					'is_primary' => $make_primary ? 1 : 0,
				),
				$extra
			);
			SENW_CRM_Db::check( $wpdb->insert( $table, $row ) );
			return;
		}
		$changes = $make_primary ? array_merge( $extra, array( 'is_primary' => 1 ) ) : $extra;
		if ( $changes ) {
			SENW_CRM_Db::check( $wpdb->update( $table, $changes, array( $column => $value ) ) );
		}
	}

	/**
	 * Rewrites the Leads screen's copies of the person's name, primary email,
	 * primary phone and search text on all their leads. search_text holds the
	 * names, every email and every phone's digits (also without the NANP 1).
	 */
	public static function refresh_person_cache( $person_id ) {
		global $wpdb;
		$person_id = (int) $person_id;
		$person    = $wpdb->get_row( $wpdb->prepare( 'SELECT first_name, last_name FROM `' . SENW_CRM_Db::t( 'people' ) . '` WHERE id = %d', $person_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		if ( ! $person ) {
			return;
		}
		$emails = $wpdb->get_col( $wpdb->prepare( 'SELECT email FROM `' . SENW_CRM_Db::t( 'person_emails' ) . '` WHERE person_id = %d ORDER BY is_primary DESC, id', $person_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		$phones = $wpdb->get_col( $wpdb->prepare( 'SELECT phone_e164 FROM `' . SENW_CRM_Db::t( 'person_phones' ) . '` WHERE person_id = %d ORDER BY is_primary DESC, id', $person_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		$words  = array( $person['first_name'], $person['last_name'] );
		foreach ( $emails as $email ) {
			$words[] = $email;
		}
		foreach ( $phones as $phone ) {
			$digits  = ltrim( $phone, '+' );
			$words[] = $digits;
			if ( 11 === strlen( $digits ) && '1' === $digits[0] ) {
				$words[] = substr( $digits, 1 );
			}
		}
		SENW_CRM_Db::check(
			$wpdb->update(
				SENW_CRM_Db::t( 'leads' ),
				array(
					'display_name'  => mb_substr( trim( $person['first_name'] . ' ' . $person['last_name'] ), 0, 201 ),
					'primary_email' => $emails ? $emails[0] : '',
					'primary_phone' => $phones ? $phones[0] : '',
					'search_text'   => mb_substr( implode( ' ', $words ), 0, 1000 ),
				),
				array( 'person_id' => $person_id ),
				array( '%s', '%s', '%s', '%s' ),
				array( '%d' )
			)
		);
	}
}

<?php
/**
 * WordPress's personal-data exporter and eraser for CRM people, found by
 * email address (Tools > Export/Erase Personal Data).
 *
 * Erasure anonymizes the person in place: names blanked, emails and phones
 * deleted, lead messages, the person's messages' addresses and bodies, and
 * timeline texts replaced, consent IP/user agent cleared, raw submissions,
 * proposed changes and saved-search addresses emptied, and the visitor's IP
 * on the audit rows about them cleared, for the person and everyone merged
 * into them. Ids, statuses and timestamps stay so reports and the audit
 * trail keep their counts. Exported values are plain text (see text()).
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Privacy {

	const ERASED = '[erased]';

	public static function register() {
		add_filter( 'wp_privacy_personal_data_exporters', array( __CLASS__, 'add_exporter' ) );
		add_filter( 'wp_privacy_personal_data_erasers', array( __CLASS__, 'add_eraser' ) );
	}

	public static function add_exporter( $exporters ) {
		$exporters['senw-crm'] = array(
			'exporter_friendly_name' => __( 'SENW CRM contacts', 'senw-crm' ),
			'callback'               => array( __CLASS__, 'export' ),
		);
		return $exporters;
	}

	public static function add_eraser( $erasers ) {
		$erasers['senw-crm'] = array(
			'eraser_friendly_name' => __( 'SENW CRM contacts', 'senw-crm' ),
			'callback'             => array( __CLASS__, 'erase' ),
		);
		return $erasers;
	}

	/**
	 * An exported value as inert text. WordPress renders each value through
	 * wp_kses( 'personal_data_export' ), which keeps <a href> and <br>, and
	 * turns a value that is only an http(s) URL into a link; visitor text must
	 * be neither. Escaping keeps markup as text; a leading URL gets its first
	 * letter as a character reference, which reads the same but is no link.
	 */
	private static function text( $value ) {
		$text = esc_html( (string) $value );
		return preg_match( '#^https?://#i', $text ) ? '&#' . ord( $text[0] ) . ';' . substr( $text, 1 ) : $text;
	}

	private static function person_id( $email ) {
		global $wpdb;
		$email = strtolower( trim( (string) $email ) );
		$id    = $wpdb->get_var( $wpdb->prepare( 'SELECT person_id FROM `' . SENW_CRM_Db::t( 'person_emails' ) . '` WHERE email = %s', $email ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		return null === $id ? null : (int) $id;
	}

	/**
	 * The person and everyone merged into them (merged_into, followed down
	 * every level, and the merges table for merges not undone).
	 *
	 * @return int[]
	 */
	private static function with_merged( $person_id ) {
		global $wpdb;
		$people = SENW_CRM_Db::t( 'people' );
		$merges = SENW_CRM_Db::t( 'merges' );
		$ids    = array( (int) $person_id );
		$todo   = $ids;
		while ( $todo ) {
			$in   = implode( ',', $todo );
			// phpcs:ignore WordPress.DB.PreparedSQL -- integers joined here, table names from the prefix.
			$next = array_map( 'intval', $wpdb->get_col( "SELECT id FROM `{$people}` WHERE merged_into IN ({$in}) UNION SELECT merged_id FROM `{$merges}` WHERE survivor_id IN ({$in}) AND undone_at IS NULL" ) );
			$todo = array_values( array_diff( $next, $ids ) );
			$ids  = array_merge( $ids, $todo );
		}
		return $ids;
	}

	public static function export( $email, $page = 1 ) {
		global $wpdb;
		$person_id = self::person_id( $email );
		$items     = array();
		if ( null !== $person_id ) {
			$person = $wpdb->get_row( $wpdb->prepare( 'SELECT contact_key, first_name, last_name, created_at FROM `' . SENW_CRM_Db::t( 'people' ) . '` WHERE id = %d', $person_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
			$emails = $wpdb->get_col( $wpdb->prepare( 'SELECT email FROM `' . SENW_CRM_Db::t( 'person_emails' ) . '` WHERE person_id = %d', $person_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
			$phones = $wpdb->get_col( $wpdb->prepare( 'SELECT phone_raw FROM `' . SENW_CRM_Db::t( 'person_phones' ) . '` WHERE person_id = %d', $person_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
			$items[] = array(
				'group_id'    => 'senw-crm-contact',
				'group_label' => __( 'Real-estate contact', 'senw-crm' ),
				'item_id'     => 'senw-person-' . $person_id,
				'data'        => array(
					array( 'name' => __( 'Contact key', 'senw-crm' ), 'value' => self::text( $person['contact_key'] ) ),
					array( 'name' => __( 'First name', 'senw-crm' ), 'value' => self::text( $person['first_name'] ) ),
					array( 'name' => __( 'Last name', 'senw-crm' ), 'value' => self::text( $person['last_name'] ) ),
					array( 'name' => __( 'Emails', 'senw-crm' ), 'value' => self::text( implode( ', ', $emails ) ) ),
					array( 'name' => __( 'Phones', 'senw-crm' ), 'value' => self::text( implode( ', ', $phones ) ) ),
					array( 'name' => __( 'Since', 'senw-crm' ), 'value' => self::text( $person['created_at'] ) ),
				),
			);
			$leads = $wpdb->get_results( $wpdb->prepare( 'SELECT id, source, status, listing_key, message, created_at FROM `' . SENW_CRM_Db::t( 'leads' ) . '` WHERE person_id = %d ORDER BY id', $person_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
			foreach ( $leads as $lead ) {
				$items[] = array(
					'group_id'    => 'senw-crm-inquiries',
					'group_label' => __( 'Inquiries', 'senw-crm' ),
					'item_id'     => 'senw-lead-' . $lead['id'],
					'data'        => array(
						array( 'name' => __( 'Received', 'senw-crm' ), 'value' => self::text( $lead['created_at'] ) ),
						array( 'name' => __( 'Source', 'senw-crm' ), 'value' => self::text( $lead['source'] ) ),
						array( 'name' => __( 'Status', 'senw-crm' ), 'value' => self::text( $lead['status'] ) ),
						array( 'name' => __( 'Property', 'senw-crm' ), 'value' => self::text( (string) $lead['listing_key'] ) ),
						array( 'name' => __( 'Message', 'senw-crm' ), 'value' => self::text( (string) $lead['message'] ) ),
					),
				);
			}
			$consents = $wpdb->get_results( $wpdb->prepare( 'SELECT id, channel, consent_text, ip_address, created_at FROM `' . SENW_CRM_Db::t( 'consents' ) . '` WHERE person_id = %d ORDER BY id', $person_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
			foreach ( $consents as $c ) {
				$items[] = array(
					'group_id'    => 'senw-crm-consents',
					'group_label' => __( 'Consents', 'senw-crm' ),
					'item_id'     => 'senw-consent-' . $c['id'],
					'data'        => array(
						array( 'name' => __( 'Given', 'senw-crm' ), 'value' => self::text( $c['created_at'] ) ),
						array( 'name' => __( 'Channel', 'senw-crm' ), 'value' => self::text( $c['channel'] ) ),
						array( 'name' => __( 'Text shown', 'senw-crm' ), 'value' => self::text( $c['consent_text'] ) ),
						array( 'name' => __( 'IP address', 'senw-crm' ), 'value' => self::text( $c['ip_address'] ) ),
					),
				);
			}
			SENW_CRM_Audit::log( 'export', 'person', $person_id );
		}
		return array(
			'data' => $items,
			'done' => true,
		);
	}

	public static function erase( $email, $page = 1 ) {
		global $wpdb;
		$person_id = self::person_id( $email );
		if ( null === $person_id ) {
			return array(
				'items_removed'  => false,
				'items_retained' => false,
				'messages'       => array(),
				'done'           => true,
			);
		}
		$ids = self::with_merged( $person_id );
		$in  = implode( ',', $ids );
		$erased = self::ERASED;
		$t      = array();
		foreach ( array( 'people', 'person_emails', 'person_phones', 'leads', 'activities', 'messages', 'consents', 'events', 'proposed_changes', 'submissions', 'prospecting', 'merges', 'audit_log' ) as $name ) {
			$t[ $name ] = SENW_CRM_Db::t( $name );
		}
		// $in is a list of integers built here; the table names come from the prefix.
		// phpcs:disable WordPress.DB.PreparedSQL
		$lead_ids        = array_map( 'intval', $wpdb->get_col( "SELECT id FROM `{$t['leads']}` WHERE person_id IN ({$in})" ) );
		$prospecting_ids = array_map( 'intval', $wpdb->get_col( "SELECT id FROM `{$t['prospecting']}` WHERE person_id IN ({$in})" ) );
		SENW_CRM_Db::begin();
		$wpdb->query( "UPDATE `{$t['people']}` SET first_name = '', last_name = '', contact_type = 'Erased' WHERE id IN ({$in})" );
		$wpdb->query( "DELETE FROM `{$t['person_emails']}` WHERE person_id IN ({$in})" );
		$wpdb->query( "DELETE FROM `{$t['person_phones']}` WHERE person_id IN ({$in})" );
		$wpdb->query( "DELETE FROM `{$t['proposed_changes']}` WHERE person_id IN ({$in})" );
		$wpdb->query( $wpdb->prepare( "UPDATE `{$t['leads']}` SET message = NULL, display_name = %s, primary_email = '', primary_phone = '', search_text = '' WHERE person_id IN ({$in})", $erased ) );
		$wpdb->query( $wpdb->prepare( "UPDATE `{$t['activities']}` SET body = %s, meta = NULL WHERE person_id IN ({$in}) AND kind IN ('note','message')", $erased ) );
		$wpdb->query( $wpdb->prepare( "UPDATE `{$t['messages']}` SET to_address = '', subject = '', body = %s WHERE person_id IN ({$in})", $erased ) );
		$wpdb->query( "UPDATE `{$t['consents']}` SET ip_address = '', user_agent = '', source_url = '' WHERE person_id IN ({$in})" );
		$wpdb->query( "UPDATE `{$t['events']}` SET user_agent = NULL, referring_url = NULL, session_id = NULL WHERE person_id IN ({$in})" );
		$wpdb->query( "UPDATE `{$t['submissions']}` SET fields = '{}', ip_address = '', user_agent = '', source_url = '' WHERE person_id IN ({$in})" );
		$wpdb->query( "UPDATE `{$t['prospecting']}` SET email = '', consent_ip = '' WHERE person_id IN ({$in})" );
		SENW_CRM_Deals::erase_people( $in ); // deals, tasks, shared links, showing requests
		// A merge keeps the survivor's names from before it (for its undo), and
		// what was chosen: an undo after the erasure must not bring them back.
		$wpdb->query( "UPDATE `{$t['merges']}` SET before_state = JSON_SET(before_state, '$.survivor.first_name', '', '$.survivor.last_name', ''), chosen = '{}' WHERE survivor_id IN ({$in}) OR merged_id IN ({$in})" );
		// Rows with no user behind them are the visitor's own requests (the
		// form, a saved search, an unsubscribe): their IP is the person's.
		$objects = array( "(object_type = 'person' AND object_id IN ({$in}))" );
		if ( $lead_ids ) {
			$objects[] = "(object_type = 'lead' AND object_id IN (" . implode( ',', $lead_ids ) . '))';
		}
		if ( $prospecting_ids ) {
			$objects[] = "(object_type = 'saved_search' AND object_id IN (" . implode( ',', $prospecting_ids ) . '))';
		}
		$wpdb->query( "UPDATE `{$t['audit_log']}` SET ip_address = '' WHERE user_id IS NULL AND (" . implode( ' OR ', $objects ) . ')' );
		// phpcs:enable
		SENW_CRM_Audit::log( 'erase', 'person', $person_id, array( 'people' => $ids ) );
		SENW_CRM_Db::commit();
		return array(
			'items_removed'  => true,
			'items_retained' => true,
			'messages'       => array( __( 'The CRM contact was anonymized; lead records without personal data are kept for the brokerage\'s records.', 'senw-crm' ) ),
			'done'           => true,
		);
	}
}

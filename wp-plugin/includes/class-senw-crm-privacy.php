<?php
/**
 * WordPress's personal-data exporter and eraser for CRM people, found by
 * email address (Tools > Export/Erase Personal Data).
 *
 * Erasure anonymizes the person in place: names blanked, emails and phones
 * deleted, lead messages, the person's messages' addresses and bodies, and
 * timeline texts replaced, consent IP/user agent cleared. Ids, statuses and
 * timestamps stay so reports and the audit trail keep their counts.
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

	private static function person_id( $email ) {
		global $wpdb;
		$email = strtolower( trim( (string) $email ) );
		$id    = $wpdb->get_var( $wpdb->prepare( 'SELECT person_id FROM `' . SENW_CRM_Db::t( 'person_emails' ) . '` WHERE email = %s', $email ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		return null === $id ? null : (int) $id;
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
					array( 'name' => __( 'Contact key', 'senw-crm' ), 'value' => $person['contact_key'] ),
					array( 'name' => __( 'First name', 'senw-crm' ), 'value' => $person['first_name'] ),
					array( 'name' => __( 'Last name', 'senw-crm' ), 'value' => $person['last_name'] ),
					array( 'name' => __( 'Emails', 'senw-crm' ), 'value' => implode( ', ', $emails ) ),
					array( 'name' => __( 'Phones', 'senw-crm' ), 'value' => implode( ', ', $phones ) ),
					array( 'name' => __( 'Since', 'senw-crm' ), 'value' => $person['created_at'] ),
				),
			);
			$leads = $wpdb->get_results( $wpdb->prepare( 'SELECT id, source, status, listing_key, message, created_at FROM `' . SENW_CRM_Db::t( 'leads' ) . '` WHERE person_id = %d ORDER BY id', $person_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
			foreach ( $leads as $lead ) {
				$items[] = array(
					'group_id'    => 'senw-crm-inquiries',
					'group_label' => __( 'Inquiries', 'senw-crm' ),
					'item_id'     => 'senw-lead-' . $lead['id'],
					'data'        => array(
						array( 'name' => __( 'Received', 'senw-crm' ), 'value' => $lead['created_at'] ),
						array( 'name' => __( 'Source', 'senw-crm' ), 'value' => $lead['source'] ),
						array( 'name' => __( 'Status', 'senw-crm' ), 'value' => $lead['status'] ),
						array( 'name' => __( 'Property', 'senw-crm' ), 'value' => (string) $lead['listing_key'] ),
						array( 'name' => __( 'Message', 'senw-crm' ), 'value' => (string) $lead['message'] ),
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
						array( 'name' => __( 'Given', 'senw-crm' ), 'value' => $c['created_at'] ),
						array( 'name' => __( 'Channel', 'senw-crm' ), 'value' => $c['channel'] ),
						array( 'name' => __( 'Text shown', 'senw-crm' ), 'value' => $c['consent_text'] ),
						array( 'name' => __( 'IP address', 'senw-crm' ), 'value' => $c['ip_address'] ),
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
		$erased = self::ERASED;
		SENW_CRM_Db::begin();
		$wpdb->update( SENW_CRM_Db::t( 'people' ), array( 'first_name' => '', 'last_name' => '', 'contact_type' => 'Erased' ), array( 'id' => $person_id ) );
		$wpdb->delete( SENW_CRM_Db::t( 'person_emails' ), array( 'person_id' => $person_id ), array( '%d' ) );
		$wpdb->delete( SENW_CRM_Db::t( 'person_phones' ), array( 'person_id' => $person_id ), array( '%d' ) );
		$leads = SENW_CRM_Db::t( 'leads' );
		$wpdb->query( $wpdb->prepare( "UPDATE `{$leads}` SET message = NULL, display_name = %s, primary_email = '', primary_phone = '', search_text = '' WHERE person_id = %d", $erased, $person_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		$activities = SENW_CRM_Db::t( 'activities' );
		$wpdb->query( $wpdb->prepare( "UPDATE `{$activities}` SET body = %s, meta = NULL WHERE person_id = %d AND kind IN ('note','message')", $erased, $person_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		$messages = SENW_CRM_Db::t( 'messages' );
		$wpdb->query( $wpdb->prepare( "UPDATE `{$messages}` SET to_address = '', subject = '', body = %s WHERE person_id = %d", $erased, $person_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		$consents = SENW_CRM_Db::t( 'consents' );
		$wpdb->query( $wpdb->prepare( "UPDATE `{$consents}` SET ip_address = '', user_agent = '', source_url = '' WHERE person_id = %d", $person_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		$events = SENW_CRM_Db::t( 'events' );
		$wpdb->query( $wpdb->prepare( "UPDATE `{$events}` SET user_agent = NULL, referring_url = NULL, session_id = NULL WHERE person_id = %d", $person_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		SENW_CRM_Audit::log( 'erase', 'person', $person_id );
		SENW_CRM_Db::commit();
		return array(
			'items_removed'  => true,
			'items_retained' => true,
			'messages'       => array( __( 'The CRM contact was anonymized; lead records without personal data are kept for the brokerage\'s records.', 'senw-crm' ) ),
			'done'           => true,
		);
	}
}

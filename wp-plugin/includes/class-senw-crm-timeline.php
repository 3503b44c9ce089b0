<?php
/**
 * A lead's timeline: reading activities, messages, engagement events
 * (RESO InternetTracking) and consents newest first, and writing activities,
 * consents and events inside the transactions of SENW_CRM_Leads.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Timeline {

	/**
	 * The lead's timeline, newest first: activities, messages, engagement
	 * events and consents. The caller has checked that the lead is visible.
	 *
	 * @return array[] Each: type, kind, body, created_at, user_id, user_name, meta.
	 */
	public static function for_lead( $lead_id, $limit = 200 ) {
		global $wpdb;
		$lead_id = (int) $lead_id;
		$limit   = max( 1, min( 1000, (int) $limit ) );
		$entries = array();

		$rows = $wpdb->get_results( $wpdb->prepare( 'SELECT a.id, a.kind, a.body, a.meta, a.user_id, u.display_name AS user_name, a.created_at FROM `' . SENW_CRM_Db::t( 'activities' ) . "` a LEFT JOIN {$wpdb->users} u ON u.ID = a.user_id WHERE a.lead_id = %d ORDER BY a.created_at DESC, a.id DESC LIMIT %d", $lead_id, $limit ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		foreach ( $rows as $r ) {
			$entries[] = array(
				'type'       => 'activity',
				'id'         => (int) $r['id'],
				'kind'       => $r['kind'],
				'body'       => $r['body'],
				'meta'       => null === $r['meta'] ? null : json_decode( $r['meta'], true ),
				'user_id'    => null === $r['user_id'] ? null : (int) $r['user_id'],
				'user_name'  => $r['user_name'],
				'created_at' => $r['created_at'],
			);
		}
		$rows = $wpdb->get_results( $wpdb->prepare( 'SELECT id, idempotency_key, recipient_user_id, channel, direction, subject, body, status, provider, created_at, sent_at FROM `' . SENW_CRM_Db::t( 'messages' ) . '` WHERE lead_id = %d ORDER BY created_at DESC, id DESC LIMIT %d', $lead_id, $limit ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		foreach ( $rows as $r ) {
			$entries[] = array(
				'type'       => 'message',
				'id'         => (int) $r['id'],
				'kind'       => $r['channel'],
				'body'       => $r['body'],
				'meta'       => array(
					'direction' => $r['direction'],
					'subject'   => $r['subject'],
					'status'    => $r['status'],
					'provider'  => $r['provider'],
					'sent_at'   => $r['sent_at'],
					'key'       => $r['idempotency_key'],
					'recipient_user_id' => null === $r['recipient_user_id'] ? null : (int) $r['recipient_user_id'],
				),
				'user_id'    => null,
				'user_name'  => null,
				'created_at' => $r['created_at'],
			);
		}
		$rows = $wpdb->get_results( $wpdb->prepare( 'SELECT id, event_type, event_timestamp, object_type, object_key, device_type, referring_url FROM `' . SENW_CRM_Db::t( 'events' ) . '` WHERE lead_id = %d ORDER BY event_timestamp DESC, id DESC LIMIT %d', $lead_id, $limit ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		foreach ( $rows as $r ) {
			$entries[] = array(
				'type'       => 'event',
				'id'         => (int) $r['id'],
				'kind'       => $r['event_type'],
				'body'       => '',
				'meta'       => array(
					'object_type'   => $r['object_type'],
					'object_key'    => $r['object_key'],
					'device_type'   => $r['device_type'],
					'referring_url' => $r['referring_url'],
				),
				'user_id'    => null,
				'user_name'  => null,
				'created_at' => $r['event_timestamp'],
			);
		}
		$rows = $wpdb->get_results( $wpdb->prepare( 'SELECT id, channel, granted, consent_text, ip_address, source_url, created_at FROM `' . SENW_CRM_Db::t( 'consents' ) . '` WHERE lead_id = %d ORDER BY created_at DESC, id DESC LIMIT %d', $lead_id, $limit ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		foreach ( $rows as $r ) {
			$entries[] = array(
				'type'       => 'consent',
				'id'         => (int) $r['id'],
				'kind'       => $r['channel'],
				'body'       => $r['consent_text'],
				'meta'       => array(
					'granted'    => (bool) $r['granted'],
					'ip_address' => $r['ip_address'],
					'source_url' => $r['source_url'],
				),
				'user_id'    => null,
				'user_name'  => null,
				'created_at' => $r['created_at'],
			);
		}
		usort(
			$entries,
			static function ( $a, $b ) {
				return strcmp( $b['created_at'], $a['created_at'] );
			}
		);
		return array_slice( $entries, 0, $limit );
	}

	public static function add_activity( $lead_id, $person_id, $user_id, $kind, $body, $meta ) {
		global $wpdb;
		SENW_CRM_Db::check(
			$wpdb->insert(
				SENW_CRM_Db::t( 'activities' ),
				array(
					'lead_id'    => $lead_id,
					'person_id'  => $person_id,
					'user_id'    => $user_id ? (int) $user_id : null,
					'kind'       => $kind,
					'body'       => $body,
					'meta'       => null === $meta ? null : wp_json_encode( $meta ),
					'created_at' => SENW_CRM_Db::now(),
				)
			)
		);
		return (int) $wpdb->insert_id;
	}

	public static function record_consent( $person_id, $lead_id, array $clean, array $context ) {
		global $wpdb;
		$channels = isset( $context['consent_channels'] ) ? (array) $context['consent_channels'] : array();
		if ( empty( $channels ) ) {
			if ( isset( $clean['email'] ) ) {
				$channels[] = 'email';
			}
			if ( isset( $clean['phone_e164'] ) ) {
				$channels[] = 'sms';
				$channels[] = 'phone';
			}
		}
		$text = isset( $context['consent_text'] ) && '' !== $context['consent_text'] ? (string) $context['consent_text'] : SENW_CRM_Leads::consent_text();
		$ip   = isset( $context['ip'] ) && filter_var( $context['ip'], FILTER_VALIDATE_IP ) ? $context['ip'] : SENW_CRM_Client_Ip::get();
		foreach ( array_unique( $channels ) as $channel ) {
			SENW_CRM_Db::check(
				$wpdb->insert(
					SENW_CRM_Db::t( 'consents' ),
					array(
						'person_id'    => $person_id,
						'lead_id'      => $lead_id,
						'channel'      => substr( (string) $channel, 0, 10 ),
						'granted'      => 1,
						'consent_text' => $text,
						'ip_address'   => $ip,
						'user_agent'   => isset( $context['user_agent'] ) ? mb_substr( (string) $context['user_agent'], 0, 500 ) : '',
						'source_url'   => isset( $context['source_url'] ) ? mb_substr( (string) $context['source_url'], 0, 2000 ) : '',
						'created_at'   => SENW_CRM_Db::now(),
					),
					array( '%d', '%d', '%s', '%d', '%s', '%s', '%s', '%s', '%s' )
				)
			);
		}
	}

	/** An engagement event with RESO InternetTracking names. */
	public static function record_event( $person_id, $lead_id, $event_type, $object_type, $object_key, array $context ) {
		global $wpdb;
		$ua = isset( $context['user_agent'] ) ? (string) $context['user_agent'] : '';
		SENW_CRM_Db::check(
			$wpdb->insert(
				SENW_CRM_Db::t( 'events' ),
				array(
					'event_key'       => wp_generate_uuid4(),
					'event_type'      => $event_type,
					'event_timestamp' => SENW_CRM_Db::now(),
					'session_id'      => isset( $context['session_id'] ) ? substr( (string) $context['session_id'], 0, 64 ) : null,
					'actor_type'      => 'Client',
					'actor_key'       => $wpdb->get_var( $wpdb->prepare( 'SELECT contact_key FROM `' . SENW_CRM_Db::t( 'people' ) . '` WHERE id = %d', $person_id ) ), // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
					'object_type'     => $object_type,
					'object_key'      => $object_key,
					'person_id'       => $person_id,
					'lead_id'         => $lead_id,
					'device_type'     => self::device_type( $ua ),
					'referring_url'   => isset( $context['referring_url'] ) ? mb_substr( (string) $context['referring_url'], 0, 2000 ) : ( isset( $context['source_url'] ) ? mb_substr( (string) $context['source_url'], 0, 2000 ) : null ),
					'user_agent'      => '' === $ua ? null : mb_substr( $ua, 0, 500 ),
				)
			)
		);
	}

	/** RESO DeviceType from a user agent. */
	public static function device_type( $ua ) {
		if ( '' === $ua ) {
			return 'Unknown';
		}
		if ( preg_match( '/iPad|Tablet/i', $ua ) ) {
			return 'Tablet';
		}
		if ( preg_match( '/Mobi|Android|iPhone/i', $ua ) ) {
			return 'Mobile';
		}
		return 'Desktop';
	}
}

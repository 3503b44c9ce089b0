<?php
/**
 * The lead page's timeline as a person reads it: an agent alert appears once
 * (its message row, marked as sent to the agent, not also the note the
 * sidecar wrote about it), RESO event names read as words, and a repeat
 * inquiry or a merged re-entry reads as a repeat inquiry.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Timeline_View {

	/** RESO InternetTracking EventType => words. */
	public static function event_label( $type ) {
		$words = array(
			'DetailedView'         => __( 'Viewed a listing', 'senw-crm' ),
			'ExitDetailedView'     => __( 'Left a listing', 'senw-crm' ),
			'SubmissionOfLeadForm' => __( 'Submitted the lead form', 'senw-crm' ),
			'Favorited'            => __( 'Liked a listing', 'senw-crm' ),
			'Discard'              => __( 'Disliked a listing', 'senw-crm' ),
			'Maybe'                => __( 'Is considering a listing', 'senw-crm' ),
			'PhotoGallery'         => __( 'Looked at the photos', 'senw-crm' ),
			'VirtualTour'          => __( 'Opened the virtual tour', 'senw-crm' ),
			'ClickedOnPhoneNumber' => __( 'Clicked the phone number', 'senw-crm' ),
			'ClickedOnEmailAddress' => __( 'Clicked the email address', 'senw-crm' ),
			'DrivingDirections'    => __( 'Asked for driving directions', 'senw-crm' ),
			'Search'               => __( 'Searched listings', 'senw-crm' ),
			'Share'                => __( 'Shared a listing', 'senw-crm' ),
		);
		if ( isset( $words[ $type ] ) ) {
			return $words[ $type ];
		}
		// Any other RESO name: split its words ("ScrolledDepth" -> "Scrolled depth").
		return ucfirst( strtolower( trim( preg_replace( '/(?<!^)([A-Z])/', ' $1', (string) $type ) ) ) );
	}

	/**
	 * @param array[] $entries SENW_CRM_Timeline::for_lead() entries.
	 * @return array[] The same entries, some with a 'label', alert notes folded into their messages.
	 */
	public static function present( array $entries ) {
		$alerts = array();
		foreach ( $entries as $e ) {
			$meta = is_array( $e['meta'] ) ? $e['meta'] : array();
			if ( 'activity' === $e['type'] && 'message' === $e['kind'] && ! empty( $meta['message_id'] ) && in_array( $meta['step'] ?? '', array( 'notify', 'listing_alert' ), true ) ) {
				$alerts[ (int) $meta['message_id'] ] = $e;
			}
		}
		$out = array();
		foreach ( $entries as $e ) {
			$meta = is_array( $e['meta'] ) ? $e['meta'] : array();
			if ( 'activity' === $e['type'] && 'message' === $e['kind'] && ! empty( $meta['message_id'] ) && isset( $alerts[ (int) $meta['message_id'] ] ) && self::has_message( $entries, (int) $meta['message_id'] ) ) {
				continue; // shown once, as its message
			}
			if ( 'message' === $e['type'] ) {
				$note    = isset( $alerts[ $e['id'] ] ) ? $alerts[ $e['id'] ] : null;
				$channel = 'sms' === $e['kind'] ? __( 'SMS', 'senw-crm' ) : __( 'Email', 'senw-crm' );
				if ( $note && 'listing_alert' === ( $note['meta']['step'] ?? '' ) ) {
					/* translators: %s: Email */
					$e['label'] = sprintf( __( 'Listing alert (%s) sent to the lead', 'senw-crm' ), $channel );
				} elseif ( $note || ! empty( $meta['recipient_user_id'] ) ) {
					$repeat     = ( $note && false !== strpos( (string) $note['body'], 'repeat' ) ) || false !== strpos( (string) ( $meta['key'] ?? '' ), '-repeat-' );
					$e['label'] = $repeat
						/* translators: %s: Email or SMS */
						? sprintf( __( '%s alert sent to the agent: repeat inquiry', 'senw-crm' ), $channel )
						/* translators: %s: Email or SMS */
						: sprintf( __( '%s alert sent to the agent: new lead', 'senw-crm' ), $channel );
				}
			} elseif ( 'event' === $e['type'] ) {
				$e['label'] = self::event_label( $e['kind'] );
			} elseif ( 'activity' === $e['type'] && ( ! empty( $meta['repeat'] ) || 'dedupe' === ( $meta['step'] ?? '' ) ) ) {
				$e['label'] = __( 'Repeat inquiry', 'senw-crm' );
			}
			$out[] = $e;
		}
		return $out;
	}

	private static function has_message( array $entries, $id ) {
		foreach ( $entries as $e ) {
			if ( 'message' === $e['type'] && (int) $e['id'] === $id ) {
				return true;
			}
		}
		return false;
	}
}

<?php
/**
 * Proposed changes: what an anonymous submission said differently about a
 * known person (another name, a new email or phone, a consent), kept for
 * their agent instead of applied (the sidecar writes them, see
 * sidecar/intake/identity.py). Accepting one is the agent's decision, made
 * after checking with the person; it is recorded on the timeline and in the
 * audit log with who decided.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Proposals {

	/** Open proposals for a person, oldest first. */
	public static function open_for( $person_id ) {
		global $wpdb;
		return $wpdb->get_results( $wpdb->prepare( 'SELECT id, lead_id, field, current_value, proposed_value, detail, created_at FROM `' . SENW_CRM_Db::t( 'proposed_changes' ) . "` WHERE person_id = %d AND status = 'open' ORDER BY id LIMIT 50", $person_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
	}

	/**
	 * Accepts or dismisses a proposal.
	 *
	 * @param string $decision 'accept' or 'dismiss'.
	 * @return true|WP_Error
	 */
	public static function decide( $proposal_id, $decision, $actor ) {
		global $wpdb;
		$table = SENW_CRM_Db::t( 'proposed_changes' );
		$p     = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM `{$table}` WHERE id = %d", $proposal_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		if ( ! $p || ! in_array( $decision, array( 'accept', 'dismiss' ), true ) ) {
			return new WP_Error( 'senw_crm_not_found', __( 'This proposed change does not exist.', 'senw-crm' ), array( 'status' => 404 ) );
		}
		$person_id = (int) $p['person_id'];
		$lead_id   = $p['lead_id'] ? (int) $p['lead_id'] : 0;
		$allowed   = $lead_id ? SENW_CRM_Visibility::can_edit_lead( $actor, $lead_id ) : SENW_CRM_Person_Scope::allows( $actor, $person_id );
		if ( ! $allowed || ! user_can( $actor, 'senw_edit_leads' ) ) {
			return new WP_Error( 'senw_crm_forbidden', __( 'Sorry, you are not allowed to change this person.', 'senw-crm' ), array( 'status' => 403 ) );
		}
		SENW_CRM_Db::begin();
		try {
			$status = $wpdb->get_var( $wpdb->prepare( "SELECT status FROM `{$table}` WHERE id = %d FOR UPDATE", $proposal_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
			if ( 'open' !== $status ) {
				SENW_CRM_Db::rollback();
				return new WP_Error( 'senw_crm_decided', __( 'This proposed change was decided on already.', 'senw-crm' ), array( 'status' => 409 ) );
			}
			if ( 'accept' === $decision ) {
				$applied = self::apply( $p, $actor );
				if ( is_wp_error( $applied ) ) {
					SENW_CRM_Db::rollback();
					return $applied;
				}
			}
			SENW_CRM_Db::check(
				$wpdb->update(
					$table,
					array(
						'status'     => 'accept' === $decision ? 'accepted' : 'dismissed',
						'decided_by' => (int) $actor,
						'decided_at' => SENW_CRM_Db::now(),
					),
					array( 'id' => (int) $proposal_id )
				)
			);
			$label = self::label( $p['field'] );
			SENW_CRM_Timeline::add_activity(
				$lead_id ? $lead_id : null,
				$person_id,
				$actor,
				'system',
				'accept' === $decision
					/* translators: 1: field, 2: value */
					? sprintf( __( 'Proposed change accepted: %1$s is now %2$s.', 'senw-crm' ), $label, $p['proposed_value'] )
					/* translators: 1: field, 2: value */
					: sprintf( __( 'Proposed change dismissed: %1$s %2$s.', 'senw-crm' ), $label, $p['proposed_value'] ),
				array(
					'proposal_id' => (int) $proposal_id,
					'field'       => $p['field'],
					'decision'    => $decision,
				)
			);
			SENW_CRM_Audit::log(
				'proposal_' . $decision,
				'person',
				$person_id,
				array(
					'proposal_id' => (int) $proposal_id,
					'field'       => $p['field'],
				),
				$actor
			);
			if ( ! SENW_CRM_Db::commit() ) {
				throw new RuntimeException( 'commit' );
			}
			return true;
		} catch ( Exception $e ) {
			SENW_CRM_Db::rollback();
			return new WP_Error( 'senw_crm_db_error', __( 'The change could not be saved. Please try again.', 'senw-crm' ), array( 'status' => 500 ) );
		}
	}

	public static function label( $field ) {
		$labels = array(
			'first_name' => __( 'first name', 'senw-crm' ),
			'last_name'  => __( 'last name', 'senw-crm' ),
			'email'      => __( 'email', 'senw-crm' ),
			'phone'      => __( 'phone', 'senw-crm' ),
			'consent'    => __( 'consent to be contacted by', 'senw-crm' ),
		);
		return isset( $labels[ $field ] ) ? $labels[ $field ] : $field;
	}

	private static function apply( array $p, $actor ) {
		global $wpdb;
		$person_id = (int) $p['person_id'];
		$value     = (string) $p['proposed_value'];
		$taken     = new WP_Error( 'senw_crm_taken', __( 'Another contact record holds this value now; see Possible duplicates.', 'senw-crm' ), array( 'status' => 409 ) );
		switch ( $p['field'] ) {
			case 'first_name':
			case 'last_name':
				SENW_CRM_Db::check( $wpdb->update( SENW_CRM_Db::t( 'people' ), array( $p['field'] => mb_substr( $value, 0, 100 ) ), array( 'id' => $person_id ) ) );
				break;
			case 'email':
				$owner = SENW_CRM_People::email_owner( $value, true );
				if ( null !== $owner && $owner !== $person_id ) {
					return $taken;
				}
				SENW_CRM_People::attach_email( $person_id, $value, false );
				break;
			case 'phone':
				$owner = SENW_CRM_People::phone_owner( $value, true );
				if ( null !== $owner && $owner !== $person_id ) {
					return $taken;
				}
				$detail = json_decode( (string) $p['detail'], true );
				SENW_CRM_People::attach_phone( $person_id, $value, is_array( $detail ) && isset( $detail['phone_raw'] ) ? $detail['phone_raw'] : $value, false );
				break;
			case 'consent':
				$detail = json_decode( (string) $p['detail'], true );
				if ( ! is_array( $detail ) || empty( $detail['channels'] ) ) {
					return new WP_Error( 'senw_crm_bad_proposal', __( 'This consent has no channels.', 'senw-crm' ), array( 'status' => 400 ) );
				}
				foreach ( (array) $detail['channels'] as $channel ) {
					SENW_CRM_Db::check(
						$wpdb->insert(
							SENW_CRM_Db::t( 'consents' ),
							array(
								'person_id'    => $person_id,
								'lead_id'      => $p['lead_id'] ? (int) $p['lead_id'] : null,
								'channel'      => substr( (string) $channel, 0, 10 ),
								'granted'      => 1,
								'consent_text' => (string) $detail['text'],
								'ip_address'   => substr( (string) $detail['ip'], 0, 45 ),
								'user_agent'   => mb_substr( (string) $detail['user_agent'], 0, 500 ),
								'source_url'   => mb_substr( (string) $detail['source_url'], 0, 2000 ),
								'created_at'   => isset( $detail['given_at'] ) ? substr( (string) $detail['given_at'], 0, 23 ) : SENW_CRM_Db::now(),
							)
						)
					);
				}
				break;
			default:
				return new WP_Error( 'senw_crm_bad_proposal', __( 'Unknown field.', 'senw-crm' ), array( 'status' => 400 ) );
		}
		SENW_CRM_People::refresh_person_cache( $person_id );
		return true;
	}
}

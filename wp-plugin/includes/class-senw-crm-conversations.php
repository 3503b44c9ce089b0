<?php
/**
 * The lead page's Conversation box: the person's emails and texts both ways as
 * one thread (replies under the message they answer), and the agent's form to
 * send an email or text with a template and merge fields. Sending is the
 * sidecar's: the compliance gate decides there, and a refusal comes back with
 * its reasons, shown in the box.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Conversations {

	const SEND = 'senw_crm_lead_send';

	public static function register() {
		add_action( 'senw_crm_lead_page_main', array( __CLASS__, 'lead_box' ), 5, 2 );
		add_action( 'admin_post_' . self::SEND, array( __CLASS__, 'handle_send' ) );
	}

	public static function messages() {
		return array(
			'message_queued' => __( 'Message accepted: it is being sent.', 'senw-crm' ),
			'message_empty'  => __( 'Write a message (and a subject for an email), or choose a template.', 'senw-crm' ),
			'message_fail'   => __( 'The message could not be handed to the sending service. Please try again.', 'senw-crm' ),
		);
	}

	/** The person's messages to and from them, oldest first (staff alerts excluded). */
	public static function thread( $person_id ) {
		global $wpdb;
		// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		return $wpdb->get_results( $wpdb->prepare( "SELECT id, channel, direction, subject, body, status, error, in_reply_to, user_id, created_at, delivered_at, opened_at FROM `" . SENW_CRM_Db::t( 'messages' ) . "` WHERE person_id = %d AND audience = 'contact' ORDER BY created_at, id LIMIT 300", (int) $person_id ), ARRAY_A );
	}

	public static function templates() {
		global $wpdb;
		return $wpdb->get_results( 'SELECT id, name, channel, subject, body FROM `' . SENW_CRM_Db::t( 'message_templates' ) . '` WHERE active = 1 ORDER BY channel, name', ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
	}

	public static function lead_box( $lead, $can_edit ) {
		global $wpdb;
		$blocked = null;
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only; the row must be this lead's.
		$bid = isset( $_GET['senw_blocked'] ) ? absint( $_GET['senw_blocked'] ) : 0;
		if ( $bid ) {
			// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
			$blocked = $wpdb->get_var( $wpdb->prepare( "SELECT error FROM `" . SENW_CRM_Db::t( 'messages' ) . "` WHERE id = %d AND lead_id = %d AND status = 'blocked'", $bid, (int) $lead['id'] ) );
		}
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-lead-conversation',
			array(
				'lead'      => $lead,
				'can_edit'  => $can_edit,
				'thread'    => self::thread( (int) $lead['person_id'] ),
				'templates' => self::templates(),
				'blocked'   => $blocked,
				'send_key'  => wp_generate_password( 32, false ),
				'post_url'  => admin_url( 'admin-post.php' ),
			)
		);
	}

	/** admin-post.php?action=senw_crm_lead_send */
	public static function handle_send() {
		$lead_id  = SENW_CRM_Admin_Actions::authorize_lead_form( self::SEND );
		$channel  = isset( $_POST['channel'] ) && 'email' === $_POST['channel'] ? 'email' : 'sms';
		$purpose  = isset( $_POST['purpose'] ) && 'marketing' === $_POST['purpose'] ? 'marketing' : 'transactional';
		$body     = isset( $_POST['body'] ) ? sanitize_textarea_field( wp_unslash( $_POST['body'] ) ) : '';
		$subject  = isset( $_POST['subject'] ) ? sanitize_text_field( wp_unslash( $_POST['subject'] ) ) : '';
		$template = isset( $_POST['template'] ) ? absint( $_POST['template'] ) : 0;
		$key      = isset( $_POST['send_key'] ) ? preg_replace( '/[^A-Za-z0-9_-]/', '', wp_unslash( $_POST['send_key'] ) ) : ''; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput -- reduced to a safe alphabet.
		$url      = SENW_CRM_Admin::lead_url( $lead_id ) . '#senw-lead-conversation';
		if ( ( '' === trim( $body ) && ! $template ) || strlen( $key ) < 16 ) {
			wp_safe_redirect( add_query_arg( 'senw_error', 'message_empty', SENW_CRM_Admin::lead_url( $lead_id ) ) );
			exit;
		}
		$payload = array(
			'lead_id' => $lead_id,
			'user_id' => get_current_user_id(),
			'channel' => $channel,
			'purpose' => $purpose,
			'body'    => $body,
			'subject' => $subject,
			'key'     => $key,
		);
		if ( $template ) {
			$payload['template_id'] = $template;
		}
		$result = SENW_CRM_Sidecar::signed_request( 'POST', '/internal/conversations/send', $payload, 10.0 );
		if ( is_wp_error( $result ) || ( 200 !== $result['status'] && 400 !== $result['status'] ) ) {
			wp_safe_redirect( add_query_arg( 'senw_error', 'message_fail', SENW_CRM_Admin::lead_url( $lead_id ) ) );
			exit;
		}
		if ( 400 === $result['status'] ) {
			wp_safe_redirect( add_query_arg( 'senw_error', 'message_empty', SENW_CRM_Admin::lead_url( $lead_id ) ) );
			exit;
		}
		$json = (array) $result['json'];
		SENW_CRM_Audit::log( 'send_' . $channel, 'lead', $lead_id, array( 'message_id' => (int) $json['message_id'], 'allowed' => ! empty( $json['allowed'] ) ) );
		if ( empty( $json['allowed'] ) ) {
			wp_safe_redirect( add_query_arg( 'senw_blocked', (int) $json['message_id'], SENW_CRM_Admin::lead_url( $lead_id ) ) . '#senw-lead-conversation' );
			exit;
		}
		wp_safe_redirect( add_query_arg( 'senw_notice', 'message_queued', SENW_CRM_Admin::lead_url( $lead_id ) ) . '#senw-lead-conversation' );
		exit;
	}
}

<?php
/**
 * CRM > Message Templates (managers): the email and text templates agents pick
 * on the lead page. Merge fields ({first_name}, {last_name}, {full_name},
 * {agent_name}, {agent_email}, {brokerage}, {brokerage_address}) are filled in
 * by the sidecar when the message is sent.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Templates {

	const SLUG   = 'senw-crm-templates';
	const ACTION = 'senw_crm_template';

	public static function register() {
		if ( ! is_admin() ) {
			return;
		}
		add_action( 'admin_menu', array( __CLASS__, 'menu' ), 22 );
		add_action( 'admin_post_' . self::ACTION, array( __CLASS__, 'handle' ) );
	}

	public static function messages() {
		return array(
			'template_saved'   => __( 'Template saved.', 'senw-crm' ),
			'template_removed' => __( 'Template removed from the lead page.', 'senw-crm' ),
			'template_bad'     => __( 'A template needs a name, a channel and a message (and a subject for email).', 'senw-crm' ),
		);
	}

	public static function menu() {
		$hook = add_submenu_page( SENW_CRM_Admin::MENU_SLUG, __( 'Message Templates', 'senw-crm' ), __( 'Message Templates', 'senw-crm' ), SENW_CRM_Campaigns::CAP, self::SLUG, array( __CLASS__, 'render' ) );
		if ( $hook ) {
			add_action( 'load-' . $hook, array( 'SENW_CRM_Compliance', 'styles' ) );
		}
	}

	public static function render() {
		global $wpdb;
		if ( ! current_user_can( SENW_CRM_Campaigns::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage templates.', 'senw-crm' ), 403 );
		}
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-templates',
			array(
				'templates' => $wpdb->get_results( 'SELECT * FROM `' . SENW_CRM_Db::t( 'message_templates' ) . '` WHERE active = 1 ORDER BY channel, name', ARRAY_A ), // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
				'notices'   => SENW_CRM_Admin::notices(),
				'post_url'  => admin_url( 'admin-post.php' ),
			)
		);
	}

	public static function handle() {
		global $wpdb;
		if ( ! current_user_can( SENW_CRM_Campaigns::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage templates.', 'senw-crm' ), 403 );
		}
		check_admin_referer( self::ACTION );
		$back   = admin_url( 'admin.php?page=' . self::SLUG );
		$remove = isset( $_POST['remove'] ) ? absint( $_POST['remove'] ) : 0;
		if ( $remove ) {
			$wpdb->update( SENW_CRM_Db::t( 'message_templates' ), array( 'active' => 0 ), array( 'id' => $remove ), array( '%d' ), array( '%d' ) );
			SENW_CRM_Audit::log( 'remove', 'message_template', $remove );
			wp_safe_redirect( add_query_arg( 'senw_notice', 'template_removed', $back ) );
			exit;
		}
		$name    = isset( $_POST['name'] ) ? substr( sanitize_text_field( wp_unslash( $_POST['name'] ) ), 0, 100 ) : '';
		$channel = isset( $_POST['channel'] ) && 'email' === $_POST['channel'] ? 'email' : 'sms';
		$subject = isset( $_POST['subject'] ) ? substr( sanitize_text_field( wp_unslash( $_POST['subject'] ) ), 0, 255 ) : '';
		$body    = isset( $_POST['body'] ) ? sanitize_textarea_field( wp_unslash( $_POST['body'] ) ) : '';
		if ( '' === $name || '' === trim( $body ) || ( 'email' === $channel && '' === $subject ) ) {
			wp_safe_redirect( add_query_arg( 'senw_error', 'template_bad', $back ) );
			exit;
		}
		$wpdb->insert( SENW_CRM_Db::t( 'message_templates' ), array( 'name' => $name, 'channel' => $channel, 'subject' => $subject, 'body' => $body, 'created_by' => get_current_user_id() ), array( '%s', '%s', '%s', '%s', '%d' ) );
		SENW_CRM_Audit::log( 'create', 'message_template', (int) $wpdb->insert_id );
		wp_safe_redirect( add_query_arg( 'senw_notice', 'template_saved', $back ) );
		exit;
	}
}

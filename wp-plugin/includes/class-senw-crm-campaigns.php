<?php
/**
 * CRM > Campaigns (managers): build a sequence of email, text and mail steps,
 * enroll leads, schedule, pause and resume, and see each step's counts (sent,
 * delivered, opened, clicked, replied, opted out, blocked and why). Mail steps
 * make daily batches exported here for the mail house. Sending is the
 * sidecar's (sidecar/campaigns/run.py): every send passes the compliance gate.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Campaigns {

	const SLUG     = 'senw-crm-campaigns';
	const CAP      = 'senw_manage_campaigns';
	const ACTION   = 'senw_crm_campaign';
	const EXPORT   = 'senw_crm_mail_export';
	const CHANNELS = array( 'email', 'sms', 'mail' );

	public static function register() {
		if ( ! is_admin() ) {
			return;
		}
		add_action( 'admin_menu', array( __CLASS__, 'menu' ), 22 );
		add_action( 'admin_post_' . self::ACTION, array( __CLASS__, 'handle' ) );
		add_action( 'admin_post_' . self::EXPORT, array( __CLASS__, 'export_batch' ) );
	}

	public static function messages() {
		return array(
			'campaign_created' => __( 'Campaign created: add its steps and enroll leads.', 'senw-crm' ),
			'campaign_step'    => __( 'Step added.', 'senw-crm' ),
			'campaign_bad'     => __( 'Check the fields: a step needs a channel, a delay of 0 or more minutes and a message (and a subject for email).', 'senw-crm' ),
			'campaign_enroll'  => __( 'Leads enrolled (people already in the campaign are not added twice).', 'senw-crm' ),
			'campaign_sched'   => __( 'Campaign scheduled.', 'senw-crm' ),
			'campaign_paused'  => __( 'Campaign paused: no step is sent until it is resumed.', 'senw-crm' ),
			'campaign_resumed' => __( 'Campaign resumed.', 'senw-crm' ),
			'campaign_nosteps' => __( 'Add at least one step before scheduling.', 'senw-crm' ),
		);
	}

	public static function menu() {
		$hook = add_submenu_page( SENW_CRM_Admin::MENU_SLUG, __( 'Campaigns', 'senw-crm' ), __( 'Campaigns', 'senw-crm' ), self::CAP, self::SLUG, array( __CLASS__, 'render' ) );
		if ( $hook ) {
			add_action( 'load-' . $hook, array( 'SENW_CRM_Compliance', 'styles' ) );
		}
	}

	/** Cents as dollars for the reports. */
	public static function money( $cents ) {
		return '$' . number_format_i18n( $cents / 100, 2 );
	}

	private static function t( $name ) {
		return SENW_CRM_Db::t( $name );
	}

	private static function url( $campaign_id = 0, $arg = '', $code = '' ) {
		$url = admin_url( 'admin.php?page=' . self::SLUG . ( $campaign_id ? '&campaign=' . (int) $campaign_id : '' ) );
		return $arg ? add_query_arg( $arg, $code, $url ) : $url;
	}

	public static function get( $campaign_id ) {
		global $wpdb;
		return $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM `' . self::t( 'campaigns' ) . '` WHERE id = %d', (int) $campaign_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
	}

	/** Per step: sent, delivered, opened, clicked, replied, opted out, mailed, blocked. */
	public static function step_counts( $campaign_id ) {
		global $wpdb;
		$steps = self::t( 'campaign_steps' );
		$sends = self::t( 'campaign_sends' );
		$msgs  = self::t( 'messages' );
		$outs  = self::t( 'opt_outs' );
		// phpcs:disable WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from prefix.
		$sql = "SELECT st.id, st.position, st.channel, st.delay_minutes, st.subject, st.body,
			COALESCE(SUM(x.status = 'sent'), 0) AS sent,
			COALESCE(SUM(x.status = 'sent' AND m.delivered_at IS NOT NULL), 0) AS delivered,
			COALESCE(SUM(x.status = 'sent' AND m.opened_at IS NOT NULL), 0) AS opened,
			COALESCE(SUM(x.status = 'sent' AND m.clicked_at IS NOT NULL), 0) AS clicked,
			COALESCE(SUM(x.status = 'sent' AND EXISTS (SELECT 1 FROM `{$msgs}` r WHERE r.in_reply_to = x.message_id AND r.direction = 'inbound')), 0) AS replied,
			COALESCE(SUM(x.status = 'sent' AND EXISTS (SELECT 1 FROM `{$outs}` o WHERE o.person_id = x.person_id AND o.created_at >= x.created_at AND NOT EXISTS (SELECT 1 FROM `{$sends}` y WHERE y.member_id = x.member_id AND y.status = 'sent' AND y.created_at > x.created_at AND y.created_at <= o.created_at))), 0) AS opted_out,
			COALESCE(SUM(x.status = 'mailed'), 0) AS mailed,
			COALESCE(SUM(x.status = 'blocked'), 0) AS blocked
			FROM `{$steps}` st LEFT JOIN `{$sends}` x ON x.step_id = st.id LEFT JOIN `{$msgs}` m ON m.id = x.message_id
			WHERE st.campaign_id = %d GROUP BY st.id ORDER BY st.position";
		$rows = $wpdb->get_results( $wpdb->prepare( $sql, (int) $campaign_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- built above from prefixed names.
		$why  = $wpdb->get_results( $wpdb->prepare( "SELECT step_id, rule, COUNT(*) AS n FROM `{$sends}` WHERE campaign_id = %d AND status = 'blocked' GROUP BY step_id, rule ORDER BY n DESC", (int) $campaign_id ), ARRAY_A );
		// phpcs:enable
		foreach ( $rows as &$row ) {
			$row['why'] = array();
			foreach ( $why as $w ) {
				if ( (int) $w['step_id'] === (int) $row['id'] ) {
					$row['why'][ $w['rule'] ] = (int) $w['n'];
				}
			}
		}
		return $rows;
	}

	public static function render() {
		global $wpdb;
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage campaigns.', 'senw-crm' ), 403 );
		}
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- viewing.
		$id       = isset( $_GET['campaign'] ) ? absint( $_GET['campaign'] ) : 0;
		$campaign = $id ? self::get( $id ) : null;
		$members  = self::t( 'campaign_members' );
		// phpcs:disable WordPress.DB.PreparedSQL.NotPrepared, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from prefix.
		$data = array(
			'campaign'  => $campaign,
			'notices'   => SENW_CRM_Admin::notices(),
			'post_url'  => admin_url( 'admin-post.php' ),
			// Responses attributed to the campaign, and the leads among the people who responded.
			'campaigns' => $campaign ? array() : $wpdb->get_results( "SELECT c.*, (SELECT COUNT(*) FROM `{$members}` m WHERE m.campaign_id = c.id) AS members, (SELECT COUNT(*) FROM `" . self::t( 'responses' ) . "` r WHERE r.campaign_id = c.id) AS responses, (SELECT COUNT(DISTINCT l.id) FROM `" . self::t( 'responses' ) . "` r JOIN `" . self::t( 'leads' ) . "` l ON l.person_id = r.person_id AND l.created_at >= r.created_at - INTERVAL 1 MINUTE WHERE r.campaign_id = c.id) AS leads FROM `" . self::t( 'campaigns' ) . '` c ORDER BY c.id DESC LIMIT 200', ARRAY_A ),
			'steps'     => $campaign ? self::step_counts( $id ) : array(),
			'people'    => $campaign ? $wpdb->get_results( $wpdb->prepare( "SELECT status, COUNT(*) AS n FROM `{$members}` WHERE campaign_id = %d GROUP BY status", $id ), ARRAY_A ) : array(),
			'batches'   => $campaign ? $wpdb->get_results( $wpdb->prepare( 'SELECT * FROM `' . self::t( 'mail_batches' ) . '` WHERE campaign_id = %d ORDER BY id DESC LIMIT 50', $id ), ARRAY_A ) : array(),
			'statuses'  => SENW_CRM_Lead_Validator::STATUSES,
		);
		// phpcs:enable
		echo SENW_CRM_Lead_Form::template( 'admin-campaigns', $data ); // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
	}

	/** admin-post.php?action=senw_crm_campaign&op=create|add_step|enroll|schedule|pause|resume */
	public static function handle() {
		global $wpdb;
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage campaigns.', 'senw-crm' ), 403 );
		}
		$op = isset( $_POST['op'] ) ? sanitize_key( wp_unslash( $_POST['op'] ) ) : '';
		$id = isset( $_POST['campaign'] ) ? absint( $_POST['campaign'] ) : 0;
		check_admin_referer( self::ACTION . '_' . $op . '_' . $id );
		$get = static function ( $key ) {
			// phpcs:ignore WordPress.Security.NonceVerification.Missing -- checked above.
			return isset( $_POST[ $key ] ) && is_string( $_POST[ $key ] ) ? wp_unslash( $_POST[ $key ] ) : '';
		};
		if ( 'create' === $op ) {
			$name = substr( sanitize_text_field( $get( 'name' ) ), 0, 150 );
			if ( '' === $name ) {
				wp_safe_redirect( self::url( 0, 'senw_error', 'campaign_bad' ) );
				exit;
			}
			$wpdb->insert( self::t( 'campaigns' ), array( 'name' => $name, 'created_by' => get_current_user_id(), 'sms_per_minute' => max( 1, min( 6000, absint( $get( 'sms_per_minute' ) ) ?: 60 ) ) ), array( '%s', '%d', '%d' ) );
			$id = (int) $wpdb->insert_id;
			SENW_CRM_Audit::log( 'create', 'campaign', $id, array( 'name' => $name ) );
			wp_safe_redirect( self::url( $id, 'senw_notice', 'campaign_created' ) );
			exit;
		}
		if ( ! $id || ! self::get( $id ) ) {
			wp_die( esc_html__( 'No such campaign.', 'senw-crm' ), 404 );
		}
		$code = 'campaign_bad';
		$arg  = 'senw_error';
		if ( 'add_step' === $op ) {
			$channel = sanitize_key( $get( 'channel' ) );
			$delay   = $get( 'delay_minutes' );
			$subject = substr( sanitize_text_field( $get( 'subject' ) ), 0, 255 );
			$body    = sanitize_textarea_field( $get( 'body' ) );
			if ( in_array( $channel, self::CHANNELS, true ) && preg_match( '/^\d{1,6}$/', $delay ) && '' !== trim( $body ) && ( 'email' !== $channel || '' !== $subject ) ) {
				// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
				$next = 1 + (int) $wpdb->get_var( $wpdb->prepare( 'SELECT COALESCE(MAX(position), 0) FROM `' . self::t( 'campaign_steps' ) . '` WHERE campaign_id = %d', $id ) );
				$wpdb->insert(
					self::t( 'campaign_steps' ),
					array( 'campaign_id' => $id, 'position' => $next, 'channel' => $channel, 'delay_minutes' => (int) $delay, 'subject' => $subject, 'body' => $body ),
					array( '%d', '%d', '%s', '%d', '%s', '%s' )
				);
				list( $arg, $code ) = array( 'senw_notice', 'campaign_step' );
			}
		} elseif ( 'enroll' === $op ) {
			$status = sanitize_key( $get( 'lead_status' ) );
			$where  = in_array( $status, SENW_CRM_Lead_Validator::STATUSES, true ) ? $wpdb->prepare( ' AND l.status = %s', $status ) : '';
			// One membership per person: their most recent lead is the one named.
			// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from prefix, $where prepared.
			$wpdb->query( $wpdb->prepare( 'INSERT IGNORE INTO `' . self::t( 'campaign_members' ) . '` (campaign_id, person_id, lead_id, enrolled_by) SELECT %d, l.person_id, MAX(l.id), %d FROM `' . self::t( 'leads' ) . '` l JOIN `' . self::t( 'people' ) . "` p ON p.id = l.person_id AND p.merged_into IS NULL WHERE 1=1{$where} GROUP BY l.person_id", $id, get_current_user_id() ) );
			SENW_CRM_Audit::log( 'enroll', 'campaign', $id, array( 'lead_status' => $status, 'added' => (int) $wpdb->rows_affected ) );
			list( $arg, $code ) = array( 'senw_notice', 'campaign_enroll' );
		} elseif ( 'schedule' === $op ) {
			// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
			$steps = (int) $wpdb->get_var( $wpdb->prepare( 'SELECT COUNT(*) FROM `' . self::t( 'campaign_steps' ) . '` WHERE campaign_id = %d', $id ) );
			$when  = $get( 'starts_at' );
			$ts    = '' === $when ? time() : strtotime( get_gmt_from_date( str_replace( 'T', ' ', $when ) . ':00' ) . ' UTC' );
			if ( ! $steps ) {
				$code = 'campaign_nosteps';
			} elseif ( false !== $ts ) {
				$wpdb->update( self::t( 'campaigns' ), array( 'status' => 'scheduled', 'starts_at' => gmdate( 'Y-m-d H:i:s', $ts ) ), array( 'id' => $id ), array( '%s', '%s' ), array( '%d' ) );
				SENW_CRM_Audit::log( 'schedule', 'campaign', $id, array( 'starts_at' => gmdate( 'c', $ts ) ) );
				list( $arg, $code ) = array( 'senw_notice', 'campaign_sched' );
			}
		} elseif ( 'pause' === $op || 'resume' === $op ) {
			$to   = 'pause' === $op ? 'paused' : 'running';
			$from = 'pause' === $op ? array( 'running', 'scheduled' ) : array( 'paused' );
			// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
			$wpdb->query( $wpdb->prepare( 'UPDATE `' . self::t( 'campaigns' ) . '` SET status = %s WHERE id = %d AND status IN (%s, %s)', $to, $id, $from[0], isset( $from[1] ) ? $from[1] : $from[0] ) );
			SENW_CRM_Audit::log( $op, 'campaign', $id );
			list( $arg, $code ) = array( 'senw_notice', 'pause' === $op ? 'campaign_paused' : 'campaign_resumed' );
		}
		wp_safe_redirect( self::url( $id, $arg, $code ) );
		exit;
	}

	/** A mail batch as CSV for the mail house: name and mailing address per piece. */
	public static function export_batch() {
		global $wpdb;
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to export mail batches.', 'senw-crm' ), 403 );
		}
		$batch = isset( $_POST['batch'] ) ? absint( $_POST['batch'] ) : 0;
		check_admin_referer( self::EXPORT . '_' . $batch );
		// phpcs:disable WordPress.DB.PreparedSQL.NotPrepared, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from prefix.
		$rows = $wpdb->get_results( $wpdb->prepare( 'SELECT p.first_name, p.last_name, a.street, a.city, a.state, a.postal_code FROM `' . self::t( 'campaign_sends' ) . '` x JOIN `' . self::t( 'people' ) . '` p ON p.id = x.person_id JOIN `' . self::t( 'person_addresses' ) . "` a ON a.id = (SELECT MIN(id) FROM `" . self::t( 'person_addresses' ) . "` WHERE person_id = x.person_id AND is_mailing = 1) WHERE x.batch_id = %d AND x.status = 'mailed' ORDER BY a.postal_code, p.last_name", $batch ), ARRAY_A );
		$wpdb->update( self::t( 'mail_batches' ), array( 'exported_at' => SENW_CRM_Db::now() ), array( 'id' => $batch ), array( '%s' ), array( '%d' ) );
		// phpcs:enable
		SENW_CRM_Audit::log( 'export', 'mail_batch', $batch, array( 'pieces' => count( $rows ) ) );
		$out = SENW_CRM_Csv::download( 'senw-mail-batch-' . $batch . '.csv', array( 'first_name', 'last_name', 'address', 'city', 'state', 'zip' ) );
		foreach ( $rows as $row ) {
			SENW_CRM_Csv::put( $out, $row );
		}
		fclose( $out ); // phpcs:ignore WordPress.WP.AlternativeFunctions -- php://output stream.
		exit;
	}
}

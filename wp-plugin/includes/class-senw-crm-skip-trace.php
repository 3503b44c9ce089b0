<?php
/**
 * Skip tracing from wp-admin: a manager starts a trace of a list's owners (on
 * the list's page under CRM > Lists) or of one lead's person (on the lead
 * page); the batch row and its outbox row are written in one transaction and
 * the sidecar's skiptrace.run job does the provider calls
 * (sidecar/skiptrace/). Both pages show the batches with their counts and
 * cost, and what each trace found: ranked phones with line type and the
 * provider's DNC flag, and emails, each marked added, already known or
 * another person's (sent to Possible duplicates, never moved).
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Skip_Trace {

	const CAP        = 'senw_manage_lists';
	const LIST_TRACE = 'senw_crm_skiptrace_list';
	const LEAD_TRACE = 'senw_crm_skiptrace_lead';
	const ACTIVE     = array( 'queued', 'running', 'waiting' );

	public static function register() {
		if ( ! is_admin() ) {
			return;
		}
		add_action( 'admin_post_' . self::LIST_TRACE, array( __CLASS__, 'handle_list' ) );
		add_action( 'admin_post_' . self::LEAD_TRACE, array( __CLASS__, 'handle_lead' ) );
		add_action( 'senw_crm_list_detail', array( __CLASS__, 'list_box' ) );
		add_action( 'senw_crm_lead_page_side', array( __CLASS__, 'lead_box' ), 30, 2 );
	}

	public static function messages() {
		return array(
			'skiptrace_started' => __( 'Skip trace started: results appear here as the provider answers.', 'senw-crm' ),
			'skiptrace_busy'    => __( 'A skip trace of this is already running.', 'senw-crm' ),
			'skiptrace_no_list' => __( 'Only an imported list can be skip traced.', 'senw-crm' ),
		);
	}

	private static function t( $name ) {
		return SENW_CRM_Db::t( $name );
	}

	/** The batches of a list or a lead, newest first. */
	private static function batches( $column, $id ) {
		global $wpdb;
		$column = 'list_id' === $column ? 'list_id' : 'lead_id';
		// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table and column names are fixed.
		return $wpdb->get_results( $wpdb->prepare( 'SELECT * FROM `' . self::t( 'skiptrace_batches' ) . "` WHERE {$column} = %d ORDER BY id DESC LIMIT 10", (int) $id ), ARRAY_A );
	}

	/**
	 * What the traces found: one entry per matched request (person, phones,
	 * emails), for a batch or for a person's latest match.
	 */
	private static function found( $batch_id, $person_id = 0 ) {
		global $wpdb;
		$r = self::t( 'skiptrace_requests' );
		$p = self::t( 'people' );
		// phpcs:disable WordPress.DB.PreparedSQL.NotPrepared -- table names from prefix.
		if ( $person_id ) {
			$rows = $wpdb->get_results( $wpdb->prepare( "SELECT r.id, r.person_id, r.cost_cents, r.traced_at, p.first_name, p.last_name FROM `{$r}` r JOIN `{$p}` p ON p.id = r.person_id WHERE r.person_id = %d AND r.status = 'matched' ORDER BY r.id DESC LIMIT 1", (int) $person_id ), ARRAY_A );
		} else {
			$rows = $wpdb->get_results( $wpdb->prepare( "SELECT r.id, r.person_id, r.cost_cents, r.traced_at, p.first_name, p.last_name FROM `{$r}` r JOIN `{$p}` p ON p.id = r.person_id WHERE r.batch_id = %d AND r.status = 'matched' ORDER BY r.id LIMIT 200", (int) $batch_id ), ARRAY_A );
		}
		if ( ! $rows ) {
			return array();
		}
		$out = array();
		foreach ( $rows as $row ) {
			$out[ (int) $row['id'] ] = $row + array( 'phones' => array(), 'emails' => array() );
		}
		$ids    = implode( ',', array_map( 'intval', array_keys( $out ) ) );
		$phones = $wpdb->get_results( 'SELECT request_id, phone_e164, phone_rank, line_type, dnc, outcome FROM `' . self::t( 'skiptrace_phones' ) . "` WHERE request_id IN ({$ids}) ORDER BY phone_rank", ARRAY_A );
		$emails = $wpdb->get_results( 'SELECT request_id, email, email_rank, outcome FROM `' . self::t( 'skiptrace_emails' ) . "` WHERE request_id IN ({$ids}) ORDER BY email_rank", ARRAY_A );
		// phpcs:enable
		foreach ( $phones as $ph ) {
			$out[ (int) $ph['request_id'] ]['phones'][] = $ph;
		}
		foreach ( $emails as $em ) {
			$out[ (int) $em['request_id'] ]['emails'][] = $em;
		}
		return array_values( $out );
	}

	private static function box( $data ) {
		$data += array(
			'post_url' => admin_url( 'admin-post.php' ),
			'notices'  => array(),
		);
		echo SENW_CRM_Lead_Form::template( 'admin-skip-trace', $data ); // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
	}

	/** The list page's skip-trace section (CRM > Lists > a list). */
	public static function list_box( $list ) {
		if ( ! current_user_can( self::CAP ) || 'done' !== $list['status'] ) {
			return;
		}
		$batches = self::batches( 'list_id', (int) $list['id'] );
		self::box(
			array(
				'context' => 'list',
				'batches' => $batches,
				'found'   => $batches ? self::found( (int) $batches[0]['id'] ) : array(),
				'action'  => self::LIST_TRACE,
				'field'   => 'list',
				'id'      => (int) $list['id'],
				'can'     => true,
			)
		);
	}

	/** The lead page's side box: the person's latest trace; managers may start one. */
	public static function lead_box( $lead, $can_edit ) {
		self::box(
			array(
				'context' => 'lead',
				'batches' => self::batches( 'lead_id', (int) $lead['id'] ),
				'found'   => self::found( 0, (int) $lead['person_id'] ),
				'action'  => self::LEAD_TRACE,
				'field'   => 'lead',
				'id'      => (int) $lead['id'],
				'can'     => $can_edit && current_user_can( self::CAP ),
			)
		);
	}

	/** A batch and its job, in one transaction; false when one is already active. */
	private static function start( $column, $id ) {
		global $wpdb;
		$table  = self::t( 'skiptrace_batches' );
		$column = 'list_id' === $column ? 'list_id' : 'lead_id';
		SENW_CRM_Db::begin();
		// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table and column names are fixed.
		$busy = $wpdb->get_var( $wpdb->prepare( "SELECT id FROM `{$table}` WHERE {$column} = %d AND status IN ('queued', 'running', 'waiting') LIMIT 1 FOR UPDATE", (int) $id ) );
		if ( $busy ) {
			SENW_CRM_Db::rollback();
			return 'skiptrace_busy';
		}
		$ok       = (bool) $wpdb->insert(
			$table,
			array(
				$column      => (int) $id,
				'created_by' => get_current_user_id(),
			),
			array( '%d', '%d' )
		);
		$batch_id = (int) $wpdb->insert_id;
		$ok       = $ok && $wpdb->insert(
			self::t( 'outbox' ),
			array(
				'topic'   => 'skiptrace.run',
				'queue'   => 'low',
				'payload' => wp_json_encode( array( 'batch_id' => $batch_id ) ),
			),
			array( '%s', '%s', '%s' )
		);
		$outbox   = (int) $wpdb->insert_id;
		if ( ! $ok || ! SENW_CRM_Db::commit() ) {
			SENW_CRM_Db::rollback();
			return 'save_failed';
		}
		SENW_CRM_Audit::log( 'skip_trace', 'list_id' === $column ? 'list' : 'lead', (int) $id, array( 'batch' => $batch_id ) );
		SENW_CRM_Sidecar::kick_outbox( $outbox );
		return 'skiptrace_started';
	}

	private static function back( $url, $code ) {
		wp_safe_redirect( add_query_arg( 'skiptrace_started' === $code ? 'senw_notice' : 'senw_error', $code, $url ) );
		exit;
	}

	public static function handle_list() {
		global $wpdb;
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to skip trace lists.', 'senw-crm' ), 403 );
		}
		$id = isset( $_POST['list'] ) ? absint( $_POST['list'] ) : 0;
		check_admin_referer( self::LIST_TRACE . '_' . $id );
		// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		$status = $wpdb->get_var( $wpdb->prepare( 'SELECT status FROM `' . self::t( 'lists' ) . '` WHERE id = %d', $id ) );
		$url    = admin_url( 'admin.php?page=' . SENW_CRM_Lists::SLUG . '&list=' . $id );
		if ( 'done' !== $status ) {
			self::back( $url, 'skiptrace_no_list' );
		}
		self::back( $url, self::start( 'list_id', $id ) );
	}

	public static function handle_lead() {
		$lead_id = SENW_CRM_Admin_Actions::authorize_lead_form( self::LEAD_TRACE, self::CAP );
		self::back( SENW_CRM_Admin::lead_url( $lead_id ), self::start( 'lead_id', $lead_id ) );
	}
}

<?php
/**
 * Compliance screens: CRM > Compliance Ledger (every gate decision, searched
 * and exported as CSV by managers), CRM > Do-Not-Call (upload registry,
 * state and litigator files with the registry's date; what is loaded and how
 * old it is; the federal registry's download, once per 24 hours, and the
 * area codes subscribed), and the lead page's "Opt-outs" box where an agent
 * withdraws the lead's consent. Deciding, loading and scrubbing happen in the sidecar
 * (sidecar/compliance/); this class validates, authorizes and renders.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Compliance {

	const LEDGER_SLUG = 'senw-crm-compliance';
	const DNC_SLUG    = 'senw-crm-dnc';
	const CAP         = 'senw_manage_compliance';
	const EXPORT      = 'senw_crm_ledger_export';
	const UPLOAD      = 'senw_crm_dnc_upload';
	const OPT_OUT     = 'senw_crm_lead_opt_out';
	const DOWNLOAD    = 'senw_crm_dnc_download';
	const AREA_CODES  = 'senw_crm_dnc_save_area_codes';
	const AREA_OPTION = 'senw_crm_dnc_area_codes';
	const PER_PAGE    = 50;
	const CHANNELS    = array( 'email', 'sms', 'call', 'dialer_export', 'mail', 'ad_audience' );
	const OPT_OUTS    = array( 'sms', 'call', 'email', 'mail', 'all' );
	const KINDS       = array( 'federal', 'state', 'litigator' );
	const MAX_AGE     = 31;

	public static function register() {
		add_action( 'template_redirect', array( __CLASS__, 'optout_page' ), 1 );
		add_action( 'senw_crm_lead_page_side', array( __CLASS__, 'lead_box' ), 5, 2 );
		add_action( 'admin_post_' . self::OPT_OUT, array( __CLASS__, 'handle_opt_out' ) );
		if ( ! is_admin() ) {
			return;
		}
		add_action( 'admin_menu', array( __CLASS__, 'menu' ), 24 );
		add_action( 'admin_post_' . self::EXPORT, array( __CLASS__, 'export' ) );
		add_action( 'admin_post_' . self::UPLOAD, array( __CLASS__, 'handle_upload' ) );
		add_action( 'admin_post_' . self::DOWNLOAD, array( __CLASS__, 'handle_download' ) );
		add_action( 'admin_post_' . self::AREA_CODES, array( __CLASS__, 'handle_area_codes' ) );
	}

	public static function messages() {
		return array(
			'opted_out'     => __( 'Opt-out recorded: no more messages on those channels.', 'senw-crm' ),
			'opt_out_none'  => __( 'Choose at least one channel to opt the lead out of.', 'senw-crm' ),
			'opt_out_fail'  => __( 'The opt-out could not be recorded (the sidecar did not answer). Please try again.', 'senw-crm' ),
			'dnc_queued'    => __( 'File received: it is being loaded; the result appears below.', 'senw-crm' ),
			'dnc_no_file'   => __( 'Choose a file to upload.', 'senw-crm' ),
			'dnc_bad_kind'  => __( 'Choose the list type (federal, state or litigator) and a name of letters, digits, - or _.', 'senw-crm' ),
			'dnc_bad_date'  => __( 'Give the registry date of the file (not in the future).', 'senw-crm' ),
			'dnc_save_fail' => __( 'The file could not be stored for loading.', 'senw-crm' ),
			'dnc_dl_queued' => __( 'Registry download requested: the result appears below in a minute.', 'senw-crm' ),
			'dnc_dl_wait'   => __( 'A registry download is allowed once per 24 hours: see below when the next one is allowed.', 'senw-crm' ),
			'dnc_dl_busy'   => __( 'A registry download is already queued or running.', 'senw-crm' ),
			'dnc_dl_codes'  => __( 'Save the area codes the brokerage subscribes to before downloading.', 'senw-crm' ),
			'dnc_codes_ok'  => __( 'Subscribed area codes saved.', 'senw-crm' ),
			'dnc_codes_bad' => __( 'Area codes are three digits (the first 2-9), separated by commas.', 'senw-crm' ),
		);
	}

	public static function menu() {
		$ledger = add_submenu_page( SENW_CRM_Admin::MENU_SLUG, __( 'Compliance Ledger', 'senw-crm' ), __( 'Compliance Ledger', 'senw-crm' ), self::CAP, self::LEDGER_SLUG, array( __CLASS__, 'render_ledger' ) );
		$dnc    = add_submenu_page( SENW_CRM_Admin::MENU_SLUG, __( 'Do-Not-Call Lists', 'senw-crm' ), __( 'Do-Not-Call', 'senw-crm' ), self::CAP, self::DNC_SLUG, array( __CLASS__, 'render_dnc' ) );
		foreach ( array( $ledger, $dnc ) as $hook ) {
			if ( $hook ) {
				add_action( 'load-' . $hook, array( __CLASS__, 'styles' ) );
			}
		}
	}

	public static function styles() {
		wp_enqueue_style( 'senw-crm-admin', plugins_url( 'assets/admin.css', SENW_CRM_FILE ), array(), SENW_CRM_VERSION );
	}

	private static function t( $name ) {
		return SENW_CRM_Db::t( $name );
	}

	// -- ledger ---------------------------------------------------------------------

	/** Filters from GET (the screen) or POST (the export). */
	public static function filters( array $src ) {
		$get  = static function ( $key ) use ( $src ) {
			return isset( $src[ $key ] ) && is_string( $src[ $key ] ) ? sanitize_text_field( wp_unslash( $src[ $key ] ) ) : '';
		};
		$date = static function ( $v ) {
			return preg_match( '/^\d{4}-\d{2}-\d{2}$/', $v ) ? $v : '';
		};
		$outcome = $get( 'outcome' );
		$channel = $get( 'channel' );
		return array(
			'channel' => in_array( $channel, self::CHANNELS, true ) ? $channel : '',
			'outcome' => in_array( $outcome, array( 'allowed', 'denied' ), true ) ? $outcome : '',
			'rule'    => sanitize_key( $get( 'rule' ) ),
			'address' => substr( $get( 'address' ), 0, 254 ),
			'person'  => absint( $get( 'person' ) ) ? (string) absint( $get( 'person' ) ) : '',
			'actor'   => substr( preg_replace( '/[^A-Za-z0-9_:\/-]/', '', $get( 'actor' ) ), 0, 60 ),
			'from'    => $date( $get( 'from' ) ),
			'to'      => $date( $get( 'to' ) ),
		);
	}

	/** WHERE clause and its arguments for the filters. */
	private static function where( array $f ) {
		$sql  = array( '1=1' );
		$args = array();
		if ( '' !== $f['channel'] ) {
			$sql[]  = 'channel = %s';
			$args[] = $f['channel'];
		}
		if ( '' !== $f['outcome'] ) {
			$sql[] = 'allowed = ' . ( 'allowed' === $f['outcome'] ? '1' : '0' );
		}
		if ( '' !== $f['rule'] ) {
			$sql[]  = 'rule = %s';
			$args[] = $f['rule'];
		}
		if ( '' !== $f['address'] ) {
			$phone = SENW_CRM_Phone::e164( $f['address'] );
			$sql[] = 'address = %s';
			$args[] = null !== $phone ? $phone : strtolower( $f['address'] );
		}
		if ( '' !== $f['person'] ) {
			$sql[]  = 'person_id = %d';
			$args[] = (int) $f['person'];
		}
		if ( '' !== $f['actor'] ) {
			$sql[]  = 'actor LIKE %s';
			$args[] = $GLOBALS['wpdb']->esc_like( $f['actor'] ) . '%';
		}
		if ( '' !== $f['from'] ) {
			$sql[]  = 'decided_at >= %s';
			$args[] = $f['from'] . ' 00:00:00';
		}
		if ( '' !== $f['to'] ) {
			$sql[]  = 'decided_at < %s';
			$args[] = gmdate( 'Y-m-d', strtotime( $f['to'] . ' +1 day' ) ) . ' 00:00:00';
		}
		return array( implode( ' AND ', $sql ), $args );
	}

	public static function query( array $f, $page, $per_page ) {
		global $wpdb;
		list( $where, $args ) = self::where( $f );
		$table = self::t( 'compliance_ledger' );
		$count = 'SELECT COUNT(*) FROM `' . $table . '` WHERE ' . $where;
		$total = (int) $wpdb->get_var( $args ? $wpdb->prepare( $count, $args ) : $count ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- built from fixed parts and placeholders.
		$list  = 'SELECT * FROM `' . $table . '` WHERE ' . $where . ' ORDER BY id DESC LIMIT %d OFFSET %d';
		$items = $wpdb->get_results( $wpdb->prepare( $list, array_merge( $args, array( (int) $per_page, (int) ( ( $page - 1 ) * $per_page ) ) ) ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- built from fixed parts and placeholders.
		return array(
			'total' => $total,
			'items' => $items,
		);
	}

	public static function rules() {
		global $wpdb;
		return $wpdb->get_col( 'SELECT DISTINCT rule FROM `' . self::t( 'compliance_ledger' ) . '` ORDER BY rule' ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
	}

	/** The denied reasons of a ledger row, in words. */
	public static function explain( array $row ) {
		$reasons = json_decode( (string) $row['reasons'], true );
		$bad     = array();
		foreach ( is_array( $reasons ) ? $reasons : array() as $r ) {
			if ( empty( $r['ok'] ) && isset( $r['detail'] ) ) {
				$bad[] = (string) $r['detail'];
			}
		}
		return $bad ? implode( '; ', $bad ) : __( 'allowed', 'senw-crm' );
	}

	public static function render_ledger() {
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to view the compliance ledger.', 'senw-crm' ), 403 );
		}
		$filters = self::filters( $_GET ); // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- viewing.
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- viewing.
		$page   = isset( $_GET['paged'] ) ? max( 1, absint( $_GET['paged'] ) ) : 1;
		$result = self::query( $filters, $page, self::PER_PAGE );
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-compliance-ledger',
			array(
				'filters' => $filters,
				'items'   => $result['items'],
				'total'   => $result['total'],
				'page'    => $page,
				'pages'   => (int) ceil( $result['total'] / self::PER_PAGE ),
				'rules'   => self::rules(),
			)
		);
	}

	public static function export() {
		global $wpdb;
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to export the compliance ledger.', 'senw-crm' ), 403 );
		}
		check_admin_referer( self::EXPORT );
		$filters = self::filters( $_POST );
		SENW_CRM_Audit::log( 'export', 'compliance_ledger', null, array_filter( $filters ) );
		$out = SENW_CRM_Csv::download( 'senw-crm-compliance-' . gmdate( 'Ymd-His' ) . '.csv', array( 'id', 'decided_at_utc', 'channel', 'purpose', 'allowed', 'rule', 'reasons', 'address', 'person_id', 'lead_id', 'registry_date', 'actor', 'user_id', 'ref' ) );
		list( $where, $args ) = self::where( $filters );
		$last = PHP_INT_MAX;
		do {
			$sql  = 'SELECT * FROM `' . self::t( 'compliance_ledger' ) . '` WHERE ' . $where . ' AND id < %d ORDER BY id DESC LIMIT 1000';
			$rows = $wpdb->get_results( $wpdb->prepare( $sql, array_merge( $args, array( $last ) ) ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- built from fixed parts and placeholders.
			foreach ( $rows as $row ) {
				$cells = array( $row['id'], $row['decided_at'], $row['channel'], $row['purpose'], $row['allowed'] ? 'yes' : 'no', $row['rule'], self::explain( $row ), $row['address'], $row['person_id'], $row['lead_id'], $row['registry_date'], $row['actor'], $row['user_id'], $row['ref'] );
				SENW_CRM_Csv::put( $out, $cells );
				$last = (int) $row['id'];
			}
		} while ( count( $rows ) === 1000 );
		fclose( $out ); // phpcs:ignore WordPress.WP.AlternativeFunctions -- php://output stream.
		exit;
	}

	// -- Do-Not-Call ----------------------------------------------------------------

	/** Where uploads wait for the sidecar's loader (shared with it: SENW_DNC_DIR/inbox). */
	public static function inbox_dir() {
		$base = defined( 'SENW_CRM_DNC_DIR' ) ? SENW_CRM_DNC_DIR : getenv( 'SENW_DNC_DIR' );
		return $base ? rtrim( (string) $base, '/' ) . '/inbox' : '';
	}

	public static function render_dnc() {
		global $wpdb;
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage Do-Not-Call lists.', 'senw-crm' ), 403 );
		}
		// phpcs:disable WordPress.DB.PreparedSQL.NotPrepared, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from prefix.
		// Each area code has its own copy: a list is as old as its oldest one.
		$sources = $wpdb->get_results( 'SELECT s.kind, s.name, s.numbers, s.area_codes, s.loaded_at, MIN(a.registry_date) AS oldest, MAX(a.registry_date) AS newest, DATEDIFF(UTC_DATE(), MIN(a.registry_date)) AS age FROM `' . self::t( 'dnc_sources' ) . '` s LEFT JOIN `' . self::t( 'dnc_area_codes' ) . '` a ON a.kind = s.kind AND a.name = s.name GROUP BY s.kind, s.name, s.numbers, s.area_codes, s.loaded_at ORDER BY s.kind, s.name', ARRAY_A );
		$oldest  = $wpdb->get_row( "SELECT MIN(registry_date) AS d, COUNT(*) AS n, SUM(DATEDIFF(UTC_DATE(), registry_date) > 31) AS stale FROM `" . self::t( 'dnc_area_codes' ) . "` WHERE kind = 'federal'", ARRAY_A );
		$loads   = $wpdb->get_results( 'SELECT * FROM `' . self::t( 'dnc_loads' ) . '` ORDER BY id DESC LIMIT 20', ARRAY_A );
		$pending = (int) $wpdb->get_var( "SELECT COUNT(*) FROM `" . self::t( 'outbox' ) . "` WHERE topic = 'dnc.load' AND completed_at IS NULL AND parked_at IS NULL" );
		// phpcs:enable
		$registry = self::registry_state();
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-dnc',
			array(
				'sources'  => $sources,
				'federal'  => $oldest,
				'loads'    => $loads,
				'pending'  => $pending,
				'max_age'  => self::MAX_AGE,
				'notices'  => SENW_CRM_Admin::notices(),
				'post_url' => admin_url( 'admin-post.php' ),
				'ready'    => '' !== self::inbox_dir(),
				'registry' => $registry,
			)
		);
	}

	/**
	 * The registry download's state: the last attempt, when the next download
	 * is allowed (24 hours after the last one that counted: running or done),
	 * whether one is queued, and the area codes subscribed. The sidecar decides
	 * again, under a lock, when the job runs.
	 */
	public static function registry_state() {
		global $wpdb;
		$table = self::t( 'dnc_downloads' );
		// phpcs:disable WordPress.DB.PreparedSQL.NotPrepared, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from prefix.
		$last   = $wpdb->get_row( 'SELECT * FROM `' . $table . '` ORDER BY id DESC LIMIT 1', ARRAY_A );
		$next   = $wpdb->get_var( "SELECT DATE_ADD(MAX(started_at), INTERVAL 24 HOUR) FROM `" . $table . "` WHERE status IN ('running', 'done') HAVING MAX(started_at) > UTC_TIMESTAMP(3) - INTERVAL 24 HOUR" );
		$queued = (int) $wpdb->get_var( "SELECT COUNT(*) FROM `" . self::t( 'outbox' ) . "` WHERE topic = 'dnc.download' AND completed_at IS NULL AND parked_at IS NULL" );
		// A download still running after its job's timeout (3 hours) died with its worker.
		$queued += (int) $wpdb->get_var( "SELECT COUNT(*) FROM `" . $table . "` WHERE status = 'running' AND started_at > UTC_TIMESTAMP(3) - INTERVAL 3 HOUR" );
		// phpcs:enable
		return array(
			'last'       => $last,
			'files'      => $last && $last['result'] ? (array) json_decode( (string) $last['result'], true ) : array(),
			'next'       => $next ? (string) $next : '',
			'queued'     => $queued > 0,
			'area_codes' => (string) get_option( self::AREA_OPTION, '' ),
		);
	}

	/** "a, b" of valid area codes, or null when any part is not one. */
	public static function parse_area_codes( $raw ) {
		$codes = array();
		foreach ( preg_split( '/[\s,]+/', trim( (string) $raw ), -1, PREG_SPLIT_NO_EMPTY ) as $part ) {
			if ( ! preg_match( '/^[2-9]\d\d$/', $part ) ) {
				return null;
			}
			$codes[ $part ] = true;
		}
		$codes = array_keys( $codes );
		sort( $codes );
		return implode( ',', $codes );
	}

	/** admin-post.php?action=senw_crm_dnc_save_area_codes: the area codes the brokerage subscribes to. */
	public static function handle_area_codes() {
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage Do-Not-Call lists.', 'senw-crm' ), 403 );
		}
		check_admin_referer( self::AREA_CODES );
		$codes = self::parse_area_codes( isset( $_POST['area_codes'] ) ? sanitize_text_field( wp_unslash( $_POST['area_codes'] ) ) : '' );
		if ( null === $codes ) {
			self::back( self::DNC_SLUG, 'senw_error', 'dnc_codes_bad' );
		}
		update_option( self::AREA_OPTION, $codes, false );
		SENW_CRM_Audit::log( 'update', 'dnc_area_codes', null, array( 'area_codes' => $codes ) );
		self::back( self::DNC_SLUG, 'senw_notice', 'dnc_codes_ok' );
	}

	/** admin-post.php?action=senw_crm_dnc_download: one outbox row asks the sidecar to download the registry. */
	public static function handle_download() {
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage Do-Not-Call lists.', 'senw-crm' ), 403 );
		}
		check_admin_referer( self::DOWNLOAD );
		$state = self::registry_state();
		if ( '' === $state['area_codes'] ) {
			self::back( self::DNC_SLUG, 'senw_error', 'dnc_dl_codes' );
		}
		if ( $state['queued'] ) {
			self::back( self::DNC_SLUG, 'senw_error', 'dnc_dl_busy' );
		}
		if ( '' !== $state['next'] ) {
			self::back( self::DNC_SLUG, 'senw_error', 'dnc_dl_wait' );
		}
		$id = self::queue( 'dnc.download', array( 'user_id' => get_current_user_id() ) );
		if ( ! $id ) {
			self::back( self::DNC_SLUG, 'senw_error', 'dnc_save_fail' );
		}
		SENW_CRM_Audit::log( 'download', 'dnc_registry', $id, array( 'area_codes' => $state['area_codes'] ) );
		SENW_CRM_Sidecar::kick_outbox( $id );
		self::back( self::DNC_SLUG, 'senw_notice', 'dnc_dl_queued' );
	}

	private static function back( $slug, $arg, $code ) {
		wp_safe_redirect( add_query_arg( $arg, $code, admin_url( 'admin.php?page=' . $slug ) ) );
		exit;
	}

	/** One outbox row for the sidecar (low queue); its id, or 0. */
	private static function queue( $topic, array $payload ) {
		global $wpdb;
		$ok = $wpdb->insert(
			self::t( 'outbox' ),
			array(
				'topic'   => $topic,
				'queue'   => 'low',
				'payload' => wp_json_encode( $payload ),
			),
			array( '%s', '%s', '%s' )
		);
		return $ok ? (int) $wpdb->insert_id : 0;
	}

	/** admin-post.php?action=senw_crm_dnc_upload: the file goes to the inbox and one outbox row asks the sidecar to load it. */
	public static function handle_upload() {
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage Do-Not-Call lists.', 'senw-crm' ), 403 );
		}
		check_admin_referer( self::UPLOAD );
		$kind  = isset( $_POST['kind'] ) ? sanitize_key( wp_unslash( $_POST['kind'] ) ) : '';
		$name  = isset( $_POST['list_name'] ) ? sanitize_text_field( wp_unslash( $_POST['list_name'] ) ) : '';
		$type  = isset( $_POST['list_type'] ) && 'change' === $_POST['list_type'] ? 'change' : 'full';
		$date  = isset( $_POST['registry_date'] ) ? sanitize_text_field( wp_unslash( $_POST['registry_date'] ) ) : '';
		$name  = '' === $name && 'federal' === $kind ? 'national' : $name;
		if ( ! in_array( $kind, self::KINDS, true ) || ! preg_match( '/^[A-Za-z0-9_-]{1,40}$/', $name ) ) {
			self::back( self::DNC_SLUG, 'senw_error', 'dnc_bad_kind' );
		}
		if ( ! preg_match( '/^\d{4}-\d{2}-\d{2}$/', $date ) || strtotime( $date . ' 00:00:00 UTC' ) > time() || ! checkdate( (int) substr( $date, 5, 2 ), (int) substr( $date, 8, 2 ), (int) substr( $date, 0, 4 ) ) ) {
			self::back( self::DNC_SLUG, 'senw_error', 'dnc_bad_date' );
		}
		// phpcs:ignore WordPress.Security.ValidatedSanitizedInput -- a PHP upload array, checked below.
		$file = isset( $_FILES['dnc_file'] ) ? $_FILES['dnc_file'] : null;
		if ( ! $file || ! isset( $file['error'], $file['tmp_name'] ) || UPLOAD_ERR_OK !== (int) $file['error'] || ! is_uploaded_file( $file['tmp_name'] ) ) {
			self::back( self::DNC_SLUG, 'senw_error', 'dnc_no_file' );
		}
		$inbox = self::inbox_dir();
		if ( '' === $inbox || ( ! is_dir( $inbox ) && ! wp_mkdir_p( $inbox ) ) ) {
			self::back( self::DNC_SLUG, 'senw_error', 'dnc_save_fail' );
		}
		$stored = bin2hex( random_bytes( 16 ) ) . '.upload';
		if ( ! move_uploaded_file( $file['tmp_name'], $inbox . '/' . $stored ) ) {
			self::back( self::DNC_SLUG, 'senw_error', 'dnc_save_fail' );
		}
		$id = self::queue(
			'dnc.load',
			array(
				'file'          => $stored,
				'original'      => substr( sanitize_file_name( (string) $file['name'] ), 0, 200 ),
				'kind'          => $kind,
				'name'          => $name,
				'list_type'     => $type,
				'registry_date' => $date,
				'user_id'       => get_current_user_id(),
			)
		);
		if ( ! $id ) {
			wp_delete_file( $inbox . '/' . $stored );
			self::back( self::DNC_SLUG, 'senw_error', 'dnc_save_fail' );
		}
		SENW_CRM_Audit::log( 'upload', 'dnc_list', $id, array( 'kind' => $kind, 'name' => $name, 'list_type' => $type, 'registry_date' => $date ) );
		SENW_CRM_Sidecar::kick_outbox( $id );
		self::back( self::DNC_SLUG, 'senw_notice', 'dnc_queued' );
	}

	// -- campaign unsubscribe links ---------------------------------------------------

	/**
	 * ?senw_optout=TOKEN: GET asks, POST (the button, or a mail client's RFC 8058
	 * one-click) unsubscribes. The sidecar checks the token and records the
	 * opt-out; this page only relays it.
	 */
	public static function optout_page() {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- the token is the secret.
		$token = isset( $_GET['senw_optout'] ) ? preg_replace( '/[^0-9a-f.]/', '', (string) wp_unslash( $_GET['senw_optout'] ) ) : '';
		if ( '' === $token ) {
			return;
		}
		nocache_headers();
		header( 'X-Robots-Tag: noindex' );
		if ( ! preg_match( '/^\d{1,20}\.\d{1,20}\.[0-9a-f]{32}$/', $token ) ) {
			wp_die( esc_html__( 'This unsubscribe link is not valid.', 'senw-crm' ), esc_html__( 'Unsubscribe', 'senw-crm' ), array( 'response' => 404 ) );
		}
		$method = isset( $_SERVER['REQUEST_METHOD'] ) ? strtoupper( sanitize_key( wp_unslash( $_SERVER['REQUEST_METHOD'] ) ) ) : 'GET';
		if ( 'POST' === $method ) {
			$result = SENW_CRM_Sidecar::signed_request( 'POST', '/internal/compliance/unsubscribe', array( 'token' => $token ), 10.0 );
			if ( is_wp_error( $result ) || 200 !== $result['status'] ) {
				$code = is_wp_error( $result ) ? 503 : ( 400 === $result['status'] ? 404 : 503 );
				wp_die( esc_html__( 'We could not record this just now. Please try again in a minute.', 'senw-crm' ), esc_html__( 'Unsubscribe', 'senw-crm' ), array( 'response' => $code ) );
			}
			wp_die( '<h1>' . esc_html__( 'You are unsubscribed', 'senw-crm' ) . '</h1><p>' . esc_html__( 'You will receive no more marketing email from us.', 'senw-crm' ) . '</p>', esc_html__( 'Unsubscribed', 'senw-crm' ), array( 'response' => 200 ) );
		}
		$form = '<h1>' . esc_html__( 'Stop marketing email from us?', 'senw-crm' ) . '</h1><form method="post"><p><button type="submit" class="button" id="senw-optout">' . esc_html__( 'Unsubscribe', 'senw-crm' ) . '</button></p></form>';
		wp_die( $form, esc_html__( 'Unsubscribe', 'senw-crm' ), array( 'response' => 200 ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- built from escaped parts.
	}

	// -- lead page --------------------------------------------------------------------

	/** The lead's active opt-outs (by person or by one of their addresses). */
	public static function opt_outs_for( $person_id ) {
		global $wpdb;
		$phones = self::t( 'person_phones' );
		$emails = self::t( 'person_emails' );
		// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table names from prefix.
		return $wpdb->get_results( $wpdb->prepare( 'SELECT channel, address, source, created_at FROM `' . self::t( 'opt_outs' ) . '` o WHERE lifted_at IS NULL AND (person_id = %d OR address IN (SELECT phone_e164 FROM `' . $phones . '` WHERE person_id = %d) OR address IN (SELECT email FROM `' . $emails . '` WHERE person_id = %d)) ORDER BY id DESC LIMIT 50', $person_id, $person_id, $person_id ), ARRAY_A );
	}

	public static function lead_box( $lead, $can_edit ) {
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-lead-opt-outs',
			array(
				'lead'     => $lead,
				'can_edit' => $can_edit,
				'opt_outs' => self::opt_outs_for( (int) $lead['person_id'] ),
				'scrubs'   => self::scrub_person( (int) $lead['person_id'] ),
				'post_url' => admin_url( 'admin-post.php' ),
			)
		);
	}

	/**
	 * Each of the person's phones with the lists it is on and the registry date
	 * (the sidecar's scrub); null when the sidecar cannot say right now.
	 */
	public static function scrub_person( $person_id ) {
		global $wpdb;
		// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		$phones = $wpdb->get_col( $wpdb->prepare( 'SELECT phone_e164 FROM `' . self::t( 'person_phones' ) . "` WHERE person_id = %d AND phone_e164 LIKE '+1%%' ORDER BY is_primary DESC, id LIMIT 10", $person_id ) );
		if ( ! $phones ) {
			return array();
		}
		$result = SENW_CRM_Sidecar::signed_request( 'POST', '/internal/compliance/scrub', array( 'phones' => array_values( $phones ) ), 2.0 );
		if ( is_wp_error( $result ) || 200 !== $result['status'] || ! isset( $result['json']['results'] ) ) {
			return null;
		}
		return (array) $result['json']['results'];
	}

	/** admin-post.php?action=senw_crm_lead_opt_out: the agent withdraws the lead's consent. */
	public static function handle_opt_out() {
		$lead_id = SENW_CRM_Admin_Actions::authorize_lead_form( self::OPT_OUT );
		$raw      = isset( $_POST['channels'] ) && is_array( $_POST['channels'] ) ? array_map( 'sanitize_key', wp_unslash( $_POST['channels'] ) ) : array();
		$channels = array_values( array_intersect( self::OPT_OUTS, $raw ) );
		$note     = isset( $_POST['note'] ) ? substr( sanitize_text_field( wp_unslash( $_POST['note'] ) ), 0, 255 ) : '';
		$url      = SENW_CRM_Admin::lead_url( $lead_id );
		if ( ! $channels ) {
			wp_safe_redirect( add_query_arg( 'senw_error', 'opt_out_none', $url ) );
			exit;
		}
		$result = SENW_CRM_Sidecar::signed_request(
			'POST',
			'/internal/compliance/opt-out',
			array(
				'lead_id'  => $lead_id,
				'channels' => $channels,
				'user_id'  => get_current_user_id(),
				'note'     => $note,
			)
		);
		$ok = ! is_wp_error( $result ) && 200 === $result['status'];
		if ( $ok ) {
			SENW_CRM_Audit::log( 'opt_out', 'lead', $lead_id, array( 'channels' => $channels ) );
		}
		wp_safe_redirect( add_query_arg( $ok ? 'senw_notice' : 'senw_error', $ok ? 'opted_out' : 'opt_out_fail', $url ) );
		exit;
	}
}

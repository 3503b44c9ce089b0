<?php
/**
 * CRM > Lists (managers): upload a list CSV, preview it, map its columns to the
 * CRM's fields (with saved mappings), start the import and watch its progress;
 * each bad or duplicate row is listed with its reason. The import itself runs
 * in the sidecar (sidecar/lists/importer.py), which dedupes against people and
 * properties without ever merging two existing people.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Lists {

	const SLUG    = 'senw-crm-lists';
	const CAP     = 'senw_manage_lists';
	const UPLOAD  = 'senw_crm_list_upload';
	const START   = 'senw_crm_list_start';
	const PREVIEW = 5;
	const EXPORT  = 'senw_crm_list_export';
	const FETCH   = 'senw_crm_export_download';
	const PULL    = 'senw_crm_list_pull';
	/** Criteria field => label (sidecar/lists/providers.py CRITERIA). */
	const CRITERIA = array( 'city', 'zip', 'property_type', 'min_value', 'max_value', 'owner_type', 'min_equity_pct', 'min_years_owned', 'status' );

	/** Export platform => label (sidecar/exports/platforms.py PLATFORMS). */
	public static function platforms() {
		return array(
			'direct_mail'       => __( 'Direct mail house', 'senw-crm' ),
			'dialer'            => __( 'Dialer', 'senw-crm' ),
			'sms_platform'      => __( 'SMS platform', 'senw-crm' ),
			'sendgrid_contacts' => __( 'SendGrid contacts', 'senw-crm' ),
			'ad_audience'       => __( 'Ad audience (hashed email and phone)', 'senw-crm' ),
		);
	}

	/** Target field => label (the sidecar's sidecar/lists/importer.py FIELDS). */
	public static function fields() {
		return array(
			'first_name'  => __( 'Owner first name', 'senw-crm' ),
			'last_name'   => __( 'Owner last name', 'senw-crm' ),
			'full_name'   => __( 'Owner full name', 'senw-crm' ),
			'email'       => __( 'Email', 'senw-crm' ),
			'phone'       => __( 'Phone', 'senw-crm' ),
			'phone2'      => __( 'Second phone', 'senw-crm' ),
			'mail_street' => __( 'Mailing address', 'senw-crm' ),
			'mail_city'   => __( 'Mailing city', 'senw-crm' ),
			'mail_state'  => __( 'Mailing state', 'senw-crm' ),
			'mail_zip'    => __( 'Mailing ZIP', 'senw-crm' ),
			'prop_street' => __( 'Property address', 'senw-crm' ),
			'prop_city'   => __( 'Property city', 'senw-crm' ),
			'prop_state'  => __( 'Property state', 'senw-crm' ),
			'prop_zip'    => __( 'Property ZIP', 'senw-crm' ),
		);
	}

	public static function register() {
		if ( ! is_admin() ) {
			return;
		}
		add_action( 'admin_menu', array( __CLASS__, 'menu' ), 21 );
		add_action( 'admin_post_' . self::UPLOAD, array( __CLASS__, 'handle_upload' ) );
		add_action( 'admin_post_' . self::START, array( __CLASS__, 'handle_start' ) );
		add_action( 'admin_post_' . self::EXPORT, array( __CLASS__, 'handle_export' ) );
		add_action( 'admin_post_' . self::FETCH, array( __CLASS__, 'download' ) );
		add_action( 'admin_post_' . self::PULL, array( __CLASS__, 'handle_pull' ) );
	}

	public static function messages() {
		return array(
			'list_uploaded' => __( 'File received: map its columns, then start the import.', 'senw-crm' ),
			'list_no_file'  => __( 'Choose a CSV file and give the list a name.', 'senw-crm' ),
			'list_bad_file' => __( 'The file could not be read as CSV with a header row.', 'senw-crm' ),
			'list_started'  => __( 'Import started.', 'senw-crm' ),
			'list_no_map'   => __( 'Map at least one column to a name field and one to a phone, email or mailing address.', 'senw-crm' ),
			'export_queued' => __( 'Export started: only records the compliance gate allows are written.', 'senw-crm' ),
			'pull_queued'   => __( 'List requested from the provider: it imports like an uploaded file.', 'senw-crm' ),
			'pull_bad'      => __( 'Give the list a name; values must be numbers where asked.', 'senw-crm' ),
		);
	}

	public static function menu() {
		$hook = add_submenu_page( SENW_CRM_Admin::MENU_SLUG, __( 'Lists', 'senw-crm' ), __( 'Lists', 'senw-crm' ), self::CAP, self::SLUG, array( __CLASS__, 'render' ) );
		if ( $hook ) {
			add_action( 'load-' . $hook, array( 'SENW_CRM_Compliance', 'styles' ) );
		}
	}

	private static function t( $name ) {
		return SENW_CRM_Db::t( $name );
	}

	private static function get( $id ) {
		global $wpdb;
		return $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM `' . self::t( 'lists' ) . '` WHERE id = %d', (int) $id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
	}

	/** The header and first rows of a stored upload. */
	public static function preview( $list ) {
		$path = SENW_CRM_Compliance::inbox_dir() . '/' . basename( (string) $list['upload_file'] );
		if ( '' === (string) $list['upload_file'] || ! is_readable( $path ) ) {
			return array( array(), array() );
		}
		$fh     = fopen( $path, 'r' ); // phpcs:ignore WordPress.WP.AlternativeFunctions -- reading our own upload.
		$header = fgetcsv( $fh );
		$rows   = array();
		while ( count( $rows ) < self::PREVIEW && ( $row = fgetcsv( $fh ) ) !== false ) { // phpcs:ignore WordPress.CodeAnalysis.AssignmentInCondition
			$rows[] = $row;
		}
		fclose( $fh ); // phpcs:ignore WordPress.WP.AlternativeFunctions
		$header = is_array( $header ) ? array_map( 'trim', $header ) : array();
		if ( isset( $header[0] ) ) {
			$header[0] = preg_replace( '/^\xEF\xBB\xBF/', '', $header[0] );
		}
		return array( $header, $rows );
	}

	/** A guess per column from its header, e.g. "Owner First Name" -> first_name. */
	public static function guess( $column ) {
		$c     = strtolower( preg_replace( '/[^a-z0-9]+/i', ' ', $column ) );
		$rules = array(
			'first_name'  => '/\bfirst\b/',
			'last_name'   => '/\blast\b/',
			'full_name'   => '/\b(owner|full)? ?name\b/',
			'email'       => '/\be ?mail\b/',
			'phone2'      => '/\bphone ?2\b/',
			'phone'       => '/\b(phone|mobile|cell)\b/',
			'mail_zip'    => '/\bmail\w* (zip|postal)/',
			'mail_city'   => '/\bmail\w* city/',
			'mail_state'  => '/\bmail\w* state/',
			'mail_street' => '/\bmail\w* (address|street)/',
			'prop_zip'    => '/\b(property|site|situs) (zip|postal)/',
			'prop_city'   => '/\b(property|site|situs) city/',
			'prop_state'  => '/\b(property|site|situs) state/',
			'prop_street' => '/\b(property|site|situs) (address|street)/',
		);
		foreach ( $rules as $field => $re ) {
			if ( preg_match( $re, $c ) ) {
				return $field;
			}
		}
		return '';
	}

	public static function render() {
		global $wpdb;
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage lists.', 'senw-crm' ), 403 );
		}
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- viewing.
		$id   = isset( $_GET['list'] ) ? absint( $_GET['list'] ) : 0;
		$list = $id ? self::get( $id ) : null;
		$data = array(
			'list'     => $list,
			'notices'  => SENW_CRM_Admin::notices(),
			'post_url' => admin_url( 'admin-post.php' ),
			'fields'   => self::fields(),
			// phpcs:disable WordPress.DB.PreparedSQL.NotPrepared -- table names from prefix.
			// Per list: responses attributed to it, leads and deals of its people since the list.
			'lists'    => $list ? array() : $wpdb->get_results( 'SELECT s.*, (SELECT COUNT(*) FROM `' . self::t( 'responses' ) . '` r WHERE r.list_id = s.id) AS responses, (SELECT COUNT(DISTINCT l.id) FROM `' . self::t( 'list_members' ) . '` m JOIN `' . self::t( 'leads' ) . '` l ON l.person_id = m.person_id AND l.created_at >= s.created_at WHERE m.list_id = s.id) AS leads, (SELECT COUNT(DISTINCT d.id) FROM `' . self::t( 'list_members' ) . '` m JOIN `' . self::t( 'deals' ) . '` d ON d.person_id = m.person_id AND d.created_at >= s.created_at WHERE m.list_id = s.id) AS deals FROM `' . self::t( 'lists' ) . '` s ORDER BY s.id DESC LIMIT 100', ARRAY_A ),
			'criteria' => $wpdb->get_results( 'SELECT id, name, criteria FROM `' . self::t( 'list_criteria' ) . '` ORDER BY name LIMIT 100', ARRAY_A ),
			'mappings' => $wpdb->get_results( 'SELECT id, name, mapping FROM `' . self::t( 'import_mappings' ) . '` ORDER BY name', ARRAY_A ),
			'exports'  => $list ? $wpdb->get_results( $wpdb->prepare( 'SELECT * FROM `' . self::t( 'exports' ) . '` WHERE list_id = %d ORDER BY id DESC LIMIT 20', $id ), ARRAY_A ) : array(),
			'errors'   => $list ? $wpdb->get_results( $wpdb->prepare( 'SELECT row_no, kind, field, reason FROM `' . self::t( 'import_errors' ) . '` WHERE list_id = %d ORDER BY row_no, field LIMIT 500', $id ), ARRAY_A ) : array(),
			// phpcs:enable
			'preview'  => $list && 'pending' === $list['status'] ? self::preview( $list ) : array( array(), array() ),
		);
		echo SENW_CRM_Lead_Form::template( 'admin-lists', $data ); // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
	}

	public static function handle_upload() {
		global $wpdb;
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage lists.', 'senw-crm' ), 403 );
		}
		check_admin_referer( self::UPLOAD );
		$back = admin_url( 'admin.php?page=' . self::SLUG );
		$name = isset( $_POST['list_name'] ) ? substr( sanitize_text_field( wp_unslash( $_POST['list_name'] ) ), 0, 150 ) : '';
		$cost = isset( $_POST['cost'] ) ? (int) round( 100 * (float) $_POST['cost'] ) : 0;
		// phpcs:ignore WordPress.Security.ValidatedSanitizedInput -- a PHP upload array, checked below.
		$file = isset( $_FILES['list_file'] ) ? $_FILES['list_file'] : null;
		if ( '' === $name || ! $file || UPLOAD_ERR_OK !== (int) $file['error'] || ! is_uploaded_file( $file['tmp_name'] ) ) {
			wp_safe_redirect( add_query_arg( 'senw_error', 'list_no_file', $back ) );
			exit;
		}
		$inbox = SENW_CRM_Compliance::inbox_dir();
		if ( '' === $inbox || ( ! is_dir( $inbox ) && ! wp_mkdir_p( $inbox ) ) ) {
			wp_safe_redirect( add_query_arg( 'senw_error', 'list_bad_file', $back ) );
			exit;
		}
		$stored = bin2hex( random_bytes( 16 ) ) . '.upload';
		if ( ! move_uploaded_file( $file['tmp_name'], $inbox . '/' . $stored ) ) {
			wp_safe_redirect( add_query_arg( 'senw_error', 'list_bad_file', $back ) );
			exit;
		}
		$wpdb->insert(
			self::t( 'lists' ),
			array(
				'name'        => $name,
				'source'      => 'csv',
				'file_name'   => substr( sanitize_file_name( (string) $file['name'] ), 0, 255 ),
				'upload_file' => $stored,
				'cost_cents'  => max( 0, $cost ),
				'created_by'  => get_current_user_id(),
			),
			array( '%s', '%s', '%s', '%s', '%d', '%d' )
		);
		$id = (int) $wpdb->insert_id;
		list( $header ) = self::preview( self::get( $id ) );
		if ( ! $header ) {
			wp_safe_redirect( add_query_arg( 'senw_error', 'list_bad_file', $back ) );
			exit;
		}
		SENW_CRM_Audit::log( 'upload', 'list', $id, array( 'name' => $name ) );
		wp_safe_redirect( add_query_arg( array( 'list' => $id, 'senw_notice' => 'list_uploaded' ), $back ) );
		exit;
	}

	public static function handle_start() {
		global $wpdb;
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage lists.', 'senw-crm' ), 403 );
		}
		$id = isset( $_POST['list'] ) ? absint( $_POST['list'] ) : 0;
		check_admin_referer( self::START . '_' . $id );
		$list = self::get( $id );
		if ( ! $list || 'pending' !== $list['status'] ) {
			wp_die( esc_html__( 'This list is already imported or importing.', 'senw-crm' ), 409 );
		}
		list( $header ) = self::preview( $list );
		$raw     = isset( $_POST['map'] ) && is_array( $_POST['map'] ) ? wp_unslash( $_POST['map'] ) : array(); // phpcs:ignore WordPress.Security.ValidatedSanitizedInput -- checked against the header and field list below.
		$mapping = array();
		foreach ( $header as $i => $column ) {
			$field = isset( $raw[ $i ] ) ? sanitize_key( $raw[ $i ] ) : '';
			if ( '' !== $field && isset( self::fields()[ $field ] ) && ! in_array( $field, $mapping, true ) ) {
				$mapping[ $column ] = $field;
			}
		}
		$has_name    = array_intersect( $mapping, array( 'first_name', 'last_name', 'full_name' ) );
		$has_contact = array_intersect( $mapping, array( 'email', 'phone', 'phone2', 'mail_street' ) );
		$back        = admin_url( 'admin.php?page=' . self::SLUG . '&list=' . $id );
		if ( ! $has_name || ! $has_contact ) {
			wp_safe_redirect( add_query_arg( 'senw_error', 'list_no_map', $back ) );
			exit;
		}
		$save_as = isset( $_POST['save_as'] ) ? substr( sanitize_text_field( wp_unslash( $_POST['save_as'] ) ), 0, 100 ) : '';
		if ( '' !== $save_as ) {
			// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
			$wpdb->query( $wpdb->prepare( 'INSERT INTO `' . self::t( 'import_mappings' ) . '` (name, mapping, created_by) VALUES (%s, %s, %d) ON DUPLICATE KEY UPDATE mapping = VALUES(mapping)', $save_as, wp_json_encode( $mapping ), get_current_user_id() ) );
		}
		SENW_CRM_Db::begin();
		$ok = false !== $wpdb->update( self::t( 'lists' ), array( 'status' => 'queued', 'mapping' => wp_json_encode( $mapping ) ), array( 'id' => $id, 'status' => 'pending' ), array( '%s', '%s' ), array( '%d', '%s' ) );
		$ok = $ok && $wpdb->insert(
			self::t( 'outbox' ),
			array(
				'topic'   => 'list.import',
				'queue'   => 'low',
				'payload' => wp_json_encode( array( 'list_id' => $id, 'file' => $list['upload_file'], 'mapping' => $mapping ) ),
			),
			array( '%s', '%s', '%s' )
		);
		$outbox = (int) $wpdb->insert_id;
		if ( ! $ok || ! SENW_CRM_Db::commit() ) {
			SENW_CRM_Db::rollback();
			wp_safe_redirect( add_query_arg( 'senw_error', 'save_failed', $back ) );
			exit;
		}
		SENW_CRM_Audit::log( 'import', 'list', $id, array( 'columns' => count( $mapping ) ) );
		SENW_CRM_Sidecar::kick_outbox( $outbox );
		wp_safe_redirect( add_query_arg( 'senw_notice', 'list_started', $back ) );
		exit;
	}

	/** admin-post.php?action=senw_crm_list_export: one export row and its unit of work. */
	public static function handle_export() {
		global $wpdb;
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to export lists.', 'senw-crm' ), 403 );
		}
		$id = isset( $_POST['list'] ) ? absint( $_POST['list'] ) : 0;
		check_admin_referer( self::EXPORT . '_' . $id );
		$platform = isset( $_POST['platform'] ) ? sanitize_key( wp_unslash( $_POST['platform'] ) ) : '';
		if ( ! self::get( $id ) || ! isset( self::platforms()[ $platform ] ) ) {
			wp_die( esc_html__( 'Choose a list and a platform.', 'senw-crm' ), 400 );
		}
		$back = admin_url( 'admin.php?page=' . self::SLUG . '&list=' . $id );
		SENW_CRM_Db::begin();
		$ok  = $wpdb->insert( self::t( 'exports' ), array( 'platform' => $platform, 'list_id' => $id, 'created_by' => get_current_user_id() ), array( '%s', '%d', '%d' ) );
		$eid = (int) $wpdb->insert_id;
		$ok  = $ok && $wpdb->insert( self::t( 'outbox' ), array( 'topic' => 'export.run', 'queue' => 'low', 'payload' => wp_json_encode( array( 'export_id' => $eid ) ) ), array( '%s', '%s', '%s' ) );
		$box = (int) $wpdb->insert_id;
		if ( ! $ok || ! SENW_CRM_Db::commit() ) {
			SENW_CRM_Db::rollback();
			wp_safe_redirect( add_query_arg( 'senw_error', 'save_failed', $back ) );
			exit;
		}
		SENW_CRM_Audit::log( 'export', 'list', $id, array( 'platform' => $platform, 'export_id' => $eid ) );
		SENW_CRM_Sidecar::kick_outbox( $box );
		wp_safe_redirect( add_query_arg( 'senw_notice', 'export_queued', $back ) );
		exit;
	}

	/** admin-post.php?action=senw_crm_export_download&export=ID: the finished file. */
	public static function download() {
		global $wpdb;
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to download exports.', 'senw-crm' ), 403 );
		}
		$eid = isset( $_GET['export'] ) ? absint( $_GET['export'] ) : 0;
		check_admin_referer( self::FETCH . '_' . $eid );
		// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		$row  = $wpdb->get_row( $wpdb->prepare( "SELECT file_name FROM `" . self::t( 'exports' ) . "` WHERE id = %d AND status = 'done'", $eid ), ARRAY_A );
		$base = defined( 'SENW_CRM_DNC_DIR' ) ? SENW_CRM_DNC_DIR : getenv( 'SENW_DNC_DIR' );
		$path = $row && $base ? rtrim( (string) $base, '/' ) . '/exports/' . basename( (string) $row['file_name'] ) : '';
		if ( '' === $path || ! preg_match( '/^export-\d+-[a-z_]+\.csv$/', basename( $path ) ) || ! is_readable( $path ) ) {
			wp_die( esc_html__( 'This export is not available.', 'senw-crm' ), 404 );
		}
		SENW_CRM_Audit::log( 'download', 'export', $eid );
		SENW_CRM_Csv::headers( basename( $path ) );
		readfile( $path ); // phpcs:ignore WordPress.WP.AlternativeFunctions -- the sidecar's finished file.
		exit;
	}


	/** admin-post.php?action=senw_crm_list_pull: a list from the data provider by criteria (saved if named). */
	public static function handle_pull() {
		global $wpdb;
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage lists.', 'senw-crm' ), 403 );
		}
		check_admin_referer( self::PULL );
		$back     = admin_url( 'admin.php?page=' . self::SLUG );
		$name     = isset( $_POST['list_name'] ) ? substr( sanitize_text_field( wp_unslash( $_POST['list_name'] ) ), 0, 150 ) : '';
		$criteria = array();
		foreach ( self::CRITERIA as $key ) {
			$value = isset( $_POST[ 'c_' . $key ] ) ? sanitize_text_field( wp_unslash( $_POST[ 'c_' . $key ] ) ) : '';
			if ( '' === $value ) {
				continue;
			}
			if ( in_array( $key, array( 'min_value', 'max_value', 'min_equity_pct', 'min_years_owned' ), true ) && ! is_numeric( $value ) ) {
				wp_safe_redirect( add_query_arg( 'senw_error', 'pull_bad', $back ) );
				exit;
			}
			$criteria[ $key ] = $value;
		}
		if ( '' === $name ) {
			wp_safe_redirect( add_query_arg( 'senw_error', 'pull_bad', $back ) );
			exit;
		}
		$save = isset( $_POST['save_criteria'] ) ? substr( sanitize_text_field( wp_unslash( $_POST['save_criteria'] ) ), 0, 150 ) : '';
		if ( '' !== $save ) {
			$wpdb->insert( self::t( 'list_criteria' ), array( 'name' => $save, 'criteria' => wp_json_encode( $criteria ), 'created_by' => get_current_user_id() ), array( '%s', '%s', '%d' ) );
		}
		SENW_CRM_Db::begin();
		$ok  = $wpdb->insert( self::t( 'lists' ), array( 'name' => $name, 'source' => 'provider', 'criteria' => wp_json_encode( (object) $criteria ), 'status' => 'queued', 'created_by' => get_current_user_id() ), array( '%s', '%s', '%s', '%s', '%d' ) );
		$lid = (int) $wpdb->insert_id;
		$ok  = $ok && $wpdb->insert( self::t( 'outbox' ), array( 'topic' => 'list.pull', 'queue' => 'low', 'payload' => wp_json_encode( array( 'list_id' => $lid ) ) ), array( '%s', '%s', '%s' ) );
		$box = (int) $wpdb->insert_id;
		if ( ! $ok || ! SENW_CRM_Db::commit() ) {
			SENW_CRM_Db::rollback();
			wp_safe_redirect( add_query_arg( 'senw_error', 'save_failed', $back ) );
			exit;
		}
		SENW_CRM_Audit::log( 'pull', 'list', $lid, $criteria );
		SENW_CRM_Sidecar::kick_outbox( $box );
		wp_safe_redirect( add_query_arg( array( 'list' => $lid, 'senw_notice' => 'pull_queued' ), $back ) );
		exit;
	}
}
